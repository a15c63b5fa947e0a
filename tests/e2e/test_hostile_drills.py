"""The hostile drills (drills/sandbox/hostile/) end to end: each gives the outcome a real
cluster with that controller gives, and leaves the world as it found it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.engine.records import Held, read_journal
from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.store import Event
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import World, load_world
from tests.conftest import ROOT
from tests.e2e.conftest import drillkit
from tests.sampling import sample

HOSTILE = ROOT / "drills" / "sandbox" / "hostile"
POLL_S = 0.25  # the hostile drills' observe.pollInterval


def _run(name: str, cwd: Path) -> tuple[int, str, str]:
    # Explicit dirs: the drill's project is the clone, and runs left there would leak between
    # tests (a run left unfinished makes every later run refuse).
    proc = drillkit("run", str(HOSTILE / f"{name}.yaml"), "--yes", "--output", "json",
                    "--runs-dir", str(cwd / "runs"), "--evidence-dir", str(cwd / "evidence"),
                    cwd=cwd)  # fmt: skip
    out, err = proc.communicate(timeout=150)
    return proc.returncode, out, err


@pytest.mark.parametrize(
    ("name", "named", "how"),
    [
        ("gitops", "Argo CD Application argocd/shop", "selfHeal: false"),
        ("keda", "KEDA ScaledObject shop/web", "autoscaling.keda.sh/paused-replicas=0"),
        ("flux", "Flux Kustomization flux-system/shop", "flux suspend kustomization shop"),
    ],
)
def test_default_policy_refuses_naming_the_controller(
    name: str, named: str, how: str, tmp_path: Path
) -> None:
    """fault.controllers defaults to refuse: exit 3, nothing changed, each controller named
    with the field or command that pauses it."""
    code, _, err = _run(name, tmp_path)
    assert code == 3, err[-3000:]
    assert named in err and how in err and "nothing was changed" in err


@pytest.mark.parametrize(
    "name", sample(["gitops-pause", "keda-pause", "flux-pause"], 1, salt="pause")
)
def test_pause_passes_and_every_pause_is_undone(name: str, tmp_path: Path) -> None:
    """controllers: pause: the drill passes, each pause journalled and restored afterwards."""
    code, out, err = _run(name, tmp_path)
    assert code == 0, err[-3000:]
    doc = json.loads(out)
    assert doc["verdict"] == "pass" and doc["restored"] is True
    journal = Path(tmp_path / doc["journal"])
    evidence = json.loads((tmp_path / doc["evidence"]["json"]).read_text())
    pauses = [c for c in evidence["restoreChecks"] if "scaledobject" in c["what"]
              or "kustomization" in c["what"] or "application" in c["what"]]  # fmt: skip
    assert len(pauses) == 1 and pauses[0]["outcome"] == "restored", evidence["restoreChecks"]
    intents = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r["action"] for r in intents if r["kind"] == "intent"][:2] == ["pause", "scale"]


def test_a_revert_preflight_cannot_see_is_named_and_aborts(tmp_path: Path) -> None:
    """Argo CD tracking by label (not read by default): self-heal reverts the scale-down;
    "fault did not hold", exit 4, restored, argocd-application-controller named."""
    code, out, err = _run("gitops-label", tmp_path)
    assert code == 4, err[-3000:]
    doc = json.loads(out)
    assert doc["restored"] is True
    assert doc["reason"].startswith(
        "Aborted during observe (fault did not hold: us/deployment/shop/web"
    )
    assert "argocd-application-controller" in doc["reason"]


def test_reassert_counts_the_reverts_and_marks_the_rto_contested(tmp_path: Path) -> None:
    """onRevert: reassert scales down again after each revert; evidence counts them."""
    code, out, err = _run("gitops-reassert", tmp_path)
    assert code in (0, 1), err[-3000:]
    doc = json.loads(out)
    evidence = json.loads((tmp_path / doc["evidence"]["json"]).read_text())
    assert evidence["reverts"] >= 1 and evidence["rtoContested"] is True
    assert {h["event"] for h in evidence["held"]} == {"reasserted"}
    markdown = (tmp_path / doc["evidence"]["markdown"]).read_text()
    assert "**RTO contested**" in markdown


def test_strays_are_refused_by_name(tmp_path: Path) -> None:
    """The unmanaged pod and the emptyDir pod refuse the drain (exit 3), listed by name."""
    code, _, err = _run("strays", tmp_path)
    assert code == 3, err[-3000:]
    assert "shop/debug-shell on us-node-" in err and "no controller" in err
    assert "shop/scratch-" in err and "emptyDir" in err


def test_force_evicts_them_and_lists_the_lost(tmp_path: Path) -> None:
    """force + deleteEmptyDirData: both go; evidence lists every eviction and the lost pod."""
    code, out, err = _run("strays-force", tmp_path)
    assert code == 0, err[-3000:]
    doc = json.loads(out)
    evidence = json.loads((tmp_path / doc["evidence"]["json"]).read_text())
    assert evidence["lostPods"] == ["shop/debug-shell"]
    pods = {d["pod"] for d in evidence["disruptions"]}
    assert "shop/debug-shell" in pods and any(p.startswith("shop/scratch-") for p in pods)
    assert not any(p.startswith("kube-system/") for p in pods)
    assert all(d["node"].startswith("us-node-") and d["at"] > 0 for d in evidence["disruptions"])


@pytest.fixture
def autoscaler_twin(tmp_path: Path) -> Iterator[tuple[SandboxThread, list[tuple[float, Event]]]]:
    """The autoscaler world, with every node event of region us timed as it happens."""
    world: World = load_world(HOSTILE / "world-autoscaler.yaml")
    events: list[tuple[float, Event]] = []
    lock = threading.Lock()

    def record(event: Event) -> None:
        if event.key == R.NODES.key:
            with lock:
                events.append((time.time(), event))

    with SandboxThread(world, tmp_path / "twin") as sb:
        sb.call(lambda s: s.kube["us"].store.on_change(record))
        yield sb, events


def test_autoscaler_nodes_are_cordoned_within_a_poll_and_uncordoned_after(
    autoscaler_twin: tuple[SandboxThread, list[tuple[float, Event]]], tmp_path: Path
) -> None:
    """Every node the autoscaler adds during the outage is cordoned within one poll interval,
    journalled as joined (evidence: "created during the drill, cordoned by drillkit"), and
    uncordoned by restore; the drill passes."""
    sb, events = autoscaler_twin
    runs = tmp_path / "runs"
    result = CliRunner().invoke(
        cli,
        ["run", str(HOSTILE / "autoscaler.yaml"), "--yes", "--attach", sb.info["stateDir"],
         "--runs-dir", str(runs), "--evidence-dir", str(tmp_path / "ev"), "--output", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    added = {e.obj["metadata"]["name"]: at for at, e in events if e.type == "ADDED"}
    assert added, "the autoscaler added no node"
    for name, at in added.items():
        cordoned = next(
            t for t, e in events
            if e.obj["metadata"]["name"] == name and (e.obj.get("spec") or {}).get("unschedulable")
        )  # fmt: skip
        assert cordoned - at <= POLL_S + 0.15, (name, cordoned - at)
    joined = [
        r.what for r in read_journal(next(runs.glob("*/journal.jsonl"))) if isinstance(r, Held)
    ]
    assert sorted(joined) == sorted(f"us/node/{n} spec.unschedulable" for n in added)
    markdown = (tmp_path / json.loads(result.stdout)["evidence"]["markdown"]).read_text()
    assert markdown.count("created during the drill, cordoned by drillkit") == len(added)
    nodes: dict[str, Any] = sb.call(
        lambda s: {n["metadata"]["name"]: n for n in s.kube["us"].store.items(R.NODES.key)}
    )
    assert not any((n.get("spec") or {}).get("unschedulable") for n in nodes.values())


def test_draining_the_default_world_evicts_no_kube_system_pod(tmp_path: Path) -> None:
    """us-outage.yaml (nodeSelector: {}) on the AKS-realistic default world cordons the system
    pool too but evicts nothing in kube-system; every eviction and deletion is in evidence, each
    blocked one naming the budget that blocked it."""
    proc = drillkit("run", str(ROOT / "drills" / "sandbox" / "us-outage.yaml"), "--yes",
                    "--output", "json", "--runs-dir", str(tmp_path / "runs"),
                    "--evidence-dir", str(tmp_path / "evidence"), cwd=tmp_path)  # fmt: skip
    out, err = proc.communicate(timeout=150)
    assert proc.returncode == 0, err[-3000:]
    doc = json.loads(out)
    evidence = json.loads((tmp_path / doc["evidence"]["json"]).read_text())
    pods = [d["pod"] for d in evidence["disruptions"]]
    assert pods and not [p for p in pods if p.startswith("kube-system/")]
    # web's budget (maxUnavailable: 1) blocks the rest once every node is cordoned: each such
    # eviction names it in evidence, with how long it was blocked.
    blocked = [d for d in evidence["disruptions"] if d["action"] == "evict" and d["pdb"]]
    assert blocked and all(d["pdb"] == "shop/web" and d["blockedS"] > 0 for d in blocked)
    markdown = (tmp_path / doc["evidence"]["markdown"]).read_text()
    assert "by PodDisruptionBudget shop/web" in markdown
    checked = {c["what"] for c in evidence["restoreChecks"]}
    assert "us/node/us-system-1 spec.unschedulable" in checked
    journal = [json.loads(line) for line in (tmp_path / doc["journal"]).read_text().splitlines()]
    evictions = [
        r for r in journal if r["kind"] == "intent" and r["action"] in ("evict", "delete-pod")
    ]
    assert len(evictions) == len(evidence["disruptions"])
