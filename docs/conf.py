"""The course website: `make docs` builds it into docs/_build/html/ (open index.html).

Sphinx with MyST-NB: the README's sections become the guide's pages, every lesson notebook is
executed while the site is built (its drawings and plots are the outputs), and the API reference
is read from the docstrings. The site works offline: the theme (Furo) ships its own files, math
is written as MathML when the page is built, and no page loads anything from another server.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import microgradx  # noqa: E402

project = "microgradx"
author = "microgradx contributors"
copyright = "microgradx contributors"
release = version = microgradx.__version__

extensions = [
    "readme_pages",  # guide/ from README.md, lessons/ from microgradx/lessons/
    "mathml",  # math without MathJax
    "api_pages",  # api/ from microgradx.__all__ and api_modules
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build", "jupyter_execute", "PYPI.md", "**/.ipynb_checkpoints"]
html_math_renderer = "mathml"

# The README and the lessons are Markdown: MyST reads $...$ math, and makes heading anchors as
# GitHub does, so the README's #links work on the site too.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
# The guide's pages begin with the README's subsection levels; lessons are numbered by hand.
# A type name in a signature (``Value``, ``Module``) matches the class under its package's name,
# its module's and the micrograd layer's: the link goes to the first (``microgradx.Value``).
suppress_warnings = ["myst.header", "ref.python"]

# Every lesson runs from the top each time the site is built; an error stops the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 600
nb_execution_in_temp = True
nb_merge_streams = True
nb_ipywidgets_js = {}  # widgets need a running kernel: nothing to load from a CDN

# The API reference: the modules `from microgradx import *` gives have pages anyway.
api_modules = ["nn", "losses", "optim", "data", "train", "compiler", "drawing"]
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {
    "members": True,
    "undoc-members": True,
    "imported-members": True,  # a package lists (in __all__) what its modules define
    "show-inheritance": True,
}

html_theme = "furo"
html_title = f"microgradx {release}"
html_static_path = []
html_show_sourcelink = False
html_last_updated_fmt = None


def docstring_as_written(app, what, name, obj, options, lines: list[str]) -> None:
    """Show each docstring as the code writes it (as ``help()`` does), as plain text.

    microgradx's docstrings are plain text for students reading the source (``|x|``, ``*``,
    indented examples), not reStructuredText, which would misread them.
    """
    if lines:
        lines[:] = [
            ".. code-block:: text",
            "",
            *("   " + line if line else "" for line in lines),
            "",
        ]


def setup(app) -> None:
    app.connect("autodoc-process-docstring", docstring_as_written)
