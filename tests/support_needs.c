/* SPDX-License-Identifier: MIT */
/* The needs model's distributed fit in the tests (tests/test_needs_dist.c,
 * tests/test_needs_dist_profiles.c): generated books of customers with three attributes, split
 * into parts, and the driver loop of tier_needs_dist_begin/answer/merge. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support_needs.h"
#include "util/rng.h"

/* Customer r's needs vector: four blobs with noise, some values unset, one far corner. */
void tst_needs_vector(size_t r, double *v)
{
    static const double centre[4][P_FEAT] = {{0, 0, 5}, {10, 1, 5}, {1, 9, 0}, {9, 9, 9}};
    tier__rng g;
    size_t f;
    tier__rng_init(&g, 77, 9, r, 0);
    for (f = 0; f < P_FEAT; f++)
        v[f] = centre[r % 4][f] + 3.0 * tier__rng_unit(&g) - (double)(r % 7) * 0.01;
    if (r % 23 == 5)
        v[r % P_FEAT] = NAN; /* left out of the fit */
}

/* A book of the customers r in [0, n) with part(r) == part (every one when part < 0), added in
 * a shuffled order (shuffle seed; 0: in order). */
tier_book *tst_needs_book(size_t n, size_t nparts, long part, uint64_t shuffle)
{
    tier_book *b = NULL;
    size_t *order = test_malloc(n * sizeof *order), i, f;
    tier__rng g;
    tier__rng_init(&g, shuffle, 3, 0, 0);
    for (i = 0; i < n; i++)
        order[i] = i;
    for (i = n; shuffle && i > 1; i--) {
        size_t j = (size_t)tier__rng_below(&g, i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    for (i = 0; i < n; i++) {
        size_t r = order[i], idx;
        double v[P_FEAT];
        char id[24];
        if (part >= 0 && (r * 2654435761u >> 7) % nparts != (size_t)part)
            continue;
        /* some ids with bytes the texts escape: '%', a TAB, a control byte */
        snprintf(id, sizeof id,
                 r % 17 == 3   ? "c%%\t%lu"
                 : r % 17 == 4 ? "c\x01%lu"
                               : "cust-%lu",
                 (unsigned long)r);
        assert_int_equal(tier_book_add_customer(b, id, strlen(id), &idx), TIER_OK);
        tst_needs_vector(r, v);
        for (f = 0; f < P_FEAT; f++) {
            char name[16];
            snprintf(name, sizeof name, "f%lu", (unsigned long)f);
            assert_int_equal(tier_book_set_number(b, idx, name, v[f]), TIER_OK);
        }
    }
    test_free(order);
    return b;
}

const tst_needs_opts tst_needs_option_sets[TST_NEEDS_OPTION_SETS] = {
    {3, 0, 5000, 1, 100},   {0, 65536, 5000, 1, 100}, {4, 100, 40, 1, 100}, {0, 100, 50, 1, 100},
    {0, 65536, 60, 0, 100}, {5, 100, 50, 1, 1},       {0, 0, 60, 1, 100},   {4, 0, 5000, 0, 1}};

tier_model *tst_needs_model(const tier_allocator *a, const tst_needs_opts *o)
{
    tier_model *m = NULL;
    size_t f;
    if (tier_needs_new(&m, NULL, a) != TIER_OK)
        return NULL;
    for (f = 0; f < P_FEAT; f++) {
        char name[16];
        snprintf(name, sizeof name, "attr.f%lu", (unsigned long)f);
        if (tier_needs_add_feature(m, name) != TIER_OK) {
            tier_model_free(m);
            return NULL;
        }
    }
    assert_int_equal(tier_model_set_number(m, "k", o->k), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "init_sample", o->init_sample), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "sample", o->sample), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "standardize", o->standardize), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "k_max", 5), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "max_iter", o->max_iter), TIER_OK);
    return m;
}

/* Each part's answer to `request` (texts made with a; answers[i] borrowed from them). */
int tst_needs_answer_all(const tier_model *part_model, tier_book *const *parts, size_t nparts,
                         const tier_text *request, tier_text **texts, const char **answers,
                         size_t *lens)
{
    size_t i;
    int rc;
    for (i = 0; i < nparts; i++) {
        rc = tier_needs_dist_answer(part_model, parts[i], NULL, tier_text_data(request),
                                    tier_text_length(request), texts[i]);
        if (rc)
            return rc;
        answers[i] = tier_text_data(texts[i]);
        lens[i] = tier_text_length(texts[i]);
    }
    return TIER_OK;
}

/* The driver loop: begin, answer, merge until the request is empty. Returns the status; *rounds
 * counts the merges; why (when not NULL) receives the failure's message. */
int tst_needs_drive_why(const tier_allocator *a, tier_model *driver, tier_book *const *parts,
                        size_t nparts, int *rounds, char *why)
{
    tier_text *request = NULL, *texts[MAX_PARTS] = {NULL};
    tier_model *part_model = NULL;
    const char *answers[MAX_PARTS];
    size_t lens[MAX_PARTS], i;
    int rc = tier_text_new(&request, a);
    for (i = 0; !rc && i < nparts; i++)
        rc = tier_text_new(&texts[i], a);
    if (!rc)
        rc = tier_needs_new(&part_model, NULL, a);
    if (rc && why)
        snprintf(why, 256, "out of memory making the texts and the part's model");
    if (!rc && (rc = tier_needs_dist_begin(driver, request)) != TIER_OK && why)
        snprintf(why, 256, "%s", tier_model_last_error(driver));
    *rounds = 0;
    while (!rc && tier_text_length(request) > 0) {
        rc = tst_needs_answer_all(part_model, parts, nparts, request, texts, answers, lens);
        if (rc && why)
            snprintf(why, 256, "%s", tier_model_last_error(part_model));
        if (!rc && (rc = tier_needs_dist_merge(driver, answers, lens, nparts, request)) && why)
            snprintf(why, 256, "%s", tier_model_last_error(driver));
        ++*rounds;
    }
    tier_model_free(part_model);
    tier_text_free(request);
    for (i = 0; i < nparts; i++)
        tier_text_free(texts[i]);
    return rc;
}

int tst_needs_drive(const tier_allocator *a, tier_model *driver, tier_book *const *parts,
                    size_t nparts, int *rounds)
{
    return tst_needs_drive_why(a, driver, parts, nparts, rounds, NULL);
}

void tst_needs_split(size_t n, size_t nparts, tier_book **parts)
{
    size_t i;
    for (i = 0; i < nparts; i++)
        parts[i] = tst_needs_book(n, nparts, (long)i, 11 + i);
}

void tst_needs_free_parts(tier_book **parts, size_t nparts)
{
    size_t i;
    for (i = 0; i < nparts; i++)
        tier_book_free(parts[i]);
}

double tst_needs_stat(const tier_model *m, int stat)
{
    double v = -1;
    assert_int_equal(tier_needs_fit_stat(m, stat, &v), TIER_OK);
    return v;
}

void tst_needs_same_stats(const tier_model *x, const tier_model *y)
{
    int s;
    for (s = TIER_NEEDS_STAT_K; s <= TIER_NEEDS_STAT_USED_FEATURES; s++) {
        double u, v;
        assert_int_equal(tier_needs_fit_stat(x, s, &u), TIER_OK);
        assert_int_equal(tier_needs_fit_stat(y, s, &v), TIER_OK);
        assert_true((isnan(u) && isnan(v)) || memcmp(&u, &v, sizeof u) == 0);
    }
}

int tst_needs_split_fit(const tier_model *m, const char *want, tier_model *d, size_t n,
                        size_t nparts)
{
    tier_book *parts[MAX_PARTS] = {NULL};
    char *got;
    int rounds;
    tst_needs_split(n, nparts, parts);
    assert_int_equal(tst_needs_drive(TST_ALLOC, d, parts, nparts, &rounds), TIER_OK);
    assert_true(tier_model_is_fitted(d));
    got = tst_saved(d, TST_ALLOC);
    assert_string_equal(want, got);
    tst_needs_same_stats(m, d);
    test_free(got);
    tier_model_free(d);
    tst_needs_free_parts(parts, nparts);
    return rounds;
}

tier_book *tst_needs_same_book(size_t n, size_t first, size_t step)
{
    tier_book *b = NULL;
    size_t i, f;
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    for (i = first; i < n; i += step) {
        char id[32];
        size_t idx;
        snprintf(id, sizeof id, "same-%lu", (unsigned long)i);
        assert_int_equal(tier_book_add_customer(b, id, strlen(id), &idx), TIER_OK);
        for (f = 0; f < P_FEAT; f++) {
            char name[24];
            snprintf(name, sizeof name, "f%lu", (unsigned long)f);
            assert_int_equal(tier_book_set_number(b, idx, name, 2.5), TIER_OK);
        }
    }
    return b;
}

char *tst_needs_replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    size_t n = strlen(text), nf = strlen(from), nt = strlen(to);
    char *out = test_malloc(n - nf + nt + 1);
    assert_non_null(at);
    memcpy(out, text, (size_t)(at - text));
    memcpy(out + (at - text), to, nt);
    strcpy(out + (at - text) + nt, at + nf);
    return out;
}

/* ---- every failed allocation of the driver loop -------------------------------------------- */

typedef struct oom_ctx {
    tst_needs_make make;
    const tst_needs_opts *o;
    size_t n;
    tier_book *parts[3];
} oom_ctx;

static int oom_drive(const tier_allocator *a, void *ud)
{
    oom_ctx *c = ud;
    tier_model *d = c->make(a, c->o);
    int rounds, rc;
    char why[256] = "";
    if (!d)
        return TIER_ENOMEM;
    rc = tst_needs_drive_why(a, d, c->parts, 3, &rounds, why);
    if (rc) {
        tst_expect_oom(rc, why);
        assert_false(tier_model_is_fitted(d));
    } else { /* the fit of the whole book (no saved text: the allocator may fail) */
        tier_model *m = c->make(TST_ALLOC, c->o);
        tier_book *whole = tst_needs_book(c->n, 1, -1, 0);
        size_t j;
        tst_fit(m, whole, NULL);
        tst_needs_same_stats(m, d);
        for (j = 0; j < tier_needs_segment_count(m); j++) {
            double c1[P_FEAT], c2[P_FEAT];
            assert_int_equal(tier_needs_centroid(m, j, c1, P_FEAT), TIER_OK);
            assert_int_equal(tier_needs_centroid(d, j, c2, P_FEAT), TIER_OK);
            assert_memory_equal(c1, c2, sizeof c1);
            assert_string_equal(tier_needs_segment_name(m, j), tier_needs_segment_name(d, j));
        }
        tier_model_free(m);
        tier_book_free(whole);
    }
    tier_model_free(d);
    return rc;
}

void tst_needs_oom_walk(tst_needs_make make, const tst_needs_opts *o, size_t n)
{
    oom_ctx c;
    c.make = make;
    c.o = o;
    c.n = n;
    tst_needs_split(n, 3, c.parts);
    assert_true(tst_oom_walk(oom_drive, &c) > 20);
    tst_needs_free_parts(c.parts, 3);
}
