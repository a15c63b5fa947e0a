"""The Traffic Manager twin's timing realism, as world.yaml knobs (all on by default).

What Microsoft documents, and what is our assumption:

- Probe agents. "Traffic manager deploys multiple probes from multiple locations for each
  endpoint ... Traffic manager aggregates the average health of the probes ... The status should
  only be a concern if less than 50% (0.5) of probes publish an up status." and "The consecutive
  failure determines what happen within each region." (traffic-manager-monitoring). The number
  of agents (3), their random phase and the jitter of their intervals (10 %) are OUR ASSUMPTION:
  Microsoft publishes neither.
- Name-server propagation. "Changes are applied within one minute, and no downtime is incurred."
  (traffic-manager-routing-methods) and, after a failed probe, "The Traffic Manager DNS name
  servers are updated" (traffic-manager-monitoring) with no figure. The delay, uniform between
  ``minDelay`` and ``maxDelay`` (1 s and 20 s, real-world seconds, scaled by timeScale) and drawn
  for each server and each change, is OUR ASSUMPTION, bounded by the documented minute.
- Several authoritative servers. Traffic Manager "uses a global network of name servers"
  (traffic-manager-faqs); the twin runs two (tm1, tm2) on separate loopback addresses, each
  applying every change after its own delay, so that a flip is a range, not an instant.
"""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from drillkit.spec.durations import Duration


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class NameServer(_Model):
    """One authoritative DNS server of the twin: its NS name and its loopback address."""

    name: str = Field(description="NS name, e.g. tm1.msft.net (answered with A glue).")
    address: str = Field(description="Loopback address it binds, e.g. 127.0.0.1.")

    @field_validator("address")
    @classmethod
    def _loopback(cls, value: str) -> str:
        if not ipaddress.ip_address(value).is_loopback:
            raise ValueError(f"{value} is not a loopback address; the sandbox binds 127.0.0.0/8")
        return value


class Propagation(_Model):
    """How long a name server takes to apply a change (uniform, real-world seconds)."""

    min_delay: Duration = Field(Duration.parse("1s"), alias="minDelay")
    max_delay: Duration = Field(Duration.parse("20s"), alias="maxDelay")

    @model_validator(mode="after")
    def _ordered(self) -> Propagation:
        if self.max_delay < self.min_delay:
            raise ValueError("maxDelay must not be below minDelay")
        if self.max_delay > 60:
            raise ValueError("maxDelay above 60s: Microsoft documents changes 'within one minute'")
        return self


def _default_servers() -> list[NameServer]:
    return [
        NameServer(name="tm1.msft.net", address="127.0.0.1"),
        NameServer(name="tm2.msft.net", address="127.0.0.10"),
    ]


class Realism(_Model):
    """Timing knobs; ``Realism.off()`` gives the old single, instant, phase-locked twin."""

    probe_agents: int = Field(3, alias="probeAgents", ge=1, le=16)
    probe_jitter: float = Field(0.1, alias="probeJitter", ge=0, lt=1)
    name_servers: list[NameServer] = Field(
        default_factory=_default_servers, alias="nameServers", min_length=1
    )
    propagation: Propagation = Field(default_factory=Propagation)

    @model_validator(mode="after")
    def _distinct(self) -> Realism:
        addresses = [s.address for s in self.name_servers]
        if len(set(addresses)) != len(addresses):
            raise ValueError("each name server needs its own loopback address")
        return self

    @classmethod
    def off(cls) -> Realism:
        """One agent, no jitter, one server, no propagation delay."""
        return cls(
            probe_agents=1,
            probe_jitter=0.0,
            name_servers=[NameServer(name="tm1.msft.net", address="127.0.0.1")],
            propagation=Propagation(min_delay=Duration(0.0), max_delay=Duration(0.0)),
        )
