"""What the crash tests share: the killer, the record points of a run, the drills they kill, and
the check that `drillkit restore --latest` put the world back to the journal's snapshot."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.engine.records import Record, SnapshotTaken, read_journal
from tests.chaos.harness import (
    SandboxProcess,
    WorldReader,
    drillkit,
    finish,
    write_drill,
    write_world,
)
from tests.crash.conftest import CRASH_TIME_SCALE
from tests.crash.killer import matches, parse_point

KILLER = ("-m", "tests.crash.killer")
IN_FLIGHT = 8
"""Records other threads may append between the point's record and the SIGKILL landing: the
drain cordons, and restore puts back, up to 16 nodes at once (the crash world has 5), and the
observer journals on its own thread; the journal's group commit writes what they had in flight."""

# point -> (kill after the Nth record matching KIND[:FIELD=VALUE], drill variant)
RUN_POINTS: dict[str, tuple[str, int, str]] = {
    "run.started": ("run.started", 1, "delete"),
    "phase": ("phase", 1, "delete"),
    "mark": ("mark", 1, "delete"),
    "obs.status": ("obs.status", 1, "delete"),
    "obs": ("obs", 1, "delete"),
    "baseline": ("baseline", 1, "delete"),
    "prediction": ("prediction", 1, "delete"),
    "snapshot": ("snapshot", 1, "delete"),
    "intent": ("intent", 1, "delete"),
    "result": ("result", 1, "delete"),
    "intent-evict": ("intent:action=evict", 1, "delete"),
    "intent-delete-pod": ("intent:action=delete-pod", 1, "delete"),
    "phase-observe": ("phase:phase=observe", 1, "delete"),
    "abort": ("abort", 1, "abort"),
    "restore.intent": ("restore.intent", 1, "delete"),
    "restore.result": ("restore.result", 2, "delete"),
    "restore.check": ("restore.check", 1, "delete"),
    "verdict": ("verdict", 1, "delete"),
    "evidence": ("evidence", 1, "delete"),
    "run.finished": ("run.finished", 1, "delete"),
    "refused": ("refused", 1, "viewer"),
    "canary": ("canary", 20, "data"),
    "guard": ("guard", 1, "override"),
}
CLOSED_WINDOW = {"timezone": "UTC", "hours": "00:00-00:01", "blackout": ["2000-01-01/2099-12-31"]}


def crash_drill(folder: Path, variant: str) -> Path:
    """A sandbox world and drill in ``folder``: a drain whose ``onBlocked`` is ``variant``, or
    the ``override`` (closed window), ``viewer`` (read-only contexts), ``data`` or
    ``disable-endpoint`` (the target's Traffic Manager endpoints disabled through ARM) variant."""
    write_world(folder, CRASH_TIME_SCALE)
    if variant == "disable-endpoint":
        return write_drill(
            folder,
            "disable-endpoint.yaml",
            fault={"type": "disable-endpoint"},
            observe__statusInterval="1s",
        )
    if variant == "override":
        return write_drill(folder, "override.yaml", guards={"window": CLOSED_WINDOW})
    if variant == "viewer":
        return write_drill(
            folder,
            "viewer.yaml",
            regions__us__kubeContext="sandbox-us-viewer",
            regions__eu__kubeContext="sandbox-eu-viewer",
        )
    canaries = [
        {"name": "orders", "every": "100ms",
         "write": {"url": "http://us.ingress.sandbox.test/canary/{id}", "body": "{}"},
         "read": {"url": "http://eu.ingress.sandbox.test/canary/{id}"}},
    ] if variant == "data" else []  # fmt: skip
    return write_drill(
        folder,
        f"{variant}.yaml",
        fault__evictionTimeout="1s",
        fault__onBlocked="delete" if variant == "data" else variant,
        observe__statusInterval="1s",
        observe__data=canaries,
    )


def run_killed(
    twin: SandboxProcess, drill: Path, runs: Path, point: str, nth: int, **kwargs: Any
) -> Path:
    """Run the drill under the killer; the journal it left, which ends with the chosen kind."""
    extra = ("--override-window", "--reason", "crash matrix") if drill.stem == "override" else ()
    proc = drillkit(
        point, str(nth), "run", str(drill), "--yes", "--attach", str(twin.state_dir),
        "--runs-dir", str(runs), "--evidence-dir", str(runs.parent / "evidence"),
        "--output", "json", *extra,
        prefix=KILLER, **kwargs,
    )  # fmt: skip
    code, _, err = finish(proc)
    assert code == -signal.SIGKILL, f"drillkit was not killed at {point} ({code}): {err[-3000:]}"
    journals = sorted(runs.glob("*/journal.jsonl"))
    assert len(journals) == 1
    return journals[0]


def restore_latest(runs: Path) -> str:
    """`restore --latest` finishes the killed run (or says it had already finished)."""
    result = CliRunner().invoke(cli, ["restore", "--latest", "--yes", "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    assert "restored: run" in result.output or "nothing to restore: " in result.output
    return result.output


def assert_world_is_the_snapshot(
    reader: WorldReader, before: dict[str, Any], journal: Path
) -> None:
    """The world equals ``before`` and every item the journal's snapshots recorded."""
    after = reader.state()
    assert after == before
    for record in read_journal(journal):
        if isinstance(record, SnapshotTaken):
            for item in record.items:
                assert after[item.what] == item.value, item


def assert_killed_at(records: list[Record], point: str, nth: int) -> None:
    """``records`` (the journal as the kill left it) hold the point's ``nth`` record and, after
    it, only what other threads had in flight when the SIGKILL landed (at most
    :data:`IN_FLIGHT` records)."""
    kind, match = parse_point(point)
    hits = [i for i, r in enumerate(records) if matches(r, kind, match)]
    assert len(hits) >= nth, f"no {point} record #{nth}: {[r.kind for r in records[-10:]]}"
    after = [r.kind for r in records[hits[nth - 1] + 1 :]]
    assert len(after) <= IN_FLIGHT, f"killed long after {point} #{nth}: {after}"
