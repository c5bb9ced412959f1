/* SPDX-License-Identifier: MIT */
/* Incremental re-tiering (tier/retier.h, docs/retier.md): one customer re-tiered after a new
 * invoice gives what the batch recompute under the same frozen figures gives; the frozen figures
 * of an unchanged book are the batch's; hysteresis and overrides decide in the incremental path;
 * errors leave the customer's previous tier; out of memory at every allocation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* ---- helpers -------------------------------------------------------------------------------- */

static tier_policy *policy_text(const char *text)
{
    tier_policy *p = NULL;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    if (tier_policy_load_string(p, text, strlen(text), "test.policy") != TIER_OK)
        fail_msg("policy: %s", tier_policy_last_error(p));
    return p;
}

/* A book of n customers "C00001"... with a year of invoices (2024) from a fixed generator: a few
 * large accounts, many small ones, some lapsed, some without revenue in the last months. */
static tier_book *generated_book(const tier_allocator *a, size_t n)
{
    tier_book *book = NULL;
    uint64_t s = 88172645463325252u;
    int32_t first = tst_day(2024, 1, 1);
    size_t i;
    int k;
    assert_int_equal(tier_book_new(&book, a), TIER_OK);
    for (i = 0; i < n; i++) {
        char id[16];
        int invoices, span;
        double scale;
        snprintf(id, sizeof id, "C%05zu", i + 1);
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        invoices = 1 + (int)(s % 12);
        scale = (s >> 20) % 10 == 0 ? 5000.0 : (s >> 20) % 3 == 0 ? 800.0 : 120.0;
        span = (s >> 30) % 5 == 0 ? 180 : 365;
        for (k = 0; k < invoices; k++) {
            int32_t day;
            double amount;
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            day = first + (int32_t)(s % (uint64_t)span) + (k * span) / (invoices * 2);
            amount = floor(scale * (0.2 + (double)((s >> 24) % 1000) / 500.0) * 100) / 100;
            assert_int_equal(tier_book_add_txn(book, id, strlen(id), day, amount, NAN), TIER_OK);
        }
    }
    return book;
}

static tier_model *fitted_rfm(const tier_book *book)
{
    tier_model *m = NULL;
    assert_int_equal(tier_model_new_kind(&m, NULL, "rfm", NULL, TST_ALLOC), TIER_OK);
    tst_fit(m, book, NULL);
    return m;
}

/* Every customer's tier, reason and flags of the retier equal those of the run `r`; with
 * `numbers`, every number column of r's frame with a model prefix too (NaN equals NaN). */
static void expect_same(const tier_retier *rt, const tier_result *r, int numbers)
{
    size_t i, col, n = tier_result_customer_count(r);
    const tier_frame *f = tier_result_frame(r);
    for (i = 0; i < n; i++) {
        if (tier_retier_tier(rt, i) != tier_result_tier(r, i) ||
            strcmp(tier_retier_reason(rt, i), tier_result_reason(r, i)) != 0 ||
            strcmp(tier_retier_flags(rt, i), tier_result_flags(r, i)) != 0)
            fail_msg("customer %zu: retier %d \"%s\" [%s], batch %d \"%s\" [%s]", i,
                     tier_retier_tier(rt, i), tier_retier_reason(rt, i), tier_retier_flags(rt, i),
                     tier_result_tier(r, i), tier_result_reason(r, i), tier_result_flags(r, i));
        assert_string_equal(tier_retier_route(rt, i), tier_result_route(r, i));
        for (col = 0; numbers && col < tier_frame_column_count(f); col++) {
            const char *name = tier_frame_column_name(f, col);
            double x, y;
            if (!strchr(name, '.') || tier_frame_column_type(f, col) != TIER_VALUE_NUMBER)
                continue;
            assert_int_equal(tier_retier_number(rt, i, name, &x), TIER_OK);
            y = tier_frame_numbers(f, col)[i];
            if (!(x == y || (isnan(x) && isnan(y))))
                fail_msg("customer %zu, %s: retier %.17g, batch %.17g", i, name, x, y);
        }
    }
}

/* The batch recompute of the retier on book (fails the test unless it succeeds). */
static tier_result *batch_of(tier_retier *rt, tier_book *book)
{
    tier_result *r = NULL;
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    if (tier_retier_batch(rt, book, r) != TIER_OK)
        fail_msg("batch: %s", tier_retier_last_error(rt));
    return r;
}

/* A batch run of pol on book with `models` (fails the test unless it succeeds). */
static tier_result *batch_run(const tier_book *book, tier_model *const *models, size_t n,
                              const tier_policy *pol, const tier_allocator *a)
{
    tier_result *r = NULL;
    assert_int_equal(tier_result_new(&r, a), TIER_OK);
    assert_int_equal(tier_result_run(r, book, models, n, pol), TIER_OK);
    return r;
}

/* An invoice for customer i dated `day`, and its re-tiering. */
static void invoice(tier_retier *rt, tier_book *book, size_t i, int32_t day, double amount)
{
    size_t len;
    const char *id = tier_book_customer_id(book, i, &len);
    assert_int_equal(tier_book_add_txn(book, id, len, day, amount, NAN), TIER_OK);
    if (tier_retier_customer(rt, book, i) != TIER_OK)
        fail_msg("re-tiering customer %zu: %s", i, tier_retier_last_error(rt));
}

static int moved_count(const tier_retier *rt, const int *before, size_t n)
{
    size_t i;
    int moved = 0;
    for (i = 0; i < n; i++)
        moved += tier_retier_tier(rt, i) != before[i];
    return moved;
}

/* ---- the built-in policies on the B2B example ----------------------------------------------- */

static void test_retier_every_builtin_policy_matches_its_batch_recompute(void **state)
{
    size_t k, i;
    (void)state;
    for (k = 0; k < tier_policy_builtin_count(); k++) {
        const char *name = tier_policy_builtin_name(k);
        tier_allocator a = tst_allocator();
        tst_sink out;
        tier_pipeline *p = NULL;
        tier_retier *rt = NULL;
        tier_result *same, *after;
        tier_book *book;
        int32_t first, last;
        int *before;
        size_t n;
        int rc;
        assert_int_equal(tier_pipeline_new(&p, &a), TIER_OK);
        assert_int_equal(tier_pipeline_set(p, "input", tst_data_path("b2b_invoices.csv")), TIER_OK);
        assert_int_equal(tier_pipeline_set(p, "accounts", tst_data_path("b2b_accounts.csv")),
                         TIER_OK);
        assert_int_equal(tier_pipeline_set(p, "policy", name), TIER_OK);
        /* The contracts are read for every policy; b2b-subscriptions needs them. */
        assert_int_equal(tier_pipeline_set(p, "contracts", tst_data_path("b2b_contracts.csv")),
                         TIER_OK);
        memset(&out, 0, sizeof out);
        assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, &out), TIER_OK);
        if (tier_pipeline_run(p) != TIER_OK)
            fail_msg("%s: %s", name, tier_pipeline_last_error(p));
        tst_sink_reset(&out);
        rc = tier_pipeline_retier(p, &rt);
        if (rc != TIER_OK)
            fail_msg("%s: %s", name, tier_pipeline_last_error(p));
        book = (tier_book *)tier_pipeline_book(p);
        n = tier_book_customer_count(book);
        /* Unchanged: the frozen figures of every row are the batch's. */
        same = batch_of(rt, book);
        expect_same(rt, same, 1);
        for (i = 0; i < n; i++)
            assert_int_equal(tier_result_tier(same, i),
                             tier_result_tier(tier_pipeline_result(p), i));
        tier_result_free(same);
        /* Invoices for several customers (big, small, a refund) and an attribute changed. */
        before = test_malloc(n * sizeof *before);
        for (i = 0; i < n; i++)
            before[i] = tier_retier_tier(rt, i);
        assert_int_equal(tier_book_day_range(book, &first, &last), TIER_OK);
        for (i = 0; i < n; i += n / 16) {
            double amount = i % 3 == 0 ? 2500000.0 : i % 3 == 1 ? 35.5 : -120.0;
            invoice(rt, book, i, last, amount);
        }
        assert_int_equal(tier_book_set_number(book, 7, "arrears_days", 150), TIER_OK);
        assert_int_equal(tier_retier_customer(rt, book, 7), TIER_OK);
        after = batch_of(rt, book);
        expect_same(rt, after, 1);
        if (strstr(tier_policy_builtin_text(name), "window"))
            assert_true(moved_count(rt, before, n) > 0); /* the invoices mattered */
        tier_result_free(after);
        test_free(before);
        tier_pipeline_free(p); /* frees the retier */
    }
}

/* ---- a refused invoice: savepoint, rollback, re-tier back -------------------------------- */

/* Customer i's state in the retier as text: tier, reason, flags, route and every model output. */
static void retier_state(const tier_retier *rt, const tier_frame *f, size_t i, char *out,
                         size_t cap)
{
    size_t col, n;
    n = (size_t)snprintf(out, cap, "%s|%s|%s|%s", tier_retier_tier_name(rt, i),
                         tier_retier_reason(rt, i), tier_retier_flags(rt, i),
                         tier_retier_route(rt, i));
    for (col = 0; col < tier_frame_column_count(f) && n < cap; col++) {
        const char *name = tier_frame_column_name(f, col);
        double x;
        if (!strchr(name, '.') || tier_frame_column_type(f, col) != TIER_VALUE_NUMBER)
            continue;
        assert_int_equal(tier_retier_number(rt, i, name, &x), TIER_OK);
        n += (size_t)snprintf(out + n, cap - n, "|%.17g", x);
    }
    assert_true(n < cap);
}

/* The ERP's try: a savepoint, the invoice (and an attribute), the re-tiering; refused: the
 * rollback, and re-tiering the customer again gives back exactly what it had (the retier is
 * deterministic in the book), and the batch recompute is the original run again. */
static void test_retier_after_a_rollback_gives_back_the_customers_state(void **state)
{
    tier_allocator a = tst_allocator();
    tst_sink out;
    tier_pipeline *p = NULL;
    tier_retier *rt = NULL;
    tier_result *same;
    tier_book *book;
    const tier_frame *f;
    char before[4096], during[4096], after[4096];
    int32_t last;
    size_t n, i, moved = 0;
    (void)state;
    assert_int_equal(tier_pipeline_new(&p, &a), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", tst_data_path("b2b_invoices.csv")), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "accounts", tst_data_path("b2b_accounts.csv")), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "policy", "b2b-sabc"), TIER_OK);
    memset(&out, 0, sizeof out);
    assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, &out), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    tst_sink_reset(&out);
    assert_int_equal(tier_pipeline_retier(p, &rt), TIER_OK);
    book = (tier_book *)tier_pipeline_book(p);
    f = tier_result_frame(tier_pipeline_result(p));
    n = tier_book_customer_count(book);
    assert_int_equal(tier_book_day_range(book, NULL, &last), TIER_OK);
    for (i = 0; i < n; i += n / 20) {
        size_t len;
        const char *id = tier_book_customer_id(book, i, &len);
        retier_state(rt, f, i, before, sizeof before);
        assert_int_equal(tier_book_savepoint(book), TIER_OK);
        assert_int_equal(tier_book_add_txn(book, id, len, last - 1, 3e6, NAN), TIER_OK);
        assert_int_equal(tier_book_set_number(book, i, "arrears_days", 200), TIER_OK);
        assert_int_equal(tier_retier_customer(rt, book, i), TIER_OK);
        retier_state(rt, f, i, during, sizeof during);
        moved += strcmp(before, during) != 0;
        assert_int_equal(tier_book_rollback(book), TIER_OK); /* the ERP refused the invoice */
        assert_int_equal(tier_retier_customer(rt, book, i), TIER_OK);
        retier_state(rt, f, i, after, sizeof after);
        assert_string_equal(after, before);
    }
    assert_true(moved > 5); /* the invoices did change the customers while they were in */
    same = batch_of(rt, book);
    expect_same(rt, same, 1);
    for (i = 0; i < n; i++)
        assert_int_equal(tier_result_tier(same, i), tier_result_tier(tier_pipeline_result(p), i));
    tier_result_free(same);
    tier_pipeline_free(p);
}

/* ---- a generated book ----------------------------------------------------------------------- */

static void test_retier_generated_book_matches_its_batch_recompute(void **state)
{
    tier_book *book = generated_book(TST_ALLOC, 3000);
    tier_model *rfm = fitted_rfm(book);
    tier_policy *pol = NULL;
    tier_result *run = NULL, *after;
    tier_retier *rt = NULL;
    int32_t last;
    size_t i;
    int *before;
    (void)state;
    assert_int_equal(tier_policy_new_builtin(&pol, "b2b-sabc", TST_ALLOC), TIER_OK);
    run = batch_run(book, &rfm, 1, pol, TST_ALLOC);
    if (tier_retier_new(&rt, run, book, &rfm, 1, pol, NULL, TST_ALLOC) != TIER_OK)
        fail_msg("freeze: %s", tier_retier_last_error(rt));
    after = batch_of(rt, book);
    expect_same(rt, after, 1);
    for (i = 0; i < 3000; i++)
        assert_int_equal(tier_result_tier(after, i), tier_result_tier(run, i));
    tier_result_free(after);
    before = test_malloc(3000 * sizeof *before);
    for (i = 0; i < 3000; i++)
        before[i] = tier_retier_tier(rt, i);
    assert_int_equal(tier_book_day_range(book, NULL, &last), TIER_OK);
    for (i = 5; i < 3000; i += 97)
        invoice(rt, book, i, last - (int32_t)(i % 40), i % 2 ? 40000.0 : 9.99);
    after = batch_of(rt, book);
    expect_same(rt, after, 1);
    assert_true(moved_count(rt, before, 3000) > 0);
    /* An entitlement of the current tier, as the run gives it. */
    {
        double sla = 0;
        const char *coverage = NULL;
        tier_value *v = NULL;
        assert_int_equal(tier_value_new(&v, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_retier_entitlement(rt, 5, "sla_hours", &sla, NULL), TIER_OK);
        assert_int_equal(tier_result_entitlement(after, 5, "sla_hours", v), TIER_OK);
        assert_true(sla == tier_value_number(v));
        assert_int_equal(tier_retier_entitlement(rt, 5, "coverage", NULL, &coverage), TIER_OK);
        assert_int_equal(tier_result_entitlement(after, 5, "coverage", v), TIER_OK);
        assert_string_equal(coverage, tier_value_text(v));
        assert_int_equal(tier_retier_entitlement(rt, 5, "nope", &sla, NULL), TIER_ENOTFOUND);
        tier_value_free(v);
    }
    tier_result_free(after);
    test_free(before);
    tier_retier_free(rt);
    tier_result_free(run);
    tier_policy_free(pol);
    tier_model_free(rfm);
    tier_book_free(book);
}

/* ---- the frozen references matter ----------------------------------------------------------- */

static const char pct_policy[] = "libtier-policy 1\n"
                                 "window revenue = revenue over all\n"
                                 "let rank = pct_rank(revenue)\n"
                                 "let band = abc(revenue)\n"
                                 "tier top {\n    rule \"top decile\" when rank >= 0.9\n"
                                 "    cap 5% by revenue overflow mid\n}\n"
                                 "tier mid {\n    rule \"band A\" when band == \"A\"\n}\n"
                                 "tier rest {\n    rule \"the rest\" when true\n}\n";

/* Evaluated on one row alone, pct_rank would be 0.5 and abc "A" for any revenue, and a cap would
 * keep any candidate: each customer keeps its batch tier only because the row is placed against
 * the batch's figures. */
static void test_retier_one_row_is_placed_against_the_frozen_population(void **state)
{
    tier_book *book = generated_book(TST_ALLOC, 2000);
    tier_policy *pol = policy_text(pct_policy);
    tier_result *run = NULL;
    tier_retier *rt = NULL;
    size_t i, counts[3] = {0, 0, 0}, capped = 0;
    (void)state;
    run = batch_run(book, NULL, 0, pol, TST_ALLOC);
    assert_int_equal(tier_retier_new(&rt, run, book, NULL, 0, pol, NULL, TST_ALLOC), TIER_OK);
    for (i = 0; i < 2000; i++) {
        assert_int_equal(tier_retier_customer(rt, book, i), TIER_OK);
        assert_int_equal(tier_retier_tier(rt, i), tier_result_tier(run, i));
        assert_string_equal(tier_retier_reason(rt, i), tier_result_reason(run, i));
        counts[tier_retier_tier(rt, i)]++;
        capped += strncmp(tier_retier_reason(rt, i), "over the cap", 12) == 0;
    }
    /* Every tier is used and the cap moved customers: a one-row evaluation would put everyone
     * with revenue in `top`. */
    assert_true(counts[0] == 100 && counts[1] > 0 && counts[2] > 0);
    assert_true(capped > 0);
    /* A customer of `rest` whose revenue becomes the largest: top decile, first of the cap. */
    for (i = 0; tier_retier_tier(rt, i) != 2; i++)
        ;
    invoice(rt, book, i, tst_day(2024, 12, 30), 1e7);
    assert_string_equal(tier_retier_tier_name(rt, i), "top");
    assert_string_equal(tier_retier_reason(rt, i), "top decile");
    tier_retier_free(rt);
    tier_result_free(run);
    tier_policy_free(pol);
    tier_book_free(book);
}

/* ---- hierarchies ---------------------------------------------------------------------------- */

static const char group_policy[] = "libtier-policy 1\n"
                                   "window revenue = revenue over 12 months\n"
                                   "let band = abc(revenue)\n"
                                   "tier S {\n    rule \"band A\" when band == \"A\"\n"
                                   "    cap 10% by revenue overflow B\n}\n"
                                   "tier B {\n    rule \"band B\" when band == \"B\"\n}\n"
                                   "tier C {\n    rule \"the rest\" when true\n}\n"
                                   "hierarchy parent = attr.parent children = inherit\n";

/* A group is one row: a member's invoice re-evaluates its group, and every member follows. */
static void test_retier_a_members_invoice_moves_its_whole_group(void **state)
{
    tier_book *book = generated_book(TST_ALLOC, 1200);
    tier_policy *pol = policy_text(group_policy);
    tier_result *run = NULL, *after;
    tier_retier *rt = NULL;
    size_t i, g;
    int32_t last;
    (void)state;
    /* Groups of five: C00001 leads C00002..C00005, C00006 leads C00007..C00010, ... */
    for (i = 0; i < 1200; i++) {
        char parent[16];
        if (i % 5 == 0)
            continue;
        snprintf(parent, sizeof parent, "C%05zu", i - i % 5 + 1);
        assert_int_equal(tier_book_set_text(book, i, "parent", parent), TIER_OK);
    }
    run = batch_run(book, NULL, 0, pol, TST_ALLOC);
    if (tier_retier_new(&rt, run, book, NULL, 0, pol, NULL, TST_ALLOC) != TIER_OK)
        fail_msg("freeze: %s", tier_retier_last_error(rt));
    after = batch_of(rt, book);
    expect_same(rt, after, 0);
    tier_result_free(after);
    /* A member of a group in C buys a lot: the whole group moves to S. */
    for (g = 0; tier_retier_tier(rt, g * 5) != 2; g++)
        ;
    assert_int_equal(tier_book_day_range(book, NULL, &last), TIER_OK);
    invoice(rt, book, g * 5 + 3, last, 5e6);
    for (i = g * 5; i < g * 5 + 5; i++) {
        char member[32];
        snprintf(member, sizeof member, "member of C%05zu", g * 5 + 1);
        assert_string_equal(tier_retier_tier_name(rt, i), "S");
        assert_string_equal(tier_retier_reason(rt, i), i == g * 5 ? "band A" : member);
    }
    for (i = 0; i < 1200; i += 37)
        invoice(rt, book, i, last - 2, i % 2 ? 70000.0 : -300.0);
    after = batch_of(rt, book);
    expect_same(rt, after, 0);
    tier_retier_free(rt);
    tier_result_free(after);
    tier_result_free(run);
    tier_policy_free(pol);
    tier_book_free(book);
}

/* ---- routing: b2b-full with team capacities ---------------------------------------------- */

/* b2b-full with `capacity` added to its national and regional team lines. */
static tier_policy *b2b_full_with_capacities(size_t national, size_t regional)
{
    const char *text = tier_policy_builtin_text("b2b-full");
    const char *nat = "team national \"head-office KA team\"";
    const char *reg = "team regional \"regional KA team {region}\"";
    char *buf = test_malloc(strlen(text) + 200), *w = buf;
    const char *p = text, *q;
    tier_policy *pol;
    assert_non_null((q = strstr(p, nat)));
    memcpy(w, p, (size_t)(q - p) + strlen(nat));
    w += (q - p) + strlen(nat);
    w += sprintf(w, " capacity %zu accounts", national);
    p = q + strlen(nat);
    assert_non_null((q = strstr(p, reg)));
    memcpy(w, p, (size_t)(q - p) + strlen(reg));
    w += (q - p) + strlen(reg);
    w += sprintf(w, " capacity %zu accounts", regional);
    strcpy(w, q + strlen(reg));
    pol = policy_text(buf);
    test_free(buf);
    return pol;
}

/* The B2B example run with `pol` (pipeline owns book and retier). */
static tier_pipeline *b2b_run(tier_allocator *a, const tier_policy *pol, const char *name)
{
    tier_pipeline *p = NULL;
    tst_sink out;
    assert_int_equal(tier_pipeline_new(&p, a), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", tst_data_path("b2b_invoices.csv")), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "accounts", tst_data_path("b2b_accounts.csv")), TIER_OK);
    if (pol)
        assert_int_equal(tier_pipeline_set_policy_ref(p, pol), TIER_OK);
    else
        assert_int_equal(tier_pipeline_set(p, "policy", name), TIER_OK);
    memset(&out, 0, sizeof out);
    assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, &out), TIER_OK);
    if (tier_pipeline_run(p) != TIER_OK)
        fail_msg("%s", tier_pipeline_last_error(p));
    tst_sink_reset(&out);
    return p;
}

/* Rows routed to `team` (a group counts once: its members share the route), and the largest
 * count of any team whose name starts with `prefix`. */
static size_t team_rows(const tier_result *r, const char *team, const char *prefix, size_t *most)
{
    size_t i, k, n = tier_result_customer_count(r), count = 0, nt = 0;
    const char *names[64];
    size_t counts[64];
    for (i = 0; i < n; i++) {
        const char *t = tier_result_route(r, i);
        if (!*t || strncmp(tier_result_reason(r, i), "member of ", 10) == 0)
            continue;
        count += strcmp(t, team) == 0;
        if (strncmp(t, prefix, strlen(prefix)) != 0)
            continue;
        for (k = 0; k < nt && strcmp(names[k], t) != 0; k++)
            ;
        if (k == nt) {
            assert_true(nt < 64);
            names[nt] = t;
            counts[nt++] = 0;
        }
        counts[k]++;
    }
    for (*most = 0, k = 0; k < nt; k++)
        if (counts[k] > *most)
            *most = counts[k];
    return count;
}

/* Makes a customer of scope `want` (attribute "scope"; without a parent, not a member, not S)
 * a key account: tries the best scorecard figures and a large invoice on each candidate inside a
 * book savepoint, keeps the
 * first that the retier places in S and rolls the others back (re-tiering them back). */
static size_t promote(tier_retier *rt, tier_book *book, const char *want, int32_t day)
{
    static const struct {
        const char *name;
        double value;
    } best[] = {{"contract_arr", 5e6},     {"gross_margin", 0.6}, {"payment_score", 100},
                {"arrears_days", 0},       {"defaults", 0},       {"growth_rate", 0.5},
                {"years_cooperation", 20}, {"referrals", 10},     {"modules_used", 4},
                {"employees", 5000},       {"support_tickets", 0}};
    size_t i, k, n = tier_book_customer_count(book);
    for (i = 0; i < n; i++) {
        const char *scope = NULL, *parent = NULL;
        if (tier_book_get_text(book, i, "scope", &scope) != TIER_OK || strcmp(scope, want) != 0)
            continue;
        if (tier_book_get_text(book, i, "parent_account", &parent) == TIER_OK && *parent)
            continue;
        if (strcmp(tier_retier_tier_name(rt, i), "S") == 0 ||
            strncmp(tier_retier_reason(rt, i), "member of", 9) == 0)
            continue;
        assert_int_equal(tier_book_savepoint(book), TIER_OK);
        for (k = 0; k < TST_COUNT(best); k++)
            assert_int_equal(tier_book_set_number(book, i, best[k].name, best[k].value), TIER_OK);
        invoice(rt, book, i, day, 5e6);
        if (strcmp(tier_retier_tier_name(rt, i), "S") == 0) {
            assert_int_equal(tier_book_release(book), TIER_OK);
            return i;
        }
        assert_int_equal(tier_book_rollback(book), TIER_OK);
        assert_int_equal(tier_retier_customer(rt, book, i), TIER_OK);
    }
    fail_msg("no %s account becomes S", want);
    return 0;
}

/* The whole retier agrees with its batch recompute (tier, reason, flags, route), and the batch
 * gives a notice for the teams over their capacity. */
static void expect_batch(tier_retier *rt, tier_book *book, const char *notice)
{
    tier_result *r = batch_of(rt, book);
    size_t k, found = 0;
    expect_same(rt, r, 0);
    for (k = 0; k < tier_result_notice_count(r); k++)
        found += notice && strstr(tier_result_notice(r, k), notice) != NULL;
    if (notice && !found)
        fail_msg("no notice about %s", notice);
    tier_result_free(r);
}

/* Key accounts are routed to teams with capacities; the one-row path and the batch recompute
 * both route a row alone against the run's frozen use of its team, so a newly promoted account
 * overflows a full team (and one that is not full takes it), an account the run placed keeps its
 * place, and nobody else moves. */
static void test_retier_routes_against_the_frozen_team_capacities(void **state)
{
    tier_allocator a = tst_allocator();
    tier_pipeline *base = b2b_run(&a, NULL, "b2b-full"), *p;
    tier_policy *pol;
    tier_retier *rt = NULL;
    tier_book *book;
    size_t national, regional, nat, reg, member, keeper = SIZE_MAX, over = SIZE_MAX, i, n;
    const char **routes;
    int32_t last;
    (void)state;
    national =
        team_rows(tier_pipeline_result(base), "head-office KA team", "regional KA team", &regional);
    assert_true(national > 0 && regional > 1);
    tier_pipeline_free(base);
    /* The national team one account short (the run leaves its smallest key account over); the
     * largest regional team exactly full, the others not. */
    pol = b2b_full_with_capacities(national - 1, regional);
    p = b2b_run(&a, pol, NULL);
    if (tier_pipeline_retier(p, &rt) != TIER_OK)
        fail_msg("freeze: %s", tier_pipeline_last_error(p));
    book = (tier_book *)tier_pipeline_book(p);
    n = tier_book_customer_count(book);
    expect_batch(rt, book, "head-office KA team"); /* unchanged: the run's routes and notice */
    assert_int_equal(tier_book_day_range(book, NULL, &last), TIER_OK);
    routes = test_calloc(n, sizeof *routes);
    for (i = 0; i < n; i++) {
        routes[i] = tier_retier_route(rt, i);
        if (strstr(tier_retier_flags(rt, i), "route_overflow"))
            over = i;
        if (!strcmp(routes[i], "head-office KA team"))
            keeper = i;
    }
    assert_true(over < n && keeper < n);
    /* The account the run left over the capacity buys a lot: in revenue order it would now come
     * before another account of the team, but a row is routed alone against the frozen use of
     * its team (full without it): it stays over, and nobody is pushed out. */
    invoice(rt, book, over, last, 9e6);
    assert_string_equal(tier_retier_route(rt, over), "");
    assert_non_null(strstr(tier_retier_flags(rt, over), "route_overflow"));
    for (i = 0; i < n; i++)
        assert_string_equal(tier_retier_route(rt, i), routes[i]);
    expect_batch(rt, book, "head-office KA team");
    /* A national account becomes a key account: the head-office team is full. */
    nat = promote(rt, book, "national", last);
    assert_string_equal(tier_retier_route(rt, nat), "");
    assert_non_null(strstr(tier_retier_flags(rt, nat), "route_overflow"));
    expect_batch(rt, book, "head-office KA team");
    /* An account the run placed in the team buys more: it keeps its place. */
    invoice(rt, book, keeper, last, 1000);
    assert_string_equal(tier_retier_route(rt, keeper), "head-office KA team");
    assert_null(strstr(tier_retier_flags(rt, keeper), "route_overflow"));
    /* A regional account becomes a key account: its region's team takes it unless it is the
     * full one; either way the batch agrees. */
    reg = promote(rt, book, "regional", last);
    assert_true(*tier_retier_route(rt, reg) ||
                strstr(tier_retier_flags(rt, reg), "route_overflow"));
    expect_batch(rt, book, "head-office KA team");
    /* A member of a group: its group's row is re-evaluated, every member follows. */
    for (member = 0; member < n && strncmp(tier_retier_reason(rt, member), "member of", 9) != 0;
         member++)
        ;
    assert_true(member < n);
    invoice(rt, book, member, last, 4e6);
    expect_batch(rt, book, "head-office KA team");
    /* Several more, big and small, and refunds. */
    for (i = 0; i < n; i += n / 12)
        invoice(rt, book, i, last - 3, i % 2 ? 2.5e6 : -500.0);
    expect_batch(rt, book, "head-office KA team");
    test_free(routes);
    tier_pipeline_free(p);
    tier_policy_free(pol);
}

/* ---- history -------------------------------------------------------------------------------- */

static const char held_policy[] = "libtier-policy 1\n"
                                  "window revenue_12m = revenue over 12 months\n"
                                  "let band = abc(revenue_12m)\n"
                                  "tier S {\n    rule \"band A\" when band == \"A\"\n"
                                  "    demote after 3 runs\n}\n"
                                  "tier A {\n    rule \"band B\" when band == \"B\"\n"
                                  "    dwell 400 days\n}\n"
                                  "tier C {\n    rule \"the rest\" when true\n}\n"
                                  "flag key_account when tier == \"S\"\n";

static void test_retier_decides_hysteresis_dwell_and_overrides_as_the_next_run(void **state)
{
    tier_book *book = generated_book(TST_ALLOC, 1500);
    tier_policy *pol = policy_text(held_policy);
    tier_history *h = NULL;
    tier_result *r1 = NULL, *r2 = NULL, *after;
    tier_retier *rt = NULL;
    size_t i, s_cust = 0, c_cust = 0, held = 0;
    int32_t last;
    (void)state;
    assert_int_equal(tier_book_day_range(book, NULL, &last), TIER_OK);
    assert_int_equal(tier_history_new(&h, TST_ALLOC), TIER_OK);
    /* Two runs: one as of mid-year, one at the end of the log. */
    assert_int_equal(tier_result_new(&r1, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_set_as_of(r1, tst_day(2024, 7, 1)), TIER_OK);
    assert_int_equal(tier_result_run(r1, book, NULL, 0, pol), TIER_OK);
    assert_int_equal(tier_history_apply(h, r1, book, pol), TIER_OK);
    r2 = batch_run(book, NULL, 0, pol, TST_ALLOC);
    assert_int_equal(tier_history_apply(h, r2, book, pol), TIER_OK);
    for (i = 0; i < 1500; i++) {
        if (tier_result_tier(r2, i) == 0 && !s_cust)
            s_cust = i;
        if (tier_result_tier(r2, i) == 2 && !c_cust)
            c_cust = i;
    }
    assert_true(s_cust && c_cust);
    {
        size_t len;
        const char *id = tier_book_customer_id(book, c_cust, &len);
        char copy[16];
        memcpy(copy, id, len);
        copy[len] = '\0';
        assert_int_equal(
            tier_history_override_add(h, copy, "S", "strategic", "ops", tst_day(2026, 1, 1)),
            TIER_OK);
    }
    if (tier_retier_new(&rt, r2, book, NULL, 0, pol, h, TST_ALLOC) != TIER_OK)
        fail_msg("freeze: %s", tier_retier_last_error(rt));
    /* The key account loses its revenue: placed in C, held in S by `demote after 3 runs`. */
    invoice(rt, book, s_cust, last, -1e6);
    assert_string_equal(tier_retier_tier_name(rt, s_cust), "S");
    assert_non_null(strstr(tier_retier_reason(rt, s_cust), "held in S"));
    /* Its flags are those of the tier it is held in, as a batch run gives them. */
    assert_string_equal(tier_retier_flags(rt, s_cust), "key_account");
    /* The override pins its customer whatever it buys. */
    invoice(rt, book, c_cust, last, 1.0);
    assert_string_equal(tier_retier_tier_name(rt, c_cust), "S");
    assert_non_null(strstr(tier_retier_reason(rt, c_cust), "override: strategic"));
    assert_string_equal(tier_retier_flags(rt, c_cust), "key_account");
    /* More customers, then the batch recompute decides every one the same way. */
    for (i = 3; i < 1500; i += 61)
        invoice(rt, book, i, last - 3, i % 2 ? -50000.0 : 80000.0);
    after = batch_of(rt, book);
    expect_same(rt, after, 0);
    for (i = 0; i < 1500; i++)
        held += strstr(tier_result_reason(after, i), "held in") != NULL;
    assert_true(held > 0);
    /* The history did not change. */
    assert_int_equal(tier_history_override_count(h), 1);
    tier_result_free(after);
    tier_retier_free(rt);
    tier_result_free(r1);
    tier_result_free(r2);
    tier_history_free(h);
    tier_policy_free(pol);
    tier_book_free(book);
}

/* ---- errors --------------------------------------------------------------------------------- */

static const char days_policy[] = "libtier-policy 1\n"
                                  "window pdays = purchase_days over all\n"
                                  "tier busy {\n    rule \"many days\" when pdays >= 8\n}\n"
                                  "tier rest {\n    rule \"the rest\" when true\n}\n";

static void test_retier_errors_name_the_customer_and_keep_its_tier(void **state)
{
    tier_book *book = generated_book(TST_ALLOC, 300);
    tier_model *rfm = fitted_rfm(book), *unfitted = NULL;
    tier_policy *pol = NULL, *days = policy_text(days_policy);
    tier_result *run = NULL, *other = NULL;
    tier_retier *rt = NULL;
    int32_t last;
    int t;
    (void)state;
    assert_int_equal(tier_policy_new_builtin(&pol, "b2b-sabc", TST_ALLOC), TIER_OK);
    run = batch_run(book, &rfm, 1, pol, TST_ALLOC);
    /* Arguments. */
    assert_int_equal(tier_retier_new(NULL, run, book, &rfm, 1, pol, NULL, TST_ALLOC), TIER_EINVAL);
    assert_int_equal(tier_retier_new(&rt, NULL, book, &rfm, 1, pol, NULL, TST_ALLOC), TIER_EINVAL);
    assert_null(rt);
    /* A model that is not fitted. */
    assert_int_equal(tier_model_new_kind(&unfitted, NULL, "rfm", "r2", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_retier_new(&rt, run, book, &unfitted, 1, pol, NULL, TST_ALLOC),
                     TIER_ESTATE);
    assert_non_null(strstr(tier_retier_last_error(rt), "model \"r2\" is not fitted"));
    assert_int_equal(tier_retier_customer(rt, book, 0), TIER_ESTATE);
    tier_retier_free(rt);
    /* Not a run of this policy. */
    other = batch_run(book, NULL, 0, days, TST_ALLOC);
    assert_int_equal(tier_retier_new(&rt, other, book, &rfm, 1, pol, NULL, TST_ALLOC), TIER_EINVAL);
    tier_retier_free(rt);
    assert_int_equal(tier_retier_new(&rt, run, book, &rfm, 1, pol, NULL, TST_ALLOC), TIER_OK);
    /* Out of range, and a customer added after the freeze. */
    assert_int_equal(tier_retier_customer(rt, book, 300), TIER_ERANGE);
    assert_non_null(strstr(tier_retier_last_error(rt), "no customer 300"));
    assert_int_equal(tier_retier_tier(rt, 300), -1);
    assert_string_equal(tier_retier_reason(rt, 300), "");
    assert_int_equal(tier_book_add_txn(book, "NEW", 3, tst_day(2024, 12, 1), 10.0, NAN), TIER_OK);
    assert_int_equal(tier_retier_customer(rt, book, 300), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_retier_last_error(rt), "customer \"NEW\" (index 300) was added"));
    assert_non_null(strstr(tier_retier_last_error(rt), "next batch run"));
    assert_int_equal(tier_retier_batch(rt, book, other), TIER_ENOTFOUND);
    assert_int_equal(tier_retier_customer(rt, NULL, 0), TIER_EINVAL);
    tier_retier_free(rt);
    /* A purchase dated before the customer's last one: purchase-days stay exact. */
    tier_result_free(other);
    other = batch_run(book, NULL, 0, days, TST_ALLOC);
    assert_int_equal(tier_retier_new(&rt, other, book, NULL, 0, days, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_txn(book, "C00005", 6, tst_day(2024, 1, 1) - 30, 5.0, NAN),
                     TIER_OK);
    assert_int_equal(tier_retier_customer(rt, book, 4), TIER_OK);
    {
        tier_result *b = batch_of(rt, book);
        assert_int_equal(tier_retier_tier(rt, 4), tier_result_tier(b, 4));
        tier_result_free(b);
    }
    tier_retier_free(rt);
    (void)t;
    (void)last;
    tier_result_free(other);
    tier_result_free(run);
    tier_model_free(unfitted);
    tier_model_free(rfm);
    tier_policy_free(pol);
    tier_policy_free(days);
    tier_book_free(book);
}

/* A model whose score_row fails for one customer: the customer keeps its tier, its model columns
 * their values, and the message names the customer and the model. */
typedef struct flaky {
    size_t fail_at;
} flaky;

static size_t flaky_count(void *state)
{
    (void)state;
    return 1;
}

static int flaky_info(void *state, size_t i, const char **name, int *type)
{
    (void)state, (void)i;
    *name = "x";
    *type = TIER_VALUE_NUMBER;
    return TIER_OK;
}

static int flaky_score(void *state, const tier_book *book, tier_frame *frame)
{
    double *v;
    size_t i;
    int rc = tier_frame_add_numbers(frame, "x", &v);
    (void)state;
    for (i = 0; rc == TIER_OK && i < tier_book_customer_count(book); i++)
        v[i] = (double)(i % 3);
    return rc;
}

static int flaky_score_row(void *state, const tier_book *book, const tier_frame *frame,
                           size_t customer, double *numbers, const char **labels)
{
    (void)book, (void)frame, (void)labels;
    if (customer == ((flaky *)state)->fail_at)
        return TIER_EUSER;
    numbers[0] = 5.0;
    return TIER_OK;
}

static const char *flaky_error(void *state)
{
    (void)state;
    return "the credit bureau did not answer";
}

static const char flaky_policy[] = "libtier-policy 1\nmodel flaky = flaky\n"
                                   "tier top {\n    rule \"x high\" when flaky.x >= 2\n}\n"
                                   "tier rest {\n    rule \"the rest\" when true\n}\n";

static void test_retier_a_failing_model_leaves_the_customer_as_it_was(void **state)
{
    tier_book *book = generated_book(TST_ALLOC, 30);
    tier_model_vtable vt = tst_vtable("flaky", flaky_count, flaky_info, NULL, flaky_score);
    flaky st = {4};
    tier_model *m = NULL;
    tier_policy *pol = policy_text(flaky_policy);
    tier_result *run = NULL;
    tier_retier *rt = NULL;
    double x;
    (void)state;
    vt.score_row = flaky_score_row;
    vt.last_error = flaky_error;
    assert_int_equal(tier_model_new(&m, &vt, &st, "flaky", TST_ALLOC), TIER_OK);
    run = batch_run(book, &m, 1, pol, TST_ALLOC);
    assert_int_equal(tier_retier_new(&rt, run, book, &m, 1, pol, NULL, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_retier_tier_name(rt, 4), "rest"); /* x = 1 */
    assert_int_equal(tier_retier_customer(rt, book, 4), TIER_EUSER);
    assert_non_null(strstr(tier_retier_last_error(rt), "customer \"C00005\" (index 4)"));
    assert_non_null(strstr(tier_retier_last_error(rt), "flaky"));
    assert_string_equal(tier_retier_tier_name(rt, 4), "rest");
    assert_int_equal(tier_retier_number(rt, 4, "flaky.x", &x), TIER_OK);
    assert_true(x == 1.0);
    /* Another customer re-scores (x = 5) and moves. */
    assert_int_equal(tier_retier_customer(rt, book, 7), TIER_OK);
    assert_string_equal(tier_retier_tier_name(rt, 7), "top");
    assert_int_equal(tier_retier_number(rt, 7, "flaky.x", &x), TIER_OK);
    assert_true(x == 5.0);
    tier_retier_free(rt);
    tier_result_free(run);
    tier_model_free(m);
    tier_policy_free(pol);
    tier_book_free(book);
}

/* After the first customers, re-tiering allocates nothing: the scratch of the one-row path is
 * reused, the book's transaction index was built by the freeze and every reason a rule or cap
 * gives, and every set of flags, is known from the freeze (also those no customer of the run
 * had). */
static void test_retier_allocates_nothing_in_the_steady_state(void **state)
{
    tier_book *book = generated_book(TST_ALLOC, 2000);
    tier_model *rfm = fitted_rfm(book);
    tier_policy *pol = NULL;
    tier_result *run = NULL;
    tier_retier *rt = NULL;
    tst_failing counter = {0, 0, 0, 0};
    tier_allocator counting = tst_failing_allocator(&counter);
    int32_t last;
    long before;
    size_t i;
    (void)state;
    assert_int_equal(tier_policy_new_builtin(&pol, "b2b-sabc", TST_ALLOC), TIER_OK);
    run = batch_run(book, &rfm, 1, pol, TST_ALLOC);
    assert_int_equal(tier_retier_new(&rt, run, book, &rfm, 1, pol, NULL, &counting), TIER_OK);
    assert_int_equal(tier_book_day_range(book, NULL, &last), TIER_OK);
    for (i = 0; i < 1000; i++)
        invoice(rt, book, i, last, (double)(i % 7) * 10.0);
    before = counter.calls;
    for (i = 1000; i < 2000; i++)
        invoice(rt, book, i, last, (double)(i % 7) * 10.0);
    assert_int_equal(counter.calls, before);
    tier_retier_free(rt);
    tier_result_free(run);
    tier_policy_free(pol);
    tier_model_free(rfm);
    tier_book_free(book);
}

/* ---- out of memory -------------------------------------------------------------------------- */

static tier_book *small_book(const tier_allocator *a)
{
    return generated_book(a, 40);
}

/* tier_retier_new and the first tier_retier_customer with every allocation failing in turn. */
static int oom_retier(const tier_allocator *alloc, void *ud)
{
    tier_book *book = ud;
    tier_allocator a = tst_allocator();
    tier_policy *pol = NULL;
    tier_model *rfm = NULL;
    tier_result *run = NULL;
    tier_retier *rt = NULL;
    int rc;
    assert_int_equal(tier_policy_new_builtin(&pol, "b2b-sabc", &a), TIER_OK);
    assert_int_equal(tier_model_new_kind(&rfm, NULL, "rfm", NULL, &a), TIER_OK);
    run = batch_run(book, &rfm, 1, pol, &a);
    rc = tier_retier_new(&rt, run, book, &rfm, 1, pol, NULL, alloc);
    if (rc == TIER_OK) {
        int before = tier_retier_tier(rt, 3);
        rc = tier_retier_customer(rt, book, 3);
        assert_int_equal(tier_retier_tier(rt, 3), before);
        if (rc == TIER_OK)
            assert_string_equal(tier_retier_reason(rt, 3), tier_result_reason(run, 3));
    } else {
        assert_int_equal(rc, TIER_ENOMEM);
    }
    tier_retier_free(rt);
    tier_result_free(run);
    tier_model_free(rfm);
    tier_policy_free(pol);
    return rc;
}

static const char routed_policy[] = "libtier-policy 1\n"
                                    "window revenue = revenue over 12 months\n"
                                    "tier S {\n    rule \"some revenue\" when revenue > 2000\n}\n"
                                    "tier C {\n    rule \"the rest\" when true\n}\n"
                                    "routing {\n    accounts when tier == \"S\"\n"
                                    "    team local \"sales\" capacity 3 accounts\n}\n";

/* The same with a policy that routes (the frozen routing, the one-row route), a row routed and
 * one over the capacity re-tiered. */
static int oom_retier_routes(const tier_allocator *alloc, void *ud)
{
    tier_book *book = ud;
    tier_policy *pol = policy_text(routed_policy);
    tier_result *run = NULL;
    tier_retier *rt = NULL;
    size_t i, n = tier_book_customer_count(book), routed = 0, over = 0;
    int rc;
    run = batch_run(book, NULL, 0, pol, TST_ALLOC);
    for (i = 0; i < n; i++) {
        routed += *tier_result_route(run, i) != 0;
        over += strstr(tier_result_flags(run, i), "route_overflow") != NULL;
    }
    assert_true(routed == 3 && over > 0);
    rc = tier_retier_new(&rt, run, book, NULL, 0, pol, NULL, alloc);
    for (i = 0; i < n && rc == TIER_OK; i++) {
        if (!*tier_result_route(run, i) && !strstr(tier_result_flags(run, i), "route_overflow"))
            continue;
        rc = tier_retier_customer(rt, book, i);
        assert_string_equal(tier_retier_route(rt, i), tier_result_route(run, i));
        assert_string_equal(tier_retier_flags(rt, i), tier_result_flags(run, i));
    }
    if (rc != TIER_OK)
        assert_int_equal(rc, TIER_ENOMEM);
    tier_retier_free(rt);
    tier_result_free(run);
    tier_policy_free(pol);
    return rc;
}

/* tier_retier_new with a history, an override, an rfm model and an as-of day, then
 * tier_retier_batch, with every allocation failing in turn: TIER_ENOMEM saying so (copying the
 * history included: it was TIER_EUSER) with no run left in the result, or the batch whose tiers
 * are the retier's; the history is never changed. */
static int oom_batch_with_history(const tier_allocator *alloc, void *ud)
{
    tier_book *book = ud;
    tier_allocator a = tst_allocator();
    tier_policy *pol = policy_text(held_policy);
    tier_model *rfm = NULL;
    tier_history *h = NULL;
    tier_result *run = NULL, *out = NULL;
    tier_retier *rt = NULL;
    size_t i, n = tier_book_customer_count(book), runs;
    int rc;
    assert_int_equal(tier_model_new_kind(&rfm, NULL, "rfm", NULL, &a), TIER_OK);
    assert_int_equal(tier_history_new(&h, &a), TIER_OK);
    assert_int_equal(tier_result_new(&run, &a), TIER_OK);
    assert_int_equal(tier_result_set_as_of(run, tst_day(2024, 12, 1)), TIER_OK);
    assert_int_equal(tier_result_run(run, book, &rfm, 1, pol), TIER_OK);
    assert_int_equal(tier_history_apply(h, run, book, pol), TIER_OK);
    assert_int_equal(
        tier_history_override_add(h, "C00002", "S", "strategic", "ops", tst_day(2026, 1, 1)),
        TIER_OK);
    runs = tier_history_runs(h);
    rc = tier_retier_new(&rt, run, book, &rfm, 1, pol, h, alloc);
    if (rc == TIER_OK) {
        assert_int_equal(tier_result_new(&out, &a), TIER_OK);
        rc = tier_retier_batch(rt, book, out);
        if (rc == TIER_OK) {
            assert_int_equal(tier_result_customer_count(out), n);
            for (i = 0; i < n; i++)
                assert_int_equal(tier_result_tier(out, i), tier_retier_tier(rt, i));
        } else {
            tst_expect_oom(rc, tier_retier_last_error(rt));
            /* all or nothing: no run, not one without the history's decision */
            assert_int_equal(tier_result_customer_count(out), 0);
        }
    } else {
        assert_int_equal(rc, TIER_ENOMEM);
    }
    assert_int_equal(tier_history_runs(h), runs);
    tier_result_free(out);
    tier_retier_free(rt);
    tier_result_free(run);
    tier_history_free(h);
    tier_model_free(rfm);
    tier_policy_free(pol);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_retier_every_builtin_policy_matches_its_batch_recompute),
         cmocka_unit_test(test_retier_after_a_rollback_gives_back_the_customers_state),
         cmocka_unit_test(test_retier_routes_against_the_frozen_team_capacities),
         cmocka_unit_test(test_retier_generated_book_matches_its_batch_recompute),
         cmocka_unit_test(test_retier_one_row_is_placed_against_the_frozen_population),
         cmocka_unit_test(test_retier_a_members_invoice_moves_its_whole_group),
         cmocka_unit_test(test_retier_decides_hysteresis_dwell_and_overrides_as_the_next_run),
         cmocka_unit_test(test_retier_errors_name_the_customer_and_keep_its_tier),
         cmocka_unit_test(test_retier_a_failing_model_leaves_the_customer_as_it_was),
         cmocka_unit_test(test_retier_allocates_nothing_in_the_steady_state),
         TST_OOM_WALK(test_retier_survives_every_failed_allocation, oom_retier, small_book, 20),
         TST_OOM_WALK(test_retier_with_routing_survives_every_failed_allocation, oom_retier_routes,
                      small_book, 20),
         TST_OOM_WALK(test_retier_batch_with_a_history_survives_every_failed_allocation,
                      oom_batch_with_history, small_book, 20))
