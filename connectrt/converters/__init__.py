"""Built-in converters; PLUGINS is what the entry point registers."""

PLUGINS: list[type] = []
