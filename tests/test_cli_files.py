"""The command line never loses a file: what it writes, replaces, refuses, and how it fails.

Each test is a way files were lost or damaged before: frames and pages overwritten or
deleted, read-only files and links replaced, invented file names, unlabelled failures.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import E1, assert_user_error, run

from microgradx import cli

# ----------------------------------------------------------------------
# --steps and demo --out: only microgradx's own earlier files are replaced or removed
# ----------------------------------------------------------------------


def test_steps_refuse_to_overwrite_a_frame_microgradx_did_not_write(tmp_path):
    steps = tmp_path / "steps"
    steps.mkdir()
    (steps / "frame_00.svg").write_text("my own drawing")
    result = run("draw", *E1, "--steps", str(steps))
    assert_user_error(result, "frame_00.svg is in the way: microgradx did not write it")
    assert (steps / "frame_00.svg").read_text() == "my own drawing"
    assert sorted(p.name for p in steps.iterdir()) == ["frame_00.svg"]  # nothing written


def test_steps_never_delete_other_frames_in_the_folder(tmp_path):
    steps = tmp_path / "steps"
    steps.mkdir()
    (steps / "frame_42.svg").write_text("someone's frame")
    assert run("draw", *E1, "--steps", str(steps)).returncode == 0
    assert (steps / "frame_42.svg").read_text() == "someone's frame"


def test_a_page_that_merely_mentions_microgradx_is_not_taken_for_ours(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    page = "<html><!-- notes on microgradx --><h1>my course</h1></html>"
    (site / "index.html").write_text(page)
    assert_user_error(run("draw", *E1, "--steps", str(site)), "index.html is in the way")
    assert (site / "index.html").read_text() == page


def test_a_file_microgradx_wrote_and_the_user_changed_is_kept(tmp_path):
    steps = tmp_path / "steps"
    assert run("draw", *E1, "--steps", str(steps)).returncode == 0
    (steps / "index.html").write_text("edited by hand")
    result = run("draw", *E1, "--steps", str(steps))
    assert_user_error(result, "did not write it (or it was changed since)")
    assert (steps / "index.html").read_text() == "edited by hand"


def test_demo_out_refuses_files_it_did_not_write(tmp_path):
    (tmp_path / "e1_forward.svg").write_text("mine")
    result = run("demo", "--out", str(tmp_path), "--epochs", "0")
    assert_user_error(result, "e1_forward.svg is in the way")
    assert (tmp_path / "e1_forward.svg").read_text() == "mine"
    steps = tmp_path / "e1_steps"
    (tmp_path / "e1_forward.svg").unlink()
    steps.mkdir()
    (steps / "frame_01.svg").write_text("mine too")
    assert run("demo", "--out", str(tmp_path), "--epochs", "0").returncode == 2
    assert (steps / "frame_01.svg").read_text() == "mine too"
    assert not (tmp_path / "e1_forward.svg").exists()  # refused before anything was written


def test_demo_runs_again_over_its_own_output(tmp_path):
    from microgradx import files

    for _ in range(2):
        result = run("demo", "--out", str(tmp_path), "--epochs", "0")
        assert result.returncode == 0, result.stderr
    assert (tmp_path / files.MANIFEST).is_file() and (
        tmp_path / "e1_steps" / "index.html"
    ).is_file()


# ----------------------------------------------------------------------
# -o: read-only files, links, and saying when a file is replaced
# ----------------------------------------------------------------------


def test_a_read_only_file_is_refused(tmp_path):
    target = tmp_path / "graph.svg"
    target.write_text("keep me")
    target.chmod(0o444)
    try:
        result = run("draw", *E1, "-o", str(target))
        assert_user_error(result, "graph.svg is read-only, so it was not replaced")
        assert target.read_text() == "keep me"
    finally:
        target.chmod(0o644)


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges there")
def test_a_symbolic_link_is_written_through_and_kept(tmp_path):
    real = tmp_path / "drawings" / "real.svg"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.svg"
    link.symlink_to(real)
    result = run("draw", *E1, "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "<svg" in real.read_text("utf-8")
    assert "replaced" in result.stdout


def test_hard_links_all_see_the_new_drawing(tmp_path):
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    first.write_text("old")
    os.link(first, second)
    assert run("draw", *E1, "-o", str(first)).returncode == 0
    assert first.stat().st_ino == second.stat().st_ino and first.stat().st_nlink == 2
    assert "<svg" in second.read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg", "b.svg"]  # no temporary


def test_replacing_a_file_is_said(tmp_path):
    first = run("draw", *E1, cwd=tmp_path)  # the default ./graph.svg
    assert first.returncode == 0 and first.stdout.startswith("wrote ")
    again = run("draw", *E1, cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.startswith(
        f"replaced {(tmp_path / 'graph.svg').resolve()}"
    )


# ----------------------------------------------------------------------
# File names as typed, and standard output
# ----------------------------------------------------------------------


def test_names_that_start_with_a_minus_are_taken_as_typed(tmp_path):
    assert run("draw", *E1, "-o", "-g.svg", cwd=tmp_path).returncode == 0
    assert run("draw", *E1, "--steps", "-dir", cwd=tmp_path).returncode == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["-dir", "-g.svg"]  # not " -g.svg" or " -dir"
    assert (tmp_path / "-dir" / "index.html").is_file()


def test_dash_o_dash_writes_to_standard_output(tmp_path):
    svg = run("draw", *E1, "-o", "-", cwd=tmp_path)
    assert svg.returncode == 0 and svg.stdout.lstrip().startswith("<?xml")
    assert svg.stdout.rstrip().endswith("</svg>") and svg.stderr == ""
    dot = run("draw", *E1, "-o", "-", "--format", "dot", cwd=tmp_path)
    assert dot.stdout.startswith("digraph")
    png = subprocess.run(
        [sys.executable, "-m", "microgradx", "draw", *E1, "-o", "-", "--format", "png"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert png.returncode == 0 and png.stdout.startswith(b"\x89PNG\r\n\x1a\n")
    assert list(tmp_path.iterdir()) == []  # no file anywhere


def test_jpg_and_format(tmp_path):
    jpg = tmp_path / "e1.jpg"
    assert run("draw", *E1, "-o", str(jpg)).returncode == 0
    assert jpg.read_bytes().startswith(b"\xff\xd8")  # JPEG's start-of-image marker
    named = tmp_path / "e1"
    assert run("draw", *E1, "-o", str(named), "--format", "png").returncode == 0
    assert named.read_bytes().startswith(b"\x89PNG")  # the name as given, no extension added
    result = run("draw", *E1, "-o", str(tmp_path / "x.svg"), "--format", "png")
    assert_user_error(result, "ends in .svg but --format is png")


def test_help_lists_the_exit_codes_and_debug():
    top = run("--help")
    for line in ("exit status:", "  2    the request cannot", "  74   the output could not"):
        assert line in top.stdout
    draw = run("draw", "--help")
    assert "--debug" in draw.stdout and "exit status:" in draw.stdout
    assert "-o -" not in draw.stdout or "standard output" in draw.stdout
    assert "--format" in draw.stdout


# ----------------------------------------------------------------------
# Output that cannot be written: closed standard output, a full disk
# ----------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="uses a POSIX shell")
def test_a_closed_standard_output_is_a_clear_error(tmp_path):
    command = f"'{sys.executable}' -m microgradx grad 'x*2' x=1 >&-"
    result = subprocess.run(
        ["sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == cli.EXIT_OUTPUT_FAILED == 74
    assert "standard output is closed" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_on_standard_output_is_a_clear_error(tmp_path):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "microgradx", "grad", "x*2", "x=1"],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 74
    assert result.stderr.startswith("microgradx grad: error: cannot write to standard output:")
    assert "disk is full" in result.stderr and "Errno" not in result.stderr


def test_a_full_disk_while_writing_a_file_is_a_clear_error(tmp_path, monkeypatch, capsys):
    def full(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    target = tmp_path / "graph.dot"
    assert cli.main(["draw", *E1, "-o", str(target)]) == 74
    err = capsys.readouterr().err
    assert f"cannot write {target}: the disk is full" in err and "Errno" not in err
    assert list(tmp_path.iterdir()) == []  # nothing half-written, no temporary left


def test_a_read_only_folder_is_refused_with_exit_status_2(tmp_path):
    if os.geteuid() == 0 if hasattr(os, "geteuid") else False:
        pytest.skip("root may write into a read-only folder")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert_user_error(run("draw", *E1, "-o", str(folder / "g.svg")), "Permission denied")
    finally:
        folder.chmod(0o755)
