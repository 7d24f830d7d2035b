"""``python -m kesu.docparse PATH``."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
