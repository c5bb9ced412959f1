#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The nightly CRM job (examples/crm_nightly) as a user builds and runs it: libtier installed into a
# temporary prefix (cmake --install), the job built against that prefix with find_package(libtier)
# and with its Makefile (pkg-config), then the nightly scenario of tests/crm_nightly_scenario.py:
# init, run 1, new invoices, a run that fails half way (nothing changes), run 2 with migrations,
# run 3 with nothing new (nothing moves), every run compared with the installed `tier` command on
# the same data exported as CSV.
#   usage: crm_nightly_test.sh BUILD_DIR SOURCE_DIR C_COMPILER [EXTRA_FLAGS]
set -uo pipefail
build=$1
src=$2
cc=$3
extra=${4:-}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prefix=$work/prefix
step() {
    local what=$1
    shift
    if "$@" >"$work/step.log" 2>&1; then
        pass=$((pass + 1))
    else
        cat "$work/step.log"
        failed "$what"
        finish "crm_nightly"
    fi
}

step "install libtier into $prefix" cmake --install "$build" --prefix "$prefix"
libdir=$(dirname "$(find "$prefix" -name libtier.pc | head -n 1)")
libdir=${libdir%/pkgconfig}

# find_package(libtier) build, warnings as errors.
step "configure examples/crm_nightly with find_package" cmake -S "$src/examples/crm_nightly" \
    -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    "-DCMAKE_C_FLAGS=-Wall -Wextra -Wpedantic -Werror $extra" "-DCMAKE_EXE_LINKER_FLAGS=$extra"
step "build with find_package" cmake --build "$work/cmake-build"
check "find_package picked the installed package" \
    grep -q "^libtier_DIR:PATH=$prefix" "$work/cmake-build/CMakeCache.txt"

# pkg-config build with the example's Makefile, out of the source tree.
mkdir -p "$work/make-build"
cp "$src/examples/crm_nightly/crm_nightly.c" "$src/examples/crm_nightly/Makefile" "$work/make-build/"
step "build with the Makefile (pkg-config)" make -C "$work/make-build" CC="$cc" \
    PKG_CONFIG_PATH="$libdir/pkgconfig" "CFLAGS=-O2 -Wall -Wextra -Wpedantic -Werror $extra" \
    "LDFLAGS=$extra"
check "the pkg-config build links libtier.so.0 dynamically" \
    bash -c "readelf -d '$work/make-build/crm_nightly' | grep -q 'NEEDED.*libtier.so.0'"

export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
step "the nightly scenario" "$py" "$src/tests/crm_nightly_scenario.py" \
    --job "$work/cmake-build/crm_nightly" --job-make "$work/make-build/crm_nightly" \
    --tier "$prefix/bin/tier" --policy "$prefix/share/libtier/policies/b2b-full.policy" \
    --data "$src/examples/data" --work "$work/scenario"
cat "$work/step.log"
finish "crm_nightly"
