"""The `microgradx` command."""

from __future__ import annotations

import argparse
import sys

import microgradx
from microgradx.engine import Value


def _demo(args: argparse.Namespace) -> int:
    """Lecture example E1: f(x, y, z) = (x + y)·z² at (2, -3, 2), forward and backward."""
    x, y, z = Value(2.0, "x"), Value(-3.0, "y"), Value(2.0, "z")
    f = (x + y) * z**2
    f.backward()
    print("f(x, y, z) = (x + y)·z²  at  x = 2, y = -3, z = 2")
    print(f"  f     = {f.data:g}")
    for leaf in (x, y, z):
        print(f"  ∂f/∂{leaf.label} = {leaf.grad:g}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microgradx", description="Draw, differentiate and train on scalar graphs."
    )
    parser.add_argument(
        "--version", action="version", version=f"microgradx {microgradx.__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the lecture example")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
