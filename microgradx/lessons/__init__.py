"""The course's lesson notebooks, shipped inside the package, and a way to copy them out.

    microgradx lessons                 # copies them into ./microgradx-lessons
    microgradx lessons my-course/      # ... or into my-course/
    microgradx lessons --open          # ... and opens them in JupyterLab

The notebooks in this folder are the lessons' source: edit a lesson here, where it is read.
Copying never overwrites a notebook the user changed: the folder keeps a record
(``.microgradx-lessons.json``) of what was copied, and a file is replaced by a newer lesson only
while it is still exactly what was copied.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LESSONS_FOLDER = Path(__file__).resolve().parent
RECORD_NAME = ".microgradx-lessons.json"


def lesson_paths() -> list[Path]:
    """The shipped lesson notebooks, in course order (01_..., 02_..., ...)."""
    return sorted(LESSONS_FOLDER.glob("[0-9][0-9]_*.ipynb"))


@dataclass
class CopyReport:
    """What ``copy_lessons`` did with each lesson, by file name."""

    folder: Path
    copied: list[str] = field(default_factory=list)  # new, or updated and not changed by the user
    unchanged: list[str] = field(default_factory=list)  # already the shipped version
    kept: list[str] = field(default_factory=list)  # changed by the user: left as it is


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_record(folder: Path) -> dict[str, str]:
    """File name -> digest of the lesson last copied there (empty if there is no record)."""
    try:
        record = json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in record.items() if isinstance(k, str) and isinstance(v, str)}


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then move it into place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def copy_lessons(folder: str | os.PathLike[str]) -> CopyReport:
    """Copy the lesson notebooks into ``folder`` (created if needed).

    A notebook already there is replaced only if it is still exactly the copy made before
    (the user has not changed it); a notebook the user changed is kept and listed in
    ``CopyReport.kept``. Raises ``NotADirectoryError`` if ``folder`` is a file.
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} is a file, not a folder: give a folder for the lessons")
    target.mkdir(parents=True, exist_ok=True)
    record = _read_record(target)
    report = CopyReport(folder=target)
    for source in lesson_paths():
        data = source.read_bytes()
        destination = target / source.name
        if destination.exists():
            present = _digest(destination.read_bytes())
            if present == _digest(data):
                report.unchanged.append(source.name)
                record[source.name] = present
                continue
            if record.get(source.name) != present:
                report.kept.append(source.name)
                continue
        _write_atomically(destination, data)
        record[source.name] = _digest(data)
        report.copied.append(source.name)
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    _write_atomically(target / RECORD_NAME, text.encode("utf-8"))
    return report
