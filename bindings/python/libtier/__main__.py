# SPDX-License-Identifier: MIT
"""``python3 -m libtier run ...`` (see libtier.cli)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
