#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the layering rule of docs/architecture.md over the #include lines of src/.

The folders under src/ are layers, lowest first:

    util < core < io < models < policy < history < pipeline < cli

A source file may include headers of its own layer, of a lower layer, and the public headers
under include/. It must never include a header of a higher layer. Every violation is printed as
`FILE:LINE: ...` naming the include, and the script exits 1. A layer missing from the tree is
fine; a folder under src/ that is not a layer is an error (add it to LAYERS and to
docs/architecture.md). Source files over MAX_LINES lines are reported as warnings only.

Usage: check-layers.py [--root DIR] [--max-lines N] [--quiet]
    --root DIR     the repository to check (default: the one this script lives in)
Standard library only; runs on any Python 3.
"""

import argparse
import os
import re
import sys

LAYERS = ["util", "core", "io", "models", "policy", "history", "pipeline", "cli"]
MAX_LINES = 1000
SOURCE_SUFFIXES = (".c", ".h")
INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"')


def strip_comments(text):
    """Blanks out C comments (keeping newlines) so a commented-out #include is not read.

    String and character literals are skipped so that "/*" inside them opens nothing."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif c == "/" and i + 1 < n and text[i + 1] == "/":
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def layer_of(rel):
    """The layer of a path relative to src/ ("core/book.c" -> "core"); None at the top of src/."""
    parts = rel.replace(os.sep, "/").split("/")
    return parts[0] if len(parts) > 1 else None


def resolve(root, src_dir, including, name):
    """Where an include points: ("src", path relative to src/), ("public", path) or (None, name).

    Tried in the compiler's order for quoted includes: the including file's folder, then the
    include paths of the build (src/ and include/)."""
    candidates = [
        os.path.normpath(os.path.join(os.path.dirname(including), name)),
        os.path.normpath(os.path.join(src_dir, name)),
    ]
    for path in candidates:
        if os.path.isfile(path):
            rel = os.path.relpath(path, src_dir)
            if not rel.startswith(".."):
                return "src", rel
            return "outside", os.path.relpath(path, root)
    if os.path.isfile(os.path.join(root, "include", name)):
        return "public", name
    return None, name


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(here))
    ap.add_argument("--max-lines", type=int, default=MAX_LINES)
    ap.add_argument("--quiet", action="store_true", help="print only problems")
    args = ap.parse_args(argv)

    root = os.path.abspath(args.root)
    src_dir = os.path.join(root, "src")
    if not os.path.isdir(src_dir):
        print("check-layers: %s has no src/ folder" % root, file=sys.stderr)
        return 2
    rank = {name: i for i, name in enumerate(LAYERS)}
    errors, warnings = [], []
    files = includes = 0

    for dirpath, dirnames, filenames in os.walk(src_dir):
        dirnames.sort()
        for fname in sorted(filenames):
            if not fname.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.join(dirpath, fname)
            rel = os.path.relpath(path, src_dir)
            shown = "src/" + rel.replace(os.sep, "/")
            layer = layer_of(rel)
            files += 1
            if layer is None:
                errors.append("%s: a source file at the top of src/ belongs to no layer; "
                              "move it into one of src/{%s}/" % (shown, ",".join(LAYERS)))
                continue
            if layer not in rank:
                errors.append("%s: src/%s/ is not a layer (known, lowest first: %s); add it to "
                              "LAYERS in .ci/check-layers.py and to docs/architecture.md"
                              % (shown, layer, " < ".join(LAYERS)))
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            nlines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
            if nlines > args.max_lines:
                warnings.append("%s: %d lines (over %d: split it by topic when you next touch it)"
                                % (shown, nlines, args.max_lines))
            for lineno, line in enumerate(strip_comments(text).split("\n"), 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                includes += 1
                name = m.group(1)
                kind, target = resolve(root, src_dir, path, name)
                if kind == "public":
                    continue
                if kind == "outside":
                    errors.append('%s:%d: #include "%s" reaches outside src/ (%s); include public '
                                  "headers by their name under include/" % (shown, lineno, name,
                                                                              target))
                    continue
                if kind is None:
                    # Not in the tree (yet): judge it by its first folder, if it names one.
                    target = name
                tlayer = layer_of(target)
                if tlayer is None or tlayer not in rank:
                    if kind is None:
                        warnings.append('%s:%d: #include "%s" is not found under src/ or include/'
                                        % (shown, lineno, name))
                    continue
                if rank[tlayer] > rank[layer]:
                    errors.append('%s:%d: #include "%s": layer %s includes the higher layer %s '
                                  "(a lower layer never includes a higher one: %s; "
                                  "docs/architecture.md)"
                                  % (shown, lineno, name, layer, tlayer, " < ".join(LAYERS)))

    for w in warnings:
        print("warning: " + w)
    for e in errors:
        print("error: " + e)
    if not args.quiet or errors:
        print("check-layers: %d files, %d includes, %d errors, %d warnings (layers: %s)"
              % (files, includes, len(errors), len(warnings), " < ".join(LAYERS)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
