/* SPDX-License-Identifier: MIT */
/* A history in a snapshot file (src/history/snapshot.c, docs/snapshot-format.md "libtier
 * history"): the writer against a golden file made by an independent writer of the spec, every
 * part of a history read back, save(load(save(x))) byte-identical, unknown sections kept in their
 * places, every inconsistent content refused with a message naming the section and the entry, a
 * failed load changing nothing, every truncation and bit flip (with the checksums kept and made
 * right again) and 100,000 random corruptions refused cleanly or read back byte for byte, a save
 * crashed after every I/O operation reloading as the old or the new history, every I/O operation
 * failing once cleanly, and an out-of-memory walk over load and save. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

#include "fuzz/snapfix.h"
#include "history/snapshot.h"
#include "util/rng.h"

#define PATH "dir/state.snap"
#define NEVER INT32_MIN
#define AS_OF 20089 /* 2025-01-01 */

/* ---- the sample history ----------------------------------------------------------------------
 */

static tier_history *new_history(void)
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
    tier__hmove *m = &h->moves[i];
    m->id = dup_(h, id);
    m->from = from;
    m->to = to;
    m->code = code;
    m->detail = dup_(h, detail);
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
static void sample(tier_history *h, int variant)
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

static tier_history *sample_history(int variant)
{
    tier_history *h = new_history();
    sample(h, variant);
    return h;
}

/* The snapshot of h as tier_history_write gives it (test_malloc'ed; free with test_free). */
static unsigned char *image(const tier_history *h, size_t *len)
{
    tst_sink s;
    memset(&s, 0, sizeof s);
    if (tier_history_write(h, tst_sink_write, &s) != TIER_OK)
        fail_msg("tier_history_write: %s", tier_history_last_error(h));
    assert_int_equal(s.calls, 1);
    *len = s.len;
    return (unsigned char *)s.data;
}

static unsigned char *sample_image(int variant, size_t *len)
{
    tier_history *h = sample_history(variant);
    unsigned char *d = image(h, len);
    tier_history_free(h);
    return d;
}

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

static unsigned char *golden(size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/snapshot/history.snap", TIER_SOURCE_DIR);
    return (unsigned char *)tst_read_file(path, len);
}

/* Fails unless the history's snapshot is exactly the `len` bytes of `want`. */
static void expect_image(const tier_history *h, const unsigned char *want, size_t len,
                         const char *what)
{
    size_t n;
    unsigned char *d = image(h, &n);
    if (n != len || memcmp(d, want, len) != 0)
        fail_msg("%s: the history's snapshot differs (%zu bytes, want %zu)", what, n, len);
    test_free(d);
}

/* Every part of a and b is the same. */
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
static int load(tier_history *h, const unsigned char *d, size_t len)
{
    int rc = tier_history_load_bytes(h, d, len, "state.snap");
    if (rc != TIER_OK && strncmp(tier_history_last_error(h), "state.snap: ", 12) != 0)
        fail_msg("%s without the file's name: '%s'", tier_status_name(rc),
                 tier_history_last_error(h));
    return rc;
}

/* ---- format and round trip ------------------------------------------------------------------ */

static void test_history_snapshot_matches_the_golden_file(void **state)
{
    static const char *const tags[] = {"HIST", "TIRS", "CUST", "OVRD",
                                       "XFUT", "MODL", "LEDG", "zz_1"};
    static const uint32_t flags[] = {1, 1, 1, 1, 0, 0, 0, 2};
    char err[TIER__ERR_SIZE];
    size_t glen, len, i;
    unsigned char *g = golden(&glen), *mine = sample_image(0, &len);
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
    unsigned char *g = golden(&glen);
    tier_history *want = sample_history(0), *got = new_history();
    (void)state;
    assert_int_equal(load(got, g, glen), TIER_OK);
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
    assert_int_equal(load(got, g, glen), TIER_OK);
    same_history(got, want);
    expect_image(got, g, glen, "reloaded");
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
        tier_history *h = sample_history(variant), *back = new_history();
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
        expect_image(back, one, len1, "written");
        assert_int_equal(fs.open_fds, 0);
        assert_int_equal(tst_faultfs_count(&fs), 2);
        tst_faultfs_clear(&fs);
        tier_history_free(h);
        tier_history_free(back);
    }
}

static void test_history_snapshot_of_an_empty_history(void **state)
{
    tier_history *h = new_history(), *back = sample_history(0);
    size_t len;
    unsigned char *d = image(h, &len);
    (void)state;
    /* Six sections: HIST (4 + 8 + 1 + 4 + 4 + 4), four counts, MODL's, LEDG's two and a flag. */
    assert_int_equal(len, 44 + 6 * 20 + 25 + 4 + 4 + 4 + 4 + 9);
    assert_int_equal(load(back, d, len), TIER_OK);
    same_history(back, h);
    assert_null(back->matrix_count);
    assert_int_equal(back->has_as_of, 0);
    test_free(d);
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
    *slot = dup_(h, s);
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
    unsigned char *g = golden(&glen);
    (void)state;
    for (k = 0; k < TST_COUNT(bad_cases); k++) {
        tier_history *bad = sample_history(0), *h = sample_history(0);
        unsigned char *d;
        tst_faultfs fs;
        tier_io io;
        int rc;
        bad_cases[k].make(bad);
        d = encoded(bad, &len);
        /* The load refuses it, says where, and leaves the history as it was. */
        rc = load(h, d, len);
        if (rc != bad_cases[k].status)
            fail_msg("case %zu: got %s, want %s: %s", k, tier_status_name(rc),
                     tier_status_name(bad_cases[k].status), tier_history_last_error(h));
        assert_string_equal(tier_history_last_error(h), bad_cases[k].message);
        expect_image(h, g, glen, bad_cases[k].message);
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
    unsigned char *g = golden(&glen), *copy;
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
    tier_history *h = sample_history(0);
    size_t glen;
    unsigned char *g = golden(&glen);
    int rc = load(h, d, len);
    if (rc != status)
        fail_msg("got %s, want %s (%s): %s", tier_status_name(rc), tier_status_name(status),
                 message, tier_history_last_error(h));
    assert_string_equal(tier_history_last_error(h), message);
    expect_image(h, g, glen, message);
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

static void test_history_snapshot_refuses_bad_sections(void **state)
{
    unsigned char p[80];
    (void)state;
    /* HIST: a newer history format, version 0, a flag byte of 2, an as-of without a run. */
    memset(p, 0, sizeof p);
    tier__snap_put32(p, 2);
    refused("HIST", -1, p, 25, NULL, NULL, TIER_EVERSION,
            "state.snap: section 'HIST': history format version 2 is newer than this "
            "library's (1): written by a newer libtier");
    tier__snap_put32(p, 0);
    refused("HIST", -1, p, 25, NULL, NULL, TIER_ECORRUPT,
            "state.snap: section 'HIST': history format version 0 is not valid");
    tier__snap_put32(p, 1);
    p[12] = 2;
    refused("HIST", -1, p, 25, NULL, NULL, TIER_ECORRUPT,
            "state.snap: section 'HIST': has_as_of is 2, expected 0 or 1");
    p[12] = 0;
    p[13] = 5;
    refused("HIST", -1, p, 25, NULL, NULL, TIER_ECORRUPT,
            "state.snap: section 'HIST': as-of day 5 given without has_as_of (must be 0)");
    /* A value left over, a value missing. */
    p[13] = 0;
    refused("HIST", -1, p, 26, NULL, NULL, TIER_ECORRUPT,
            "state.snap: section 'HIST' at byte 24: 1 bytes left over after payload byte "
            "25");
    refused("HIST", -1, p, 22, NULL, NULL, TIER_ECORRUPT,
            "state.snap: section 'HIST' at byte 24: truncated payload: a u32 at payload "
            "byte 21 needs 4 bytes, 1 left");
    /* CUST: a count that cannot fit; an entry cut short (the message names the entry). */
    memset(p, 0, sizeof p);
    tier__snap_put32(p, 0xFFFFFFFFu);
    refused("CUST", -1, p, 40, NULL, NULL, TIER_ECORRUPT,
            "state.snap: section 'CUST': 4294967295 entries cannot fit in the 36 bytes "
            "left (each takes at least 33)");
    memset(p, 0, sizeof p);
    tier__snap_put32(p, 2);
    tier__snap_put32(p + 4, 1); /* entry 1: "A", zeros, an empty reason */
    p[8] = 'A';
    tier__snap_put32(p + 37, 1); /* entry 2: "B", zeros, a reason of 5 bytes that are missing */
    p[41] = 'B';
    tier__snap_put32(p + 66, 5);
    refused("CUST", -1, p, 70, NULL, NULL, TIER_ECORRUPT,
            "state.snap: section 'CUST' at byte 142: truncated payload: a string at payload byte "
            "70 needs 5 bytes, 0 left (reading entry 2)");
    /* TIRS over the limit; the section flags. */
    tier__snap_put32(p, 4097);
    refused("TIRS", -1, p, 4, NULL, NULL, TIER_ECORRUPT,
            "state.snap: section 'TIRS': 4097 tiers, more than the 4096 allowed");
    refused("CUST", 0, NULL, 0, NULL, NULL, TIER_ECORRUPT,
            "state.snap: section 'CUST' at byte 142: the required flag must be set");
    refused("LEDG", 1, NULL, 0, NULL, NULL, TIER_ECORRUPT,
            "state.snap: section 'LEDG' at byte 641: the required flag must be clear");
    refused("HIST", 5, NULL, 0, NULL, NULL, TIER_EVERSION,
            "state.snap: section 'HIST' at byte 24: flags 0x00000005 are unknown to this "
            "library (written by a newer libtier)");
    /* Sections missing, repeated, out of order; a snapshot of something else. */
    refused(NULL, -1, NULL, 0, "OVRD", NULL, TIER_ECORRUPT,
            "state.snap: section 'MODL' at byte 415: out of its place (libtier's sections "
            "come once each, in the order HIST TIRS CUST OVRD MODL LEDG)");
    refused(NULL, -1, NULL, 0, "LEDG", NULL, TIER_ECORRUPT,
            "state.snap: no section 'LEDG': not a libtier history (libtier's sections come "
            "once each, in the order HIST TIRS CUST OVRD MODL LEDG)");
    refused(NULL, -1, NULL, 0, NULL, "HIST", TIER_ECORRUPT,
            "state.snap: section 'HIST' at byte 1133: a second one, or out of its place "
            "(libtier's sections come once each, in the order HIST TIRS CUST OVRD MODL "
            "LEDG)");
    refused(NULL, -1, NULL, 0, NULL, "NEW1", TIER_EVERSION,
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

/* ---- damage --------------------------------------------------------------------------------- */

static void test_history_snapshot_refuses_every_truncation_and_bit_flip(void **state)
{
    size_t len, cut, bit;
    unsigned char *g = golden(&len);
    tier_history *h = sample_history(0);
    (void)state;
    for (cut = 0; cut < len; cut++) {
        unsigned char *d = test_malloc(cut ? cut : 1); /* exactly `cut` bytes for the sanitizer */
        memcpy(d, g, cut);
        if (load(h, d, cut) != TIER_ECORRUPT)
            fail_msg("cut at %zu: not refused as damaged: %s", cut, tier_history_last_error(h));
        test_free(d);
    }
    for (bit = 0; bit < len * 8; bit++) {
        unsigned char *d = test_malloc(len);
        memcpy(d, g, len);
        d[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        if (load(h, d, len) != TIER_ECORRUPT)
            fail_msg("bit %zu flipped: not refused: %s", bit, tier_history_last_error(h));
        test_free(d);
    }
    expect_image(h, g, len, "after every refused file");
    tier_history_free(h);
    test_free(g);
}

/* Loads d (n bytes, in a block of exactly that size) into h, which holds the golden history:
 * the load fails cleanly and changes nothing, or it succeeds and the history writes back exactly
 * d (then h is given the golden history again). Returns the status. */
static int load_damaged(tier_history *h, const unsigned char *d, size_t n, const unsigned char *g,
                        size_t glen, int check_unchanged, const char *what)
{
    unsigned char *exact = test_malloc(n ? n : 1);
    int rc;
    memcpy(exact, d, n);
    rc = load(h, exact, n);
    if (rc == TIER_OK) {
        expect_image(h, exact, n, what); /* an accepted file is written back byte for byte */
        assert_int_equal(load(h, g, glen), TIER_OK);
    } else if (rc != TIER_ECORRUPT && rc != TIER_EVERSION) {
        fail_msg("%s: %s: %s", what, tier_status_name(rc), tier_history_last_error(h));
    } else if (check_unchanged) {
        expect_image(h, g, glen, what);
    }
    test_free(exact);
    return rc;
}

static void test_history_snapshot_bit_flips_behind_good_checksums(void **state)
{
    char what[96];
    size_t len, bit;
    unsigned char *g = golden(&len), *d = test_malloc(len);
    tier_history *h = new_history();
    long counts[3] = {0, 0, 0};
    (void)state;
    assert_int_equal(load(h, g, len), TIER_OK);
    /* Each bit of the payloads flipped with every checksum made right again: the history's own
     * checks must refuse it, or the file is a valid other history that is written back exactly. */
    for (bit = 0; bit < len * 8; bit++) {
        int rc;
        memcpy(d, g, len);
        d[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        tier_fuzz_fix_checksums(d, len);
        snprintf(what, sizeof what, "bit %zu (byte %zu) flipped, checksums fixed", bit, bit / 8);
        rc = load_damaged(h, d, len, g, len, 1, what);
        counts[rc == TIER_OK ? 0 : rc == TIER_ECORRUPT ? 1 : 2]++;
    }
    /* All three outcomes happen (a flip in a count of runs is a valid history, in a tier index
     * mostly not, in HIST's format version a newer one). */
    assert_true(counts[0] > 100 && counts[1] > 1000 && counts[2] > 0);
    tier_history_free(h);
    test_free(d);
    test_free(g);
}

static void test_history_snapshot_refuses_100000_random_corruptions(void **state)
{
    char what[96];
    size_t len, n;
    unsigned char *g = golden(&len), *d = test_malloc(len + 64);
    tier_history *h = new_history();
    long round, same = 0, accepted = 0;
    tier__rng rng;
    (void)state;
    assert_int_equal(load(h, g, len), TIER_OK);
    tier__rng_init(&rng, 20240607, 0x4849, 0, 0);
    for (round = 0; round < 100000; round++) {
        int fixed = (int)(round & 1), rc;
        n = tst_mutate(&rng, d, g, len);
        /* Every other round the checksums are made right: the damage reaches the sections. */
        if (fixed)
            tier_fuzz_fix_checksums(d, n);
        if (n == len && memcmp(d, g, len) == 0) {
            same++;
            continue;
        }
        snprintf(what, sizeof what, "round %ld (%zu bytes%s)", round, n,
                 fixed ? ", checksums fixed" : "");
        rc = load_damaged(h, d, n, g, len, round % 1000 == 1, what);
        if (!fixed && rc != TIER_ECORRUPT)
            fail_msg("%s: %s, want TIER_ECORRUPT", what, tier_status_name(rc));
        accepted += rc == TIER_OK;
    }
    assert_true(same < 1000);
    assert_true(accepted < 50000);
    expect_image(h, g, len, "after 100,000 damaged files");
    tier_history_free(h);
    test_free(d);
    test_free(g);
}

/* ---- files, crashes and I/O faults ----------------------------------------------------------- */

static void test_history_snapshot_missing_file_and_bad_arguments(void **state)
{
    tst_faultfs fs;
    tier_io io;
    tst_sink sink;
    size_t glen;
    long ops;
    unsigned char *g = golden(&glen);
    tier_history *h = sample_history(0);
    (void)state;
    tst_faultfs_init(&fs);
    io = tst_faultfs_io(&fs);
    /* A missing file is TIER_ENOTFOUND (the first run), and the history stays. */
    assert_int_equal(tier_history_load(h, "dir/none.snap", &io), TIER_ENOTFOUND);
    assert_string_equal(tier_history_last_error(h),
                        "dir/none.snap: cannot open: No such file or directory");
    expect_image(h, g, glen, "after a missing file");
    assert_int_equal(tier_history_load(h, "", &io), TIER_EINVAL);
    assert_int_equal(tier_history_load(h, NULL, &io), TIER_EINVAL);
    assert_int_equal(tier_history_load(NULL, PATH, &io), TIER_EINVAL);
    assert_int_equal(tier_history_load_bytes(h, NULL, 5, "x"), TIER_EINVAL);
    assert_int_equal(tier_history_load_bytes(NULL, g, glen, "x"), TIER_EINVAL);
    /* No origin: the messages call it "(snapshot)". */
    assert_int_equal(tier_history_load_bytes(h, g, 10, NULL), TIER_ECORRUPT);
    assert_string_equal(tier_history_last_error(h),
                        "(snapshot): truncated at byte 10 of at least 44 (header and trailer)");
    assert_int_equal(tier_history_save(h, "", &io), TIER_EINVAL);
    assert_int_equal(tier_history_save(NULL, PATH, &io), TIER_EINVAL);
    ops = fs.ops;
    io.version = TIER_IO_VERSION + 1;
    assert_int_equal(tier_history_save(h, PATH, &io), TIER_EVERSION);
    assert_int_equal(fs.ops, ops); /* refused before any file is touched */
    /* The callback. */
    memset(&sink, 0, sizeof sink);
    assert_int_equal(tier_history_write(h, NULL, &sink), TIER_EINVAL);
    assert_int_equal(tier_history_write(NULL, tst_sink_write, &sink), TIER_EINVAL);
    sink.stop_at = 1;
    assert_int_equal(tier_history_write(h, tst_sink_write, &sink), TIER_EUSER);
    assert_string_equal(tier_history_last_error(h), "the output callback stopped the write");
    tst_sink_reset(&sink);
    tst_faultfs_clear(&fs);
    tier_history_free(h);
    test_free(g);
}

static void test_history_snapshot_default_io_saves_and_loads_a_real_file(void **state)
{
    char dir[] = "/tmp/tier-hist-XXXXXX";
    char path[96];
    size_t glen;
    unsigned char *g = golden(&glen);
    tier_history *h = sample_history(0), *back = new_history();
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/state.snap", dir);
    assert_int_equal(tier_history_load(back, path, NULL), TIER_ENOTFOUND);
    assert_int_equal(tier_history_save(h, path, NULL), TIER_OK);
    assert_int_equal(tier_history_load(back, path, NULL), TIER_OK);
    expect_image(back, g, glen, "from a real file");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    tier_history_free(h);
    tier_history_free(back);
    test_free(g);
}

/* Saves the sample `variant` to PATH through fs. */
static int save_sample(tst_faultfs *fs, int variant, char *err)
{
    tier_io io = tst_faultfs_io(fs);
    tier_history *h = sample_history(variant);
    int rc = tier_history_save(h, PATH, &io);
    snprintf(err, TIER__ERR_SIZE, "%s", tier_history_last_error(h));
    tier_history_free(h);
    return rc;
}

/* Loads PATH from fs into a history and says which sample's snapshot it writes (0 or 1), or -1
 * when there is no file; fails the test for anything else, naming `what`. */
static int loaded_sample(tst_faultfs *fs, const unsigned char *old, size_t old_len,
                         const unsigned char *new_, size_t new_len, const char *what)
{
    tier_io io = tst_faultfs_io(fs);
    tier_history *h = new_history();
    int rc = tier_history_load(h, PATH, &io), which = -2;
    size_t n;
    unsigned char *d;
    if (rc == TIER_ENOTFOUND) {
        tier_history_free(h);
        return -1;
    }
    if (rc != TIER_OK)
        fail_msg("%s: the snapshot does not load: %s", what, tier_history_last_error(h));
    d = image(h, &n);
    if (old && n == old_len && memcmp(d, old, n) == 0)
        which = 0;
    else if (n == new_len && memcmp(d, new_, n) == 0)
        which = 1;
    test_free(d);
    tier_history_free(h);
    if (which < 0)
        fail_msg("%s: the file loads but is neither the old nor the new history", what);
    return which;
}

static void test_history_snapshot_save_crashed_after_every_operation(void **state)
{
    char err[TIER__ERR_SIZE], what[160];
    size_t old_len, new_len;
    unsigned char *old = sample_image(0, &old_len), *new_ = sample_image(1, &new_len);
    long total, n;
    int mode, first, seen[2][2] = {{0, 0}, {0, 0}};
    tst_faultfs fs;
    (void)state;
    assert_true(new_len > old_len + 1024);
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, PATH, old, old_len);
    assert_int_equal(save_sample(&fs, 1, err), TIER_OK);
    total = fs.ops;
    assert_string_equal(tst_faultfs_op(&fs, total), "sync_dir");
    tst_faultfs_clear(&fs);
    for (first = 0; first <= 1; first++) {
        for (mode = TST_CRASH_KEEP; mode <= TST_CRASH_TORN; mode++) {
            for (n = 0; n <= total; n++) {
                int which, rc;
                tst_faultfs_init(&fs);
                if (!first)
                    tst_faultfs_put(&fs, PATH, old, old_len);
                fs.dead_after = n ? n : -1; /* 0: the machine dies before the first call */
                rc = save_sample(&fs, 1, err);
                assert_int_equal(rc, n == total ? TIER_OK : TIER_EIO);
                tst_faultfs_crash(&fs, mode);
                snprintf(what, sizeof what, "%s save, crash after operation %ld (%s), writes %s",
                         first ? "first" : "second", n, n ? tst_faultfs_op(&fs, n) : "none",
                         tst_crash_name(mode));
                which = loaded_sample(&fs, first ? NULL : old, old_len, new_, new_len, what);
                if (which == -1 && !first)
                    fail_msg("%s: the old history is lost", what);
                if (n == total && which != 1)
                    fail_msg("%s: a completed save did not survive the crash", what);
                seen[first][which < 0 ? 0 : which]++;
                /* The next save after the crash works and leaves one file. */
                assert_int_equal(save_sample(&fs, 1, err), TIER_OK);
                assert_int_equal(loaded_sample(&fs, NULL, 0, new_, new_len, what), 1);
                assert_int_equal(fs.open_fds, 0);
                /* A crash may leave the temporary file (docs/reliability.md), never more. */
                assert_true(tst_faultfs_count(&fs) <= 2);
                tst_faultfs_clear(&fs);
            }
        }
    }
    assert_true(seen[0][0] > 0 && seen[0][1] > 0 && seen[1][0] > 0 && seen[1][1] > 0);
    test_free(old);
    test_free(new_);
}

static void test_history_snapshot_save_survives_every_failed_operation(void **state)
{
    static const int kinds[] = {TST_FAULT_EIO, TST_FAULT_ENOSPC, TST_FAULT_SHORT, TST_FAULT_EINTR};
    char err[TIER__ERR_SIZE], what[160];
    size_t old_len, new_len, k;
    unsigned char *old = sample_image(0, &old_len), *new_ = sample_image(1, &new_len);
    long total, n;
    tst_faultfs fs;
    (void)state;
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, PATH, old, old_len);
    assert_int_equal(save_sample(&fs, 1, err), TIER_OK);
    total = fs.ops;
    tst_faultfs_clear(&fs);
    for (k = 0; k < TST_COUNT(kinds); k++) {
        for (n = 1; n <= total; n++) {
            const char *op;
            int rc, which;
            tst_faultfs_init(&fs);
            tst_faultfs_put(&fs, PATH, old, old_len);
            fs.fail_at = n;
            fs.fail_kind = kinds[k];
            rc = save_sample(&fs, 1, err);
            op = tst_faultfs_op(&fs, n);
            snprintf(what, sizeof what, "operation %ld (%s) failing with %s", n, op,
                     tst_fault_name(kinds[k]));
            assert_int_equal(fs.open_fds, 0);
            assert_int_equal(tst_faultfs_count(&fs), 1); /* no temporary file left */
            which = loaded_sample(&fs, old, old_len, new_, new_len, what);
            if (kinds[k] == TST_FAULT_SHORT || kinds[k] == TST_FAULT_EINTR) {
                if (rc != TIER_OK || which != 1)
                    fail_msg("%s: got %s (%s), want a completed save", what, tier_status_name(rc),
                             err);
            } else if (rc != TIER_EIO) {
                fail_msg("%s: got %s, want TIER_EIO", what, tier_status_name(rc));
            } else if (strcmp(op, "sync_dir") == 0) {
                /* After the rename: the new history is in place, and the caller is told. */
                assert_int_equal(which, 1);
                if (!strstr(err, "the new file is in place"))
                    fail_msg("%s: '%s'", what, err);
            } else {
                if (which != 0)
                    fail_msg("%s: the old history was replaced", what);
                if (!strstr(err, "save 'dir/state.snap': ") ||
                    !strstr(err, kinds[k] == TST_FAULT_EIO ? "Input/output error"
                                                           : "No space left on device"))
                    fail_msg("%s: '%s'", what, err);
            }
            tst_faultfs_clear(&fs);
        }
    }
    test_free(old);
    test_free(new_);
}

static void test_history_snapshot_load_survives_every_failed_operation(void **state)
{
    static const int kinds[] = {TST_FAULT_EIO, TST_FAULT_ENOSPC, TST_FAULT_SHORT, TST_FAULT_EINTR};
    size_t glen, k, old_len;
    unsigned char *g = golden(&glen), *old = sample_image(1, &old_len);
    long total, n;
    tst_faultfs fs;
    tier_io io;
    (void)state;
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, PATH, g, glen);
    io = tst_faultfs_io(&fs);
    {
        tier_history *h = new_history();
        assert_int_equal(tier_history_load(h, PATH, &io), TIER_OK);
        tier_history_free(h);
    }
    total = fs.ops;
    tst_faultfs_clear(&fs);
    for (k = 0; k < TST_COUNT(kinds); k++) {
        for (n = 1; n <= total; n++) {
            tier_history *h = sample_history(1);
            const char *op;
            int rc;
            tst_faultfs_init(&fs);
            tst_faultfs_put(&fs, PATH, g, glen);
            io = tst_faultfs_io(&fs);
            fs.fail_at = n;
            fs.fail_kind = kinds[k];
            rc = tier_history_load(h, PATH, &io);
            op = tst_faultfs_op(&fs, n);
            assert_int_equal(fs.open_fds, 0);
            if (rc == TIER_OK) {
                expect_image(h, g, glen, op); /* whatever the fault, what was read is the file */
            } else {
                if (rc != TIER_EIO)
                    fail_msg("operation %ld (%s) failing with %s: %s", n, op,
                             tst_fault_name(kinds[k]), tier_history_last_error(h));
                expect_image(h, old, old_len, op); /* a failed load changes nothing */
            }
            if ((kinds[k] == TST_FAULT_SHORT || kinds[k] == TST_FAULT_EINTR) && rc != TIER_OK)
                fail_msg("operation %ld (%s) %s: %s", n, op, tst_fault_name(kinds[k]),
                         tier_history_last_error(h));
            tier_history_free(h);
            tst_faultfs_clear(&fs);
        }
    }
    test_free(g);
    test_free(old);
}

/* ---- out of memory ---------------------------------------------------------------------------
 */

static int oom_load_save(const tier_allocator *alloc, void *ud)
{
    size_t glen, len;
    unsigned char *g = golden(&glen);
    const unsigned char *d;
    tier_history *h = NULL;
    tst_faultfs fs;
    tier_io io;
    int rc;
    (void)ud;
    tst_faultfs_init(&fs);
    io = tst_faultfs_io(&fs);
    tst_faultfs_put(&fs, PATH, g, glen);
    tst_faultfs_put(&fs, "dir/out.snap", "old", 3);
    rc = tier_history_new(&h, alloc);
    if (rc == TIER_OK) {
        rc = tier_history_load(h, PATH, &io);
        if (rc == TIER_ENOMEM)
            assert_true(tier_history_runs(h) == 0 && tier_history_customer_count(h) == 0);
        if (rc == TIER_OK)
            rc = tier_history_save(h, "dir/out.snap", &io);
        if (rc == TIER_ENOMEM && !strstr(tier_history_last_error(h), "out of memory"))
            fail_msg("ENOMEM without saying so: '%s'", tier_history_last_error(h));
        /* Saved completely, or not at all. */
        d = tst_faultfs_get(&fs, "dir/out.snap", &len);
        assert_non_null(d);
        if (rc == TIER_OK) {
            assert_int_equal(len, glen);
            assert_memory_equal(d, g, glen);
        } else {
            assert_int_equal(len, 3);
        }
        assert_int_equal(tst_faultfs_count(&fs), 2);
    }
    assert_int_equal(fs.open_fds, 0);
    tier_history_free(h);
    tst_faultfs_clear(&fs);
    test_free(g);
    return rc;
}

static const tst_oom_case test_history_snapshot_load_and_save_survive_every_failed_allocation = {
    oom_load_save, NULL, 40};

TST_MAIN(cmocka_unit_test(test_history_snapshot_matches_the_golden_file),
         cmocka_unit_test(test_history_snapshot_reads_back_every_part),
         cmocka_unit_test(test_history_snapshot_save_load_save_is_byte_identical),
         cmocka_unit_test(test_history_snapshot_of_an_empty_history),
         cmocka_unit_test(test_history_snapshot_refuses_inconsistent_contents),
         cmocka_unit_test(test_history_snapshot_refuses_bad_sections),
         cmocka_unit_test(test_history_snapshot_refuses_every_truncation_and_bit_flip),
         cmocka_unit_test(test_history_snapshot_bit_flips_behind_good_checksums),
         cmocka_unit_test(test_history_snapshot_refuses_100000_random_corruptions),
         cmocka_unit_test(test_history_snapshot_missing_file_and_bad_arguments),
         cmocka_unit_test(test_history_snapshot_default_io_saves_and_loads_a_real_file),
         cmocka_unit_test(test_history_snapshot_save_crashed_after_every_operation),
         cmocka_unit_test(test_history_snapshot_save_survives_every_failed_operation),
         cmocka_unit_test(test_history_snapshot_load_survives_every_failed_operation),
         TST_OOM_TEST(test_history_snapshot_load_and_save_survive_every_failed_allocation))
