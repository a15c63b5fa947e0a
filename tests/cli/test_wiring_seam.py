"""The CLI's injection seam: a `Wiring` in click's ctx.obj runs the real commands and engine on
the fakes of tests/engine, with no twin."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import yaml
from click.testing import CliRunner

from drillkit.adapters.bundle import ConnectionInfo, Connections
from drillkit.cli.main import cli
from drillkit.cli.wiring import Wiring
from drillkit.engine.records import Intent, read_journal
from drillkit.spec.model import Drill
from tests.engine.fakes import FakeWorld, make_drill


def _drill_file(tmp_path: Path) -> Path:
    (tmp_path / "world.yaml").write_text("{}\n")  # the loader checks that it exists
    path = tmp_path / "drill.yaml"
    path.write_text(yaml.safe_dump(make_drill().model_dump(mode="json", by_alias=True)))
    return path


def _wiring(world: FakeWorld, used: list[str]) -> Wiring:
    @contextlib.contextmanager
    def connect(drill: Drill, drill_path: Path, attach: Path | None) -> Iterator[Connections]:
        used.append("connect")
        yield world.connections()

    @contextlib.contextmanager
    def reconnect(
        info: ConnectionInfo, drill: Drill, needs: frozenset[str]
    ) -> Iterator[Connections | None]:
        used.append(f"reconnect {info.environment} {'+'.join(sorted(needs))}")
        yield world.connections()

    return Wiring(connect=connect, reconnect=reconnect)


def test_run_through_the_cli_on_fakes(tmp_path: Path) -> None:
    """`drillkit run --output json` with a Wiring of fakes drills the fake world, passes, and
    leaves it as it was; the journal is where --runs-dir says."""
    world, used = FakeWorld(), []
    args = ["run", str(_drill_file(tmp_path)), "--yes", "--runs-dir", str(tmp_path / "runs"),
            "--evidence-dir", str(tmp_path / "evidence"), "--output", "json"]  # fmt: skip
    result = CliRunner().invoke(cli, args, obj=_wiring(world, used))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["verdict"] == "pass" and summary["restored"] is True
    assert used == ["connect"]
    assert ("evict", "shop/web-1") in world.clusters["us"].calls
    assert not any(world.clusters["us"].nodes.values())
    assert Path(summary["journal"]).parent.parent == tmp_path / "runs"
    assert Path(summary["evidence"]["markdown"]).is_file()


def test_restore_through_the_cli_reconnects_through_the_wiring(tmp_path: Path) -> None:
    """`drillkit restore --latest` reconnects with the run's ConnectionInfo through the Wiring
    and puts back what the run left cordoned."""
    world, used = FakeWorld(), []
    runs = tmp_path / "runs"
    args = ["run", str(_drill_file(tmp_path)), "--yes", "--runs-dir", str(runs),
            "--evidence-dir", str(tmp_path / "evidence"), "--output", "json"]  # fmt: skip
    assert CliRunner().invoke(cli, args, obj=_wiring(world, used)).exit_code == 0
    (journal,) = runs.glob("*/journal.jsonl")
    cordoned = [r.item for r in read_journal(journal) if isinstance(r, Intent) and r.item]
    # As if the run had died before restore: its journal ends at the restore phase (a run
    # that finished and restored is not restored again; issue 18).
    lines = journal.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if '"phase":"restore"' in line)
    journal.write_text("".join(lines[:cut]))
    world.clusters["us"].nodes["us-node-1"] = True
    result = CliRunner().invoke(
        cli, ["restore", "--latest", "--yes", "--runs-dir", str(runs)], obj=_wiring(world, used)
    )
    assert result.exit_code == 0, result.output
    assert used[-1] == "reconnect fake kube"  # a drain changed nodes only: no ARM, no DNS
    assert "us/node/us-node-1 spec.unschedulable" in cordoned
    assert not world.clusters["us"].nodes["us-node-1"]
    assert f"restored: run {journal.parent.name}" in result.output
