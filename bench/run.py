"""Run the benchmarks (``make bench``): every bench/bench_*.py, or those named.

    python bench/run.py              # all of them, the engine first
    python bench/run.py engine nn    # bench_engine.py and bench_nn.py only

Each module's ``main()`` prints its own tables and PASS/FAIL lines and returns 0 when all of
its targets are met. The exit status is 0 only if every benchmark met its targets.

Each benchmark runs in a fresh interpreter: one that imports torch leaves ~150,000 Python
objects behind, which every later full garbage collection would walk, slowing the next
benchmark's "collector on" timings in a way its users never see.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    names = sorted(path.stem.removeprefix("bench_") for path in HERE.glob("bench_*.py"))
    return sorted(names, key=lambda name: name != "engine")  # the engine first


def main(argv: list[str] | None = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv) or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(available())}")
        return 2
    failed = []
    for name in names:
        print(f"\n{'=' * 30} bench_{name}.py {'=' * 30}", flush=True)
        run = f"import bench_{name}; raise SystemExit(bench_{name}.main())"
        if subprocess.run([sys.executable, "-c", run], cwd=HERE).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nTargets missed in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
