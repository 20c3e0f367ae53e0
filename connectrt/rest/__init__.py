"""The REST API (Java's runtime.rest): the FastAPI app, one route module per resource, request
bodies, error mapping, leader forwarding, listeners, TLS and authentication. Stands on the herder
and below; connectrt.cli starts it next to a herder."""
