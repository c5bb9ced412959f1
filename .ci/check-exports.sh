#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ABI gate on a built libtier.so:
#  1. the dynamic symbols it defines are exactly the names listed in the version script, all tier_*,
#     each bound to a LIBTIER_* version node;
#  2. its SONAME is libtier.so.<MAJOR>;
#  3. it imports nothing that prints, exits or aborts (library code must never do that).
# Usage: check-exports.sh LIBTIER_SO LIBTIER_MAP MAJOR [--allow-runtime-imports]
# (--allow-runtime-imports skips 3 for coverage builds, whose gcov runtime prints and aborts.)
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 LIBTIER_SO LIBTIER_MAP MAJOR [--allow-runtime-imports]" >&2
    exit 2
fi
so=$1 map=$2 major=$3
check_imports=1
[ "${4:-}" = "--allow-runtime-imports" ] && check_imports=0

fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Names in the "global:" parts of the version script (comments and "local: *;" ignored).
sed -e 's,/\*.*\*/,,g' "$map" | awk '
    /global:/ { g = 1; next }
    /local:/  { g = 0; next }
    /}/       { g = 0; next }
    g { gsub(/[ \t;]/, ""); if ($0 != "") print }' | sort -u >"$tmp/map"

# Defined dynamic symbols, without the version node names themselves (type A).
nm -D --defined-only --with-symbol-versions "$so" | awk '$2 != "A" { print $3 }' >"$tmp/nm"
sed -e 's/@.*//' "$tmp/nm" | sort -u >"$tmp/exported"

if ! diff -u "$tmp/map" "$tmp/exported" >"$tmp/diff"; then
    echo "FAIL: exported symbols differ from $map (- only in the map, + only in the .so):"
    sed -n '3,$p' "$tmp/diff" | grep '^[-+]' || true
    fail=1
fi
if grep -v '^tier_' "$tmp/exported" >"$tmp/bad"; then
    echo "FAIL: exported symbols that do not start with tier_:"
    cat "$tmp/bad"
    fail=1
fi
if grep -v '@@\?LIBTIER_' "$tmp/nm" >"$tmp/unversioned"; then
    echo "FAIL: exported symbols without a LIBTIER_* version:"
    cat "$tmp/unversioned"
    fail=1
fi

soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" != "libtier.so.$major" ]; then
    echo "FAIL: SONAME is '$soname', want libtier.so.$major"
    fail=1
fi

if [ "$check_imports" = 1 ]; then
    forbidden='abort exit _exit _Exit quick_exit printf vprintf puts fprintf vfprintf perror putchar
        fputs __printf_chk __fprintf_chk __vprintf_chk __vfprintf_chk __assert_fail'
    nm -D --undefined-only "$so" | awk '{ print $NF }' | sed -e 's/@.*//' | sort -u >"$tmp/imports"
    for sym in $forbidden; do
        if grep -qx "$sym" "$tmp/imports"; then
            echo "FAIL: libtier imports $sym (library code must not print, exit or abort)"
            fail=1
        fi
    done
fi

count=$(wc -l <"$tmp/exported")
if [ "$fail" = 0 ]; then
    echo "exports OK: $count tier_* symbols match $(basename "$map"), SONAME $soname"
fi
exit "$fail"
