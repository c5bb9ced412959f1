/* SPDX-License-Identifier: MIT */
/* A history in a snapshot file (src/history/snapshot.c, docs/snapshot-format.md "libtier
 * history"): the writer against a golden file made by an independent writer of the spec, every
 * part of a history read back, save(load(save(x))) byte-identical, unknown sections kept in their
 * places, an empty history, and every inconsistent content and every bad section refused with a
 * message naming the section and the entry, the history unchanged. Damage, crashes, I/O faults
 * and out-of-memory: test_history_snapshot_faults.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#include "history/snapshot.h"

#define PATH "dir/state.snap"
#define NEVER INT32_MIN

/* The sections of h as they are, without the save's check (for inconsistent states). */
static unsigned char *encoded(const tier_history *h, size_t *len)
{
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    tier__snapw w;
    const unsigned char *d;
    unsigned char *copy;
    tier__snapw_init(&w, &a);
    assert_int_equal(tier__history_encode(h, &w), TIER_OK);
    assert_int_equal(tier__snapw_finish(&w, &d, len), TIER_OK);
    copy = test_malloc(*len);
    memcpy(copy, d, *len);
    tier__snapw_free(&w);
    return copy;
}

static void same_overrides(const tier__hoverride *a, const tier__hoverride *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        assert_string_equal(a[i].id, b[i].id);
        assert_string_equal(a[i].tier, b[i].tier);
        assert_string_equal(a[i].reason, b[i].reason);
        assert_string_equal(a[i].author, b[i].author);
        assert_int_equal(a[i].expires, b[i].expires);
        assert_int_equal(a[i].created, b[i].created);
    }
}

static void same_history(const tier_history *a, const tier_history *b)
{
    size_t i, cells;
    assert_true(a->runs == b->runs);
    assert_int_equal(a->has_as_of, b->has_as_of);
    assert_int_equal(a->as_of, b->as_of);
    assert_string_equal(a->policy_name, b->policy_name);
    assert_int_equal(a->policy_hash, b->policy_hash);
    assert_int_equal(a->n_tiers, b->n_tiers);
    for (i = 0; i < a->n_tiers; i++)
        assert_string_equal(a->tiers[i], b->tiers[i]);
    assert_int_equal(a->n_entries, b->n_entries);
    for (i = 0; i < a->n_entries; i++) {
        const tier__hentry *x = &a->entries[i], *y = &b->entries[i];
        assert_string_equal(x->id, y->id);
        assert_int_equal(x->tier, y->tier);
        assert_int_equal(x->since, y->since);
        assert_int_equal(x->runs, y->runs);
        assert_int_equal(x->failing, y->failing);
        assert_int_equal(x->previous, y->previous);
        assert_int_equal(x->moved, y->moved);
        assert_string_equal(x->reason, y->reason);
    }
    assert_int_equal(a->n_overrides, b->n_overrides);
    same_overrides(a->overrides, b->overrides, a->n_overrides);
    assert_int_equal(a->n_models, b->n_models);
    for (i = 0; i < a->n_models; i++) {
        assert_string_equal(a->models[i].name, b->models[i].name);
        assert_string_equal(a->models[i].kind, b->models[i].kind);
        assert_int_equal(a->models[i].state_len, b->models[i].state_len);
        assert_memory_equal(a->models[i].state, b->models[i].state, a->models[i].state_len);
    }
    assert_int_equal(a->n_moves, b->n_moves);
    for (i = 0; i < a->n_moves; i++) {
        assert_string_equal(a->moves[i].id, b->moves[i].id);
        assert_int_equal(a->moves[i].from, b->moves[i].from);
        assert_int_equal(a->moves[i].to, b->moves[i].to);
        assert_int_equal(a->moves[i].code, b->moves[i].code);
        assert_string_equal(a->moves[i].detail, b->moves[i].detail);
    }
    assert_true((a->matrix_count == NULL) == (b->matrix_count == NULL));
    cells = (a->n_tiers + 1) * (a->n_tiers + 1);
    for (i = 0; a->matrix_count && i < cells; i++) {
        assert_true(a->matrix_count[i] == b->matrix_count[i]);
        assert_memory_equal(&a->matrix_revenue[i], &b->matrix_revenue[i], sizeof(double));
    }
    assert_int_equal(a->n_expired, b->n_expired);
    same_overrides(a->expired, b->expired, a->n_expired);
    assert_int_equal(a->n_raw, b->n_raw);
    for (i = 0; i < a->n_raw; i++) {
        assert_memory_equal(a->raw[i].tag, b->raw[i].tag, 4);
        assert_int_equal(a->raw[i].flags, b->raw[i].flags);
        assert_int_equal(a->raw[i].after, b->raw[i].after);
        assert_int_equal(a->raw[i].len, b->raw[i].len);
        if (a->raw[i].len)
            assert_memory_equal(a->raw[i].data, b->raw[i].data, a->raw[i].len);
    }
}

/* Loads `len` bytes into h as "state.snap"; a failure's message must name the file. */
/* ---- format and round trip ------------------------------------------------------------------ */

static void test_history_snapshot_matches_the_golden_file(void **state)
{
    static const char *const tags[] = {"HIST", "TIRS", "CUST", "OVRD",
                                       "XFUT", "MODL", "LEDG", "zz_1"};
    static const uint32_t flags[] = {1, 1, 1, 1, 0, 0, 0, 2};
    char err[TIER__ERR_SIZE];
    size_t glen, len, i;
    unsigned char *g = tst_history_golden(&glen), *mine = tst_history_sample_image(0, &len);
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    tier__snapr r;
    (void)state;
    assert_int_equal(glen, 1153);
    assert_int_equal(len, glen);
    assert_memory_equal(mine, g, glen);
    /* The sections in the documented order, the unknown ones where they stood. */
    assert_int_equal(tier__snapr_parse(&r, &a, g, glen, "history.snap", err), TIER_OK);
    assert_int_equal(r.count, TST_COUNT(tags));
    for (i = 0; i < r.count; i++) {
        assert_string_equal(r.sections[i].tag, tags[i]);
        assert_int_equal(r.sections[i].flags, flags[i]);
    }
    tier__snapr_free(&r);
    test_free(g);
    test_free(mine);
}

static void test_history_snapshot_reads_back_every_part(void **state)
{
    size_t glen;
    unsigned char *g = tst_history_golden(&glen);
    tier_history *want = tst_history_of(0), *got = tst_history_new();
    (void)state;
    assert_int_equal(tst_history_load(got, g, glen), TIER_OK);
    assert_string_equal(tier_history_last_error(got), "");
    same_history(got, want);
    assert_true(tier_history_runs(got) == 42);
    assert_int_equal(tier_history_customer_count(got), 4);
    assert_int_equal(tier_history_override_count(got), 2);
    /* The special values: no tier, never moved, no creation day, -0 revenue... as written. */
    assert_int_equal(got->entries[2].tier, -1);
    assert_int_equal(got->entries[1].moved, NEVER);
    assert_int_equal(got->overrides[1].created, NEVER);
    assert_string_equal(got->overrides[1].tier, "Platinum");
    assert_int_equal(got->raw[0].after, 4);
    /* Loading again replaces everything (nothing is appended). */
    assert_int_equal(tst_history_load(got, g, glen), TIER_OK);
    same_history(got, want);
    tst_history_expect_image(got, g, glen, "reloaded");
    tier_history_free(got);
    tier_history_free(want);
    test_free(g);
}

static void test_history_snapshot_save_load_save_is_byte_identical(void **state)
{
    size_t len1, len2;
    const unsigned char *one, *two;
    tst_faultfs fs;
    tier_io io;
    int variant;
    (void)state;
    for (variant = 0; variant <= 1; variant++) {
        tier_history *h = tst_history_of(variant), *back = tst_history_new();
        tst_faultfs_init(&fs);
        io = tst_faultfs_io(&fs);
        assert_int_equal(tier_history_save(h, PATH, &io), TIER_OK);
        assert_string_equal(tier_history_last_error(h), "");
        assert_int_equal(tier_history_load(back, PATH, &io), TIER_OK);
        same_history(back, h);
        assert_int_equal(tier_history_save(back, "dir/again.snap", &io), TIER_OK);
        one = tst_faultfs_get(&fs, PATH, &len1);
        two = tst_faultfs_get(&fs, "dir/again.snap", &len2);
        assert_non_null(one);
        assert_non_null(two);
        assert_int_equal(len1, len2);
        assert_memory_equal(one, two, len1);
        tst_history_expect_image(back, one, len1, "written");
        assert_int_equal(fs.open_fds, 0);
        assert_int_equal(tst_faultfs_count(&fs), 2);
        tst_faultfs_clear(&fs);
        tier_history_free(h);
        tier_history_free(back);
    }
}

static void test_history_snapshot_of_an_empty_history(void **state)
{
    tier_history *h = tst_history_new(), *back = tst_history_of(0);
    size_t len;
    unsigned char *d = tst_history_image(h, &len);
    (void)state;
    /* Six sections: HIST (4 + 8 + 1 + 4 + 4 + 4), four counts, MODL's, LEDG's two and a flag. */
    assert_int_equal(len, 44 + 6 * 20 + 25 + 4 + 4 + 4 + 4 + 9);
    assert_int_equal(tst_history_load(back, d, len), TIER_OK);
    same_history(back, h);
    assert_null(back->matrix_count);
    assert_int_equal(back->has_as_of, 0);
    test_free(d);
    tier_history_free(h);
    tier_history_free(back);
}

/* ---- a history made by runs ------------------------------------------------------------------ */

/* Four runs of a policy with hysteresis and a cap, with an override that expires: the history
 * apply makes (entries, moves, matrix, expired override) goes through a snapshot unchanged after
 * every run, and its ledger is written the same from the loaded copy. (The models' states come
 * from a pipeline; the sample history has them.) */
static void test_history_snapshot_of_a_history_made_by_runs(void **state)
{
    static const char policy_text[] = "libtier-policy 1\n"
                                      "name \"runs\"\n"
                                      "window rev = revenue over all\n"
                                      "tier S {\n"
                                      "    rule \"top\" when rev >= 1000\n"
                                      "    demote after 2 runs\n"
                                      "    cap 2 by rev overflow A\n"
                                      "}\n"
                                      "tier A {\n"
                                      "    rule \"mid\" when rev >= 100\n"
                                      "    dwell 30 days\n"
                                      "}\n"
                                      "tier C {\n"
                                      "    rule \"rest\"\n"
                                      "}\n";
    static const char *const ids[] = {"a", "b", "c", "d", "e"};
    static const double amounts[4][5] = {{5000, 2000, 1500, 50, 500},
                                         {10, 2000, 1500, 50, 5},
                                         {10, 10, 1500, 5000, 5},
                                         {10, 10, 10, 10, 10}};
    tier_history *h = tst_history_new(), *back = tst_history_new();
    tier_policy *policy = NULL;
    tst_sink one, two;
    size_t len, k, i, moves = 0, expired = 0;
    unsigned char *d;
    (void)state;
    assert_int_equal(tier_policy_new(&policy, NULL), TIER_OK);
    if (tier_policy_load_string(policy, policy_text, strlen(policy_text), "runs.policy"))
        fail_msg("%s", tier_policy_last_error(policy));
    assert_int_equal(tier_history_override_add(h, "e", "S", "key account", "anna", 20003), TIER_OK);
    for (k = 0; k < 4; k++) {
        tier_book *book = NULL;
        tier_result *result = NULL;
        int32_t as_of = 20000 + 2 * (int32_t)k;
        assert_int_equal(tier_book_new(&book, NULL), TIER_OK);
        for (i = 0; i < 5; i++)
            assert_int_equal(
                tier_book_add_txn(book, ids[i], 1, as_of - 1 - (int32_t)i, amounts[k][i], NAN),
                TIER_OK);
        assert_int_equal(tier_result_new(&result, NULL), TIER_OK);
        assert_int_equal(tier_result_set_as_of(result, as_of), TIER_OK);
        if (tier_result_run(result, book, NULL, 0, policy) ||
            tier_history_apply(h, result, book, policy))
            fail_msg("run %zu: %s %s", k, tier_result_last_error(result),
                     tier_history_last_error(h));
        tier_result_free(result);
        tier_book_free(book);
        /* After every run the state goes through a snapshot unchanged. */
        d = tst_history_image(h, &len);
        assert_int_equal(tst_history_load(back, d, len), TIER_OK);
        tst_history_expect_image(back, d, len, "a history made by runs");
        test_free(d);
        expired += back->n_expired;
        moves += back->n_moves;
    }
    /* Every part was reached. */
    assert_true(moves > 5 && expired == 1 && back->matrix_count != NULL);
    assert_true(tier_history_runs(back) == 4);
    memset(&one, 0, sizeof one);
    memset(&two, 0, sizeof two);
    assert_int_equal(tier_history_ledger_write(h, TIER_LEDGER_JSON, tst_sink_write, &one), TIER_OK);
    assert_int_equal(tier_history_ledger_write(back, TIER_LEDGER_JSON, tst_sink_write, &two),
                     TIER_OK);
    assert_string_equal(one.data, two.data);
    tst_sink_reset(&one);
    tst_sink_reset(&two);
    tier_policy_free(policy);
    tier_history_free(h);
    tier_history_free(back);
}

/* ---- inconsistent contents ------------------------------------------------------------------- */

/* One way to make the sample inconsistent, and what the load must say. */
typedef struct bad_case {
    void (*make)(tier_history *h);
    int status;
    const char *message;
} bad_case;

static void replace(tier_history *h, char **slot, const char *s)
{
    tier__free(&h->alloc, *slot);
    *slot = tier__strdup(&h->alloc, s);
    assert_non_null(*slot);
}

static void tier_index_9(tier_history *h)
{
    h->entries[2].tier = 9;
}
static void previous_minus_2(tier_history *h)
{
    h->entries[0].previous = -2;
}
static void unsorted_ids(tier_history *h)
{
    char *t = h->entries[0].id;
    h->entries[0].id = h->entries[1].id;
    h->entries[1].id = t;
}
static void repeated_id(tier_history *h)
{
    replace(h, &h->entries[2].id, "C002");
}
static void empty_id(tier_history *h)
{
    replace(h, &h->entries[3].id, "");
}
static void since_past_the_calendar(tier_history *h)
{
    h->entries[1].since = TIER_DAY_MAX + 1;
}
static void moved_before_the_calendar(tier_history *h)
{
    h->entries[0].moved = TIER_DAY_MIN - 1;
}
static void reason_not_utf8(tier_history *h)
{
    replace(h, &h->entries[1].reason, "ok \xff");
}
static void policy_name_not_utf8(tier_history *h)
{
    replace(h, &h->policy_name, "\xc3\x28");
}
static void as_of_out_of_range(tier_history *h)
{
    h->as_of = -30000;
}
static void tier_names_repeat(tier_history *h)
{
    replace(h, &h->tiers[2], "Gold");
}
static void tier_name_empty(tier_history *h)
{
    replace(h, &h->tiers[1], "");
}
static void overrides_unsorted(tier_history *h)
{
    tier__hoverride t = h->overrides[0];
    h->overrides[0] = h->overrides[1];
    h->overrides[1] = t;
}
static void override_expiry_out_of_range(tier_history *h)
{
    h->overrides[0].expires = 3000000;
}
static void override_author_empty(tier_history *h)
{
    replace(h, &h->overrides[1].author, "");
}
static void models_repeat(tier_history *h)
{
    replace(h, &h->models[1].name, "abc");
}
static void model_state_with_nul(tier_history *h)
{
    h->models[0].state[5] = '\0';
}
static void move_code_9(tier_history *h)
{
    h->moves[2].code = 9;
}
static void move_to_tier_3(tier_history *h)
{
    h->moves[0].to = 3;
}
static void matrix_revenue_nan(tier_history *h)
{
    h->matrix_revenue[6] = NAN;
}
static void expired_creation_out_of_range(tier_history *h)
{
    h->expired[0].created = TIER_DAY_MAX + 7;
}
static void required_unknown_section(tier_history *h)
{
    h->raw[1].flags = TIER__SNAP_REQUIRED;
}

static const bad_case bad_cases[] = {
    {tier_index_9, TIER_ECORRUPT,
     "state.snap: section 'CUST', entry 3 (\"C003\"): tier index 9 out of range (3 tiers)"},
    {previous_minus_2, TIER_ECORRUPT,
     "state.snap: section 'CUST', entry 1 (\"C001\"): previous tier index -2 out of range (3 "
     "tiers)"},
    {unsorted_ids, TIER_ECORRUPT,
     "state.snap: section 'CUST', entry 2 (\"C001\"): not after entry 1's id (entries are sorted "
     "by id, each once)"},
    {repeated_id, TIER_ECORRUPT,
     "state.snap: section 'CUST', entry 3 (\"C002\"): not after entry 2's id (entries are sorted "
     "by id, each once)"},
    {empty_id, TIER_ECORRUPT, "state.snap: section 'CUST', entry 4: the customer id is empty"},
    {since_past_the_calendar, TIER_ECORRUPT,
     "state.snap: section 'CUST', entry 2 (\"C002\"): since 2932897 is not a day number between "
     "-25567 and 2932896"},
    {moved_before_the_calendar, TIER_ECORRUPT,
     "state.snap: section 'CUST', entry 1 (\"C001\"): day of the last move -25568 is not a day "
     "number between -25567 and 2932896 (or -2147483648: never)"},
    {reason_not_utf8, TIER_ECORRUPT,
     "state.snap: section 'CUST', entry 2 (\"C002\"): the reason is not valid UTF-8 or holds a "
     "NUL byte"},
    {policy_name_not_utf8, TIER_ECORRUPT,
     "state.snap: section 'HIST': the policy name is not valid UTF-8 or holds a NUL byte"},
    {as_of_out_of_range, TIER_ECORRUPT,
     "state.snap: section 'HIST': as-of day -30000 is not a day number between -25567 and "
     "2932896"},
    {tier_names_repeat, TIER_ECORRUPT,
     "state.snap: section 'TIRS', tier 3 (\"Gold\"): the name repeats tier 1's"},
    {tier_name_empty, TIER_ECORRUPT, "state.snap: section 'TIRS', tier 2: the tier name is empty"},
    {overrides_unsorted, TIER_ECORRUPT,
     "state.snap: section 'OVRD', override 2 (\"C001\"): not after override 1's id (overrides are "
     "sorted by id, each once)"},
    {override_expiry_out_of_range, TIER_ECORRUPT,
     "state.snap: section 'OVRD', override 1 (\"C001\"): expiry day 3000000 is not a day number "
     "between -25567 and 2932896"},
    {override_author_empty, TIER_ECORRUPT,
     "state.snap: section 'OVRD', override 2 (\"C9\"): the author is empty"},
    {models_repeat, TIER_ECORRUPT,
     "state.snap: section 'MODL', model 2 (\"abc\"): the name repeats model 1's"},
    {model_state_with_nul, TIER_ECORRUPT,
     "state.snap: section 'MODL', model 1 (\"abc\"): the state is not valid UTF-8 or holds a NUL "
     "byte"},
    {move_code_9, TIER_ECORRUPT,
     "state.snap: section 'LEDG', move 3 (\"C004\"): move code 9 is not one of 1 to 7"},
    {move_to_tier_3, TIER_ECORRUPT,
     "state.snap: section 'LEDG', move 1 (\"C001\"): to tier index 3 out of range (3 tiers)"},
    {matrix_revenue_nan, TIER_ECORRUPT,
     "state.snap: section 'LEDG': matrix cell 6 (from 1 to 2): the revenue is not a finite "
     "number"},
    {expired_creation_out_of_range, TIER_ECORRUPT,
     "state.snap: section 'LEDG', expired override 1 (\"C005\"): day of creation 2932903 is not a "
     "day number between -25567 and 2932896 (or -2147483648: never)"},
    {required_unknown_section, TIER_EVERSION,
     "state.snap: section 'zz_1' at byte 1113 is required but unknown to this library (written by "
     "a newer libtier)"},
};

static void test_history_snapshot_refuses_inconsistent_contents(void **state)
{
    size_t k, len, glen;
    unsigned char *g = tst_history_golden(&glen);
    (void)state;
    for (k = 0; k < TST_COUNT(bad_cases); k++) {
        tier_history *bad = tst_history_of(0), *h = tst_history_of(0);
        unsigned char *d;
        tst_faultfs fs;
        tier_io io;
        int rc;
        bad_cases[k].make(bad);
        d = encoded(bad, &len);
        /* The load refuses it, says where, and leaves the history as it was. */
        rc = tst_history_load(h, d, len);
        if (rc != bad_cases[k].status)
            fail_msg("case %zu: got %s, want %s: %s", k, tier_status_name(rc),
                     tier_status_name(bad_cases[k].status), tier_history_last_error(h));
        assert_string_equal(tier_history_last_error(h), bad_cases[k].message);
        tst_history_expect_image(h, g, glen, bad_cases[k].message);
        /* The save refuses to write what it could not load again; the old file stays. */
        tst_faultfs_init(&fs);
        io = tst_faultfs_io(&fs);
        tst_faultfs_put(&fs, PATH, "old", 3);
        assert_int_equal(tier_history_save(bad, PATH, &io), TIER_EINVAL);
        {
            const char *parts[2];
            parts[0] = "the history is inconsistent and was not saved (it would not load): ";
            parts[1] = bad_cases[k].message + strlen("state.snap: ");
            tst_expect_parts(tier_history_last_error(bad), parts, 2);
        }
        assert_int_equal(fs.ops, 0);
        tst_faultfs_clear(&fs);
        test_free(d);
        tier_history_free(bad);
        tier_history_free(h);
    }
    test_free(g);
}

/* The golden file with section `tag`'s flags and payload replaced (flags < 0: kept; payload
 * NULL: kept; tag NULL: none replaced), `drop` (a tag, or NULL) left out and `add` (a tag, or
 * NULL) appended with an empty payload and the required bit. test_malloc'ed. */
static unsigned char *rebuild(const char *tag, long flags, const void *payload, size_t n,
                              const char *drop, const char *add, size_t *len)
{
    char err[TIER__ERR_SIZE];
    size_t glen, i;
    unsigned char *g = tst_history_golden(&glen), *copy;
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    const unsigned char *d;
    tier__snapr r;
    tier__snapw w;
    assert_int_equal(tier__snapr_parse(&r, &a, g, glen, "golden", err), TIER_OK);
    tier__snapw_init(&w, &a);
    for (i = 0; i < r.count; i++) {
        const tier__snap_section *s = &r.sections[i];
        if (drop && strcmp(s->tag, drop) == 0)
            continue;
        if (tag && strcmp(s->tag, tag) == 0)
            tier__snapw_section(&w, s->tag, flags < 0 ? s->flags : (uint32_t)flags,
                                payload ? payload : r.data + s->offset, payload ? n : s->length);
        else
            tier__snapw_copy(&w, &r, s);
    }
    if (add)
        tier__snapw_section(&w, add, TIER__SNAP_REQUIRED, NULL, 0);
    assert_int_equal(tier__snapw_finish(&w, &d, len), TIER_OK);
    copy = test_malloc(*len);
    memcpy(copy, d, *len);
    tier__snapw_free(&w);
    tier__snapr_free(&r);
    test_free(g);
    return copy;
}

/* Loads a rebuilt file into a sample history: the status and message wanted, nothing changed. */
static void expect_refused(unsigned char *d, size_t len, int status, const char *message)
{
    tier_history *h = tst_history_of(0);
    size_t glen;
    unsigned char *g = tst_history_golden(&glen);
    int rc = tst_history_load(h, d, len);
    if (rc != status)
        fail_msg("got %s, want %s (%s): %s", tier_status_name(rc), tier_status_name(status),
                 message, tier_history_last_error(h));
    assert_string_equal(tier_history_last_error(h), message);
    tst_history_expect_image(h, g, glen, message);
    tier_history_free(h);
    test_free(g);
    test_free(d);
}

/* rebuild() then expect_refused(). */
static void refused(const char *tag, long flags, const void *payload, size_t n, const char *drop,
                    const char *add, int status, const char *message)
{
    size_t len;
    unsigned char *d = rebuild(tag, flags, payload, n, drop, add, &len);
    expect_refused(d, len, status, message);
}

/* The file with section `tag`'s payload replaced by the n bytes of p. */
static void refused_payload(const char *tag, const void *p, size_t n, int status,
                            const char *message)
{
    refused(tag, -1, p, n, NULL, NULL, status, message);
}

/* The file with section `tag`'s flags replaced. */
static void refused_flags(const char *tag, long flags, int status, const char *message)
{
    refused(tag, flags, NULL, 0, NULL, NULL, status, message);
}

/* The file without section `drop` and with an empty required section `add` at its end. */
static void refused_sections(const char *drop, const char *add, int status, const char *message)
{
    refused(NULL, -1, NULL, 0, drop, add, status, message);
}

static void test_history_snapshot_refuses_bad_sections(void **state)
{
    unsigned char p[80];
    (void)state;
    /* HIST: a newer history format, version 0, a flag byte of 2, an as-of without a run. */
    memset(p, 0, sizeof p);
    tier__snap_put32(p, 2);
    refused_payload("HIST", p, 25, TIER_EVERSION,
                    "state.snap: section 'HIST': history format version 2 is newer than this "
                    "library's (1): written by a newer libtier");
    tier__snap_put32(p, 0);
    refused_payload("HIST", p, 25, TIER_ECORRUPT,
                    "state.snap: section 'HIST': history format version 0 is not valid");
    tier__snap_put32(p, 1);
    p[12] = 2;
    refused_payload("HIST", p, 25, TIER_ECORRUPT,
                    "state.snap: section 'HIST': has_as_of is 2, expected 0 or 1");
    p[12] = 0;
    p[13] = 5;
    refused_payload("HIST", p, 25, TIER_ECORRUPT,
                    "state.snap: section 'HIST': as-of day 5 given without has_as_of (must be 0)");
    /* A value left over, a value missing. */
    p[13] = 0;
    refused_payload("HIST", p, 26, TIER_ECORRUPT,
                    "state.snap: section 'HIST' at byte 24: 1 bytes left over after payload byte "
                    "25");
    refused_payload("HIST", p, 22, TIER_ECORRUPT,
                    "state.snap: section 'HIST' at byte 24: truncated payload: a u32 at payload "
                    "byte 21 needs 4 bytes, 1 left");
    /* CUST: a count that cannot fit; an entry cut short (the message names the entry). */
    memset(p, 0, sizeof p);
    tier__snap_put32(p, 0xFFFFFFFFu);
    refused_payload("CUST", p, 40, TIER_ECORRUPT,
                    "state.snap: section 'CUST': 4294967295 entries cannot fit in the 36 bytes "
                    "left (each takes at least 33)");
    memset(p, 0, sizeof p);
    tier__snap_put32(p, 2);
    tier__snap_put32(p + 4, 1); /* entry 1: "A", zeros, an empty reason */
    p[8] = 'A';
    tier__snap_put32(p + 37, 1); /* entry 2: "B", zeros, a reason of 5 bytes that are missing */
    p[41] = 'B';
    tier__snap_put32(p + 66, 5);
    refused_payload(
        "CUST", p, 70, TIER_ECORRUPT,
        "state.snap: section 'CUST' at byte 142: truncated payload: a string at payload byte "
        "70 needs 5 bytes, 0 left (reading entry 2)");
    /* TIRS over the limit; the section flags. */
    tier__snap_put32(p, 4097);
    refused_payload("TIRS", p, 4, TIER_ECORRUPT,
                    "state.snap: section 'TIRS': 4097 tiers, more than the 4096 allowed");
    refused_flags("CUST", 0, TIER_ECORRUPT,
                  "state.snap: section 'CUST' at byte 142: the required flag must be set");
    refused_flags("LEDG", 1, TIER_ECORRUPT,
                  "state.snap: section 'LEDG' at byte 641: the required flag must be clear");
    refused_flags("HIST", 5, TIER_EVERSION,
                  "state.snap: section 'HIST' at byte 24: flags 0x00000005 are unknown to this "
                  "library (written by a newer libtier)");
    /* Sections missing, repeated, out of order; a snapshot of something else. */
    refused_sections("OVRD", NULL, TIER_ECORRUPT,
                     "state.snap: section 'MODL' at byte 415: out of its place (libtier's sections "
                     "come once each, in the order HIST TIRS CUST OVRD MODL LEDG)");
    refused_sections(
        "LEDG", NULL, TIER_ECORRUPT,
        "state.snap: no section 'LEDG': not a libtier history (libtier's sections come "
        "once each, in the order HIST TIRS CUST OVRD MODL LEDG)");
    refused_sections(NULL, "HIST", TIER_ECORRUPT,
                     "state.snap: section 'HIST' at byte 1133: a second one, or out of its place "
                     "(libtier's sections come once each, in the order HIST TIRS CUST OVRD MODL "
                     "LEDG)");
    refused_sections(NULL, "NEW1", TIER_EVERSION,
                     "state.snap: section 'NEW1' at byte 1133 is required but unknown to this "
                     "library (written by a newer libtier)");
    {
        static const unsigned char empty[44] = {
            0x54, 0x49, 0x45, 0x52, 0x53, 0x4e, 0x41, 0x50, 0x01, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x91, 0xfb,
            0xb6, 0xd4, 0x54, 0x49, 0x45, 0x52, 0x45, 0x4e, 0x44, 0x00, 0x2c,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa1, 0x67, 0xc6, 0x96};
        unsigned char *d = test_malloc(sizeof empty);
        memcpy(d, empty, sizeof empty);
        expect_refused(d, sizeof empty, TIER_ECORRUPT,
                       "state.snap: no section 'HIST': not a libtier history (libtier's sections "
                       "come once each, in the order HIST TIRS CUST OVRD MODL LEDG)");
    }
}

TST_MAIN(cmocka_unit_test(test_history_snapshot_matches_the_golden_file),
         cmocka_unit_test(test_history_snapshot_reads_back_every_part),
         cmocka_unit_test(test_history_snapshot_save_load_save_is_byte_identical),
         cmocka_unit_test(test_history_snapshot_of_an_empty_history),
         cmocka_unit_test(test_history_snapshot_of_a_history_made_by_runs),
         cmocka_unit_test(test_history_snapshot_refuses_inconsistent_contents),
         cmocka_unit_test(test_history_snapshot_refuses_bad_sections))
