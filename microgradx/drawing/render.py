"""Which program turns a drawing into pixels: the system Graphviz, or the bundled graphviz-pure.

The ``graphviz`` Python package only writes DOT text; a layout program draws it. microgradx
looks for one in this order:

1. the path (or command name) in the environment variable ``MICROGRADX_DOT``;
2. the system Graphviz ``dot`` on ``PATH`` (the only one that writes PDF);
3. ``graphviz-pure``, a self-contained port of ``dot`` that ``pip install microgradx`` brings
   along (found through the package's installed files, so it works even when the virtual
   environment's ``bin/`` is not on ``PATH``, as in many Jupyter kernels).

Every drawing microgradx returns is a :class:`Drawing`: a ``graphviz.Digraph`` whose ``pipe``,
``render`` and notebook display run the program chosen here.

A layout is stopped after ``RENDER_SECONDS``: a lecture graph takes well under a second, but
some graphs (a variable used hundreds of times, x+x+…+x) take a layout program many minutes.
The limit holds for every way a drawing is rendered (``render_image``, ``Drawing.pipe``,
``Drawing.render``, notebook display), and a program that runs too long is stopped with
everything it started (its whole process group).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import graphviz
from graphviz.backend import dot_command, execute

__all__ = [
    "ENV_VAR",
    "Renderer",
    "RendererNotFoundError",
    "RenderTimeoutError",
    "RENDER_SECONDS",
    "DEFAULT_DPI",
    "Drawing",
    "renderer",
    "render_image",
    "render_svg",
    "render_png",
    "measure_texts",
    "pin_layout",
]

ENV_VAR = "MICROGRADX_DOT"
RENDER_SECONDS = 60.0  # the longest a layout may take before it is stopped
DEFAULT_DPI = 192  # PNG and JPEG resolution: twice Graphviz's 96, sharp on a projector
_RASTER = frozenset({"png", "jpeg", "jpg", "jpe", "gif", "bmp", "tif", "tiff", "webp"})

# graphviz-pure's output formats (`graphviz-pure -T?`): no PDF or PostScript.
_PURE_FORMATS = frozenset(
    {"svg", "png", "jpeg", "jpg", "jpe", "dot", "gv", "xdot", "canon", "json", "plain"}
)

_INSTALL_HELP = (
    "install the Python package graphviz-pure (`pip install graphviz-pure`; it comes with "
    "microgradx) or the system Graphviz (`apt-get install graphviz`, `brew install graphviz`, "
    "`conda install graphviz`, or https://graphviz.org/download/), "
    f"or set {ENV_VAR} to the path of a `dot` program"
)


class RendererNotFoundError(RuntimeError):
    """No program to lay out and draw graphs was found, or it cannot write the asked format."""


class RenderTimeoutError(RuntimeError):
    """The layout program took longer than ``RENDER_SECONDS`` and was stopped."""


@dataclass(frozen=True)
class Renderer:
    """A layout program: ``kind`` is ``"dot"`` (Graphviz), ``"graphviz-pure"`` or ``"custom"``
    (another program named by ``MICROGRADX_DOT``); ``path`` is its executable."""

    kind: str
    path: str

    def supports(self, format: str) -> bool:
        """True if this program can write ``format`` (graphviz-pure writes no PDF)."""
        if self.kind == "graphviz-pure":
            return format.split(":")[0].lower() in _PURE_FORMATS
        return True

    def check(self, format: str) -> None:
        """Raise a clear error if this program cannot write ``format``."""
        if not self.supports(format):
            raise RendererNotFoundError(
                f"{format!r} output needs the system Graphviz (`dot`), which was not found; "
                "graphviz-pure writes svg, png and jpeg only. Install Graphviz "
                "(`apt-get install graphviz`, `brew install graphviz` or `conda install graphviz`) "
                "or ask for svg or png"
            )


def _graphviz_pure_path() -> str | None:
    """The graphviz-pure executable installed with the Python package, if any."""
    try:
        files = importlib.metadata.files("graphviz-pure") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name in ("graphviz-pure", "graphviz-pure.exe"):
            path = pathlib.Path(file.locate()).resolve()
            if path.is_file():
                return str(path)
    return shutil.which("graphviz-pure")


@lru_cache(maxsize=8)
def _find(override: str | None, search_path: str | None) -> Renderer:
    if override:
        found = shutil.which(override)
        if found is None:
            raise RendererNotFoundError(
                f"{ENV_VAR}={override!r} is not an executable program: set it to the path of "
                "`dot` or `graphviz-pure`, or unset it to let microgradx choose"
            )
        name = pathlib.Path(found).name
        kind = "graphviz-pure" if "graphviz-pure" in name else "custom"
        if name in ("dot", "dot.exe"):
            kind = "dot"
        return Renderer(kind, found)
    system_dot = shutil.which("dot")
    if system_dot is not None:
        return Renderer("dot", system_dot)
    pure = _graphviz_pure_path()
    if pure is not None:
        return Renderer("graphviz-pure", pure)
    raise RendererNotFoundError(f"no Graphviz renderer found to draw with: {_INSTALL_HELP}")


def renderer() -> Renderer:
    """The program drawings are rendered with now (see the module docstring for the order).

    Raises ``RendererNotFoundError``, saying what to install, when there is none.
    """
    return _find(os.environ.get(ENV_VAR) or None, os.environ.get("PATH"))


_swap_lock = threading.RLock()


@contextlib.contextmanager
def _running(program: Renderer) -> Iterator[None]:
    """Point the graphviz package at ``program``, within the time limit, for the calls made
    inside this block.

    graphviz reads the module constant ``dot_command.DOT_BINARY`` each time it builds a
    command line, and graphviz-pure takes ``dot``'s flags, so swapping it is enough; it
    runs the command through ``execute.run_check``, which is swapped for the time-limited
    ``_run_check``.
    """
    with _swap_lock:
        previous = dot_command.DOT_BINARY, execute.run_check
        dot_command.DOT_BINARY = pathlib.Path(program.path)
        execute.run_check = _run_check
        try:
            yield
        finally:
            dot_command.DOT_BINARY, execute.run_check = previous


def _run_check(
    command: Any, *, quiet: bool = False, input: bytes | None = None, **options: Any
) -> subprocess.CompletedProcess:
    """graphviz's ``execute.run_check`` (run, raise ``CalledProcessError`` on failure), with
    the time limit of ``run_limited``."""
    encoding = options.pop("encoding", None)
    lines = options.pop("input_lines", None)  # how graphviz's pipe hands over the source
    if lines is not None:
        input = b"".join(
            line.encode(encoding or "utf-8") if isinstance(line, str) else line for line in lines
        )
    if isinstance(input, str):
        input = input.encode(encoding or "utf-8")
    done = run_limited(list(map(str, command)), input=input, cwd=options.get("cwd"))
    if encoding is not None:
        done.stdout = done.stdout.decode(encoding)
        done.stderr = done.stderr.decode(encoding)
    if not quiet and done.stderr:
        execute._write_stderr(done.stderr)
    if done.returncode != 0:
        raise execute.CalledProcessError(
            done.returncode, command, output=done.stdout, stderr=done.stderr
        )
    return done


def run_limited(
    command: list[str], *, input: bytes | None = None, cwd: Any = None
) -> subprocess.CompletedProcess:
    """Run the layout ``command`` (feeding it ``input``) for at most ``RENDER_SECONDS``.

    It runs in a process group of its own, so that when it is stopped — at the time limit,
    or by Ctrl-C — everything it started stops too (a program that leaves a child behind
    would otherwise keep the output pipe open, and the wait would go on).
    """
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(input, timeout=RENDER_SECONDS)
    except subprocess.TimeoutExpired:
        _stop_group(process)
        raise RenderTimeoutError(
            f"{pathlib.Path(command[0]).name} took more than {RENDER_SECONDS:g} s to lay out "
            "the graph, so it was stopped: a node used very many times (x+x+…+x) is slow to "
            "lay out; draw a smaller graph, or group a model's graph with group='neuron'"
        ) from None
    except BaseException:  # Ctrl-C, say: stop the program too
        _stop_group(process)
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _stop_group(process: subprocess.Popen) -> None:
    """Kill ``process`` and the rest of its process group, and reap it."""
    killpg = getattr(os, "killpg", None)
    if killpg is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            killpg(process.pid, signal.SIGKILL)
    process.kill()
    process.wait()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders with the program :func:`renderer` picks.

    Everything a Digraph does still works (``.source``, ``.save``, ``.pipe``, ``.render``,
    notebook display); only the program run is chosen for you. ``caption`` says what a
    backward-pass frame shows, ``table`` holds its chain-rule table (see ``steps``), and
    ``theme`` is the Theme it was drawn with.
    """

    caption: str = ""
    table: Any = None
    theme: Any = None  # the Theme it was drawn with (a slideshow page takes its colours)
    dpi: float = DEFAULT_DPI  # resolution of PNG and JPEG output
    legend: bool = False  # whether the drawing carries its own legend
    pinned: bool = False  # laid out already: every position is in the source (see pin_layout)

    def _at_resolution(self, format: str | None, dpi: float | None) -> Drawing:
        """This drawing, or a copy with ``dpi`` set when ``format`` is a raster image."""
        if (format or self.format or "").split(":")[0].lower() not in _RASTER:
            return self
        resolution = check_dpi(self.dpi if dpi is None else dpi)
        copy = self.copy()
        copy.attr(dpi=f"{resolution:g}")
        return copy

    def pipe(
        self, format: str | None = None, *args: Any, dpi: float | None = None, **kwargs: Any
    ) -> Any:
        """As ``graphviz.Digraph.pipe``; PNG and JPEG at ``dpi`` (default ``self.dpi``, 192)."""
        if not args and set(kwargs) <= {"encoding", "quiet"}:  # notebook display, and most calls
            image = render_image(self, format or self.format, dpi=dpi)
            encoding = kwargs.get("encoding")
            return image.decode(encoding) if encoding else image
        program = renderer()
        program.check(format or self.format)
        if program.kind == "graphviz-pure":
            kwargs["quiet"] = True  # it warns about the width of every non-ASCII character
        graph = self._at_resolution(format, dpi)
        if self.pinned:
            kwargs.setdefault("neato_no_op", 2)
        with _running(program):
            return graphviz.Digraph.pipe(graph, format, *args, **kwargs)

    def render(self, *args: Any, dpi: float | None = None, **kwargs: Any) -> str:
        """As ``graphviz.Digraph.render``; PNG and JPEG at ``dpi`` (default ``self.dpi``, 192)."""
        program = renderer()
        outfile = kwargs.get("outfile")
        format = kwargs.get("format") or (
            pathlib.Path(outfile).suffix.lstrip(".") if outfile else None
        )
        program.check(format or self.format)
        if program.kind == "graphviz-pure":
            kwargs["quiet"] = True
        graph = self._at_resolution(format, dpi)
        if self.pinned:
            kwargs.setdefault("neato_no_op", 2)
        with _running(program):
            return graphviz.Digraph.render(graph, *args, **kwargs)


def check_dpi(dpi: object) -> float:
    """``dpi`` as a float, or a ValueError saying what a resolution must be."""
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 10 <= dpi <= 1200:
        raise ValueError(f"dpi must be a number from 10 to 1200 (dots per inch), got {dpi!r}")
    return float(dpi)


def render_image(
    graph: graphviz.Digraph | graphviz.Graph | graphviz.Source,
    format: str,
    *,
    dpi: float | None = None,
) -> bytes:
    """Lay out ``graph`` (a drawing, or any graphviz graph) as ``format`` ("svg", "png",
    "jpeg", or "pdf" with the system Graphviz) and return the bytes.

    ``dpi`` sets the resolution of a PNG or JPEG (a drawing's own ``dpi``, 192, by default;
    Graphviz's default for other graphs is 96). The program runs
    with a time limit of ``RENDER_SECONDS`` (the graphviz package's own ``pipe`` has none):
    ``RenderTimeoutError`` says when it was stopped, ``graphviz.CalledProcessError`` when it
    failed.
    """
    program = renderer()
    program.check(format)
    pinned = getattr(graph, "pinned", False)
    raster = format.split(":")[0].lower() in _RASTER
    if dpi is None and isinstance(graph, Drawing) and raster:
        dpi = graph.dpi
    if dpi is not None and raster:
        check_dpi(dpi)
        if isinstance(graph, graphviz.Source):
            raise TypeError("dpi needs a Digraph or Graph (from draw, backward_steps, ...)")
        graph = graph.copy()
        graph.attr(dpi=f"{dpi:g}")
    command = [program.path, f"-K{graph.engine}", f"-T{format}", *(["-n2"] if pinned else [])]
    done = run_limited(command, input=graph.source.encode("utf-8"))
    if done.returncode != 0:
        raise graphviz.CalledProcessError(
            done.returncode, command, output=done.stdout, stderr=done.stderr
        )
    return done.stdout


def render_svg(graph: graphviz.Digraph | graphviz.Graph | graphviz.Source) -> str:
    """Lay out ``graph`` (any graphviz graph) and return the SVG text."""
    return render_image(graph, "svg").decode("utf-8")


def render_png(graph: graphviz.Digraph | graphviz.Graph, *, dpi: float = DEFAULT_DPI) -> bytes:
    """Lay out ``graph`` (a drawing, or any graphviz graph) and return PNG bytes.

    The default ``dpi``, twice Graphviz's 96, stays sharp on a projector or a
    high-resolution screen.
    """
    return render_image(graph, "png", dpi=dpi)


def measure_texts(texts: list[tuple[str, float, bool]], font: str) -> list[float] | None:
    """The width in points the renderer gives each (text, font size, bold) — one run of the
    layout program for all of them — or None when no renderer can measure them."""
    if not texts:
        return []
    lines = [f'digraph {{ node [shape=none margin=0 width=0 height=0 fontname="{font}"];']
    for i, (text, points, bold) in enumerate(texts):
        label = f"<b>{text}</b>" if bold else text
        lines.append(f"m{i} [fontsize={points:g} label=<{label or ' '}>];")
    lines.append("}")
    try:
        plain = render_image(graphviz.Source("\n".join(lines)), "plain").decode("utf-8")
    except (RendererNotFoundError, RenderTimeoutError, graphviz.CalledProcessError, OSError):
        return None
    widths = {}
    for line in plain.splitlines():
        parts = line.split(" ", 5)
        if parts[0] == "node" and len(parts) > 4:
            widths[parts[1]] = float(parts[4]) * 72
    if len(widths) != len(texts):
        return None
    return [widths[f"m{i}"] for i in range(len(texts))]


_EDGE_LINE = re.compile(r"\t(\S+) -> (\S+?)( \[|$)")
_NODE_LINE = re.compile(r"\t(\S+) \[")


def pin_layout(frames: list[Drawing]) -> bool:
    """Lay out ``frames[0]`` once and write every position into each frame, so each is drawn
    on that one layout (``neato -n2``: no layout of its own). The frames must have the same
    nodes and edges, in the same order, and the same sizes (as ``backward_steps`` makes them).
    Returns False, changing nothing, when no renderer can lay them out."""
    try:
        laid = json.loads(render_image(frames[0], "json"))
    except (RendererNotFoundError, RenderTimeoutError, graphviz.CalledProcessError, ValueError):
        return False
    objects = laid.get("objects", [])
    positions = {node["name"]: node["pos"] for node in objects if "pos" in node}
    laid_edges: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
    for edge in sorted(laid.get("edges", []), key=lambda edge: edge["_gvid"]):
        ends = (objects[edge["tail"]]["name"], objects[edge["head"]]["name"])
        laid_edges.setdefault(ends, []).append((edge["pos"], edge.get("lp")))
    pinned_bodies = []
    for frame in frames:
        body = []
        edges = {ends: iter(routes) for ends, routes in laid_edges.items()}
        for line in frame.body:
            if match := _EDGE_LINE.match(line):
                pos, lp = next(edges.get((match[1], match[2]), iter(())), (None, None))
                if pos is None:
                    return False
                where = f'pos="{pos}"' + (f' lp="{lp}"' if lp else "")
                line = (
                    line.replace(" [", f" [{where} ", 1)
                    if match[3]
                    else f"{line.rstrip()} [{where}]\n"
                )
            elif (match := _NODE_LINE.match(line)) and match[1] in positions:
                line = line.replace(" [", f' [pos="{positions[match[1]]}" ', 1)
            body.append(line)
        pinned_bodies.append(body)
    for frame, body in zip(frames, pinned_bodies):
        frame.body[:] = body
        frame.attr(bb=laid["bb"], **({"lp": laid["lp"]} if "lp" in laid else {}))
        frame.engine = "neato"
        frame.pinned = True
    return True
