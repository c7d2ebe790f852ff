"""The slideshow in a real browser: headless Chromium driven by Playwright.

Needs the ``playwright`` package and Debian's ``chromium`` (``apt-get install chromium``);
the tests skip, saying which is missing, where they are not installed.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest

from microgradx import lectures
from microgradx.drawing import backward_steps, renderer, save_slideshow

CHROMIUM = os.environ.get("MICROGRADX_CHROMIUM", "/usr/bin/chromium")

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (pip install playwright)"
)
if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install Debian's browser (apt-get install chromium) "
        "or set MICROGRADX_CHROMIUM to one",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def e1_slideshow(tmp_path_factory) -> tuple[Path, int]:
    renderer()  # skips nothing: a renderer is part of the package (graphviz-pure)
    frames = backward_steps(lectures.e1())
    path = tmp_path_factory.mktemp("slideshow") / "index.html"
    save_slideshow(frames, path)
    return path, len(frames)


def node_boxes(page) -> dict[str, tuple[float, float, float, float]]:
    """Where each node of the visible frame is on screen: title → (x, y, width, height)."""
    return page.evaluate(
        """() => {
        const slide = document.querySelector('.slide.current');
        const boxes = {};
        for (const node of slide.querySelectorAll('g.node')) {
            const r = node.getBoundingClientRect();
            boxes[node.querySelector('title').textContent] =
                [r.x, r.y, r.width, r.height].map(v => Math.round(v * 10) / 10);
        }
        return boxes;
    }"""
    )


def png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def test_arrow_keys_step_and_nodes_hold_still(browser, e1_slideshow, tmp_path):
    path, count = e1_slideshow
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(path.as_uri())
    assert page.locator("#counter").inner_text() == f"1 / {count}"
    assert page.locator(".slide:visible").count() == 1
    first = node_boxes(page)
    assert len(first) == 9  # E1: x, y, z, a, b, f and the ops +, x², ×
    screenshots = [page.locator(".slide.current div.graph").screenshot()]
    for number in range(2, count + 1):
        page.keyboard.press("ArrowRight")
        assert page.locator("#counter").inner_text() == f"{number} / {count}"
        visible = page.locator(".slide:visible")
        assert visible.count() == 1 and visible.get_attribute("id") == f"frame-{number}"
        assert node_boxes(page) == first, f"nodes moved on frame {number}"
        screenshots.append(page.locator(".slide.current div.graph").screenshot())
    page.keyboard.press("ArrowLeft")
    assert page.locator("#counter").inner_text() == f"{count - 1} / {count}"
    assert page.locator(".slide:visible").get_attribute("id") == f"frame-{count - 1}"
    # every frame's picture has the same size on screen, and the pictures do change
    assert len({png_size(shot) for shot in screenshots}) == 1
    assert len(set(screenshots)) == count
    for number, shot in enumerate(screenshots):
        (tmp_path / f"frame_{number}.png").write_bytes(shot)
    page.close()


def test_without_javascript_every_frame_shows_in_order(browser, e1_slideshow):
    path, count = e1_slideshow
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.goto(path.as_uri())
    slides = page.locator(".slide")
    assert slides.count() == count
    tops = []
    for k in range(count):
        slide = slides.nth(k)
        assert slide.is_visible(), f"frame {k + 1} is hidden without JavaScript"
        assert slide.get_attribute("id") == f"frame-{k + 1}"
        tops.append(slide.bounding_box()["y"])
    assert tops == sorted(tops)  # one under the other, in order
    assert not page.locator("#next").is_visible()  # buttons that need scripts are not shown
    assert page.locator(".legend").is_visible()
    context.close()
