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
    tst_split_book(whole, part, PARTS);
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
    tst_free_parts(part, PARTS);
    test_free(want);
}

/* ---- clv --------------------------------------------------------------------------------------
 */

static void clv_bgnbd(tier_model *m, const tier_book *whole)
{
    assert_int_equal(tier_model_set_number(m, "as_of", tst_day_after(whole)), TIER_OK);
}

static void clv_pareto_weeks_end(tier_model *m, const tier_book *whole)
{
    assert_int_equal(tier_model_set_option(m, "purchase_model", "pareto_nbd"), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "calibration_end", tst_day_after(whole) - 200),
                     TIER_OK);
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
    assert_int_equal(tier_model_set_number(m, "as_of", tst_day_after(whole)), TIER_OK);
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

static const tst_txn small_rows[] = {{"a", 18000, 10.0}, {"a", 18010, 12.5}, {"a", 18040, 8.0},
                                     {"b", 18005, 30.0}, {"c", 18001, 5.0},  {"c", 18003, 5.0},
                                     {"c", 18020, 7.0},  {"c", 18050, 9.0},  {"d", 18030, 40.0},
                                     {"e", 18002, 3.0},  {"e", 18060, 2.0},  {"e", 18060, -2.0},
                                     {"f", 18011, 22.0}, {"f", 18033, 25.0}, {"g", 18044, 1.0},
                                     {"g", 18045, 2.0},  {"h", 18059, 60.0}};

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

/* A summary's text refused with `status` and a message holding `what`. */
typedef struct refusal {
    const char *body; /* the lines after the first (sealed), or with `raw` the whole text */
    int status;
    const char *what;
} refusal;

static void expect_refused(tier_model *m, const char *body, int raw, int status, const char *what)
{
    size_t len = strlen(body);
    char *text = raw ? NULL : sealed(body, &len), *before = state_of(m);
    int rc = fit_one(m, raw ? body : text, len, before);
    if (rc != status || !strstr(tier_model_last_error(m), what))
        fail_msg("%s: status %d, error \"%s\"; want %d and \"%s\"", body, rc,
                 tier_model_last_error(m), status, what);
    test_free(before);
    test_free(text);
}

static void expect_all_refused(tier_model *m, const refusal *cases, size_t n, int raw)
{
    size_t i;
    for (i = 0; i < n; i++)
        expect_refused(m, cases[i].body, raw, cases[i].status, cases[i].what);
}

/* Two summaries, each good alone, refused together with a message holding `what`. */
static void expect_pair_refused(tier_model *m, const char *one, const char *two, const char *what)
{
    size_t lens[2];
    char *a = sealed(one, &lens[0]), *b = sealed(two, &lens[1]);
    const char *texts[2];
    texts[0] = a;
    texts[1] = b;
    assert_int_equal(tier_model_fit_summaries(m, texts, lens, 2), TIER_ECORRUPT);
    if (!strstr(tier_model_last_error(m), what))
        fail_msg("%s; want \"%s\"", tier_model_last_error(m), what);
    test_free(a);
    test_free(b);
}

#define CLV_KIND "kind \"clv\"\nname \"clv\"\n"
#define CLV_HEAD CLV_KIND "purchase_model 1\ntime_unit 1\ncalibration_end 18069\n"
#define CLV_COUNTS "no_purchase 0\nexcluded 0\n"
#define NOT_A_NUMBER "is not a number"

/* First lines that are not a fit summary's (the whole text given). */
static const refusal bad_first_lines[] = {
    {"", TIER_ECORRUPT,
     "line 1: not a libtier fit summary (expected \"tier-fit-summary 1 CHECK\")"},
    {"tier-fit-summary 1\n" CLV_HEAD CLV_COUNTS "end\n", TIER_ECORRUPT,
     "not a libtier fit summary"},
    {"tier-fit-summary 1 \"x\"\nend\n", TIER_ECORRUPT, "not a libtier fit summary"},
    {"tier-fit-summary 1 -1\nend\n", TIER_ECORRUPT, "not a libtier fit summary"},
    {"tier-fit-summary 1 4294967296\nend\n", TIER_ECORRUPT, "not a libtier fit summary"},
    {"tier-fit-summary 1 1.5\nend\n", TIER_ECORRUPT, "not a libtier fit summary"},
    {"tier-fit-summary 0 1\nend\n", TIER_ECORRUPT, "not a libtier fit summary"},
    {"tier-fit-summary 2 1\nend\n", TIER_EVERSION, "fit summary format version 2 is newer"},
    {"tier-fit-summary 1 1\nend\n", TIER_ECORRUPT, "line 1: the check sum does not match"},
    {"tier-model-state 1\nkind \"clv\"\nname \"clv\"\nend\n", TIER_ECORRUPT,
     "not a libtier fit summary"},
};

/* clv summaries whose records a clv model in days, as of 18070, refuses. */
static const refusal clv_refusals[] = {
    {"kind \"sbg\"\nname \"x\"\nend\n", TIER_ECORRUPT, "the fit summary is of kind \"sbg\""},
    {CLV_KIND "end\n", TIER_ECORRUPT, "line 4: expected purchase_model"},
    {CLV_KIND "purchase_model 3\nend\n", TIER_ECORRUPT, "expected purchase_model and a whole"},
    {CLV_KIND "purchase_model \"bgnbd\"\nend\n", TIER_ECORRUPT, NOT_A_NUMBER},
    {CLV_KIND "purchase_model 1\ntime_unit 0\nend\n", TIER_ECORRUPT, "expected time_unit"},
    {CLV_KIND "pm 1\nend\n", TIER_ECORRUPT, "expected purchase_model"},
    {CLV_HEAD "no_purchase 0\nend\n", TIER_ECORRUPT, "line 8: expected excluded"},
    {CLV_HEAD "no_purchase 1.5\nexcluded 0\nend\n", TIER_ECORRUPT,
     "expected no_purchase and a whole number"},
    {CLV_KIND "purchase_model 2\ntime_unit 1\ncalibration_end 18069\n" CLV_COUNTS "end\n",
     TIER_ECORRUPT, "line 8: made with purchase_model 2"},
    {CLV_KIND "purchase_model 1\ntime_unit 1\ncalibration_end 18068\n" CLV_COUNTS "end\n",
     TIER_ECORRUPT,
     "calibration end 18068; the model has purchase_model 1, time_unit 1, calibration end 18069"},
    {CLV_HEAD CLV_COUNTS "c 1 2 1 1\nend\n", TIER_ECORRUPT, "line 9: a c row needs a whole x"},
    {CLV_HEAD CLV_COUNTS "c 1.5 1 3 1\nend\n", TIER_ECORRUPT, "a c row"},
    {CLV_HEAD CLV_COUNTS "c 0 1 3 1\nend\n", TIER_ECORRUPT, "t_x 0 when x is 0"},
    {CLV_HEAD CLV_COUNTS "c 1 1 3 0\nend\n", TIER_ECORRUPT, "count >= 1"},
    {CLV_HEAD CLV_COUNTS "c 1 1 3 0.5\nend\n", TIER_ECORRUPT, "count >= 1"},
    {CLV_HEAD CLV_COUNTS "c 1 1 3\nend\n", TIER_ECORRUPT, "record \"c\" has 3 values, not 4"},
    {CLV_HEAD CLV_COUNTS "s 1 0 1\nend\n", TIER_ECORRUPT, "finite m > 0"},
    {CLV_HEAD CLV_COUNTS "s 1 inf 1\nend\n", TIER_ECORRUPT, "finite m > 0"},
    {CLV_HEAD CLV_COUNTS "s 0 5 1\nend\n", TIER_ECORRUPT, "an s row needs a whole x >= 1"},
    {CLV_HEAD CLV_COUNTS "s 1 5 0\nend\n", TIER_ECORRUPT, "an s row"},
    {CLV_HEAD CLV_COUNTS "s 1 \"x\" 1\nend\n", TIER_ECORRUPT,
     "value 2 of record \"s\" " NOT_A_NUMBER},
    {CLV_HEAD CLV_COUNTS "q 1\nend\n", TIER_ECORRUPT, "unknown record"},
    {CLV_HEAD "no_purchase 9007199254740992\nexcluded 0\nend\n", TIER_EINVAL,
     "no customer has a purchase"}, /* a count at the limit is a count */
    {CLV_HEAD "no_purchase 5\nexcluded 0\nend\n", TIER_EINVAL,
     "no customer has a purchase up to the calibration end"},
    {CLV_HEAD CLV_COUNTS "c 0 0 9 1\nend\n", TIER_EINVAL, "BG/NBD fit on 1 customers"},
    {CLV_HEAD CLV_COUNTS "c 1 1 9 1\nend\n", TIER_EINVAL, "Gamma-Gamma fit on 1 customers"},
};

static void test_summaries_that_do_not_fit_the_model_are_refused(void **state)
{
    size_t len[2];
    char *a = small_summary(small_setup, &len[0]), *b = small_summary(clv_bgnbd, &len[1]);
    const char *texts[2];
    tier_model *m = model_of("clv", small_setup, NULL), *other = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(fit_one(m, a, len[0], NULL), TIER_OK);
    expect_all_refused(m, bad_first_lines, TST_COUNT(bad_first_lines), 1);
    expect_all_refused(m, clv_refusals, TST_COUNT(clv_refusals), 0);
    /* made in weeks (and another end): the model works in days */
    texts[0] = a;
    texts[1] = b;
    assert_int_equal(tier_model_fit_summaries(m, texts, len, 2), TIER_ECORRUPT);
    if (!strstr(tier_model_last_error(m), "summary 2: line 8: made with"))
        fail_msg("%s", tier_model_last_error(m));
    texts[0] = b;
    assert_int_equal(tier_model_fit_summaries(m, texts, len, 1), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(m), "summary 1: line"));
    /* summaries only for models that have them; arguments */
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_new_kind(&other, NULL, "rfm", NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit_summaries(other, texts, len, 1), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(other), "has no fit summary"));
    assert_int_equal(tier_model_merge_summaries(other, texts, len, 1, t), TIER_EINVAL);
    tier_model_free(other);
    assert_int_equal(tier_model_fit_summaries(m, texts, len, 0), TIER_EINVAL);
    assert_int_equal(tier_model_fit_summaries(m, NULL, len, 1), TIER_EINVAL);
    assert_int_equal(tier_model_fit_summaries(m, texts, NULL, 1), TIER_EINVAL);
    texts[0] = NULL;
    assert_int_equal(tier_model_fit_summaries(m, texts, len, 1), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "summary 1 is NULL"));
    len[0] = 0; /* a NULL text of no bytes is an empty one */
    assert_int_equal(tier_model_fit_summaries(m, texts, len, 1), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(m), "summary 1: line 1: not a libtier fit"));
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

/* A book without transactions: refused as tier_model_fit() refuses it; a part with no customer adds
 * nothing; an earlier model's columns are taken as the inputs. */
static void test_clv_summary_edges(void **state)
{
    tier_book *empty = NULL, *small = small_book(TST_ALLOC);
    tier_model *m = model_of("clv", small_setup, NULL);
    tier_frame *frame = NULL;
    tier_text *t = NULL, *u = NULL;
    const char *texts[2];
    size_t lens[2];
    (void)state;
    assert_int_equal(tier_book_new(&empty, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&u, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit_summary(m, empty, NULL, t), TIER_OK); /* as of 18070 */
    assert_int_equal(tier_frame_new(&frame, tier_book_customer_count(small), TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit_summary(m, small, frame, u), TIER_OK);
    assert_int_equal(tier_model_fit_summary(m, small, frame, NULL), TIER_EINVAL);
    texts[0] = tier_text_data(t);
    texts[1] = tier_text_data(u);
    lens[0] = tier_text_length(t);
    lens[1] = tier_text_length(u);
    assert_int_equal(tier_model_fit_summaries(m, texts, lens, 1), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no customer has a purchase"));
    assert_int_equal(tier_model_fit_summaries(m, texts, lens, 2), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "as_of", NAN), TIER_OK);
    assert_int_equal(tier_model_fit_summary(m, empty, NULL, t), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "the book has no transactions"));
    /* without an end of its own, the model takes the summaries', which must agree */
    expect_pair_refused(m, CLV_HEAD CLV_COUNTS "end\n",
                        CLV_KIND "purchase_model 1\ntime_unit 1\ncalibration_end 18000\n" CLV_COUNTS
                                 "end\n",
                        "summary 2: line 8: made with purchase_model 1, time_unit 1, calibration "
                        "end 18000; summary 1 with 1, 1, 18069");
    expect_refused(
        m, CLV_KIND "purchase_model 2\ntime_unit 1\ncalibration_end 18000\n" CLV_COUNTS "end\n", 0,
        TIER_ECORRUPT,
        "the model has purchase_model 1, time_unit 1, "
        "calibration end any (its options set none)");
    expect_pair_refused(m, CLV_HEAD "no_purchase 9007199254740992\nexcluded 0\nend\n",
                        CLV_HEAD "no_purchase 9007199254740992\nexcluded 0\nend\n",
                        "summary 2: line 8: the counts of the summaries add up beyond 2^53");
    tier_frame_free(frame);
    tier_text_free(t);
    tier_text_free(u);
    tier_model_free(m);
    tier_book_free(small);
    tier_book_free(empty);
}

#define SBG_HEAD \
    "kind \"sbg\"\nname \"sbg\"\nrenewals \"attr.renewals\"\nchurned \"attr.churned\"\n"

static const refusal sbg_refusals[] = {
    {"kind \"sbg\"\nname \"sbg\"\nrenewals \"x\"\nend\n", TIER_ECORRUPT,
     "expected renewals \"attr.renewals\""},
    {"kind \"sbg\"\nname \"sbg\"\nrenewals 1\nend\n", TIER_ECORRUPT, "is not a text"},
    {"kind \"sbg\"\nname \"sbg\"\nrenewals \"attr.renewals\" \"x\"\nend\n", TIER_ECORRUPT,
     "expected renewals"},
    {"kind \"sbg\"\nname \"sbg\"\nrenew \"attr.renewals\"\nend\n", TIER_ECORRUPT,
     "expected renewals"},
    {"kind \"sbg\"\nname \"sbg\"\nend\n", TIER_ECORRUPT, "expected renewals"},
    {SBG_HEAD "given 2\nperiods 0\nend\n", TIER_ECORRUPT, "other survivors"},
    {SBG_HEAD "given 0\nperiods 0\nend\n", TIER_ECORRUPT, "at least 1"},
    {SBG_HEAD "given -1\nperiods 0\nend\n", TIER_ECORRUPT, "expected given"},
    {SBG_HEAD "given 0.5\nperiods 0\nend\n", TIER_ECORRUPT, "expected given"},
    {SBG_HEAD "given 0\nperiods 100001\nend\n", TIER_ECORRUPT, "expected periods"},
    {SBG_HEAD "given 0\nperiods \"1\"\nend\n", TIER_ECORRUPT, NOT_A_NUMBER},
    {SBG_HEAD "given 0\nper 1\nend\n", TIER_ECORRUPT, "expected periods"},
    {SBG_HEAD "given 0\nperiods 2\nt 3 1 1\nend\n", TIER_ECORRUPT, "line 8: expected t PERIOD"},
    {SBG_HEAD "given 0\nperiods 2\nt 1.5 1 1\nend\n", TIER_ECORRUPT, "expected t PERIOD"},
    {SBG_HEAD "given 0\nperiods 2\nt 1 -1 1\nend\n", TIER_ECORRUPT, "expected t PERIOD"},
    {SBG_HEAD "given 0\nperiods 2\nt 1 1 0.5\nend\n", TIER_ECORRUPT, "expected t PERIOD"},
    {SBG_HEAD "given 0\nperiods 2\nt 1 1\nend\n", TIER_ECORRUPT, "has 2 values, not 3"},
    {SBG_HEAD "given 0\nperiods 2\nu 1 1 1\nend\n", TIER_ECORRUPT, "expected t PERIOD"},
    {SBG_HEAD "given 0\nperiods 2\nt 0 1 1\nend\n", TIER_ECORRUPT, "none lost at 0"},
    {SBG_HEAD "given 0\nperiods 2\nt 1 9007199254740992 0\nt 1 9007199254740992 0\nend\n",
     TIER_ECORRUPT, "beyond 2^53"},
    {SBG_HEAD "given 0\nperiods 2\nt 1 0 9007199254740992\nt 1 0 9007199254740992\nend\n",
     TIER_ECORRUPT, "beyond 2^53"},
    {SBG_HEAD "given 0\nperiods 1\nt 0 0 5\nend\n", TIER_ECONVERGE, "no customer churned"},
};

#define SUB_HEAD "kind \"subscription\"\nname \"s\"\ncohort \"\"\n"
#define SUB_DAYS "as_of 19724\nwindow_start 19359\n"
#define SUB_COUNTS "counts 1 1 1 1 0\n"
#define SUB_SUMS                                                                                  \
    "mrr \"1\"\nstart_mrr \"2\"\nchurned_mrr \"0\"\ncontraction \"0\"\nexpansion \"0\"\nnew_mrr " \
    "\"0\"\n"
#define SUB_BAD_SUM "a sum must be a whole number that fits in 64 bits"

/* subscription summaries that a model as of 19724 refuses */
static const refusal sub_refusals[] = {
    {"kind \"subscription\"\nname \"s\"\ncohort \"2022\"\nend\n", TIER_ECORRUPT, "another cohort"},
    {"kind \"subscription\"\nname \"s\"\ncohort 1\nend\n", TIER_ECORRUPT, "is not a text"},
    {"kind \"subscription\"\nname \"s\"\ncohort \"\" \"\"\nend\n", TIER_ECORRUPT,
     "expected cohort and a text"},
    {"kind \"subscription\"\nname \"s\"\nend\n", TIER_ECORRUPT, "expected cohort"},
    {SUB_HEAD "as_of 1\nwindow_start 1\ncounts 1 1 1 1 1\n" SUB_SUMS "end\n", TIER_ECORRUPT,
     "differ from the model's"},
    {SUB_HEAD "as_of 1.5\nwindow_start 1\ncounts 1 1 1 1 1\n" SUB_SUMS "end\n", TIER_ECORRUPT,
     "differ from the model's"},
    {SUB_HEAD "as_of 1e9\nwindow_start 1\ncounts 1 1 1 1 1\n" SUB_SUMS "end\n", TIER_ECORRUPT,
     "differ from the model's"},
    {SUB_HEAD "as_of 19724\nwindow_start 1\ncounts 1 1 1 1 1\n" SUB_SUMS "end\n", TIER_ECORRUPT,
     "differ from the model's"},
    {SUB_HEAD "as_of 19724\nend\n", TIER_ECORRUPT, "expected window_start"},
    {SUB_HEAD "asof 19724\nend\n", TIER_ECORRUPT, "expected as_of and 1 number"},
    {SUB_HEAD "as_of -1e9\nwindow_start 1\ncounts 1 1 1 1 1\n" SUB_SUMS "end\n", TIER_ECORRUPT,
     "differ from the model's"},
    {SUB_HEAD "as_of \"19724\"\nend\n", TIER_ECORRUPT, NOT_A_NUMBER},
    {SUB_HEAD SUB_DAYS "counts 1 1\nend\n", TIER_ECORRUPT, "has 2 values, not 5"},
    {SUB_HEAD SUB_DAYS "counts 1 1 1 1 0.5\n" SUB_SUMS "end\n", TIER_ECORRUPT,
     "whole numbers below 2^53"},
    {SUB_HEAD SUB_DAYS "counts 1 1 1 1 -1\n" SUB_SUMS "end\n", TIER_ECORRUPT,
     "whole numbers below 2^53"},
    {SUB_HEAD SUB_DAYS "counts 1 1 1 1 1e16\n" SUB_SUMS "end\n", TIER_ECORRUPT,
     "whole numbers below 2^53"},
    {SUB_HEAD SUB_DAYS SUB_COUNTS "mrr \"1x\"\nend\n", TIER_ECORRUPT, SUB_BAD_SUM},
    {SUB_HEAD SUB_DAYS SUB_COUNTS "mrr \"\"\nend\n", TIER_ECORRUPT, SUB_BAD_SUM},
    {SUB_HEAD SUB_DAYS SUB_COUNTS "mrr \"9223372036854775807\"\nend\n", TIER_ECORRUPT, SUB_BAD_SUM},
    {SUB_HEAD SUB_DAYS SUB_COUNTS "mrr \"-9223372036854775808\"\nend\n", TIER_ECORRUPT,
     SUB_BAD_SUM},
    {SUB_HEAD SUB_DAYS SUB_COUNTS "mrr 1\nend\n", TIER_ECORRUPT, "is not a text"},
    {SUB_HEAD SUB_DAYS SUB_COUNTS "arr \"1\"\nend\n", TIER_ECORRUPT, "expected mrr"},
    {SUB_HEAD SUB_DAYS SUB_COUNTS SUB_SUMS "extra 1\nend\n", TIER_ECORRUPT,
     "a record after the sums"},
};

/* Two summaries whose sums pass int64 when added (up, then down). */
static void expect_sum_overflow(tier_model *sub, const char *sum)
{
    char body[600];
    size_t len;
    char *text;
    const char *texts[2];
    size_t lens[2];
    snprintf(body, sizeof body,
             SUB_HEAD SUB_DAYS SUB_COUNTS
             "mrr \"%s\"\nstart_mrr \"2\"\nchurned_mrr \"0\"\n"
             "contraction \"0\"\nexpansion \"0\"\nnew_mrr \"0\"\nend\n",
             sum);
    text = sealed(body, &len);
    texts[0] = texts[1] = text;
    lens[0] = lens[1] = len;
    assert_int_equal(tier_model_fit_summaries(sub, texts, lens, 2), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(sub), "summary 2: line 8: " SUB_BAD_SUM));
    test_free(text);
}

static void test_sbg_and_subscription_summaries_are_checked(void **state)
{
    tier_model *sbg = model_of("sbg", NULL, NULL), *sub = NULL;
    tier_book *whole = contracts_book(TST_ALLOC);
    size_t len;
    char *text;
    (void)state;
    assert_int_equal(tier_model_fit(sbg, whole, NULL), TIER_OK);
    expect_all_refused(sbg, sbg_refusals, TST_COUNT(sbg_refusals), 0);
    tier_model_free(sbg);
    sbg = model_of("sbg", sbg_given, NULL);
    text = sealed(SBG_HEAD "given 2\nperiods 0\nt 1 1 1\nend\n", &len);
    assert_int_equal(fit_one(sbg, text, len, NULL), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(sbg), "has no t rows"));
    test_free(text);
    tier_model_free(sbg);

    sub = model_of("subscription", NULL, NULL);
    assert_int_equal(tier_model_set_number(sub, "as_of", 19724), TIER_OK);
    text = sealed(SUB_HEAD SUB_DAYS SUB_COUNTS SUB_SUMS "end\n", &len);
    assert_int_equal(fit_one(sub, text, len, NULL), TIER_OK);
    test_free(text);
    expect_all_refused(sub, sub_refusals, TST_COUNT(sub_refusals), 0);
    expect_sum_overflow(sub, "9223372036854775000");
    expect_sum_overflow(sub, "-9223372036854775000");
    tier_model_free(sub);
    /* with no as_of of its own, a model takes the summaries' day, the same in all */
    sub = model_of("subscription", NULL, NULL);
    {
        char *one = sealed(SUB_HEAD SUB_DAYS SUB_COUNTS SUB_SUMS "end\n", &len), *two;
        size_t len2, lens[2];
        const char *texts[2];
        two =
            sealed(SUB_HEAD "as_of 19725\nwindow_start 19360\n" SUB_COUNTS SUB_SUMS "end\n", &len2);
        texts[0] = one;
        texts[1] = two;
        lens[0] = len;
        lens[1] = len2;
        assert_int_equal(tier_model_fit_summaries(sub, texts, lens, 1), TIER_OK);
        assert_int_equal(tier_model_fit_summaries(sub, texts, lens, 2), TIER_ECORRUPT);
        if (!strstr(tier_model_last_error(sub), "summary 2: line 7: as_of and"))
            fail_msg("%s", tier_model_last_error(sub));
        test_free(one);
        test_free(two);
    }
    tier_model_free(sub);
    /* a book with neither transactions nor contracts has no as-of day */
    {
        tier_book *empty = NULL;
        tier_text *t = NULL;
        sub = model_of("subscription", NULL, NULL);
        assert_int_equal(tier_book_new(&empty, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_model_fit_summary(sub, empty, NULL, t), TIER_ESTATE);
        assert_non_null(strstr(tier_model_last_error(sub), "no as-of day"));
        tier_text_free(t);
        tier_book_free(empty);
        tier_model_free(sub);
    }
    tier_book_free(whole);
}

/* ---- a user model's summaries ------------------------------------------------------------ */

/* A user model that summarises a book by its customer count and fits their total; `mode` 1
 * writes a malformed key, 2 fails to fit without naming a record. */
typedef struct counter {
    int mode;
    double total;
} counter;

static int counter_summary(void *state, const tier_book *book, const tier_frame *inputs,
                           tier_state_writer *w)
{
    const counter *c = state;
    (void)inputs;
    if (c->mode == 1)
        return tier_state_write_key(w, "9 is no key");
    tier_state_write_key(w, "n");
    return tier_state_write_number(w, (double)tier_book_customer_count(book));
}

static int counter_summaries(void *state, tier_state_reader *const *readers, size_t n,
                             tier_state_writer *merged)
{
    counter *c = state;
    double total = 0.0, v;
    const char *key = NULL;
    size_t i;
    if (c->mode == 2)
        return TIER_EUSER;
    for (i = 0; i < n; i++)
        while (tier_state_read_next(readers[i], &key) == 1)
            if (tier_state_read_numbers(readers[i], &v, 1) == TIER_OK)
                total += v;
    if (merged) {
        tier_state_write_key(merged, "n");
        return tier_state_write_number(merged, total);
    }
    c->total = total;
    return TIER_OK;
}

static int counter_score(void *state, const tier_book *book, tier_frame *frame)
{
    (void)state;
    (void)book;
    (void)frame;
    return TIER_OK;
}

static int counter_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    (void)inputs;
    ((counter *)state)->total = (double)tier_book_customer_count(book);
    return TIER_OK;
}

static tier_model *counter_model(counter *c, int both)
{
    tier_model_vtable vt;
    tier_model *m = NULL;
    memset(&vt, 0, sizeof vt);
    vt.version = TIER_MODEL_VTABLE_VERSION;
    vt.kind = "counter";
    vt.score = counter_score;
    vt.fit = counter_fit;
    vt.fit_summary = counter_summary;
    vt.fit_summaries = both ? counter_summaries : NULL;
    assert_int_equal(tier_model_new(&m, &vt, c, "counter", TST_ALLOC),
                     both ? TIER_OK : TIER_EINVAL);
    return m;
}

static void test_a_user_model_fits_from_its_summaries(void **state)
{
    counter c = {0, 0.0};
    tier_book *b = small_book(TST_ALLOC);
    tier_model *m;
    tier_text *t = NULL, *merged = NULL;
    const char *texts[2];
    size_t lens[2];
    (void)state;
    assert_null(counter_model(&c, 0)); /* one callback without the other */
    m = counter_model(&c, 1);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&merged, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit_summary(m, b, NULL, t), TIER_OK);
    texts[0] = texts[1] = tier_text_data(t);
    lens[0] = lens[1] = tier_text_length(t);
    assert_int_equal(tier_model_fit_summaries(m, texts, lens, 2), TIER_OK);
    assert_true(tier_model_is_fitted(m));
    assert_true(c.total == 16.0);
    assert_int_equal(tier_model_merge_summaries(m, texts, lens, 2, merged), TIER_OK);
    assert_non_null(
        strstr(tier_text_data(merged), "\nkind \"counter\"\nname \"counter\"\nn 16\nend\n"));
    c.mode = 1;
    assert_int_equal(tier_model_fit_summary(m, b, NULL, t), TIER_EINVAL);
    assert_non_null(
        strstr(tier_model_last_error(m), "fit summary failed: a record key or text is malformed"));
    assert_string_equal(tier_text_data(merged) + strlen(tier_text_data(merged)) - 4, "end\n");
    c.mode = 2;
    assert_int_equal(tier_model_fit_summaries(m, texts, lens, 2), TIER_EUSER);
    assert_non_null(strstr(tier_model_last_error(m), "fit from summaries failed"));
    assert_int_equal(tier_model_merge_summaries(m, texts, lens, 2, merged), TIER_EUSER);
    assert_non_null(strstr(tier_model_last_error(m), "merging summaries failed"));
    assert_true(c.total == 16.0);
    tier_text_free(t);
    tier_text_free(merged);
    tier_model_free(m);
    tier_book_free(b);
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
         cmocka_unit_test(test_clv_summary_edges),
         cmocka_unit_test(test_sbg_and_subscription_summaries_are_checked),
         cmocka_unit_test(test_a_user_model_fits_from_its_summaries),
         TST_OOM_WALK(test_clv_summaries_survive_every_failed_allocation, oom_summaries, small_book,
                      20),
         TST_OOM_WALK(test_sbg_and_subscription_summaries_survive_every_failed_allocation,
                      oom_sbg_sub, contracts_book, 10))
