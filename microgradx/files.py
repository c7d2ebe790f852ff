"""Writing output files without losing anyone's data: what the command line writes with.

- A file is written whole or not at all: into a temporary file beside it, then moved into
  place. A read-only file is refused. A symbolic link is written through (its target gets
  the new contents; the link stays); a file with several hard links is rewritten in place
  after the new contents were written once in full, so every link sees them.
- A folder of several files (a slideshow's frames, the demo's drawings) keeps a manifest,
  ``.microgradx-files.json``, of each file microgradx wrote there and its SHA-256. A later
  run replaces or removes only files listed there and unchanged since; any other file in
  the way is refused, and nothing is written.
- Failures say what went wrong: ``OutputRefused`` for a request that cannot be done as
  asked (a read-only file, someone else's file); ``OutputFailed`` when writing itself
  failed (a full disk, a closed standard output).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = [
    "OutputRefused",
    "OutputFailed",
    "write_file",
    "write_stdout",
    "atomic_output",
    "OwnedFolder",
    "MANIFEST",
    "write_error",
]

MANIFEST = ".microgradx-files.json"


class OutputRefused(Exception):
    """A file cannot be written as asked (read-only, not microgradx's, a folder missing);
    the message says what to do instead."""


class OutputFailed(Exception):
    """Writing failed part-way through for a reason outside the request (the disk is full,
    standard output is closed); the message says where and why."""


def write_error(where: str, error: OSError) -> Exception:
    """The error to raise when writing ``where`` raised ``error``."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputFailed(
            f"cannot write {where}: the disk is full ({error.strerror}); free some space or "
            "write somewhere else"
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputRefused(
            f"cannot write {where}: {error.strerror}; choose a folder you can write to"
        )
    return OutputFailed(f"cannot write {where}: {error.strerror or error}")


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block succeeds, move it onto ``path``.

    If the block fails, the temporary file is removed and an existing ``path`` is untouched.
    (``path`` itself is taken as it is: ``write_file`` resolves links first.)
    """
    directory = path.parent
    if not directory.is_dir():
        raise OutputRefused(
            f"cannot write {path}: the folder {directory} does not exist "
            "(create it first, or choose another place)"
        )
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}"
        )
    except OSError as error:
        raise write_error(str(path), error) from None
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, _file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _file_mode(path: Path) -> int:
    """The mode the file would get if simply created (or the one it already has)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_file(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` whole or not at all; True if it replaced an existing file.

    A symbolic link is followed (its target is written, the link kept); a read-only file
    or a folder is refused; a file with other hard links is rewritten in place, so they
    all see the new contents.
    """
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    shown = str(path) if target == path else f"{path} (a link to {target})"
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise OutputRefused(f"{shown} is a folder: give a file name")
        if not stat.S_ISREG(info.st_mode):
            raise OutputRefused(f"{shown} is not a regular file: give the name of a file")
        if not info.st_mode & stat.S_IWUSR or not os.access(target, os.W_OK):
            raise OutputRefused(
                f"{shown} is read-only, so it was not replaced: write to another name, or make "
                "it writable first (chmod u+w)"
            )
    try:
        if info is not None and info.st_nlink > 1:
            _rewrite_in_place(target, data)
        else:
            with atomic_output(target) as temporary:
                temporary.write_bytes(data)
    except OSError as error:
        raise write_error(shown, error) from None
    return info is not None


def _rewrite_in_place(target: Path, data: bytes) -> None:
    """Give ``target`` the contents ``data`` in place (its hard links keep seeing it), after
    writing them once in full beside it, so a full disk fails before the file is touched."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    finally:
        os.unlink(temporary)
    with open(target, "r+b") as file:
        file.write(data)
        file.truncate()


def write_stdout(data: bytes) -> None:
    """Write ``data`` to standard output (the ``-o -`` of the command line)."""
    stream = sys.stdout
    if stream is None:
        raise OutputFailed("cannot write to standard output: it is closed")
    try:
        stream.flush()
        binary = getattr(stream, "buffer", None)  # None for a text-only stand-in
        if binary is None:
            stream.write(data.decode("utf-8", "replace"))
            stream.flush()
            return
        binary.write(data)
        binary.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as error:
        if isinstance(error, OSError):
            raise write_error("to standard output", error) from None
        raise OutputFailed("cannot write to standard output: it is closed") from None


class OwnedFolder:
    """A folder holding files microgradx wrote, listed with their SHA-256 in ``MANIFEST``.

    ``check(names)`` refuses if writing ``names`` would replace a file microgradx did not
    write (or one changed since); ``write(name, data)`` writes one; ``finish(keep)``
    removes the files listed from an earlier run that are not in ``keep`` (only those
    unchanged since) and saves the manifest.
    """

    def __init__(self, path: Path, option: str) -> None:
        self.path = path
        self.option = option  # how the user named the folder, for the advice
        self.written: dict[str, str] = {}
        self.earlier = self._read_manifest()

    def _read_manifest(self) -> dict[str, str]:
        manifest = self.path / MANIFEST
        if not manifest.exists():
            return {}
        try:
            content = json.loads(manifest.read_text("utf-8"))
            files = content["files"]
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
                raise ValueError
            return dict(files)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            raise OutputRefused(
                f"{manifest} is not a list of files microgradx wrote, so nothing in "
                f"{self.path} can be replaced safely: give {self.option} a new or empty folder"
            ) from None

    def _is_ours(self, name: str) -> bool:
        """True if ``name`` is a file microgradx wrote here and nobody changed since."""
        recorded = self.earlier.get(name)
        path = self.path / name
        if recorded is None or path.is_symlink() or not path.is_file():
            return False
        try:
            return _digest(path.read_bytes()) == recorded
        except OSError:
            return False

    def check(self, names: Iterable[str]) -> None:
        """Refuse (``OutputRefused``) if a file of ``names`` exists and is not microgradx's."""
        if self.path.exists() and not self.path.is_dir():
            raise OutputRefused(f"{self.path} is a file: give a folder as {self.option}")
        for name in names:
            path = self.path / name
            if (path.exists() or path.is_symlink()) and not self._is_ours(name):
                raise OutputRefused(
                    f"{path} is in the way: microgradx did not write it (or it was changed "
                    f"since), so it will not be replaced. Give {self.option} a new or empty "
                    "folder, or move that file away; nothing was written"
                )

    def make(self) -> None:
        """Create the folder (its parent must exist)."""
        try:
            self.path.mkdir(exist_ok=True)
        except OSError as error:
            raise write_error(f"the folder {self.path}", error) from None

    def write(self, name: str, data: bytes) -> Path:
        """Write the file ``name`` (checked with ``check`` first) and note it as ours."""
        path = self.path / name
        write_file(path, data)
        self.written[name] = _digest(data)
        self._save()  # after every file: an interrupted run still knows what it wrote
        return path

    def finish(self, keep: Iterable[str]) -> list[str]:
        """Remove files of an earlier run that are not in ``keep`` (and unchanged since);
        return their names."""
        keep = set(keep)
        removed = []
        for name in sorted(self.earlier):
            if name not in keep and name not in self.written and self._is_ours(name):
                with contextlib.suppress(FileNotFoundError):
                    (self.path / name).unlink()
                removed.append(name)
        self.earlier = {}
        self._save()
        return removed

    def _save(self) -> None:
        files = {**self.earlier, **self.written}
        if not files and not (self.path / MANIFEST).exists():
            return  # nothing written here, nothing to remember
        content = {"written by": "microgradx", "files": dict(sorted(files.items()))}
        write_file(self.path / MANIFEST, (json.dumps(content, indent=1) + "\n").encode())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
