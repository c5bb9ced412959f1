/* SPDX-License-Identifier: MIT */
/* Every built-in kind through the generic calls: made by name, each option's canonical text set
 * back unchanged, fitted, saved, loaded into a fresh model of the kind (which then saves the same
 * bytes and scores the same), and every cut or damaged copy of its saved text refused or read
 * without a crash, leaving the model as it was. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

static const char *const kinds[] = {"rfm",   "pareto",    "scorecard", "clv",
                                    "needs", "lifecycle", "sbg"};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

/* 60 customers over about a year and a half with two numeric attributes. */
static tier_book *make_book(const tier_allocator *a)
{
    tier_book *b = NULL;
    uint32_t x = 12345;
    size_t c;
    assert_int_equal(tier_book_new(&b, a), TIER_OK);
    for (c = 0; c < 60; c++) {
        char id[16];
        int k, n = 1 + (int)(c % 7);
        snprintf(id, sizeof id, "c%02u", (unsigned)c);
        for (k = 0; k < n; k++) {
            int32_t day;
            x = x * 1103515245u + 12345u;
            day = 9000 + (int32_t)((x >> 8) % 500);
            assert_int_equal(
                tier_book_add_txn(b, id, strlen(id), day, 5 + (double)((x >> 4) % 200), NAN),
                TIER_OK);
        }
        assert_int_equal(tier_book_set_number(b, c, "x", (double)(c % 11)), TIER_OK);
        assert_int_equal(tier_book_set_number(b, c, "y", (double)((c * 7) % 13) / 13.0), TIER_OK);
    }
    return b;
}

/* The sbg model fits on survivor counts and reads each customer's renewals from attribute x. */
static int sbg_options(tier_model *m)
{
    int rc = tier_model_set_option(m, "survivors", "1000 869 743 653 593 551 517 491,1000 631 468");
    if (rc == TIER_OK)
        rc = tier_model_set_text(m, "renewals", "attr.x");
    if (rc == TIER_OK)
        rc = tier_model_set_number(m, "margin", 120);
    return rc;
}

/* A model of `kind` with what it needs to fit on make_book(). */
static tier_model *make_model(const char *kind, const tier_allocator *a)
{
    static const char *const features[] = {"attr.x", "attr.y"};
    tier_model *m = NULL;
    size_t f;
    assert_int_equal(tier_model_new_kind(&m, NULL, kind, NULL, a), TIER_OK);
    if (strcmp(kind, "scorecard") == 0) {
        assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", 60, TIER_SCORECARD_EXPLICIT,
                                                   TIER_SCORECARD_NORM_PERCENTILE,
                                                   TIER_SCORECARD_HIGHER_IS_BETTER,
                                                   TIER_SCORECARD_MISSING_ZERO, NULL),
                         TIER_OK);
        assert_int_equal(tier_scorecard_add_factor(m, "y", "attr.y", 30, TIER_SCORECARD_GROWTH,
                                                   TIER_SCORECARD_NORM_MINMAX,
                                                   TIER_SCORECARD_LOWER_IS_BETTER,
                                                   TIER_SCORECARD_MISSING_IMPUTE, &f),
                         TIER_OK);
        assert_int_equal(tier_scorecard_set_caps(m, f, 0, NAN), TIER_OK);
        assert_int_equal(tier_scorecard_add_factor(m, "b", "attr.x", 10, TIER_SCORECARD_POTENTIAL,
                                                   TIER_SCORECARD_NORM_BANDS,
                                                   TIER_SCORECARD_HIGHER_IS_BETTER,
                                                   TIER_SCORECARD_MISSING_REWEIGHT, &f),
                         TIER_OK);
        assert_int_equal(
            tier_scorecard_set_bands(m, f, (const double[]){2, 5}, 2, (const double[]){0, 0.5, 1}),
            TIER_OK);
        assert_int_equal(tier_scorecard_add_penalty(m, "low_y", "attr.y", TIER_OP_LT, 0.1, -5),
                         TIER_OK);
        assert_int_equal(tier_scorecard_add_veto(m, "x_zero", "attr.x", TIER_OP_EQ, 0, "D"),
                         TIER_OK);
        assert_int_equal(tier_model_set_number(m, "grade_a", 75), TIER_OK);
    } else if (strcmp(kind, "needs") == 0) {
        assert_int_equal(tier_model_set_list(m, "features", features, 2), TIER_OK);
        assert_int_equal(tier_model_set_number(m, "k", 3), TIER_OK);
    } else if (strcmp(kind, "pareto") == 0) {
        assert_int_equal(tier_model_set_number(m, "threshold_a", 0.7), TIER_OK);
    } else if (strcmp(kind, "rfm") == 0) {
        assert_int_equal(tier_model_set_text(m, "monetary", "mean"), TIER_OK);
    } else if (strcmp(kind, "clv") == 0) {
        assert_int_equal(tier_model_set_number(m, "time_unit", 1), TIER_OK);
    } else if (strcmp(kind, "sbg") == 0) {
        assert_int_equal(sbg_options(m), TIER_OK);
    } else {
        assert_int_equal(tier_model_set_text(m, "p_alive_column", ""), TIER_OK);
    }
    return m;
}

static void test_every_option_takes_back_its_own_canonical_text(void **state)
{
    tier_text *t = NULL, *u = NULL;
    size_t k, i;
    (void)state;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&u, TST_ALLOC), TIER_OK);
    for (k = 0; k < N_KINDS; k++) {
        tier_model *m = make_model(kinds[k], TST_ALLOC);
        for (i = 0; i < tier_model_option_count(m); i++) {
            const char *name, *doc;
            int type;
            assert_int_equal(tier_model_option_info(m, i, &name, &type, &doc), TIER_OK);
            assert_true(doc[0] != '\0'); /* every built-in option is described */
            assert_int_equal(tier_model_get_option(m, name, t), TIER_OK);
            assert_int_equal(tier_model_set_option(m, name, tier_text_data(t)), TIER_OK);
            assert_int_equal(tier_model_get_option(m, name, u), TIER_OK);
            assert_string_equal(tier_text_data(t), tier_text_data(u));
        }
        tier_model_free(m);
    }
    tier_text_free(t);
    tier_text_free(u);
}

static void test_every_kind_saves_and_loads_its_fit_exactly(void **state)
{
    tier_book *book = make_book(TST_ALLOC);
    size_t k;
    (void)state;
    for (k = 0; k < N_KINDS; k++) {
        tier_model *m = make_model(kinds[k], TST_ALLOC), *n = NULL;
        tier_text *t = NULL;
        tier_frame *f, *g;
        char *s1, *s2;
        assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_model_save(m, t), TIER_ESTATE); /* not fitted yet */
        tier_text_free(t);
        assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
        s1 = tst_saved(m, TST_ALLOC);
        assert_int_equal(tier_model_new_kind(&n, NULL, kinds[k], NULL, TST_ALLOC), TIER_OK);
        assert_false(tier_model_is_fitted(n));
        assert_int_equal(tier_model_load(n, s1, strlen(s1)), TIER_OK);
        assert_true(tier_model_is_fitted(n));
        s2 = tst_saved(n, TST_ALLOC);
        assert_string_equal(s1, s2);
        f = tst_score(m, book, TST_ALLOC);
        g = tst_score(n, book, TST_ALLOC);
        tst_assert_same_frames(f, g);
        tier_frame_free(f);
        tier_frame_free(g);
        /* Another kind's state is refused. */
        {
            tier_model *o = NULL;
            assert_int_equal(
                tier_model_new_kind(&o, NULL, kinds[(k + 1) % N_KINDS], NULL, TST_ALLOC), TIER_OK);
            assert_int_equal(tier_model_load(o, s1, strlen(s1)), TIER_ECORRUPT);
            assert_non_null(strstr(tier_model_last_error(o), "line 2: the state is of kind"));
            tier_model_free(o);
        }
        test_free(s1);
        test_free(s2);
        tier_model_free(n);
        tier_model_free(m);
    }
    tier_book_free(book);
}

/* The scorecard kind's option "preset": "b2b" makes the card of tier_scorecard_new_b2b() by kind
 * and option alone, the value it has already changes nothing, "none" empties the card, and a
 * loaded card keeps the name of its preset. */
static void test_scorecard_preset_makes_the_b2b_card_by_kind_and_option(void **state)
{
    tier_book *book = NULL;
    tier_model *b2b = NULL, *m = NULL, *n = NULL;
    tier_frame *f = NULL;
    tier_text *t = NULL;
    double *spend;
    char *s1, *s2;
    size_t i;
    (void)state;
    /* An empty book needs no attribute; the card reads the column rfm.m. */
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 0, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, "rfm.m", &spend), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_scorecard_new_b2b(&b2b, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_new_kind(&m, NULL, "scorecard", NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_scorecard_factor_count(m), 0);
    assert_int_equal(tier_model_get_option(m, "preset", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "none");
    assert_int_equal(tier_model_set_option(m, "preset", "b2c"), TIER_EINVAL);
    assert_string_equal(tier_model_last_error(m),
                        "model \"scorecard\": option \"preset\": must be \"none\", \"b2b\" or "
                        "\"b2b-subscriptions\", not \"b2c\"");
    assert_int_equal(tier_scorecard_factor_count(m), 0);
    assert_int_equal(tier_model_set_option(m, "preset", "b2b"), TIER_OK);
    assert_int_equal(tier_scorecard_factor_count(m), 8);
    for (i = 0; i < 8; i++)
        assert_string_equal(tier_scorecard_factor_name(m, i), tier_scorecard_factor_name(b2b, i));
    /* The same factors, caps, bands, penalties and veto: both save the same text once fitted. */
    assert_int_equal(tier_model_fit(b2b, book, f), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, f), TIER_OK);
    s1 = tst_saved(b2b, TST_ALLOC);
    s2 = tst_saved(m, TST_ALLOC);
    assert_string_equal(s1, s2);
    assert_non_null(strstr(s1, "\npreset \"b2b\"\n"));
    assert_non_null(strstr(s1, "\nfactor.caps 0 0.5\n"));
    assert_non_null(strstr(s1, "\nveto \"arrears\" \"attr.arrears_days\" \">\" 90 \"C\"\n"));
    /* The preset it has: nothing changes and the fit stays; another one replaces the card. */
    assert_int_equal(tier_model_set_option(m, "preset", "b2b"), TIER_OK);
    assert_true(tier_model_is_fitted(m));
    assert_int_equal(tier_scorecard_factor_count(m), 8);
    assert_int_equal(tier_model_set_option(m, "preset", "none"), TIER_OK);
    assert_false(tier_model_is_fitted(m));
    assert_int_equal(tier_scorecard_factor_count(m), 0);
    /* A loaded card: its preset's name, and the card from its own records. */
    assert_int_equal(tier_model_new_kind(&n, NULL, "scorecard", NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(n, s1, strlen(s1)), TIER_OK);
    assert_int_equal(tier_scorecard_factor_count(n), 8);
    assert_int_equal(tier_model_get_option(n, "preset", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "b2b");
    test_free(s1);
    test_free(s2);
    tier_model_free(n);
    tier_model_free(m);
    tier_model_free(b2b);
    tier_text_free(t);
    tier_frame_free(f);
    tier_book_free(book);
}

/* Loads every cut of the saved text and a damaged copy at every byte: each is refused (or, for
 * a damaged copy, read as some other valid state) without a crash, and a refusal leaves the
 * model saving exactly what it saved before. */
static void test_cut_and_damaged_states_never_crash_and_change_nothing(void **state)
{
    static const char junk[] = {'x', '"', '\\', ' ', '\n', '9', '-', '\0', (char)0xff};
    tier_book *book = make_book(TST_ALLOC);
    size_t k, i, j;
    (void)state;
    for (k = 0; k < N_KINDS; k++) {
        tier_model *m = make_model(kinds[k], TST_ALLOC), *fresh = NULL;
        char *s, *copy, *after;
        size_t len;
        assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
        s = tst_saved(m, TST_ALLOC);
        len = strlen(s);
        copy = test_malloc(len + 1);
        assert_int_equal(tier_model_new_kind(&fresh, NULL, kinds[k], NULL, TST_ALLOC), TIER_OK);
        for (i = 0; i + 1 < len; i++) {
            assert_int_not_equal(tier_model_load(m, s, i), TIER_OK);
            assert_int_not_equal(tier_model_load(fresh, s, i), TIER_OK);
            assert_false(tier_model_is_fitted(fresh));
        }
        after = tst_saved(m, TST_ALLOC);
        assert_string_equal(s, after);
        test_free(after);
        for (i = 0; i < len; i += 1 + i / 64) {
            for (j = 0; j < sizeof junk; j++) {
                memcpy(copy, s, len + 1);
                if (copy[i] == junk[j])
                    continue;
                copy[i] = junk[j];
                if (tier_model_load(m, copy, len) != TIER_OK) {
                    after = tst_saved(m, TST_ALLOC);
                    assert_string_equal(s, after);
                    test_free(after);
                } else {
                    assert_int_equal(tier_model_load(m, s, len), TIER_OK);
                }
            }
        }
        test_free(copy);
        test_free(s);
        tier_model_free(fresh);
        tier_model_free(m);
    }
    tier_book_free(book);
}

static void test_given_profiles_in_raw_units_are_a_fit_that_saves(void **state)
{
    static const double low[2] = {0, 0}, high[2] = {10, 1};
    tier_book *book = make_book(TST_ALLOC);
    tier_model *m = make_model("needs", TST_ALLOC), *n = NULL;
    tier_frame *f, *g;
    char *s1, *s2;
    (void)state;
    assert_int_equal(tier_needs_add_profile(m, "low", low, 2), TIER_OK);
    assert_int_equal(tier_needs_add_profile(m, "high", high, 2), TIER_OK);
    assert_false(tier_model_is_fitted(m)); /* standardised: the fit computes means and sds */
    assert_int_equal(tier_model_set_number(m, "standardize", 0), TIER_OK);
    assert_true(tier_model_is_fitted(m)); /* raw profiles need no fit */
    s1 = tst_saved(m, TST_ALLOC);
    assert_non_null(strstr(s1, "\nsource \"profiles\"\n"));
    assert_non_null(strstr(s1, "\nsegment \"high\" 10 1\n"));
    assert_int_equal(tier_model_new_kind(&n, NULL, "needs", NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(n, s1, strlen(s1)), TIER_OK);
    s2 = tst_saved(n, TST_ALLOC);
    assert_string_equal(s1, s2);
    f = tst_score(m, book, TST_ALLOC);
    g = tst_score(n, book, TST_ALLOC);
    tst_assert_same_frames(f, g);
    /* Standardising again forgets the fit; changing the features needs the profiles gone. */
    assert_int_equal(tier_model_set_number(n, "standardize", 1), TIER_OK);
    assert_false(tier_model_is_fitted(n));
    assert_int_equal(tier_model_set_option(n, "features", "attr.y"), TIER_ESTATE);
    tier_frame_free(f);
    tier_frame_free(g);
    test_free(s1);
    test_free(s2);
    tier_model_free(n);
    tier_model_free(m);
    tier_book_free(book);
}

static int oom_kinds(const tier_allocator *alloc, void *ud)
{
    const tier_book *book = ud;
    size_t k;
    int rc = TIER_OK;
    for (k = 0; k < N_KINDS && !rc; k++) {
        tier_model *m = NULL, *n = NULL;
        if (strcmp(kinds[k], "clv") == 0 || strcmp(kinds[k], "scorecard") == 0)
            continue; /* long fits (clv) or many builder calls; their loads are walked below */
        rc = tier_model_new_kind(&m, NULL, kinds[k], NULL, alloc);
        if (!rc && strcmp(kinds[k], "needs") == 0)
            rc = tier_model_set_option(m, "features", "attr.x,attr.y");
        if (!rc && strcmp(kinds[k], "needs") == 0)
            rc = tier_model_set_number(m, "k", 2);
        if (!rc && strcmp(kinds[k], "sbg") == 0)
            rc = sbg_options(m);
        if (!rc)
            rc = tier_model_fit(m, book, NULL);
        if (!rc)
            rc = tier_model_new_kind(&n, NULL, kinds[k], NULL, alloc);
        if (!rc)
            rc = tst_oom_save_load(m, n, alloc);
        tier_model_free(n);
        tier_model_free(m);
    }
    return rc;
}

typedef struct load_case {
    const char *kind;
    const char *text;
} load_case;

static int oom_load(const tier_allocator *alloc, void *ud)
{
    const load_case *c = ud;
    tier_model *m = NULL;
    int rc = tier_model_new_kind(&m, NULL, c->kind, NULL, alloc);
    if (!rc) {
        rc = tier_model_load(m, c->text, strlen(c->text));
        assert_int_equal(tier_model_is_fitted(m), rc == TIER_OK);
    }
    tier_model_free(m);
    return rc;
}

static void test_loads_of_clv_and_scorecard_fail_cleanly_at_every_allocation(void **state)
{
    tier_book *book = make_book(TST_ALLOC);
    size_t k;
    (void)state;
    for (k = 0; k < N_KINDS; k++) {
        tier_model *m;
        load_case c;
        char *s;
        if (strcmp(kinds[k], "clv") != 0 && strcmp(kinds[k], "scorecard") != 0)
            continue;
        m = make_model(kinds[k], TST_ALLOC);
        assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
        s = tst_saved(m, TST_ALLOC);
        c.kind = kinds[k];
        c.text = s;
        assert_true(tst_oom_walk(oom_load, &c) > 3);
        test_free(s);
        tier_model_free(m);
    }
    tier_book_free(book);
}

TST_MAIN(cmocka_unit_test(test_every_option_takes_back_its_own_canonical_text),
         cmocka_unit_test(test_every_kind_saves_and_loads_its_fit_exactly),
         cmocka_unit_test(test_scorecard_preset_makes_the_b2b_card_by_kind_and_option),
         cmocka_unit_test(test_cut_and_damaged_states_never_crash_and_change_nothing),
         cmocka_unit_test(test_given_profiles_in_raw_units_are_a_fit_that_saves),
         TST_OOM_WALK(test_saving_and_loading_fail_cleanly_at_every_allocation, oom_kinds,
                      make_book, 20),
         cmocka_unit_test(test_loads_of_clv_and_scorecard_fail_cleanly_at_every_allocation))
