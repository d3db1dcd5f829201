"""``python -m scheduler`` runs the ``newswatch`` command line."""

import sys

from scheduler.cli import main

sys.exit(main())
