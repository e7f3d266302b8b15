"""The publishing layer: deterministic dumps and the VoID/DCAT description.
Imports ``kg.model`` and ``kg.storage``."""
