"""``python -m typelens.cli``: the same as the ``typelens`` command."""

from .main import main

main()
