/* SPDX-License-Identifier: MIT */
/* Fits from mergeable summaries (tier_model_fit_summary(), tier_model_fit_summaries(),
 * tier_model_merge_summaries(); docs/fit-summary-format.md): a book split into parts, each
 * customer in one, fits from its parts' summaries to the very state (saved bytes) of a fit on
 * the whole book, for clv (both purchase models, a calibration end), sbg (from the book and from
 * given survivors) and subscription; merged summaries fit the same; damaged, cut-off and
 * mismatched summaries are refused naming the summary and the line, and leave the model as it
 * was; every failed allocation is survived. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "util/crc32c.h"

#define PARTS 7

/* ---- splitting a book ------------------------------------------------------------------ */

static size_t part_of(size_t customer, size_t parts)
{
    return (size_t)(((uint64_t)customer * 2654435761u + 7u) % parts);
}

/* The index in `book` of customer `id`, made when it is not there. */
static size_t customer_in(tier_book *book, const char *id, size_t len)
{
    size_t at = 0;
    if (tier_book_find(book, id, len, &at) != TIER_OK)
        assert_int_equal(tier_book_add_customer(book, id, len, &at), TIER_OK);
    return at;
}

/* Splits `whole` into `parts` books: each customer, with its transactions (in order), contracts
 * and number attributes, in one of them. */
static void split_book(const tier_book *whole, tier_book **part, size_t parts)
{
    size_t t, c, k, a, len;
    for (k = 0; k < parts; k++)
        assert_int_equal(tier_book_new(&part[k], TST_ALLOC), TIER_OK);
    for (t = 0; t < tier_book_txn_count(whole); t++) {
        int32_t day;
        double amount, margin;
        const char *id;
        assert_int_equal(tier_book_txn(whole, t, &c, &day, &amount, &margin), TIER_OK);
        id = tier_book_customer_id(whole, c, &len);
        assert_int_equal(tier_book_add_txn(part[part_of(c, parts)], id, len, day, amount, margin),
                         TIER_OK);
    }
    for (c = 0; c < tier_book_customer_count(whole); c++) {
        tier_book *p = part[part_of(c, parts)];
        const char *id = tier_book_customer_id(whole, c, &len);
        size_t at = customer_in(p, id, len);
        for (k = 0; k < tier_book_contract_count(whole, c); k++) {
            tier_contract ct;
            assert_int_equal(tier_book_contract(whole, c, k, &ct), TIER_OK);
            assert_int_equal(tier_book_add_contract(p, id, len, &ct, 0), TIER_OK);
        }
        for (a = 0; a < tier_book_attribute_count(whole); a++) {
            int type = 0;
            const char *name = tier_book_attribute_name(whole, a, &type);
            double v = NAN;
            if (type == TIER_ATTR_NUMBER && tier_book_get_number(whole, c, name, &v) == TIER_OK &&
                !isnan(v))
                assert_int_equal(tier_book_set_number(p, at, name, v), TIER_OK);
        }
    }
}

static void free_parts(tier_book **part, size_t parts)
{
    size_t k;
    for (k = 0; k < parts; k++)
        tier_book_free(part[k]);
}

/* ---- models, states and summaries ----------------------------------------------------------- */

typedef void (*setup_fn)(tier_model *m, const tier_book *whole);

static tier_model *model_of(const char *kind, setup_fn setup, const tier_book *whole)
{
    tier_model *m = NULL;
    assert_int_equal(tier_model_new_kind(&m, NULL, kind, NULL, TST_ALLOC), TIER_OK);
    if (setup)
        setup(m, whole);
    return m;
}

/* The saved state of a fitted model (caller frees). */
static char *state_of(const tier_model *m)
{
    tier_text *t = NULL;
    char *s;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(m, t), TIER_OK);
    s = test_malloc(tier_text_length(t) + 1);
    memcpy(s, tier_text_data(t), tier_text_length(t) + 1);
    tier_text_free(t);
    return s;
}

typedef struct summaries {
    char *text[PARTS + 1];
    size_t len[PARTS + 1];
    size_t n;
} summaries;

static void keep(summaries *s, const tier_text *t)
{
    s->len[s->n] = tier_text_length(t);
    s->text[s->n] = test_malloc(s->len[s->n] + 1);
    memcpy(s->text[s->n], tier_text_data(t), s->len[s->n] + 1);
    s->n++;
}

static void drop(summaries *s)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        test_free(s->text[i]);
    s->n = 0;
}

/* Each part's summary by a model of `kind` set up as for the whole book. */
static void summarise_parts(summaries *s, const char *kind, setup_fn setup, const tier_book *whole,
                            tier_book **part, size_t parts)
{
    tier_text *t = NULL;
    size_t k;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    s->n = 0;
    for (k = 0; k < parts; k++) {
        tier_model *m = model_of(kind, setup, whole);
        int rc = tier_model_fit_summary(m, part[k], NULL, t);
        if (rc != TIER_OK)
            fail_msg("summary of part %lu: %s", (unsigned long)k, tier_model_last_error(m));
        assert_false(tier_model_is_fitted(m)); /* a summary fits nothing */
        keep(s, t);
        tier_model_free(m);
    }
    tier_text_free(t);
}

/* The state a model fitted from `s` saves (caller frees). */
static char *state_from(const char *kind, setup_fn setup, const tier_book *whole, summaries *s)
{
    tier_model *m = model_of(kind, setup, whole);
    char *state;
    if (tier_model_fit_summaries(m, (const char *const *)s->text, s->len, s->n) != TIER_OK)
        fail_msg("fit from %lu summaries: %s", (unsigned long)s->n, tier_model_last_error(m));
    state = state_of(m);
    tier_model_free(m);
    return state;
}

/* Merges the summaries pairwise (a tree, as workers would) into one. */
static void merge_tree(summaries *s, const char *kind, setup_fn setup, const tier_book *whole)
{
    tier_model *m = model_of(kind, setup, whole);
    tier_text *t = NULL;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    while (s->n > 1) {
        summaries next = {{NULL}, {0}, 0};
        size_t i;
        for (i = 0; i < s->n; i += 2) {
            size_t n = i + 1 < s->n ? 2 : 1;
            assert_int_equal(
                tier_model_merge_summaries(m, (const char *const *)&s->text[i], &s->len[i], n, t),
                TIER_OK);
            keep(&next, t);
        }
        drop(s);
        *s = next;
    }
    assert_false(tier_model_is_fitted(m));
    tier_text_free(t);
    tier_model_free(m);
}

/* The model fitted on the whole book and from its parts' summaries (in order, reversed, and
 * merged in a tree) saves the same bytes. */
static void check_identity(const char *kind, setup_fn setup, const tier_book *whole)
{
    tier_book *part[PARTS];
    tier_model *m = model_of(kind, setup, whole);
    summaries s, r;
    char *want, *got;
    size_t i;
    if (tier_model_fit(m, whole, NULL) != TIER_OK)
        fail_msg("fit on the whole book: %s", tier_model_last_error(m));
    want = state_of(m);
    tier_model_free(m);
    split_book(whole, part, PARTS);
    summarise_parts(&s, kind, setup, whole, part, PARTS);
    got = state_from(kind, setup, whole, &s);
    assert_string_equal(got, want);
    test_free(got);
    r.n = s.n;
    for (i = 0; i < s.n; i++) {
        r.text[i] = s.text[s.n - 1 - i];
        r.len[i] = s.len[s.n - 1 - i];
    }
    got = state_from(kind, setup, whole, &r);
    assert_string_equal(got, want);
    test_free(got);
    merge_tree(&s, kind, setup, whole);
    assert_int_equal(s.n, 1);
    got = state_from(kind, setup, whole, &s);
    assert_string_equal(got, want);
    test_free(got);
    drop(&s);
    free_parts(part, PARTS);
    test_free(want);
}

/* ---- clv --------------------------------------------------------------------------------------
 */

static double as_of_of(const tier_book *whole)
{
    int32_t first, last;
    assert_int_equal(tier_book_day_range(whole, &first, &last), TIER_OK);
    return (double)last + 1;
}

static void clv_bgnbd(tier_model *m, const tier_book *whole)
{
    assert_int_equal(tier_model_set_number(m, "as_of", as_of_of(whole)), TIER_OK);
}

static void clv_pareto_weeks_end(tier_model *m, const tier_book *whole)
{
    assert_int_equal(tier_model_set_option(m, "purchase_model", "pareto_nbd"), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "calibration_end", as_of_of(whole) - 200), TIER_OK);
}

static void clv_days(tier_model *m, const tier_book *whole)
{
    clv_bgnbd(m, whole);
    assert_int_equal(tier_model_set_number(m, "time_unit", 1), TIER_OK);
}

static void test_clv_fits_from_its_parts_as_on_the_whole_book(void **state)
{
    tier_book *whole = tst_cdnow_book(TST_ALLOC, 0);
    (void)state;
    check_identity("clv", clv_bgnbd, whole);
    check_identity("clv", clv_days, whole);
    if (!tst_under_valgrind())
        check_identity("clv", clv_pareto_weeks_end, whole);
    tier_book_free(whole);
}

/* ---- sbg and subscription ---------------------------------------------------------------------
 */

/* A generated book with renewals and churned attributes, and contracts for most customers. */
static tier_book *contracts_book(const tier_allocator *a)
{
    tier_book *b = tst_generated_book(a, 240, 11);
    size_t c, len;
    for (c = 0; c < tier_book_customer_count(b); c++) {
        const char *id = tier_book_customer_id(b, c, &len);
        int32_t start = tst_day(2022, 1, 1) + (int32_t)((c * 37) % 500);
        tier_contract ct = {0, 0, 0, 0, 0, "core"};
        /* renewals and churn drawn from two groups, one loyal (churn 0.08 a period) and one not
         * (0.5), watched for 1 to 6 periods: the heterogeneity the sBG model describes */
        uint64_t x = (uint64_t)c * 2654435761u + 1u;
        double p = c % 2 ? 0.5 : 0.08, renewals = 0, churned = 0;
        size_t k;
        if (c % 7 == 3)
            continue; /* no contract */
        for (k = 0; k < 1 + c % 6; k++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            if ((double)(x >> 11) / 9007199254740992.0 < p) {
                churned = 1;
                break;
            }
            renewals++;
        }
        assert_int_equal(tier_book_set_number(b, c, "renewals", renewals), TIER_OK);
        assert_int_equal(tier_book_set_number(b, c, "churned", churned), TIER_OK);
        ct.start_day = start;
        ct.end_day = start + 365;
        ct.amount = 50.0 + (double)(c % 13) * 12.5;
        ct.period = c % 2 ? TIER_CONTRACT_MONTHLY : TIER_CONTRACT_YEARLY;
        ct.status = c % 3 ? TIER_CONTRACT_RENEWED : TIER_CONTRACT_CANCELLED;
        assert_int_equal(tier_book_add_contract(b, id, len, &ct, 0), TIER_OK);
        if (ct.status == TIER_CONTRACT_RENEWED) {
            ct.start_day = start + 365;
            ct.end_day = c % 5 ? start + 730 : TIER_CONTRACT_OPEN;
            ct.amount += (double)(c % 3) * 10.0 - 10.0;
            ct.status = c % 5 ? TIER_CONTRACT_CANCELLED : TIER_CONTRACT_ACTIVE;
            if (ct.end_day != TIER_CONTRACT_OPEN && c % 2)
                ct.status = TIER_CONTRACT_ACTIVE;
            assert_int_equal(tier_book_add_contract(b, id, len, &ct, 0), TIER_OK);
        }
    }
    return b;
}

static void sub_as_of(tier_model *m, const tier_book *whole)
{
    assert_int_equal(tier_model_set_number(m, "as_of", as_of_of(whole)), TIER_OK);
}

static void sub_cohort(tier_model *m, const tier_book *whole)
{
    sub_as_of(m, whole);
    assert_int_equal(tier_model_set_option(m, "cohort", "2022"), TIER_OK);
}

static void sbg_given(tier_model *m, const tier_book *whole)
{
    static const char *const cohorts[] = {"1000 869 743 653 593", "500 400 350"};
    (void)whole;
    assert_int_equal(tier_model_set_list(m, "survivors", cohorts, 2), TIER_OK);
}

static void test_sbg_and_subscription_fit_from_their_parts(void **state)
{
    tier_book *whole = contracts_book(TST_ALLOC);
    (void)state;
    check_identity("sbg", NULL, whole);
    check_identity("sbg", sbg_given, whole);
    check_identity("subscription", sub_as_of, whole);
    check_identity("subscription", sub_cohort, whole);
    tier_book_free(whole);
}

/* ---- refusals ---------------------------------------------------------------------------------
 */

static const tst_txn small_rows[] = {
    {"a", 18000, 10.0}, {"a", 18010, 12.5}, {"a", 18040, 8.0},  {"b", 18005, 30.0},
    {"c", 18001, 5.0},  {"c", 18003, 5.0},  {"c", 18020, 7.0},  {"c", 18050, 9.0},
    {"d", 18030, 40.0}, {"e", 18002, 3.0},  {"e", 18060, -3.0}, {"f", 18011, 22.0},
    {"f", 18033, 25.0}, {"g", 18044, 1.0},  {"g", 18045, 2.0},  {"h", 18059, 60.0}};

static tier_book *small_book(const tier_allocator *a)
{
    return tst_book_of(a, small_rows, sizeof small_rows / sizeof small_rows[0]);
}

static void small_setup(tier_model *m, const tier_book *whole)
{
    (void)whole;
    assert_int_equal(tier_model_set_number(m, "as_of", 18070), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "time_unit", 1), TIER_OK);
}

/* The summary of the small book by a clv model set up by `setup`. */
static char *small_summary(setup_fn setup, size_t *len)
{
    tier_book *b = small_book(TST_ALLOC);
    tier_model *m = model_of("clv", setup, b);
    tier_text *t = NULL;
    char *s;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit_summary(m, b, NULL, t), TIER_OK);
    *len = tier_text_length(t);
    s = test_malloc(*len + 1);
    memcpy(s, tier_text_data(t), *len + 1);
    tier_text_free(t);
    tier_model_free(m);
    tier_book_free(b);
    return s;
}

/* Fits `m` from one text: the status; on failure the model must save `before` still (or, with
 * `before` NULL, still be unfitted). */
static int fit_one(tier_model *m, const char *text, size_t len, const char *before)
{
    const char *texts[1];
    char *after;
    int rc;
    texts[0] = text;
    rc = tier_model_fit_summaries(m, texts, &len, 1);
    if (rc != TIER_OK && !before) {
        assert_false(tier_model_is_fitted(m)); /* an unfitted model stays unfitted */
    } else if (rc != TIER_OK) {
        after = state_of(m);
        assert_string_equal(after, before);
        test_free(after);
    }
    return rc;
}

static void test_damaged_summaries_are_refused_and_change_nothing(void **state)
{
    size_t len, i;
    char *good = small_summary(small_setup, &len), *copy = test_malloc(len + 1), *before;
    tier_model *m = model_of("clv", small_setup, NULL);
    (void)state;
    assert_int_equal(fit_one(m, good, len, NULL), TIER_OK);
    before = state_of(m);
    assert_non_null(strstr(good, "\nc 0 0 "));
    assert_non_null(strstr(good, "\ns 1 "));
    /* every cut-off text */
    for (i = 0; i < len; i++) {
        int rc = fit_one(m, good, i, before);
        if (rc != TIER_ECORRUPT)
            fail_msg("cut at %lu: status %d (%s)", (unsigned long)i, rc, tier_model_last_error(m));
        assert_non_null(strstr(tier_model_last_error(m), "summary 1: line "));
    }
    /* every byte with a bit flipped (the low one and the case bit) */
    for (i = 0; i < len; i++) {
        int bit;
        for (bit = 0; bit < 2; bit++) {
            int rc;
            memcpy(copy, good, len + 1);
            copy[i] = (char)(copy[i] ^ (bit ? 0x20 : 0x01));
            rc = fit_one(m, copy, len, before);
            if (rc != TIER_ECORRUPT && rc != TIER_EVERSION)
                fail_msg("byte %lu flipped: status %d", (unsigned long)i, rc);
        }
    }
    test_free(before);
    test_free(copy);
    test_free(good);
    tier_model_free(m);
}

/* `body` (the lines after the first) sealed with its check sum, as the library writes it. */
static char *sealed(const char *body, size_t *len)
{
    size_t n = strlen(body);
    char *s = test_malloc(n + 40);
    int h = snprintf(s, 40, "tier-fit-summary 1 %010lu\n", (unsigned long)tier__crc32c(0, body, n));
    memcpy(s + h, body, n + 1);
    *len = (size_t)h + n;
    return s;
}

#define CLV_HEAD \
    "kind \"clv\"\nname \"clv\"\npurchase_model 1\ntime_unit 1\ncalibration_end 18069\n"
#define CLV_COUNTS "no_purchase 0\nexcluded 0\n"

static void expect_refused(tier_model *m, const char *body, int status, const char *what)
{
    size_t len;
    char *text = sealed(body, &len), *before = state_of(m);
    int rc = fit_one(m, text, len, before);
    if (rc != status || !strstr(tier_model_last_error(m), what))
        fail_msg("%s: status %d, error \"%s\"; want %d and \"%s\"", body, rc,
                 tier_model_last_error(m), status, what);
    test_free(before);
    test_free(text);
}

static void test_summaries_that_do_not_fit_the_model_are_refused(void **state)
{
    size_t len[2];
    char *a = small_summary(small_setup, &len[0]), *b = small_summary(clv_bgnbd, &len[1]);
    const char *texts[2];
    tier_model *m = model_of("clv", small_setup, NULL), *other = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(fit_one(m, a, len[0], NULL), TIER_OK);
    /* made in weeks (and another end): the model works in days */
    texts[0] = a;
    texts[1] = b;
    assert_int_equal(tier_model_fit_summaries(m, texts, len, 2), TIER_ECORRUPT);
    if (!strstr(tier_model_last_error(m), "summary 2: line 8: made with"))
        fail_msg("%s", tier_model_last_error(m));
    texts[0] = b;
    assert_int_equal(tier_model_fit_summaries(m, texts, len, 1), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(m), "summary 1: line"));
    /* of another kind; a model state; a newer format */
    expect_refused(m, "kind \"sbg\"\nname \"x\"\nend\n", TIER_ECORRUPT, "of kind \"sbg\"");
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(m, t), TIER_OK);
    assert_int_equal(fit_one(m, tier_text_data(t), tier_text_length(t), tier_text_data(t)),
                     TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(m), "not a libtier fit summary"));
    a[17] = '2';
    assert_int_equal(fit_one(m, a, len[0], tier_text_data(t)), TIER_EVERSION);
    /* records that mean nothing, with a good check sum */
    expect_refused(m, CLV_HEAD "no_purchase 0\nend\n", TIER_ECORRUPT, "line 8: expected excluded");
    expect_refused(m, CLV_HEAD "no_purchase 1.5\nexcluded 0\nend\n", TIER_ECORRUPT,
                   "expected no_purchase and a whole number");
    expect_refused(m, CLV_HEAD CLV_COUNTS "c 1 2 1 1\nend\n", TIER_ECORRUPT,
                   "line 9: a c row needs a whole x");
    expect_refused(m, CLV_HEAD CLV_COUNTS "c 0 1 3 1\nend\n", TIER_ECORRUPT, "t_x 0 when x is 0");
    expect_refused(m, CLV_HEAD CLV_COUNTS "c 1 1 3 0\nend\n", TIER_ECORRUPT, "count >= 1");
    expect_refused(m, CLV_HEAD CLV_COUNTS "c 1 1 3\nend\n", TIER_ECORRUPT, "needs 4 numbers");
    expect_refused(m, CLV_HEAD CLV_COUNTS "s 1 0 1\nend\n", TIER_ECORRUPT, "finite m > 0");
    expect_refused(m, CLV_HEAD CLV_COUNTS "s 1 \"x\" 1\nend\n", TIER_ECORRUPT,
                   "value 2 of record \"s\" is not a number");
    expect_refused(m, CLV_HEAD CLV_COUNTS "q 1\nend\n", TIER_ECORRUPT, "unknown record");
    expect_refused(m, CLV_HEAD "no_purchase 9007199254740992\nexcluded 0\nend\n", TIER_EINVAL,
                   "no customer has a purchase"); /* a count at the limit is a count */
    expect_refused(m, CLV_HEAD "no_purchase 5\nexcluded 0\nend\n", TIER_EINVAL,
                   "no customer has a purchase up to the calibration end");
    expect_refused(m, CLV_HEAD CLV_COUNTS "c 0 0 9 1\nend\n", TIER_EINVAL,
                   "BG/NBD fit on 1 customers");
    /* summaries only for models that have them; arguments */
    assert_int_equal(tier_model_new_kind(&other, NULL, "rfm", NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit_summaries(other, texts, len, 1), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(other), "has no fit summary"));
    assert_int_equal(tier_model_merge_summaries(other, texts, len, 1, t), TIER_EINVAL);
    tier_model_free(other);
    assert_int_equal(tier_model_fit_summaries(m, texts, len, 0), TIER_EINVAL);
    assert_int_equal(tier_model_fit_summaries(m, NULL, len, 1), TIER_EINVAL);
    texts[0] = NULL;
    assert_int_equal(tier_model_fit_summaries(m, texts, len, 1), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "summary 1 is NULL"));
    assert_int_equal(tier_model_fit_summaries(NULL, texts, len, 1), TIER_EINVAL);
    assert_int_equal(tier_model_merge_summaries(NULL, texts, len, 1, t), TIER_EINVAL);
    assert_int_equal(tier_model_merge_summaries(m, texts, len, 1, NULL), TIER_EINVAL);
    assert_int_equal(tier_model_fit_summary(NULL, NULL, NULL, t), TIER_EINVAL);
    assert_int_equal(tier_model_fit_summary(m, NULL, NULL, t), TIER_EINVAL);
    tier_text_free(t);
    tier_model_free(m);
    test_free(a);
    test_free(b);
}

static void test_sbg_and_subscription_summaries_are_checked(void **state)
{
    tier_model *sbg = model_of("sbg", NULL, NULL), *sub = NULL;
    tier_book *whole = contracts_book(TST_ALLOC);
    size_t len;
    char *text;
    (void)state;
    assert_int_equal(tier_model_fit(sbg, whole, NULL), TIER_OK);
#define SBG_HEAD \
    "kind \"sbg\"\nname \"sbg\"\nrenewals \"attr.renewals\"\nchurned \"attr.churned\"\n"
    expect_refused(sbg, "kind \"sbg\"\nname \"sbg\"\nrenewals \"x\"\nend\n", TIER_ECORRUPT,
                   "expected renewals \"attr.renewals\"");
    expect_refused(sbg, SBG_HEAD "given 2\nperiods 0\nend\n", TIER_ECORRUPT, "other survivors");
    expect_refused(sbg, SBG_HEAD "given 0\nperiods 0\nend\n", TIER_ECORRUPT, "at least 1");
    expect_refused(sbg, SBG_HEAD "given 0\nperiods 2\nt 3 1 1\nend\n", TIER_ECORRUPT,
                   "line 8: expected t PERIOD");
    expect_refused(sbg, SBG_HEAD "given 0\nperiods 2\nt 0 1 1\nend\n", TIER_ECORRUPT,
                   "none lost at 0");
    expect_refused(
        sbg, SBG_HEAD "given 0\nperiods 2\nt 1 9007199254740992 0\nt 1 9007199254740992 0\nend\n",
        TIER_ECORRUPT, "beyond 2^53");
    expect_refused(sbg, SBG_HEAD "given 0\nperiods 1\nt 0 0 5\nend\n", TIER_ECONVERGE,
                   "no customer churned");
    tier_model_free(sbg);
    sbg = model_of("sbg", sbg_given, NULL);
    text = sealed(SBG_HEAD "given 2\nperiods 0\nt 1 1 1\nend\n", &len);
    assert_int_equal(fit_one(sbg, text, len, NULL), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(sbg), "has no t rows"));
    test_free(text);
    tier_model_free(sbg);

    sub = model_of("subscription", sub_as_of, whole);
    if (tier_model_fit(sub, whole, NULL) != TIER_OK)
        fail_msg("%s", tier_model_last_error(sub));
#define SUB_HEAD "kind \"subscription\"\nname \"s\"\ncohort \"\"\n"
#define SUB_DAYS "as_of 19724\nwindow_start 19359\n"
#define SUB_SUMS                                                                                  \
    "mrr \"1\"\nstart_mrr \"2\"\nchurned_mrr \"0\"\ncontraction \"0\"\nexpansion \"0\"\nnew_mrr " \
    "\"0\"\n"
    expect_refused(sub, "kind \"subscription\"\nname \"s\"\ncohort \"2022\"\nend\n", TIER_ECORRUPT,
                   "another cohort");
    expect_refused(sub, SUB_HEAD "as_of 1\nwindow_start 1\ncounts 1 1 1 1 1\n" SUB_SUMS "end\n",
                   TIER_ECORRUPT, "differ from the model's");
    expect_refused(sub, SUB_HEAD "as_of 19724\nend\n", TIER_ECORRUPT, "expected window_start");
    tier_model_free(sub);
    sub = model_of("subscription", NULL, NULL);
    assert_int_equal(tier_model_set_number(sub, "as_of", 19724), TIER_OK);
    text = sealed(SUB_HEAD SUB_DAYS "counts 1 1 1 1 0\n" SUB_SUMS "end\n", &len);
    assert_int_equal(fit_one(sub, text, len, NULL), TIER_OK);
    test_free(text);
    expect_refused(sub, SUB_HEAD SUB_DAYS "counts 1 1 1 1 0.5\n" SUB_SUMS "end\n", TIER_ECORRUPT,
                   "whole numbers below 2^53");
    expect_refused(sub,
                   SUB_HEAD SUB_DAYS
                   "counts 1 1 1 1 0\nmrr \"1x\"\nstart_mrr \"2\"\nchurned_mrr "
                   "\"0\"\ncontraction \"0\"\nexpansion \"0\"\nnew_mrr \"0\"\nend\n",
                   TIER_ECORRUPT, "fits in 64 bits");
    expect_refused(sub, SUB_HEAD SUB_DAYS "counts 1 1 1 1 0\n" SUB_SUMS "extra 1\nend\n",
                   TIER_ECORRUPT, "a record after the sums");
    {
        char *two = sealed(SUB_HEAD SUB_DAYS "counts 1 1 1 1 0\nmrr \"9223372036854775000\"\n"
                                             "start_mrr \"2\"\nchurned_mrr \"0\"\ncontraction "
                                             "\"0\"\nexpansion \"0\"\nnew_mrr \"0\"\nend\n",
                           &len);
        const char *texts[2] = {two, two};
        size_t lens[2] = {len, len};
        assert_int_equal(tier_model_fit_summaries(sub, texts, lens, 2), TIER_ECORRUPT);
        assert_non_null(strstr(tier_model_last_error(sub), "summary 2: line"));
        test_free(two);
    }
    tier_model_free(sub);
    tier_book_free(whole);
}

/* A user model's vtable with one of the two summary callbacks is refused. */
static int noop_summary(void *state, const tier_book *book, const tier_frame *inputs,
                        tier_state_writer *w)
{
    (void)state;
    (void)book;
    (void)inputs;
    (void)w;
    return TIER_OK;
}

static int noop_score(void *state, const tier_book *book, tier_frame *frame)
{
    (void)state;
    (void)book;
    (void)frame;
    return TIER_OK;
}

static void test_a_vtable_needs_both_summary_callbacks(void **state)
{
    tier_model_vtable vt;
    tier_model *m = NULL;
    (void)state;
    memset(&vt, 0, sizeof vt);
    vt.version = TIER_MODEL_VTABLE_VERSION;
    vt.kind = "half";
    vt.score = noop_score;
    vt.fit_summary = noop_summary;
    assert_int_equal(tier_model_new(&m, &vt, NULL, "half", TST_ALLOC), TIER_EINVAL);
    assert_null(m);
}

/* ---- out of memory ----------------------------------------------------------------------------
 */

static int oom_summaries(const tier_allocator *alloc, void *ud)
{
    const tier_book *book = ud;
    tier_model *m = NULL;
    tier_text *t = NULL, *merged = NULL;
    const char *texts[2];
    size_t lens[2];
    int rc = tier_model_new_kind(&m, NULL, "clv", NULL, alloc);
    if (rc)
        return rc;
    small_setup(m, book);
    if (tier_text_new(&t, alloc) || tier_text_new(&merged, alloc)) {
        tier_text_free(t);
        tier_model_free(m);
        return TIER_ENOMEM;
    }
    rc = tier_model_fit_summary(m, book, NULL, t);
    if (rc == TIER_OK) {
        texts[0] = texts[1] = tier_text_data(t);
        lens[0] = lens[1] = tier_text_length(t);
        rc = tier_model_merge_summaries(m, texts, lens, 2, merged);
    }
    if (rc == TIER_OK) {
        texts[0] = tier_text_data(merged);
        lens[0] = tier_text_length(merged);
        rc = tier_model_fit_summaries(m, texts, lens, 1);
        assert_int_equal(tier_model_is_fitted(m), rc == TIER_OK);
    }
    if (rc)
        tst_expect_oom(rc, tier_model_last_error(m));
    tier_text_free(merged);
    tier_text_free(t);
    tier_model_free(m);
    return rc;
}

static int oom_sbg_sub(const tier_allocator *alloc, void *ud)
{
    const tier_book *book = ud;
    const char *kinds[2] = {"sbg", "subscription"};
    int rc = TIER_OK, k;
    for (k = 0; k < 2 && rc == TIER_OK; k++) {
        tier_model *m = NULL;
        tier_text *t = NULL;
        if ((rc = tier_model_new_kind(&m, NULL, kinds[k], NULL, alloc)) != TIER_OK)
            break;
        if (k == 1)
            sub_as_of(m, book);
        if (tier_text_new(&t, alloc)) {
            tier_model_free(m);
            return TIER_ENOMEM;
        }
        rc = tier_model_fit_summary(m, book, NULL, t);
        if (rc == TIER_OK) {
            const char *text = tier_text_data(t);
            size_t len = tier_text_length(t);
            rc = tier_model_merge_summaries(m, &text, &len, 1, t);
            text = tier_text_data(t);
            len = tier_text_length(t);
            if (rc == TIER_OK)
                rc = tier_model_fit_summaries(m, &text, &len, 1);
        }
        if (rc)
            tst_expect_oom(rc, tier_model_last_error(m));
        tier_text_free(t);
        tier_model_free(m);
    }
    return rc;
}

TST_MAIN(cmocka_unit_test(test_clv_fits_from_its_parts_as_on_the_whole_book),
         cmocka_unit_test(test_sbg_and_subscription_fit_from_their_parts),
         cmocka_unit_test(test_damaged_summaries_are_refused_and_change_nothing),
         cmocka_unit_test(test_summaries_that_do_not_fit_the_model_are_refused),
         cmocka_unit_test(test_sbg_and_subscription_summaries_are_checked),
         cmocka_unit_test(test_a_vtable_needs_both_summary_callbacks),
         TST_OOM_WALK(test_clv_summaries_survive_every_failed_allocation, oom_summaries, small_book,
                      20),
         TST_OOM_WALK(test_sbg_and_subscription_summaries_survive_every_failed_allocation,
                      oom_sbg_sub, contracts_book, 10))
