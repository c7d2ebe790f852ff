"""The command line for slides: named formulas, rules on the edges, --dpi, the legend, and
--steps bounded as a whole."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from test_cli import assert_user_error, run, table_rows

from microgradx import cli

NAMED_E1 = ["a = x + y; b = z**2; f = a * b", "x=2", "y=-3", "z=2"]


def test_grad_of_a_named_formula_uses_its_names():
    result = run("grad", "c = a + b\nd = b + 1\ne = c * d", "a=2", "b=1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "c = a + b; d = b + 1; e = c * d   at a = 2, b = 1"
    assert table_rows(result.stdout) == {"e": 6.0, "∂e/∂a": 2.0, "∂e/∂b": 5.0}


def test_draw_a_named_formula_with_rules_to_png_at_192_dpi(tmp_path: Path):
    result = run("draw", *NAMED_E1, "--rules", "-o", "e1.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    png = (tmp_path / "e1.png").read_bytes()
    width, height = struct.unpack(">II", png[16:24])
    assert height > 300
    dot = run("draw", *NAMED_E1, "--rules", "-o", "e1.dot", cwd=tmp_path)
    assert dot.returncode == 0
    source = (tmp_path / "e1.dot").read_text("utf-8")
    plain = re.sub(r"<[^>]*>", "", source)
    assert "∂f/∂a = b = 4" in plain and "∂b/∂z = 2z = 4" in plain
    assert width > 1500  # 192 dpi: twice the 96-dpi image, wide enough for a projector
    small = run("draw", *NAMED_E1, "--rules", "--dpi", "96", "-o", "small.png", cwd=tmp_path)
    assert small.returncode == 0
    small_width = struct.unpack(">II", (tmp_path / "small.png").read_bytes()[16:24])[0]
    assert small_width == pytest.approx(width / 2, rel=0.02)


def test_bad_dpi_is_a_usage_error(tmp_path: Path):
    result = run("draw", "x*2", "x=1", "--dpi", "lots", "-o", "g.png", cwd=tmp_path)
    assert result.returncode == 2 and "give dots per inch from 10 to 1200" in result.stderr
    assert not (tmp_path / "g.png").exists()


def test_steps_frames_carry_a_legend_unless_asked_not_to(tmp_path: Path):
    result = run("draw", *NAMED_E1, "--steps", "with", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    frame = (tmp_path / "with" / "frame_01.svg").read_text("utf-8")
    assert "gradient &gt; 0" in frame and "parameter" in frame
    result = run("draw", *NAMED_E1, "--steps", "without", "--no-legend", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "parameter" not in (tmp_path / "without" / "frame_01.svg").read_text("utf-8")


def test_steps_refuses_too_many_frames_up_front(tmp_path: Path):
    count = cli.STEPS_MAX_FRAMES  # one + per term: more operations than frames allowed
    formula = " + ".join(f"x*{k}" for k in range(1, count))
    result = run("draw", formula, "x=1", "--steps", "many", cwd=tmp_path)
    assert_user_error(result, f"more than {cli.STEPS_MAX_FRAMES}", "--local-grads")
    assert not (tmp_path / "many").exists()


def test_steps_stops_when_the_whole_run_takes_too_long(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "STEPS_SECONDS", 0.0)  # every frame is over the budget
    status = cli.main(["draw", *NAMED_E1, "--steps", str(tmp_path / "slow")])
    assert status == 2
    assert "nothing was written" in capsys.readouterr().err
    assert not (tmp_path / "slow").exists()
