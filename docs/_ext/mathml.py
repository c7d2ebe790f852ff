"""Math as MathML, written into the page when it is built: no script, no font, no network.

Sphinx's default renderer loads MathJax from a CDN when the page is opened; this one turns each
``$...$`` and ``$$...$$`` of the lessons and docstrings into MathML with ``latex2mathml``, which
browsers draw themselves. A formula it cannot convert stops the build with the formula shown.
"""

from __future__ import annotations

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.math import get_node_equation_number


def _mathml(latex: str, display: str) -> str:
    try:
        return convert(latex.strip(), display=display)
    except Exception as error:
        raise ExtensionError(f"cannot write this formula as MathML: {latex!r} ({error})") from error


def visit_inline(self, node: nodes.math) -> None:
    self.body.append(_mathml(node.astext(), "inline"))
    raise nodes.SkipNode


def visit_block(self, node: nodes.math_block) -> None:
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})</span>')
    self.body.append(self.starttag(node, "div", CLASS="math notranslate"))
    for part in node.astext().split("\n\n"):  # a blank line separates equations
        if part.strip():
            self.body.append(_mathml(part, "block"))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, bool]:
    app.add_html_math_renderer("mathml", (visit_inline, None), (visit_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
