"""``python -m openf1_replay``: run the OpenF1 replay server (see ``--help``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
