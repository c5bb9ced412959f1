#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's C example is examples/quickstart.c, verbatim.
set -eu
root=$1
awk '/^This is `examples\/quickstart.c`/ { armed = 1 }
     armed && /^```c$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$root/README.md" | diff -u "$root/examples/quickstart.c" - \
    && echo "1 passed, 0 failed"
