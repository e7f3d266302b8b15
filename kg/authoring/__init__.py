"""The authoring layer: mapping files, evidence spans, the build pipeline
(compile -> validate -> load -> swap) and shapes. Imports ``kg.model`` and
``kg.storage``."""
