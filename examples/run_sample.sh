#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# First run on a fresh Debian/Ubuntu machine: installs the build tools if they are missing,
# builds libtier and the `tier` CLI (Release, no tests) in build-sample/, tiers the CDNOW purchase
# log with the built-in S/A/B/C policy and shows the first rows of tiers.csv. It has a build
# directory of its own so that the README's "building by hand" (tests on, in build/) starts afresh.
#   bash examples/run_sample.sh
set -euo pipefail

cd "$(dirname "$0")/.."

missing=()
for tool in cmake gcc make; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "run_sample.sh: need ${missing[*]}; not root and no sudo to install them" >&2
            exit 1
        fi
        sudo=sudo
    fi
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y cmake gcc make
fi

echo "== building libtier and the tier CLI in build-sample/"
cmake -S . -B build-sample -DCMAKE_BUILD_TYPE=Release -DTIER_BUILD_TESTS=OFF
cmake --build build-sample --parallel "$(nproc 2>/dev/null || echo 2)"

echo "== tiering examples/data/CDNOW_master.txt into tiers.csv"
build-sample/tier run --input examples/data/CDNOW_master.txt --out tiers.csv

echo "== first rows of tiers.csv"
head -n 10 tiers.csv
