"""Where a moons step's time goes, per node of micrograd's two-input graph (~66,000 nodes).

    python bench/where_time_goes.py                     # this checkout
    PYTHONPATH=/tmp/baseline python bench/where_time_goes.py   # another one

One training step of ``bench_engine``'s moons workload, split into its parts and divided by
the number of nodes:

- build: the forward pass that makes the nodes (collector off), ns per node;
- topological order and the backward loop (collector off), ns per node;
- the collector: with it on, the time spent inside collections (``gc.callbacks``), per node,
  and how many collections of each generation a step triggers;
- objects the collector tracks per node (``gc.get_objects()`` before and after the build);
- bytes per node held by the live graph (``tracemalloc``).

Median of ``--rounds`` steps; CPU time of this process (``--wall`` for wall clock).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_engine as B

import microgradx
from microgradx.engine import topological_order


def step_parts(clock) -> dict[str, float]:
    """One step, collector off: seconds in build, topological order, backward."""
    kit, model, params, nary = B.make_model("microgradx", False)
    X, y = B.make_moons()
    gc.collect()
    gc.disable()
    try:
        a = clock()
        total = B.moons_loss(model, params, kit, X, y, nary)
        b = clock()
        order = topological_order(total)
        c = clock()
        total.backward()  # its own topological order, then the loop
        d = clock()
    finally:
        gc.enable()
    nodes = len(order)
    return {
        "nodes": nodes,
        "build": (b - a) / nodes,
        "topological order": (c - b) / nodes,
        "backward loop": ((d - c) - (c - b)) / nodes,
    }


def collector_share(clock, steps: int = 4) -> dict[str, float]:
    """``steps`` consecutive steps with the collector on: time inside collections per step."""
    kit, model, params, nary = B.make_model("microgradx", False)
    X, y = B.make_moons()
    gc.collect()
    inside, counts, started = [0.0], [0, 0, 0], [0.0]

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = clock()
        else:
            inside[0] += clock() - started[0]
            counts[info["generation"]] += 1

    gc.callbacks.append(callback)
    try:
        begin = clock()
        for k in range(steps):
            total = B.moons_loss(model, params, kit, X, y, nary)
            kit.zero_grad(params)
            total.backward()
            kit.sgd(params, 1.0 - 0.9 * k / 100)
        elapsed = clock() - begin
    finally:
        gc.callbacks.remove(callback)
    nodes = len(topological_order(total))
    return {
        "step": elapsed / steps / nodes,
        "collector": inside[0] / steps / nodes,
        "gen0": counts[0] / steps,
        "gen1": counts[1] / steps,
        "gen2": counts[2] / steps,
    }


def tracked_and_bytes() -> tuple[float, float]:
    """Objects the collector tracks, and bytes held, per node of one live graph."""
    kit, model, params, nary = B.make_model("microgradx", False)
    X, y = B.make_moons()
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        tracemalloc.start()
        start_bytes = tracemalloc.get_traced_memory()[0]
        total = B.moons_loss(model, params, kit, X, y, nary)
        total.backward()
        held = tracemalloc.get_traced_memory()[0] - start_bytes
        tracemalloc.stop()
        nodes = len(topological_order(total))
        tracked = len(gc.get_objects()) - before - 1  # (minus get_objects' own list)
    finally:
        gc.enable()
    return tracked / nodes, held / nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--wall", action="store_true", help="wall clock instead of CPU time")
    args = parser.parse_args()
    clock = time.perf_counter if args.wall else time.process_time
    parts = [step_parts(clock) for _ in range(args.rounds)]
    shares = [collector_share(clock) for _ in range(args.rounds)]
    tracked, per_node_bytes = tracked_and_bytes()
    ns = 1e9
    print(f"microgradx from {Path(microgradx.__file__).parent}")
    print(f"{parts[0]['nodes']:,} nodes; median of {args.rounds}; ns per node")
    for key in ("build", "topological order", "backward loop"):
        print(
            f"  {key + ' (collector off)':<40}{statistics.median(p[key] for p in parts) * ns:8.0f}"
        )
    step = statistics.median(s["step"] for s in shares)
    inside = statistics.median(s["collector"] for s in shares)
    print(f"  {'whole step, collector on':<40}{step * ns:8.0f}")
    print(f"  {'  of which inside collections':<40}{inside * ns:8.0f}   ({inside / step:.0%})")
    gens = "/".join(
        f"{statistics.median(s[g] for s in shares):.1f}" for g in ("gen0", "gen1", "gen2")
    )
    print(f"  {'collections per step (gen 0/1/2)':<40}{gens:>8}")
    print(f"  {'objects tracked by the collector':<40}{tracked:8.2f}")
    print(f"  {'bytes held (tracemalloc)':<40}{per_node_bytes:8.0f}")


if __name__ == "__main__":
    main()
