"""After a run's evidence is written: link it into the chain, sign it, regenerate the index."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path


def finish_evidence(paths: Mapping[str, Path], sign_key: Path | None = None) -> list[str]:
    """Seal the JSON record (and any an earlier, killed run left unsealed), sign it and the
    chain's head file with ``sign_key`` (ssh-keygen), rewrite README.md.

    Returns lines for the user. A signing failure leaves the record sealed but unsigned and is
    reported in the lines, never raised: the drill's verdict stands.
    """
    from drillkit.errors import AdapterError
    from drillkit.evidence.catalog import HEAD_NAME
    from drillkit.evidence.chain import seal
    from drillkit.evidence.index import write_index

    record = paths["json"]
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    sealed = seal(record, now)
    integrity = sealed["integrity"]
    lines = [
        f"evidence chain: {late} was written but never sealed (its run was killed before "
        "sealing?); sealed now, before this run's record"
        for late in integrity.get("adopted", [])
    ]
    lines.append(f"evidence chain: {record.name} is record #{integrity['sequence']}")
    if sign_key is not None:
        from drillkit.adapters.signing import sign

        try:
            signature = sign(record, sign_key)
            sign(record.with_name(HEAD_NAME), sign_key)
        except AdapterError as e:
            lines.append(f"evidence NOT signed: {e}")
        else:
            lines.append(f"evidence signature: {signature} (and {HEAD_NAME}.sig)")
    lines.append(f"evidence index: {write_index(record.parent)}")
    return lines
