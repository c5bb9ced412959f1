/* SPDX-License-Identifier: MIT */
/* The built-in policies (policies/NAME.policy compiled in): the list and the texts are exactly
 * the files of the source tree, each one loads and names itself, pareto-sabc places customers as
 * the 0.1 default did, b2b-sabc applies its revenue bands, cap, lapsed-key-account rule, flag and
 * entitlements on a book built for it, and making a built-in survives every failed allocation. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define POLICY_DIR TIER_SOURCE_DIR "/policies"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_builtins_are_the_policy_files_in_name_order(void **state)
{
    DIR *d = opendir(POLICY_DIR);
    struct dirent *e;
    char *names[64];
    size_t n = 0, i;
    (void)state;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 7 && strcmp(e->d_name + len - 7, ".policy") == 0 && n < TST_COUNT(names)) {
            names[n] = test_malloc(len - 6);
            memcpy(names[n], e->d_name, len - 7);
            names[n][len - 7] = '\0';
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    assert_true(n >= 7);
    assert_int_equal(tier_policy_builtin_count(), n);
    for (i = 0; i < n; i++) {
        char path[512];
        size_t len = 0;
        char *file;
        const char *text;
        assert_string_equal(tier_policy_builtin_name(i), names[i]);
        snprintf(path, sizeof path, "%s/%s.policy", POLICY_DIR, names[i]);
        file = tst_read_file(path, &len);
        text = tier_policy_builtin_text(names[i]);
        assert_non_null(text);
        /* Byte for byte, the generated C strings included the NUL after the last chunk. */
        assert_int_equal(strlen(text), len);
        assert_memory_equal(text, file, len);
        test_free(file);
        test_free(names[i]);
    }
    assert_null(tier_policy_builtin_name(n));
    assert_null(tier_policy_builtin_text("no-such-policy"));
    assert_null(tier_policy_builtin_text(NULL));
}

/* Loads every built-in by name with tst_allocator() (each must load) and runs `check` on it. */
static void for_each_builtin(void (*check)(const char *name, const tier_policy *p))
{
    size_t i;
    for (i = 0; i < tier_policy_builtin_count(); i++) {
        const char *name = tier_policy_builtin_name(i);
        tier_policy *p = NULL;
        int rc = tier_policy_new_builtin(&p, name, TST_ALLOC);
        if (rc != TIER_OK)
            fail_msg("built-in %s: %s", name, tier_strerror(rc));
        check(name, p);
        tier_policy_free(p);
    }
}

static void names_itself(const char *name, const tier_policy *p)
{
    assert_string_equal(tier_policy_name(p), name);
    assert_true(strlen(tier_policy_description(p)) > 20);
    assert_true(tier_policy_tier_count(p) >= 4);
}

static void test_every_builtin_loads_and_names_itself(void **state)
{
    (void)state;
    for_each_builtin(names_itself);
}

static void test_builtin_default_unknown_and_bad_arguments(void **state)
{
    tier_policy *p = NULL;
    (void)state;
    assert_int_equal(tier_policy_new_builtin(&p, NULL, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_policy_name(p), "b2b-sabc");
    tier_policy_free(p);
    p = (tier_policy *)TST_ALLOC; /* replaced by NULL on failure */
    assert_int_equal(tier_policy_new_builtin(&p, "no-such-policy", TST_ALLOC), TIER_ENOTFOUND);
    assert_null(p);
    assert_int_equal(tier_policy_new_builtin(NULL, "b2b-sabc", TST_ALLOC), TIER_EINVAL);
    assert_string_equal(tier_policy_description(NULL), "");
}

static void test_pareto_sabc_is_the_0_1_scheme(void **state)
{
    static const char *const classes[] = {"A", "B", "C"};
    /* pareto.class and rfm scores for: A; B engaged; B with r 2; B with f 2; C; B with NaN. */
    static const int32_t cls[] = {0, 1, 1, 1, 2, 1};
    static const double r[] = {1, 3, 2, 5, 5, NAN};
    static const double fs[] = {1, 3, 5, 2, 5, NAN};
    static const tst_txn rows[] = {{"a", 10000, 1}, {"b", 10000, 1}, {"c", 10000, 1},
                                   {"d", 10000, 1}, {"e", 10000, 1}, {"f", 10000, 1}};
    static const char *const want[] = {"S", "A", "B", "B", "C", "B"};
    tst_column pout[1], rout[2];
    tst_fixed ps, rs;
    tier_model *models[2];
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_result *res = NULL;
    tier_policy *p = NULL;
    size_t i, count;
    (void)state;
    pout[0] = tst_label_column("class", classes, 3, cls);
    rout[0] = tst_number_column("r_score", r);
    rout[1] = tst_number_column("f_score", fs);
    tst_fixed_init(&ps, pout, 1);
    tst_fixed_init(&rs, rout, 2);
    models[0] = tst_fixed_model_ok("rfm", &rs, 0);
    models[1] = tst_fixed_model_ok("pareto", &ps, 0);
    assert_int_equal(tier_policy_new_builtin(&p, "pareto-sabc", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_model_count(p), 2); /* rfm and pareto, as 0.1 ran them */
    assert_int_equal(tier_policy_tier_count(p), 4);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(res, book, models, 2, p), TIER_OK);
    for (i = 0; i < TST_COUNT(want); i++)
        assert_string_equal(tier_result_tier_name(res, (size_t)tier_result_tier(res, i)), want[i]);
    assert_string_equal(tier_result_reason(res, 0), "pareto class A (top revenue share)");
    assert_string_equal(tier_result_reason(res, 1),
                        "pareto class B, engaged (r_score>=3, f_score>=3)");
    assert_string_equal(tier_result_reason(res, 3), "pareto class B, low engagement");
    assert_string_equal(tier_result_reason(res, 4), "rest (pareto class C or no purchases)");
    assert_string_equal(tier_result_flags(res, 0), "");
    assert_int_equal(tier_result_summary(res, 2, &count, NULL), TIER_OK);
    assert_int_equal(count, 3); /* tier B */
    tier_result_free(res);
    tier_policy_free(p);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
    tier_book_free(book);
}

/* ---- b2b-sabc on a book built for it ----------------------------------------------------- */

/* As of 2024-01-01 (window: 2023-01-01 .. 2023-12-31). Window revenue: K1 5000, K2 4000,
 * K3 3000, K4 2000 (cumulative 91.6% at K4: the ABC class A), M1..M6 200 (M1..M3 reach 95%:
 * class B), S1..S9 10, and L1 100000 in 2020 and nothing since (all-time class A). 20 customers:
 * the cap keeps floor(15% x 20) = 3 in S, so K4 goes to A over the cap. M1 buys every week of
 * December (recent and frequent: engaged, A); M2 once on 2023-01-15 (low recency: B). */
static tier_book *b2b_book(const tier_allocator *a)
{
    tier_book *book = NULL;
    char id[8];
    int k;
    assert_int_equal(tier_book_new(&book, a), TIER_OK);
#define ADD(name, y, m, d, amt)                                                               \
    assert_int_equal(tier_book_add_txn(book, name, strlen(name), tst_day(y, m, d), amt, NAN), \
                     TIER_OK)
    ADD("L1", 2020, 5, 1, 100000);
    ADD("M2", 2023, 1, 15, 200);
    for (k = 1; k <= 9; k++) {
        snprintf(id, sizeof id, "S%d", k);
        ADD(id, 2023, 2, k, 10);
    }
    for (k = 1; k <= 4; k++) { /* K1 2500, K2 2000, K3 1500, K4 1000 on June 1..4 */
        snprintf(id, sizeof id, "K%d", k);
        ADD(id, 2023, 6, k, 3000 - 500 * k);
    }
    for (k = 3; k <= 6; k++) { /* M3..M6 200 on July 1..4 */
        snprintf(id, sizeof id, "M%d", k);
        ADD(id, 2023, 7, k - 2, 200);
    }
    for (k = 1; k <= 4; k++) { /* the key accounts again on September 1..4 */
        snprintf(id, sizeof id, "K%d", k);
        ADD(id, 2023, 9, k, 3000 - 500 * k);
    }
    for (k = 0; k < 4; k++)
        ADD("M1", 2023, 12, 1 + 7 * k, 50);
#undef ADD
    return book;
}

static void test_b2b_sabc_bands_cap_lapsed_key_accounts_and_entitlements(void **state)
{
    tier_book *book = b2b_book(TST_ALLOC);
    tier_model *rfm = NULL;
    tier_result *res = NULL;
    tier_policy *p = NULL;
    tier_value *v = NULL;
    const char *model_name = NULL, *kind = NULL;
    size_t nopt = 9, count = 0;
    (void)state;
    assert_int_equal(tier_policy_new_builtin(&p, "b2b-sabc", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_model_count(p), 1);
    assert_int_equal(tier_policy_model(p, 0, &model_name, &kind, &nopt), TIER_OK);
    assert_string_equal(model_name, "rfm");
    assert_string_equal(kind, "rfm");
    assert_int_equal(tier_policy_entitlement_count(p), 6);
    assert_int_equal(tier_model_new_kind(&rfm, NULL, "rfm", "rfm", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_set_as_of(res, tst_day(2024, 1, 1)), TIER_OK);
    if (tier_result_run(res, book, &rfm, 1, p) != TIER_OK)
        fail_msg("run: %s", tier_result_last_error(res));
#define TIER_OF(id) \
    tier_result_tier_name(res, (size_t)tier_result_tier(res, tst_customer(book, id)))
#define REASON_OF(id) tier_result_reason(res, tst_customer(book, id))
    assert_string_equal(TIER_OF("K1"), "S");
    assert_string_equal(TIER_OF("K2"), "S");
    assert_string_equal(TIER_OF("K3"), "S");
    assert_string_equal(REASON_OF("K1"), "top revenue over the trailing 12 months");
    assert_string_equal(TIER_OF("K4"), "A");
    assert_non_null(strstr(REASON_OF("K4"), "over the cap of S"));
    assert_int_equal(tier_result_summary(res, 0, &count, NULL), TIER_OK);
    assert_int_equal(count, 3);
    assert_string_equal(TIER_OF("M1"), "A");
    assert_string_equal(REASON_OF("M1"), "revenue band A/B, engaged");
    assert_string_equal(TIER_OF("M2"), "B");
    assert_string_equal(REASON_OF("M2"), "revenue band A/B, low engagement");
    assert_string_equal(TIER_OF("L1"), "B");
    assert_string_equal(REASON_OF("L1"), "lapsed key account: win back");
    assert_string_equal(tier_result_flags(res, tst_customer(book, "L1")), "lapsed_key_account");
    assert_string_equal(tier_result_flags(res, tst_customer(book, "K1")), "");
    assert_string_equal(TIER_OF("M6"), "C");
    assert_string_equal(TIER_OF("S1"), "C");
    assert_string_equal(REASON_OF("S1"), "the rest (revenue band C or no revenue in the window)");
    /* Entitlements come with the tier. */
    assert_int_equal(tier_value_new(&v, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_entitlement(res, tst_customer(book, "K1"), "sla_hours", v),
                     TIER_OK);
    assert_true(tier_value_number(v) == 4.0);
    assert_int_equal(tier_result_entitlement(res, tst_customer(book, "K4"), "coverage", v),
                     TIER_OK);
    assert_string_equal(tier_value_text(v), "named account manager");
    assert_int_equal(tier_result_entitlement(res, tst_customer(book, "S1"), "events", v), TIER_OK);
    assert_true(tier_value_number(v) == 0.0);
    assert_int_equal(tier_policy_entitlement(p, 0, "discount_max", v), TIER_OK);
    assert_true(tier_value_number(v) == 15.0);
#undef TIER_OF
#undef REASON_OF
    tier_value_free(v);
    tier_result_free(res);
    tier_model_free(rfm);
    tier_policy_free(p);
    tier_book_free(book);
}

/* Every built-in is a clean example: no errors and no warnings (each tier's rules exclude what an
 * earlier tier takes instead of relying on first match, so no cell is claimed twice). */
static void lints_clean(const char *name, const tier_policy *p)
{
    tier_text *report = NULL;
    size_t errors = 9, warnings = 9;
    assert_int_equal(tier_text_new(&report, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_lint(p, NULL, report, &errors, &warnings), TIER_OK);
    if (errors || warnings)
        fail_msg("%s: %zu lint errors, %zu warnings:\n%s", name, errors, warnings,
                 tier_text_data(report));
    tier_text_free(report);
}

static void test_builtins_lint_clean(void **state)
{
    (void)state;
    for_each_builtin(lints_clean);
}

/* ---- out of memory ---------------------------------------------------------------------- */

static int make_each_builtin(const tier_allocator *alloc, void *ud)
{
    size_t i;
    (void)ud;
    for (i = 0; i < tier_policy_builtin_count(); i++) {
        tier_policy *p = NULL;
        int rc = tier_policy_new_builtin(&p, tier_policy_builtin_name(i), alloc);
        if (rc) {
            assert_null(p);
            return rc;
        }
        tier_policy_free(p);
    }
    return TIER_OK;
}

TST_MAIN(cmocka_unit_test(test_builtins_are_the_policy_files_in_name_order),
         cmocka_unit_test(test_every_builtin_loads_and_names_itself),
         cmocka_unit_test(test_builtin_default_unknown_and_bad_arguments),
         cmocka_unit_test(test_pareto_sabc_is_the_0_1_scheme),
         cmocka_unit_test(test_b2b_sabc_bands_cap_lapsed_key_accounts_and_entitlements),
         cmocka_unit_test(test_builtins_lint_clean),
         TST_OOM_WALK(test_making_builtins_survives_every_failed_allocation, make_each_builtin,
                      NULL, 10))
