"""This checkout's speed against another checkout of microgradx, in one run.

    git worktree add /tmp/baseline 60404cc        # e.g. the engine before the op table
    python bench/against.py /tmp/baseline         # median of 5 rounds, alternating

Each measurement runs in a fresh interpreter whose ``microgradx`` is one checkout's or the
other's (``PYTHONPATH``); the two alternate measurement by measurement, so a busy machine
slows both alike. The workloads are ``bench_engine``'s and ``bench_compile``'s own functions:

  e1            lecture example E1, build + backward, µs per iteration
  moons_same    moons step on micrograd's two-input graph, ms, collector on / off
  moons_nn      moons step with nn.MLP (n-ary dot nodes), ms, collector on
  compiled      compiled moons step, ms;  compiled digits epoch, s

Prints each workload's median for both checkouts and their ratio (this ÷ other: below 1 is
faster here). The exit status is 1 if this checkout is slower than the other by more than
``--tolerance`` on any workload.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
THIS = HERE.parent

WORKLOADS = {
    "e1": "E1 build + backward (µs)",
    "moons_same_on": "moons, micrograd's graph, GC on (ms)",
    "moons_same_off": "moons, micrograd's graph, GC off (ms)",
    "moons_nn_on": "moons, nn.MLP, GC on (ms)",
    "compiled_moons": "compiled moons step (ms)",
    "compiled_digits": "compiled digits epoch (s)",
}


def _child(workload: str, cpu_time: bool) -> float:
    """One measurement, with whichever microgradx ``PYTHONPATH`` puts first."""
    sys.path.insert(0, str(HERE))
    if cpu_time:  # the process's own CPU time: what a busy machine's other work does not add
        import time

        time.perf_counter = time.process_time
    import microgradx.compiler

    if not hasattr(microgradx.compiler, "compile_loss"):  # before compile moved into compiler/
        import importlib

        compile_module = importlib.import_module("microgradx.compile")
        microgradx.compiler.compile_loss = compile_module.compile_loss  # type: ignore[attr-defined]
    import bench_compile
    import bench_engine

    _older_data_api(bench_compile.data)

    if workload == "e1":
        return bench_engine.e1_us(bench_engine.microgradx_kit())
    if workload.startswith("moons_"):
        _, graph, gc_on = workload.split("_")
        engine, nary = ("nn", True) if graph == "nn" else ("microgradx", False)
        return bench_engine.moons_ms(engine, nary, bench_engine.STEPS, gc_on == "on")
    from microgradx import nn

    if workload == "compiled_moons":
        weights = [p.data for p in nn.MLP(2, [16, 16, 1], seed=0).parameters()]
        step = bench_compile.moons_compiled(weights, in_arrays=False)
        step(0)
        return bench_compile._time(step, 300, 1) * 1e3
    weights = [p.data for p in nn.MLP(64, [32, 10], seed=0).parameters()]
    epoch = bench_compile.digits_compiled(weights, in_arrays=False)
    epoch(0)
    return bench_compile._time(epoch, 3, 1)


def _older_data_api(data: Any) -> None:
    """An older checkout's ``make_moons`` takes ``seed`` where this one takes ``random_state``."""
    make_moons = data.make_moons
    if "random_state" not in inspect.signature(make_moons).parameters:

        def moons(*args: Any, random_state: Any = 0, **kwargs: Any) -> Any:
            return make_moons(*args, seed=random_state, **kwargs)

        data.make_moons = moons


def _measure(checkout: Path, workload: str, cpu_time: bool) -> float:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    out = subprocess.run(
        [sys.executable, __file__, "--child", workload, *(["--cpu-time"] if cpu_time else [])],
        env=env,
        cwd=HERE,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (its root directory)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", nargs="*", choices=list(WORKLOADS), help="these workloads")
    parser.add_argument(
        "--cpu-time", action="store_true", help="time CPU seconds, not wall clock (busy machine)"
    )
    parser.add_argument("--tolerance", type=float, default=0.05, help="slower by more fails")
    args = parser.parse_args(argv)
    workloads = args.only or list(WORKLOADS)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for workload in workloads:
            for side, checkout in (("this", THIS), ("other", args.other.resolve())):
                times.setdefault((workload, side), []).append(
                    _measure(checkout, workload, args.cpu_time)
                )
    clock = "CPU time" if args.cpu_time else "wall clock"
    print(f"this: {THIS}\nother: {args.other}\nmedian of {args.rounds} rounds, {clock}\n")
    print(f"  {'workload':<40}{'this':>10}{'other':>10}{'this ÷ other':>14}")
    ok = True
    for workload in workloads:
        this = statistics.median(times[(workload, "this")])
        other = statistics.median(times[(workload, "other")])
        ratio = this / other
        ok &= ratio <= 1.0 + args.tolerance
        print(f"  {WORKLOADS[workload]:<40}{this:>10.3f}{other:>10.3f}{ratio:>13.2f}×")
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_child(sys.argv[2], "--cpu-time" in sys.argv)))
    else:
        raise SystemExit(main())
