"""The only importer of confluent_kafka: producer, consumer and admin factories with Java's
client settings, topic creation, TLS/SASL settings and the reachability check. Stands on
connectrt.config and connectrt.model."""
