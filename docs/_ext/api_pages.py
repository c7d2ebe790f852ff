"""The API reference's pages, one per module, written when the site is built.

Every module that ``from microgradx import *`` gives, and those in the ``api_modules`` setting
of conf.py, gets ``api/microgradx.<module>.md``; ``api/microgradx.md`` documents the other
names of ``microgradx.__all__``. Each page is the module's docstring and every name in its
``__all__``: functions and classes through ``automodule``, constants (which ``automodule``
leaves out when they have no docstring) through ``autodata``.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from types import ModuleType

from sphinx.application import Sphinx

FOLDER = "api"


def reference_modules(extra: list[str]) -> list[str]:
    """The modules with a page: those in ``microgradx.__all__``, then ``extra``, then the
    submodules of any module whose ``__all__`` holds only submodules (``compat``)."""
    import microgradx

    names = [n for n in microgradx.__all__ if inspect.ismodule(getattr(microgradx, n))]
    names += [n for n in extra if n not in names]
    for name in list(names):
        module = importlib.import_module(f"microgradx.{name}")
        members = getattr(module, "__all__", [])
        if members and all(inspect.ismodule(getattr(module, m)) for m in members):
            names += [f"{name}.{m}" for m in members if f"{name}.{m}" not in names]
    return names


def _constants(module: ModuleType) -> list[str]:
    return [
        name
        for name in getattr(module, "__all__", [])
        if not (callable(getattr(module, name)) or inspect.ismodule(getattr(module, name)))
        and name != "__version__"
    ]


def page(module_name: str, members: list[str] | None = None, intro: str = "") -> str:
    """The Markdown of one reference page."""
    module = importlib.import_module(module_name)
    lines = [f"# {module_name}", "", intro, "", "```{eval-rst}", f".. automodule:: {module_name}"]
    if members is not None:
        lines.append(f"   :members: {', '.join(members)}")
    lines += [f"\n.. autodata:: {module_name}.{name}" for name in _constants(module)]
    return "\n".join([*lines, "```", ""])


def write_pages(docs: Path, extra: list[str]) -> None:
    import microgradx

    folder = docs / FOLDER
    folder.mkdir(exist_ok=True)
    modules = reference_modules(extra)
    names = [
        n
        for n in microgradx.__all__
        if n != "__version__" and not inspect.ismodule(getattr(microgradx, n))
    ]
    links = ", ".join(f"[{m}](microgradx.{m}.md)" for m in modules)
    pages = {
        "microgradx.md": page(
            "microgradx", names, f"What `from microgradx import *` gives. Its modules: {links}."
        )
    }
    pages |= {f"microgradx.{m}.md": page(f"microgradx.{m}") for m in modules}
    for stale in set(folder.glob("microgradx*.md")) - {folder / name for name in pages}:
        stale.unlink()
    for name, text in pages.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, bool]:
    app.add_config_value("api_modules", [], "env")
    app.connect(
        "config-inited", lambda app, config: write_pages(Path(app.srcdir), config.api_modules)
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
