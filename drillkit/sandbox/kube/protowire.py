"""Just enough of the Kubernetes protobuf encoding to read a SelfSubjectAccessReview.

``kubectl auth can-i`` posts its review as ``application/vnd.kubernetes.protobuf`` and does not
fall back to JSON on 415, so the twin reads that one message here: the ``k8s\\0`` envelope
(runtime.Unknown) and the few string fields of the review spec. Anything else stays JSON-only.
"""

from __future__ import annotations

from typing import Any

from drillkit.sandbox.kube.status import bad_request

MAGIC = b"k8s\x00"
_RESOURCE_FIELDS = {
    1: "namespace",
    2: "verb",
    3: "group",
    4: "version",
    5: "resource",
    6: "subresource",
    7: "name",
}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise bad_request("protobuf: truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def fields(data: bytes) -> dict[int, list[bytes | int]]:
    """Top-level fields of one message: varints as int, length-delimited as bytes."""
    out: dict[int, list[bytes | int]] = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: bytes | int
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise bad_request("protobuf: truncated field")
            value, pos = data[pos : pos + size], pos + size
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
            continue
        else:
            raise bad_request(f"protobuf: unsupported wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def _message(parent: dict[int, list[bytes | int]], number: int) -> dict[int, list[bytes | int]]:
    value = parent.get(number, [b""])[0]
    return fields(value) if isinstance(value, bytes) else {}


def _strings(msg: dict[int, list[bytes | int]], names: dict[int, str]) -> dict[str, str]:
    out = {}
    for number, name in names.items():
        value = msg.get(number, [b""])[0]
        if isinstance(value, bytes) and value:
            out[name] = value.decode("utf-8", "replace")
    return out


def decode_access_review(body: bytes) -> dict[str, Any]:
    """A protobuf SelfSubjectAccessReview as the JSON dict the handler expects."""
    if not body.startswith(MAGIC):
        raise bad_request("protobuf: missing the k8s envelope")
    raw = _message(fields(body[len(MAGIC) :]), 2)
    spec = _message(raw, 2)
    out: dict[str, Any] = {}
    if 1 in spec:
        out["resourceAttributes"] = _strings(_message(spec, 1), _RESOURCE_FIELDS)
    if 2 in spec:
        out["nonResourceAttributes"] = _strings(_message(spec, 2), {1: "path", 2: "verb"})
    return {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "spec": out}
