"""The observer samples at pollInterval outside the predicted windows and faster inside them
(issue #17), counted by the questions the DNS twin receives; the runner hands preflight's
prediction to the observer in measured seconds."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.dns import EcsResolver
from drillkit.core.design import Prediction, Window
from drillkit.core.sampling import Windows, sampling_windows
from drillkit.engine.observe import Observer
from drillkit.spec.loader import load_drill
from drillkit.spec.model import Drill
from tests.conftest import US_OUTAGE
from tests.twin.tm.conftest import TwinThread, world_at

pytestmark = pytest.mark.timeout(60)
POLL_S, FAST_S = 0.5, 0.1
WINDOW = (2.0, 3.0)  # seconds after the fault; sampled fast from 1.5 to 3.5 (one poll of margin)
RUN_S = 5.0


def _drill() -> Drill:
    data = load_drill(US_OUTAGE).model_dump(mode="json", by_alias=True)
    data["observe"].update(
        pollInterval="500ms", fastInterval="100ms", queryBudget=50, http=None, data=[]
    )
    data["observe"]["vantagePoints"] = data["observe"]["vantagePoints"][:1]
    return Drill.model_validate(data)


class _NoStatuses:
    """A Traffic Manager with nothing to say (this test is about DNS)."""

    def endpoints(self) -> list[Any]:
        return []

    def profile_endpoints(self, profile: str) -> list[Any]:
        return []


def _recorded(twin: TwinThread) -> list[float]:
    """Wrap every name server's responder so that each question's arrival is recorded."""
    arrivals: list[float] = []
    lock = threading.Lock()

    def wrap(replica: Any) -> None:
        respond = replica.responder.respond

        def recording(wire: bytes, source: str, max_size: int = 65535) -> bytes | None:
            with lock:
                arrivals.append(time.time())
            return respond(wire, source, max_size)

        replica.responder.respond = recording

    twin.call(lambda t: [wrap(r) for r in t.nameservers.replicas[:1]])
    return arrivals


def test_dns_is_asked_faster_inside_the_predicted_window(tmp_path: Path) -> None:
    """With the fault at time 0 and a flip window predicted at 2-3 s, the first name server is
    asked about every pollInterval before 1.5 s and after 3.5 s, and about every fastInterval
    between (the window widened by one poll interval on each side)."""
    with TwinThread(world_at(0.05), tmp_path) as twin:
        arrivals = _recorded(twin)
        dns = twin.keys["dns"]
        conns: Any = type("Conns", (), {})()
        conns.resolver = EcsResolver([(dns["host"], int(dns["port"]))], timeout_s=1.0)
        conns.fqdn, conns.clock = "myapp.trafficmanager.net", SystemClock()
        conns.traffic_manager, conns.canary_factory = _NoStatuses(), None
        conns.http_factory = type("NoHttp", (), {})
        windows = Windows(flip=(WINDOW,), from_target_down=False)
        observer = Observer(_drill(), conns, None, windows=windows)
        fault_at = conns.clock.wall()
        observer.phases.fault_at = fault_at
        asyncio.run(observer.run_async(duration_s=RUN_S))
    since = [a - fault_at for a in arrivals]
    lo, hi = WINDOW[0] - POLL_S, WINDOW[1] + POLL_S
    before = [s for s in since if s < lo]
    inside = [s for s in since if lo <= s <= hi]
    after = [s for s in since if s > hi]
    # Rates per phase, with a wide margin for a loaded machine: at the poll interval outside
    # (2/s), five times that inside (10/s).
    assert len(before) <= lo / POLL_S + 2
    assert len(after) <= (RUN_S - hi) / POLL_S + 2
    assert len(inside) >= 2.5 * (hi - lo) / POLL_S
    assert observer.dns_cadence.window_samples >= len(inside) - 2


def test_the_prediction_reaches_the_observer_in_measured_seconds() -> None:
    """Real-world windows scale by the time scale; a disable-endpoint fault counts from the
    fault itself, any other from the target's first failing check."""
    prediction = Prediction(Window(27.0, 49.0), Window(27.0, 109.0), Window(27.0, 139.0), 30, "")
    drain = sampling_windows(prediction, 0.1, "drain")
    assert drain.detection == ((pytest.approx(2.7), pytest.approx(4.9)),)
    assert drain.flip == ((pytest.approx(2.7), pytest.approx(10.9)),)
    assert drain.from_target_down
    assert not sampling_windows(prediction, 1.0, "disable-endpoint").from_target_down
