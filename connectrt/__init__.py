"""connectrt: a Kafka Connect-compatible connector runtime in Python."""

__version__ = "0.1.0"
