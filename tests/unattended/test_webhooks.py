"""Start and end notices posted to a local webhook receiver; a failed notice never fails a run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from structlog.testing import capture_logs

from drillkit.adapters.webhooks import WebhookNotifier
from drillkit.core.notices import Notice
from drillkit.spec.unattended import Webhook
from tests.realapi.processes import free_port

END = Notice(
    phase="end",
    drill="us-outage",
    run_id="20261130T211500Z-us-outage",
    target="us",
    at="2026-11-30T21:20:00Z",
    outcome="fail",
    summary="RTO 131s missed its objective of 120s.",
    evidence_url="https://ci.example.test/runs/42/evidence.md",
)


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, Any]]]
    status = 200

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.received.append((self.path, json.loads(self.rfile.read(length))))  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    """A webhook receiver on loopback that records every body it is posted."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []  # type: ignore[attr-defined]
    server.status = 200  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_each_webhook_gets_its_own_format(receiver: ThreadingHTTPServer) -> None:
    """A generic, a Slack and a Teams webhook each receive the end notice in their format, with
    the verdict and the evidence link."""
    hooks = [
        Webhook(url=_url(receiver, "/generic"), format="json"),
        Webhook(url=_url(receiver, "/slack"), format="slack"),
        Webhook(url=_url(receiver, "/teams"), format="teams"),
    ]
    assert WebhookNotifier(hooks).send(END) == []
    bodies = dict(receiver.received)  # type: ignore[attr-defined]
    generic = bodies["/generic"]
    assert (generic["schema"], generic["outcome"], generic["evidence_url"]) == (
        1,
        "fail",
        END.evidence_url,
    )
    slack = bodies["/slack"]
    assert "ended: fail" in slack["text"] and END.evidence_url in slack["text"]
    assert slack["blocks"][0]["type"] == "header"
    card = bodies["/teams"]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    assert card["content"]["actions"][0]["url"] == END.evidence_url
    facts = {f["title"]: f["value"] for f in card["content"]["body"][1]["facts"]}
    assert facts["Verdict"] == "fail"


def test_a_failing_webhook_is_logged_and_the_others_still_get_the_notice(
    receiver: ThreadingHTTPServer,
) -> None:
    """A 500, then a refused connection, are reported and logged without the URL's secret path,
    and never raise; the healthy webhook after them still receives the notice."""
    receiver.status = 200  # type: ignore[attr-defined]
    dead = f"http://127.0.0.1:{free_port()}/hooks/SECRET-TOKEN"
    failing = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    failing.received = []  # type: ignore[attr-defined]
    failing.status = 500  # type: ignore[attr-defined]
    thread = threading.Thread(target=failing.serve_forever, daemon=True)
    thread.start()
    try:
        hooks = [
            Webhook(url=_url(failing, "/hooks/SECRET-TOKEN"), format="slack"),
            Webhook(url=dead, format="teams"),
            Webhook(url=_url(receiver, "/ok"), format="json"),
        ]
        with capture_logs() as logs:
            failures = WebhookNotifier(hooks, timeout_s=2).send(END)
    finally:
        failing.shutdown()
        failing.server_close()
    assert len(failures) == 2
    assert "slack notice" in failures[0] and "500" in failures[0]
    assert "teams notice" in failures[1]
    assert [path for path, _ in receiver.received] == ["/ok"]  # type: ignore[attr-defined]
    warnings = [e for e in logs if e["event"] == "notify.webhook.failed"]
    assert len(warnings) == 2
    assert "SECRET-TOKEN" not in repr(logs) + repr(failures)
