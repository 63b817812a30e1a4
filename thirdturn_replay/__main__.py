"""``python -m thirdturn_replay``: run the replay of The Third Turn's wiki (see ``--help``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
