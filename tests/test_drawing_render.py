"""The renderer: system Graphviz when present, else graphviz-pure, else one clear error."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from graphviz.backend import dot_command

from microgradx import Value
from microgradx.drawing import (
    ENV_VAR,
    RendererNotFoundError,
    draw,
    render_png,
    render_svg,
    renderer,
)
from microgradx.drawing import render as render_module

SYSTEM_DOT = shutil.which("dot")


def graph():
    x, y = Value(2.0, "x"), Value(-3.0, "σ₁")
    f = x * y
    f.label = "f"
    f.backward()
    return draw(f, local_grads=True)


@pytest.fixture
def no_system_dot(monkeypatch, tmp_path):
    """PATH with no `dot` on it (and no graphviz-pure either: it must be found another way)."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(ENV_VAR, raising=False)
    render_module._find.cache_clear()
    yield
    render_module._find.cache_clear()


def check_svg(svg: str) -> None:
    root = ET.fromstring(svg)
    texts = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "σ₁" in texts and "∂f/∂x = -3" in texts and "-6" in texts


@pytest.mark.skipif(SYSTEM_DOT is None, reason="the system Graphviz is not installed")
def test_system_dot_is_preferred(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert renderer().kind == "dot" and renderer().path == SYSTEM_DOT
    check_svg(render_svg(graph()))
    assert render_png(graph()).startswith(b"\x89PNG")


def test_graphviz_pure_without_system_dot(no_system_dot):
    program = renderer()
    assert program.kind == "graphviz-pure" and os.path.isfile(program.path)
    g = graph()
    check_svg(render_svg(g))
    check_svg(g.pipe(format="svg", encoding="utf-8"))
    assert g.pipe(format="png").startswith(b"\x89PNG")
    bundle = g._repr_mimebundle_()  # notebook display
    check_svg(bundle["image/svg+xml"])
    assert dot_command.DOT_BINARY.name == "dot"  # the graphviz package is left as it was


def test_png_resolution(no_system_dot):
    sharp, plain = render_png(graph()), render_png(graph(), dpi=96)  # 192 dpi by default
    width = lambda png: int.from_bytes(png[16:20], "big")  # noqa: E731  (the PNG header)
    assert abs(width(sharp) - 2 * width(plain)) <= 2
    with pytest.raises(ValueError, match="dpi must be a number"):
        render_png(graph(), dpi="high")


def test_render_to_file_without_system_dot(no_system_dot, tmp_path):
    out = graph().render(outfile=tmp_path / "g.png")
    assert Path(out).read_bytes().startswith(b"\x89PNG")
    with pytest.raises(RendererNotFoundError, match="system Graphviz"):
        graph().render(outfile=tmp_path / "g.pdf")
    with pytest.raises(RendererNotFoundError, match="apt-get install graphviz"):
        graph().pipe(format="pdf")


def test_no_renderer_at_all_says_what_to_install(no_system_dot, monkeypatch):
    monkeypatch.setattr(importlib.metadata, "files", lambda name: [])
    with pytest.raises(RendererNotFoundError) as error:
        render_svg(graph())
    message = str(error.value)
    assert "pip install graphviz-pure" in message and "apt-get install graphviz" in message
    assert ENV_VAR in message


def test_environment_variable_overrides(monkeypatch, no_system_dot):
    pure = render_module._graphviz_pure_path()
    monkeypatch.setenv(ENV_VAR, pure)
    assert renderer().kind == "graphviz-pure"
    check_svg(render_svg(graph()))
    monkeypatch.setenv(ENV_VAR, "/no/such/dot")
    with pytest.raises(RendererNotFoundError, match=f"{ENV_VAR}='/no/such/dot'"):
        renderer()


def test_kernel_without_venv_bin_on_path(tmp_path):
    """As in a Jupyter kernel started without the virtual environment's bin/ on PATH."""
    code = (
        "from microgradx import Value; from microgradx.drawing import draw, render_svg, renderer\n"
        "x = Value(2.0, 'x'); f = x * x; f.backward()\n"
        "print(renderer().kind); print(render_svg(draw(f))[-7:])\n"
    )
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["graphviz-pure", "</svg>"]
    assert done.stderr == ""  # graphviz-pure's warnings about non-ASCII widths are silenced


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in layout program is a sh script")
def test_a_layout_that_takes_too_long_is_stopped_everywhere(tmp_path, monkeypatch):
    """render_svg, pipe and the notebook's SVG all stop a layout program that hangs."""
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv(render_module.ENV_VAR, str(slow))
    monkeypatch.setattr(render_module, "RENDER_SECONDS", 0.3)
    drawing = draw(Value(2.0, "x") * 3)
    message = "slow-dot took more than 0.3 s to lay out the graph, so it was stopped"
    with pytest.raises(render_module.RenderTimeoutError, match=message):
        render_svg(drawing)
    with pytest.raises(render_module.RenderTimeoutError, match=message):
        drawing.pipe(format="svg", encoding="utf-8")  # what notebook display calls
    with pytest.raises(render_module.RenderTimeoutError, match=message):
        drawing._repr_image_svg_xml()


def test_pipe_through_the_time_limited_path_gives_what_graphviz_gives():
    drawing = graph()
    by_graphviz = drawing.pipe(format="svg", renderer=None)  # any other argument: graphviz's pipe
    assert drawing.pipe(format="svg") == by_graphviz
    assert drawing.pipe(format="svg", encoding="utf-8") == by_graphviz.decode("utf-8")
    assert render_svg(drawing) == by_graphviz.decode("utf-8")


def _slow_layout_program(tmp_path, body):
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\n" + body)
    slow.chmod(0o755)
    return slow


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in layout program is a sh script")
def test_drawing_render_has_the_same_time_limit(tmp_path, monkeypatch):
    """Drawing.render (the README's recipe for scripts) ran the program with no limit."""
    slow = _slow_layout_program(tmp_path, "exec sleep 20\n")
    monkeypatch.setenv(render_module.ENV_VAR, str(slow))
    monkeypatch.setattr(render_module, "RENDER_SECONDS", 0.3)
    drawing = draw(Value(2.0, "x") * 3)
    started = time.monotonic()
    with pytest.raises(render_module.RenderTimeoutError, match=r"slow-dot took more than 0\.3 s"):
        drawing.render(tmp_path / "graph", format="svg")
    with pytest.raises(render_module.RenderTimeoutError):
        drawing.render(outfile=tmp_path / "graph.svg")
    assert time.monotonic() - started < 10


@pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")
def test_a_timeout_stops_everything_the_layout_program_started(tmp_path, monkeypatch):
    """A program that leaves a child running (which keeps the output pipe open) is stopped
    with its child, at once, not after the child's own time."""
    pid_file = tmp_path / "child.pid"
    slow = _slow_layout_program(tmp_path, f"sleep 20 &\necho $! > {pid_file}\nwait\n")
    monkeypatch.setenv(render_module.ENV_VAR, str(slow))
    monkeypatch.setattr(render_module, "RENDER_SECONDS", 0.5)
    started = time.monotonic()
    with pytest.raises(render_module.RenderTimeoutError):
        render_svg(draw(Value(2.0, "x") * 3))
    assert time.monotonic() - started < 10
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid):
    """True while ``pid`` runs (a zombie, killed but not yet reaped by init, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
