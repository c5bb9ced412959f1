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
        self.assertEqual(sum(s["customers"] for s in result.summary().values()), len(self.order))

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


if __name__ == "__main__":
    unittest.main()
