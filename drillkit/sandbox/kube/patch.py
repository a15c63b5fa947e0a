"""JSON patch (RFC 6902), JSON merge patch (RFC 7386) and Kubernetes strategic-merge patch."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch

from drillkit.sandbox.kube.status import ApiError, bad_request

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

# Lists merged by key under strategic-merge patch, by field name (the built-in types the twin
# serves use these names consistently); every other list is atomic (replaced), as taints and
# tolerations are in the real API.
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "imagePullSecrets": "name",
    "conditions": "type",
    "addresses": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
}
PRIMITIVE_SETS = {"finalizers"}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target: Any, ops: Any) -> Any:
    """RFC 6902; a failed op or a malformed document is an API error, not a crash."""
    if not isinstance(ops, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    try:
        return jsonpatch.JsonPatch(ops).apply(target)
    except jsonpatch.JsonPatchTestFailed as e:
        raise ApiError(
            422, f"the server rejected our request due to an error in our request: {e}", "Invalid"
        ) from e
    except (
        jsonpatch.JsonPatchException,
        jsonpatch.JsonPointerException,
        KeyError,
        TypeError,
        ValueError,
        IndexError,
    ) as e:
        raise ApiError(
            422, f"the server rejected our request due to an error in our request: {e}", "Invalid"
        ) from e


def strategic_merge_patch(target: Any, patch: Any, field: str = "") -> Any:
    """Strategic merge: keyed lists merge by their key; ``$patch``, ``$retainKeys`` and
    ``$deleteFromPrimitiveList`` directives are honoured; other lists replace."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    result = dict(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            drop = value if isinstance(value, list) else []
            result[name] = [v for v in result.get(name) or [] if v not in drop]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, key)
        elif isinstance(value, dict):
            merged = strategic_merge_patch(result.get(key), value, key)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = value
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(current: Any, patch: list[Any], field: str) -> list[Any]:
    current = current if isinstance(current, list) else []
    if field in PRIMITIVE_SETS:
        return list(dict.fromkeys([*current, *patch]))
    merge_key = MERGE_KEYS.get(field)
    if merge_key is None or not all(isinstance(item, dict) for item in patch):
        if len(patch) == 1 and isinstance(patch[0], dict) and patch[0].get("$patch") == "replace":
            return []
        return copy.deepcopy(patch)
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [copy.deepcopy(i) for i in patch if i.get("$patch") != "replace"]
    result = list(current)
    for item in patch:
        ident = item.get(merge_key)
        index = next(
            (
                i
                for i, old in enumerate(result)
                if isinstance(old, dict) and old.get(merge_key) == ident
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
            continue
        if index is None:
            result.append({k: v for k, v in item.items() if v is not None})
        else:
            result[index] = strategic_merge_patch(result[index], item, field)
    return result


def apply_patch(content_type: str, target: dict[str, Any], patch: Any) -> Any:
    """Dispatch on the request's Content-Type; 415 for anything else."""
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    if kind == JSON_PATCH:
        return json_patch(target, patch)
    if not isinstance(patch, dict) and kind in (MERGE_PATCH, STRATEGIC_PATCH):
        raise bad_request(
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        )
    if kind == MERGE_PATCH:
        return merge_patch(target, patch)
    if kind == STRATEGIC_PATCH:
        return strategic_merge_patch(target, patch)
    raise ApiError(
        415,
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{JSON_PATCH}, {MERGE_PATCH}, {STRATEGIC_PATCH}",
        "UnsupportedMediaType",
    )
