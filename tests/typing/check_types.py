"""Type-check user code against microgradx's annotations with ``mypy --strict``.

1. ``user_code.py`` (the README's examples and everyday use) must pass with no errors.
2. ``misuse.py`` must fail exactly where its ``# error: <code>`` comments say: every expected
   error is reported, and nothing else is.

Run by ``make test``; exits 1 and says what differed otherwise.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from mypy import api

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "mypy.ini"
ERROR_LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<message>.*)\[(?P<code>[\w-]+)\]$"
)
MARKER = re.compile(r"# error: (?P<codes>[a-z-]+(?: [a-z-]+)*)$")


def mypy_errors(path: Path) -> tuple[list[tuple[int, str, str]], str]:
    """(line, code, message) of every error mypy --strict reports in ``path``, and its output."""
    stdout, stderr, _ = api.run(["--config-file", str(CONFIG), "--no-incremental", str(path)])
    errors = []
    for text in stdout.splitlines():
        match = ERROR_LINE.match(text.strip())
        if match and Path(match["file"]).resolve() == path:
            errors.append((int(match["line"]), match["code"], match["message"].strip()))
    return errors, stdout + stderr


def expected_errors(path: Path) -> Counter[tuple[int, str]]:
    expected: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        marker = MARKER.search(line)
        if marker:
            expected.update((number, code) for code in marker["codes"].split())
    return expected


def main() -> int:
    problems = []
    user_code = HERE / "user_code.py"
    errors, output = mypy_errors(user_code)
    if errors or "Success" not in output:
        problems.append(f"mypy --strict found errors in {user_code.name}:\n{output}")

    misuse = HERE / "misuse.py"
    errors, output = mypy_errors(misuse)
    expected = expected_errors(misuse)
    got = Counter((line, code) for line, code, _ in errors)
    for (line, code), count in sorted((expected - got).items()):
        problems.append(f"{misuse.name}:{line}: expected {count} [{code}] error(s), got fewer")
    for line, code in sorted(got - expected):
        messages = [m for n, c, m in errors if (n, c) == (line, code)]
        problems.append(f"{misuse.name}:{line}: unexpected [{code}] error: {messages[0]}")
    if not expected:
        problems.append(f"{misuse.name} expects no errors: the check would prove nothing")

    if problems:
        print("\n".join(problems))
        return 1
    print(
        f"mypy --strict: {user_code.name} passes; {misuse.name} fails on each of its "
        f"{sum(expected.values())} marked mistakes and nowhere else"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
