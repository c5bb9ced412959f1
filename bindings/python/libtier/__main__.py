# SPDX-License-Identifier: MIT
"""``python3 -m libtier run|fit clv|clv|version|help ...``: the ``tier`` command (libtier.cli)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
