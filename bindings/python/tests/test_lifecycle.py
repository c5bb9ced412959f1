# SPDX-License-Identifier: MIT
"""Lifecycle stages and onboarding through the binding, against the rules of docs/lifecycle.md
applied here to hand-made transaction histories."""

import math
import unittest

import _support

import libtier

AS_OF = "2024-07-01"
D = None  # the as-of day number, set in setUpModule

# id -> [(days before the as-of day, amount)]; negative offsets lie after it.
HISTORY = {
    "fresh": [(30, 50)],                          # first purchase 30 days ago: new
    "grower": [(300, 100), (10, 150)],            # previous 100, recent 150: trend +0.5
    "steady": [(300, 100), (10, 110)],            # trend +0.1: mature
    "decliner": [(300, 100), (10, 50)],           # trend -0.5: declining
    "sleeper": [(400, 80), (200, 80)],            # inactive 200 days: dormant
    "gone": [(500, 80), (400, 80)],               # inactive 400 days: churned
    "future": [(-5, 70)],                         # nothing before the as-of day: new
    "refunder": [(300, 100), (20, 10), (10, -20)],  # recent -10: declining; refund not activity
}
# id -> (implementation_progress, active_users_share); others have none.
ONBOARDING = {
    "grower": (0.3, None),        # handover
    "steady": (0.7, 0.9),         # internal_rollout (progress below 0.9)
    "decliner": (0.95, 0.7),      # stable_use
    "sleeper": (0.95, 0.5),       # internal_rollout (too few active users)
}


def setUpModule():
    global D
    D = libtier.to_day(AS_OF)


def make_book(progress="implementation_progress", users="active_users_share"):
    book = libtier.Book()
    for cid, txns in HISTORY.items():
        for back, amount in sorted(txns, key=lambda t: -t[0]):
            book.add_txn(cid, libtier.from_day(D - back), amount)
    book.add_customer("prospect")  # signed, never invoiced
    ids = list(ONBOARDING)
    book.set_attributes(ids, {progress: [ONBOARDING[i][0] for i in ids],
                              users: [ONBOARDING[i][1] for i in ids]})
    return book


def expected(cid, p_alive=None, rules=None):
    """(stage, onboarding, trend, inactive, tenure) by the documented rules and defaults."""
    r = dict(recent=180, previous=180, eps=1.0, churn=365, churn_p=0.1, dormant=180, new=90,
             growth=0.2, decline=-0.2, decline_p=0.5)
    r.update(rules or {})
    txns = [(D - back, amount) for back, amount in HISTORY.get(cid, []) if back > 0]
    buys = [day for day, amount in txns if amount >= 0]
    progress, users = ONBOARDING.get(cid, (None, None))
    if progress is None:
        onboarding = "none"
    elif progress < 0.5:
        onboarding = "handover"
    elif progress >= 0.9 and users is not None and users >= 0.6:
        onboarding = "stable_use"
    else:
        onboarding = "internal_rollout"
    if not buys:
        return "new", onboarding, math.nan, math.nan, math.nan
    tenure, inactive = D - min(buys), D - max(buys)
    recent = sum(a for day, a in txns if D - r["recent"] <= day < D)
    previous = sum(a for day, a in txns
                   if D - r["recent"] - r["previous"] <= day < D - r["recent"])
    trend = (recent - previous) / max(previous, r["eps"])
    if inactive > r["churn"] or (p_alive is not None and p_alive < r["churn_p"]):
        stage = "churned"
    elif inactive > r["dormant"]:
        stage = "dormant"
    elif tenure < r["new"]:
        stage = "new"
    elif trend < r["decline"] or (p_alive is not None and p_alive < r["decline_p"]):
        stage = "declining"
    elif trend > r["growth"]:
        stage = "growing"
    else:
        stage = "mature"
    return stage, onboarding, trend, inactive, tenure


class Survival(libtier.Model):
    """A stand-in CLV model: P(alive) per customer from a dict."""
    name = "clv"
    outputs = [("p_alive", "number")]

    def __init__(self, p_alive):
        super().__init__()
        self.p_alive = p_alive

    def score(self, book, frame):
        return {"p_alive": [self.p_alive.get(c) for c in book.customer_ids()]}


class LifecycleTest(unittest.TestCase):
    def setUp(self):
        self.book = make_book()
        self.addCleanup(self.book.close)

    def check(self, frame, name="lifecycle", p_alive=None, rules=None):
        ids = self.book.customer_ids()
        got = {out: frame.column("%s.%s" % (name, out))
               for out in ("stage", "onboarding", "trend", "inactive_days", "tenure_days")}
        for i, cid in enumerate(ids):
            stage, onboarding, trend, inactive, tenure = expected(
                cid, (p_alive or {}).get(cid), rules)
            self.assertEqual(got["stage"][i], stage, cid)
            self.assertEqual(got["onboarding"][i], onboarding, cid)
            for key, want in (("trend", trend), ("inactive_days", inactive),
                              ("tenure_days", tenure)):
                if math.isnan(want):
                    self.assertTrue(math.isnan(got[key][i]), (cid, key))
                else:
                    self.assertAlmostEqual(got[key][i], want, places=9, msg=(cid, key))

    def test_stages_follow_the_documented_rules(self):
        with libtier.Lifecycle(as_of=AS_OF) as model:
            self.assertEqual(model.kind, "lifecycle")
            model.fit(self.book)
            with model.score(self.book) as frame:
                self.assertEqual(frame.labels_of("lifecycle.stage"), list(model.stages))
                self.assertEqual(frame.labels_of("lifecycle.onboarding"),
                                 list(model.onboarding_stages))
                self.check(frame)
                stages = dict(zip(self.book.customer_ids(), frame.column("lifecycle.stage")))
        self.assertEqual(stages, {"fresh": "new", "grower": "growing", "steady": "mature",
                                  "decliner": "declining", "sleeper": "dormant",
                                  "gone": "churned", "future": "new", "refunder": "declining",
                                  "prospect": "new"})

    def test_thresholds_are_options(self):
        rules = {"dormant": 100, "churn": 250, "growth": 0.05}
        with libtier.Lifecycle("life", as_of=AS_OF, dormant_days=100, churn_days=250,
                               growth_trend=0.05) as model:
            self.assertEqual(model.get_option("churn_days"), 250)
            self.assertEqual(model.get_options()["dormant_days"], 100)
            self.assertEqual(model.as_of, libtier.from_day(D))
            model.fit(self.book)
            with model.score(self.book) as frame:
                self.check(frame, "life", rules=rules)
                self.assertEqual(frame.column("life.stage")[2], "growing")  # steady, +0.1
        with self.assertRaises(libtier.TierError) as cm:
            libtier.Lifecycle(churn_p_alive=2)
        self.assertEqual(cm.exception.name, "TIER_ERANGE")
        with self.assertRaises(libtier.TierError) as cm:
            libtier.Lifecycle(sleepy_days=3)
        self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")
        # Bounds hold per option; their order is checked when fitting.
        with libtier.Lifecycle(dormant_days=300, churn_days=200) as bad:
            with self.assertRaises(libtier.TierError):
                bad.fit(self.book)

    def test_default_as_of_is_the_day_after_the_last_transaction(self):
        with libtier.Lifecycle() as model:
            self.assertIsNone(model.as_of)
            model.as_of = AS_OF
            self.assertEqual(libtier.to_day(model.as_of), D)
            model.as_of = None
            self.assertIsNone(model.as_of)

    def test_p_alive_from_an_earlier_model_marks_churn_and_decline(self):
        p_alive = {"grower": 0.05, "steady": 0.3, "fresh": 0.9}
        policy = libtier.Policy()
        policy.add_rule(policy.add_tier("all"), "always")
        with libtier.Lifecycle(as_of=AS_OF) as life, \
                libtier.run(self.book, [Survival(p_alive), life], policy) as result:
            self.check(result.frame, p_alive=p_alive)
            stage = dict(zip(self.book.customer_ids(), result.column("lifecycle.stage")))
            self.assertEqual((stage["grower"], stage["steady"]), ("churned", "declining"))
        # Without the column (or told not to use it) P(alive) plays no part.
        with libtier.Lifecycle(as_of=AS_OF, p_alive_column=None) as life, \
                libtier.run(self.book, [Survival(p_alive), life], policy) as result:
            self.check(result.frame)

    def test_onboarding_attributes_can_be_renamed(self):
        with make_book("impl", "users") as book, \
                libtier.Lifecycle(as_of=AS_OF, progress_attribute="impl",
                                  users_attribute="users") as model:
            model.fit(book)
            with model.score(book) as frame:
                got = dict(zip(book.customer_ids(), frame.column("lifecycle.onboarding")))
            self.assertEqual(got["decliner"], "stable_use")
            self.assertEqual(got["grower"], "handover")
            with self.assertRaises(libtier.TierError):
                model.set_attribute("progress", "")


class B2BLifecycleTest(unittest.TestCase):
    def test_every_stage_occurs_in_the_example_data(self):
        with _support.b2b_book() as book, libtier.Lifecycle() as life, \
                libtier.run(book, [libtier.RFM(), libtier.Pareto(), life]) as result:
            stages = set(result.column("lifecycle.stage"))
            self.assertEqual(stages, set(libtier.Lifecycle.stages))
            self.assertEqual(set(result.column("lifecycle.onboarding")),
                             set(libtier.Lifecycle.onboarding_stages))


if __name__ == "__main__":
    unittest.main()
