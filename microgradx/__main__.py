"""`python -m microgradx` runs the `microgradx` command."""

try:
    from microgradx.cli import main
except KeyboardInterrupt:  # Ctrl-C while starting up: stop as the command would, quietly
    raise SystemExit(130) from None

raise SystemExit(main())
