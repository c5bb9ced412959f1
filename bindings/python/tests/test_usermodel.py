# SPDX-License-Identifier: MIT
"""Models written in Python (libtier.Model) running through the C model vtable."""

import gc
import math
import re
import traceback
import unittest

import _support

import libtier
from libtier import usermodel

SAMPLE_COLUMNS = ["customer_id", "sample", "date", "cds", "amount"]


def load_sample():
    book = libtier.Book()
    book.read_csv(_support.data("CDNOW_sample.txt"), delimiter="ws", header=False,
                  column_names=SAMPLE_COLUMNS)
    return book


def purchase_days():
    """{customer id: distinct purchase days} and the ids in order of first appearance,
    computed from the file without libtier."""
    days, order = {}, []
    for cid, day, amount in _support.read_cdnow("CDNOW_sample.txt", True):
        if cid not in days:
            days[cid] = set()
            order.append(cid)
        if amount >= 0:
            days[cid].add(day)
    return {cid: len(d) for cid, d in days.items()}, order


def tickets_of(k):
    """The support tickets the tests record for the k-th customer (none for most)."""
    return k % 4 if k < 40 else None


class LoyaltyError(Exception):
    """Raised on purpose by the test model."""


class Loyalty(libtier.Model):
    """points = 10 * rfm.f - tickets; band high from 20 points."""

    outputs = [("points", "number"), ("band", ["low", "high"])]
    fail_in = None  # "fit", "score" or "explain"
    shape = None    # a way to return values that do not match the declaration

    def __init__(self, name=None):
        super().__init__(name)
        self.fits = 0
        self.max_f = None

    def fit(self, book, inputs):
        self.fits += 1
        if self.fail_in == "fit":
            raise LoyaltyError("fit refused")
        f = [x for x in inputs["rfm.f"] if not math.isnan(x)]
        self.max_f = max(f)

    def score(self, book, frame):
        if self.fail_in == "score":
            raise LoyaltyError("score refused")
        if self.fail_in == "write":
            book.set_number(0, "tickets", 1)
        points = []
        for i, f in enumerate(frame["rfm.f"]):
            if math.isnan(f):
                points.append(None)
            else:
                points.append(10 * f - book.get_number(i, "tickets", 0))
        band = [None if p is None else ("high" if p >= 20 else "low") for p in points]
        if self.shape == "short":
            points = points[:3]
        elif self.shape == "missing":
            return {"points": points}
        elif self.shape == "extra":
            return {"points": points, "band": band, "bonus": points}
        elif self.shape == "unknown label":
            band = ["gold" if b == "high" else b for b in band]
        elif self.shape == "text numbers":
            points = ["x"] * len(points)
        elif self.shape == "not a dict":
            return [points, band]
        elif self.shape == "codes":
            band = [-1 if b is None else (1 if b == "high" else 0) for b in band]
        elif self.shape == "numpy" and _support.HAVE_NUMPY:
            import numpy as np
            points = np.array([math.nan if p is None else p for p in points])
            band = np.array([-1 if b is None else (1 if b == "high" else 0) for b in band],
                            dtype=np.int64)
        elif self.shape == "pandas" and _support.HAVE_PANDAS:
            import pandas as pd
            return pd.DataFrame({"points": points, "band": band})
        return {"points": points, "band": band}

    def explain(self, book, frame, customer):
        if self.fail_in == "explain":
            raise LoyaltyError("explain refused")
        return "%g points (best f %g)" % (frame[self.column("points")][customer], self.max_f)


class Plain(libtier.Model):
    """No fit, no explain: one number per customer."""

    outputs = [("one", "number")]

    def score(self, book, frame):
        return {"one": [1.0] * len(book)}


class UserModelTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.f, cls.order = purchase_days()

    def setUp(self):
        self.book = load_sample()
        self.addCleanup(self.book.close)
        for k in range(40):
            self.book.set_number(k, "tickets", tickets_of(k))

    def expected_points(self):
        return [10 * self.f[cid] - (tickets_of(k) or 0) if self.f[cid] else None
                for k, cid in enumerate(self.order)]

    def models(self, model=None):
        model = model if model is not None else Loyalty()
        models = [libtier.RFM(), libtier.Pareto(), model]
        for m in models:
            self.addCleanup(m.close)
        return models

    def run_models(self, models, policy=None):
        result = libtier.run(self.book, models, policy)
        self.addCleanup(result.close)
        return result

    def assert_points(self, result, name="loyalty"):
        want = self.expected_points()
        got = list(result.column(name + ".points"))
        self.assertEqual(len(got), len(want))
        for k, (g, w) in enumerate(zip(got, want)):
            if w is None:
                self.assertTrue(math.isnan(g), k)
            else:
                self.assertEqual(g, w, k)
        bands = result.column(name + ".band")
        self.assertEqual(bands, [None if w is None else ("high" if w >= 20 else "low")
                                 for w in want])

    def assert_raised_in(self, call, method, message):
        """call() raises the LoyaltyError that Loyalty.<method> raised, traceback included
        (assertRaises drops the traceback, hence try/except)."""
        try:
            call()
        except LoyaltyError as exc:
            self.assertEqual(str(exc), message)
            frames = traceback.extract_tb(exc.__traceback__)
            self.assertEqual(frames[-1].name, method)  # raised there...
            self.assertEqual(frames[-1].filename, __file__)
            self.assertIn("run", [f.name for f in frames[:-1]])  # ...re-raised by the C call
        else:
            self.fail("no LoyaltyError from %s" % method)

    # --- running -----------------------------------------------------------------------------

    def test_python_model_runs_next_to_the_builtins(self):
        models = self.models()
        loyalty = models[2]
        self.assertEqual(self.book.customer_ids(), self.order)
        result = self.run_models(models)
        cols = result.columns
        self.assertLess(cols.index("rfm.f"), cols.index("loyalty.points"))
        self.assertLess(cols.index("pareto.class"), cols.index("loyalty.points"))
        self.assertEqual(cols[cols.index("loyalty.points") + 1], "loyalty.band")
        self.assert_points(result)
        self.assertEqual(loyalty.fits, 1)
        self.assertEqual(loyalty.max_f, max(self.f.values()))  # fitted on rfm.f
        self.assertTrue(loyalty.fitted)
        self.assertEqual(libtier._ffi.F.tier_model_kind(loyalty._p), b"python")
        self.assertEqual(result.frame.labels_of("loyalty.band"), ["low", "high"])
        # The default policy still tiers everyone.
        self.assertEqual(sum(s["customers"] for s in result.summary_dict().values()), len(self.order))

    def test_policy_tiers_on_the_python_models_columns(self):
        policy = libtier.Policy()
        self.addCleanup(policy.close)
        engaged = policy.add_tier("engaged")
        policy.where(policy.add_rule(engaged, "loyal band"), "loyalty.band", "==", "high")
        heavy = policy.add_tier("heavy")
        policy.where(policy.add_rule(heavy, "many points"), "loyalty.points", ">=", 15)
        policy.add_rule(policy.add_tier("rest"), "rest")
        result = self.run_models(self.models(), policy)
        want = []
        for p in self.expected_points():
            want.append("rest" if p is None else
                        "engaged" if p >= 20 else "heavy" if p >= 15 else "rest")
        self.assertEqual(result.tiers, want)
        self.assertIn("heavy", want)  # the data reach every tier
        self.assertIn("engaged", want)

    def test_label_codes_and_array_outputs_are_accepted(self):
        shapes = ["codes"]
        if _support.HAVE_NUMPY:
            shapes.append("numpy")
        if _support.HAVE_PANDAS:
            shapes.append("pandas")
        for shape in shapes:
            with self.subTest(shape=shape):
                model = Loyalty(name="loyal_" + shape)
                model.shape = shape
                result = self.run_models(self.models(model))
                self.assert_points(result, model.model_name)

    def test_model_without_fit_or_explain(self):
        plain = Plain()
        self.addCleanup(plain.close)
        self.assertEqual(plain.model_name, "plain")
        self.assertTrue(plain.fitted)  # nothing to fit
        frame = plain.run_score(self.book)
        self.addCleanup(frame.close)
        self.assertEqual(frame.columns(), ["plain.one"])
        self.assertEqual(list(frame["plain.one"]), [1.0] * len(self.order))
        self.assertEqual(plain.run_explain(self.book, frame, 0),
                         "(this model gives no explanation)")

    def test_explain_text_comes_through_the_library(self):
        models = self.models()
        result = self.run_models(models)
        loyalty = models[2]
        cid = self.order[3]
        want = self.expected_points()[3]
        self.assertEqual(loyalty.run_explain(self.book, result.frame, cid),
                         "%g points (best f %g)" % (want, max(self.f.values())))
        loyalty.fail_in = "explain"
        with self.assertRaises(LoyaltyError):
            loyalty.run_explain(self.book, result.frame, 0)

    # --- exceptions --------------------------------------------------------------------------

    def test_exception_in_score_is_reraised_and_the_result_is_unchanged(self):
        models = self.models()
        result = self.run_models(models)
        tiers, columns = result.tiers, result.columns
        models[2].fail_in = "score"
        self.assert_raised_in(lambda: result.run(self.book, models), "score", "score refused")
        self.assertEqual(result.tiers, tiers)
        self.assertEqual(result.columns, columns)
        self.assert_points(result)
        # The library saw TIER_EUSER and said which model.
        last = libtier._ffi.F.tier_result_last_error(result._p).decode()
        self.assertIn('model "loyalty"', last)
        self.assertIn("LoyaltyError: score refused", last)
        # Nothing is left pending: the next call runs normally.
        models[2].fail_in = None
        result.run(self.book, models)
        self.assert_points(result)

    def test_exception_in_fit_is_reraised(self):
        models = self.models()
        models[2].fail_in = "fit"
        self.assert_raised_in(lambda: libtier.run(self.book, models), "fit", "fit refused")
        self.assertFalse(models[2].fitted)
        with self.assertRaises(LoyaltyError):
            models[2].run_fit(self.book)
        models[2].fail_in = None
        self.assert_points(self.run_models(models))

    def test_the_book_is_read_only_inside_a_callback(self):
        model = Loyalty()
        model.fail_in = "write"
        with self.assertRaisesRegex(TypeError, "read-only"):
            libtier.run(self.book, self.models(model))
        self.assertEqual(self.book.get_number(0, "tickets"), tickets_of(0))

    def test_outputs_not_as_declared_raise_clear_errors(self):
        cases = {
            "short": (ValueError, r"output 'points' has 3 values but the book has %d customers"
                      % len(self.order)),
            "missing": (ValueError, r"no values for declared output 'band'"),
            "extra": (ValueError, r"returned 'bonus', not declared in outputs"),
            "unknown label": (ValueError, r"'gold' is not one of its labels \(low, high\)"),
            "text numbers": (ValueError, r"output 'points' must hold numbers"),
            "not a dict": (TypeError, r"must return a dict"),
        }
        models = self.models()
        result = self.run_models(models)
        columns = result.columns
        for shape, (exc, pattern) in cases.items():
            with self.subTest(shape=shape):
                models[2].shape = shape
                with self.assertRaisesRegex(exc, pattern):
                    result.run(self.book, models)
                self.assertEqual(result.columns, columns)
                frame = models[0].score(self.book)  # rfm's columns, which loyalty reads
                self.addCleanup(frame.close)
                before = frame.columns()
                with self.assertRaises(exc):
                    models[2].run_score(self.book, frame)
                self.assertEqual(frame.columns(), before)  # all or nothing

    def test_bad_declarations_are_refused_before_reaching_c(self):
        class NoOutputs(libtier.Model):
            def score(self, book, frame):
                return {}

        class BadLabels(Plain):
            outputs = [("band", [])]

        class BadKind(Plain):
            outputs = [("band", "numbers")]

        before = set(usermodel._registry)
        for cls, pattern in ((NoOutputs, "declares no outputs"),
                             (BadLabels, "non-empty list"),
                             (BadKind, "'number' or a list of labels")):
            with self.subTest(cls=cls.__name__):
                with self.assertRaisesRegex(ValueError, pattern):
                    cls()._p
        with self.assertRaisesRegex(ValueError, "letters, digits"):
            Plain(name="has space")._p
        self.assertEqual(set(usermodel._registry), before)  # nothing registered

    # --- lifetime ----------------------------------------------------------------------------

    def test_destroy_runs_once_on_close(self):
        models = self.models()
        self.run_models(models)
        loyalty = models[2]
        binding = loyalty._tier_binding
        self.assertIn(binding.key, usermodel._registry)
        loyalty.close()
        loyalty.close()
        self.assertEqual(binding.destroy_calls, 1)
        self.assertNotIn(binding.key, usermodel._registry)
        with self.assertRaises(ValueError):
            loyalty._p

    def test_destroy_runs_once_on_garbage_collection(self):
        loyalty = Loyalty()
        result = libtier.run(self.book, [libtier.RFM(), libtier.Pareto(), loyalty])
        binding = loyalty._tier_binding
        self.assertIn(binding.key, usermodel._registry)
        del loyalty
        gc.collect()
        self.assertEqual(binding.destroy_calls, 0)  # the result keeps its models alive
        result.close()
        del result
        gc.collect()
        self.assertEqual(binding.destroy_calls, 1)
        self.assertNotIn(binding.key, usermodel._registry)

    def test_destroy_runs_when_the_library_refuses_the_model(self):
        # Let a name through that only the C side rejects: tier_model_new fails and has
        # already called destroy.
        before = set(usermodel._registry)
        saved = usermodel._MODEL_NAME
        usermodel._MODEL_NAME = re.compile(r".+\Z")
        try:
            model = Plain(name="has space")
            with self.assertRaises(libtier.TierError) as caught:
                model._p
        finally:
            usermodel._MODEL_NAME = saved
        self.assertEqual(caught.exception.name, "TIER_EINVAL")
        self.assertEqual(set(usermodel._registry), before)  # destroy removed the entry
        self.assertIsNone(model.__dict__.get("_tier_ptr"))  # nothing half-made is kept

    def test_registry_is_empty_after_everything_is_closed(self):
        gc.collect()
        before = set(usermodel._registry)
        keys = set()
        for _ in range(3):
            models = self.models()
            self.run_models(models).close()
            keys.add(models[2]._tier_binding.key)
        self.assertTrue(keys <= set(usermodel._registry))
        self.doCleanups()  # closes the models, results and the book
        gc.collect()
        self.assertEqual(set(usermodel._registry), before)
        self.assertFalse(keys & set(usermodel._registry))


class Scaled(libtier.Model):
    """value = scale * mean net amount; options of every type; what fit() learns saves."""

    outputs = [("value", "number")]
    options = [("scale", "number", "multiplier in (0, 100]", True), ("label", "text"),
               ("tags", "list", "up to three tags")]
    scale = 1.0
    label = "plain"
    tags = ()

    def __init__(self, name=None):
        super().__init__(name)
        self.mean = None

    def check_option(self, name, value):
        if name == "scale" and not 0 < value <= 100:
            raise ValueError("scale must be in (0, 100], not %r" % value)
        if name == "tags" and len(value) > 3:
            raise ValueError("at most three tags")
        return value

    def fit(self, book, inputs):
        ids = book.customer_ids()
        total = sum(book.stat(i, "net_amount") for i in ids)
        self.mean = total / len(ids)

    def score(self, book, frame):
        return {"value": [self.mean * self.scale] * book.customer_count()}

    def save_state(self):
        return [("mean", self.mean), ("note", ["kept", 1])]

    def load_state(self, records):
        got = dict(records)
        if set(got) != {"mean", "note"}:
            raise ValueError("records %s" % sorted(got))
        self.mean = got["mean"][0]


class Banded(libtier.Model):
    """No fit(): its options are its whole state."""

    outputs = [("band", ["low", "high"])]
    options = [("cut", "number")]
    cut = 10.0

    def score(self, book, frame):
        return {"band": ["high" if book.stat(i, "net_amount") >= self.cut else "low"
                         for i in book.customer_ids()]}


class PythonModelOptionsTest(unittest.TestCase):
    def setUp(self):
        self.book = libtier.Book()
        self.book.add_txn("x", "2024-01-01", 4)
        self.book.add_txn("y", "2024-01-02", 8)
        self.addCleanup(self.book.close)

    def test_options_are_declared_set_and_read_through_the_library(self):
        with Scaled("s") as m:
            self.assertEqual(m.get_option("scale"), 1.0)
            m.set_option("scale", 2.5)
            self.assertEqual(m.scale, 2.5)
            m.set_option("scale", "0.5")  # text is parsed by the declared type
            self.assertEqual(m.get_option("scale"), 0.5)
            m.set_option("label", "caf\u00e9")
            self.assertEqual(m.get_option("label"), "caf\u00e9")
            m.set_option("tags", ["a,b", "c"])
            self.assertEqual(m.get_option("tags"), ["a,b", "c"])
            m.set_option("tags", "x,y")
            self.assertEqual(m.tags, ["x", "y"])
            with self.assertRaises(ValueError):  # refused by check_option: nothing changes
                m.set_option("scale", 500)
            self.assertEqual(m.scale, 0.5)
            with self.assertRaises(libtier.TierError) as cm:
                m.set_option("colour", 1)
            self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")
            self.assertIn("scale, label, tags", cm.exception.message)
            with self.assertRaises(libtier.TierError) as cm:
                m.set_option("scale", "big")
            self.assertEqual(cm.exception.name, "TIER_EINVAL")

    def test_the_generic_calls_are_those_of_a_built_in_model(self):
        # One implementation (libtier.models.ModelCalls) serves both kinds of model.
        with Scaled("s") as m, libtier.RFM() as rfm:
            for name in ("set_option", "get_option", "option_text", "save", "load"):
                self.assertIs(getattr(type(m), name), getattr(type(rfm), name), name)
            self.assertIs(type(m).run_fit, type(rfm).fit)
            self.assertIs(type(m).run_score, type(rfm).score)
            self.assertIs(type(m).run_explain, type(rfm).explain)
            m.set_option("tags", ["a", "b"])
            self.assertEqual(m.option_text("tags"), "a,b")
            self.assertEqual(m.option_text("scale"), "1")

    def test_an_option_flagged_forgets_fit_unfits_when_it_changes(self):
        with Scaled() as m:
            m.run_fit(self.book)
            self.assertTrue(m.fitted)
            m.set_option("scale", 1)
            self.assertTrue(m.fitted)
            m.set_option("label", "other")
            self.assertTrue(m.fitted)
            m.set_option("scale", 3)
            self.assertFalse(m.fitted)

    def test_saved_state_loads_into_a_new_model_that_scores_the_same(self):
        with Scaled("s") as m, Scaled("s") as n:
            m.set_option("scale", 0.25).set_option("tags", ['q"uote', "new\nline"])
            m.run_fit(self.book)
            text = m.save()
            self.assertTrue(text.startswith('tier-model-state 1\nkind "python"\nname "s"\n'))
            self.assertIn('tags "q\\"uote" "new\\nline"\n', text)
            self.assertIn("\nmean 6\nnote \"kept\" 1\nend\n", text)
            self.assertFalse(n.fitted)
            n.load(text)
            self.assertTrue(n.fitted)
            self.assertEqual((n.scale, n.mean, n.tags), (0.25, 6.0, ['q"uote', "new\nline"]))
            self.assertEqual(n.save(), text)
            with m.run_score(self.book) as a, n.run_score(self.book) as b:
                self.assertEqual(list(a.column("s.value")), list(b.column("s.value")))

    def test_bad_state_is_refused_and_changes_nothing(self):
        with Scaled("s") as m, Scaled("s") as n:
            m.run_fit(self.book)
            text = m.save()
            n.set_option("scale", 7)
            for bad, name in ((text[:-10], "TIER_ECORRUPT"),
                              (text.replace("scale 1", 'scale "1"'), "TIER_ECORRUPT"),
                              (text.replace('kind "python"', 'kind "rfm"'), "TIER_ECORRUPT"),
                              (text.replace("tier-model-state 1", "tier-model-state 9"),
                               "TIER_EVERSION")):
                with self.assertRaises(libtier.TierError) as cm:
                    n.load(bad)
                self.assertEqual(cm.exception.name, name)
                self.assertIn("line", cm.exception.message)
                self.assertEqual((n.scale, n.mean, n.fitted), (7, None, False))
            with self.assertRaises(ValueError):  # load_state refuses: the options stay too
                n.load(text.replace("note", "other"))
            self.assertEqual((n.scale, n.fitted), (7, False))
            with self.assertRaises(ValueError):  # check_option refuses a loaded value
                n.load(text.replace("scale 1", "scale 500"))
            self.assertEqual(n.scale, 7)

    def test_a_model_without_fit_saves_its_options_and_one_with_fit_needs_save_state(self):
        with Banded("b") as m, Banded("b") as n:
            m.set_option("cut", 5)
            n.load(m.save())
            self.assertEqual(n.cut, 5)
            with n.run_score(self.book) as f:
                self.assertEqual(f.column("b.band"), ["low", "high"])
        with Loyalty() as plain:
            with self.assertRaises(libtier.TierError) as cm:
                plain.save()
            self.assertEqual(cm.exception.name, "TIER_EINVAL")

    def test_bad_option_declarations_are_refused(self):
        class NoType(Banded):
            options = [("cut", "float")]

        class BadDefault(Banded):
            options = [("cut", "number")]
            cut = "ten"

        for cls in (NoType, BadDefault):
            with cls() as m:
                with self.assertRaises((ValueError, TypeError)):
                    m.get_option("cut")


if __name__ == "__main__":
    unittest.main()
