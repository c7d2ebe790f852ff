"""The ``microgradx`` command: draw, differentiate and train from the terminal.

    microgradx draw "(x+y)*z**2" x=2 y=-3 z=2 -o graph.svg
    microgradx grad "(x+y)*z**2" x=2 y=-3 z=2
    microgradx demo
    microgradx lessons

A mistake in what the user typed (a formula, a value, a file name) ends with exit status 2 and
a message on stderr saying what was wrong and what to do; ``--debug`` adds the traceback.
Output files are written whole or not at all, only once the drawing has rendered, and never
over a file microgradx did not write (see ``microgradx.files``); ``-o -`` writes the drawing
to standard output.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import shlex
import subprocess
import sys
import time
import traceback
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import microgradx
from microgradx import ops
from microgradx.engine import Value
from microgradx.expr import ExpressionError, parse
from microgradx.files import (
    OutputFailed,
    OutputRefused,
    OwnedFolder,
    write_error,
    write_file,
    write_stdout,
)

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USER_ERROR = 2
EXIT_OUTPUT_FAILED = 74  # EX_IOERR: the output could not be written (disk full, stdout closed)
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as for other tools whose reader went away

FORMATS = ("svg", "png", "jpg", "pdf", "dot")
_FORMAT_NAMES = {"gv": "dot", "jpeg": "jpg"}  # other extensions of the same formats
STDOUT = "-"  # the file name that means standard output
E1 = ("(x+y)*z**2", {"x": 2.0, "y": -3.0, "z": 2.0})


class UsageError(Exception):
    """Something the user typed cannot be done; the message says what to do instead."""


# ----------------------------------------------------------------------
# name=value pairs, the graph and its gradients.
# ----------------------------------------------------------------------


def parse_assignments(pairs: Sequence[str]) -> dict[str, float]:
    """``["x=2", "y=-3"]`` → ``{"x": 2.0, "y": -3.0}``, with an error for anything else."""
    values: dict[str, float] = {}
    given: dict[str, str] = {}
    for pair in pairs:
        name, equals, number = pair.partition("=")
        name, number = unicodedata.normalize("NFKC", name.strip()), number.strip()
        shown = shortened(pair)
        if not equals or not name:
            raise UsageError(
                f"{shown!r} is not a name=value pair: give each variable as name=number, "
                "e.g. x=2 y=-3"
            )
        if not name.isidentifier():
            raise UsageError(
                f"{shown!r}: {shortened(name)!r} is not a variable name (letters, digits and _, "
                "not starting with a digit)"
            )
        if name in values:
            raise UsageError(
                f"{shortened(name)} is given twice ({shortened(given[name])} and {shown}): "
                "give each variable once"
            )
        try:
            value = float(number.replace("−", "-"))
        except ValueError:
            raise UsageError(
                f"{shown}: {shortened(number)!r} is not a number; "
                f"write e.g. {shortened(name)}=2 or {shortened(name)}=-0.5"
            ) from None
        if not math.isfinite(value):
            raise UsageError(
                f"{shown}: give {shortened(name)} a finite real number, not {shortened(number)}"
            )
        values[name] = value
        given[name] = pair
    return values


def dpi_value(text: str) -> float:
    """--dpi's value: a number from 10 to 1200."""
    try:
        dpi = float(text)
    except ValueError:
        dpi = math.nan
    if not 10 <= dpi <= 1200:
        raise argparse.ArgumentTypeError(
            f"{shortened(text)!r} is not a resolution: give dots per inch from 10 to 1200, "
            "e.g. --dpi 300"
        )
    return dpi


def shortened(text: str, limit: int = 40) -> str:
    """``text`` short enough to quote in a one-line message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def graph_and_gradients(formula: str, values: dict[str, float]) -> tuple[Value, list[Value]]:
    """The formula's graph after ``backward()``, and its variables in the formula's order."""
    root = named_root(parse(formula, **values), values)
    root.backward()
    leaves = [node for node in root.topological_order() if not node.inputs and node.label in values]
    return root, leaves


def output_name(values: dict[str, float]) -> str:
    """What to call the formula's value: "f", as the slides do, unless f is one of its variables."""
    name = "f" if "f" not in values else "out"
    while name in values:
        name += "_"
    return name


def named_root(root: Value, values: dict[str, float]) -> Value:
    """Label the output by ``output_name`` (a formula that is one variable keeps its name)."""
    if not root.label:
        root.label = output_name(values)
    return root


def number_text(x: float) -> str:
    """A number as a person reads it: up to 10 significant digits, no trailing zeros."""
    return format(x, ".10g")


def gradient_table(formula: str, root: Value, leaves: list[Value]) -> str:
    """f and each ∂f/∂name, aligned for a terminal."""
    f = root.label or output_name({leaf.label: leaf.data for leaf in leaves})
    at = ", ".join(f"{leaf.label} = {number_text(leaf.data)}" for leaf in leaves)
    rows = [(f, root.data)] + [(f"∂{f}/∂{leaf.label}", leaf.grad) for leaf in leaves]
    name_width = max(len(name) for name, _ in rows)
    numbers = [number_text(x) for _, x in rows]
    number_width = max(len(text) for text in numbers)
    statements = "; ".join(line.strip() for line in formula.splitlines() if line.strip())
    written = statements if "=" in formula else f"{f} = {formula}"  # named: as it was written
    lines = [written + (f"   at {at}" if at else "")]
    lines += [
        f"  {name:>{name_width}} = {text:>{number_width}}" for (name, _), text in zip(rows, numbers)
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------
# Files: rendered whole, then written by microgradx.files.
# ----------------------------------------------------------------------


def output_folder(text: str, option: str) -> Path:
    """The folder named by ``option``: it may be new, but the folder it goes in must exist."""
    if not text.strip():
        raise UsageError(f"{option} needs a folder name, e.g. {option} slides")
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file: give a folder as {option}")
    if not folder.exists() and not folder.absolute().parent.is_dir():
        raise UsageError(
            f"cannot make the folder {folder}: {folder.absolute().parent} does not exist "
            "(create it first, or choose another place)"
        )
    return folder


def output_format(path: str, format: str | None) -> str:
    """The file format: ``--format`` if given, else the extension of ``path`` (svg for
    standard output); an extension that says another format is an error."""
    suffix = Path(path).suffix.lower().lstrip(".")
    suffix = _FORMAT_NAMES.get(suffix, suffix)
    if format is not None:
        format = _FORMAT_NAMES.get(format, format)
        if path != STDOUT and suffix in FORMATS and suffix != format:
            raise UsageError(
                f"{path!r} ends in .{suffix} but --format is {format}: make them agree"
            )
        return format
    if path == STDOUT:
        return "svg"
    if suffix not in FORMATS:
        raise UsageError(
            f"cannot tell the format of {path!r} from its extension: end the name in "
            + ", ".join(f".{f}" for f in FORMATS)
            + " (.dot is the Graphviz source), or give --format"
        )
    return suffix


def render(graph: object, format: str) -> bytes:
    """The drawing as file contents: DOT source for "dot", else laid out by the program
    ``microgradx.drawing.renderer()`` picks, within its time limit."""
    import graphviz

    from microgradx.drawing import render_image, renderer

    if format == "dot":
        return graph.source.encode("utf-8")  # type: ignore[attr-defined]
    try:
        return render_image(graph, format)  # type: ignore[arg-type]
    except graphviz.CalledProcessError as error:
        name = Path(renderer().path).name
        detail = shortened((error.stderr or b"").decode("utf-8", "replace").strip(), 300)
        status = error.returncode
        how = f"stopped by signal {-status}" if status < 0 else f"exit status {status}"
        raise UsageError(
            f"{name} failed to draw the graph as {format} ({how}"
            + (f": {detail}" if detail else "")
            + "); draw a smaller formula, check the Graphviz installation, or write .dot "
            "and render it elsewhere"
        ) from None


def steps_folder(directory: Path, frames: list) -> OwnedFolder:
    """The folder for a slideshow of ``frames``, refusing if a file of it is in the way."""
    folder = OwnedFolder(directory, "--steps")
    folder.check(step_names(frames))
    return folder


def step_names(frames: list) -> list[str]:
    """frame_00.svg, frame_01.svg, … and index.html."""
    return [f"frame_{number:02d}.svg" for number in range(len(frames))] + ["index.html"]


STEPS_MAX_FRAMES = 120  # a slideshow longer than this is no longer a walk through by hand
STEPS_SECONDS = 120.0  # the most all frames of --steps may take to render, together


def check_steps_count(root: Value) -> None:
    """Refuse, before drawing anything, a backward pass of more than ``STEPS_MAX_FRAMES``."""
    frames = sum(1 for node in root.topological_order() if node.inputs) + 2
    if frames > STEPS_MAX_FRAMES:
        raise UsageError(
            f"this formula's backward pass has {frames} frames (one per operation), more "
            f"than {STEPS_MAX_FRAMES}: too many to step through, and slow to draw. Draw it "
            "once with --local-grads instead (-o graph.svg), or give --steps a smaller formula "
            "(a part of it, with the rest as a variable)"
        )


def write_steps(frames: list, folder: OwnedFolder, theme: str = "light") -> list[Path]:
    """Every frame of the backward pass as frame_00.svg, … and the slideshow index.html.

    The frames are rendered within ``STEPS_SECONDS`` for all of them together, with progress
    on standard error. Everything is rendered before the first file is written, so a failure
    leaves the folder as it was; frames of an earlier, longer run of microgradx there are
    removed.
    """
    from microgradx.drawing import slideshow_html

    names = step_names(frames)
    images = []
    started = time.monotonic()
    for number, frame in enumerate(frames, start=1):
        progress(f"drawing frame {number} of {len(frames)}")
        images.append(render(frame, "svg"))
        if time.monotonic() - started > STEPS_SECONDS and number < len(frames):
            progress("")
            raise UsageError(
                f"drawing the frames took more than {STEPS_SECONDS:g} s ({number} of "
                f"{len(frames)} done), so it was stopped and nothing was written: give --steps "
                "a smaller formula, or draw it once with --local-grads"
            )
    progress("")
    svgs = [image.decode("utf-8") for image in images]
    page = slideshow_html(frames, theme=theme, svgs=svgs).encode("utf-8")
    folder.check(names)
    folder.make()
    written = [folder.write(name, data) for name, data in zip(names, [*images, page])]
    folder.finish(keep=names)
    return written


def progress(text: str) -> None:
    """Show ``text`` on one line of standard error, rewritten in place ("" clears it);
    only on a terminal, so logs and pipes stay clean."""
    stream = sys.stderr
    if stream is None or not stream.isatty():
        return
    stream.write("\r\033[K" + text)
    stream.flush()


def say(message: str, to_stderr: bool = False) -> None:
    """A line for the user: on stdout, or on stderr when stdout carries the drawing."""
    print(message, file=sys.stderr if to_stderr else sys.stdout)


# ----------------------------------------------------------------------
# The subcommands.
# ----------------------------------------------------------------------


def run_grad(args: argparse.Namespace) -> int:
    root, leaves = graph_and_gradients(args.formula, parse_assignments(args.values))
    if args.json:
        report = {
            "formula": args.formula,
            "inputs": {leaf.label: leaf.data for leaf in leaves},
            "f": root.data,
            "gradients": {leaf.label: leaf.grad for leaf in leaves},
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(gradient_table(args.formula, root, leaves))
    return EXIT_OK


def run_draw(args: argparse.Namespace) -> int:
    from microgradx.drawing import GraphTooLargeError, backward_steps, draw

    values = parse_assignments(args.values)
    if args.output is not None and not args.output.strip():
        raise UsageError("-o needs a file name, e.g. -o graph.svg (or -o - for standard output)")
    steps = output_folder(args.steps, "--steps") if args.steps is not None else None
    output = args.output
    if output is None and steps is None:
        output = "graph." + (_FORMAT_NAMES.get(args.format, args.format) or "svg")
    format = output_format(output, args.format) if output is not None else None
    to_stdout = output == STDOUT
    if to_stdout and format != "svg" and format != "dot" and sys.stdout.isatty():
        raise UsageError(
            f"{format} is binary and standard output is a terminal: redirect it "
            f"(-o - --format {format} > graph.{format}) or give a file name"
        )
    root = named_root(parse(args.formula, **values), values)
    if not args.forward_only:
        root.backward()
    style = dict(
        local_grads=args.local_grads,
        rankdir=args.rankdir,
        theme=args.theme,
        rules=args.rules,
        fold_constants=args.fold_constants,
    )
    try:
        frames = folder = None
        if steps is not None:  # refused before anything is written
            check_steps_count(root)
            frames = backward_steps(root, legend=not args.no_legend, **style)
            folder = steps_folder(steps, frames)
        if output is not None:
            drawing = draw(root, grads=not args.forward_only, dpi=args.dpi, **style)
            image = render(drawing, format)
            what = "forward pass" if args.forward_only else "forward and backward pass"
            if to_stdout:
                write_stdout(image)
            else:
                replaced = write_file(Path(output), image)
                done = "replaced" if replaced else "wrote"
                say(f"{done} {Path(output).resolve()} ({what} of {args.formula})")
        if folder is not None:
            written = write_steps(frames, folder, theme=args.theme)
            say(
                f"wrote {len(written) - 1} frames of the backward pass and the slideshow "
                f"{written[-1].resolve()}",
                to_stderr=to_stdout,
            )
    except GraphTooLargeError:  # its advice is for Python code; this is for the command
        raise UsageError(
            f"the graph of this formula has {len(root.topological_order()):,} nodes, too many to "
            "draw readably: draw a shorter formula (microgradx grad prints the value and "
            "gradients of a formula of any size)"
        ) from None
    return EXIT_OK


_DEMO_FILES = ("e1_forward.svg", "e1_backward.svg", "moons_decision_boundary.png")


def run_demo(args: argparse.Namespace) -> int:
    out = output_folder(args.out, "--out")
    folder = OwnedFolder(out, "--out")
    folder.check(_DEMO_FILES)
    if (out / "e1_steps").exists() and not (out / "e1_steps").is_dir():
        raise UsageError(f"{out / 'e1_steps'} is in the way: it is a file, not microgradx's")
    folder.make()
    formula, values = E1
    print("Lecture example E1: forward and backward through f(x, y, z) = (x + y)·z²\n")
    root, leaves = graph_and_gradients(formula, values)
    print(gradient_table(formula, root, leaves))
    print()
    from microgradx.drawing import RendererNotFoundError

    try:
        written = _demo_drawings(root, folder)
    except RendererNotFoundError as error:
        print(f"The drawings were skipped: {error}\n")
    else:
        print("Drawings of the graph:")
        width = max((len(what) for what in written), default=0)
        for what, path in written.items():
            print(f"  {what + ':':<{width + 1}}  {path.resolve()}")
        print("Open them in a web browser; the slideshow steps through the backward pass.\n")
    if args.epochs > 0:
        _demo_training(folder, epochs=args.epochs)
    folder.finish(keep=_DEMO_FILES)
    return EXIT_OK


def _demo_drawings(root: Value, folder: OwnedFolder) -> dict[str, Path]:
    """E1's slides as files, by what each one shows."""
    from microgradx.drawing import backward_steps, draw

    frames = backward_steps(root, local_grads=True)
    steps = steps_folder(folder.path / "e1_steps", frames)
    forward = folder.write("e1_forward.svg", render(draw(root, grads=False), "svg"))
    backward = folder.write("e1_backward.svg", render(draw(root, local_grads=True), "svg"))
    written = write_steps(frames, steps)
    return {
        "forward pass": forward,
        "backward pass": backward,
        f"slideshow, {len(written) - 1} frames": written[-1],
    }


def _demo_training(folder: OwnedFolder, *, epochs: int) -> None:
    """micrograd's demo on this engine: an MLP learns the two moons with the hinge loss."""
    from microgradx import data, losses, nn, optim, train

    X, y = data.make_moons(n_samples=200, noise=0.1, random_state=0)
    labels = 2 * y - 1  # the hinge loss wants classes -1 and +1
    model = nn.MLP(2, [16, 16, 1], seed=1)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    print(
        f"Training MLP(2, [16, 16, 1]) ({len(model.parameters())} parameters) on {len(X)} "
        f"points of the two moons:\n{epochs} epochs of mini-batch SGD on the hinge loss."
    )
    # compiled=True: each step runs one example's traced graph over the whole mini-batch.
    history = train.fit(
        model,
        losses.hinge,
        optimizer,
        X,
        labels,
        epochs=epochs,
        batch_size=10,
        l2_penalty=1e-4,
        compiled=True,
    )
    _, accuracy = train.evaluate(model, losses.hinge, X, labels)
    stopped = " (interrupted)" if history.interrupted else ""
    print(
        f"accuracy {accuracy:.1%} on the training points after {history.epochs} epochs"
        f"{stopped}, {history.seconds:.1f} s"
    )
    try:
        import matplotlib
    except ImportError:
        print(
            "matplotlib is not installed, so the decision-boundary plot was skipped "
            "(pip install 'microgradx[notebooks]' to get it)"
        )
        return
    matplotlib.use("Agg")  # files only: no window
    import matplotlib.pyplot as plt

    ax = train.plot_decision_boundary(model, X, y)
    image = io.BytesIO()
    ax.figure.savefig(image, format="png", dpi=150, bbox_inches="tight")
    plt.close(ax.figure)
    plot = folder.write("moons_decision_boundary.png", image.getvalue())
    print(f"decision boundary: {plot.resolve()}")


# ----------------------------------------------------------------------
# microgradx lessons: the lesson notebooks, copied out of the package.
# ----------------------------------------------------------------------


def _add_lessons_command(command: Callable[..., argparse.ArgumentParser]) -> None:
    lessons = command(
        "lessons",
        "copy the lesson notebooks into a folder, to open them in Jupyter",
        "examples:\n"
        "  microgradx lessons                 (into ./microgradx-lessons)\n"
        "  microgradx lessons my-course/\n"
        "  microgradx lessons --open          (then starts JupyterLab there)\n\n"
        "A notebook you changed is never overwritten; run the command again after an upgrade\n"
        "to get the new versions of the lessons you have not changed.",
        run_lessons,
    )
    lessons.add_argument(
        "folder",
        metavar="DIR",
        nargs="?",
        default="microgradx-lessons",
        help="the folder to copy them into (default: ./microgradx-lessons)",
    )
    lessons.add_argument(
        "--open", action="store_true", help="start JupyterLab in the folder (needs jupyterlab)"
    )


def _jupyterlab_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("jupyterlab") is not None


_GET_JUPYTERLAB = "pip install 'microgradx[notebooks]' (or pip install jupyterlab)"


def run_lessons(args: argparse.Namespace) -> int:
    from microgradx.lessons import copy_lessons

    if args.open and not _jupyterlab_installed():
        raise UsageError(f"--open needs JupyterLab, which is not installed: {_GET_JUPYTERLAB}")
    try:
        report = copy_lessons(args.folder)
    except NotADirectoryError as error:  # the folder named is a file: the user's to fix
        raise UsageError(str(error)) from None
    folder = report.folder
    print(
        f"{len(report.copied)} lesson notebook(s) copied into {folder}"
        + (f", {len(report.unchanged)} already up to date" if report.unchanged else "")
    )
    for name in report.kept:
        print(f"  kept your changed {name} (delete it and run again for the shipped version)")
    if args.open:
        print(f"starting JupyterLab in {folder} (Ctrl-C stops it) ...", flush=True)
        return subprocess.call(
            [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}"]
        )
    opener = f"jupyter lab {shlex.quote(str(folder))}"
    if _jupyterlab_installed():
        print(f"Open them with:  {opener}   (or: microgradx lessons --open)")
    else:
        print(f"To open them, install JupyterLab: {_GET_JUPYTERLAB}\nthen run:  {opener}")
    return EXIT_OK


# ----------------------------------------------------------------------
# Arguments, errors and exit status.
# ----------------------------------------------------------------------

_VALUES_HELP = "a value for each variable in the formula, e.g. x=2 y=-3 z=2"


def _formula_help() -> str:
    """What a formula may hold; the functions come from the table of ops."""
    return (
        "the formula, quoted: numbers, names, + - * / ** (or ^), parentheses, and "
        f"{' '.join(ops.functions())}; z² and x·y work too"
    )


_DEBUG_HELP = "show the traceback of an error (for a bug report)"
_EXIT_CODES = (
    "exit status:\n"
    f"  {EXIT_OK}    done\n"
    f"  {EXIT_INTERNAL}    a bug in microgradx (run again with --debug and report it)\n"
    f"  {EXIT_USER_ERROR}    the request cannot be done as asked: the message says why and what "
    "to do;\n"
    "       nothing was written\n"
    f"  {EXIT_OUTPUT_FAILED}   the output could not be written (disk full, standard output "
    "closed)\n"
    f"  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)\n"
    f"  {EXIT_BROKEN_PIPE}  the program reading the output stopped (e.g. | head)"
)
_NOTE_ON_MINUS = (
    'A formula may start with "-" ("-log(x)"); if it is taken for an option (as "-h*x" is),\n'
    'put options first and "--" before the formula:  microgradx {command} --json -- "-h*x" h=2 x=3'
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microgradx",
        description="Draw, differentiate and train on scalar computational graphs.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n"
            '  microgradx draw "(x+y)*z**2" x=2 y=-3 z=2 -o graph.svg\n'
            '  microgradx grad "(x+y)*z**2" x=2 y=-3 z=2\n'
            "  microgradx demo\n"
            "  microgradx lessons\n\n"
            "`microgradx COMMAND --help` shows each command's options.\n\n" + _EXIT_CODES
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"microgradx {microgradx.__version__}"
    )
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, epilog: str, run: Callable) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help,
            description=help[0].upper() + help[1:] + ".",
            epilog=epilog + "\n\n" + _EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP
        )
        sub.set_defaults(run=run)
        return sub

    draw = command(
        "draw",
        "draw a formula's graph with its values and gradients, to svg, png, pdf or dot",
        "examples:\n"
        '  microgradx draw "(x+y)*z**2" x=2 y=-3 z=2 -o graph.svg\n'
        '  microgradx draw "(x+y)*z²" x=2 y=-3 z=2 --forward-only -o forward.png\n'
        '  microgradx draw "(a+b)*(b+1)" a=2 b=1 --local-grads --theme dark -o e3.png\n'
        '  microgradx draw "a = x + y; b = z**2; f = a * b" x=2 y=-3 z=2 --rules -o e1.png\n'
        '  microgradx draw "-log(σ(y*(w1*x1 + w2*x2)))" w1=-1 x1=2 w2=1 x2=1 y=1 \\\n'
        "      --rankdir TB --steps backward/      (frames + backward/index.html)\n"
        '  microgradx draw "x*y" x=2 y=3 -o - --format dot   (to standard output)\n\n'
        "Without -o (and without --steps) the drawing goes to graph.svg here. An existing file\n"
        "is replaced (and the command says so) unless it is read-only; a link is written\n"
        "through. --steps writes only into a new folder or one microgradx wrote before.\n\n"
        + _NOTE_ON_MINUS.format(command="draw").replace("--json", "-o g.svg"),
        run_draw,
    )
    draw.add_argument("formula", metavar="FORMULA", help=_formula_help())
    draw.add_argument("values", metavar="NAME=VALUE", nargs="*", help=_VALUES_HELP)
    draw.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="the file to write, or - for standard output; its extension picks the format: "
        ".svg .png .jpg .pdf .dot (default: graph.svg; .pdf needs the system Graphviz)",
    )
    draw.add_argument(
        "--format",
        choices=(*FORMATS, "jpeg"),
        help="the format, whatever the file name (needed with -o - for anything but svg)",
    )
    draw.add_argument(
        "--forward-only", action="store_true", help="the forward pass only: no gradients"
    )
    draw.add_argument(
        "--local-grads",
        action="store_true",
        help="write each edge's local derivative ∂out/∂in",
    )
    draw.add_argument("--theme", choices=("light", "dark"), default="light", help="colours")
    draw.add_argument(
        "--rankdir",
        choices=("LR", "TB"),
        default="LR",
        help="LR: inputs on the left (default); TB: inputs on top",
    )
    draw.add_argument(
        "--steps",
        metavar="DIR",
        help="also write every frame of the backward pass (frame_00.svg, …) and a "
        "slideshow DIR/index.html (a new folder, or one microgradx wrote before)",
    )
    draw.add_argument(
        "--rules",
        action="store_true",
        help="write each edge's local derivative as rule and number: ∂f/∂a = b = 4",
    )
    draw.add_argument(
        "--fold-constants",
        action="store_true",
        help="draw numbers inside the gates that use them (+1, ×2, 1/x), not as boxes",
    )
    draw.add_argument(
        "--dpi",
        type=dpi_value,
        default=192,
        help="resolution of a .png (default 192: sharp on a projector)",
    )
    draw.add_argument(
        "--no-legend",
        action="store_true",
        help="leave the legend of outlines and colours out of the --steps frames",
    )

    grad = command(
        "grad",
        "print a formula's value and its gradient with respect to each variable",
        "examples:\n"
        '  microgradx grad "(x+y)*z**2" x=2 y=-3 z=2\n'
        '  microgradx grad "(a + b)·(b + 1)" a=2 b=1\n'
        '  microgradx grad --json "-log(sigmoid(y*(w1*x1+w2*x2)))" w1=-1 x1=2 w2=1 x2=1 y=1\n\n'
        + _NOTE_ON_MINUS.format(command="grad"),
        run_grad,
    )
    grad.add_argument("formula", metavar="FORMULA", help=_formula_help())
    grad.add_argument("values", metavar="NAME=VALUE", nargs="*", help=_VALUES_HELP)
    grad.add_argument("--json", action="store_true", help="print JSON, for other programs")

    demo = command(
        "demo",
        "run lecture example E1 and train a small network on the two moons",
        "examples:\n"
        "  microgradx demo\n"
        "  microgradx demo --out slides/ --epochs 100\n\n"
        "Prints E1's value and gradients, writes its drawings and backward-pass slideshow,\n"
        "then trains an MLP on the moons data set and plots its decision boundary.",
        run_demo,
    )
    demo.add_argument(
        "--out",
        metavar="DIR",
        default="microgradx-demo",
        help="the folder for the drawings and plots (default: ./microgradx-demo)",
    )
    demo.add_argument(
        "--epochs",
        type=_count,
        default=40,
        help="training epochs (default: 40; 0 skips training)",
    )
    _add_lessons_command(command)
    parser.commands = commands.choices  # type: ignore[attr-defined]
    return parser


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{n} is negative: give 0 or more")
    return n


def _drop_stdout() -> None:
    """Point standard output at the null device, so what is left in its buffer goes nowhere
    instead of failing again when Python exits."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean the request cannot be done as asked (not a bug in microgradx)."""
    errors: list[type[BaseException]] = [
        UsageError,
        OutputRefused,
        ExpressionError,
        ValueError,
        OverflowError,
        OSError,
    ]
    if "microgradx.drawing" in sys.modules:
        from microgradx.drawing.render import RendererNotFoundError, RenderTimeoutError

        errors += [RendererNotFoundError, RenderTimeoutError]
    if "graphviz" in sys.modules:
        import graphviz

        errors += [graphviz.ExecutableNotFound, graphviz.CalledProcessError]
    return tuple(errors)


def _shield_minus(argv: Sequence[str]) -> tuple[list[str], set[str]]:
    """Let a formula start with a minus sign: ``grad "-log(x)" x=2``.

    argparse reads any word starting with "-" as an option; a word after ``draw`` or ``grad``
    that starts with "-" and is not one of their short options (``_SHORT_OPTIONS``) nor a long
    one (--...) gets a leading space, which makes it a positional argument. Returns the words
    and the shielded ones.
    """
    words: list[str] = []
    shielded: set[str] = set()
    command = None
    for index, word in enumerate(argv):
        if word == "--":
            return words + list(argv[index:]), shielded
        if words and words[-1] in _TAKE_VALUES and word.startswith("-"):
            option = words.pop()  # "-o -g.svg": the file "-g.svg", as typed; "-o -": stdout
            words.append(f"{option}={word}" if option.startswith("--") else option + word)
            continue
        if command in _SHORT_OPTIONS and _is_formula_with_minus(word, command):
            shielded.add(" " + word)
            word = " " + word
        elif command is None and not word.startswith("-"):
            command = word
        words.append(word)
    return words, shielded


_SHORT_OPTIONS = {"draw": ("-h", "-o"), "grad": ("-h",)}
# Options followed by a value, which may start with "-" (a file name, or "-" for stdout).
_TAKE_VALUES = frozenset({"-o", "--output", "--steps", "--format", "--out"})


def _is_formula_with_minus(word: str, command: str) -> bool:
    return (
        word.startswith("-")
        and len(word) > 1
        and word[1] != "-"
        and word[:2] not in _SHORT_OPTIONS[command]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 2 user error, 130 interrupted)."""
    try:
        return run_command(read_arguments(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("\nmicrogradx: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def read_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The command line read by ``build_parser`` (argparse exits with status 2 on a mistake)."""
    for stream in (sys.stdout, sys.stderr):  # ∂ and σ on a terminal that cannot show them
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    words, shielded = _shield_minus(argv)
    parser = build_parser()
    args, unknown = parser.parse_known_args(words)
    if unknown:  # said by the command's own parser, whose usage line is the one that helps
        command = parser.commands[args.command]  # type: ignore[attr-defined]
        command.error(
            f"unrecognized arguments: {' '.join(unknown)} "
            f"(see microgradx {args.command} --help for its options)"
        )
    if getattr(args, "formula", None) in shielded:
        args.formula = args.formula[1:]
    return args


def run_command(args: argparse.Namespace) -> int:
    """Run the subcommand; a user's mistake becomes a message on stderr and exit status 2,
    output that cannot be written (a full disk, a closed stdout) exit status 74."""
    try:
        if sys.stdout is None:  # started with standard output closed
            raise OutputFailed(
                "standard output is closed, so nothing was done: run it with the output going "
                "to a terminal, a file or /dev/null"
            )
        status = args.run(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): stop quietly.
        _drop_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as error:
        if args.debug:
            traceback.print_exc()
        if isinstance(error, OSError) and not error.filename:  # printing to stdout failed
            error = write_error("to standard output", error)
            _drop_stdout()
        if isinstance(error, OutputFailed):
            print(f"microgradx {args.command}: error: {error}", file=sys.stderr)
            return EXIT_OUTPUT_FAILED
        if isinstance(error, _user_errors()):
            message = str(error)
            if isinstance(error, OSError) and error.filename and error.strerror:
                message = f"cannot write {error.filename}: {error.strerror}"
            print(f"microgradx {args.command}: error: {message}", file=sys.stderr)
            return EXIT_USER_ERROR
        print(
            f"microgradx {args.command}: internal error: {type(error).__name__}: {error}\n"
            "This is a bug in microgradx; run again with --debug to see the traceback, "
            "and please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
