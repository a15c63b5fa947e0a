"""The guard rails of an unattended run, around the lifecycle: the time window and Alertmanager
before the first change, the drill's silence as a journalled created item, an abort when an
unexpected alert fires, and start, page and end notices and metrics that never fail the drill."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from drillkit.adapters.guard_ports import Alerts, MetricsSink, Notifier
from drillkit.adapters.ports import Clock
from drillkit.core.export import report_samples
from drillkit.core.guards import abort_reason, refusal, silence_until
from drillkit.core.notices import Notice
from drillkit.core.report import RunReport
from drillkit.core.window import check_window
from drillkit.engine.faults import silence
from drillkit.engine.journal import Journal
from drillkit.engine.mutator import Mutator
from drillkit.engine.records import GuardNote, SnapshotTaken
from drillkit.errors import AdapterError
from drillkit.spec.matchers import parse_matchers
from drillkit.spec.model import Drill, ManualFault

log = structlog.get_logger()
ABORT_POLL_S = 5.0
NOTICE_WAIT_S = 30.0
"""How long a notice waits for one sent in the background before it (the notifier's own
timeout bounds each post)."""


@dataclass(frozen=True)
class GuardAdapters:
    """The adapters of the guard rails a drill asks for (None: that guard is not configured)."""

    alerts: Alerts | None = None
    notifier: Notifier | None = None
    metrics: MetricsSink | None = None


class GuardRails:
    """One run's guard rails."""

    def __init__(
        self, drill: Drill, adapters: GuardAdapters, clock: Clock, *,
        override_reason: str | None = None,
    ) -> None:  # fmt: skip
        self.drill = drill
        self.adapters = adapters
        self.clock = clock
        self.override_reason = override_reason
        self.abort: str | None = None
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None
        self._sending: list[threading.Thread] = []

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.wall(), UTC)

    def check(self, journal: Journal) -> list[str]:
        """Problems that refuse the run before any change (the window, a firing alert)."""
        problems: list[str] = []
        window = self.drill.guards.window
        if window is not None:
            decision = check_window(window, self._now())
            if not decision.allowed and self.override_reason:
                detail = f"{decision.reason}; overridden: {self.override_reason}"
                journal.append(GuardNote(guard="window", detail=detail))
                log.warning("drill.guard.window.overridden", reason=self.override_reason)
            elif not decision.allowed:
                problems.append(
                    f"outside the drill window: {decision.reason} (pass --override-window "
                    "--reason TEXT to run anyway)"
                )
        am = self.drill.guards.alertmanager
        if am is not None and am.refuse_if_firing and self.adapters.alerts is not None:
            try:
                firing = self.adapters.alerts.firing(
                    parse_matchers(am.refuse_if_firing), include_silenced=False
                )
            except AdapterError as e:
                problems.append(f"cannot ask Alertmanager whether an incident is running: {e}")
            else:
                message = refusal(firing, am.refuse_if_firing)
                if message:
                    problems.append(message)
        return problems

    def hold_silence(self, run_id: str, mutator: Mutator) -> None:
        """Create the drill's silence, journalled as a created item before it exists."""
        am = self.drill.guards.alertmanager
        if am is None or am.silence is None or self.adapters.alerts is None:
            return
        alerts, spec = self.adapters.alerts, am.silence
        item = silence.silence_item(am.url, run_id)
        mutator.journal.append(SnapshotTaken(items=(item,)))
        ends = silence_until(self._now(), float(self.drill.abort.max_duration), 600.0)
        mutator.do(
            "create silence",
            lambda: alerts.silence(
                parse_matchers(spec.matchers), comment=f"{spec.comment} (drillkit run {run_id})",
                created_by=item.ref["createdBy"], ends_at=ends,
            ),
            item=item.what, value=silence.ACTIVE,
        )  # fmt: skip

    def watch(self) -> None:
        """Poll abortIfFiring in the background; ``abort`` is set once an unsilenced one fires."""
        am = self.drill.guards.alertmanager
        if am is None or not am.abort_if_firing or self.adapters.alerts is None:
            return
        alerts, matchers = self.adapters.alerts, parse_matchers(am.abort_if_firing)

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    reason = abort_reason(alerts.firing(matchers, include_silenced=False))
                except AdapterError as e:
                    log.warning("drill.guard.alertmanager.unreachable", error=str(e))
                    reason = None
                if reason:
                    self.abort = reason
                    return
                self._stop.wait(ABORT_POLL_S)

        self._watch = threading.Thread(target=loop, name="drillkit-alert-watch", daemon=True)
        self._watch.start()

    def stop(self) -> None:
        self._stop.set()
        if self._watch is not None:
            self._watch.join(timeout=15)

    def notice(self, notice: Notice) -> None:
        """Send a notice (after any still being sent in the background, so they arrive in
        order); a failure is logged (by the notifier) and never raised."""
        self.sent()
        self._send(notice)

    def notice_soon(self, notice: Notice) -> None:
        """Send a notice on a thread of its own: the caller (a manual drill's watch, just after
        the page is journalled) does not wait for the webhooks."""
        if self.adapters.notifier is None:
            return
        thread = threading.Thread(
            target=self._send, args=(notice,), name="drillkit-notice", daemon=True
        )
        self._sending.append(thread)
        thread.start()

    def pager(self, run_id: str) -> Callable[[float], None]:
        """What a manual fault calls once its page is journalled (at that instant): the page
        notice, sent in the background (``FaultContext.page``)."""

        def page(at: float) -> None:
            notice = page_notice(self.drill, run_id, at)
            if notice is not None:
                self.notice_soon(notice)

        return page

    def sent(self, timeout_s: float = NOTICE_WAIT_S) -> None:
        """Wait (bounded) for the notices sent in the background."""
        while self._sending:
            self._sending.pop(0).join(timeout=timeout_s)

    def _send(self, notice: Notice) -> None:
        if self.adapters.notifier is not None:
            try:
                self.adapters.notifier.send(notice)
            except Exception as e:  # a notice must never fail the drill
                log.warning("notify.failed", error=repr(e)[:300])

    def export(self, report: RunReport) -> None:
        """Push the run's metrics; a failure is logged and never raised."""
        pushgateway = self.drill.export.pushgateway
        if self.adapters.metrics is None or pushgateway is None:
            return
        samples = report_samples(report, self.drill.objectives)
        grouping = {"drill": self.drill.metadata.name, "target": self.drill.target}
        try:
            self.adapters.metrics.push(samples, grouping)
        except AdapterError as e:
            log.warning("export.pushgateway.failed", error=str(e))


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def start_notice(drill: Drill, run_id: str, at: float) -> Notice:
    """The notice sent once the drill holds its lock, before the first change."""
    summary = f"{drill.fault.type} of region {drill.target}; {drill.metadata.description or ''}"
    return Notice("start", drill.metadata.name, run_id, drill.target, _iso(at),
                  summary=summary.rstrip("; "))  # fmt: skip


def page_notice(drill: Drill, run_id: str, at: float) -> Notice | None:
    """The simulated alert of a manual drill (``fault.page``), sent when it is journalled; None
    when the drill pages nobody."""
    fault = drill.fault
    if not isinstance(fault, ManualFault) or not fault.page:
        return None
    return Notice("page", drill.metadata.name, run_id, drill.target, _iso(at),
                  summary=fault.page[:1000], instructions=fault.instructions[:1000])  # fmt: skip


def end_notice(
    drill: Drill, run_id: str, at: float, *, outcome: str, summary: str, evidence: str = ""
) -> Notice:
    """The notice sent when the run is over (``refused`` when a guard or preflight said no)."""
    return Notice("end", drill.metadata.name, run_id, drill.target, _iso(at), outcome=outcome,
                  summary=summary[:1000], evidence_url=evidence)  # fmt: skip
