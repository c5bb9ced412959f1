# SPDX-License-Identifier: MIT
"""The package's public surface (issue 10, item 2): a docstring on every public name, one
exception base carrying the status, readable reprs, context managers, py.typed."""

import inspect
import os
import unittest

import _support

import libtier


class _PyModel(libtier.Model):
    """A Python model for the surface tests."""
    outputs = [("one", "number")]

    def score(self, book, frame):
        return {"one": [1.0] * len(book)}

_PUBLIC_MODULES = ("book", "clv", "dates", "frame", "history", "lifecycle", "models", "needs",
                   "pipeline", "plot", "policy", "result", "retier", "sbg", "scorecard",
                   "usermodel")


def _public(obj):
    for name, value in vars(obj).items():
        if name.startswith("_"):
            continue
        yield name, value


def undocumented():
    """Every public module, class, function, method and property of the package without a
    docstring of its own, as dotted names."""
    import importlib
    missing = []
    seen = set()
    modules = [libtier] + [importlib.import_module("libtier." + m) for m in _PUBLIC_MODULES]
    for module in modules:
        if not (module.__doc__ or "").strip():
            missing.append(module.__name__)
        names = getattr(module, "__all__", None)
        for name in names if names is not None else [n for n, _ in _public(module)]:
            value = getattr(module, name)
            if not (inspect.isclass(value) or inspect.isfunction(value)):
                continue
            if getattr(value, "__module__", "").split(".")[0] != "libtier" or id(value) in seen:
                continue
            seen.add(id(value))
            where = "%s.%s" % (value.__module__, value.__qualname__)
            if not (value.__doc__ or "").strip():
                missing.append(where)
            if not inspect.isclass(value):
                continue
            # The class and every libtier base it takes methods from (mixins such as the
            # contract methods of Book or the model calls of Model).
            for cls in value.__mro__:
                if cls.__module__.split(".")[0] != "libtier" or ("cls", id(cls)) in seen:
                    continue
                seen.add(("cls", id(cls)))
                owner = "%s.%s" % (cls.__module__, cls.__qualname__)
                for attr, member in _public(cls):
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    if isinstance(member, property):
                        doc = member.__doc__ or (member.fget.__doc__ if member.fget else None)
                    elif inspect.isfunction(member):
                        doc = member.__doc__
                    else:
                        continue
                    if not (doc or "").strip():
                        missing.append("%s.%s" % (owner, attr))
    return missing


class DocstringTest(unittest.TestCase):
    def test_every_public_name_has_a_docstring(self):
        missing = undocumented()
        self.assertEqual(missing, [], "%d public names without a docstring" % len(missing))

    def test_the_walk_finds_a_missing_docstring(self):
        # The test above would pass on an empty walk: prove the walk sees methods.
        doc = libtier.Book.customer_ids.__doc__
        try:
            libtier.Book.customer_ids.__doc__ = None
            self.assertIn("libtier.book.Book.customer_ids", undocumented())
        finally:
            libtier.Book.customer_ids.__doc__ = doc
        # A method Book takes from a mixin of another module is walked too.
        from libtier._contracts import BookContracts
        doc = BookContracts.add_contracts.__doc__
        try:
            BookContracts.add_contracts.__doc__ = " "
            self.assertIn("libtier._contracts.BookContracts.add_contracts", undocumented())
        finally:
            BookContracts.add_contracts.__doc__ = doc

    def test_py_typed_is_shipped(self):
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(libtier.__file__),
                                                    "py.typed")))


class ErrorTest(unittest.TestCase):
    def test_every_library_error_is_a_libtier_error_with_its_status_and_message(self):
        with libtier.Book() as book:
            with self.assertRaises(libtier.Error) as cm:
                book.read_csv_text("x\n1\n")
        exc = cm.exception
        self.assertIsInstance(exc, libtier.TierError)  # the 0.1 name still catches it
        self.assertEqual(exc.status, -3)
        self.assertEqual(exc.status.name, "TIER_EINVAL")
        self.assertEqual((exc.code, exc.name), (-3, "TIER_EINVAL"))
        self.assertIn("customer_id", exc.message)  # the C library's own text
        self.assertEqual(str(exc), "TIER_EINVAL: " + exc.message)
        self.assertEqual(repr(exc.status), "TIER_EINVAL(-3)")
        with self.assertRaises(libtier.Error) as cm:
            libtier.Policy.from_string("libtier-policy 1\ntier {")
        self.assertEqual(cm.exception.status.name, "TIER_EPARSE")


class ReprTest(unittest.TestCase):
    def test_books_models_policies_results_history_have_readable_reprs(self):
        with libtier.Book() as book:
            book.add_txn("a", "2024-01-02", 10.0)
            book.add_txn("b", "2024-01-05", 3.0)
            self.assertEqual(repr(book), "<libtier.Book customers=2 transactions=2 "
                                         "dates=2024-01-02 .. 2024-01-05>")
            with libtier.run(book) as result:
                text = repr(result)
                self.assertIn("customers=2", text)
                self.assertIn("S: ", text)
                html = result._repr_html_()
                self.assertTrue(html.startswith("<table>"), html)
                self.assertIn("pareto-sabc", html)
                self.assertIn("pareto-sabc", result.policy._repr_html_())
                self.assertIn("rfm", result.models[0]._repr_html_())
            self.assertEqual(repr(result), "<libtier.Result closed>")
        self.assertIn("closed", repr(book))
        with libtier.History() as history:
            self.assertIn("runs=0", repr(history))
            self.assertIn("<table>", history._repr_html_())
        with libtier.Result() as fresh:
            self.assertIn("not run", repr(fresh))

    def test_every_other_object_has_a_readable_view(self):
        with libtier.SBG([1000, 869, 743, 653, 593, 551, 517, 491]) as sbg:
            self.assertEqual(repr(sbg), "SBG(alpha=0.6681, beta=3.806)")
            self.assertIn("<th style=\"text-align:left\">alpha</th><td>0.6681</td>",
                          sbg._repr_html_())
            self.assertIn("converged", sbg._repr_html_())
        with libtier.SBG() as sbg:
            self.assertIn("unfitted", sbg._repr_html_())
        with libtier.Frame(3) as frame:
            self.assertEqual(repr(frame), "<libtier.Frame rows=3 columns=[]>")
        with libtier.Pipeline(input="orders.csv") as p:
            self.assertIn("input=orders.csv", repr(p))
            self.assertIn("<td>0</td>", p._repr_html_())
        with _PyModel() as model:
            self.assertIn("_pymodel", repr(model))
            self.assertIn("<td>[one]</td>", model._repr_html_())
            self.assertIn("not yet made", model._repr_html_())

    def test_html_is_escaped(self):
        text = ('libtier-policy 1\nname "<b>x</b>"\nmodel pareto = pareto\n'
                'tier S {\n    rule "all" when pareto.class == "A"\n}\n'
                'tier C {\n    rule "rest" when true\n}\n')
        with libtier.Policy.from_string(text) as policy:
            self.assertNotIn("<b>x</b>", policy._repr_html_())
            self.assertIn("&lt;b&gt;x&lt;/b&gt;", policy._repr_html_())


class ContextManagerTest(unittest.TestCase):
    def test_every_owning_class_is_a_context_manager(self):
        for cls in (libtier.Book, libtier.Result, libtier.History, libtier.Frame,
                    libtier.RFM, libtier.Pareto, libtier.CLV, libtier.Lifecycle,
                    libtier.Scorecard, libtier.Needs, libtier.Policy, libtier.Pipeline,
                    libtier.SBG, libtier.CsvReader, _PyModel):
            with cls() as obj:
                self.assertFalse(obj.closed, cls.__name__)
                self.assertIsInstance(obj, cls)
            self.assertTrue(obj.closed, cls.__name__)
            with self.assertRaises(ValueError):
                obj._p
        with libtier.SegmentMap.builtin() as segmap:
            self.assertFalse(segmap.closed)
        self.assertTrue(segmap.closed)

    def test_a_retier_is_a_context_manager_that_lets_go(self):
        with libtier.Pipeline(input=_support.data("b2b_invoices.csv")) as p:
            p.set_output(lambda data: None)
            p.run()
            self.assertIn("customers=1992", repr(p))
            with p.retier() as r:
                self.assertFalse(r.closed)
                self.assertIn(r.tier(0), ("S", "A", "B", "C"))
                self.assertIn("customers=1992", repr(r))
                self.assertIn("<table>", r._repr_html_())
            self.assertTrue(r.closed)
            self.assertEqual(repr(r), "<libtier.Retier closed>")
            with self.assertRaises(ValueError):
                r.tier(0)


if __name__ == "__main__":
    unittest.main()
