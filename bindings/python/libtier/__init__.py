# SPDX-License-Identifier: MIT
"""libtier: customer tiering (RFM, Pareto/ABC, tier policies) through ctypes.

Quick start::

    import libtier
    book = libtier.Book()
    book.read_csv("orders.csv")                  # customer_id,date,amount
    result = libtier.run(book)                   # RFM + Pareto + the b2b-sabc policy
    result = libtier.run(book, policy="my.policy")   # a policy file (docs/policy-format.md)
    print(result.summary())
    result.write("tiers.csv")

The other built-in models are libtier.Scorecard (value scorecard, grades A-E), libtier.CLV
(BG/NBD or Pareto/NBD with Gamma-Gamma), libtier.Needs (needs segments) and libtier.Lifecycle
(lifecycle stages); libtier.SBG fits the shifted-beta-geometric retention model of contracts
renewed period by period (survival, renewal probability, DERL). Every model's outputs are
columns of the Result (result.to_dataframe() with pandas).

libtier.Pipeline is the whole job of the ``tier`` command in one object (read, fit, score, tier,
write), configured by key and value: Pipeline(input="orders.csv", out="tiers.csv").run();
``python3 -m libtier`` is the ``tier`` command over it. Pipeline(..., state="tiers.state",
ledger="ledger") carries tiers from run to run (hysteresis, dwell, overrides; docs/history.md);
libtier.History reads, changes and writes that state.

Models written in Python subclass libtier.Model (see libtier.usermodel) and run next to the
built-ins: libtier.run(book, [libtier.RFM(), libtier.Pareto(), MyModel()], policy). Every model,
built-in or Python, sets and reads its options by name and saves/loads its state as text;
libtier.Model.new("rfm", bins=4) makes a built-in by its kind name.

Every failure the C library reports raises libtier.Error (libtier.TierError is its subclass):
``exc.status`` is the code with its name (``exc.status.name == "TIER_EPARSE"``) and
``exc.message`` the library's text.

The shared library is found through LIBTIER_PATH (a file; when set, only there), then the path
`cmake --install` recorded in libtier/_config.py, then the system loader (libtier.so.0, then
ctypes.util.find_library("tier")), then LIBTIER_BUILD_DIR/libtier.so.0. docs/python.md has the
install, the DataFrame conventions and the names of the columns.
"""

from ._ffi import Error, Status, TierError, version, version_number
from .book import Book, CsvReader, DroppedRowsWarning
from .clv import CLV
from .dates import format_day, from_day, to_day
from .frame import Frame
from .history import History
from .lifecycle import Lifecycle
from .models import Pareto, RFM, SegmentMap
from .needs import Needs
from .pipeline import Pipeline
from .retier import Retier
from .policy import LintFinding, Policy
from .result import DEFAULT_COLUMNS, Result, run
from .sbg import SBG
from .scorecard import Scorecard
from .usermodel import Model  # the base of models written in Python

__all__ = [
    "Book", "CLV", "CsvReader", "DEFAULT_COLUMNS", "DroppedRowsWarning", "Error", "Frame", "History", "Lifecycle", "LintFinding", "Model",
    "Needs",
    "Pareto", "Pipeline", "Policy", "RFM", "Result", "Retier", "SBG",
    "Scorecard", "SegmentMap", "Status", "TierError", "format_day",
    "from_day", "run", "to_day", "version", "version_number",
]

__version__ = version()
