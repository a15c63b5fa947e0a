"""What the observer still expects to change, and the RTO parts as they complete (live).

The observer's loop thread feeds every DNS sample (per name server) and every status read in;
:class:`ChangeTracker` says whether a change is pending (so the next samples come faster, within
the budget of :mod:`drillkit.core.sampling`) and reports each RTO part once, when it completes.
The parts reported live are provisional (a later flap can move a flip); the evidence computes the
final ones from the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from drillkit.core.intervals import DISABLED, Bracket
from drillkit.core.timeline import DEGRADED
from drillkit.engine.samples import EndpointObservation, RegionCheck, VantageSample
from drillkit.spec.model import Drill

PartCallback = Callable[[str, str, float, float], None]
"""``(vantage, part, seconds since the part's start, plus or minus)``, in measured seconds."""


@dataclass
class _Vantage:
    expected: str
    normal: str | None = None
    servers: dict[str, str | None] = field(default_factory=dict)
    last_at: dict[str, float] = field(default_factory=dict)
    flips: dict[str, Bracket] = field(default_factory=dict)
    flip: Bracket | None = None
    reported: set[str] = field(default_factory=set)


@dataclass
class ChangeTracker:
    """Pending changes and live RTO parts (used from the observer's loop thread only)."""

    drill: Drill
    on_part: PartCallback | None = None
    ttl: float | None = None
    detection: Bracket | None = None
    vantage: dict[str, _Vantage] = field(init=False)
    _last_read: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vantage = {
            v.name: _Vantage(v.expect_during_outage) for v in self.drill.observe.vantage_points
        }

    # ------------------------------------------------------------- inputs

    def statuses(
        self,
        read: tuple[float, float],
        endpoints: Iterable[EndpointObservation],
        fault_at: float | None,
    ) -> None:
        """One ARM read of every endpoint, sent and received at ``read``: a change it shows
        came before it was received, one it does not show after it was sent."""
        sent, at = read
        for e in endpoints:
            previous = self._last_read.get(e.endpoint)
            self._last_read[e.endpoint] = sent
            if fault_at is None or self.detection is not None or at < fault_at:
                continue
            if e.region != self.drill.target:
                continue
            if DISABLED.casefold() in (e.status.casefold(), e.endpoint_status.casefold()):
                self.detection = Bracket.at(fault_at)
            elif e.status.casefold() == DEGRADED.casefold():
                lo = max(fault_at, previous if previous is not None else fault_at)
                self.detection = Bracket(min(lo, at), at)
            if self.detection is not None:
                for name in self.vantage:
                    self._report(name, "detect", self.detection.mid - fault_at, self.detection.half)

    def sample(
        self,
        sample: VantageSample,
        fault_at: float | None,
        checks: dict[str, RegionCheck] | None = None,
    ) -> None:
        """One vantage point's answers (per name server when sampled separately)."""
        state = self.vantage.get(sample.name)
        if state is None:
            return
        if sample.ttl is not None:
            self.ttl = float(sample.ttl)
        if fault_at is None or sample.at < fault_at:
            state.normal = sample.region
        answers = [
            (a.server, a.at, a.region, min(a.at, a.sent or a.at)) for a in sample.servers
        ] or [("", sample.at, sample.region, sample.at)]
        for server, at, region, asked in answers:
            before = state.servers.get(server)
            state.servers[server] = region
            last = state.last_at.get(server, at)
            state.last_at[server] = asked  # the next change came after this answer's question
            if fault_at is None or at < fault_at or state.normal == state.expected:
                continue
            if region == state.expected and before != state.expected:
                state.flips[server] = Bracket(min(max(last, fault_at), at), at)
            elif region != state.expected:
                state.flips.pop(server, None)
        if fault_at is not None and state.normal != state.expected:
            self._flip_parts(sample.name, state, fault_at, checks or {})

    # ------------------------------------------------------------- outputs

    def dns_pending(self, fault_at: float | None, restored_at: float | None) -> bool:
        """A DNS answer is about to change: after detection (or a first server's flip) until
        every server answers every moving vantage point's survivor; after restore until every
        server answers each vantage point's normal region again."""
        if fault_at is None:
            return False
        moving = [s for s in self.vantage.values() if s.normal != s.expected]
        if restored_at is not None:
            return any(r != s.normal for s in moving for r in s.servers.values())
        started = self.detection is not None or any(s.flips for s in moving)
        return started and any(r != s.expected for s in moving for r in s.servers.values())

    def status_pending(self, fault_at: float | None, restored_at: float | None) -> bool:
        """Detection is still to come."""
        return fault_at is not None and restored_at is None and self.detection is None

    def _flip_parts(
        self, name: str, state: _Vantage, fault_at: float, checks: dict[str, RegionCheck]
    ) -> None:
        flips = list(state.flips.values())
        if not flips:
            return
        base = self.detection
        first = Bracket(min(f.lo for f in flips), min(f.hi for f in flips))
        if base is not None:
            self._report(name, "firstServerFlip", first.mid - base.mid, first.half + base.half)
        servers = len(state.servers)
        if len(flips) == servers:
            last = Bracket(max(f.lo for f in flips), max(f.hi for f in flips))
            state.flip = state.flip or last
            if base is not None:
                self._report(name, "allServersFlip", last.mid - base.mid, last.half + base.half)
            if self.ttl is not None:
                self._report(name, "clientTtl", self.ttl, 0.0)
        check = checks.get(state.expected)
        if state.flip is not None and check is not None and check.ok:
            self._report(name, "firstGoodHttp", check.at - state.flip.mid, state.flip.half)

    def _report(self, vantage: str, part: str, seconds: float, pm: float) -> None:
        state = self.vantage[vantage]
        if part in state.reported or self.on_part is None:
            return
        if part != "detect" and state.normal == state.expected:
            return
        state.reported.add(part)
        self.on_part(vantage, part, max(0.0, seconds), pm)
