"""The package's namespace: what `from microgradx import *` brings, and what it must not."""

from __future__ import annotations

import builtins
import subprocess
import sys


def test_star_import_keeps_pythons_builtin_compile():
    namespace: dict[str, object] = {}
    exec("from microgradx import *", namespace)  # a star import needs a statement of its own
    assert {"Value", "draw", "nn", "optim", "losses", "data", "train"} <= set(namespace)
    assert "compile" not in namespace  # so the name compile still means Python's builtin
    assert namespace.get("compile", builtins.compile) is builtins.compile


def test_microgradx_compile_is_still_the_function():
    """`microgradx.compile(...)` and `from microgradx import compile` keep working."""
    code = (
        "import inspect, microgradx\n"
        "from microgradx import train  # imports the compiler package\n"
        "from microgradx import compile as imported\n"
        "assert inspect.isfunction(imported), imported\n"
        "assert inspect.isfunction(microgradx.compile), microgradx.compile\n"
        "assert 'compile' in dir(microgradx)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
