"""Writing an evidence file whole or not at all: a hidden ``.NAME.partial`` beside it, fsynced,
then renamed over it; on any failure the partial file is removed."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """``text`` at ``path`` (UTF-8, LF), durable before it becomes visible; a full or read-only
    disk leaves neither a half-written file nor a ``.partial`` next to the evidence."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
