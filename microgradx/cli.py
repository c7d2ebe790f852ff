"""The ``microgradx`` command: draw, differentiate and train from the terminal.

    microgradx draw "(x+y)*z**2" x=2 y=-3 z=2 -o graph.svg
    microgradx grad "(x+y)*z**2" x=2 y=-3 z=2
    microgradx demo

A mistake in what the user typed (a formula, a value, a file name) ends with exit status 2 and
a message on stderr saying what was wrong and what to do; ``--debug`` adds the traceback.
Output files are written whole or not at all: each is written to a temporary file beside it and
moved into place only once the drawing has rendered.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
import tempfile
import time
import traceback
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import microgradx
from microgradx import ops
from microgradx.engine import Value
from microgradx.expr import ExpressionError, parse

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as for other tools whose reader went away

FORMATS = ("svg", "png", "pdf", "dot")
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
# Files: rendered whole, then moved into place.
# ----------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block succeeds, move it onto ``path``.

    If the block fails, the temporary file is removed and an existing ``path`` is untouched.
    """
    directory = path.parent
    if not directory.is_dir():
        raise UsageError(
            f"cannot write {path}: the folder {directory} does not exist "
            "(create it first, or choose another place)"
        )
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}"
        )
    except OSError as error:
        raise UsageError(
            f"cannot write {path}: {error.strerror or error}; choose a folder you can write to"
        ) from None
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


def make_folder(folder: Path) -> None:
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"cannot make the folder {folder}: {error.strerror or error}; "
            "choose a place you can write to"
        ) from None


def write_file(path: Path, data: bytes) -> None:
    with atomic_output(path) as temporary:
        temporary.write_bytes(data)


def output_format(path: Path) -> str:
    """The file format named by the extension: svg, png, pdf or dot."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "gv":
        suffix = "dot"
    if suffix not in FORMATS:
        raise UsageError(
            f"cannot tell the format of {str(path)!r} from its extension: end the name in "
            + ", ".join(f".{f}" for f in FORMATS)
            + " (.dot is the Graphviz source)"
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


STEPS_MAX_FRAMES = 120  # a slideshow longer than this is no longer a walk through by hand
STEPS_SECONDS = 120.0  # the most all frames of --steps may take to render, together


def write_steps(root: Value, directory: Path, options: dict) -> list[Path]:
    """Every frame of the backward pass as frame_00.svg, … and the slideshow index.html.

    Refused up front when the frames would be too many; rendered within ``STEPS_SECONDS``
    for all of them together, with progress on standard error. Everything is rendered before
    the first file is written, so a failure leaves the folder as it was.
    """
    from microgradx.drawing import backward_steps, slideshow_html

    slideshow = check_slideshow_folder(directory)
    steps = sum(1 for node in root.topological_order() if node.inputs)
    if steps + 2 > STEPS_MAX_FRAMES:
        raise UsageError(
            f"this formula's backward pass has {steps + 2} frames (one per operation), more "
            f"than {STEPS_MAX_FRAMES}: too many to step through, and slow to draw. Draw it "
            "once with --local-grads instead (-o graph.svg), or give --steps a smaller formula "
            "(a part of it, with the rest as a variable)"
        )
    frames = backward_steps(root, **options)
    images = []
    started = time.monotonic()
    for number, frame in enumerate(frames, start=1):
        progress(f"drawing frame {number} of {len(frames)}")
        images.append(render(frame, "svg"))
        elapsed = time.monotonic() - started
        if elapsed > STEPS_SECONDS and number < len(frames):
            progress("")
            raise UsageError(
                f"drawing the frames took more than {STEPS_SECONDS:g} s ({number} of "
                f"{len(frames)} done), so it was stopped and nothing was written: give --steps "
                "a smaller formula, or draw it once with --local-grads"
            )
    progress("")
    svgs = [image.decode("utf-8") for image in images]
    page = slideshow_html(frames, theme=options.get("theme", "light"), svgs=svgs).encode("utf-8")
    make_folder(directory)
    written = []
    for number, image in enumerate(images):
        path = directory / f"frame_{number:02d}.svg"
        write_file(path, image)
        written.append(path)
    for stale in directory.glob("frame_*.svg"):  # frames of an earlier, longer graph
        if re.fullmatch(r"frame_\d+\.svg", stale.name) and stale not in written:
            stale.unlink()
    write_file(slideshow, page)
    return [*written, slideshow]


def progress(text: str) -> None:
    """Show ``text`` on one line of standard error, rewritten in place ("" clears it);
    only on a terminal, so logs and pipes stay clean."""
    stream = sys.stderr
    if stream is None or not stream.isatty():
        return
    stream.write("\r\033[K" + text)
    stream.flush()


def check_slideshow_folder(directory: Path) -> Path:
    """The slideshow's path in ``directory``, unless that would overwrite someone else's page."""
    slideshow = directory / "index.html"
    if slideshow.exists() and not _is_slideshow(slideshow):
        raise UsageError(
            f"{directory} already has an index.html that is not a microgradx slideshow: "
            "give --steps a new or empty folder, so that it is not overwritten"
        )
    return slideshow


def _is_slideshow(path: Path) -> bool:
    """True if ``path`` is a slideshow microgradx wrote (its style names microgradx early on)."""
    try:
        with path.open("rb") as file:
            return b"microgradx" in file.read(8192)
    except OSError:
        return False


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
    from microgradx.drawing import GraphTooLargeError, draw

    values = parse_assignments(args.values)
    if args.output is not None and not args.output.strip():
        raise UsageError("-o needs a file name, e.g. -o graph.svg")
    steps = output_folder(args.steps, "--steps") if args.steps is not None else None
    if steps is not None:
        check_slideshow_folder(steps)
    output = Path(args.output) if args.output else None
    if output is None and steps is None:
        output = Path("graph.svg")
    format = output_format(output) if output is not None else None
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
        if output is not None:
            drawing = draw(root, grads=not args.forward_only, dpi=args.dpi, **style)
            image = render(drawing, format)
            write_file(output, image)
            what = "forward pass" if args.forward_only else "forward and backward pass"
            print(f"wrote {output.resolve()} ({what} of {args.formula})")
        if steps is not None:
            written = write_steps(root, steps, style | {"legend": not args.no_legend})
            print(
                f"wrote {len(written) - 1} frames of the backward pass and the slideshow "
                f"{written[-1].resolve()}"
            )
    except GraphTooLargeError:  # its advice is for Python code; this is for the command
        raise UsageError(
            f"the graph of this formula has {len(root.topological_order()):,} nodes, too many to "
            "draw readably: draw a shorter formula (microgradx grad prints the value and "
            "gradients of a formula of any size)"
        ) from None
    return EXIT_OK


def run_demo(args: argparse.Namespace) -> int:
    out = output_folder(args.out, "--out")
    make_folder(out)
    formula, values = E1
    print("Lecture example E1: forward and backward through f(x, y, z) = (x + y)·z²\n")
    root, leaves = graph_and_gradients(formula, values)
    print(gradient_table(formula, root, leaves))
    print()
    from microgradx.drawing import RendererNotFoundError

    try:
        written = _demo_drawings(root, out)
    except RendererNotFoundError as error:
        print(f"The drawings were skipped: {error}\n")
    else:
        print("Drawings of the graph:")
        width = max((len(what) for what in written), default=0)
        for what, path in written.items():
            print(f"  {what + ':':<{width + 1}}  {path.resolve()}")
        print("Open them in a web browser; the slideshow steps through the backward pass.\n")
    if args.epochs > 0:
        _demo_training(out, epochs=args.epochs)
    return EXIT_OK


def _demo_drawings(root: Value, out: Path) -> dict[str, Path]:
    """E1's slides as files, by what each one shows."""
    from microgradx.drawing import draw

    forward = out / "e1_forward.svg"
    backward = out / "e1_backward.svg"
    write_file(forward, render(draw(root, grads=False), "svg"))
    write_file(backward, render(draw(root, local_grads=True), "svg"))
    steps = write_steps(root, out / "e1_steps", {"local_grads": True})
    return {
        "forward pass": forward,
        "backward pass": backward,
        f"slideshow, {len(steps) - 1} frames": steps[-1],
    }


def _demo_training(out: Path, *, epochs: int) -> None:
    """micrograd's demo on this engine: an MLP learns the two moons with the hinge loss."""
    from microgradx import data, losses, nn, optim, train

    X, y = data.make_moons(n_samples=200, noise=0.1, seed=0)
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
        l2=1e-4,
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
    plot = out / "moons_decision_boundary.png"
    with atomic_output(plot) as temporary:
        train.plot_decision_boundary(model, X, y, path=str(temporary))
    print(f"decision boundary: {plot.resolve()}")


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
            "  microgradx demo\n\n"
            "`microgradx COMMAND --help` shows each command's options."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"microgradx {microgradx.__version__}"
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, epilog: str, run: Callable) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help,
            description=help[0].upper() + help[1:] + ".",
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
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
        "      --rankdir TB --steps backward/      (frames + backward/index.html)\n\n"
        "Without -o (and without --steps) the drawing goes to graph.svg here.\n"
        + _NOTE_ON_MINUS.format(command="draw").replace("--json", "-o g.svg"),
        run_draw,
    )
    draw.add_argument("formula", metavar="FORMULA", help=_formula_help())
    draw.add_argument("values", metavar="NAME=VALUE", nargs="*", help=_VALUES_HELP)
    draw.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="the file to write; its extension picks the format: .svg .png .pdf .dot "
        "(default: graph.svg; .pdf needs the system Graphviz)",
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
        "slideshow DIR/index.html",
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


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean the request cannot be done as asked (not a bug in microgradx)."""
    errors: list[type[BaseException]] = [
        UsageError,
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
        if command in _SHORT_OPTIONS and _is_formula_with_minus(word, command):
            shielded.add(" " + word)
            word = " " + word
        elif command is None and not word.startswith("-"):
            command = word
        words.append(word)
    return words, shielded


_SHORT_OPTIONS = {"draw": ("-h", "-o"), "grad": ("-h",)}


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
    """Run the subcommand; a user's mistake becomes a message on stderr and exit status 2."""
    try:
        status = args.run(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as error:
        if args.debug:
            traceback.print_exc()
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
