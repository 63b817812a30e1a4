"""``python -m jolpica_replay``: run the Jolpica-F1 replay server (see ``--help``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
