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


def test_type_checkers_see_every_lazy_name():
    """Each name imported on first use has its import under TYPE_CHECKING too, so mypy and
    editors know its type (otherwise it is Any and a misuse like draw("x", grads="yes")
    passes unnoticed)."""
    import ast
    import inspect

    import microgradx

    tree = ast.parse(inspect.getsource(microgradx))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
    )
    imported = {
        alias.asname or alias.name
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assigned = {
        target.id
        for node in block.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert set(microgradx._LAZY) <= imported | assigned
