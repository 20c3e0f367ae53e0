"""One worker's runtime (Java's runtime package): Worker, WorkerSourceTask, WorkerSinkTask,
the exactly-once source task, TransformationChain, error handling and the DLQ reporter,
ConnectorConfig, the plugin registry and the worker's loggers. Stands on storage and below; knows
nothing of the herder or the REST layer."""
