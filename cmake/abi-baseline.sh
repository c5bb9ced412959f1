#!/bin/sh
# SPDX-License-Identifier: MIT
# The ABI baseline abi/libtier.abi (docs/abi-policy.md, "How it is checked").
#
#   sh cmake/abi-baseline.sh BUILD_DIR           writes abi/libtier.abi from BUILD_DIR/libtier.so
#   sh cmake/abi-baseline.sh --check BUILD_DIR   compares BUILD_DIR/libtier.so with the baseline
#
# BUILD_DIR is a gcc build with debug information (RelWithDebInfo, the CI suite's build, or
# Debug), not sanitized. The baseline keeps only what the public headers declare (--headers-dir
# include, private types dropped) and no absolute path, so it is the same from any checkout.
#
# The check, with abidiff's exit status a bit mask (1 error, 2 usage, 4 ABI change, 8 incompatible
# change):
#  1. abidiff --no-added-syms (changes to what the baseline has, with the suppressions of
#     abi/libtier.suppr when that file exists) must exit 0: any bit fails, 4 included, because
#     libabigail reports some incompatible changes (a struct's layout) with bit 4 alone;
#  2. abidiff with the added symbols may exit 0, or 4 when the newest section of CHANGELOG.md has
#     an **ABI:** line that speaks of additions; 1, 2 or 8 fail. The additions are printed.
# Exits 0 when the library passes, 1 when it does not, 2 on a usage error.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
baseline=$root/abi/libtier.abi
check=0
if [ "${1:-}" = "--check" ]; then
    check=1
    shift
fi
if [ $# -ne 1 ] || [ ! -f "$1/libtier.so" ]; then
    echo "usage: sh cmake/abi-baseline.sh [--check] BUILD_DIR (a build holding libtier.so)" >&2
    exit 2
fi
lib=$1/libtier.so
for tool in abidw abidiff; do
    command -v "$tool" >/dev/null || { echo "$tool not found (Debian: apt-get install abigail-tools)" >&2; exit 2; }
done

if [ "$check" -eq 0 ]; then
    mkdir -p "$root/abi"
    tmp=$baseline.tmp.$$
    trap 'rm -f "$tmp"' EXIT
    abidw --headers-dir "$root/include" --drop-private-types --drop-undefined-syms \
        --no-show-locs --no-corpus-path --no-comp-dir-path --type-id-style hash \
        --out-file "$tmp" "$lib"
    # Translation units are named by absolute path: keep them relative to the checkout, and the
    # generated one relative to the build folder.
    build=$(cd "$1" && pwd)
    sed -e "s|path='$build/|path='BUILD/|" -e "s|path='$root/|path='|" "$tmp" >"$baseline"
    echo "wrote abi/libtier.abi ($(grep -c '<elf-symbol ' "$baseline") symbols) from $lib"
    exit 0
fi

[ -f "$baseline" ] || { echo "no baseline: run sh cmake/abi-baseline.sh BUILD_DIR" >&2; exit 2; }
suppr=""
[ -f "$root/abi/libtier.suppr" ] && suppr="--suppressions $root/abi/libtier.suppr"
status=0
# shellcheck disable=SC2086
abidiff --no-added-syms $suppr --headers-dir1 "$root/include" --headers-dir2 "$root/include" \
    "$baseline" "$lib" || status=$?
if [ "$status" -ne 0 ]; then
    echo "FAILED: abidiff exit $status against abi/libtier.abi: the interface the baseline" \
        "records changed (1 error, 2 usage, 4 change, 8 incompatible change; see the report above" \
        "and docs/abi-policy.md)"
    exit 1
fi
status=0
# shellcheck disable=SC2086
report=$(abidiff $suppr --headers-dir1 "$root/include" --headers-dir2 "$root/include" \
    "$baseline" "$lib") || status=$?
case $status in
0)
    echo "ABI: the same as abi/libtier.abi"
    ;;
4)
    printf '%s\n' "$report"
    # The newest section: from the first "## " heading to the next one.
    abi_line=$(awk '/^## /{n++} n==1' "$root/CHANGELOG.md" | grep -i '^\*\*ABI:\*\*' || true)
    if printf '%s\n' "$abi_line" | grep -qiE 'addition|added'; then
        echo "ABI: symbols added since abi/libtier.abi, as CHANGELOG.md says: $abi_line"
    else
        echo "FAILED: symbols were added since abi/libtier.abi, but the newest section of" \
            "CHANGELOG.md has no **ABI:** line speaking of additions"
        exit 1
    fi
    ;;
*)
    printf '%s\n' "$report"
    echo "FAILED: abidiff exit $status reporting the added symbols"
    exit 1
    ;;
esac
