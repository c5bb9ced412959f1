# SPDX-License-Identifier: MIT
"""The constants the binding copies by hand from the C headers have the headers' values.

ctypes cannot read a header, so libtier/_ffi.py (and a few other modules) repeat enum values and
#defines of include/tier/*.h. This test parses the headers itself (enums, integer and string
#defines) and compares every copy with its original, naming each one that differs. A new
upper-case constant in _ffi.py must either be named after its C original (NAME for TIER_NAME) or
be listed below, so that nothing is copied without being checked.
"""

import ast
import glob
import os
import re
import unittest

import _support

from libtier import _ffi, dates, result

INCLUDE = os.path.join(_support.ROOT, "include")

# _ffi integers whose C name is not TIER_ + their own name.
RENAMED = {"ABI_MAJOR": "TIER_VERSION_MAJOR"}

# Versions of structures the binding builds itself: the library accepts any version from 1 up to
# its own, so the binding's may be older than the header's, never newer.
VERSION_AT_MOST = {"MODEL_VTABLE_VERSION": "TIER_MODEL_VTABLE_VERSION",
                   "EXECUTOR_VERSION": "TIER_EXECUTOR_VERSION"}

# _ffi dicts {python key: value}: how a key becomes its C name.
DICTS = {
    "BOOK_STATS": "TIER_BOOK_STAT_{}",
    "NEEDS_OPTIONS": "TIER_NEEDS_OPT_{}",
    "NEEDS_STATS": "TIER_NEEDS_STAT_{}",
    "CLV_OPTIONS": "TIER_CLV_OPT_{}",
    "CLV_STATS": "TIER_CLV_STAT_{}",
    "SBG_STATS": "TIER_SBG_STAT_{}",
    "CLV_SUBMODELS": "TIER_CLV_{}",
    "CLV_PURCHASE_MODELS": {"bgnbd": "TIER_CLV_BGNBD", "pnbd": "TIER_CLV_PARETO_NBD"},
    "LIFECYCLE_OPTIONS": "TIER_LIFECYCLE_OPT_{}",
    "LIFECYCLE_ATTRIBUTES": "TIER_LIFECYCLE_ATTR_{}",
    "SCORECARD_NORMS": "TIER_SCORECARD_NORM_{}",
    "SCORECARD_DIRECTIONS": {"higher": "TIER_SCORECARD_HIGHER_IS_BETTER",
                             "lower": "TIER_SCORECARD_LOWER_IS_BETTER"},
    "SCORECARD_MISSING": "TIER_SCORECARD_MISSING_{}",
    "SCORECARD_GROUPS": "TIER_SCORECARD_{}",
    "OUTPUT_FORMATS": "TIER_OUTPUT_{}",
    "EXPLAIN_FORMATS": "TIER_EXPLAIN_{}",
    "LEDGER_FORMATS": "TIER_LEDGER_{}",
    "ENTITLEMENT_TYPES": "TIER_ENTITLEMENT_{}",
    "OPTION_TYPES": "TIER_OPTION_{}",
    "OPS": {"<": "TIER_OP_LT", "<=": "TIER_OP_LE", "==": "TIER_OP_EQ", "!=": "TIER_OP_NE",
            ">=": "TIER_OP_GE", ">": "TIER_OP_GT"},
}

# _ffi sequences whose position is the C value: (C name pattern or {item: C name}, value of the
# first item, C name of the count or None).
SEQUENCES = {
    "LIFECYCLE_STAGES": ("TIER_LIFECYCLE_{}", 0, None),
    "LIFECYCLE_ONBOARDING": ({"handover": "TIER_LIFECYCLE_HANDOVER",
                              "internal_rollout": "TIER_LIFECYCLE_INTERNAL_ROLLOUT",
                              "stable_use": "TIER_LIFECYCLE_STABLE_USE",
                              "none": "TIER_LIFECYCLE_ONBOARDING_NONE"}, 0, None),
    "CLV_HOLDOUT_STATS": ("TIER_CLV_HOLDOUT_{}", 1, "TIER_CLV_HOLDOUT_COUNT"),
}

# Upper-case _ffi names that are not copies of a header constant, and why.
NOT_FROM_HEADERS = {
    "CLV_PARAM_NAMES": "parameter names in the order the clv.h docs give them",
    "CLV_SPEND_PARAM_NAMES": "parameter names in the order the clv.h docs give them",
}

# Copies kept outside _ffi: (where, value, C name).
OTHER_COPIES = [
    ("libtier.result.DEFAULT_COLUMNS", result.DEFAULT_COLUMNS, "TIER_RESULT_DEFAULT_COLUMNS"),
    ("libtier.dates.DAY_MIN", dates.DAY_MIN, "TIER_DAY_MIN"),
    ("libtier.dates.DAY_MAX", dates.DAY_MAX, "TIER_DAY_MAX"),
]

_UPPER = re.compile(r"[A-Z][A-Z0-9_]*\Z")


# ---- a small reader of C headers -------------------------------------------------------------

def _strip_comments(text):
    """Removes /* */ and // comments, keeping string literals intact."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Add, ast.Sub, ast.Mult,
            ast.FloorDiv, ast.Mod, ast.LShift, ast.RShift, ast.BitOr, ast.BitAnd, ast.BitXor,
            ast.USub, ast.UAdd, ast.Invert)


def _int_value(expr, known):
    """The value of a C integer constant expression, or None when it is not one."""
    def name(m):
        word = m.group(0)
        if re.match(r"(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*\Z", word):
            return str(int(re.sub(r"[uUlL]+\Z", "", word), 0))
        value = known.get(word)
        if not isinstance(value, int):
            raise KeyError(word)
        return "(%d)" % value
    try:
        py = re.sub(r"[A-Za-z_0-9]+", name, expr).replace("/", "//")
        tree = ast.parse(py.strip(), mode="eval")
    except (KeyError, SyntaxError, ValueError):
        return None
    if not all(isinstance(node, _ALLOWED) for node in ast.walk(tree)):
        return None
    return eval(compile(tree, "<header>", "eval"), {"__builtins__": {}})  # only literals left


_STRING = re.compile(r'\s*"((?:[^"\\]|\\.)*)"')


def _string_value(expr):
    """The value of adjacent C string literals (simple escapes only), or None."""
    parts, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = _STRING.match(expr, pos)
        if not m:
            return None
        parts.append(m.group(1).encode("latin-1").decode("unicode_escape"))
        pos = m.end()
        while pos < len(expr) and expr[pos].isspace():
            pos += 1
    return "".join(parts) if parts else None


def parse_header_text(text, where, out):
    """Adds the enum constants and object-like #defines of `text` to out: name -> (value, where)."""
    text = _strip_comments(text.replace("\\\n", " "))
    known = {k: v[0] for k, v in out.items()}
    # #defines, in order (a later one may use an earlier one).
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\(?)(.*)$", text, re.M):
        name, paren, body = m.group(1), m.group(2), m.group(3)
        if paren:
            continue  # function-like macro
        value = _string_value(body)
        if value is None:
            value = _int_value(body, known)
        if value is not None:
            out[name] = (value, where)
            known[name] = value
    # enums: NAME [= expr], the next one counting on from the last.
    for m in re.finditer(r"\benum\b[^{;]*\{(.*?)\}", text, re.S):
        nxt = 0
        for item in m.group(1).split(","):
            item = item.strip()
            if not item:
                continue
            name, _, expr = item.partition("=")
            name = name.strip()
            value = _int_value(expr, known) if expr.strip() else nxt
            if value is None:
                continue
            out[name] = (value, where)
            known[name] = value
            nxt = value + 1
    return out


def parse_headers(include_dir=INCLUDE):
    out = {}
    paths = sorted(glob.glob(os.path.join(include_dir, "tier", "*.h")))
    paths.append(os.path.join(include_dir, "tier.h"))
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            parse_header_text(fh.read(), os.path.relpath(path, os.path.dirname(include_dir)), out)
    return out


# ---- the comparison ----------------------------------------------------------------------------

def check_copies(ns, headers, module="libtier._ffi", others=()):
    """Every problem found, one line each naming the constant; [] when all copies match."""
    problems = []

    def compare(where, value, cname):
        if cname not in headers:
            problems.append("%s = %r: the headers define no %s" % (where, value, cname))
            return
        want, header = headers[cname]
        if value != want or type(value) is not type(want):
            problems.append("%s is %r, but %s is %r in %s" % (where, value, cname, want, header))

    for name in sorted(ns):
        if not _UPPER.match(name):
            continue
        value, where = ns[name], "%s.%s" % (module, name)
        if name in NOT_FROM_HEADERS:
            continue
        if name in VERSION_AT_MOST:
            cname = VERSION_AT_MOST[name]
            if cname not in headers:
                problems.append("%s = %r: the headers define no %s" % (where, value, cname))
            elif not 1 <= value <= headers[cname][0]:
                problems.append("%s is %r, but must be 1 .. %s (%r in %s)"
                                % (where, value, cname, headers[cname][0], headers[cname][1]))
            continue
        if name in DICTS:
            spec = DICTS[name]
            if not isinstance(value, dict):
                problems.append("%s: expected a dict of constants, got %r" % (where, value))
                continue
            for key, v in sorted(value.items(), key=lambda kv: str(kv[0])):
                cname = spec.get(key) if isinstance(spec, dict) else \
                    spec.format(str(key).upper())
                if cname is None:
                    problems.append("%s[%r] = %r: this test does not know its C name (add it to "
                                    "DICTS in %s)" % (where, key, v, os.path.basename(__file__)))
                else:
                    compare("%s[%r]" % (where, key), v, cname)
        elif name in SEQUENCES:
            spec, first, count = SEQUENCES[name]
            for i, item in enumerate(value):
                cname = spec.get(item) if isinstance(spec, dict) else spec.format(item.upper())
                if cname is None:
                    problems.append("%s[%d] = %r: this test does not know its C name (add it "
                                    "to SEQUENCES)" % (where, i, item))
                else:
                    compare("position of %r in %s" % (item, where), first + i, cname)
            if count:
                compare("len(%s)" % where, len(value), count)
        elif isinstance(value, int) and not isinstance(value, bool):
            compare(where, value, RENAMED.get(name, "TIER_" + name))
        elif isinstance(value, (dict, tuple, list, str)):
            problems.append("%s: an upper-case table or text this test does not know; say in "
                            "DICTS, SEQUENCES or NOT_FROM_HEADERS of %s what it copies"
                            % (where, os.path.basename(__file__)))
    status_names = ns.get("_STATUS_NAMES", {})
    for code, cname in sorted(status_names.items()):
        compare("the code of %s in %s._STATUS_NAMES" % (cname, module), code, cname)
    for where, value, cname in others:
        compare(where, value, cname)
    return problems


class HeaderReaderTest(unittest.TestCase):
    def test_reads_enums_defines_and_strings_like_a_compiler(self):
        text = r'''
        /* #define TIER_IN_COMMENT 7 */
        #define TIER_NEG (-1)
        #define TIER_BIG 0x10u
        #define TIER_SHIFT (TIER_BIG << 2) // sixty-four
        #define TIER_TEXT "a,b=" \
            "c\"d"
        #define TIER_FN(x) ((x) + 1)
        typedef enum t { TIER_A = 1, TIER_B, /**< two */ TIER_C = TIER_NEG - 3, TIER_D } t;
        '''
        got = {k: v[0] for k, v in parse_header_text(text, "x.h", {}).items()}
        self.assertEqual(got, {"TIER_NEG": -1, "TIER_BIG": 16, "TIER_SHIFT": 64,
                               "TIER_TEXT": 'a,b=c"d', "TIER_A": 1, "TIER_B": 2, "TIER_C": -4,
                               "TIER_D": -3})

    def test_finds_the_constants_of_the_real_headers(self):
        headers = parse_headers()
        self.assertEqual(headers["TIER_OK"][0], 0)
        self.assertEqual(headers["TIER_CSV_WHITESPACE"][0], -1)
        self.assertEqual(headers["TIER_BOOK_STAT_IGNORED_ROWS"], (8, "include/tier/book.h"))
        self.assertEqual(headers["TIER_CLV_STAT_EXCLUDED_ZERO_SPEND"][0], 5)
        self.assertTrue(headers["TIER_RESULT_DEFAULT_COLUMNS"][0].startswith("customer_id,tier,"))
        self.assertGreater(len(headers), 60)


class CopiesTest(unittest.TestCase):
    def test_every_hand_copied_constant_has_the_value_of_the_header(self):
        problems = check_copies(vars(_ffi), parse_headers(), others=OTHER_COPIES)
        if problems:
            self.fail("%d constant(s) of the Python binding differ from include/tier/*.h:\n  %s"
                      % (len(problems), "\n  ".join(problems)))

    def test_a_wrong_or_unknown_copy_is_named(self):
        ns = dict(vars(_ffi))
        ns["ESTATE"] = -13
        ns["BOOK_STATS"] = dict(_ffi.BOOK_STATS, net_amount=99)
        ns["LIFECYCLE_STAGES"] = ("growing", "new") + tuple(_ffi.LIFECYCLE_STAGES[2:])
        ns["CLV_HOLDOUT_STATS"] = tuple(_ffi.CLV_HOLDOUT_STATS) + ("extra",)
        ns["ATTR_TEXT"] = 3
        ns["BRAND_NEW_LIMIT"] = 5
        ns["BRAND_NEW_TABLE"] = {"x": 1}
        ns["MODEL_VTABLE_VERSION"] = 99
        problems = "\n".join(check_copies(ns, parse_headers()))
        for expected in (
                "libtier._ffi.ESTATE is -13, but TIER_ESTATE is -12 in include/tier/common.h",
                "libtier._ffi.BOOK_STATS['net_amount'] is 99, but TIER_BOOK_STAT_NET_AMOUNT is 6",
                "position of 'growing' in libtier._ffi.LIFECYCLE_STAGES is 0, but "
                "TIER_LIFECYCLE_GROWING is 1",
                "len(libtier._ffi.CLV_HOLDOUT_STATS) is 7, but TIER_CLV_HOLDOUT_COUNT is 6",
                "libtier._ffi.ATTR_TEXT is 3, but TIER_ATTR_TEXT is 2 in include/tier/book.h",
                "libtier._ffi.BRAND_NEW_LIMIT = 5: the headers define no TIER_BRAND_NEW_LIMIT",
                "libtier._ffi.BRAND_NEW_TABLE: an upper-case table or text this test does not "
                "know",
                "libtier._ffi.MODEL_VTABLE_VERSION is 99, but must be 1 .. "
                "TIER_MODEL_VTABLE_VERSION"):
            self.assertIn(expected, problems)

    def test_the_status_names_table_matches_the_header(self):
        headers = parse_headers()
        for code, name in _ffi._STATUS_NAMES.items():
            self.assertEqual(headers[name][0], code, name)
        codes = {v for k, (v, where) in headers.items()
                 if where == "include/tier/common.h" and re.match(r"TIER_(OK|E[A-Z]+)\Z", k)}
        self.assertEqual(codes, set(_ffi._STATUS_NAMES), "a status code has no Python name")


if __name__ == "__main__":
    unittest.main()
