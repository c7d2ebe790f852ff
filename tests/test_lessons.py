"""The lesson notebooks (microgradx/lessons/) and `microgradx lessons`, which copies them out.

CI runs every notebook top to bottom (`pytest --nbmake microgradx/lessons`); the tests here
check what a run cannot: that each number a lesson's prose states is one its code sets or checks.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import nbformat
import pytest

from microgradx import cli
from microgradx.lessons import RECORD_NAME, copy_lessons, lesson_paths

LESSONS = {path.stem: path for path in lesson_paths()}

# Numbers the prose states that no code cell sets or checks, each with the reason.
NOT_IN_CODE: dict[str, dict[str, str]] = {
    "04_logistic_regression": {"0.48": "the slide's own rounded figure, quoted beside ours"},
    "05_forward_vs_reverse": {
        "1.5e-3": "the code computes it from the same formula and asserts the error within 1%",
        "2.7e-7": "the code computes it from the same formula and asserts the error within 1%",
    },
    "07_digits": {
        "0.1": "the term 1 - 0.9 of a sum the code computes as a whole",
        "10%": "a guess's accuracy among 10 digits, said for comparison",
    },
}

# A number as prose writes it: -3.718, −1, 1,797, 2.7\cdot10^{-7}, 10^{-12}, 95%.
_POWER_OF_TEN = re.compile(r"(?:(\d+(?:\.\d+)?)\s*\\(?:cdot|times)\s*)?10\^\{?([-−]?\d+)\}?")
_NUMBER = re.compile(r"(?<![\w.^\\])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:e-?\d+)?%?(?![\w])")
_LESSON_REFERENCE = re.compile(r"\b[Ll]essons? \d+(?:\s*(?:,|and|or)\s*\d+)*")


def prose_numbers(markdown: str) -> list[str]:
    """The numbers stated in a Markdown cell, as written (headings and "lesson 6" left out)."""
    numbers: list[str] = []
    for line in markdown.splitlines():
        if line.lstrip().startswith("#"):
            continue
        line = _LESSON_REFERENCE.sub(" ", line)
        for mantissa, exponent in _POWER_OF_TEN.findall(line):
            numbers.append(f"{mantissa or '1'}e{exponent.replace('−', '-')}")
        numbers += _NUMBER.findall(_POWER_OF_TEN.sub(" ", line))
    return numbers


def value_of(text: str) -> tuple[float, int | None]:
    """The number ``text`` states and its decimal places (None for e-notation)."""
    text = text.replace("−", "-").replace(",", "")
    if text.endswith("%"):
        number = text[:-1]
        places = len(number.partition(".")[2]) + 2
        return float(number) / 100, places
    if "e" in text:
        return float(text), None
    return float(text), len(text.partition(".")[2])


def code_numbers(source: str) -> set[float]:
    """The number literals in a code cell (signs dropped: ``-3.718`` is ``-`` and ``3.718``)."""
    found = set()
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type == tokenize.NUMBER:
            found.add(abs(float(token.string.replace("_", "").rstrip("jJ"))))
    return found


def is_in_code(text: str, literals: set[float]) -> bool:
    """Whether the stated number is a literal of the code: a decimal to the places stated."""
    value, places = value_of(text)
    value = abs(value)
    if not places:  # an integer or e-notation: exactly
        return any(abs(literal - value) <= 1e-12 * value for literal in literals)
    return any(round(literal, places) == round(value, places) for literal in literals)


def numbers_not_in_code(notebook: nbformat.NotebookNode) -> list[str]:
    """The numbers a notebook's Markdown states that none of its code cells contains."""
    literals: set[float] = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            literals |= code_numbers(cell.source)
    return [
        number
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for number in prose_numbers(cell.source)
        if not is_in_code(number, literals)
    ]


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_every_number_the_prose_states_is_in_the_code(name):
    notebook = nbformat.read(LESSONS[name], as_version=4)
    missing = numbers_not_in_code(notebook)
    exempt = NOT_IN_CODE.get(name, {})
    unexplained = [number for number in missing if number not in exempt]
    assert not unexplained, (
        f"{name}: the text states {unexplained} but no code cell sets or asserts them"
    )
    stale = sorted(set(exempt) - set(missing))
    assert not stale, f"{name}: NOT_IN_CODE lists {stale}, which the text no longer states"


def test_the_number_check_catches_a_result_the_code_does_not_state():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("The loss falls to $0.21$, with 1,797 images (95%)."),
        nbformat.v4.new_code_cell("loss = 0.2093\nassert len(X) == 1797 and acc > 0.95"),
    ]
    assert numbers_not_in_code(notebook) == []
    notebook.cells[0].source = "The loss falls to $0.25$ and the step is $2.7\\cdot10^{-7}$."
    assert numbers_not_in_code(notebook) == ["2.7e-7", "0.25"]


def test_prose_numbers_reads_the_lessons_notation():
    text = "# 4 · Title\nAs in lesson 6: $a = -1$, −3.718, 1,797 and $10^{-12}$, x_1 and E1, 95%."
    assert prose_numbers(text) == ["1e-12", "-1", "−3.718", "1,797", "95%"]


def test_the_lessons_are_valid_notebooks_without_outputs():
    assert list(LESSONS) == sorted(LESSONS) and len(LESSONS) >= 7
    for path in LESSONS.values():
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code, path.name
        assert all(not cell.outputs and cell.execution_count is None for cell in code), (
            f"{path.name} has outputs: clear them (the site shows them) with "
            f"jupyter nbconvert --clear-output --inplace microgradx/lessons/{path.name}"
        )


# ----------------------------------------------------------------------
# Copying the lessons out: microgradx.lessons.copy_lessons and `microgradx lessons`.
# ----------------------------------------------------------------------


def test_copy_lessons_copies_every_notebook(tmp_path):
    report = copy_lessons(tmp_path / "course")
    assert report.copied == [path.name for path in lesson_paths()]
    for path in lesson_paths():
        assert (tmp_path / "course" / path.name).read_bytes() == path.read_bytes()
    again = copy_lessons(tmp_path / "course")
    assert again.copied == [] and again.kept == [] and len(again.unchanged) == len(LESSONS)


def test_copy_lessons_never_overwrites_a_changed_notebook(tmp_path):
    copy_lessons(tmp_path)
    first = lesson_paths()[0].name
    (tmp_path / first).write_text("my notes", encoding="utf-8")
    report = copy_lessons(tmp_path)
    assert report.kept == [first]
    assert (tmp_path / first).read_text(encoding="utf-8") == "my notes"


def test_copy_lessons_keeps_a_notebook_it_did_not_copy(tmp_path):
    first = lesson_paths()[0].name
    (tmp_path / first).write_text("a file of the same name", encoding="utf-8")
    report = copy_lessons(tmp_path)
    assert report.kept == [first]
    assert (tmp_path / first).read_text(encoding="utf-8") == "a file of the same name"


def test_copy_lessons_updates_a_notebook_the_user_did_not_change(tmp_path):
    """After an upgrade, a lesson still as it was copied is replaced by the new version."""
    first = lesson_paths()[0].name
    old_version = b'{"an": "older version of the lesson"}'
    (tmp_path / first).write_bytes(old_version)
    record = json.loads((copy_lessons(tmp_path / "x").folder / RECORD_NAME).read_text())
    import hashlib

    record[first] = hashlib.sha256(old_version).hexdigest()
    (tmp_path / RECORD_NAME).write_text(json.dumps(record), encoding="utf-8")
    report = copy_lessons(tmp_path)
    assert first in report.copied and report.kept == []
    assert (tmp_path / first).read_bytes() == lesson_paths()[0].read_bytes()


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "microgradx", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_cli_lessons_copies_into_the_default_folder_and_says_how_to_open_them(tmp_path):
    result = run_cli("lessons", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "microgradx-lessons"
    assert sorted(p.name for p in folder.glob("*.ipynb")) == [p.name for p in lesson_paths()]
    assert f"{len(LESSONS)} lesson notebook(s) copied into microgradx-lessons" in result.stdout
    assert "jupyter lab microgradx-lessons" in result.stdout


def test_cli_lessons_reports_a_kept_notebook(tmp_path):
    run_cli("lessons", "course", cwd=tmp_path)
    first = lesson_paths()[0].name
    (tmp_path / "course" / first).write_text("mine", encoding="utf-8")
    result = run_cli("lessons", "course", cwd=tmp_path)
    assert result.returncode == 0
    assert f"kept your changed {first}" in result.stdout
    assert (tmp_path / "course" / first).read_text(encoding="utf-8") == "mine"


def test_cli_lessons_into_a_file_is_a_user_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    result = run_cli("lessons", "notes.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert "notes.txt is a file, not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_lessons_open_without_jupyterlab_says_how_to_get_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_jupyterlab_installed", lambda: False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["lessons", "--open"]) == 2
    assert "pip install 'microgradx[notebooks]'" in capsys.readouterr().err
    assert not (tmp_path / "microgradx-lessons").exists()  # nothing half-done


def test_cli_lessons_open_starts_jupyterlab_in_the_folder(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(cli, "_jupyterlab_installed", lambda: True)
    monkeypatch.setattr(cli.subprocess, "call", lambda command: started.append(command) or 0)
    assert cli.main(["lessons", str(tmp_path / "course"), "--open"]) == 0
    assert started == [
        [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={tmp_path / 'course'}"]
    ]
    assert (tmp_path / "course" / lesson_paths()[0].name).exists()
