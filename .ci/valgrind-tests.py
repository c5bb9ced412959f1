#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run the native tests of a ctest build tree under valgrind memcheck.

Selected: every test whose command is an executable built in the tree (the cmocka test programs,
examples, corpus replays) and every test labelled "lua" (the interpreter runs under valgrind).
Skipped: tests labelled python, install, header or abi (they run compilers, CMake or Python,
not libtier code) and tests labelled valgrind (they run under valgrind already, e.g. the
lua_*_valgrind variants of bindings/lua). A test fails on any memcheck error or a definite/indirect leak, or when it
runs longer than VALGRIND_TEST_TIMEOUT seconds (default 1500). Tests see TIER_UNDER_VALGRIND=1.

usage: valgrind-tests.py BUILD_DIR [JOBS]
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import time

SKIP_LABELS = {"python", "install", "header", "abi", "valgrind"}
VALGRIND = [
    "valgrind", "--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
    "--error-exitcode=99", "--track-fds=no", "--num-callers=30",
]
TIMEOUT = int(os.environ.get("VALGRIND_TEST_TIMEOUT", "1500"))


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def properties(test):
    props = {}
    for p in test.get("properties", []):
        props[p["name"]] = p["value"]
    return props


def select(build_dir):
    out = subprocess.run(["ctest", "--test-dir", build_dir, "--show-only=json-v1"],
                         check=True, capture_output=True, text=True).stdout
    build_dir = os.path.realpath(build_dir)
    chosen, skipped = [], []
    for test in json.loads(out)["tests"]:
        cmd = test.get("command") or []
        props = properties(test)
        labels = set(props.get("LABELS", []))
        if props.get("DISABLED") or not cmd:
            continue
        native = is_elf(cmd[0]) and os.path.realpath(cmd[0]).startswith(build_dir + os.sep)
        if labels & SKIP_LABELS or not (native or "lua" in labels):
            skipped.append(test["name"])
            continue
        chosen.append((test["name"], cmd, props.get("WORKING_DIRECTORY", build_dir),
                       props.get("ENVIRONMENT", [])))
    return chosen, skipped


def run(test, log_dir):
    name, cmd, cwd, environment = test
    env = dict(os.environ)
    # Lets a heavy test scale itself down under valgrind's ~30x slowdown.
    env["TIER_UNDER_VALGRIND"] = "1"
    for item in environment:
        key, _, value = item.partition("=")
        env[key] = value
    log = os.path.join(log_dir, name + ".log")
    start = time.monotonic()
    with open(log, "w") as f:
        try:
            rc = subprocess.run(VALGRIND + ["--log-fd=1"] + cmd, cwd=cwd, env=env, stdout=f,
                                stderr=subprocess.STDOUT, timeout=TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    return name, rc, time.monotonic() - start, log


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    build_dir = sys.argv[1]
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    log_dir = os.path.join(build_dir, "valgrind-logs")
    os.makedirs(log_dir, exist_ok=True)
    tests, skipped = select(build_dir)
    if not tests:
        print("valgrind: no native tests found in " + build_dir)
        return 1
    print("valgrind: %d tests (skipped, not native code: %s)" % (len(tests), " ".join(skipped) or "none"))
    passed, failed = 0, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for name, rc, secs, log in pool.map(lambda t: run(t, log_dir), tests):
            ok = rc == 0
            print("  %-55s %s  %6.1f s" % (name, "ok" if ok else "FAILED (%s)" % rc, secs), flush=True)
            if ok:
                passed += 1
            else:
                failed.append((name, log))
    for name, log in failed:
        print("---- %s: last lines of %s" % (name, log))
        with open(log, errors="replace") as f:
            lines = f.readlines()
        sys.stdout.writelines(lines[-80:])
    print("valgrind: %d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
