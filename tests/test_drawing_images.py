"""The README's pictures in docs/images/ are what scripts/make_images.py draws today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from microgradx.drawing import render

ROOT = Path(__file__).resolve().parent.parent


def load_script():
    spec = importlib.util.spec_from_file_location("make_images", ROOT / "scripts/make_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(render._graphviz_pure_path() is None, reason="graphviz-pure not installed")
@pytest.mark.skipif(
    not (ROOT / "scripts" / "make_images.py").exists(), reason="needs the source tree's scripts"
)
def test_committed_images_are_up_to_date(monkeypatch):
    monkeypatch.setenv(render.ENV_VAR, render._graphviz_pure_path())  # the same bytes anywhere
    images = load_script().images()
    assert {"e1_forward.svg", "e1_backward.svg", "e1_local_grads.svg"} <= set(images)
    for name, svg in images.items():
        committed = ROOT / "docs" / "images" / name
        assert committed.exists(), f"{committed} is missing: run python scripts/make_images.py"
        assert committed.read_text("utf-8") == svg, (
            f"{committed} is out of date: run python scripts/make_images.py"
        )
