"""The course website that `make docs` builds into docs/_build/html/.

These tests read the built site: that it loads nothing from another server, that the API
reference covers every public name, and (in Chromium, through Playwright) that a page shows
its drawings and plots. Without a built site they skip, except in CI on the source tree (where
`make test` builds it first), in which a missing site is a failure.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

import microgradx

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "docs" / "_build" / "html"
SCREENSHOTS = ROOT / "docs" / "_build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Modules the reference must cover besides those `from microgradx import *` names.
REFERENCE_MODULES = ["nn", "losses", "optim", "data", "train", "drawing"]


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").exists():
        message = "the site is not built: run `make docs` first"
        if os.environ.get("CI") and (ROOT / "docs" / "conf.py").exists():
            pytest.fail(message)
        pytest.skip(message)
    return SITE


# ----------------------------------------------------------------------
# Offline: every script, style sheet, font and picture comes from the site itself.
# ----------------------------------------------------------------------

# (tag, attribute) pairs whose URL the browser loads when it shows the page; an <a href> is
# a link the reader may follow, not something the page loads.
_LOADED = {
    ("script", "src"),
    ("link", "href"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("video", "src"),
    ("audio", "src"),
    ("video", "poster"),
    ("use", "href"),
    ("image", "href"),
}
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*([^'")\s]+)""")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CDN_NAMES = ("cdn.jsdelivr", "unpkg.com", "cdnjs.", "googleapis", "gstatic", "mathjax.org")


def is_external(url: str) -> bool:
    """Whether loading ``url`` would go to another server (http:, https:, //host/...)."""
    return bool(_EXTERNAL.match(url.strip()))


class _LoadedURLs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in _LOADED:
                self.urls += [part.split()[0] for part in value.split(",") if part.strip()]
            elif name == "style":
                self.urls += _CSS_URL.findall(value)

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += _CSS_URL.findall(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def external_resources(page_html: str) -> list[str]:
    """The URLs on another server that a page loads (scripts, styles, fonts, pictures)."""
    parser = _LoadedURLs()
    parser.feed(page_html)
    return [url for url in parser.urls if is_external(url)]


def test_external_resources_finds_what_a_cdn_page_loads():
    page = """<html><head>
        <script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>
        <link rel="stylesheet" href="//fonts.googleapis.com/css?family=Roboto">
        <style>@font-face { src: url('https://example.org/f.woff2') }</style>
        <script src="_static/local.js"></script></head>
        <body><a href="https://github.com/karpathy/micrograd">a link, not loaded</a>
        <img src="_images/graph.svg"><math xmlns="http://www.w3.org/1998/Math/MathML"></math>
        </body></html>"""
    assert external_resources(page) == [
        "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js",
        "//fonts.googleapis.com/css?family=Roboto",
        "https://example.org/f.woff2",
    ]


def test_the_site_loads_nothing_from_another_server(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    loaded = {
        str(page.relative_to(site)): found
        for page in pages
        if (found := external_resources(page.read_text(encoding="utf-8")))
    }
    assert not loaded, f"pages that load from other servers: {loaded}"
    for sheet in site.rglob("*.css"):
        found = [
            url for url in _CSS_URL.findall(sheet.read_text(encoding="utf-8")) if is_external(url)
        ]
        assert not found, f"{sheet.relative_to(site)} loads {found}"
    for script in site.rglob("*.js"):
        text = script.read_text(encoding="utf-8", errors="replace")
        assert not [name for name in _CDN_NAMES if name in text], script.relative_to(site)


def test_math_is_written_as_mathml_without_mathjax(site):
    lesson = (site / "lessons" / "01_computational_graph.html").read_text(encoding="utf-8")
    assert "<math" in lesson
    assert not re.search(r"<script[^>]*mathjax|MathJax\s*=", lesson, re.IGNORECASE)


# ----------------------------------------------------------------------
# The pages: the README's guide, every lesson executed, the API reference.
# ----------------------------------------------------------------------


def test_every_readme_section_and_lesson_has_a_page(site):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    titles = re.findall(r"^## (.+)$", re.sub(r"```.*?```", "", readme, flags=re.DOTALL), re.M)
    guide = " ".join(page.read_text(encoding="utf-8") for page in (site / "guide").glob("*.html"))
    home = (site / "index.html").read_text(encoding="utf-8")
    for title in titles:
        shown = title.replace("&", "&amp;").replace("'", "&#39;").split(":")[0]
        assert shown in guide or shown in home, f"README section {title!r} has no page"
    lessons = sorted(p.stem for p in (ROOT / "microgradx" / "lessons").glob("*.ipynb"))
    assert sorted(p.stem for p in (site / "lessons").glob("*.html")) == lessons
    for name in lessons:
        assert f'href="lessons/{name}.html"' in home, f"the home page does not link {name}"


def test_the_lessons_pages_show_their_executed_outputs(site):
    page = (site / "lessons" / "01_computational_graph.html").read_text(encoding="utf-8")
    assert "df/dx = 4.0, df/dy = 4.0, df/dz = -4.0" in page  # a printed result
    assert page.count('class="cell_output') >= 10


@pytest.mark.parametrize(
    "lesson", sorted(p.stem for p in (ROOT / "microgradx" / "lessons").glob("*.ipynb"))
)
def test_each_lesson_page_shows_its_drawings_and_plots(site, lesson):
    source = (ROOT / "microgradx" / "lessons" / f"{lesson}.ipynb").read_text(encoding="utf-8")
    page = (site / "lessons" / f"{lesson}.html").read_text(encoding="utf-8")
    pictures = re.findall(r'<img[^>]* src="\.\./_images/[^"]+\.(svg|png)"', page)
    if re.search(r"\bdraw(_network)?\(", source):
        assert "svg" in pictures, f"{lesson} draws a graph but its page shows no drawing"
    if re.search(r"\bplt\.|\bplot_", source):
        assert "png" in pictures, f"{lesson} makes a plot but its page shows none"
    assert 'class="cell_output' in page


def _public_modules() -> list[ModuleType]:
    """microgradx's modules that `from microgradx import *` gives, and REFERENCE_MODULES."""
    names = [n for n in microgradx.__all__ if inspect.ismodule(getattr(microgradx, n))]
    names += [n for n in REFERENCE_MODULES if n not in names]
    modules = [importlib.import_module(f"microgradx.{name}") for name in names]
    for module in modules:  # a module that only gathers submodules: document those
        members = [getattr(module, n) for n in getattr(module, "__all__", [])]
        if members and all(inspect.ismodule(member) for member in members):
            modules += [member for member in members if member not in modules]
    return modules


def documented_names(site: Path) -> set[str]:
    from sphinx.util.inventory import InventoryFile

    with open(site / "objects.inv", "rb") as file:
        inventory = InventoryFile.load(file, "", os.path.join)
    return {
        name for kind, entries in inventory.items() if kind.startswith("py:") for name in entries
    }


def test_the_reference_documents_every_public_name(site):
    documented = documented_names(site)
    missing = []
    for name in microgradx.__all__:
        if name != "__version__" and not inspect.ismodule(getattr(microgradx, name)):
            missing += [] if f"microgradx.{name}" in documented else [f"microgradx.{name}"]
    for module in _public_modules():
        if module.__name__ not in documented:
            page = module.__name__.removeprefix("microgradx.")
            missing.append(f"{module.__name__} (add docs/api/{page}.md)")
            continue
        for name in getattr(module, "__all__", []):
            if not inspect.ismodule(getattr(module, name)):
                qualified = f"{module.__name__}.{name}"
                missing += [] if qualified in documented else [qualified]
    assert not missing, f"not in the API reference: {missing}"


# ----------------------------------------------------------------------
# In a browser: the home page and a lesson show a graph drawing and a plot.
# ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"no browser: {CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (make docs installs it)"
    )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


_LOCAL = ("file:", "data:", "blob:", "about:")
_SHOWN_IMAGES = """() => [...document.querySelectorAll('main img, article img')].map(img => {
    const box = img.getBoundingClientRect();
    return {src: img.getAttribute('src'), complete: img.complete,
            naturalWidth: img.naturalWidth, width: box.width, height: box.height};
})"""


def _open(browser, page_path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    external = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(_LOCAL) else external.append(request.url),
    )
    page.goto(page_path.as_uri(), wait_until="load")
    for image in page.locator("img").all():  # bring lazily loaded pictures in
        image.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("[...document.images].every(img => img.complete)")
    return page, external


def _displayed(images: list[dict], suffix: str) -> list[dict]:
    return [
        image
        for image in images
        if image["src"].endswith(suffix)
        and image["complete"]
        and image["naturalWidth"] > 0
        and image["width"] > 100
        and image["height"] > 50
    ]


def _is_graphviz_drawing(site_page: Path, image: dict) -> bool:
    svg = (site_page.parent / image["src"]).read_text(encoding="utf-8")
    return "<svg" in svg and 'class="graph"' in svg and 'class="node"' in svg


def test_the_home_page_shows_a_graph_drawing(site, browser):
    page_path = site / "index.html"
    page, external = _open(browser, page_path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home.png"))
    drawings = _displayed(page.evaluate(_SHOWN_IMAGES), ".svg")
    assert any(_is_graphviz_drawing(page_path, image) for image in drawings), drawings
    assert "lessons" in page.inner_text("body").lower()
    assert not external, f"the home page asked other servers for {external}"
    page.close()


def test_a_lesson_page_shows_a_graph_drawing_and_a_plot(site, browser):
    page_path = site / "lessons" / "06_training_an_mlp.html"
    page, external = _open(browser, page_path)
    images = page.evaluate(_SHOWN_IMAGES)
    drawings = [i for i in _displayed(images, ".svg") if _is_graphviz_drawing(page_path, i)]
    plots = _displayed(images, ".png")  # matplotlib's figures
    assert drawings, f"no graph drawing displayed: {images}"
    assert plots, f"no plot displayed: {images}"
    page.locator(f'img[src="{plots[0]["src"]}"]').scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "lesson_plot.png"))
    page.locator(f'img[src="{drawings[0]["src"]}"]').scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "lesson_drawing.png"))
    assert page.locator("math").count() > 0  # the formulas, as MathML
    assert not external, f"the lesson page asked other servers for {external}"
    page.close()


# ----------------------------------------------------------------------
# The guide's pages from the README (docs/_ext/readme_pages.py), without building the site.
# ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def readme_pages():
    extensions = ROOT / "docs" / "_ext"
    if not extensions.is_dir():
        pytest.skip("the site's sources are not here (run from the source tree)")
    pytest.importorskip("sphinx", reason="sphinx is not installed (make docs installs it)")
    spec = importlib.util.spec_from_file_location("readme_pages", extensions / "readme_pages.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_pages"] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules["readme_pages"]


README_SAMPLE = """# tool

Intro with a picture ![p](docs/images/p.svg); see [Rendering](#rendering).

## Set-up

```sh
## not a heading, a comment in a code block
```

## Drawing: in one call

Text.

### Rendering

See [lesson 1](microgradx/lessons/01_x.ipynb) and [set-up](#set-up).
"""


def test_readme_pages_split_the_readme_and_fix_its_links(readme_pages, tmp_path):
    pages = readme_pages.write_pages(README_SAMPLE, tmp_path)
    assert [p.name for p in pages] == ["drawing.md"]
    intro = (tmp_path / "guide" / "_intro.txt").read_text(encoding="utf-8")
    assert "](images/p.svg)" in intro and "](guide/drawing.md#rendering)" in intro
    assert "## not a heading" in intro  # the code block stays with its section
    drawing = pages[0].read_text(encoding="utf-8")
    assert drawing.startswith("# Drawing: in one call\n") and "\n## Rendering\n" in drawing
    assert "](../lessons/01_x.ipynb)" in drawing and "](../index.md#set-up)" in drawing
    toc = (tmp_path / "guide" / "_toc.txt").read_text(encoding="utf-8")
    assert "\nguide/drawing\n" in toc


def test_readme_pages_remove_the_page_of_a_section_that_is_gone(readme_pages, tmp_path):
    readme_pages.write_pages(README_SAMPLE + "\n## Extra\n\nMore.\n", tmp_path)
    assert (tmp_path / "guide" / "extra.md").exists()
    readme_pages.write_pages(README_SAMPLE, tmp_path)
    assert not (tmp_path / "guide" / "extra.md").exists()
