"""``python -m dashboard.cli`` runs the ``iop`` command line."""

from dashboard.cli import main

main()
