#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks that the C sources follow .clang-format, without changing any file:
# `clang-format --dry-run --Werror` over every .c and .h file under src/, include/, tests/,
# examples/ and bindings/. Prints each file that would change and how many, and exits 1 if any
# would; exits 77 (skipped) when clang-format is not installed, 2 on a usage error.
#   bash cmake/check-format.sh [--list] [FILE...]
#     --list   print only the names of the files that would change
#     FILE...  check these files instead of the whole tree
# Environment: CLANG_FORMAT (default: clang-format). The house style was tuned with
# clang-format 14 (Debian 12); other versions may disagree on details.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CF=${CLANG_FORMAT:-clang-format}
list_only=0
if [ "${1:-}" = "--list" ]; then
    list_only=1
    shift
fi
case "${1:-}" in -*) echo "usage: $0 [--list] [FILE...]" >&2; exit 2 ;; esac

if ! command -v "$CF" >/dev/null 2>&1; then
    echo "check-format: $CF not found (apt-get install clang-format); skipped"
    exit 77
fi
if [ ! -f "$ROOT/.clang-format" ]; then
    echo "check-format: no .clang-format at $ROOT" >&2
    exit 2
fi

cd "$ROOT"
files=()
if [ $# -gt 0 ]; then
    files=("$@")
elif git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked and new (not ignored) files, so build trees and generated files stay out.
    while IFS= read -r f; do
        [ -f "$f" ] && files+=("$f")
    done < <(git ls-files --cached --others --exclude-standard -- \
        'src/*.c' 'src/*.h' 'include/*.h' 'tests/*.c' 'tests/*.h' 'examples/*.c' 'examples/*.h' \
        'bindings/*.c' 'bindings/*.h' | sort -u)
else
    while IFS= read -r f; do
        files+=("$f")
    done < <(find src include tests examples bindings -type f \( -name '*.c' -o -name '*.h' \) \
        -not -path '*/node_modules/*' 2>/dev/null | sort)
fi

# examples/quickstart.c is the README's 20-line quick start, kept compact on purpose and checked
# verbatim against the README by the ctest readme_example_is_quickstart_c.
EXCLUDE=" examples/quickstart.c "
bad=()
for f in "${files[@]}"; do
    case "$EXCLUDE" in *" ${f#"$ROOT"/} "*) continue ;; esac
    if ! "$CF" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
        bad+=("$f")
    fi
done

if [ "$list_only" -eq 1 ]; then
    [ ${#bad[@]} -gt 0 ] && printf '%s\n' "${bad[@]}"
else
    for f in "${bad[@]}"; do
        n=$("$CF" --style=file "$f" | diff "$f" - | grep -c '^[<>]' || true)
        echo "would reformat: $f ($n diff lines)"
    done
    echo "check-format: ${#bad[@]} of ${#files[@]} files differ from .clang-format" \
        "($("$CF" --version | head -n 1))"
    if [ ${#bad[@]} -gt 0 ]; then
        echo "to apply: $CF -i --style=file <files> (one commit, formatting only)"
    fi
fi
[ ${#bad[@]} -eq 0 ]
