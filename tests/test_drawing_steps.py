"""backward_steps(), chain_rule_table(), save_slideshow() and save_frames()."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import graphviz
import pytest

from microgradx import Value, lectures
from microgradx.drawing import (
    ChainRuleTable,
    RendererNotFoundError,
    backward_steps,
    chain_rule_table,
    draw,
    renderer,
    save_frames,
    save_slideshow,
)
from microgradx.drawing.style import LIGHT


def e1() -> dict[str, Value]:
    """E1: f = (x + y)·z² at (2, −3, 2), with the slide's local variables a and b."""
    return lectures.by_label(lectures.e1())


def e3() -> dict[str, Value]:
    """E3: e = (a + b)·(b + 1) at a = 2, b = 1."""
    return lectures.by_label(lectures.e3())


def plain(source: str) -> str:
    """The DOT source with HTML tags removed: the text a reader sees."""
    return re.sub(r"<[^>]*>", "", source)


def grad_text(frame, label: str) -> str:
    """The text of the grad cell in the box labelled ``label``."""
    line = next(line for line in frame.body if f"<b>{label}</b>" in line)
    texts = [
        text.strip()
        for text in re.split(r"<[^>]*>", line.split("label=<", 1)[1].split("</table>")[0])
    ]
    texts = [text for text in texts if text]
    assert texts[-2].startswith("∂"), texts  # the grad tag, then its value
    return texts[-1]


def test_e1_frames_follow_reverse_mode():
    v = e1()
    frames = backward_steps(v["f"])
    # forward frame, one frame per op node (f, b, a in reverse topological order), final frame
    assert len(frames) == 5
    first = frames[0]
    assert "∂f/∂f = 1" in first.caption and "f = -4" in first.caption
    assert grad_text(first, "f") == "1"
    assert all(grad_text(first, name) == "?" for name in "xyzab")

    step1 = frames[1]
    assert step1.caption.startswith("Step 1 of 3: f = a × b passes ∂f/∂f = 1")
    assert grad_text(step1, "a") == "4 × 1 = 4"  # local ∂f/∂a = b = 4, upstream 1
    assert grad_text(step1, "b") == "(-1) × 1 = -1"
    assert grad_text(step1, "x") == "?"

    step2 = frames[2]
    assert step2.caption.startswith("Step 2 of 3: b = z² passes ∂f/∂b = -1")
    assert grad_text(step2, "z") == "4 × (-1) = -4"  # ∂b/∂z = 2z = 4
    assert grad_text(step2, "a") == "4"  # already known, no longer changing

    step3 = frames[3]
    assert grad_text(step3, "x") == "1 × 4 = 4" and grad_text(step3, "y") == "1 × 4 = 4"
    # the active node and its edges are highlighted, with local derivatives on its edges
    assert step3.source.count(LIGHT.highlight) >= 4
    assert "∂a/∂x = 1" in plain(step3.source) and "∂f/∂a" not in plain(step3.source).split("->")[-1]
    assert "Backward pass done" in frames[-1].caption


def test_user_gradients_are_not_touched_and_last_frame_equals_draw():
    v = e1()
    frames = backward_steps(v["f"])
    assert all(node.grad == 0.0 for node in v.values())
    v["f"].backward()
    finished = draw(v["f"])
    for name in "xyzabf":  # the last frame shows what draw shows after backward()
        assert grad_text(frames[-1], name) == grad_text(finished, name)
    # after a real backward pass (grads 4, 4, -4, ...) the frames are the same again
    assert [f.source for f in backward_steps(v["f"])] == [f.source for f in frames]
    assert v["x"].grad == 4.0 and v["z"].grad == -4.0


def test_e3_gradient_accumulates_over_two_paths():
    v = e3()
    frames = backward_steps(v["e"])
    assert len(frames) == 5  # forward, e, d, c, done
    assert grad_text(frames[1], "c") == "2 × 1 = 2"  # ∂e/∂c = d = 2
    assert grad_text(frames[1], "d") == "3 × 1 = 3"  # ∂e/∂d = c = 3
    assert grad_text(frames[2], "b") == "1 × 3 = 3"  # first path, through d
    assert grad_text(frames[3], "b") == "3 + 1 × 2 = 5"  # previous + local × upstream
    assert grad_text(frames[3], "a") == "1 × 2 = 2"
    assert grad_text(frames[-1], "b") == "5"
    table = frames[3].table
    assert [(r.node, r.input, r.upstream, r.local, r.contribution) for r in table] == [
        ("c", "a", 2.0, 1.0, 2.0),
        ("c", "b", 2.0, 1.0, 2.0),
    ]
    assert table[1].before == 3.0 and table[1].after == 5.0


def test_same_input_twice_in_one_step():
    a = Value(3.0, "a")
    s = a * a
    s.label = "s"
    frames = backward_steps(s)
    assert grad_text(frames[1], "a") == "3 × 1 + 3 × 1 = 6"  # d(a²)/da = 2a


def test_chain_rule_table_text_and_html():
    v = e1()
    table = chain_rule_table(v["f"])
    assert isinstance(table, ChainRuleTable) and len(table) == 5  # one row per edge
    contributions = {(r.node, r.input): r.contribution for r in table}
    assert contributions == {
        ("f", "a"): 4.0,
        ("f", "b"): -1.0,
        ("b", "z"): -4.0,
        ("a", "x"): 4.0,
        ("a", "y"): 4.0,
    }
    text = str(table)
    assert "upstream ∂f/∂node" in text and "local ∂node/∂input" in text
    assert re.search(r"b\s+-1\s+4\s+z\s+-4\s+-4", text)
    html = table._repr_html_()
    assert html.count("<tr>") == 6
    assert ET.fromstring(html).tag == "table"
    assert all(node.grad == 0.0 for node in v.values())
    assert "no gradient" in str(backward_steps(v["f"])[0].table)


def test_unlabelled_nodes_are_named_by_their_op():
    x = Value(0.5)
    out = (x * 2).tanh()
    frames = backward_steps(out)
    assert len(frames) == 4
    assert "tanh₁ = tanh(×₁) passes ∂tanh₁/∂tanh₁ = 1 back to ×₁" in frames[1].caption
    assert re.search(r"<i>×₁\s*</i>", frames[1].source)  # the name is drawn in its box
    assert re.search(r"∂tanh₁/∂×₁\s*<", frames[1].source)
    assert [r.input for r in frames[2].table] == ["0.5", "2"]
    out.backward()
    done = plain(frames[-1].source)
    assert re.search(r"∂tanh₁/∂×₁\s*0\.42\b", done)  # ∂tanh(2x)/∂(2x) = 1 − tanh²(1)
    assert "0.8399" in done and "?" not in done  # ∂/∂x = 2·0.42, every gradient known


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_slideshow_is_one_self_contained_file(tmp_path):
    frames = backward_steps(e1()["f"])
    path = save_slideshow(frames, tmp_path / "backward.html", title="E1 <backward>")
    html = path.read_text("utf-8")
    collector = _Collector()
    collector.feed(html)
    tags = collector.tags
    assert sum(1 for tag, _ in tags if tag == "svg") == 5
    assert sum(1 for tag, attrs in tags if tag == "section" and "slide" in attrs["class"]) == 5
    assert {attrs.get("id") for tag, attrs in tags if tag == "button"} >= {"prev", "next"}
    assert "ArrowRight" in html and "ArrowLeft" in html
    # nothing is loaded from elsewhere: no external scripts, styles, images or fonts
    assert not any(attrs.get("src") or tag == "link" for tag, attrs in tags)
    assert not re.search(r"https?://(?!www\.w3\.org/)", html)
    assert "E1 &lt;backward&gt;" in html and "<?xml" not in html
    assert "Step 2 of 3: b = z²" in html and "microgradx-chain-rule" in html


def test_slideshow_page_takes_the_theme_of_its_frames(tmp_path):
    dark = save_slideshow(backward_steps(e3()["e"], theme="dark"), tmp_path / "dark.html")
    assert "--bg: #16181D" in dark.read_text("utf-8")
    light = save_slideshow(backward_steps(e3()["e"]), tmp_path / "light.html")
    assert "--bg: #FFFFFF" in light.read_text("utf-8")
    chosen = save_slideshow(backward_steps(e3()["e"]), tmp_path / "chosen.html", theme="dark")
    assert "--bg: #16181D" in chosen.read_text("utf-8")


def test_slideshow_rejects_bad_frames(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        save_slideshow([], tmp_path / "x.html")
    with pytest.raises(TypeError, match="frame 1"):
        save_slideshow([draw(e1()["f"]), "not a frame"], tmp_path / "x.html")


def test_save_frames_as_svg_png_and_dot(tmp_path):
    frames = backward_steps(e3()["e"])
    svgs = save_frames(frames, tmp_path / "svg")
    assert [p.name for p in svgs] == [f"step_{i:02d}.svg" for i in range(5)]
    for p in svgs:
        assert ET.parse(p).getroot().tag.endswith("svg")
    pngs = save_frames(frames[:2], tmp_path / "png", format="png", prefix="e3")
    assert [p.name for p in pngs] == ["e3_00.png", "e3_01.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    dots = save_frames(frames, tmp_path / "dot", format="dot")
    assert dots[1].read_text("utf-8") == frames[1].source
    with pytest.raises(ValueError, match="format"):
        save_frames(frames, tmp_path, format="bmp")


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    assert data.startswith(b"\x89PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_save_frames_resolution_and_plain_digraphs(tmp_path):
    frames = backward_steps(e3()["e"])[:1]
    (low,) = save_frames(frames, tmp_path / "low", format="png", dpi=96)
    (high,) = save_frames(frames, tmp_path / "high", format="png")  # 192 dpi by default
    (w1, h1), (w2, h2) = png_size(low.read_bytes()), png_size(high.read_bytes())
    assert abs(w2 - 2 * w1) <= 2 and abs(h2 - 2 * h1) <= 2
    assert "dpi" not in frames[0].source  # the frame itself is left as it was
    plain = graphviz.Digraph()  # any graphviz graph, not only microgradx's drawings
    plain.node("n", "plain")
    (path,) = save_frames([plain], tmp_path / "plain", format="png")
    assert png_size(path.read_bytes())[0] > 0
    with pytest.raises(ValueError, match="dpi"):
        save_frames(frames, tmp_path, format="png", dpi=0)


def test_bad_arguments_say_what_was_wrong():
    with pytest.raises(TypeError, match="backward_steps needs a microgradx Value"):
        backward_steps(3.0)
    with pytest.raises(TypeError, match="chain_rule_table needs a microgradx Value"):
        chain_rule_table([e1()["f"]])
    for seed in ["1", float("nan"), True]:
        with pytest.raises(ValueError, match="seed"):
            backward_steps(e1()["f"], seed=seed)
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        backward_steps(e1()["f"], max_nodes="10")
    frames = backward_steps(e1()["f"], seed=2.0)  # a seed other than 1 scales every gradient
    assert grad_text(frames[-1], "z") == "-8" and grad_text(frames[-1], "x") == "8"


def test_pdf_needs_the_system_graphviz(tmp_path):
    frames = backward_steps(e3()["e"])[:1]
    if renderer().kind == "graphviz-pure":
        with pytest.raises(RendererNotFoundError, match="apt-get install graphviz"):
            save_frames(frames, tmp_path, format="pdf")
    else:
        (path,) = save_frames(frames, tmp_path, format="pdf")
        assert path.read_bytes().startswith(b"%PDF")


def test_frames_show_in_a_notebook_without_scripts():
    frames = backward_steps(e3()["e"])
    assert isinstance(frames, list)
    collector = _Collector()
    collector.feed(frames._repr_html_())
    tags = [tag for tag, _ in collector.tags]
    assert tags.count("svg") == 5 and "script" not in tags
    assert tags.count("table") == 3  # a chain-rule table for each of the three steps
