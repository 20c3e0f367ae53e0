"""Built-in converters; PLUGINS is what the entry point registers."""

from connectrt.converters.json_converter import JsonConverter

PLUGINS: list[type] = [JsonConverter]
