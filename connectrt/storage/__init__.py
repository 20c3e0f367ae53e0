"""The internal topics and the stores behind them (Java's runtime.storage): KafkaBasedLog, the
config, offset and status backing stores (Kafka, memory, file) and their record formats. Stands on
api, config, model, converters and kafka; never imports the runtime, the herder or the REST layer."""
