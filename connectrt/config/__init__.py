"""Configuration machinery, one floor above connectrt.model: ConfigDef (Java's ConfigDef and its
validators), the worker configs (WorkerConfig, StandaloneConfig, DistributedConfig), Java .properties
files and config providers (${env:..}, ${file:..}, ${directory:..}). Imports nothing above connectrt.model."""
