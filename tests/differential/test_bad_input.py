"""Bad input: malformed bodies, unknown resources, wrong content types, bad selectors."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.differential.targets import Target
from tests.realapi.rawapi import raw_bytes

WEB = "/apis/apps/v1/namespaces/shop/deployments/web"
SMP = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
BAD_NAME = b'{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"Bad_Name"}}'
RENAMED = (
    b'{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"other","namespace":"shop"}}'
)

# id: (method, path, body, content type) as sent
REQUESTS: dict[str, tuple[str, str, bytes | None, str | None]] = {
    "smp-malformed": ("PATCH", WEB, b'{"spec": ', SMP),
    "merge-malformed": ("PATCH", WEB, b'{"spec": ', MERGE),
    "json-patch-not-a-list": ("PATCH", WEB, b'{"op": "add"}', JSON_PATCH),
    "wrong-content-type": ("PATCH", WEB, b'{"spec": {}}', "text/plain"),
    "create-malformed": ("POST", "/api/v1/namespaces", b'{"metadata": ', "application/json"),
    "create-invalid-name": ("POST", "/api/v1/namespaces", BAD_NAME, "application/json"),
    "unknown-resource": ("GET", "/api/v1/namespaces/shop/widgets", None, None),
    "unknown-group": ("GET", "/apis/nope.example.com/v1/things", None, None),
    "missing-object": ("GET", "/apis/apps/v1/namespaces/shop/deployments/nope", None, None),
    "bad-label-selector": (
        "GET",
        "/api/v1/namespaces/shop/pods?labelSelector=app+in+(web",
        None,
        None,
    ),
    "bad-field-selector": (
        "GET",
        "/api/v1/namespaces/shop/pods?fieldSelector=spec.foo%3Dbar",
        None,
        None,
    ),
    "scale-wrong-type": ("PATCH", f"{WEB}/scale", b'{"spec": {"replicas": "three"}}', MERGE),
    "scale-negative": ("PATCH", f"{WEB}/scale", b'{"spec": {"replicas": -1}}', MERGE),
    "put-name-mismatch": ("PUT", WEB, RENAMED, "application/json"),
}

# id: (status code, Status reason) kube-apiserver 1.20.2 answers; None = no reason / not a Status
CODES: dict[str, tuple[int, str | None]] = {
    "smp-malformed": (400, "BadRequest"),
    "merge-malformed": (500, None),
    "json-patch-not-a-list": (400, "BadRequest"),
    "wrong-content-type": (415, "UnsupportedMediaType"),
    "create-malformed": (400, "BadRequest"),
    "create-invalid-name": (422, "Invalid"),
    "unknown-resource": (404, "NotFound"),
    "unknown-group": (404, None),
    "missing-object": (404, "NotFound"),
    "bad-label-selector": (400, "BadRequest"),
    "bad-field-selector": (400, "BadRequest"),
    "scale-wrong-type": (422, "Invalid"),
    "scale-negative": (422, "Invalid"),
    "put-name-mismatch": (400, "BadRequest"),
}

LABEL_RULE = (
    'Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric'
    " characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',"
    "  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)

# id: the whole answer (Status without metadata, or the plain-text body) kube-apiserver gives
BODIES: dict[str, Any] = {
    "smp-malformed": {"message": "unexpected EOF", "reason": "BadRequest", "code": 400},
    "merge-malformed": {"message": "Invalid JSON Patch", "code": 500},
    "json-patch-not-a-list": {
        "message": "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
        "reason": "BadRequest",
        "code": 400,
    },
    "wrong-content-type": {
        "message": "415: Unsupported Media Type",
        "reason": "UnsupportedMediaType",
        "details": {},
        "code": 415,
    },
    "unknown-resource": {
        "message": "the server could not find the requested resource",
        "reason": "NotFound",
        "details": {},
        "code": 404,
    },
    "unknown-group": "404 page not found\n",
    "create-invalid-name": {
        "message": f'Namespace "Bad_Name" is invalid: metadata.name: {LABEL_RULE}',
        "reason": "Invalid",
        "details": {
            "name": "Bad_Name",
            "kind": "Namespace",
            "causes": [
                {"reason": "FieldValueInvalid", "message": LABEL_RULE, "field": "metadata.name"}
            ],
        },
        "code": 422,
    },
    "create-malformed": {
        "message": "the object provided is unrecognized (must be of type Namespace): couldn't get"
        ' version/kind; json parse error: unexpected end of JSON input ({"metadata": )',
        "reason": "BadRequest",
        "code": 400,
    },
    "missing-object": {
        "message": 'deployments.apps "nope" not found',
        "reason": "NotFound",
        "details": {"name": "nope", "group": "apps", "kind": "deployments"},
        "code": 404,
    },
    "bad-label-selector": {
        "message": "unable to parse requirement: found '', expected: ',' or ')'",
        "reason": "BadRequest",
        "code": 400,
    },
    "bad-field-selector": {
        "message": "field label not supported: spec.foo",
        "reason": "BadRequest",
        "code": 400,
    },
    "scale-negative": {
        "message": 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1:'
        " must be greater than or equal to 0",
        "reason": "Invalid",
        "details": {
            "name": "web",
            "group": "autoscaling",
            "kind": "Scale",
            "causes": [
                {
                    "reason": "FieldValueInvalid",
                    "message": "Invalid value: -1: must be greater than or equal to 0",
                    "field": "spec.replicas",
                }
            ],
        },
        "code": 422,
    },
    "put-name-mismatch": {
        "message": "the name of the object (other) does not match the name on the URL (web)",
        "reason": "BadRequest",
        "code": 400,
    },
}

# Where the twin answers differently, exactly how (the twin's engineer fixes these).
TWIN_CODES = {
    "merge-malformed": "twin: a malformed merge patch is 400 BadRequest; kube-apiserver 1.20 "
    'answers 500 with message "Invalid JSON Patch" and no reason',
    "unknown-group": "twin: an unknown API group answers a JSON Status; kube-apiserver answers "
    'the plain text "404 page not found"',
    "scale-wrong-type": 'twin: {"spec":{"replicas":"three"}} on /scale is 400 BadRequest; '
    "kube-apiserver 1.20 answers 422 Invalid",
}
TWIN_BODIES = {
    "smp-malformed": "twin: message is Python's json error "
    '("json parse error: Expecting value: line 1 column 10 (char 9)"); real: "unexpected EOF"',
    "wrong-content-type": 'twin: message "the body of the request was in an unknown format - '
    'accepted media types include: ..." and no details; real: "415: Unsupported Media Type", '
    "details {}",
    "unknown-resource": "twin: details carry causes [{reason UnexpectedServerResponse, message "
    '"404 page not found"}]; real: details {}',
    "bad-label-selector": "twin: \"unable to parse requirement: found 'app in (web', expected: "
    "identifier, '=', '!=', 'in', 'notin'\"; real: \"unable to parse requirement: found '', "
    "expected: ',' or ')'\"",
    "create-invalid-name": 'twin: the message says "a lowercase RFC 1123 subdomain must consist of'
    " lower case alphanumeric characters, '-' or '.', ...\" without the example and regex; "
    'kube-apiserver says "a lowercase RFC 1123 label ..." (namespace names are labels)',
    "create-malformed": 'twin: "json parse error: Expecting value: line 1 column 14 (char 13)"; '
    "real: \"the object provided is unrecognized (must be of type Namespace): couldn't get "
    'version/kind; json parse error: unexpected end of JSON input ({"metadata": )"',
    **TWIN_CODES,
}


def _send(target: Target, case: str) -> tuple[int, Any]:
    method, path, body, content_type = REQUESTS[case]
    with target.api() as api:
        return raw_bytes(api, method, path, body, content_type)


def _without_metadata(body: Any) -> Any:
    if isinstance(body, dict):
        return {
            k: v for k, v in body.items() if k not in ("metadata", "kind", "apiVersion", "status")
        }
    return body


@pytest.mark.parametrize("case", list(CODES))
def test_status_code_and_reason(request: pytest.FixtureRequest, target: Target, case: str) -> None:
    """The answer's HTTP status and Status reason are the real apiserver's."""
    if target.name == "twin" and case in TWIN_CODES:
        request.applymarker(pytest.mark.xfail(strict=True, reason=TWIN_CODES[case]))
    status, body = _send(target, case)
    reason = body.get("reason") if isinstance(body, dict) else None
    assert (status, reason) == CODES[case], body
    if isinstance(body, dict):
        assert (body.get("kind"), body.get("status"), body.get("code")) == (
            "Status",
            "Failure",
            status,
        )


@pytest.mark.parametrize("case", list(BODIES))
def test_whole_answer(request: pytest.FixtureRequest, target: Target, case: str) -> None:
    """Message and details are the real apiserver's too."""
    if target.name == "twin" and case in TWIN_BODIES:
        request.applymarker(pytest.mark.xfail(strict=True, reason=TWIN_BODIES[case]))
    _, body = _send(target, case)
    assert _without_metadata(body) == BODIES[case]


def test_bad_input_changes_nothing(target: Target) -> None:
    """After every refused request the Deployment is as it was."""
    with target.api() as api:
        before = client.AppsV1Api(api).read_namespaced_deployment("web", "shop")
    for case in REQUESTS:
        if case != "create-invalid-name":
            _send(target, case)
    with target.api() as api:
        after = client.AppsV1Api(api).read_namespaced_deployment("web", "shop")
    assert after.metadata.resource_version == before.metadata.resource_version
    assert after.spec.to_dict() == before.spec.to_dict()
