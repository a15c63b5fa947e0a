"""The drill lifecycle, in ``Phase`` order: preflight → lock → baseline → snapshot → inject →
observe → restore → failback → verdict → evidence → unlock. Restore runs in ``finally``, from the
journal; unlock runs last, in ``finally`` too."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from drillkit.adapters.bundle import Connections
from drillkit.core.design import DesignProfile
from drillkit.core.plan import Phase
from drillkit.core.sampling import Windows, sampling_windows, tree_profiles
from drillkit.core.timeline import RestoreOutcome
from drillkit.engine.conclusion import RunResult, announce, conclude
from drillkit.engine.faults import FaultContext, FaultType, Watcher, fault_type, world_of
from drillkit.engine.guards import GuardAdapters, GuardRails, end_notice, start_notice
from drillkit.engine.hold import Holder
from drillkit.engine.listener import RunListener, Silent
from drillkit.engine.lock import DrillLock
from drillkit.engine.markers import MarkerWriter
from drillkit.engine.mutator import Mutator
from drillkit.engine.observe import Observer
from drillkit.engine.preflight import check_dirs, check_no_unfinished, preflight
from drillkit.engine.records import (
    Aborted,
    Baseline,
    GateWaited,
    Item,
    Mark,
    PhaseEntered,
    Record,
    Refused,
    RunFinished,
    RunStarted,
    SnapshotTaken,
    last,
)
from drillkit.engine.reporting import prediction_record
from drillkit.engine.restore import RestoreControl, note, restore
from drillkit.engine.runs import RunStore, new_run_id, run_lock
from drillkit.engine.signals import Interrupted, SignalState, interrupts
from drillkit.engine.verdicts import journal_failure_note, journal_failure_verdict
from drillkit.engine.waits import Waits
from drillkit.errors import (
    AdapterError,
    DrillAborted,
    DrillInterrupted,
    JournalWriteError,
    PreflightRefused,
)
from drillkit.spec.model import Drill

log = structlog.get_logger()


@dataclass
class RunOptions:
    """What one run needs besides its adapters."""

    drill: Drill
    drill_path: Path
    runs_dir: Path
    run_by: str = ""
    listener: RunListener | None = None
    """Who watches the run (the CLI's progress display)."""
    run_id: str | None = None
    evidence_dir: Path | None = None
    """Where evidence goes (None: no evidence files)."""
    template: Path | None = None
    """A Markdown template that overrides the built-in one."""
    guards: GuardAdapters | None = None
    """Alertmanager, webhooks and the Pushgateway, as the drill asks (None: none)."""
    override_window_reason: str | None = None
    """Run outside guards.window, for this reason (journalled and shown in evidence)."""
    evidence_url: str | None = None
    """Where the evidence will be published (end notices link to it; default: the file)."""
    gate: Callable[[str], bool] | None = None
    """``run --step``: asked before inject and restore and after detected, flipped and RTO
    (by step key); False aborts and restores. Each wait is journalled (``gate``)."""
    on_design: Callable[[DesignProfile | None], None] | None = None
    """Told of the profile tree preflight read (the step gates' by-hand commands name it)."""


def file_sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


class Runner:
    """Runs one drill through its lifecycle."""

    def __init__(self, options: RunOptions, conns: Connections) -> None:
        self.o = options
        self.drill = options.drill
        self.conns = conns
        self.clock = conns.clock
        self.run_id = options.run_id or new_run_id(self.drill.metadata.name, self.clock.wall())
        check_dirs(options.runs_dir, options.evidence_dir)
        check_no_unfinished(options.runs_dir)
        try:
            self.journal = RunStore(options.runs_dir).create(self.run_id, self.clock)
            self.journal.reserve()
        except JournalWriteError as e:
            raise PreflightRefused(f"{e}; nothing was changed") from e
        self.lock = DrillLock(conns.clusters, self.run_id, self.clock)
        adapters = options.guards or GuardAdapters()
        alerts = adapters.alerts
        self.world = world_of(conns, alerts=(lambda _url: alerts) if alerts is not None else None)
        self.guards = GuardRails(
            self.drill, adapters, self.clock, override_reason=options.override_window_reason
        )
        self.observer: Observer | None = None
        self.windows: Windows | None = None
        """Where preflight's prediction expects the change (the observer samples fast there)."""
        self.profiles = 1
        """The profiles of the Traffic Manager tree (ARM GETs per status read), from preflight."""
        self.injected = False
        self.notes: list[str] = []
        self.listener: RunListener = options.listener or Silent()

    def phase(self, phase: Phase) -> None:
        self._note(PhaseEntered(phase=phase))
        log.info("drill.phase", phase=phase.value, run=self.run_id)
        self.listener.phase(phase, self.clock.wall())

    def mark(self, name: str) -> float:
        at = self.clock.wall()
        self._note(Mark(name=name, at=at))
        return at

    def _gate(self, step: str, waits: Waits | None = None) -> float:
        """Hold at a step gate (``run --step``); journal the wait; abort if the human says so."""
        if self.o.gate is None:
            return 0.0
        at, start = self.clock.wall(), self.clock.monotonic()
        go_on = self.o.gate(step)
        waited = self.clock.monotonic() - start
        answer = "continue" if go_on else "abort"
        self.journal.append(GateWaited(step=step, at=at, waited_s=waited, answer=answer))
        if waits is not None:
            waits.started += waited
        if not go_on and step != "restore":
            raise DrillAborted(f"aborted by the operator at the {step} step gate")
        return waited

    def _restore_gate(self) -> None:
        """The gate before restore, skipped after an abort; it can never keep restore from
        running."""
        if self.o.gate is None or self._aborted():
            return
        try:
            self._gate("restore")
        except Exception as e:  # a closed terminal: restore anyway
            log.warning("drill.gate.failed", step="restore", error=repr(e)[:200])

    def _note(self, record: Record) -> None:
        """Append a record that announces no change: a journal that refuses it is remembered
        (``journal.failure``; the waits abort on it) and the drill goes on to restore."""
        note(self.journal, record)

    def _aborted(self) -> bool:
        return any(isinstance(r, Aborted) for r in self.journal.records())

    def run(self) -> RunResult:
        """Run the drill; a refused preflight raises ``PreflightRefused`` with nothing changed.

        The run holds its directory's flock throughout (a `drillkit restore` of it waits)."""
        try:
            with run_lock(self.journal.run_dir):
                return self._run()
        finally:
            self.journal.close()
            self.journal.release_reserve(quiet=True)

    def _check_journal(self) -> None:
        if self.journal.failure is not None:
            raise PreflightRefused(f"{self.journal.failure}; nothing was changed")

    def _check_journal_or_abort(self) -> None:
        if self.journal.failure is not None:
            raise DrillAborted(f"the journal cannot be written: {self.journal.failure}")

    def _run(self) -> RunResult:
        try:
            self._started()
        except JournalWriteError as e:
            raise PreflightRefused(f"{e}; nothing was changed") from e
        try:
            with interrupts() as signals:
                try:
                    self._preflight()
                    self.phase(Phase.LOCK)
                    self.lock.acquire()
                except (PreflightRefused, Interrupted) as e:
                    self._note(Refused(reason=str(e)))
                    self.mark("ended")
                    self._refused(e)
                    if isinstance(e, Interrupted):
                        raise DrillInterrupted(
                            f"interrupted by {e.signal_name} before any change; nothing was changed"
                        ) from None
                    raise
                self.mark("lock_acquired")
                self.guards.notice(start_notice(self.drill, self.run_id, self.clock.wall()))
                try:
                    outcome = self._lifecycle_and_conclude(signals)
                finally:
                    # Unlock comes last: no other drill starts before this one's verdict and
                    # evidence are journalled (and on any error, the leases still go).
                    with signals.shield():
                        self.lock.release()
                        self.phase(Phase.UNLOCK)
            if isinstance(outcome, PreflightRefused):  # finished: it never holds up the next run
                self._refused(outcome)
                raise outcome
            result = outcome
            self._note(RunFinished(verdict=result.report.verdict.outcome.value))
            if not self.journal.durable:
                # The verdict or run.finished itself may be what the disk refused.
                report = journal_failure_verdict(result.report, self.journal)
                result.report = report
                result.notes.append(journal_failure_note(self.journal))
            announce(self.guards, self.drill, result, self.clock.wall(), self.o.evidence_url)
            return result
        finally:
            self.journal.close()

    def _preflight(self) -> None:
        """Guard rails, then preflight: what it learnt of the design (its prediction, the tree's
        profiles) is kept for the observer; any refusal raises with nothing changed."""
        self.phase(Phase.PREFLIGHT)
        problems = self.guards.check(self.journal)
        if problems:
            raise PreflightRefused(
                "guard rails refused the drill; nothing was changed:\n  - "
                + "\n  - ".join(problems)
            )
        checked = preflight(self.drill, self.conns, self.lock)
        self.notes = checked.notes
        if self.o.on_design is not None:
            self.o.on_design(checked.design)
        self.profiles = tree_profiles(checked.design)
        if checked.prediction is not None:
            self._note(prediction_record(checked.prediction))
            self.windows = sampling_windows(
                checked.prediction, self.conns.time_scale, self.drill.fault.type
            )
        self._check_journal()

    def _started(self) -> None:
        self.journal.append(
            RunStarted(
                run_id=self.run_id,
                drill=self.drill.model_dump(mode="json", by_alias=True),
                drill_path=str(self.o.drill_path),
                drill_sha256=file_sha256(self.o.drill_path),
                run_by=self.o.run_by,
                time_scale=self.conns.time_scale,
                fqdn=self.conns.fqdn,
                connection=self.conns.info,
            )
        )

    def _lifecycle_and_conclude(self, signals: SignalState) -> RunResult | PreflightRefused:
        """The drill from baseline to evidence; the snapshot's refusal (nothing was changed) is
        journalled and returned."""
        try:
            self._lifecycle(signals)
        except Interrupted as e:  # a second signal between the shielded sections
            if not self._aborted():
                self._abort(f"interrupted by {e.signal_name}", interrupted=True)
        except PreflightRefused as e:
            self._note(Refused(reason=str(e)))
            return e
        with signals.shield():  # the world is restored: record it to the end
            return self._conclude()

    def _refused(self, e: BaseException) -> None:
        """A refused run is finished (nothing was changed): journal it and say so."""
        self._note(RunFinished(verdict="refused"))
        self.guards.notice(
            end_notice(
                self.drill, self.run_id, self.clock.wall(), outcome="refused", summary=str(e)
            )
        )

    def _conclude(self) -> RunResult:
        return conclude(
            self.journal, self.run_id, phase=self.phase, evidence_dir=self.o.evidence_dir,
            template=self.o.template, notes=self.notes,
        )  # fmt: skip

    def _lifecycle(self, signals: SignalState) -> None:
        self.observer = Observer(
            self.drill,
            self.conns,
            self.journal,
            self.listener.observed,
            on_part=self.listener.part,
            windows=self.windows,
            profiles=self.profiles,
        )
        self.observer.run_id = self.run_id
        self.observer.start()
        waits = Waits(
            self.drill, self.observer, self.lock, self.clock, signals,
            guard_abort=lambda: self.guards.abort,
        )  # fmt: skip
        try:
            try:
                self.phase(Phase.BASELINE)
                normal = waits.baseline()
                self.journal.append(Baseline(normal=normal))
                self._check_journal_or_abort()
                self.phase(Phase.SNAPSHOT)
                fault = fault_type(self.drill.fault)
                items = fault.snapshot(self.drill.fault, self.drill, self.world)
                self.journal.append(SnapshotTaken(items=tuple(items)))
                self._gate("inject", waits)
                self._check_journal_or_abort()
                self.phase(Phase.INJECT)
                self.injected = True
                self._fault_begins(fault)
                mutator = Mutator(self.journal)
                self.guards.hold_silence(self.run_id, mutator)
                self.guards.watch()
                ctx = FaultContext(
                    self.world, mutator, self.clock, waits.cancelled,
                    mark=MarkerWriter(self.world, self.run_id).mark, check=waits.check_abort,
                    page=self.guards.pager(self.run_id),
                )  # fmt: skip
                self._inject_and_observe(fault, [i for i in items if i.mutable], ctx, waits)
            except Interrupted as e:
                waits.cancelled.set()
                self._abort(f"interrupted by {e.signal_name}", interrupted=True)
            except (DrillAborted, AdapterError, JournalWriteError) as e:
                waits.cancelled.set()
                self._abort(str(e))
            finally:
                with signals.shield():
                    self._restore_gate()
                    complete = self._restore()
            with signals.shield():
                if self.lock.lost.is_set() and not self._aborted():
                    # The lease lapsed (or was taken) while restore ran: another drill may have
                    # started meanwhile, so this run's measurements cannot be trusted.
                    self._abort(self.lock.lost_reason or "the drill lock was lost")
                if (
                    complete
                    and self.injected
                    and signals.received is None
                    and self.journal.failure is None
                    and not self.lock.lost.is_set()
                ):
                    self.phase(Phase.FAILBACK)
                    waits.failback(normal_from(self.journal.records()))
                    waits.written_back()
        finally:
            with signals.shield():
                self.observer.stop()
                self.mark("ended")
                if signals.received is not None and not self._aborted():
                    self._abort(f"interrupted by {signals.received}", interrupted=True)

    def _fault_begins(self, fault: FaultType[Any]) -> None:
        """The outage starts now, or for a fault a person makes (``Watcher``), at the first
        change seen (``_inject_and_observe``)."""
        if self.observer is not None and not isinstance(fault, Watcher):
            self.observer.phase("fault_at", self.clock.wall())

    def _inject_and_observe(
        self, fault: FaultType[Any], changed: list[Item], ctx: FaultContext, waits: Waits
    ) -> None:
        """Inject, then wait for the outage, keeping the fault in force from the first change
        (a node may join while pods drain) until restore."""
        holder = Holder(
            self.drill,
            fault,
            list(changed),
            ctx,
            self.journal,
            float(self.drill.observe.poll_interval),
        )
        holder.start()
        try:
            fault.inject(self.drill.fault, self.drill, changed, ctx)
            observer, at = self.observer, ctx.injected_at
            if observer is not None and observer.phases.fault_at is None and at is not None:
                observer.phase("fault_at", at)
            holder.raise_if_failed()
            self.phase(Phase.OBSERVE)
            waits.hold = holder.raise_if_failed
            waits.milestone = self._gate
            if waits.outage():
                self._gate("rto", waits)
        finally:
            holder.stop()
            waits.hold = None

    def _abort(self, reason: str, *, interrupted: bool = False) -> None:
        log.warning("drill.aborted", reason=reason)
        self._note(Aborted(reason=reason, interrupted=interrupted))
        self.listener.aborted(reason, interrupted)

    def _restore(self) -> bool:
        self.guards.stop()
        self.phase(Phase.RESTORE)
        self.mark("restore_started")
        # The records in memory are every record this run appended, durable or not: a journal
        # damaged on disk, or a disk that refused a record, never hides a change from restore.
        records = self.journal.records()
        control = RestoreControl(deadline_s=float(self.drill.restore.deadline))
        checks = restore(records, self.world, self.journal, control=control)
        at = self.mark("restored")
        if self.observer is not None:
            self.observer.phase("restored_at", at)
        for check in checks:
            self.listener.restored(check)
        return all(c.outcome is RestoreOutcome.RESTORED for c in checks)


def normal_from(records: list[Record]) -> dict[str, str | None]:
    baseline = last(records, Baseline)
    return dict(baseline.normal) if baseline else {}
