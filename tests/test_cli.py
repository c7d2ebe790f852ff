"""The `microgradx` command, end to end: run as `python -m microgradx` in a subprocess."""

from __future__ import annotations

import html
import json
import math
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import microgradx
from microgradx import cli, files
from microgradx.drawing import render

E1 = ["(x+y)*z**2", "x=2", "y=-3", "z=2"]
E4 = ["-log(sigmoid(y*(w1*x1+w2*x2)))", "w1=-1", "x1=2", "w2=1", "x2=1", "y=1"]


def run(*args: str, cwd: Path | None = None, env: dict | None = None, **kwargs):
    """Run the command; return the CompletedProcess (text stdout and stderr)."""
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "microgradx", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        **kwargs,
    )


def assert_user_error(result, *phrases: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr


def table_rows(stdout: str) -> dict[str, float]:
    """The `name = number` rows of the gradient table."""
    rows = {}
    for line in stdout.splitlines()[1:]:
        name, _, number = line.partition(" = ")
        rows[name.strip()] = float(number)
    return rows


# ----------------------------------------------------------------------
# grad
# ----------------------------------------------------------------------


def test_grad_prints_e1_as_an_aligned_table():
    result = run("grad", *E1)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "f = (x+y)*z**2   at x = 2, y = -3, z = 2"
    assert table_rows(result.stdout) == {"f": -4.0, "∂f/∂x": 4.0, "∂f/∂y": 4.0, "∂f/∂z": -4.0}
    assert len({line.index("=") for line in lines[1:]}) == 1  # the = signs line up
    assert len({len(line) for line in lines[1:]}) == 1  # and the numbers end together


def test_grad_json_for_e4_with_a_leading_minus():
    result = run("grad", "--json", *E4)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    p = 1 / (1 + math.exp(1.0))  # σ(v) at v = y·(w1·x1 + w2·x2) = -1
    assert report["formula"] == E4[0]
    assert report["inputs"] == {"y": 1.0, "w1": -1.0, "x1": 2.0, "w2": 1.0, "x2": 1.0}
    assert report["f"] == pytest.approx(-math.log(p), rel=1e-12)
    # ∂L/∂w1 = -(1 - p)·y·x1, the lecture's -1.4621; ∂L/∂y = -(1 - p)·q with q = -1
    assert report["gradients"]["w1"] == pytest.approx(-(1 - p) * 2.0, rel=1e-12)
    assert report["gradients"]["w1"] == pytest.approx(-1.4621, abs=1e-4)
    assert report["gradients"]["y"] == pytest.approx(1 - p, rel=1e-12)


def test_a_formula_after_double_dash_and_lecture_notation():
    result = run("grad", "--", "-(a + b)·(b + 1)", "a=2", "b=1")
    assert result.returncode == 0, result.stderr
    assert table_rows(result.stdout) == {"f": -6.0, "∂f/∂a": -2.0, "∂f/∂b": -5.0}


@pytest.mark.parametrize(
    ("args", "phrases"),
    [
        (["(x+y)*cosh(z)", "x=2", "y=-3", "z=2"], ["unknown function 'cosh'", "^^^"]),
        (["(x+y)*z", "x=2", "y=-3"], ["no value for 'z' — give z=<number>"]),
        ([*E1, "q=1"], ["value given for 'q', which the formula does not use"]),
        (["x*y", "x=2", "y"], ["'y' is not a name=value pair"]),
        (["x*y", "x=2", "=3"], ["'=3' is not a name=value pair"]),
        (["x*y", "x=2", "y=two"], ["y=two: 'two' is not a number"]),
        (["x*y", "x=2", "y=nan"], ["give y a finite real number, not nan"]),
        (["x*y", "x=2", "y=-inf"], ["give y a finite real number, not -inf"]),
        (["x*y", "x=2", "y=1", "x=3"], ["x is given twice (x=2 and x=3)"]),
        (["x*y", "x=2", "2y=1"], ["'2y' is not a variable name"]),
        (["log(x - 2)", "x=2"], ["log of 0", "positive"]),
        (["__import__('os').system('echo ran-$((6*7))')"], ["attribute access"]),
        (["x" * 100_000], ["the limit is 10,000"]),
        (["(" * 4_000 + "x" + ")" * 4_000, "x=1"], ["brackets nested more than 100 deep"]),
    ],
)
def test_user_errors_exit_2_with_a_message_and_no_traceback(args, phrases):
    result = run("grad", *args)
    assert_user_error(result, "microgradx grad: error:", *phrases)
    assert "ran-42" not in result.stdout + result.stderr


def test_debug_shows_the_traceback():
    result = run("--debug", "grad", "(x+y)*cosh(z)", "x=2", "y=-3", "z=2")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "unknown function 'cosh'" in result.stderr
    result = run("grad", "x/(y-y)", "x=1", "y=1", "--debug")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "division by zero" in result.stderr


def test_usage_errors_and_version():
    result = run("--version")
    assert (
        result.returncode == 0 and result.stdout.strip() == f"microgradx {microgradx.__version__}"
    )
    for args in ([], ["grad"], ["paint", "x"], ["draw", "x", "x=1", "--theme", "pink"]):
        result = run(*args)
        assert result.returncode == 2 and "usage: microgradx" in result.stderr
        assert "Traceback" not in result.stderr


def test_help_shows_examples_for_each_command():
    for command, example in [
        ("draw", 'microgradx draw "(x+y)*z**2" x=2 y=-3 z=2 -o graph.svg'),
        ("grad", 'microgradx grad "(x+y)*z**2" x=2 y=-3 z=2'),
        ("demo", "microgradx demo --out slides/"),
    ]:
        result = run(command, "--help")
        assert result.returncode == 0 and example in result.stdout


def help_examples(command: str) -> list[list[str]]:
    """The example command lines that `microgradx COMMAND --help` shows, as argument lists."""
    result = run(command, "--help")
    assert result.returncode == 0
    text = result.stdout.replace("\\\n", " ")  # a long example continues on the next line
    lines = re.findall(r"(?:^|:)  microgradx (.*)", text, flags=re.MULTILINE)
    return [shlex.split(line.split("  (")[0]) for line in lines]  # "  (...)" is a comment


@pytest.mark.parametrize("command", ["draw", "grad", "demo"])
def test_every_help_example_runs(command, tmp_path):
    examples = help_examples(command)
    assert len(examples) >= 2
    for example in examples:
        assert example[0] == command
        if command == "demo" and "--epochs" not in example:
            example = [*example, "--epochs", "2"]  # the default run, only shorter
        result = run(*example, cwd=tmp_path)
        assert result.returncode == 0, (example, result.stderr)
        assert "Traceback" not in result.stderr
    if command == "draw":  # each example's file is there
        written = {p.name for p in tmp_path.iterdir()}
        assert {"graph.svg", "forward.png", "e3.png", "backward", "g.svg"} <= written
        assert (tmp_path / "backward" / "index.html").is_file()


# ----------------------------------------------------------------------
# draw
# ----------------------------------------------------------------------


def test_draw_without_output_writes_graph_svg_here_and_says_where(tmp_path):
    result = run("draw", *E1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "graph.svg"
    assert str(written.resolve()) in result.stdout
    svg = written.read_text("utf-8")
    assert "<svg" in svg and "</svg>" in svg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"]  # no temporary left


def expected_source(formula_and_values: list[str], *, backward: bool, **options) -> str:
    """The DOT source microgradx.draw gives in process for the same graph and options."""
    from microgradx import draw, parse

    values = cli.parse_assignments(formula_and_values[1:])
    root = parse(formula_and_values[0], **values)
    root.label = "f"
    if backward:
        root.backward()
    return draw(root, grads=backward, **options).source


def test_draw_dot_is_the_drawing_of_the_formula_with_the_options_given(tmp_path):
    full, forward, styled = tmp_path / "full.dot", tmp_path / "forward.dot", tmp_path / "s.gv"
    assert run("draw", *E1, "-o", str(full)).returncode == 0
    assert run("draw", *E1, "--forward-only", "-o", str(forward)).returncode == 0
    style = ["--local-grads", "--theme", "dark", "--rankdir", "TB"]
    assert run("draw", *E1, *style, "-o", str(styled)).returncode == 0

    assert full.read_text("utf-8") == expected_source(E1, backward=True)
    assert forward.read_text("utf-8") == expected_source(E1, backward=False)
    assert styled.read_text("utf-8") == expected_source(
        E1, backward=True, local_grads=True, theme="dark", rankdir="TB"
    )
    sources = {path.read_text("utf-8") for path in (full, forward, styled)}
    assert len(sources) == 3 and all(source.startswith("digraph") for source in sources)


def test_draw_png_and_pdf(tmp_path):
    png = tmp_path / "e1.png"
    assert run("draw", *E1, "-o", str(png)).returncode == 0
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    from microgradx.drawing import renderer

    pdf = tmp_path / "e1.pdf"
    result = run("draw", *E1, "-o", str(pdf))
    if renderer().supports("pdf"):
        assert result.returncode == 0 and pdf.read_bytes().startswith(b"%PDF")
    else:
        assert_user_error(result, "system Graphviz")
        assert not pdf.exists()


def e1_frames(**options) -> list:
    """E1's backward-pass frames, made in process: at least forward, one step, done."""
    from microgradx import backward_steps, parse

    root = parse(E1[0], **cli.parse_assignments(E1[1:]))
    root.label = "f"
    frames = backward_steps(root, **options)
    assert len(frames) >= 3
    return frames


def test_draw_steps_writes_every_frame_and_the_slideshow(tmp_path):
    steps = tmp_path / "steps"
    longer = ["((x+y)*z**2 + x*y)*(x-z)", "x=2", "y=-3", "z=2"]
    assert run("draw", *longer, "--steps", str(steps)).returncode == 0
    assert len(list(steps.glob("frame_*.svg"))) > len(e1_frames())  # frames to remove
    (steps / "notes.txt").write_text("mine")
    result = run("draw", *E1, "--steps", str(steps))
    assert result.returncode == 0, result.stderr
    expected = e1_frames()
    frames = sorted(p.name for p in steps.glob("frame_*.svg"))
    assert frames == [f"frame_{i:02d}.svg" for i in range(len(expected))]
    assert all("<svg" in (steps / name).read_text("utf-8") for name in frames)
    page = (steps / "index.html").read_text("utf-8")
    assert page.count("<svg") == len(expected)
    assert all(html.escape(frame.caption) in page for frame in expected)
    assert (steps / "notes.txt").read_text() == "mine"
    assert str((steps / "index.html").resolve()) in result.stdout
    assert not (tmp_path / "graph.svg").exists()  # --steps alone writes only the steps


def test_an_existing_file_is_replaced_only_after_a_successful_render(tmp_path):
    target = tmp_path / "graph.svg"
    target.write_text("the old drawing")
    # a formula error, and a layout program that fails: the old file stays as it was
    assert_user_error(run("draw", "x*cosh(x)", "x=1", "-o", str(target)), "unknown function")
    failing = run("draw", *E1, "-o", str(target), env={"MICROGRADX_DOT": "false"})
    assert_user_error(failing, "failed to draw the graph")
    assert target.read_text() == "the old drawing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"]  # no temporary left
    # and a successful render replaces it
    assert run("draw", *E1, "-o", str(target)).returncode == 0
    assert "<svg" in target.read_text("utf-8")


def test_draw_refuses_unknown_formats_and_missing_folders(tmp_path):
    gif = tmp_path / "g.gif"
    assert_user_error(run("draw", *E1, "-o", str(gif)), ".svg, .png, .jpg, .pdf, .dot")
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    assert_user_error(run("draw", *E1, "--steps", str(a_file)), "is a file: give a folder")
    missing = tmp_path / "nowhere" / "g.svg"
    assert_user_error(run("draw", *E1, "-o", str(missing)), "does not exist")
    assert not missing.parent.exists()


# ----------------------------------------------------------------------
# demo
# ----------------------------------------------------------------------


def test_demo_prints_e1_writes_drawings_and_trains(tmp_path):
    out = tmp_path / "demo"
    result = run("demo", "--out", str(out), "--epochs", "3")
    assert result.returncode == 0, result.stderr
    assert table_rows_after(result.stdout, "f = (x+y)*z**2") == {
        "f": -4.0,
        "∂f/∂x": 4.0,
        "∂f/∂y": 4.0,
        "∂f/∂z": -4.0,
    }
    for name in ("e1_forward.svg", "e1_backward.svg", "e1_steps/index.html"):
        assert (out / name).is_file() and str((out / name).resolve()) in result.stdout
    assert len(list((out / "e1_steps").glob("frame_*.svg"))) == len(e1_frames(local_grads=True))
    accuracy = next(line for line in result.stdout.splitlines() if line.startswith("accuracy"))
    assert "after 3 epochs" in accuracy
    assert 0.5 <= float(accuracy.split()[1].rstrip("%")) / 100 <= 1.0
    plot = out / "moons_decision_boundary.png"
    if _has_matplotlib():
        assert plot.read_bytes().startswith(b"\x89PNG") and str(plot.resolve()) in result.stdout
    else:
        assert "matplotlib is not installed" in result.stdout


def test_demo_without_a_renderer_still_computes_and_says_why(tmp_path):
    no_renderer = {"MICROGRADX_DOT": str(tmp_path / "no-such-dot")}
    result = run("demo", "--out", str(tmp_path), "--epochs", "0", env=no_renderer)
    assert result.returncode == 0, result.stderr
    assert "∂f/∂z = -4" in result.stdout
    assert "The drawings were skipped" in result.stdout and "MICROGRADX_DOT" in result.stdout
    assert list(tmp_path.iterdir()) == []


def table_rows_after(stdout: str, header: str) -> dict[str, float]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = {}
    for line in lines[start + 1 :]:
        if " = " not in line:
            break
        name, _, number = line.partition(" = ")
        rows[name.strip()] = float(number)
    return rows


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def test_demo_trains_on_the_compiled_graph(tmp_path, monkeypatch, capsys):
    """In process: the demo's fit runs on the compiled graph, and a scalar run of the same
    recipe gives the same history."""
    from microgradx import train

    histories = []
    real_fit = train.fit

    def recording_fit(*args, **options):
        histories.append(real_fit(*args, **{**options, "progress": False}))
        return histories[-1]

    monkeypatch.setattr(train, "fit", recording_fit)
    monkeypatch.setattr(cli, "_demo_drawings", lambda root, out: {})
    assert cli.main(["demo", "--out", str(tmp_path), "--epochs", "2"]) == 0
    assert "after 2 epochs" in capsys.readouterr().out
    (compiled,) = histories
    assert compiled.compiled

    monkeypatch.setattr(train, "fit", lambda *a, **o: recording_fit(*a, **{**o, "compiled": False}))
    assert cli.main(["demo", "--out", str(tmp_path), "--epochs", "2"]) == 0
    scalar = histories[-1]
    assert not scalar.compiled
    assert compiled.loss == pytest.approx(scalar.loss, rel=1e-9)
    assert compiled.accuracy == scalar.accuracy


def test_demo_without_training_and_with_a_bad_epoch_count(tmp_path):
    result = run("demo", "--out", str(tmp_path / "d"), "--epochs", "0")
    assert result.returncode == 0 and "accuracy" not in result.stdout
    assert (tmp_path / "d" / "e1_backward.svg").is_file()
    result = run("demo", "--epochs", "-1", cwd=tmp_path)
    assert result.returncode == 2 and "negative" in result.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "d"]


# ----------------------------------------------------------------------
# Interrupts, closed pipes and bugs (in process, where they can be caused on purpose).
# ----------------------------------------------------------------------


def test_ctrl_c_exits_130_with_a_short_message(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_grad", interrupted)
    assert cli.main(["grad", "x", "x=1"]) == 130
    captured = capsys.readouterr()
    assert captured.err.strip() == "microgradx: interrupted" and "Traceback" not in captured.err


def test_an_unexpected_error_is_reported_as_a_bug(monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(cli, "run_grad", broken)
    assert cli.main(["grad", "x", "x=1"]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: something inside broke" in err and "--debug" in err
    assert "Traceback" not in err


def test_a_closed_pipe_ends_quietly():
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    try:
        result = subprocess.run(
            [sys.executable, "-m", "microgradx", "grad", *E1],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert result.returncode == cli.EXIT_BROKEN_PIPE
    assert "Traceback" not in result.stderr


def test_parse_assignments():
    assert cli.parse_assignments(["x=2", " y = -3.5 ", "z=−1", "w₁=1e-3"]) == {
        "x": 2.0,
        "y": -3.5,
        "z": -1.0,
        "w1": 0.001,
    }
    for bad in (["x"], ["x=1", "x=1"], ["x=1e999"], ["x="], ["a-b=1"]):
        with pytest.raises(cli.UsageError):
            cli.parse_assignments(bad)


# ----------------------------------------------------------------------
# Corners a student runs into.
# ----------------------------------------------------------------------


def test_grad_of_a_constant_lists_no_variables():
    result = run("grad", "2*3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["f = 2*3", "  f = 6"]
    report = json.loads(run("grad", "--json", "3").stdout)
    assert report["inputs"] == {} and report["gradients"] == {} and report["f"] == 3.0


def test_a_variable_named_f_does_not_clash_with_the_output():
    result = run("grad", "f*g", "f=3", "g=2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "out = f*g   at f = 3, g = 2"
    assert table_rows(result.stdout) == {"out": 6.0, "∂out/∂f": 2.0, "∂out/∂g": 3.0}


def test_empty_names_and_missing_parent_folders_are_refused(tmp_path):
    assert_user_error(run("draw", *E1, "-o", "", cwd=tmp_path), "-o needs a file name")
    assert_user_error(run("draw", *E1, "--steps", "", cwd=tmp_path), "--steps needs a folder")
    assert_user_error(run("demo", "--out", "", cwd=tmp_path), "--out needs a folder")
    deep = tmp_path / "no" / "such" / "folder"
    assert_user_error(run("draw", *E1, "--steps", str(deep)), f"{deep.parent} does not exist")
    assert_user_error(run("demo", "--out", str(deep)), f"{deep.parent} does not exist")
    assert list(tmp_path.iterdir()) == []  # nothing was created or written


def test_a_folder_that_cannot_be_written_names_the_file_asked_for(tmp_path, monkeypatch, capsys):
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".graph.x1y2.tmp.svg"))

    monkeypatch.setattr(files.tempfile, "mkstemp", refused)
    target = tmp_path / "graph.svg"
    assert cli.main(["draw", *E1, "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"microgradx draw: error: cannot write {target}: Permission denied;")
    assert "choose a folder you can write to" in err and ".tmp" not in err


def test_long_values_are_shortened_in_messages():
    result = run("grad", "x+y", "x=2", "y=" + "9" * 5000)
    assert_user_error(result, "give y a finite real number, not 9999")
    assert len(result.stderr) < 300


def test_ctrl_c_while_reading_the_command_line(monkeypatch, capsys):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["grad", "x", "x=1"]) == 130
    assert capsys.readouterr().err.strip() == "microgradx: interrupted"


def test_steps_never_overwrite_a_page_microgradx_did_not_write(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>my course page</h1>")
    result = run("draw", *E1, "-o", str(tmp_path / "g.svg"), "--steps", str(site))
    assert_user_error(result, "index.html is in the way: microgradx did not write it")
    assert (site / "index.html").read_text() == "<h1>my course page</h1>"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["index.html", "site"]  # nothing new
    # a slideshow microgradx wrote is replaced by the new one
    ours = tmp_path / "ours"
    assert run("draw", "x*y", "x=1", "y=2", "--steps", str(ours)).returncode == 0
    assert run("draw", *E1, "--steps", str(ours)).returncode == 0
    assert len(list(ours.glob("frame_*.svg"))) == len(e1_frames())


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in layout program is a sh script")
def test_a_layout_that_takes_too_long_is_stopped(tmp_path, monkeypatch, capsys):
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("MICROGRADX_DOT", str(slow))
    monkeypatch.setattr(render, "RENDER_SECONDS", 0.5)
    target = tmp_path / "g.svg"
    assert cli.main(["draw", *E1, "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "slow-dot took more than 0.5 s to lay out the graph, so it was stopped" in err
    assert not target.exists()


def test_a_graph_too_large_to_draw_gets_advice_for_the_command(tmp_path):
    formula = "+".join(["x"] * 700)  # 700 nodes: one x and 699 additions
    result = run("draw", formula, "x=1", "-o", str(tmp_path / "g.svg"))
    assert_user_error(result, "the graph of this formula has 700 nodes, too many to draw")
    assert "max_nodes" not in result.stderr  # a Python argument the command does not have
    assert table_rows(run("grad", formula, "x=1").stdout)["∂f/∂x"] == 700.0


def test_an_unknown_option_is_named_with_the_command_s_usage():
    result = run("grad", *E1, "--jsn")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("usage: microgradx grad [-h] [--debug] [--json]")
    assert "unrecognized arguments: --jsn (see microgradx grad --help" in result.stderr
    # grad has no -o, so "-o" there is a formula: f = -o
    assert table_rows(run("grad", "-o", "o=2").stdout) == {"f": -2.0, "∂f/∂o": -1.0}
