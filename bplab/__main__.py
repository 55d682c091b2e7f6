"""``python -m bplab``: the ``bplab`` command (see bplab/cli.py), for when it is not on PATH."""
from .cli import main

raise SystemExit(main())
