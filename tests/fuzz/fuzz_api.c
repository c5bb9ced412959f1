/* SPDX-License-Identifier: MIT */
/* libFuzzer target driving random call sequences on the public API: a book (transactions,
 * customers, attributes, contracts, CSV reads, typed loads, merges, savepoints), two models (rfm
 * and pareto: fit, options, score, save and load), a policy built call by call, results and
 * retiers. Each input byte picks the next call, the bytes after it its arguments (ids, days,
 * amounts among NaN, +-inf, -0, 1e308, names, indices beyond the book, invalid UTF-8, NULL with
 * a length). Checked after every call:
 *  - a failed call leaves its handle exactly as it was (the book's digest, tests/fuzz/bookdigest.h;
 *    the model's options, fitted flag and saved state; the policy's description; the result's
 *    customers and tiers) and says why;
 *  - a rollback gives back exactly the book of its savepoint;
 *  - a saved model loads into a fresh model that saves the same bytes;
 * and, under ASan/UBSan (or valgrind for the replay), no crash, no undefined behaviour, no leak. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bookdigest.h"
#include "tier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STEPS 200
#define MAX_SAVEPOINTS 8

typedef struct cursor {
    const uint8_t *p;
    size_t n;
} cursor;

static unsigned next(cursor *c)
{
    unsigned v;
    if (!c->n)
        return 0;
    v = *c->p++;
    c->n--;
    return v;
}

static unsigned next16(cursor *c)
{
    unsigned hi = next(c);
    return (hi << 8) | next(c);
}

typedef struct world {
    tier_book *book, *other;
    tier_model *models[2];
    tier_policy *policy;
    tier_result *result;
    tier_text *text;
    uint64_t savepoints[MAX_SAVEPOINTS];
    size_t depth;
} world;

static const char *const ids[8] = {"c0", "c1", "c2", "c3", "c4", "", "bad\xff", "c7"};
static const char *const attrs[6] = {"x", "y", "z", "", "n\xc0\xaf", "region"};
static const char *const texts[6] = {"north", "", "\xff\xfe", "1.5", "south", "NaN"};
static const char *const columns[6] = {"rfm.m", "rfm.r", "pareto.class", "attr.x", "x", ""};
static const char *const csvs[4] = {
    "customer_id,date,amount\nc1,2021-03-04,10\nc9,2021-03-05,-2\n",
    "customer_id,date,amount\nc1,2021-02-30,10\n",
    "customer_id,x,region\nc1,5,north\nc2,7,south\n",
    "customer_id,date,amount\nc2,2020-01-01,nan\n",
};

static double amount(unsigned b)
{
    static const double table[12] = {10, 0, -5, 123.45, 1e308, -0.0, 1e12, 1e13, 0.0001, 7, 99, 3};
    switch (b % 16) {
    case 12:
        return NAN;
    case 13:
        return INFINITY;
    case 14:
        return -INFINITY;
    case 15:
        return -1e308;
    default:
        return table[b % 16];
    }
}

static int32_t day_of(unsigned v)
{
    /* Mostly 2019-2023, sometimes anything (before 1900, after 9999). */
    return v < 0xF000 ? (int32_t)(17897 + v % 1800) : (int32_t)((int)v - 0xF800) * 4000;
}

/* Everything the API shows of a model (NULL when out of memory). */
static char *model_picture(const tier_model *m, tier_text *t)
{
    size_t i, len = 0, cap = 256;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (i = 0; i <= tier_model_option_count(m); i++) {
        const char *name = NULL, *doc = NULL, *add;
        size_t n;
        int type = 0;
        tier_text_clear(t);
        if (i < tier_model_option_count(m)) {
            if (tier_model_option_info(m, i, &name, &type, &doc) ||
                tier_model_get_option(m, name, t))
                abort();
        } else if (!tier_model_is_fitted(m) || tier_model_save(m, t) != TIER_OK) {
            tier_text_clear(t);
        }
        add = tier_text_data(t);
        n = tier_text_length(t);
        if (len + n + 2 > cap) {
            char *more;
            cap = 2 * (len + n + 2);
            more = realloc(out, cap);
            if (!more) {
                free(out);
                return NULL;
            }
            out = more;
        }
        memcpy(out + len, add, n);
        len += n;
        out[len++] = '\n';
        out[len] = '\0';
    }
    return out;
}

static char *policy_picture(const tier_policy *p, tier_text *t)
{
    char *out;
    tier_text_clear(t); /* describe appends */
    if (tier_policy_describe(p, t) != TIER_OK)
        abort();
    out = malloc(tier_text_length(t) + 1);
    if (out)
        memcpy(out, tier_text_data(t), tier_text_length(t) + 1);
    return out;
}

static uint64_t result_digest(const tier_result *r)
{
    uint64_t h = tier_fuzz_hash_size(14695981039346656037ULL, tier_result_customer_count(r));
    size_t i;
    h = tier_fuzz_hash_size(h, (size_t)tier_result_frame(r));
    for (i = 0; i < tier_result_customer_count(r); i++) {
        int t = tier_result_tier(r, i);
        h = tier_fuzz_hash(h, &t, sizeof t);
    }
    return h;
}

static void expect_said_why(int rc, const char *what, const char *err)
{
    if (rc != TIER_OK && !err[0]) {
        fprintf(stderr, "%s failed with %s and no message\n", what, tier_status_name(rc));
        abort();
    }
}

/* A book call's status: a failure must leave the book as it was (digest `before`). */
static void check_book(const world *w, int rc, uint64_t before, const char *what)
{
    if (rc == TIER_OK)
        return;
    expect_said_why(rc, what, tier_book_last_error(w->book));
    if (tier_fuzz_book_digest(w->book) != before) {
        fprintf(stderr, "a failed %s (%s: %s) changed the book\n", what, tier_status_name(rc),
                tier_book_last_error(w->book));
        abort();
    }
}

static void step_model(world *w, const unsigned *a, unsigned op)
{
    tier_model *m = w->models[a[0] & 1];
    char *before = model_picture(m, w->text), *after;
    int rc = TIER_OK;
    const char *what = "model call";
    if (!before)
        return;
    switch (op) {
    case 0:
        what = "tier_model_fit";
        rc = tier_model_fit(m, w->book, NULL);
        break;
    case 1: {
        size_t n = tier_model_option_count(m);
        const char *name = NULL, *doc = NULL;
        int type = 0;
        what = "tier_model_set_option";
        if (n && tier_model_option_info(m, a[1] % n, &name, &type, &doc) == TIER_OK)
            rc = tier_model_set_option(m, name, texts[a[2] % 6]);
        break;
    }
    default: {
        tier_frame *f = NULL;
        what = "tier_model_score";
        if (tier_frame_new(&f, tier_book_customer_count(w->book), NULL) != TIER_OK)
            break;
        rc = tier_model_score(m, w->book, f);
        if (rc != TIER_OK && (tier_frame_column_count(f) != 0 || !tier_frame_last_error(f)[0]))
            abort();
        tier_frame_free(f);
        free(before);
        return;
    }
    }
    if (rc != TIER_OK) {
        expect_said_why(rc, what, tier_model_last_error(m));
        after = model_picture(m, w->text);
        if (after && strcmp(before, after) != 0) {
            fprintf(stderr, "a failed %s changed the model:\n%s---\n%s", what, before, after);
            abort();
        }
        free(after);
    }
    free(before);
}

/* Saves a fitted model and loads it into a fresh one of its kind: same saved bytes. */
static void step_save_load(world *w, const unsigned *a)
{
    tier_model *m = w->models[a[0] & 1], *n = NULL;
    tier_text *again = NULL;
    if (!tier_model_is_fitted(m) || tier_model_save(m, w->text) != TIER_OK)
        return;
    if (tier_model_new_kind(&n, NULL, tier_model_kind(m), NULL, NULL) != TIER_OK ||
        tier_text_new(&again, NULL) != TIER_OK)
        goto done;
    if (tier_model_load(n, tier_text_data(w->text), tier_text_length(w->text)) != TIER_OK ||
        tier_model_save(n, again) != TIER_OK ||
        strcmp(tier_text_data(w->text), tier_text_data(again)) != 0) {
        fprintf(stderr, "a saved %s does not load back the same: %s\n", tier_model_kind(m),
                tier_model_last_error(n));
        abort();
    }
done:
    tier_text_free(again);
    tier_model_free(n);
}

static void step_policy(world *w, const unsigned *a)
{
    char *before = policy_picture(w->policy, w->text), *after;
    size_t rules = tier_policy_rule_count(w->policy), tiers = tier_policy_tier_count(w->policy);
    size_t rule = rules ? a[1] % (rules + 1) : 0; /* sometimes one past the last */
    int rc;
    if (!before)
        return;
    switch (a[0] % 4) {
    case 0:
        rc = tier_policy_add_tier(w->policy, attrs[a[1] % 6], NULL);
        break;
    case 1:
        rc = tier_policy_add_rule(w->policy, tiers ? a[1] % (tiers + 1) : 0, texts[a[2] % 6], NULL);
        break;
    case 2:
        rc = tier_policy_where_number(w->policy, rule, columns[a[2] % 6], (int)(a[3] % 8),
                                      amount(a[4]));
        break;
    default:
        rc = tier_policy_where_label(w->policy, rule, columns[a[2] % 6], (int)(a[3] % 8),
                                     texts[a[4] % 6]);
        break;
    }
    if (rc != TIER_OK) {
        expect_said_why(rc, "a policy call", tier_policy_last_error(w->policy));
        after = policy_picture(w->policy, w->text);
        if (after && strcmp(before, after) != 0) {
            fprintf(stderr, "a failed policy call %u (%s) changed the policy:\n%s---\n%s", a[0] % 4,
                    tier_policy_last_error(w->policy), before, after);
            abort();
        }
        free(after);
    }
    free(before);
}

/* A run, then a retier of it driven by the following bytes, then the retier freed. */
static void step_run(world *w, const unsigned *a, cursor *c)
{
    uint64_t before = result_digest(w->result);
    size_t nmodels = 1 + (a[0] & 1), i, steps;
    tier_retier *rt = NULL;
    int rc = tier_result_run(w->result, w->book, w->models, nmodels, w->policy);
    if (rc != TIER_OK) {
        expect_said_why(rc, "tier_result_run", tier_result_last_error(w->result));
        if (result_digest(w->result) != before) {
            fprintf(stderr, "a failed run changed the result\n");
            abort();
        }
        return;
    }
    if (!(a[1] & 1))
        return;
    rc = tier_retier_new(&rt, w->result, w->book, w->models, nmodels, w->policy, NULL, NULL);
    if (rc != TIER_OK) {
        if (rt)
            expect_said_why(rc, "tier_retier_new", tier_retier_last_error(rt));
        tier_retier_free(rt);
        return;
    }
    steps = a[2] % 8;
    for (i = 0; i < steps; i++) { /* 4 bytes a step: what, customer, day (2) */
        unsigned b = next(c), which = next(c), day = next16(c);
        size_t n = tier_book_customer_count(w->book), cust = n ? which % (n + 1) : 0;
        if (b & 1) {
            int tier_before = tier_retier_tier(rt, cust);
            rc = tier_retier_customer(rt, w->book, cust);
            if (rc != TIER_OK) {
                expect_said_why(rc, "tier_retier_customer", tier_retier_last_error(rt));
                if (tier_retier_tier(rt, cust) != tier_before)
                    abort();
            }
        } else if (cust < n) {
            size_t len = 0;
            const char *id = tier_book_customer_id(w->book, cust, &len);
            uint64_t d = tier_fuzz_book_digest(w->book);
            rc = tier_book_add_txn(w->book, id, len, day_of(day), amount(b >> 1), NAN);
            check_book(w, rc, d, "tier_book_add_txn");
        }
    }
    tier_retier_free(rt);
}

static void step_book(world *w, const unsigned *a, unsigned op)
{
    uint64_t before = tier_fuzz_book_digest(w->book);
    const char *what = "book call";
    unsigned k = a[0];
    const char *id = ids[k % 8];
    size_t idlen = strlen(id);
    int rc = TIER_OK;
    if (k & 0x80) { /* an id with an embedded NUL ("c1\0", 3 bytes), or NULL with a length */
        id = (k & 0x40) ? NULL : "c1\0";
        idlen = 3;
    }
    switch (op) {
    case 0:
        what = "tier_book_add_txn";
        rc = tier_book_add_txn(w->book, id, idlen, day_of(a[1] << 8 | a[2]), amount(a[3]),
                               a[4] & 1 ? NAN : amount(a[5]));
        break;
    case 1:
        what = "tier_book_add_customer";
        rc = tier_book_add_customer(w->book, id, idlen, NULL);
        break;
    case 2:
        what = "tier_book_set_number";
        rc = tier_book_set_number(w->book, a[1] % 10, attrs[a[2] % 6], amount(a[3]));
        break;
    case 3:
        what = "tier_book_set_text";
        rc = tier_book_set_text(w->book, a[1] % 10, attrs[a[2] % 6], texts[a[3] % 6]);
        break;
    case 4: {
        tier_contract ct;
        unsigned s = a[1] << 8 | a[2], e = a[3] << 8 | a[4];
        what = "tier_book_add_contract";
        ct.start_day = day_of(s);
        ct.end_day = e & 1 ? TIER_CONTRACT_OPEN : day_of(e);
        ct.amount = amount(a[5]);
        ct.period = (int32_t)(a[6] % 4);
        ct.status = (int32_t)(a[6] / 4 % 5);
        ct.plan = texts[a[7] % 6];
        rc = tier_book_add_contract(w->book, id, idlen, &ct, a[7] >> 7);
        break;
    }
    case 5: {
        tier_csv *csv = NULL;
        const char *text = csvs[a[1] % 4];
        if (tier_csv_new(&csv, NULL) != TIER_OK)
            return;
        what = "CSV read";
        rc = (k & 1) ? tier_csv_read_attributes_buffer(csv, w->book, text, strlen(text))
                     : tier_csv_read_buffer(csv, w->book, text, strlen(text));
        if (rc != TIER_OK) {
            expect_said_why(rc, what, tier_csv_last_error(csv));
            if (tier_fuzz_book_digest(w->book) != before) {
                fprintf(stderr, "a failed CSV read (%s) changed the book\n",
                        tier_csv_last_error(csv));
                abort();
            }
        }
        tier_csv_free(csv);
        return;
    }
    case 6:
        what = "tier_book_merge";
        {
            const char *oid = ids[a[1] % 8];
            (void)tier_book_add_txn(w->other, oid, strlen(oid), day_of(a[2] << 8 | a[3]), 5, NAN);
        }
        rc = tier_book_merge(w->book, w->other);
        break;
    case 7: {
        tier_column cols[2] = {{"customer_id", TIER_COLUMN_ID}, {"x", TIER_COLUMN_NUMBER}};
        tier_cell cells[2];
        memset(cells, 0, sizeof cells);
        cells[0].type = TIER_CELL_TEXT;
        cells[0].text = ids[a[1] % 8];
        cells[0].len = strlen(cells[0].text);
        cells[1].type = TIER_CELL_NUMBER;
        cells[1].number = amount(a[2]);
        cols[1].type = (int)(1 + a[3] % 3);
        what = "tier_book_load_rows";
        rc = tier_book_load_rows(w->book, cols, 2, cells, 1, k & 1 ? TIER_LOAD_EXISTING : 0);
        break;
    }
    case 8:
        what = "tier_book_savepoint";
        if (w->depth == MAX_SAVEPOINTS)
            return;
        rc = tier_book_savepoint(w->book);
        if (rc == TIER_OK)
            w->savepoints[w->depth++] = before;
        break;
    default:
        what = k & 1 ? "tier_book_rollback" : "tier_book_release";
        rc = k & 1 ? tier_book_rollback(w->book) : tier_book_release(w->book);
        if ((rc == TIER_OK) != (w->depth > 0) ||
            tier_book_savepoint_depth(w->book) != (rc == TIER_OK ? w->depth - 1 : w->depth))
            abort();
        if (rc == TIER_OK) {
            w->depth--;
            if ((k & 1) && tier_fuzz_book_digest(w->book) != w->savepoints[w->depth]) {
                fprintf(stderr, "a rollback did not give back the book of its savepoint\n");
                abort();
            }
        }
        break;
    }
    check_book(w, rc, before, what);
}

static int setup(world *w)
{
    size_t top = 0, rest = 0, rule = 0;
    memset(w, 0, sizeof *w);
    if (tier_book_new(&w->book, NULL) || tier_book_new(&w->other, NULL) ||
        tier_model_new_kind(&w->models[0], NULL, "rfm", NULL, NULL) ||
        tier_model_new_kind(&w->models[1], NULL, "pareto", NULL, NULL) ||
        tier_policy_new(&w->policy, NULL) || tier_result_new(&w->result, NULL) ||
        tier_text_new(&w->text, NULL))
        return 0;
    if (tier_policy_add_tier(w->policy, "top", &top) ||
        tier_policy_add_rule(w->policy, top, "big spender", &rule) ||
        tier_policy_where_number(w->policy, rule, "rfm.m", TIER_OP_GE, 4) ||
        tier_policy_add_tier(w->policy, "rest", &rest) ||
        tier_policy_add_rule(w->policy, rest, "everyone else", NULL))
        abort();
    return 1;
}

static void teardown(world *w)
{
    tier_text_free(w->text);
    tier_result_free(w->result);
    tier_policy_free(w->policy);
    tier_model_free(w->models[1]);
    tier_model_free(w->models[0]);
    tier_book_free(w->other);
    tier_book_free(w->book);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    world w;
    cursor c;
    size_t steps = 0;
    c.p = data;
    c.n = size;
    if (setup(&w)) {
        while (c.n && steps++ < MAX_STEPS) {
            /* A call is its byte and 8 argument bytes, read in order up front (C leaves the
             * order of a call's arguments unspecified: the same input must mean the same calls
             * under every compiler); a run's retier steps read 4 more bytes each. */
            unsigned op = next(&c) % 16, a[8], i;
            for (i = 0; i < 8; i++)
                a[i] = next(&c);
            if (op < 10)
                step_book(&w, a, op);
            else if (op < 13)
                step_model(&w, a, op - 10);
            else if (op == 13)
                step_save_load(&w, a);
            else if (op == 14)
                step_policy(&w, a);
            else
                step_run(&w, a, &c);
        }
    }
    teardown(&w);
    return 0;
}
