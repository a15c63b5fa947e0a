"""After a run's evidence is written: link it into the chain, sign it, regenerate the index."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path


def finish_evidence(paths: Mapping[str, Path], sign_key: Path | None = None) -> list[str]:
    """Seal the JSON record, sign it with ``sign_key`` (ssh-keygen), rewrite README.md.

    Returns lines for the user. A signing failure leaves the record sealed but unsigned and is
    reported in the lines, never raised: the drill's verdict stands.
    """
    from drillkit.errors import AdapterError
    from drillkit.evidence.chain import seal
    from drillkit.evidence.index import write_index

    record = paths["json"]
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    sealed = seal(record, now)
    lines = [f"evidence chain: {record.name} is record #{sealed['integrity']['sequence']}"]
    if sign_key is not None:
        from drillkit.adapters.signing import sign

        try:
            signature = sign(record, sign_key)
        except AdapterError as e:
            lines.append(f"evidence NOT signed: {e}")
        else:
            lines.append(f"evidence signature: {signature}")
    lines.append(f"evidence index: {write_index(record.parent)}")
    return lines
