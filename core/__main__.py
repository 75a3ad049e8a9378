"""``python -m core …`` — see :mod:`core.cli`."""

from core.cli import main

main()
