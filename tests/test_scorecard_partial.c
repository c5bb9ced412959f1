/* SPDX-License-Identifier: MIT */
/* The scorecard's partial reference (record factor.equal, docs/scorecard.md "Saved state"): a
 * part of a split run loads a model holding only its own values with the population's counts
 * below and equal and the population's size, and scores every customer exactly as the model
 * fitted on the whole population does. The text round-trips, a load walks out of memory, and the
 * bad counts are refused by line (tests/test_model_state_records.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define N 60

/* Factor x: coarse values (ties), every seventh missing (imputed from the median, which is not
 * a value of x); factor y: fewer distinct values, every fifth missing (scored zero). */
static double value_x(size_t i)
{
    return i % 7 == 3 ? NAN : (double)((i * 37) % 23) * 1.5;
}

static double value_y(size_t i)
{
    return i % 5 == 1 ? NAN : (double)((i * 13) % 9);
}

static tier_book *book_of_part(const tier_allocator *a, int part)
{
    tier_book *book = NULL;
    size_t i, idx;
    char id[16];
    assert_int_equal(tier_book_new(&book, a), TIER_OK);
    for (i = 0; i < N; i++) {
        if (part >= 0 && (int)(i % 4 == 0 ? 0 : 1) != part)
            continue;
        snprintf(id, sizeof id, "c%02lu", (unsigned long)i);
        assert_int_equal(tier_book_add_customer(book, id, strlen(id), &idx), TIER_OK);
        assert_int_equal(tier_book_set_number(book, idx, "x", value_x(i)), TIER_OK);
        assert_int_equal(tier_book_set_number(book, idx, "y", value_y(i)), TIER_OK);
    }
    return book;
}

static tier_model *card(void)
{
    tier_model *m = NULL;
    assert_int_equal(tier_scorecard_new(&m, "card", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", 70, TIER_SCORECARD_EXPLICIT,
                                               TIER_SCORECARD_NORM_PERCENTILE,
                                               TIER_SCORECARD_HIGHER_IS_BETTER,
                                               TIER_SCORECARD_MISSING_IMPUTE, NULL),
                     TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(m, "y", "attr.y", 30, TIER_SCORECARD_GROWTH,
                                               TIER_SCORECARD_NORM_PERCENTILE,
                                               TIER_SCORECARD_LOWER_IS_BETTER,
                                               TIER_SCORECARD_MISSING_ZERO, NULL),
                     TIER_OK);
    return m;
}

/* The population's count of factor k's values below v (*below) and equal to it (*equal). */
static void population_counts(int k, double v, size_t *below, size_t *equal)
{
    size_t i;
    *below = *equal = 0;
    for (i = 0; i < N; i++) {
        double x = k == 0 ? value_x(i) : value_y(i);
        if (isnan(x))
            continue;
        *below += x < v;
        *equal += x == v;
    }
}

static int ascending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The partial reference records of factor k for part `part` (and `extra`, a value the part
 * looks up beyond its own, NaN for none), appended to out. */
static void append_partial(char *out, size_t size, int k, int part, double extra)
{
    double v[N + 1];
    size_t n = 0, i, j, below, equal, total;
    char *end;
    for (i = 0; i < N; i++) {
        double x = k == 0 ? value_x(i) : value_y(i);
        if ((int)(i % 4 == 0 ? 0 : 1) == part && !isnan(x))
            v[n++] = x;
    }
    if (!isnan(extra))
        v[n++] = extra;
    qsort(v, n, sizeof *v, ascending);
    for (i = 0, j = 0; i < n; i++)
        if (i == 0 || v[i] != v[j - 1])
            v[j++] = v[i];
    n = j;
    end = out + strlen(out);
    end += snprintf(end, size - (size_t)(end - out), "factor.reference");
    for (i = 0; i < n; i++)
        end += snprintf(end, size - (size_t)(end - out), " %.17g", v[i]);
    end += snprintf(end, size - (size_t)(end - out), "\nfactor.equal");
    for (i = 0; i < n; i++) {
        population_counts(k, v[i], &below, &equal);
        end += snprintf(end, size - (size_t)(end - out), " %lu", (unsigned long)equal);
    }
    end += snprintf(end, size - (size_t)(end - out), "\nfactor.below");
    for (i = 0; i < n; i++) {
        population_counts(k, v[i], &below, &equal);
        end += snprintf(end, size - (size_t)(end - out), " %lu", (unsigned long)below);
    }
    population_counts(k, INFINITY, &total, &equal);
    snprintf(end, size - (size_t)(end - out), " %lu\n", (unsigned long)total);
}

/* The fitted whole-population state with each reference replaced by part `part`'s partial one. */
static char *partial_state(const char *full, int part, double median_x)
{
    size_t size = strlen(full) + 8192;
    char *out = test_calloc(1, size);
    const char *line = full;
    int k = -1;
    assert_non_null(out);
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
        if (strncmp(line, "factor ", 7) == 0)
            k++;
        if (strncmp(line, "factor.reference ", 17) == 0)
            append_partial(out, size, k, part, k == 0 ? median_x : NAN);
        else if (strncmp(line, "factor.below ", 13) != 0)
            strncat(out, line, len);
        line += len;
    }
    return out;
}

static void test_parts_score_every_customer_as_the_whole_population(void **state)
{
    tier_book *all = book_of_part(TST_ALLOC, -1);
    tier_model *whole = card();
    tier_frame *f_all = tst_fit_score(whole, all, TST_ALLOC);
    char *full = tst_saved(whole, TST_ALLOC);
    const double *s_all = tst_numbers(f_all, "card.score");
    double median_x = NAN;
    const char *stats = strstr(full, "factor.stats ");
    int part;
    (void)state;
    assert_non_null(stats);
    assert_int_equal(sscanf(stats, "factor.stats %*g %*g %lg", &median_x), 1);
    for (part = 0; part < 2; part++) {
        tier_book *book = book_of_part(TST_ALLOC, part);
        tier_model *m = NULL;
        tier_frame *f;
        char *text = partial_state(full, part, median_x), *again;
        const double *s;
        size_t i;
        assert_non_null(strstr(text, "factor.equal "));
        assert_int_equal(tier_scorecard_new(&m, "card", TST_ALLOC), TIER_OK);
        if (tier_model_load(m, text, strlen(text)) != TIER_OK)
            fail_msg("%s\n%s", tier_model_last_error(m), text);
        /* The partial reference saves as it loaded. */
        again = tst_saved(m, TST_ALLOC);
        assert_string_equal(again, text);
        f = tst_score(m, book, TST_ALLOC);
        s = tst_numbers(f, "card.score");
        for (i = 0; i < tier_book_customer_count(book); i++) {
            const char *id = tier_book_customer_id(book, i, NULL);
            size_t at = tst_customer(all, id);
            if (!(s[i] == s_all[at]))
                fail_msg("part %d, %s: score %.17g, the whole population's %.17g", part, id, s[i],
                         s_all[at]);
        }
        test_free(again);
        test_free(text);
        tst_release(f, m, book);
    }
    test_free(full);
    tst_release(f_all, whole, all);
}

/* A part's reference: the values 1.5 and 6 of a population of 40 (7 below 1.5, 3 equal it; 20
 * below 6, none equal: an imputed value the population does not hold). */
static const char PARTIAL[] =
    "tier-model-state 1\n"
    "kind \"scorecard\"\n"
    "name \"card\"\n"
    "grade_a 80\n"
    "grade_b 65\n"
    "grade_c 50\n"
    "grade_d 35\n"
    "preset \"none\"\n"
    "factor \"x\" \"attr.x\" 100 \"explicit\" \"percentile\" \"higher\" \"impute\"\n"
    "factor.impute nan\n"
    "factor.stats 0 15 6\n"
    "factor.reference 1.5 6\n"
    "factor.equal 3 0\n"
    "factor.below 7 20 40\n"
    "end\n";

static void test_a_partial_reference_scores_from_the_population_counts(void **state)
{
    static const char *const names[1] = {"x"};
    tier_book *book = NULL;
    tier_model *m = NULL;
    tier_frame *f;
    const double *s;
    size_t idx;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_customer(book, "a", 1, &idx), TIER_OK);
    assert_int_equal(tier_book_set_number(book, idx, names[0], 1.5), TIER_OK);
    assert_int_equal(tier_book_add_customer(book, "b", 1, &idx), TIER_OK);
    assert_int_equal(tier_book_set_number(book, idx, names[0], NAN), TIER_OK);
    assert_int_equal(tier_scorecard_new(&m, "card", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(m, PARTIAL, strlen(PARTIAL)), TIER_OK);
    f = tst_score(m, book, TST_ALLOC);
    s = tst_numbers(f, "card.score");
    assert_true(s[0] == 100.0 * (2.0 * 7 + 3) / (2.0 * 40)); /* 21.25 */
    assert_true(s[1] == 100.0 * (2.0 * 20) / (2.0 * 40));    /* the median 6: 50 */
    tst_release(f, m, book);
}

static int oom_partial(const tier_allocator *alloc, void *ud)
{
    tier_model *m = NULL;
    tier_text *t = NULL;
    int rc = tier_scorecard_new(&m, "card", alloc);
    (void)ud;
    if (rc == TIER_OK)
        rc = tier_model_load(m, PARTIAL, strlen(PARTIAL));
    if (rc == TIER_OK && (rc = tier_text_new(&t, alloc)) == TIER_OK)
        rc = tier_model_save(m, t);
    if (rc == TIER_OK)
        assert_string_equal(tier_text_data(t), PARTIAL);
    tier_text_free(t);
    tier_model_free(m);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_parts_score_every_customer_as_the_whole_population),
         cmocka_unit_test(test_a_partial_reference_scores_from_the_population_counts),
         TST_OOM_WALK(test_a_partial_reference_loads_through_every_failed_allocation, oom_partial,
                      NULL, 5))
