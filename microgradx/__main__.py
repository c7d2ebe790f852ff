"""`python -m microgradx` runs the `microgradx` command."""

from microgradx.cli import main

raise SystemExit(main())
