from __future__ import annotations

import pytest

from connectrt.api.plugin import PluginType
from connectrt.config.configdef import ConfigException
from connectrt.connectors.file import FileStreamSinkConnector, FileStreamSourceConnector
from connectrt.runtime.plugins import Plugins

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "name",
    [
        "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "FileStreamSourceConnector",
        "FileStreamSource",
        "connectrt.connectors.file.FileStreamSourceConnector",
        "connectrt.connectors.file:FileStreamSourceConnector",
    ],
)
def test_connector_aliases_resolve_as_java_does(name: str) -> None:
    assert Plugins().connector_class(name) is FileStreamSourceConnector


def test_unknown_connector_names_the_available_ones() -> None:
    with pytest.raises(
        ConfigException,
        match="Failed to find any class that implements Connector and which name "
        "matches Nope, available connectors are: .*FileStreamSinkConnector",
    ):
        Plugins().connector_class("Nope")


def test_listing_order_and_shape() -> None:
    plugins = Plugins()
    descs = plugins.all()
    types = [d.type for d in descs]
    order = [
        PluginType.SINK,
        PluginType.SOURCE,
        PluginType.TRANSFORMATION,
        PluginType.PREDICATE,
        PluginType.CONVERTER,
        PluginType.HEADER_CONVERTER,
    ]
    assert types == sorted(types, key=order.index)
    sink = plugins.desc(FileStreamSinkConnector)
    assert sink.class_name == "org.apache.kafka.connect.file.FileStreamSinkConnector"
    assert sink.type is PluginType.SINK
