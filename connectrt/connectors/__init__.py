"""Built-in connectors; PLUGINS is what the entry point registers."""

PLUGINS: list[type] = []
