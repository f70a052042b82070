"""Entry point of the frozen bundle: the `haven` script (desktop with no subcommand, the
command line with one), so `Haven doctor` and `Haven --smoke-test` work on the bundle."""

import sys

from ui.__main__ import haven

if __name__ == "__main__":
    sys.exit(haven())
