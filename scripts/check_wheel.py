"""Build the sdist and wheel, install the wheel into a fresh virtual environment outside
the source tree, and check that what a student gets from `pip install microgradx` works.

Run by `make test` (after the unit tests). Prints the wheel's contents and size.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent

# Files the installed package needs at run time, and files it must not carry.
REQUIRED_IN_WHEEL = [
    "microgradx/__init__.py",
    "microgradx/py.typed",
    "microgradx/datasets/digits.csv.gz",
    "microgradx/datasets/DIGITS_LICENSE.txt",
]
LESSONS = sorted(path.name for path in (ROOT / "microgradx" / "lessons").glob("*.ipynb"))
REQUIRED_IN_WHEEL += [f"microgradx/lessons/{name}" for name in LESSONS]
FORBIDDEN_PARTS = ("tests/", "__pycache__", ".ipynb_checkpoints", "bench/", ".pyc", "_build/")


def is_forbidden(name: str) -> bool:
    """Tests, caches, build output, and any notebook but the shipped lessons."""
    stray_notebook = name.endswith(".ipynb") and "microgradx/lessons/" not in name
    return stray_notebook or any(part in name for part in FORBIDDEN_PARTS)


def run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command, fail loudly with its output if it fails, return its stdout."""
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise SystemExit(
            f"FAILED: {' '.join(cmd)}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result.stdout


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"  ok  {message}")


def build(outdir: Path) -> tuple[Path, Path]:
    run([sys.executable, "-m", "build", "--outdir", str(outdir), str(ROOT)], cwd=ROOT)
    (wheel,) = outdir.glob("*.whl")
    (sdist,) = outdir.glob("*.tar.gz")
    return wheel, sdist


def check_contents(wheel: Path, sdist: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    print(f"wheel {wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB, {len(names)} files")
    for name in names:
        print(f"    {name}")
    for required in REQUIRED_IN_WHEEL:
        check(required in names, f"wheel contains {required}")
    check(any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "wheel carries LICENSE")
    bad = [n for n in names if is_forbidden(n)]
    check(not bad, f"wheel carries no tests, caches or stray notebooks {bad or ''}")
    with tarfile.open(sdist) as archive:
        sdist_names = archive.getnames()
    check(any(n.endswith("/LICENSE") for n in sdist_names), "sdist carries LICENSE")
    bad = [n for n in sdist_names if is_forbidden(n)]
    check(not bad, f"sdist carries no tests, caches or stray notebooks {bad or ''}")
    shipped = sorted(Path(n).name for n in sdist_names if "/microgradx/lessons/" in n)
    check(
        [n for n in shipped if n.endswith(".ipynb")] == LESSONS,
        f"sdist carries the {len(LESSONS)} lessons",
    )


def fresh_venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True).create(where)
    return where / "bin"


def lower_bounds(*extras: str) -> list[str]:
    """The dependencies (run-time, and those of the extras named) pinned to the lowest
    versions pyproject.toml allows."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        project = tomllib.load(file)["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return [requirement.replace(">=", "==") for requirement in requirements]


def check_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(name).decode("utf-8")
    check("](docs/" not in metadata, "the description has no relative links to pictures")
    check("](microgradx/" not in metadata, "the description has no links to repository files")
    check("Classifier: Intended Audience :: Education" in metadata, "classifiers are set")
    check("Requires-Python: >=3.10" in metadata, "requires-python is set")
    check(
        "License-Expression: MIT AND CC-BY-4.0" in metadata,
        "the licence says MIT and CC BY 4.0 (the digits)",
    )
    check(
        "License-File: microgradx/datasets/DIGITS_LICENSE.txt" in metadata,
        "the digits' licence file is declared",
    )
    check("Requires-Dist: graphviz<1,>=0.20" in metadata, "graphviz is pinned below 1")


def check_installed(bin_dir: Path, wheel: Path, workdir: Path) -> None:
    python = str(bin_dir / "python")
    # The smoke tests below run on the oldest dependencies the package says it works with.
    pins = lower_bounds()
    print(f"  installing with the lowest allowed dependencies: {', '.join(pins)}")
    run([python, "-m", "pip", "install", "--quiet", str(wheel), *pins], cwd=workdir)
    command = str(bin_dir / "microgradx")

    import microgradx  # the source tree's version, to compare with the installed one

    version = run([command, "--version"], cwd=workdir).strip()
    check(version.endswith(microgradx.__version__), f"--version says {version!r}")

    table = json.loads(
        run([command, "grad", "(x+y)*z**2", "x=2", "y=-3", "z=2", "--json"], cwd=workdir)
    )
    check(table["f"] == -4.0, "grad: f = -4")
    check(table["gradients"] == {"x": 4.0, "y": 4.0, "z": -4.0}, "grad: ∂f = 4, 4, -4")

    # Only the venv on PATH: no system `dot`, so the graphviz-pure fallback must render.
    bare = {**os.environ, "PATH": str(bin_dir)}
    bare.pop("MICROGRADX_DOT", None)
    out = workdir / "out.svg"
    run(
        [command, "draw", "(x+y)*z**2", "x=2", "y=-3", "z=2", "-o", str(out)], cwd=workdir, env=bare
    )
    svg = out.read_text(encoding="utf-8")
    check(svg.lstrip().startswith("<") and "<svg" in svg, "draw renders SVG without system dot")
    check("-4" in svg, "the SVG shows f = -4")
    run(
        [command, "draw", "(x+y)*z**2", "x=2", "y=-3", "z=2", "-o", str(workdir / "out.png")],
        cwd=workdir,
        env=bare,
    )
    check(
        (workdir / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n",
        "draw renders PNG without system dot",
    )

    digits = run(
        [
            python,
            "-c",
            "import microgradx; X, y = microgradx.data.load_digits(); print(X.shape, y.shape)",
        ],
        cwd=workdir,
    )
    check(digits.strip() == "(1797, 64) (1797,)", f"load_digits from the wheel: {digits.strip()}")

    training = run([python, "-c", TRAINING_SNIPPET], cwd=workdir)
    accuracy = float(training.split()[-1])
    check(accuracy >= 0.95, f"a short fit run on the moons learns: {training.strip()}")

    check_lessons_command(command, workdir)

    # Every extra, every dependency at its lowest allowed version: the whole test suite and
    # the notebooks run against the installed wheel, from outside the source tree.
    pins = lower_bounds("notebooks", "test")
    print(f"  installing [dev] with the lowest allowed dependencies: {', '.join(pins)}")
    run([python, "-m", "pip", "install", "--quiet", f"{wheel}[dev]", *pins], cwd=workdir)
    extras = "matplotlib, ipywidgets, jupyterlab, pytest, hypothesis, nbmake, micrograd"
    imported = run([python, "-c", f"import {extras}; print('imported')"], cwd=workdir)
    check(imported.strip() == "imported", f"the extras [dev] install and import: {extras}")
    shutil.copytree(ROOT / "tests", workdir / "tests")
    tests = run([python, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider"], cwd=workdir)
    summary = tests.strip().splitlines()[-1]
    check(
        " passed" in summary and "failed" not in summary,
        f"the tests pass against the wheel: {summary}",
    )
    lessons = run(
        [
            python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbmake",
            "--nbmake-kernel=python3",
            "lessons",
        ],
        cwd=workdir,
    )
    summary = lessons.strip().splitlines()[-1]
    check(
        summary.startswith(f"{len(LESSONS)} passed"),
        f"every lesson copied from the wheel runs: {summary}",
    )


def check_lessons_command(command: str, workdir: Path) -> None:
    """`microgradx lessons` copies the lessons shipped in the wheel, then keeps a changed one."""
    said = run([command, "lessons", "lessons"], cwd=workdir)
    copied = sorted(path.name for path in (workdir / "lessons").glob("*.ipynb"))
    check(copied == LESSONS, f"`microgradx lessons` copies the {len(LESSONS)} lessons")
    same = all(
        (workdir / "lessons" / name).read_bytes()
        == (ROOT / "microgradx" / "lessons" / name).read_bytes()
        for name in LESSONS
    )
    check(same, "the copies are the lessons of this source tree")
    check("jupyter lab lessons" in said, "it says how to open them")
    changed = workdir / "lessons" / LESSONS[0]
    original = changed.read_bytes()
    changed.write_bytes(original + b"\n")
    again = run([command, "lessons", "lessons"], cwd=workdir)
    kept = changed.read_bytes() == original + b"\n" and f"kept your changed {LESSONS[0]}" in again
    check(kept, "run again, it keeps a lesson the user changed")
    changed.write_bytes(original)


TRAINING_SNIPPET = """
from microgradx import nn, losses, optim, data, train
X, y = data.make_moons(n_samples=100, noise=0.1, random_state=0)
model = nn.MLP(2, [16, 16, 1], seed=0)
history = train.fit(model, losses.hinge, optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                    X, 2 * y - 1, epochs=60, l2_penalty=1e-4, progress=False)
print("accuracy", history.accuracy[-1])
"""


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="microgradx-wheel-") as temp:
        temp_dir = Path(temp)
        print("building sdist and wheel ...")
        wheel, sdist = build(temp_dir / "dist")
        check_contents(wheel, sdist)
        check_metadata(wheel)
        print("installing the wheel into a fresh virtual environment ...")
        bin_dir = fresh_venv(temp_dir / "venv")
        workdir = temp_dir / "elsewhere"
        workdir.mkdir()
        check_installed(bin_dir, wheel, workdir)
    print("the wheel works from a clean environment")


if __name__ == "__main__":
    main()
