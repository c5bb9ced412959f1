/* SPDX-License-Identifier: MIT */
/* The shared test helpers of support.h for histories and their snapshots: the sample history
 * with every part filled (tests/data/snapshot/history.snap is its snapshot, written from the spec
 * by make_history.py), its snapshot through tier_history_write, and loads that check the
 * message names the file. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#include "history/history_internal.h"

/* Two months of four customers' invoices for pipeline runs with a history: acme's revenue falls
 * after a big first month, bolt's too, cory stays small, dune is new in the second month. */
const char tst_history_log[] = "customer_id,date,amount\n"
                               "acme,2025-01-10,5000\n"
                               "bolt,2025-01-12,700\n"
                               "cory,2025-01-15,40\n"
                               "acme,2025-02-10,100\n"
                               "bolt,2025-02-11,20\n"
                               "cory,2025-02-12,30\n"
                               "dune,2025-02-20,900\n";

#define NEVER INT32_MIN
#define AS_OF 20089 /* 2025-01-01 */

tier_history *tst_history_new(void)
{
    tier_allocator a = tst_allocator();
    tier_history *h = NULL;
    assert_int_equal(tier_history_new(&h, &a), TIER_OK);
    return h;
}

static char *dup_(tier_history *h, const char *s)
{
    char *d = tier__strdup(&h->alloc, s);
    assert_non_null(d);
    return d;
}

static void *zalloc(tier_history *h, size_t n, size_t size)
{
    void *p = tier__calloc(&h->alloc, n, size);
    assert_non_null(p);
    return p;
}

static void set_entry(tier_history *h, size_t i, const char *id, int32_t tier, int32_t since,
                      uint32_t runs, uint32_t failing, int32_t previous, int32_t moved,
                      const char *reason)
{
    tier__hentry *e = &h->entries[i];
    e->id = dup_(h, id);
    e->tier = tier;
    e->since = since;
    e->runs = runs;
    e->failing = failing;
    e->previous = previous;
    e->moved = moved;
    e->reason = dup_(h, reason);
}

static void set_move(tier_history *h, size_t i, const char *id, int32_t from, int32_t to, int code,
                     const char *detail)
{
    h->moves[i] = (tier__hmove){
        .id = dup_(h, id), .from = from, .to = to, .code = code, .detail = dup_(h, detail)};
}

static void set_model(tier_history *h, size_t i, const char *name, const char *kind,
                      const char *state)
{
    tier__hmodel *m = &h->models[i];
    m->name = dup_(h, name);
    m->kind = dup_(h, kind);
    m->state = dup_(h, state);
    m->state_len = strlen(state);
}

/* Fills a new history with every part. Variant 0 is tests/data/snapshot/history.snap
 * (make_history.py writes the same from the spec alone); variant 1 is a later state, larger than
 * two blocks of 512 bytes more, for the crash tests. Overrides go through the public call (the
 * one made before any run has no creation day); the rest through the handle's parts. */
void tst_history_sample(tier_history *h, int variant)
{
    static const char *const tiers[] = {"Gold", "Silver", "Bronze"};
    size_t i, extra = variant ? 80 : 0, cells = 16;
    char id[16];
    assert_int_equal(
        tier_history_override_add(h, "C9", "Platinum", "VIP \xe2\x98\x85", "bob", 20300), TIER_OK);
    h->has_as_of = 1;
    h->as_of = 20050;
    assert_int_equal(tier_history_override_add(h, "C001", "Gold", "key account", "anna", 20200),
                     TIER_OK);
    h->as_of = AS_OF + (int32_t)variant;
    h->runs = 42 + (uint64_t)variant;
    tier__free(&h->alloc, h->policy_name);
    h->policy_name = dup_(h, "Gold & Silber \xe2\x80\x93 B2B");
    h->policy_hash = 0xDEADBEEFu;
    h->tiers = zalloc(h, 3, sizeof *h->tiers);
    for (i = 0; i < 3; i++)
        h->tiers[i] = dup_(h, tiers[i]);
    h->n_tiers = 3;
    h->entries = zalloc(h, 4 + extra, sizeof *h->entries);
    set_entry(h, 0, "C001", 0, 19797, 5, 0, 1, 19797, "rule \"top revenue\"");
    set_entry(h, 1, "C002", 2, 20000, 1, 2, -1, NEVER, "");
    set_entry(h, 2, "C003", -1, AS_OF, 0, 0, 1, AS_OF, "no rule holds");
    for (i = 0; i < extra; i++) {
        snprintf(id, sizeof id, "N%03zu", i);
        set_entry(h, 3 + i, id, (int32_t)(i % 3), 20000 + (int32_t)i, (uint32_t)i, 0, -1, NEVER,
                  "rule \"steady\"");
    }
    set_entry(h, 3 + extra, "Z\xc3\xbcrich-7", 1, 19000, 12, 1, 0, 19000,
              "held in Gold: minimum dwell of 90 days");
    h->n_entries = 4 + extra;
    h->models = zalloc(h, 2, sizeof *h->models);
    set_model(h, 0, "abc", "pareto", "tier-model-state 1\nkind \"pareto\"\nname \"abc\"\nend\n");
    set_model(h, 1, "rfm", "rfm", "");
    h->n_models = 2;
    h->moves = zalloc(h, 4, sizeof *h->moves);
    set_move(h, 0, "C001", 1, 0, TIER__MOVE_RULE, "rule \"top revenue\"");
    set_move(h, 1, "C002", -1, 2, TIER__MOVE_NEW, "");
    set_move(h, 2, "C004", 1, -1, TIER__MOVE_GONE, "");
    set_move(h, 3, "C005", 2, 1, TIER__MOVE_OVERRIDE_EXPIRED, "trial (carl, until 2025-01-01)");
    h->n_moves = 4;
    h->matrix_count = zalloc(h, cells, sizeof *h->matrix_count);
    h->matrix_revenue = zalloc(h, cells, sizeof *h->matrix_revenue);
    for (i = 0; i < cells; i++) {
        h->matrix_count[i] = 3 * i + 1;
        h->matrix_revenue[i] = 1.5 * (double)i - 2.25;
    }
    h->expired = zalloc(h, 1, sizeof *h->expired);
    h->expired[0].id = dup_(h, "C005");
    h->expired[0].tier = dup_(h, "Silver");
    h->expired[0].reason = dup_(h, "trial");
    h->expired[0].author = dup_(h, "carl");
    h->expired[0].expires = AS_OF;
    h->expired[0].created = 20000;
    h->n_expired = 1;
    /* Two sections of a newer libtier: one after OVRD, one at the end with a reserved bit. */
    h->raw = zalloc(h, 2, sizeof *h->raw);
    memcpy(h->raw[0].tag, "XFUT", 4);
    h->raw[0].data = tier__malloc(&h->alloc, 11);
    assert_non_null(h->raw[0].data);
    memcpy(h->raw[0].data, "future\0data", 11);
    h->raw[0].len = 11;
    h->raw[0].after = 4;
    memcpy(h->raw[1].tag, "zz_1", 4);
    h->raw[1].flags = 2;
    h->raw[1].after = 6;
    h->n_raw = 2;
}

tier_history *tst_history_of(int variant)
{
    tier_history *h = tst_history_new();
    tst_history_sample(h, variant);
    return h;
}

/* The snapshot of h as tier_history_write gives it (test_malloc'ed; free with test_free). */
unsigned char *tst_history_image(const tier_history *h, size_t *len)
{
    tst_sink s;
    memset(&s, 0, sizeof s);
    if (tier_history_write(h, tst_sink_write, &s) != TIER_OK)
        fail_msg("tier_history_write: %s", tier_history_last_error(h));
    assert_int_equal(s.calls, 1);
    *len = s.len;
    return (unsigned char *)s.data;
}

unsigned char *tst_history_sample_image(int variant, size_t *len)
{
    tier_history *h = tst_history_of(variant);
    unsigned char *d = tst_history_image(h, len);
    tier_history_free(h);
    return d;
}

unsigned char *tst_history_golden(size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/snapshot/history.snap", TIER_SOURCE_DIR);
    return (unsigned char *)tst_read_file(path, len);
}

/* Fails unless the history's snapshot is exactly the `len` bytes of `want`. */
void tst_history_expect_image(const tier_history *h, const unsigned char *want, size_t len,
                              const char *what)
{
    size_t n;
    unsigned char *d = tst_history_image(h, &n);
    if (n != len || memcmp(d, want, len) != 0)
        fail_msg("%s: the history's snapshot differs (%zu bytes, want %zu)", what, n, len);
    test_free(d);
}

/* Every part of a and b is the same. */
int tst_history_load(tier_history *h, const unsigned char *d, size_t len)
{
    int rc = tier_history_load_bytes(h, d, len, "state.snap");
    if (rc != TIER_OK && strncmp(tier_history_last_error(h), "state.snap: ", 12) != 0)
        fail_msg("%s without the file's name: '%s'", tier_status_name(rc),
                 tier_history_last_error(h));
    return rc;
}

/* ---- runs applied to a history, on books built by hand (test_history*.c) ---- */

/* S holds for 3 runs, A until revenue collapses, B for 90 days; C takes the rest. */
const char tst_hist_policy[] = "libtier-policy 1\n"
                               "name \"hist\"\n"
                               "window rev = revenue over all\n"
                               "tier S {\n"
                               "    rule \"top\" when rev >= 1000\n"
                               "    demote after 3 runs\n"
                               "}\n"
                               "tier A {\n"
                               "    rule \"mid\" when rev >= 100\n"
                               "    demote when rev < 10\n"
                               "}\n"
                               "tier B {\n"
                               "    rule \"low\" when rev >= 10\n"
                               "    dwell 90 days\n"
                               "}\n"
                               "tier C {\n"
                               "    rule \"rest\"\n"
                               "}\n";

/* The same tiers, S renamed to Gold: nothing is held in a tier the policy no longer has. */
const char tst_hist_renamed[] = "libtier-policy 1\n"
                                "name \"hist\"\n"
                                "window rev = revenue over all\n"
                                "tier Gold {\n"
                                "    rule \"top\" when rev >= 1000\n"
                                "    demote after 3 runs\n"
                                "}\n"
                                "tier A {\n"
                                "    rule \"mid\" when rev >= 100\n"
                                "}\n"
                                "tier C {\n"
                                "    rule \"rest\"\n"
                                "}\n";

/* The four tiers of POLICY, S renamed to Gold. */
const char tst_hist_four_renamed[] = "libtier-policy 1\n"
                                     "window rev = revenue over all\n"
                                     "tier Gold {\n    rule \"top\" when rev >= 1000\n}\n"
                                     "tier A {\n    rule \"mid\" when rev >= 100\n}\n"
                                     "tier B {\n    rule \"low\" when rev >= 10\n}\n"
                                     "tier C {\n    rule \"rest\"\n}\n";

/* S capped to one customer, overflow into A. */
const char tst_hist_capped[] = "libtier-policy 1\n"
                               "window rev = revenue over all\n"
                               "tier S {\n"
                               "    rule \"top\" when rev >= 1000\n"
                               "    cap 1 by rev overflow A\n"
                               "}\n"
                               "tier A {\n"
                               "    rule \"rest\"\n"
                               "}\n";

/* Flags and routing that read `tier`: they must see the final tier, not the placed one. */
const char tst_hist_flagged[] = "libtier-policy 1\n"
                                "name \"flagged\"\n"
                                "window rev = revenue over all\n"
                                "flag key_care when tier == \"S\"\n"
                                "flag watch when tier == \"A\" and rev < 500\n"
                                "tier S {\n"
                                "    rule \"top\" when rev >= 1000\n"
                                "    demote after 3 runs\n"
                                "}\n"
                                "tier A {\n"
                                "    rule \"mid\" when rev >= 100\n"
                                "}\n"
                                "tier B {\n"
                                "    rule \"rest\"\n"
                                "}\n"
                                "routing {\n"
                                "    accounts when tier == \"S\"\n"
                                "    team local \"key account desk\" capacity 1 accounts\n"
                                "}\n";

tier_policy *tst_hist_policy_load(const tier_allocator *a, const char *text)
{
    tier_policy *p = NULL;
    if (tier_policy_new(&p, a) != TIER_OK)
        return NULL;
    if (tier_policy_load_string(p, text, strlen(text), "hist.policy") != TIER_OK) {
        tier_policy_free(p);
        return NULL;
    }
    return p;
}

void tst_hrun_free(tst_hrun *r)
{
    tier_result_free(r->result);
    tier_policy_free(r->policy);
    tier_book_free(r->book);
    memset(r, 0, sizeof *r);
}

/* Makes the run (book, policy, result run) with `a`: TIER_OK or the first failure. */
int tst_hrun_make(tst_hrun *r, const tier_allocator *a, const char *policy, const char *const *ids,
                  const double *amounts, size_t n, int32_t as_of)
{
    size_t i;
    int rc;
    memset(r, 0, sizeof *r);
    if ((rc = tier_book_new(&r->book, a)) != TIER_OK)
        return rc;
    for (i = 0; i < n; i++)
        if ((rc = tier_book_add_txn(r->book, ids[i], strlen(ids[i]), as_of - 1, amounts[i], NAN)) !=
            TIER_OK)
            return rc;
    if (!(r->policy = tst_hist_policy_load(a, policy)))
        return TIER_ENOMEM;
    if ((rc = tier_result_new(&r->result, a)) != TIER_OK ||
        (rc = tier_result_set_as_of(r->result, as_of)) != TIER_OK)
        return rc;
    return tier_result_run(r->result, r->book, NULL, 0, r->policy);
}

/* A run applied to h; fails the test on any failure. */
void tst_hrun_step(tier_history *h, tst_hrun *r, const char *policy, const char *const *ids,
                   const double *amounts, size_t n, int32_t as_of)
{
    int rc = tst_hrun_make(r, TST_ALLOC, policy, ids, amounts, n, as_of);
    if (rc)
        fail_msg("run: %s: %s", tier_status_name(rc),
                 r->result ? tier_result_last_error(r->result) : "");
    rc = tier_history_apply(h, r->result, r->book, r->policy);
    if (rc)
        fail_msg("apply: %s: %s", tier_status_name(rc), tier_history_last_error(h));
}

/* The final tier name ("" for none) and reason of customer `id` in the result. */
const char *tst_hrun_tier(const tst_hrun *r, const char *id)
{
    int t = tier_result_tier(r->result, tst_customer(r->book, id));
    return t < 0 ? "" : tier_result_tier_name(r->result, (size_t)t);
}

const char *tst_hrun_reason(const tst_hrun *r, const char *id)
{
    return tier_result_reason(r->result, tst_customer(r->book, id));
}

tier_history_entry tst_history_entry(const tier_history *h, const char *id)
{
    tier_history_entry e;
    memset(&e, 0, sizeof e);
    if (tier_history_entry_get(h, id, 0, &e) != TIER_OK)
        fail_msg("no entry %s: %s", id, tier_history_last_error(h));
    return e;
}

char *tst_ledger_text(const tier_history *h, int which)
{
    tst_sink s;
    int rc;
    memset(&s, 0, sizeof s);
    rc = which == 0   ? tier_history_ledger_write(h, TIER_LEDGER_CSV, tst_sink_write, &s)
         : which == 1 ? tier_history_ledger_write(h, TIER_LEDGER_JSON, tst_sink_write, &s)
                      : tier_history_matrix_write(h, tst_sink_write, &s);
    if (rc)
        fail_msg("ledger: %s: %s", tier_status_name(rc), tier_history_last_error(h));
    return s.data;
}

void tst_expect_ledger(const tier_history *h, int which, const char *want)
{
    char *got = tst_ledger_text(h, which);
    assert_string_equal(got, want);
    test_free(got);
}

char *tst_hrun_text(const tst_hrun *r, const char *columns)
{
    tst_sink s;
    int rc;
    memset(&s, 0, sizeof s);
    rc = tier_result_write(r->result, r->book, columns, TIER_OUTPUT_CSV, tst_sink_write, &s);
    if (rc)
        fail_msg("write: %s: %s", tier_status_name(rc), tier_result_last_error(r->result));
    return s.data;
}
