"""The control plane (Java's Herder): the Herder interface, StandaloneHerder, the distributed herder
(connectrt.herder.distributed), config validation and internal request signing. Stands on the
runtime and below; raises connectrt.model.errors, which the REST layer maps to error JSON."""
