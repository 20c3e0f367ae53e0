import time

from connectrt.api import ConfigDef, Importance, Schema, SourceConnector, SourceRecord, SourceTask, Type


class CounterTask(SourceTask):
    def start(self, props):
        self.topic = props["topic"]
        saved = self.context.offset_storage_reader.offset({"counter": "main"})
        self.n = saved["n"] if saved else 0

    def poll(self):
        time.sleep(0.1)  # poll() may block briefly; return None or [] when there is nothing
        self.n += 1
        return [
            SourceRecord(
                {"counter": "main"}, {"n": self.n}, self.topic, value_schema=Schema.INT64_SCHEMA, value=self.n
            )
        ]

    def stop(self):
        pass


class CounterConnector(SourceConnector):
    ALIASES = ("com.example.CounterConnector",)

    def config(self):
        return ConfigDef().define("topic", Type.STRING, importance=Importance.HIGH, documentation="Topic")

    def start(self, props):
        self.props = dict(props)

    def task_class(self):
        return CounterTask

    def task_configs(self, max_tasks):
        return [self.props]

    def stop(self):
        pass


PLUGINS = [CounterConnector]
