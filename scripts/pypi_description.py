"""Write docs/PYPI.md: the README as the package index shows it, without the pictures.

The README's pictures are files in this repository (docs/images/...); on the package index
page such relative links would not resolve, so every paragraph or table holding one is left
out, and a link to a lesson notebook is left as its text. `--check` exits 1 if docs/PYPI.md is
not what this script would write.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DESCRIPTION = ROOT / "docs" / "PYPI.md"


# A link to a file of the repository, [text](path): on the index page it would not resolve.
RELATIVE_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\((?![a-z]+:|#)[^)\s]+\)")


def description(readme: str) -> str:
    """The README's blocks (text between blank lines), minus those with a relative image,
    and its links to files of the repository as plain text (the lesson notebooks)."""
    blocks = readme.split("\n\n")
    kept = [RELATIVE_LINK.sub(r"\1", block) for block in blocks if "](docs/" not in block]
    return "\n\n".join(kept)


def main(argv: list[str]) -> int:
    text = description(README.read_text(encoding="utf-8"))
    if "--check" in argv:
        current = DESCRIPTION.read_text(encoding="utf-8") if DESCRIPTION.exists() else ""
        if current != text:
            print(f"{DESCRIPTION} is out of date: run python scripts/pypi_description.py")
            return 1
        return 0
    DESCRIPTION.write_text(text, encoding="utf-8")
    print(f"wrote {DESCRIPTION}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
