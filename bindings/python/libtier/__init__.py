# SPDX-License-Identifier: MIT
"""libtier: customer tiering (RFM, Pareto/ABC, tier policies) through ctypes.

Quick start::

    import libtier
    book = libtier.Book()
    book.read_csv("orders.csv")                  # customer_id,date,amount
    result = libtier.run(book)                   # RFM + Pareto + the b2b-sabc policy
    print(result.summary())
    result.write("tiers.csv")

Models written in Python subclass libtier.Model (see libtier.usermodel) and run next to the
built-ins: libtier.run(book, [libtier.RFM(), libtier.Pareto(), MyModel()], policy).

The shared library is found through LIBTIER_PATH (a file), then the system loader
(ctypes.util.find_library("tier")), then LIBTIER_BUILD_DIR/libtier.so.0.
"""

from ._ffi import TierError, version, version_number
from .book import Book, CsvReader
from .dates import format_day, from_day, to_day
from .frame import Frame
from .models import Pareto, RFM, SegmentMap
from .policy import Policy
from .result import DEFAULT_COLUMNS, Result, run
from .usermodel import Model  # the base of models written in Python

__all__ = [
    "Book", "CsvReader", "DEFAULT_COLUMNS", "Frame", "Model", "Pareto", "Policy", "RFM", "Result",
    "SegmentMap", "TierError", "format_day", "from_day", "run", "to_day", "version",
    "version_number",
]

__version__ = version()
