# SPDX-License-Identifier: MIT
"""Shared test helpers: data paths and optional-module probes."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DATA = os.path.join(ROOT, "examples", "data")

# Let the tests run from a checkout without PYTHONPATH.
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..")))

try:
    import numpy  # noqa: F401
    HAVE_NUMPY = True
except ImportError:
    HAVE_NUMPY = False

try:
    import pandas  # noqa: F401
    HAVE_PANDAS = True
except ImportError:
    HAVE_PANDAS = False


def data(name):
    return os.path.join(DATA, name)


def read_cdnow(name, has_sample_column):
    """Parses a CDNOW log independently of libtier: [(id, 'YYYYMMDD', amount)]."""
    rows = []
    with open(data(name), encoding="ascii") as fh:
        for k, line in enumerate(fh):
            parts = line.split()
            if not parts:
                continue
            if k == 0 and not parts[0].isdigit():
                continue  # header
            if has_sample_column:
                cid, _sample, day, _cds, amount = parts
            else:
                cid, day, _cds, amount = parts
            rows.append((cid, day, float(amount)))
    return rows


def b2b_book(accounts=True):
    """A book of examples/data/b2b_invoices.csv (+ the account attributes)."""
    import libtier
    book = libtier.Book()
    try:
        book.read_csv(data("b2b_invoices.csv"), margin="margin")
        if accounts:
            book.read_attributes_csv(data("b2b_accounts.csv"))
    except BaseException:
        book.close()
        raise
    return book


def read_accounts():
    """The accounts file parsed with the csv module: (header, [row dicts])."""
    import csv
    with open(data("b2b_accounts.csv"), newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)
