"""Defining a plugin's keys in the order and groups of the Java connector it mirrors.

A Java connector's ConfigDef lists its keys grouped, each with its order in the group, width and display name;
``GET /connector-plugins/{plugin}/config`` and validation answer in that order. Plugins keep their keys' specs
(``ConfigDef.define`` keyword arguments) in one mapping and the Java layout in a list of
:data:`LayoutEntry`; :func:`define_in_layout_order` puts them together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectrt.config.configdef import ConfigDef, Width

#: (key, group, order in group, width, display name)
LayoutEntry = tuple[str, str, int, Width, str]


def define_in_layout_order(
    specs: Mapping[str, Mapping[str, Any]],
    layout: Sequence[LayoutEntry],
    config_def: ConfigDef | None = None,
) -> ConfigDef:
    """A ConfigDef of ``specs`` (name -> ``ConfigDef.define`` keyword arguments): the keys ``layout``
    names first, in its order and with its group, order, width and display name, then the others
    as given (into ``config_def`` when given)."""
    config_def = config_def if config_def is not None else ConfigDef()
    laid_out = set()
    for name, group, order, width, display_name in layout:
        if name in specs:
            laid_out.add(name)
            config_def.define(
                name,
                **{
                    **specs[name],
                    "group": group,
                    "order_in_group": order,
                    "width": width,
                    "display_name": display_name,
                },
            )
    for name, spec in specs.items():
        if name not in laid_out:
            config_def.define(name, **spec)
    return config_def
