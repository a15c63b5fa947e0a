"""The JSON shape (each known field's type) of profile and endpoint bodies, checked once up front.

The ARM handlers and :mod:`arm_validation` then rely on these types, so a wrong type is a 400.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drillkit.sandbox.tm.arm_validation import ArmError, bad


@dataclass(frozen=True)
class Obj:
    """A JSON object; only the listed fields are checked (ARM ignores unknown ones)."""

    fields: Mapping[str, Spec]


@dataclass(frozen=True)
class Arr:
    """A JSON array whose items all have one shape."""

    item: Spec


@dataclass(frozen=True)
class Map:
    """A JSON object with free keys and values of one shape (tags)."""

    value: Spec


Spec = str | Obj | Arr | Map  # a str is one of the scalar names in _SCALARS

_SCALARS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
}

_HEADERS = Arr(Obj({"name": "string", "value": "string"}))

ENDPOINT_PROPERTIES = Obj(
    {
        "target": "string",
        "targetResourceId": "string",
        "endpointStatus": "string",
        "endpointMonitorStatus": "string",
        "endpointLocation": "string",
        "weight": "integer",
        "priority": "integer",
        "minChildEndpoints": "integer",
        "minChildEndpointsIPv4": "integer",
        "minChildEndpointsIPv6": "integer",
        "geoMapping": Arr("string"),
        "subnets": Arr(Obj({"first": "string", "last": "string", "scope": "integer"})),
        "customHeaders": _HEADERS,
        "alwaysServe": "string",
    }
)

ENDPOINT = Obj(
    {"id": "string", "name": "string", "type": "string", "properties": ENDPOINT_PROPERTIES}
)

NAME_CHECK = Obj({"name": "string", "type": "string"})

PROFILE = Obj(
    {
        "id": "string",
        "name": "string",
        "type": "string",
        "location": "string",
        "tags": Map("string"),
        "properties": Obj(
            {
                "profileStatus": "string",
                "trafficRoutingMethod": "string",
                "trafficViewEnrollmentStatus": "string",
                "recordType": "string",
                "maxReturn": "integer",
                "allowedEndpointRecordTypes": Arr("string"),
                "dnsConfig": Obj({"relativeName": "string", "fqdn": "string", "ttl": "integer"}),
                "monitorConfig": Obj(
                    {
                        "profileMonitorStatus": "string",
                        "protocol": "string",
                        "port": "integer",
                        "path": "string",
                        "intervalInSeconds": "integer",
                        "timeoutInSeconds": "integer",
                        "toleratedNumberOfFailures": "integer",
                        "customHeaders": _HEADERS,
                        "expectedStatusCodeRanges": Arr(Obj({"min": "integer", "max": "integer"})),
                    }
                ),
                "endpoints": Arr(ENDPOINT),
            }
        ),
    }
)


def check_shape(value: Any, spec: Spec, where: str = "") -> None:
    """Raise a 400 :class:`ArmError` naming the first field of ``value`` not shaped like ``spec``.

    A null object field counts as absent (the twin treats it so); array items may not be null.
    """
    if isinstance(spec, str):
        if not _SCALARS[spec](value):
            raise _wrong(where, f"a{'n' if spec[0] in 'aeiou' else ''} {spec}", value)
    elif isinstance(spec, Arr):
        if not isinstance(value, list):
            raise _wrong(where, "an array", value)
        for index, item in enumerate(value):
            check_shape(item, spec.item, f"{where}[{index}]")
    else:
        if not isinstance(value, dict):
            raise _wrong(where, "an object", value)
        for key, field in value.items():
            inner = spec.value if isinstance(spec, Map) else spec.fields.get(key)
            if inner is not None and field is not None:
                check_shape(field, inner, f"{where}.{key}" if where else key)


def _wrong(where: str, expected: str, value: Any) -> ArmError:
    return bad(
        f"The property '{where or 'body'}' must be {expected}, not {_json_type(value)}: "
        f"{_short(value)}."
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
