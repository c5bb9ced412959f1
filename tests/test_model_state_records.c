/* SPDX-License-Identifier: MIT */
/* The records of the saved states of the scorecard, the needs, the clv and the sbg models, each
 * damaged in meaning rather than in bytes: a record with a value missing or of the wrong type, a
 * record given twice or out of its order, values out of range, parts that do not fit together.
 * Each load fails with TIER_ECORRUPT, the message names the line and what the record should
 * have been, and the model keeps the fit it had (its saved text is the same bytes after). */
#include <stdio.h>
#include <string.h>

#include "support.h"

static const char SCORECARD[] =
    "tier-model-state 1\n"
    "kind \"scorecard\"\n"
    "name \"scorecard\"\n"
    "grade_a 80\n"
    "grade_b 65\n"
    "grade_c 50\n"
    "grade_d 35\n"
    "preset \"none\"\n"
    "factor \"x\" \"attr.x\" 60 \"explicit\" \"percentile\" \"higher\" \"zero\"\n"
    "factor.stats 0 10 4.5\n"
    "factor.reference 0 1 2 3 4 5 6 7 8 9 10\n"
    "factor.below 0 6 12 18 24 30 35 40 45 50 55 60\n"
    "factor \"y\" \"attr.y\" 30 \"growth\" \"minmax\" \"lower\" \"impute\"\n"
    "factor.caps 0 nan\n"
    "factor.impute nan\n"
    "factor.stats 0 0.5 0.25\n"
    "factor \"b\" \"attr.x\" 10 \"potential\" \"bands\" \"higher\" \"reweight\"\n"
    "factor.bands 2 5\n"
    "factor.fractions 0 0.5 1\n"
    "factor.stats 0 10 4.5\n"
    "penalty \"low_y\" \"attr.y\" \"<\" 0.1 -5\n"
    "veto \"x_zero\" \"attr.x\" \"==\" 0 \"D\"\n"
    "end\n";

static const char NEEDS[] = "tier-model-state 1\n"
                            "kind \"needs\"\n"
                            "name \"needs\"\n"
                            "features \"attr.x\" \"attr.y\"\n"
                            "k 3\n"
                            "k_min 2\n"
                            "k_max 8\n"
                            "seed 20240601\n"
                            "n_init 4\n"
                            "max_iter 100\n"
                            "standardize 1\n"
                            "sample 5000\n"
                            "init_sample 65536\n"
                            "source \"kmeans\"\n"
                            "mean 4.75 0.5\n"
                            "scale 3.25 0.25\n"
                            "used 1 1\n"
                            "segment \"need_1\" -0.75 1\n"
                            "segment \"need_2\" -0.5 -0.875\n"
                            "segment \"need_3\" 1.25 -0.125\n"
                            "end\n";

static const char CLV[] = "tier-model-state 1\n"
                          "kind \"clv\"\n"
                          "name \"clv\"\n"
                          "purchase_model \"bgnbd\"\n"
                          "time_unit 7\n"
                          "calibration_end nan\n"
                          "horizon 52\n"
                          "discount_rate 0.01\n"
                          "discount_period 30.4375\n"
                          "margin 1\n"
                          "as_of nan\n"
                          "require_convergence 0\n"
                          "fit.calibration_end 9497\n"
                          "fit.no_purchase 0\n"
                          "purchase.params 0.25 4.5 0.75 2.5\n"
                          "purchase.loglik -676.5\n"
                          "purchase.iterations 26\n"
                          "purchase.converged 1\n"
                          "purchase.customers 60\n"
                          "purchase.excluded 0\n"
                          "purchase.gradient 8e-8\n"
                          "purchase.evaluations 633\n"
                          "purchase.distinct_rows 60\n"
                          "purchase.starts 3\n"
                          "spend.params 2.5 15.5 60.25\n"
                          "spend.se 0.5 5.5 22.75\n"
                          "spend.loglik -253.5\n"
                          "spend.iterations 36\n"
                          "spend.converged 1\n"
                          "spend.customers 51\n"
                          "spend.excluded 0\n"
                          "spend.gradient 2e-8\n"
                          "spend.evaluations 812\n"
                          "spend.distinct_rows 51\n"
                          "spend.starts 3\n"
                          "end\n";

static const char SBG[] = "tier-model-state 1\n"
                          "kind \"sbg\"\n"
                          "name \"sbg\"\n"
                          "survivors \"1000 869 743 653 593 551 517 491\" \"1000 631 468\"\n"
                          "renewals \"attr.x\"\n"
                          "churned \"attr.churned\"\n"
                          "discount_rate 0.1\n"
                          "margin nan\n"
                          "margin_column \"\"\n"
                          "periods 0\n"
                          "fit.params 0.5 1.25\n"
                          "fit.se 0.03125 0.125\n"
                          "fit.loglik -2721.5\n"
                          "fit.iterations 13\n"
                          "fit.converged 1\n"
                          "fit.gradient 4e-12\n"
                          "fit.customers 2000\n"
                          "fit.churned 1041\n"
                          "fit.periods 7\n"
                          "fit.evaluations 14\n"
                          "end\n";

/* One damaged state: `find` in the good text of `kind` replaced by `put`; the load fails with
 * `rc` and a message that says `says`. */
typedef struct damage {
    const char *kind;
    const char *find;
    const char *put;
    int rc;
    const char *says;
} damage;

static const char *good_text(const char *kind)
{
    return strcmp(kind, "scorecard") == 0 ? SCORECARD
           : strcmp(kind, "needs") == 0   ? NEEDS
           : strcmp(kind, "sbg") == 0     ? SBG
                                          : CLV;
}

/* The good text with the first `find` replaced by `put` (test_malloc'ed). */
static char *damaged(const damage *d)
{
    const char *good = good_text(d->kind), *at = strstr(good, d->find);
    size_t before, flen = strlen(d->find), plen = strlen(d->put);
    char *s;
    if (!at)
        fail_msg("\"%s\" is not in the %s state", d->find, d->kind);
    before = (size_t)(at - good);
    s = test_malloc(strlen(good) - flen + plen + 1);
    memcpy(s, good, before);
    memcpy(s + before, d->put, plen);
    strcpy(s + before + plen, at + flen);
    return s;
}

static void test_damaged_records_are_refused_by_line(void **state)
{
    const damage *d = *state;
    tier_model *m = NULL;
    const char *good = good_text(d->kind);
    char *text = damaged(d), *after;
    assert_int_equal(tier_model_new_kind(&m, NULL, d->kind, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(m, good, strlen(good)), TIER_OK);
    assert_int_equal(tier_model_load(m, text, strlen(text)), d->rc);
    if (!strstr(tier_model_last_error(m), d->says))
        fail_msg("\"%s\" does not say \"%s\"", tier_model_last_error(m), d->says);
    assert_true(tier_model_is_fitted(m));
    after = tst_saved(m, TST_ALLOC);
    assert_string_equal(after, good);
    test_free(after);
    test_free(text);
    tier_model_free(m);
}

/* The good texts load and save back as the same bytes: the cases damage only what they name. */
static void test_the_good_states_load_and_save_the_same_bytes(void **state)
{
    static const char *const kinds[] = {"scorecard", "needs", "clv", "sbg"};
    size_t k;
    (void)state;
    for (k = 0; k < TST_COUNT(kinds); k++) {
        tier_model *m = NULL;
        char *saved;
        assert_int_equal(tier_model_new_kind(&m, NULL, kinds[k], NULL, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_model_load(m, good_text(kinds[k]), strlen(good_text(kinds[k]))),
                         TIER_OK);
        saved = tst_saved(m, TST_ALLOC);
        assert_string_equal(saved, good_text(kinds[k]));
        test_free(saved);
        tier_model_free(m);
    }
}

/* A loaded clv fit answers from its records: parameters, standard errors where they were saved,
 * every statistic, and the holdout check on a book; the calls name what they cannot do. */
static void test_a_loaded_clv_fit_answers_from_its_records(void **state)
{
    static const struct {
        int stat;
        double want;
    } stats[] = {{TIER_CLV_STAT_LOG_LIKELIHOOD, -676.5}, {TIER_CLV_STAT_ITERATIONS, 26},
                 {TIER_CLV_STAT_CONVERGED, 1},           {TIER_CLV_STAT_CUSTOMERS, 60},
                 {TIER_CLV_STAT_EXCLUDED_ZERO_SPEND, 0}, {TIER_CLV_STAT_GRADIENT, 8e-8},
                 {TIER_CLV_STAT_EVALUATIONS, 633},       {TIER_CLV_STAT_DISTINCT_ROWS, 60},
                 {TIER_CLV_STAT_NO_PURCHASE, 0},         {TIER_CLV_STAT_CALIBRATION_END, 9497}};
    static const tst_txn rows[] = {
        {"a", 9400, 10}, {"a", 9450, 20}, {"a", 9510, 5}, {"b", 9480, 15}, {"c", 9600, 30}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_model *m = NULL;
    tier_frame *f = NULL;
    double v[4] = {7, 7, 7, 7}, hs[TIER_CLV_HOLDOUT_COUNT];
    size_t i;
    (void)state;
    assert_int_equal(tier_model_new_kind(&m, NULL, "clv", NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_clv_fit_stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CUSTOMERS, v),
                     TIER_ESTATE);
    assert_non_null(strstr(tier_model_last_error(m), "the clv model is not fitted"));
    assert_int_equal(tier_clv_holdout(m, book, 9600, NULL, NULL, 0), TIER_ESTATE);
    assert_int_equal(tier_model_load(m, CLV, strlen(CLV)), TIER_OK);
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, NULL, 4), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no place for the values"));
    assert_int_equal(tier_clv_params(m, 3, v, 4), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "sub-model 3 is not"));
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, v, 3), TIER_ERANGE);
    assert_non_null(strstr(tier_model_last_error(m), "room for 3 values, the model has 4"));
    assert_true(v[0] == 7);
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, v, 4), TIER_OK);
    assert_true(v[0] == 0.25 && v[1] == 4.5 && v[2] == 0.75 && v[3] == 2.5);
    assert_int_equal(tier_clv_standard_errors(m, TIER_CLV_PURCHASE, v, 4), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_model_last_error(m), "standard errors are not available"));
    assert_int_equal(tier_clv_standard_errors(m, TIER_CLV_SPEND, v, 3), TIER_OK);
    assert_true(v[0] == 0.5 && v[1] == 5.5 && v[2] == 22.75);
    for (i = 0; i < TST_COUNT(stats); i++) {
        assert_int_equal(tier_clv_fit_stat(m, TIER_CLV_PURCHASE, stats[i].stat, v), TIER_OK);
        if (v[0] != stats[i].want)
            fail_msg("statistic %d: %g, want %g", stats[i].stat, v[0], stats[i].want);
    }
    assert_int_equal(tier_clv_fit_stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_EVALUATIONS, v), TIER_OK);
    assert_true(v[0] == 812);
    assert_int_equal(tier_clv_fit_stat(m, TIER_CLV_PURCHASE, 99, v), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "unknown statistic 99"));
    /* the holdout check: its arguments, then the figures of a and b (c came after the end) */
    assert_int_equal(tier_clv_holdout(m, NULL, 9600, NULL, NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_clv_holdout(m, book, 9600, NULL, NULL, 2), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no book, or no array"));
    assert_int_equal(tier_clv_holdout(m, book, 9497, NULL, hs, 6), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "must be after the calibration end"));
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_clv_holdout(m, book, 9600, f, hs, 6), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "the frame has 2 rows but the book 3"));
    tier_frame_free(f);
    assert_int_equal(tier_clv_holdout(m, book, 9600, NULL, hs, TIER_CLV_HOLDOUT_COUNT), TIER_OK);
    assert_true(hs[TIER_CLV_HOLDOUT_CUSTOMERS - 1] == 2);
    assert_true(hs[TIER_CLV_HOLDOUT_ACTUAL - 1] == 1); /* a's purchase on day 9510 */
    tst_assert_rel(hs[TIER_CLV_HOLDOUT_SPAN - 1], 103.0 / 7, 1e-15);
    assert_true(hs[TIER_CLV_HOLDOUT_CALIBRATION_END - 1] == 9497);
    tier_model_free(m);
    tier_book_free(book);
}

#define SC(find, put, says)                               \
    {                                                     \
        "scorecard", (find), (put), TIER_ECORRUPT, (says) \
    }
#define ND(find, put, says)                           \
    {                                                 \
        "needs", (find), (put), TIER_ECORRUPT, (says) \
    }
#define CV(find, put, says)                         \
    {                                               \
        "clv", (find), (put), TIER_ECORRUPT, (says) \
    }
#define SB(find, put, says)                         \
    {                                               \
        "sbg", (find), (put), TIER_ECORRUPT, (says) \
    }

static const damage CASES[] = {
    SC("\"higher\" \"zero\"\n", "\"higher\"\n",
       "line 9: a factor is: name column weight group normalisation direction missing"),
    SC("60 \"explicit\"", "\"60\" \"explicit\"",
       "line 9: a factor is: name column weight group normalisation direction missing"),
    SC("\"explicit\"", "\"explicitly\"",
       "line 9: unknown group, normalisation, direction or missing-value policy"),
    SC("\"<\" 0.1 -5", "\"<\" 0.1", "line 21: a penalty is: name column operator threshold points"),
    SC("\"<\" 0.1 -5", "\"<\" 0.1 \"-5\"",
       "line 21: a penalty is: name column operator threshold points"),
    SC("\"<\" 0.1 -5", "\"<\" \"0.1\" -5",
       "line 21: a penalty is: name column operator threshold points"),
    SC("\"==\" 0 \"D\"", "\"==\" 0 4", "line 22: a veto is: name column operator threshold grade"),
    SC("\"==\" 0 \"D\"", "\"=<\" 0 \"D\"", "line 22: unknown operator (<, <=, ==, !=, >=, >)"),
    SC("veto \"x_zero\" \"attr.x\" \"==\"", "veto \"x_zero\" 3 \"==\"",
       "line 22: a veto is: name column operator threshold grade"),
    SC("factor.stats 0 0.5 0.25\n", "factor.stats 0 0.5 0.25\nfactor.reference 1 2\n",
       "line 17: a reference belongs to a fitted percentile factor"),
    SC("factor.stats 0 10 4.5\nfactor.reference", "factor.reference",
       "line 10: a reference belongs to a fitted percentile factor"),
    SC("factor.below", "factor.reference 0 1\nfactor.below",
       "line 12: the reference is given twice or empty"),
    SC("factor.reference 0 1 2", "factor.reference\nfactor.below 0\nfactor.reference 0 1 2",
       "line 11: the reference is given twice or empty"),
    SC("factor.reference 0 1 2", "factor.reference 0 2 1",
       "line 11: reference values must be finite and strictly ascending"),
    SC("factor.reference 0 1 2", "factor.reference nan 1 2",
       "line 11: reference values must be finite and strictly ascending"),
    SC("factor.below 0 6 12", "factor.below 0 6",
       "line 12: the counts must follow the reference, one more than its values"),
    SC("factor.below 0 6 12", "factor.below 0 6.5 12",
       "line 12: counts must be whole, start at 0 and increase"),
    SC("factor.below 0 6 12", "factor.below 1 6 12",
       "line 12: counts must be whole, start at 0 and increase"),
    SC("factor.below 0 6 12", "factor.below 0 12 12",
       "line 12: counts must be whole, start at 0 and increase"),
    SC("factor.below 0 6 12", "factor.below 0 -6 12",
       "line 12: counts must be whole, start at 0 and increase"),
    SC("factor.below 0 6 12 18 24 30 35 40 45 50 55 60\n",
       "factor.below 0 6 12 18 24 30 35 40 45 50 55 60\nfactor.below 0 1\n",
       "line 13: the counts must follow the reference, one more than its values"),
    /* A partial reference (factor.equal, a part of a split run). */
    SC("factor.reference 0 1 2", "factor.equal 1\nfactor.reference 0 1 2",
       "line 11: the equal counts follow the reference, one a value, before the counts below"),
    SC("factor.below 0 6", "factor.equal 6 6 6 6 6 5 5 5 5 5 1e16\nfactor.below 0 6",
       "line 12: equal counts must be whole numbers from 0 to 1e15"),
    SC("factor.below 0 6", "factor.equal 6 6 6 6 6 5 5 5 5 5 nan\nfactor.below 0 6",
       "line 12: equal counts must be whole numbers from 0 to 1e15"),

    SC("factor.below 0 6 12", "factor.below 0 \"6\" 12",
       "line 12: value 2 of record \"factor.below\" is not a number"),
    SC("factor.below 0 6", "factor.equal 6 \"6\" 6 6 6 5 5 5 5 5 5\nfactor.below 0 6",
       "line 12: value 2 of record \"factor.equal\" is not a number"),
    SC("factor.below 0 6", "factor.equal 6 6 6 6 6 5 5 5 5 5 -5\nfactor.below 0 6",
       "line 12: equal counts must be whole numbers from 0 to 1e15"),

    SC("factor.below 0 6", "factor.equal 1\nfactor.below 0 6",
       "line 12: the equal counts follow the reference, one a value, before the counts below"),
    SC("factor.below 0 6 12 18 24 30 35 40 45 50 55 60\n",
       "factor.below 0 6 12 18 24 30 35 40 45 50 55 60\nfactor.equal 6 6 6 6 6 5 5 5 5 5 5\n",
       "line 13: the equal counts follow the reference, one a value, before the counts below"),
    SC("factor.below 0 6",
       "factor.equal 6 6 6 6 6 5 5 5 5 5 5\nfactor.equal 6 6 6 6 6 5 5 5 5 5 5\nfactor.below 0 6",
       "line 13: the equal counts follow the reference, one a value, before the counts below"),
    SC("factor.below 0 6", "factor.equal 6 6 6 6 6 5 5 5 5 5 5.5\nfactor.below 0 6",
       "line 12: equal counts must be whole numbers from 0 to 1e15"),
    SC("factor.below 0 6", "factor.equal 7 6 6 6 6 5 5 5 5 5 5\nfactor.below 0 6",
       "line 13: a partial reference's counts below are whole, each at least the one before "
       "plus its equal count, and end at a population above 0"),
    SC("factor.below 0 6 12 18 24 30 35 40 45 50 55 60",
       "factor.equal 6 6 6 6 6 5 5 5 5 5 5\nfactor.below 0 6 12 18 24 30 35 40 45 50 55 54",
       "line 13: a partial reference's counts below are whole, each at least the one before "
       "plus its equal count, and end at a population above 0"),
    SC("factor.below 0 6 12 18 24 30 35 40 45 50 55 60",
       "factor.equal 0 0 0 0 0 0 0 0 0 0 0\nfactor.below 0 0 0 0 0 0 0 0 0 0 0 0",
       "line 13: a partial reference's counts below are whole, each at least the one before "
       "plus its equal count, and end at a population above 0"),
    SC("factor.below 0 6 12 18 24 30 35 40 45 50 55 60",
       "factor.equal 6 6 6 6 6 5 5 5 5 5 5\nfactor.below 0.5 6 12 18 24 30 35 40 45 50 55 60",
       "line 13: a partial reference's counts below are whole, each at least the one before "
       "plus its equal count, and end at a population above 0"),
    SC("preset \"none\"\n", "preset \"none\"\nfactor.caps 0 1\n",
       "line 9: a factor detail before any factor"),
    SC("factor.bands 2 5", "factor.bands", "line 18: 1 to 64 band edges, once per factor"),
    SC("factor.bands 2 5",
       "factor.bands 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 "
       "30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 "
       "60 61 62 63 64 65",
       "line 18: 1 to 64 band edges, once per factor"),
    SC("factor.fractions 0 0.5 1", "factor.fractions 0 1",
       "line 19: the fractions follow the bands, one more than edges"),
    SC("factor.impute nan\n", "factor.impute nan\nfactor.fractions 0 1\n",
       "line 16: the fractions follow the bands, one more than edges"),
    SC("factor.fractions 0 0.5 1\n", "", "line 19: band edges without fractions"),
    SC("veto \"x_zero\" \"attr.x\" \"==\" 0 \"D\"\n", "factor.bands 1\n",
       "line 23: band edges without fractions"),
    SC("factor.stats 0 0.5 0.25", "factor.stats 0 0.5 0.25\nfactor.stats 0 1 0.5",
       "line 17: the stats are given twice"),
    SC("factor.stats 0 0.5 0.25", "factor.stats 0 0.5 0.75",
       "line 16: stats are a finite minimum <= median <= maximum"),
    SC("factor.stats 0 0.5 0.25", "factor.stats 0.5 0.5 0.25",
       "line 16: stats are a finite minimum <= median <= maximum"),
    SC("factor.stats 0 0.5 0.25", "factor.stats nan 0.5 0.25",
       "line 16: stats are a finite minimum <= median <= maximum"),
    SC("factor.stats 0 0.5 0.25", "factor.stats 0 inf 0.25",
       "line 16: stats are a finite minimum <= median <= maximum"),
    SC("factor.stats 0 0.5 0.25", "factor.stats 0 0.5 nan",
       "line 16: stats are a finite minimum <= median <= maximum"),
    SC("factor.impute nan", "factor.shape 1", "line 15: unknown record \"factor.shape\""),
    SC("factor.reference 0 1 2 3 4 5 6 7 8 9 10\nfactor.below 0 6 12 18 24 30 35 40 45 50 55 60\n",
       "", "line 21: factor \"x\" has stats but no reference and counts"),
    SC("grade_a 80", "grade_a 30",
       "line 23: grade bands must be non-increasing lower bounds in [0, 100] for A, B, C, D (band "
       "1 is 65)"),
    SC("factor.caps 0 nan", "factor.caps 5 1",
       "line 14: factor \"y\": caps [5, 1] must be finite with lo <= hi (NaN = fitted)"),
    ND("source \"kmeans\"", "source \"kmeans\"\nsource \"kmeans\"",
       "line 15: source is \"kmeans\" or \"profiles\", given once"),
    ND("source \"kmeans\"", "source \"means\"",
       "line 14: source is \"kmeans\" or \"profiles\", given once"),
    ND("source \"kmeans\"", "source 1", "line 14: value 1 of record \"source\" is not a text"),
    ND("mean 4.75 0.5", "mean 4.75 0.5\nmean 1 2", "line 16: record given twice"),
    ND("mean 4.75 0.5", "mean 4.75", "line 15: 1 values for 2 features"),
    ND("segment \"need_1\" -0.75 1", "segment \"need_1\" -0.75",
       "line 18: a segment is a name and 2 numbers"),
    ND("segment \"need_1\" -0.75 1", "segment 1 -0.75 1",
       "line 18: value 1 of record \"segment\" is not a text"),
    ND("segment \"need_2\"", "segment \"need_1\"",
       "line 19: a segment name is empty, too long, has control characters or is given twice"),
    ND("segment \"need_2\"", "segment \"\"",
       "line 19: a segment name is empty, too long, has control characters or is given twice"),
    ND("segment \"need_1\" -0.75 1", "segment \"need_1\" -0.75 1e101",
       "line 18: a segment value is not a finite number in range"),
    ND("segment \"need_1\" -0.75 1", "segment \"need_1\" nan 1",
       "line 18: a segment value is not a finite number in range"),
    ND("segment \"need_1\" -0.75 1\nsegment \"need_2\" -0.5 -0.875\nsegment \"need_3\" 1.25 "
       "-0.125\n",
       "", "line 18: no segment"),
    ND("used 1 1\n", "", "line 20: missing source, mean, scale or used record"),
    ND("features \"attr.x\" \"attr.y\"\n", "", "line 14: 2 values for 0 features"),
    ND("used 1 1\n", "used 1 1\nfeatures \"attr.x\"\n",
       "line 18: the features come before the fit"),
    ND("features \"attr.x\" \"attr.y\"", "features \"attr.x\" \"attr.x\"",
       "line 4: option \"features\" feature \"attr.x\" is given twice"),
    ND("scale 3.25 0.25", "scale 3.25 0",
       "line 21: feature \"attr.y\": the mean must be finite, the scale positive and used 0 or 1"),
    ND("scale 3.25 0.25", "scale inf 0.25",
       "line 21: feature \"attr.x\": the mean must be finite, the scale positive and used 0 or 1"),
    ND("mean 4.75 0.5", "mean inf 0.5",
       "line 21: feature \"attr.x\": the mean must be finite, the scale positive and used 0 or 1"),
    ND("used 1 1", "used 1 2",
       "line 21: feature \"attr.y\": the mean must be finite, the scale positive and used 0 or 1"),
    ND("source \"kmeans\"\nmean 4.75 0.5\nscale 3.25 0.25\nused 1 1",
       "source \"profiles\"\nmean 4.75 0.5\nscale 3.25 0.25\nused 1 0",
       "line 21: a profile state must use every feature (\"attr.y\" is dropped)"),
    ND("source \"kmeans\"\nmean 4.75 0.5\nscale 3.25 0.25\nused 1 1\nsegment \"need_1\" -0.75 1",
       "source \"profiles\"\nmean 4.75 0.5\nscale 1e-90 0.25\nused 1 1\nsegment \"need_1\" 1e20 1",
       "line 21: segment \"need_1\": feature \"attr.x\" is too far out"),
    ND("k_min 2", "k_min 9", "line 21: k_min (9) must not exceed k_max (8)"),
    ND("n_init 4", "n_init 4.5",
       "line 9: option \"n_init\" must be an integer from 1 to 100, not 4.5"),
    CV("horizon 52", "horizon -1",
       "line 7: option \"horizon\" -1 is out of range: need a whole number in [1, 10000]"),
    CV("fit.calibration_end 9497", "fit.calibration_end 9497.5", "line 13: not a day number"),
    CV("fit.no_purchase 0", "fit.no_purchase -1", "line 14: not a customer count"),
    CV("fit.no_purchase 0", "fit.no_purchase 0\nfit.no_purchase 0", "line 15: record given twice"),
    CV("fit.no_purchase 0\n", "", "line 35: no fit.calibration_end or fit.no_purchase record"),
    CV("fit.no_purchase 0", "fit.no_purchase \"0\"",
       "line 14: value 1 of record \"fit.no_purchase\" is not a number"),
    CV("purchase.loglik -676.5", "purchase.loglik -676.5\npurchase.loglik -676.5",
       "line 17: record given twice"),
    CV("purchase.loglik -676.5\n", "", "line 35: the purchase sub-model is incomplete"),
    CV("spend.se 0.5 5.5 22.75", "spend.se 0.5 -5.5 22.75",
       "line 26: standard errors must be positive finite numbers"),
    CV("spend.params 2.5 15.5 60.25", "spend.params 2.5 0 60.25",
       "line 25: parameters must be positive finite numbers"),
    CV("purchase.iterations 26", "purchase.iterations 2.5", "line 17: bad value for iterations"),
    CV("purchase.converged 1", "purchase.converged 2", "line 18: bad value for converged"),
    CV("purchase.customers 60", "purchase.customers -60", "line 19: bad value for customers"),
    CV("purchase.excluded 0", "purchase.excluded inf", "line 20: bad value for excluded"),
    CV("purchase.evaluations 633", "purchase.evaluations -1", "line 22: bad value for evaluations"),
    CV("purchase.distinct_rows 60", "purchase.distinct_rows 0.5",
       "line 23: bad value for distinct_rows"),
    CV("purchase.starts 3", "purchase.starts -3", "line 24: bad value for starts"),
    CV("purchase.gradient 8e-8", "purchase.gradient -1", "line 21: bad value for gradient"),
    CV("spend.starts 3\n", "spend.starts 3\npurchase_model \"pareto_nbd\"\n",
       "line 37: the purchase model changed after its parameters"),
    SB("\"1000 631 468\"", "\"1000 6x1 468\"",
       "line 4: option \"survivors\" cohort 2: \"6x1\" is not a number (survivor counts are "
       "numbers separated by spaces, one cohort per item)"),
    SB("\"1000 631 468\"", "\"1000 1100\"",
       "line 4: option \"survivors\" cohort 2, period 1: 1100 survivors after 1000 in period 0; "
       "survivor counts cannot increase"),
    SB("fit.params 0.5 1.25", "fit.params 0.5 1.25\nfit.params 0.5 1.25",
       "line 12: record given twice"),
    SB("fit.params 0.5 1.25", "fit.params 0 1.25",
       "line 11: alpha and beta (and their standard errors) must be positive finite numbers"),
    SB("fit.params 0.5 1.25", "fit.params 0.5 inf",
       "line 11: alpha and beta (and their standard errors) must be positive finite numbers"),
    SB("fit.se 0.03125 0.125", "fit.se 0.03125 -0.125",
       "line 12: alpha and beta (and their standard errors) must be positive finite numbers"),
    SB("fit.loglik -2721.5", "fit.loglik 5", "line 13: bad value for fit.loglik"),
    SB("fit.loglik -2721.5\n", "",
       "line 20: the fit is incomplete (fit.params, fit.loglik, ... missing)"),
    SB("fit.iterations 13", "fit.iterations 1.5", "line 14: bad value for fit.iterations"),
    SB("fit.converged 1", "fit.converged 0.5", "line 15: bad value for fit.converged"),
    SB("fit.gradient 4e-12", "fit.gradient -1", "line 16: bad value for fit.gradient"),
    SB("fit.customers 2000", "fit.customers 0", "line 17: bad value for fit.customers"),
    SB("fit.churned 1041", "fit.churned -1", "line 18: bad value for fit.churned"),
    SB("fit.periods 7", "fit.periods 100001", "line 19: bad value for fit.periods"),
    SB("fit.evaluations 14", "fit.evaluations -14", "line 20: bad value for fit.evaluations"),
    SB("discount_rate 0.1", "discount_rate 0",
       "line 7: option \"discount_rate\" 0 is out of range: need (0, 10]"),
    SB("periods 0", "periods 2.5",
       "line 10: option \"periods\" 2.5 is out of range: need a whole number in [0, "
       "10000]"),
    SC("preset \"none\"", "preset 5", "line 8: option \"preset\" needs one quoted text"),
    SC("preset \"none\"", "preset \"none\" \"b2b\"",
       "line 8: option \"preset\" needs one quoted text"),
    SC("grade_a 80", "grade_a \"80\"", "line 4: value 1 of record \"grade_a\" is not a number"),
    ND("features \"attr.x\" \"attr.y\"", "features \"attr.x\" 5",
       "line 4: option \"features\" needs quoted texts"),
    ND("features \"attr.x\" \"attr.y\"",
       "features \"attr.f0\" \"attr.f1\" \"attr.f2\" \"attr.f3\" \"attr.f4\" \"attr.f5\" "
       "\"attr.f6\" \"attr.f7\" \"attr.f8\" \"attr.f9\" \"attr.f10\" \"attr.f11\" \"attr.f12\" "
       "\"attr.f13\" \"attr.f14\" \"attr.f15\" \"attr.f16\" \"attr.f17\" \"attr.f18\" \"attr.f19\" "
       "\"attr.f20\" \"attr.f21\" \"attr.f22\" \"attr.f23\" \"attr.f24\" \"attr.f25\" \"attr.f26\" "
       "\"attr.f27\" \"attr.f28\" \"attr.f29\" \"attr.f30\" \"attr.f31\" \"attr.f32\" \"attr.f33\" "
       "\"attr.f34\" \"attr.f35\" \"attr.f36\" \"attr.f37\" \"attr.f38\" \"attr.f39\" \"attr.f40\" "
       "\"attr.f41\" \"attr.f42\" \"attr.f43\" \"attr.f44\" \"attr.f45\" \"attr.f46\" \"attr.f47\" "
       "\"attr.f48\" \"attr.f49\" \"attr.f50\" \"attr.f51\" \"attr.f52\" \"attr.f53\" \"attr.f54\" "
       "\"attr.f55\" \"attr.f56\" \"attr.f57\" \"attr.f58\" \"attr.f59\" \"attr.f60\" \"attr.f61\" "
       "\"attr.f62\" \"attr.f63\" \"attr.f64\"",
       "line 15: 2 values for 65 features"),
};

int main(void)
{
    struct CMUnitTest tests[TST_COUNT(CASES) + 2];
    static char names[TST_COUNT(CASES)][96];
    size_t i;
    tests[0] =
        (struct CMUnitTest)cmocka_unit_test(test_the_good_states_load_and_save_the_same_bytes);
    tests[1] = (struct CMUnitTest)cmocka_unit_test(test_a_loaded_clv_fit_answers_from_its_records);
    for (i = 0; i < TST_COUNT(CASES); i++) {
        snprintf(names[i], sizeof names[i], "%s state, damage %lu", CASES[i].kind,
                 (unsigned long)i);
        tests[i + 2] = (struct CMUnitTest)TST_CASE(
            names[i], test_damaged_records_are_refused_by_line, &CASES[i]);
    }
    return _cmocka_run_group_tests("test_model_state_records", tests, TST_COUNT(tests), NULL, NULL);
}
