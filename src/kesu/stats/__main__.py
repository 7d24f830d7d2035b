"""`python -m kesu.stats survey_estimate ...` (the command name is optional)."""

import sys

from .cli import main

if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["survey_estimate"]:
        arguments = arguments[1:]
    sys.exit(main(arguments))
