"""``python -m galton.run [--data NAME=SOURCE] script.py [args...]`` (as ``galton run``)."""
import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
