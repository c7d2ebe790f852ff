"""The README's guide as the site's pages, and the lessons as its notebooks, at build time.

The README stays the one source of the guide: each of its ``## `` sections becomes a page of
``guide/``, listed in the README's order (``guide/_toc.txt``), except the sections in
``HOME_SECTIONS``, which the home page shows under the README's opening. Links are rewritten
for the site: pictures point at ``docs/images/``, a link to a lesson notebook opens its page,
and ``#anchor`` finds the page that has that heading. The lesson notebooks are copied from
``microgradx/lessons/`` into ``lessons/``, where the site executes them. Both folders are
written here and not committed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sphinx.application import Sphinx

HOME_SECTIONS = ("Set-up",)
GUIDE_FOLDER = "guide"
LESSONS_FOLDER = "lessons"
INTRO_FILE = "_intro.txt"  # not pages: the home page includes them
TOC_FILE = "_toc.txt"

_HEADING = re.compile(r"^(#{2,6}) (.+)$", re.MULTILINE)
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")


@dataclass
class Section:
    title: str
    text: str  # the section's Markdown, its own heading first

    @property
    def slug(self) -> str:
        return anchor(self.title.split(":")[0])


def anchor(title: str) -> str:
    """The anchor MyST gives a heading (as GitHub does): lower case, spaces to hyphens."""
    title = re.sub(r"[`*_]", "", title.strip().lower())
    return re.sub(r"[^\w\- ]", "", title).replace(" ", "-")


def split_sections(readme: str) -> tuple[str, list[Section]]:
    """The README's opening (its title and first paragraphs) and its ``## `` sections."""
    lines = readme.splitlines(keepends=True)
    starts, in_code = [], False
    for number, line in enumerate(lines):
        in_code ^= line.startswith("```")
        if not in_code and line.startswith("## "):
            starts.append(number)
    if not starts:
        return readme, []
    sections = []
    for start, end in zip(starts, [*starts[1:], len(lines)]):
        text = "".join(lines[start:end]).rstrip() + "\n"
        sections.append(Section(lines[start][3:].strip(), text))
    return "".join(lines[: starts[0]]), sections


def _without_fenced_code(text: str) -> str:
    return re.sub(r"```.*?```", "", text, flags=re.DOTALL)


def promoted(text: str) -> str:
    """Every heading one level up (``## Title`` → ``# Title``), code blocks left alone."""
    parts = re.split(r"(```.*?```)", text, flags=re.DOTALL)
    return "".join(
        part
        if part.startswith("```")
        else _HEADING.sub(lambda m: m.group(1)[1:] + " " + m[2], part)
        for part in parts
    )


def write_pages(readme: str, docs: Path) -> list[Path]:
    """Write ``guide/_intro.txt``, ``guide/_toc.txt`` and a ``guide/<slug>.md`` per section;
    return the pages."""
    opening, sections = split_sections(readme)
    home = [s for s in sections if s.title in HOME_SECTIONS]
    pages = [s for s in sections if s.title not in HOME_SECTIONS]
    files = {id(s): f"{GUIDE_FOLDER}/{s.slug}.md" for s in pages}
    anchors = {}  # anchor -> the file whose page has that heading ("" for the home page)
    for section in sections:
        for match in _HEADING.finditer(_without_fenced_code(section.text)):
            anchors.setdefault(anchor(match[2]), files.get(id(section), ""))

    def for_page(text: str, page: str) -> str:
        """``text`` with its links made to work from ``page`` (a path under docs/)."""
        up = "../" * page.count("/")

        def target(match: re.Match[str]) -> str:
            link = match.group(1)
            if link.startswith("docs/"):
                link = up + link.removeprefix("docs/")
            elif link.startswith("microgradx/lessons/") and link.endswith(".ipynb"):
                link = f"{up}{LESSONS_FOLDER}/{Path(link).name}"
            elif link.startswith("#") and link[1:] in anchors:
                where = anchors[link[1:]]
                link = link if where == page else f"{up}{where or 'index.md'}{link}"
            return f"]({link})"

        return _LINK_TARGET.sub(target, text)

    folder = docs / GUIDE_FOLDER
    folder.mkdir(exist_ok=True)
    for stale in set(folder.glob("*.md")) - {docs / name for name in files.values()}:
        stale.unlink()
    intro = opening + "".join(section.text + "\n" for section in home)
    _write_if_changed(folder / INTRO_FILE, for_page(intro, "index.md"))
    toc = ["```{toctree}", ":caption: Guide", ":maxdepth: 1", ""]
    toc += [files[id(section)].removesuffix(".md") for section in pages]
    _write_if_changed(folder / TOC_FILE, "\n".join([*toc, "```", ""]))
    written = []
    for section in pages:
        path = docs / files[id(section)]
        _write_if_changed(path, for_page(promoted(section.text), files[id(section)]))
        written.append(path)
    return written


def copy_lessons(source: Path, docs: Path) -> list[Path]:
    """Copy the lesson notebooks into ``lessons/`` (a file unchanged is left as it is)."""
    folder = docs / LESSONS_FOLDER
    folder.mkdir(exist_ok=True)
    wanted = {path.name for path in source.glob("[0-9][0-9]_*.ipynb")}
    for stale in folder.glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
    copied = []
    for name in sorted(wanted):
        copied.append(folder / name)
        _write_if_changed(folder / name, (source / name).read_text(encoding="utf-8"))
    return copied


def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless the file holds it already (Sphinx rebuilds what is newer)."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, bool]:
    docs = Path(app.srcdir)
    root = docs.parent
    write_pages((root / "README.md").read_text(encoding="utf-8"), docs)
    copy_lessons(root / "microgradx" / "lessons", docs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
