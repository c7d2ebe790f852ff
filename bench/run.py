"""Run every benchmark (``make bench``): python bench/run.py"""

from __future__ import annotations

import bench_engine


def main() -> int:
    return bench_engine.main()


if __name__ == "__main__":
    raise SystemExit(main())
