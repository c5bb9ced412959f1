#!/bin/sh
# SPDX-License-Identifier: MIT
# The Python package as a user installs it (docs/python.md): `cmake --install` (components runtime
# and python) into a temporary prefix, and `pip install --no-build-isolation` of a copy of
# bindings/python into a target directory; each imported by every given interpreter from a clean
# environment (env -i: no PYTHONPATH, no LIBTIER_PATH), run from the install's site directory.
# usage: python-install.sh BUILD_DIR SOURCE_DIR PYTHON...
set -eu
build=$1 src=$2
shift 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tier-pyinstall.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

check='
import os, sys, libtier
assert libtier.__file__.startswith(os.getcwd()), libtier.__file__
book = libtier.Book()
book.add_txn("a", "2024-01-02", 10.0)
book.add_txn("b", "2024-01-03", 5.0)
with libtier.run(book) as r:
    assert len(r) == 2, len(r)
try:
    libtier.Book().read_csv_text("x\n")
except libtier.Error as exc:
    assert exc.status < 0 and exc.status.name.startswith("TIER_E"), exc
want = os.environ.get("WANT_LIB")
assert want is None or libtier._ffi.lib._name == want, (libtier._ffi.lib._name, want)
print(sys.version.split()[0], libtier.__version__, libtier._ffi.lib._name)
'

cmake --install "$build" --prefix "$tmp/prefix" --component runtime >/dev/null
cmake --install "$build" --prefix "$tmp/prefix" --component python >/dev/null
site=$(find "$tmp/prefix" -name _config.py -path '*/libtier/*' | head -n 1)
[ -n "$site" ] || { echo "cmake --install wrote no libtier/_config.py" >&2; exit 1; }
site=$(dirname "$(dirname "$site")")
grep -q "LIBRARY = '$tmp/prefix/" "$site/libtier/_config.py" || {
  echo "_config.py names another library:" >&2; cat "$site/libtier/_config.py" >&2; exit 1; }
installed=$(sed -n "s/^LIBRARY = '\(.*\)'$/\1/p" "$site/libtier/_config.py")
[ -f "$installed" ] || { echo "the installed library $installed is missing" >&2; exit 1; }
[ -f "$site/libtier/py.typed" ] || { echo "py.typed is not installed" >&2; exit 1; }
for py in "$@"; do
  echo "cmake --install, $py:"
  (cd "$site" && env -i PATH=/usr/bin:/bin HOME="$tmp" WANT_LIB="$installed" "$py" -c "$check")
  # LIBTIER_PATH still wins over the installed path; a wrong one is an ImportError naming it.
  if (cd "$site" && env -i PATH=/usr/bin:/bin HOME="$tmp" LIBTIER_PATH=/nonexistent/libtier.so.0 \
      "$py" -c 'import libtier' 2>"$tmp/err"); then
    echo "a wrong LIBTIER_PATH fell back to another library" >&2; exit 1
  fi
  grep -q "ImportError: libtier: cannot load LIBTIER_PATH=/nonexistent/libtier.so.0" "$tmp/err" || {
    cat "$tmp/err" >&2; exit 1; }
  lib=$(find "$build" -maxdepth 1 -name 'libtier.so.0' | head -n 1)
  (cd "$site" && env -i PATH=/usr/bin:/bin HOME="$tmp" LIBTIER_PATH="$lib" WANT_LIB="$lib" \
    "$py" -c "$check")
done

# pip, from a copy (the build writes into the source tree), without network or build isolation.
if /usr/bin/python3 -c 'import setuptools, wheel' 2>/dev/null; then
  cp -R "$src/bindings/python" "$tmp/src"
  rm -f "$tmp/src/libtier/_config.py"
  /usr/bin/python3 -m pip install --quiet --no-build-isolation --no-deps --no-index \
    --disable-pip-version-check --root-user-action=ignore --no-cache-dir --target "$tmp/pip" "$tmp/src"
  [ -f "$tmp/pip/libtier/py.typed" ] || { echo "pip did not install py.typed" >&2; exit 1; }
  for py in "$@"; do
    echo "pip --target, $py (the library where the system loader finds it):"
    (cd "$tmp/pip" && env -i PATH=/usr/bin:/bin HOME="$tmp" \
      LD_LIBRARY_PATH="$(dirname "$installed")" "$py" -c "$check")
  done
else
  echo "pip install skipped: python3-setuptools or python3-wheel is missing"
fi
