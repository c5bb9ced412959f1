# SPDX-License-Identifier: MIT
"""``python3 -m libtier run``: the Python twin of ``tier run``.

It takes the same flags and calls the same library functions in the same order as the C CLI, so
the files it writes are byte-identical. Exit status: 0 success, 1 bad input or runtime failure,
2 usage error.
"""

import os
import sys
from ctypes import byref, c_int32

from . import _ffi
from ._ffi import TierError, version
from .book import Book, CsvReader
from .clv import CLV
from .dates import format_day
from .lifecycle import Lifecycle
from .models import Pareto, RFM
from .needs import Needs
from .policy import Policy
from .result import Result
from .scorecard import Scorecard

__all__ = ["main", "parse_run_args", "detect_delimiter", "split_names", "choose_column",
           "choose_account_id", "check_models", "MODEL_COLUMNS"]

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

# When a role's flag is absent and its default name is not a column, the first of these present
# is used (the default comes first).
FALLBACKS = {
    "id": ("customer_id", "customer", "customerid", "id", "account_id"),
    "date": ("date", "order_date", "invoice_date", "day"),
    "amount": ("amount", "dollar_value", "revenue", "value", "total", "sales"),
}

# The id column of an accounts file when --account-id is absent: the first of these present.
ACCOUNT_ID_NAMES = ("account_id", "customer_id", "customer", "id")

# The models of --models, in the C CLI's order, and the output columns each one adds.
MODEL_COLUMNS = (
    ("rfm", "r=rfm.r,f=rfm.f,m=rfm.m:2,tenure=rfm.tenure,r_score=rfm.r_score,"
            "f_score=rfm.f_score,m_score=rfm.m_score,segment=rfm.segment,"
            "value_class=rfm.value_class"),
    ("pareto", "pareto_class=pareto.class"),
    ("clv", "p_alive=clv.p_alive:4,expected_purchases=clv.expected_purchases:4,clv=clv.clv:2"),
    ("lifecycle", "stage=lifecycle.stage,onboarding=lifecycle.onboarding"),
    ("scorecard", "value_score=scorecard.score:1,grade=scorecard.grade"),
    ("needs", "need_segment=needs.segment"),
)
_MODEL_COLUMNS = dict(MODEL_COLUMNS)
DEFAULT_MODELS = "rfm,pareto"
ACCOUNT_MODELS = "rfm,pareto,lifecycle,scorecard,needs"
_MAX_MODELS = 8
_MAX_MODEL_LIST = 256

_BOM = b"\xef\xbb\xbf"
_PEEK = 64 * 1024
_MAX_NAMES = 256
_PROGRESS_MIN_BYTES = 16 << 20


class UsageError(Exception):
    pass


USAGE = """usage: tier <command> [options]

commands:
  run       tier every customer of a transaction log (RFM + Pareto + a policy)
  version   print the library version
  help      print this text

tier run --input FILE [--id COL --date COL --amount COL --margin COL]
         [--delimiter C|ws|tab|auto] [--date-format iso|yyyymmdd|auto]
         [--no-header --columns a,b,c] [--as-of YYYY-MM-DD] [--policy NAME]
         [--out FILE] [--format csv|json] [--quiet]
         [--accounts FILE [--account-id COL]] [--models LIST]

  --models     comma-separated, in order: rfm, pareto, lifecycle, scorecard, needs
               (default rfm,pareto; with --accounts all five)
  --accounts   account attributes, one row per account (scorecard factors, module_* and
               goal_* needs features, implementation_progress, active_users_share)
"""

_VALUE_FLAGS = {
    "--input": "input", "--id": "id", "--date": "date", "--amount": "amount",
    "--margin": "margin", "--delimiter": "delimiter", "--date-format": "date_format",
    "--columns": "columns", "--policy": "policy", "--out": "out", "--format": "format",
    "--as-of": "as_of", "--accounts": "accounts", "--account-id": "account_id",
    "--models": "models",
}


class RunArgs:
    """The flags of `tier run` (None = not given)."""

    def __init__(self):
        for attr in _VALUE_FLAGS.values():
            setattr(self, attr, None)
        self.no_header = False
        self.quiet = False
        self.as_of_day = None
        self.format = "csv"


def parse_run_args(argv):
    """Parses the arguments after "run" exactly as the C CLI does (flags in any order, the last
    of a repeated flag wins); raises UsageError."""
    args = RunArgs()
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _VALUE_FLAGS:
            if i + 1 >= len(argv):
                raise UsageError("%s needs a value" % arg)
            i += 1
            value = argv[i]
            if arg == "--as-of":
                try:
                    args.as_of_day = _parse_day(value)
                except TierError:
                    raise UsageError('--as-of: "%s" is not a date (YYYY-MM-DD)' % value) from None
            elif arg == "--format" and value not in ("csv", "json"):
                raise UsageError('--format must be csv or json, not "%s"' % value)
            setattr(args, _VALUE_FLAGS[arg], value)
        elif arg == "--no-header":
            args.no_header = True
        elif arg in ("--quiet", "-q"):
            args.quiet = True
        else:
            raise UsageError('run: unknown option "%s" (see tier help)' % arg)
        i += 1
    if args.models is None:
        args.models = ACCOUNT_MODELS if args.accounts is not None else DEFAULT_MODELS
    check_models(args.models)
    if args.input is None:
        raise UsageError("--input FILE is required")
    if args.no_header and args.columns is None:
        raise UsageError("--no-header needs --columns a,b,c to name the columns")
    if args.date_format is not None and args.date_format not in ("auto", "iso", "yyyymmdd"):
        raise UsageError('--date-format must be iso, yyyymmdd or auto, not "%s"'
                         % args.date_format)
    if args.delimiter is not None and args.delimiter not in ("auto", "ws", "tab") and \
            len(os.fsencode(args.delimiter)) != 1:
        raise UsageError('--delimiter must be one character, ws, tab or auto, not "%s"'
                         % args.delimiter)
    return args


def check_models(names):
    """Raises UsageError naming the first unknown model of a --models list (empty names between
    commas are unknown too; one trailing comma is allowed)."""
    rest, seen = names, set()
    while rest:
        name, _, rest = rest.partition(",")
        if name not in _MODEL_COLUMNS:
            raise UsageError('--models: unknown model "%s" (rfm, pareto, clv, lifecycle, '
                             'scorecard, needs)' % name)
        if name in seen:
            raise UsageError('--models: "%s" is listed twice' % name)
        seen.add(name)


def _parse_day(text):
    raw = os.fsencode(text)
    out = c_int32()
    _ffi.F.tier_date_parse(byref(out), raw, len(raw), _ffi.DATE_AUTO)
    return out.value


def first_line(path):
    """The first line of the file as bytes: at most 64 KiB, without a UTF-8 BOM, cut at the
    first LF, CR or NUL."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_PEEK - 1)
    except IsADirectoryError:
        head = b""  # C's fopen() opens a directory and reads nothing; the reader says why
    return first_line_of(head)


def first_line_of(head):
    """first_line() of bytes in memory."""
    head = head[:_PEEK - 1]
    if head.startswith(_BOM):
        head = head[len(_BOM):]
    for stop in (b"\n", b"\r", b"\0"):
        k = head.find(stop)
        if k >= 0:
            head = head[:k]
    return head


def sniff_delimiter(line):
    """The delimiter of the auto rule: tab, comma, ';', '|' (the first of them found in the
    line, in that order) or whitespace."""
    for c in (b"\t", b",", b";", b"|"):
        if c in line:
            return c[0]
    return _ffi.CSV_WHITESPACE


def detect_delimiter(path):
    return sniff_delimiter(first_line(path))


def split_names(line, delimiter):
    """Header names of a line (bytes): split by the delimiter (runs of blanks for whitespace),
    each trimmed of spaces, tabs and double quotes; at most 256."""
    if delimiter == _ffi.CSV_WHITESPACE:
        fields = [f for f in line.replace(b"\t", b" ").split(b" ") if f]
    else:
        fields = line.split(bytes([delimiter]))
        if len(fields) > 1 and fields[-1] == b"":
            fields.pop()  # nothing after the last delimiter is no name
        if line == b"":
            fields = [b""]
    names = [f.strip(b' \t"').decode("utf-8", "surrogateescape") for f in fields]
    return names[:_MAX_NAMES]


def choose_column(role, given, names):
    """The column for a role: the flag's value, else the first of its candidates present in
    `names`, else its default."""
    if given is not None:
        return given
    for name in FALLBACKS[role]:
        if name in names:
            return name
    return FALLBACKS[role][0]


def choose_account_id(given, names):
    """The id column of an accounts file: --account-id, else the first of ACCOUNT_ID_NAMES in
    `names`, else "account_id"."""
    if given is not None:
        return given
    for name in ACCOUNT_ID_NAMES:
        if name in names:
            return name
    return ACCOUNT_ID_NAMES[0]


class CliFailure(Exception):
    """A failure already worded for "tier: <message>" (exit 1); no message: nothing printed."""


def _delimiter_of(args, line):
    d = args.delimiter
    if d is None or d == "auto":
        return sniff_delimiter(line)
    if d == "ws":
        return _ffi.CSV_WHITESPACE
    if d == "tab":
        return ord("\t")
    return os.fsencode(d)[0]


def _progress_printer(stderr):
    def show(done, total):
        if total:
            stderr.write("\rtier: reading %3u%% (%d of %d MB)"
                         % (done * 100 // total, done >> 20, total >> 20))
            stderr.flush()
            shown[0] = True
    shown = [False]
    return show, shown


def load_book(args, keep, stderr):
    """Loads the input into a new book as the C CLI does; returns (book, rows read)."""
    try:
        line = first_line(args.input)
    except OSError as exc:
        raise CliFailure("%s: cannot open: %s" % (args.input, exc.strerror or exc)) from None
    delimiter = _delimiter_of(args, line)
    if args.columns is not None:
        names = split_names(os.fsencode(args.columns), ord(","))
    elif not args.no_header:
        names = split_names(line, delimiter)
    else:
        names = []
    columns = {role: choose_column(role, getattr(args, role), names) for role in FALLBACKS}
    fmt = {"iso": _ffi.DATE_ISO, "yyyymmdd": _ffi.DATE_YYYYMMDD}.get(args.date_format,
                                                                    _ffi.DATE_AUTO)
    book = Book()
    reader = None
    try:
        book.set_option("keep_transactions", 1 if keep else 0)
        if args.as_of_day is not None:
            book.set_option("ignore_from_day", args.as_of_day)
        try:
            reader = CsvReader(delimiter=delimiter, header=not args.no_header,
                               column_names=args.columns, id=columns["id"],
                               date=columns["date"], amount=columns["amount"],
                               margin=args.margin, date_format=fmt)
        except TierError as exc:
            raise CliFailure(exc.message) from None
        show, shown = _progress_printer(stderr)
        if not args.quiet and _isatty(stderr) and _size(args.input) >= _PROGRESS_MIN_BYTES:
            reader.set_progress(show)
        try:
            reader.read_file(book, args.input)
        except TierError as exc:
            raise CliFailure("%s: %s" % (args.input, exc.message)) from None
        finally:
            if shown[0]:
                stderr.write("\r\033[K")
        rows = reader.rows_read()
    except BaseException:
        book.close()
        raise
    finally:
        if reader is not None:
            reader.close()
    return book, rows


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def load_accounts(path, id, book):
    """Loads account attributes into `book` as the C CLI does: the delimiter sniffed from the
    first line, the id column from --account-id or the first of ACCOUNT_ID_NAMES present."""
    try:
        line = first_line(path)
    except OSError as exc:
        raise CliFailure("%s: cannot open: %s" % (path, exc.strerror or exc)) from None
    delimiter = sniff_delimiter(line)
    names = split_names(line, delimiter)
    try:
        with CsvReader(delimiter=delimiter, id=choose_account_id(id, names)) as reader:
            reader.read_attributes_file(book, path)
    except TierError as exc:
        raise CliFailure("%s: %s" % (path, exc.message)) from None


def _need_features(book):
    """"attr.NAME" of the numeric attributes named module_* or goal_*, in attribute order."""
    return ["attr." + name for name, kind in book.attributes().items()
            if kind == "number" and name.startswith(("module_", "goal_"))
            and len(name.encode("utf-8")) + 6 <= 300]


def _make_model(name, book, as_of_day):
    try:
        if name == "rfm":
            model = RFM("rfm")
            if as_of_day is not None:
                _set_or_close(model, lambda: model.set_option("as_of", as_of_day))
        elif name == "pareto":
            model = Pareto("pareto")
            if as_of_day is not None:
                _set_or_close(model,
                              lambda: model.set_option("as_of", as_of_day))
        elif name == "clv":
            model = CLV("clv")
            if as_of_day is not None:
                _set_or_close(model, lambda: model.set_option("as_of", as_of_day))
        elif name == "lifecycle":
            model = Lifecycle("lifecycle")
            if as_of_day is not None:
                _set_or_close(model, lambda: model.set_option("as_of", as_of_day))
        elif name == "scorecard":
            model = Scorecard.b2b("scorecard")
        else:
            model = Needs("needs")
            features = _need_features(book)
            try:
                for column in features:
                    model.add_feature(column)
            except TierError as exc:
                model.close()
                raise CliFailure('needs: cannot use attribute "%s": %s'
                                 % (column[len("attr."):], exc.message)) from None
            if not features:
                model.close()
                raise CliFailure("needs: the book has no numeric module_* or goal_* attributes "
                                 "(give --accounts)")
        return model
    except TierError as exc:
        raise CliFailure('cannot set up model "%s": %s' % (name, exc.message)) from None


def _set_or_close(model, setter):
    try:
        setter()
    except BaseException:
        model.close()
        raise


def build_models(names, book, as_of_day):
    """The models of a --models list and the output columns they add: (models, columns)."""
    if len(os.fsencode(names)) >= _MAX_MODEL_LIST:
        raise CliFailure("--models: list too long")
    models, columns = [], "customer_id,tier"
    try:
        for name in (n for n in names.split(",") if n):
            if name not in _MODEL_COLUMNS:
                raise CliFailure('--models: unknown model "%s" (rfm, pareto, clv, lifecycle, '
                                 'scorecard, needs)' % name)
            if len(models) == _MAX_MODELS:
                raise CliFailure(None)
            models.append(_make_model(name, book, as_of_day))
            columns += "," + _MODEL_COLUMNS[name]
    except BaseException:
        for model in models:
            model.close()
        raise
    return models, columns + ",reason"


def _run_models(args, book, policy):
    """Builds the models, runs them with the policy; returns (result, output columns)."""
    models, columns = build_models(args.models, book, args.as_of_day)
    try:
        result = Result()
        try:
            result.run(book, models, policy)
        except BaseException:
            result.close()
            raise
        return result, columns
    finally:
        for model in models:
            model.close()


def _load(args, keep, stderr):
    """The transactions, then the account attributes."""
    book, rows = load_book(args, keep, stderr)
    if args.accounts is not None:
        try:
            load_accounts(args.accounts, args.account_id, book)
        except BaseException:
            book.close()
            raise
    return book, rows


def summary_text(book, result, rows, as_of_day):
    """The summary the CLI prints on stderr after a run."""
    n = book.customer_count()
    if as_of_day is None:
        span = book.day_range()
        as_of_day = span[1] + 1 if span else 0
    try:
        day = format_day(as_of_day)
    except TierError:
        day = "?"
    lines = ["tier: %d customers, %d transactions, as of %s" % (n, rows, day)]
    stats = []
    for t, name in enumerate(result.tier_names()):
        try:
            count, revenue = result.tier_summary(t)
        except TierError:
            continue
        stats.append((name, count, revenue))
    total = sum(r for _, _, r in stats)
    for name, count, revenue in stats:
        lines.append("  %s: %d customers (%.1f%%), revenue %.2f (%.1f%%)"
                     % (name, count, 100.0 * count / n if n else 0.0, revenue,
                        100.0 * revenue / total if total != 0 else 0.0))
    return "".join(line + "\n" for line in lines)


def run_command(args, stdout, stderr):
    """`tier run` after parsing; returns the exit status."""
    try:
        policy = Policy.default(args.policy)
    except TierError:
        raise UsageError('unknown policy "%s" (built in: b2b-sabc)' % (args.policy or ""))
    book = result = None
    try:
        book, rows = _load(args, False, stderr)
        try:
            result, columns = _run_models(args, book, policy)
        except TierError as exc:
            if exc.code != _ffi.ESTATE:
                raise CliFailure(exc.message) from None
            # Purchase-days need the transactions when rows came out of date order: reload
            # keeping them and run again.
            book.close()
            book = None
            book, rows = _load(args, True, stderr)
            try:
                result, columns = _run_models(args, book, policy)
            except TierError as exc2:
                raise CliFailure(exc2.message) from None
        try:
            if args.out:
                result.write(args.out, columns, args.format)
            else:
                result.write_to(stdout, columns, args.format)
        except TierError as exc:
            raise CliFailure("cannot write %s: %s" % (args.out or "the output", exc.message)) \
                from None
        if not args.out:
            try:
                stdout.flush()
            except OSError:
                raise CliFailure("cannot write the output") from None
        if not args.quiet:
            stderr.write(summary_text(book, result, rows, args.as_of_day))
        return EXIT_OK
    finally:
        if result is not None:
            result.close()
        if book is not None:
            book.close()
        policy.close()


def main(argv=None, stdout=None, stderr=None):
    """Runs the CLI with `argv` (default sys.argv[1:]); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout = stdout if stdout is not None else sys.stdout.buffer
    stderr = stderr if stderr is not None else sys.stderr
    if not argv:
        stderr.write(USAGE)
        return EXIT_USAGE
    cmd = argv[0]
    if cmd == "run":
        try:
            return run_command(parse_run_args(argv[1:]), stdout, stderr)
        except UsageError as exc:
            stderr.write("tier: %s\n" % exc)
            return EXIT_USAGE
        except CliFailure as exc:
            if exc.args and exc.args[0] is not None:
                stderr.write("tier: %s\n" % exc)
            return EXIT_FAIL
    if cmd in ("version", "--version"):
        text = "tier %s (libtier %s)\n" % (version(), version())
        stdout.write(text.encode("utf-8"))
        stdout.flush()
        return EXIT_OK
    if cmd in ("help", "--help", "-h"):
        stdout.write(USAGE.encode("utf-8"))
        stdout.flush()
        return EXIT_OK
    stderr.write('tier: unknown command "%s"\n' % cmd)
    stderr.write(USAGE)
    return EXIT_USAGE
