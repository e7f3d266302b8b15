"""The views layer: one assembler per page kind, each returning the context
that both the HTML template and the JSON twin render. Imports ``kg.model`` and
``kg.storage``."""
