"""Start, page and end notices posted to a local webhook receiver; a failed notice never fails
a run."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import yaml
from structlog.testing import capture_logs

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.webhooks import WebhookNotifier
from drillkit.core.notices import Notice, payload
from drillkit.engine.guards import GuardAdapters, GuardRails, end_notice, page_notice
from drillkit.spec.model import Drill
from drillkit.spec.unattended import Webhook
from tests.conftest import US_OUTAGE
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


class _SlowNotifier:
    """A ``Notifier`` that takes ``delay_s`` per notice (or raises), recording the order."""

    def __init__(self, delay_s: float, fail: bool = False) -> None:
        self.delay_s, self.fail = delay_s, fail
        self.sent: list[Notice] = []

    def send(self, notice: Notice) -> list[str]:
        time.sleep(self.delay_s)
        self.sent.append(notice)
        if self.fail:
            raise RuntimeError("the notifier broke")
        return []


def _manual_drill() -> Drill:
    data = yaml.safe_load(US_OUTAGE.read_text())
    data["fault"] = {"type": "manual", "instructions": "Disable us in myapp-na",
                     "page": "CRITICAL StorefrontUSDown", "namespace": "shop"}  # fmt: skip
    return Drill.model_validate(data)


def test_the_page_is_sent_in_the_background_and_before_the_end_notice() -> None:
    """The pager returns at once while the notifier takes 1 s, the page notice carries the page
    text, the instructions and the journalled instant, and the end notice waits for it."""
    drill = _manual_drill()
    slow = _SlowNotifier(1.0)
    guards = GuardRails(drill, GuardAdapters(notifier=slow), SystemClock())
    begun = time.monotonic()
    guards.pager("run-1")(1_796_000_000.0)
    assert time.monotonic() - begun < 0.5, "the watch loop is not held up by the webhooks"
    guards.notice(end_notice(drill, "run-1", 1_796_000_100.0, outcome="pass", summary="ok"))
    assert [n.phase for n in slow.sent] == ["page", "end"]
    page = slow.sent[0]
    assert (page.summary, page.instructions, page.run_id, page.target) == (
        "CRITICAL StorefrontUSDown", "Disable us in myapp-na", "run-1", "us",
    )  # fmt: skip
    assert page.at == "2026-11-30T00:53:20Z"
    assert page.title == "PAGE: CRITICAL StorefrontUSDown (game day us-outage, target us)"


def test_a_page_that_fails_to_send_is_logged_and_never_raised() -> None:
    """A notifier that raises while paging is logged as ``notify.failed``; nothing is raised."""
    guards = GuardRails(_manual_drill(), GuardAdapters(notifier=_SlowNotifier(0, fail=True)),
                        SystemClock())  # fmt: skip
    with capture_logs() as logs:
        guards.pager("run-1")(1_796_000_000.0)
        guards.sent()
    assert [e["event"] for e in logs] == ["notify.failed"]


def test_a_drill_without_a_page_sends_no_page_notice() -> None:
    """No ``fault.page`` (or not a manual drill): the pager sends nothing."""
    data = yaml.safe_load(US_OUTAGE.read_text())
    drill = Drill.model_validate(data)
    notifier = _SlowNotifier(0)
    guards = GuardRails(drill, GuardAdapters(notifier=notifier), SystemClock())
    guards.pager("run-1")(1_796_000_000.0)
    guards.sent()
    assert notifier.sent == [] and page_notice(drill, "run-1", 0.0) is None


def test_page_payloads_look_like_an_alert() -> None:
    """Slack's page leads with a 🚨 PAGE header and the instructions; Teams' card is an
    Attention-coloured headline; the generic JSON has phase ``page`` and the instructions."""
    page = page_notice(_manual_drill(), "run-1", 1_796_000_000.0)
    assert page is not None
    slack = payload("slack", page)
    assert slack["blocks"][0]["text"]["text"] == "🚨 PAGE: CRITICAL StorefrontUSDown"
    assert slack["blocks"][1]["text"]["text"] == "*Your turn:* Disable us in myapp-na"
    assert slack["text"].startswith("🚨 PAGE: CRITICAL StorefrontUSDown")
    card = payload("teams", page)["attachments"][0]["content"]
    assert card["body"][0]["color"] == "Attention" and "PAGE:" in card["body"][0]["text"]
    assert card["body"][1]["text"] == "Your turn: Disable us in myapp-na"
    generic = payload("json", page)
    assert (generic["phase"], generic["instructions"]) == ("page", "Disable us in myapp-na")
