"""Built-in transforms; PLUGINS is what the entry point registers."""

PLUGINS: list[type] = []
