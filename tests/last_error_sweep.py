#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The last-error rule over the whole public API, checked by calling it.

Every handle with a ``tier_*_last_error()`` promises (include/tier/common.h): a call that takes the
handle writable and returns a failure leaves a message about *that* failure (or none), never the
text of an earlier one; a call that takes it writable and succeeds leaves no message; a call that
takes it read-only (``const``) never changes it. This script reads every ``TIER_API`` prototype of
include/tier/*.h, and for each function and each writable or read-only handle parameter it makes a
fresh handle, stains it with a known failure message, calls the function with that handle and
zero/NULL for every other parameter (the cheapest way to fail: most calls refuse a NULL), and
checks the message afterwards. Each call runs in a child process, so a crash is reported as one.

Usage: last_error_sweep.py LIBTIER_SO INCLUDE_DIR
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from ctypes import POINTER, byref, c_char_p, c_double, c_int, c_uint64, c_void_p
from typing import Any, Callable, Dict, List, Optional, Tuple

STAIN = b"stale message from an earlier call"

# Calls that are not probed: freeing (the handle is gone afterwards) and the error getters.
SKIP = re.compile(r"_free$|_last_error$")


def prototypes(include: str) -> List[Tuple[str, str, List[str]]]:
    """(name, return type, parameter declarations) of every TIER_API function."""
    out = []
    folder = os.path.join(include, "tier")
    for fname in sorted(os.listdir(folder)):
        if not fname.endswith(".h"):
            continue
        with open(os.path.join(folder, fname), encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        for m in re.finditer(r"TIER_API\s+([^;{]*?)\b(tier_\w+)\s*\(([^;]*?)\)\s*;", text, re.S):
            ret = m.group(1).replace("TIER_WARN_UNUSED_RESULT", "").strip()
            params = [p.strip() for p in split_params(m.group(3))]
            if params == ["void"]:
                params = []
            out.append((m.group(2), " ".join(ret.split()), params))
    return out


def split_params(s: str) -> List[str]:
    """Splits a parameter list at top-level commas (function pointer parameters nest)."""
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def handle_param(decl: str) -> Optional[Tuple[str, bool]]:
    """(handle kind, read-only) when `decl` is a `tier_<kind> *name` parameter, else None."""
    m = re.fullmatch(r"(const\s+)?tier_(\w+)\s*\*\s*\w*", " ".join(decl.split()))
    if not m:
        return None
    return m.group(2), bool(m.group(1))


def zero_arg(decl: str) -> object:
    """A zero of the parameter's type: NULL for pointers, 0.0 for floating point, else 0."""
    if "*" in decl or "(" in decl:
        return None
    if re.search(r"\b(double|float)\b", decl):
        return c_double(0.0)
    return c_uint64(0)


class Lib:
    """The library, with a maker and a stain for each handle kind."""

    def __init__(self, path: str) -> None:
        self.lib = ctypes.CDLL(path)

    def fn(self, name: str, restype: object = c_int) -> Callable[..., Any]:
        """The C function `name` returning `restype`."""
        f = getattr(self.lib, name)
        f.restype = restype
        return f  # type: ignore[no-any-return]

    def make(self, kind: str) -> Optional[int]:
        """A new handle of `kind` (its address), or None when the kind is not probed."""
        p = c_void_p()
        if kind == "model":
            rc = self.fn("tier_rfm_new")(byref(p), b"rfm", None)
        elif kind == "frame":
            rc = self.fn("tier_frame_new")(byref(p), ctypes.c_size_t(3), None)
        elif kind in MAKERS:
            rc = self.fn("tier_%s_new" % kind)(byref(p), None)
        else:
            return None
        if rc != 0 or not p.value:
            raise SystemExit("cannot make a %s (status %d)" % (kind, rc))
        return p.value

    def message(self, kind: str, h: int) -> bytes:
        got = self.fn("tier_%s_last_error" % kind, c_char_p)(c_void_p(h))
        return got if isinstance(got, bytes) else b""

    def stain(self, kind: str, h: int) -> None:
        """Leaves STAIN as the handle's message, through the handle's own failing call."""
        STAINS[kind](self, h)
        if self.message(kind, h) != STAIN:
            raise SystemExit("the stain of a %s did not take: %r" % (kind, self.message(kind, h)))


def stain_raw(kind: str) -> Callable[[Lib, int], None]:
    """Writes STAIN into the handle's error buffer (tier_*_last_error() gives its address): as if
    an earlier call had failed with that message."""

    def go(lib: Lib, h: int) -> None:
        buf = lib.fn("tier_%s_last_error" % kind, c_void_p)(c_void_p(h))
        if not buf:
            raise SystemExit("tier_%s_last_error gave NULL" % kind)
        ctypes.memmove(buf, STAIN + b"\0", len(STAIN) + 1)

    return go


MAKERS = ("book", "csv", "diff", "history", "pipeline", "policy", "record", "registry", "result",
          "sbg")
# Every kind of handle with a last error; a retier (made only by a run) is not probed itself.
KINDS = MAKERS + ("model", "frame", "retier")
STAINS: Dict[str, Callable[[Lib, int], None]] = {
    k: stain_raw(k) for k in MAKERS + ("model", "frame")}



def python_reporters(ffi_source: str) -> Dict[str, int]:
    """{function: the index of the parameter whose last error the Python binding shows}."""
    import ast

    out: Dict[str, int] = {}
    for node in ast.walk(ast.parse(ffi_source)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "declare"):
            continue
        if not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        for k in node.keywords:
            v = k.value
            if k.arg == "handle" and isinstance(v, ast.Constant) and v.value is not None:
                out[str(node.args[0].value)] = int(v.value)
    return out


def probe(lib: Lib, name: str, ret: str, params: List[str], made: List[int], reporter: int,
          shown: bool) -> str:
    """Calls `name` in a child with fresh stained handles for the parameters in `made` and zeros
    elsewhere; returns "" when the rule holds, else what went wrong."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: make, stain, call, report
        os.close(r)
        verdict = []
        try:
            handles: Dict[int, Tuple[str, bool, int]] = {}
            for i in made:
                hp = handle_param(params[i])
                assert hp is not None
                h = lib.make(hp[0])
                assert h is not None
                lib.stain(hp[0], h)
                handles[i] = (hp[0], hp[1], h)
            args = [c_void_p(handles[i][2]) if i in handles else zero_arg(p)
                    for i, p in enumerate(params)]
            f = getattr(lib.lib, name)
            f.restype = c_int if ret == "int" else c_void_p
            rc = f(*args) if ret == "int" else 0
            if ret != "int":
                f(*args)
            for i, (kind, readonly, h) in handles.items():
                msg = lib.message(kind, h)
                what = "parameter %d (%s%s)" % (i + 1, "const " if readonly else "", kind)
                if ret != "int" and i == reporter:
                    pass  # a getter of a value: a NULL or 0 answer may say why on the handle
                elif i == reporter:
                    if rc < 0 and msg == STAIN and (shown or not readonly):
                        verdict.append("failed (status %d) leaving the earlier message on %s"
                                       % (rc, what))
                    elif rc >= 0 and not readonly and msg:
                        verdict.append("succeeded leaving a message on %s: %r" % (what, msg))
                    elif rc >= 0 and readonly and msg != STAIN:
                        verdict.append("succeeded and wrote read-only %s: %r" % (what, msg))
                elif msg != STAIN and (readonly or msg):
                    verdict.append("changed the message of %s, which is not the one reporting"
                                   " (%s): %r" % (what, "none" if reporter < 0 else
                                                  "parameter %d" % (reporter + 1), msg))
        except BaseException as e:  # noqa: BLE001 (reported to the parent)
            verdict.append("raised %r" % e)
        os.write(w, "; ".join(verdict).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        data += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "crashed (signal %d)" % os.WTERMSIG(status)
    return data.decode()


def main(argv: List[str]) -> int:
    lib = Lib(argv[1])
    protos = prototypes(argv[2])
    with open(argv[3], encoding="utf-8") as f:
        py = python_reporters(f.read())
    probes = failures = 0
    for name, ret, params in protos:
        if SKIP.search(name):
            continue
        hs = [i for i, p in enumerate(params)
              if handle_param(p) is not None and handle_param(p)[0] in KINDS]  # type: ignore
        if not hs:
            continue
        writable = [i for i in hs if not handle_param(params[i])[1]]  # type: ignore[index]
        reporter = py.get(name, writable[0] if writable else hs[0])
        shown = name in py
        hs_made = [i for i in hs if handle_param(params[i])[0] in STAINS]  # type: ignore[index]
        if not hs_made:
            continue
        cases = [hs_made] + ([[i] for i in hs_made] if len(hs_made) > 1 else [])
        for made in cases:
            probes += 1
            why = probe(lib, name, ret, params, made, reporter, shown)
            if why:
                failures += 1
                print("FAIL %s with handles at %s: %s" % (name, [i + 1 for i in made], why))
    print("%d calls probed, %d broke the last-error rule" % (probes, failures))
    if probes < 150:
        print("too few calls found: the prototype reader is broken")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
