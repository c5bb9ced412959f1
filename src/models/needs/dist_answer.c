/* SPDX-License-Identifier: MIT */
/* Needs model: a part's answers to the requests of the distributed fit (docs/distributed.md, "The
 * needs model"; the driver's side is dist.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/needs/needs_internal.h"
#include "models/needs/needs_wire.h"

/* ---- the part's answers ---------------------------------------------------------------------- */

typedef struct dist_request {
    double seed;
    int standardize, stage, nocand, restart;
    size_t p, m, k, pu, kk; /* seed: k the centres drawn so far, kk the restart's k */
    char **feat;
    double *mean, *scale, *c;
    unsigned char *used;
} dist_request;

static void request_free(const tier_allocator *a, dist_request *q)
{
    void *own[] = {q->mean, q->scale, q->c, q->used};
    tier__free_strings(a, q->feat, q->p);
    tier__free_all(a, own, sizeof own / sizeof *own);
}

/* Reads a line `key` of q->p doubles into v. */
static int read_numbers(tier__nr *r, const char *key, double *v, size_t n, int finite)
{
    size_t i;
    int rc;
    if (!tier__nr_line(r) || !tier__nr_word(r, key))
        return tier__nr_fail(r, key);
    for (i = 0; i < n; i++)
        if ((rc = tier__nr_double(r, &v[i], finite)) != TIER_OK)
            return rc;
    return tier__nr_end_of_line(r) ? TIER_OK : tier__nr_fail(r, "more values than expected");
}

/* The standardisation (mean, scale, used) and `count` centres of a lloyd or seed request. */
static int read_placing(tier__nr *r, const tier_allocator *a, dist_request *q, size_t count)
{
    uint64_t u;
    size_t f, j;
    int rc;
    if ((rc = read_numbers(r, "mean", q->mean, q->p, 1)) != TIER_OK ||
        (rc = read_numbers(r, "scale", q->scale, q->p, 1)) != TIER_OK)
        return rc;
    if (!tier__nr_line(r) || !tier__nr_word(r, "used"))
        return tier__nr_fail(r, "expected used");
    for (f = 0; f < q->p; f++) {
        if ((rc = tier__nr_u64(r, &u)) != TIER_OK)
            return rc;
        if (u > 1 || !(q->scale[f] > 0))
            return tier__nr_fail(r, "a feature is used (1) or not (0), with a scale > 0");
        q->used[f] = (unsigned char)u;
        q->pu += u;
    }
    if (q->pu == 0)
        return tier__nr_fail(r, "no feature is used");
    if (!(q->c = tier__calloc(a, count * q->pu + 1, sizeof *q->c)))
        return TIER_ENOMEM;
    for (j = 0; j < count; j++)
        if ((rc = read_numbers(r, "centre", q->c + j * q->pu, q->pu, 1)) != TIER_OK)
            return rc;
    return TIER_OK;
}

static int parse_request(const tier_allocator *a, const char *text, size_t len, dist_request *q,
                         char *err)
{
    tier__nr r;
    uint64_t u, v;
    size_t f, nl = 0, fl;
    const char *s;
    int rc;
    memset(q, 0, sizeof *q);
    tier__nr_init(&r, text, len, "needs request", err);
    if (!tier__nr_line(&r) || !tier__nr_word(&r, "libtier-needs-request 1"))
        return tier__nr_fail(&r, "expected \"" TIER__NEEDS_REQUEST_HEAD "\"");
    if (!tier__nr_line(&r) || !tier__nr_word(&r, "options"))
        return tier__nr_fail(&r, "expected options");
    if ((rc = tier__nr_double(&r, &q->seed, 1)) != TIER_OK ||
        (rc = tier__nr_u64(&r, &u)) != TIER_OK)
        return rc;
    if (u > 1 || !(q->seed >= 0 && q->seed <= MAX_SEED && q->seed == floor(q->seed)))
        return tier__nr_fail(&r, "bad options");
    q->standardize = (int)u;
    /* Count the feature lines first. */
    {
        tier__nr peek = r;
        while (tier__nr_line(&peek) && tier__nr_word(&peek, "feature"))
            nl++;
    }
    if (nl == 0 || nl > TIER_NEEDS_MAX_FEATURES)
        return tier__nr_fail(&r, "expected 1 to 1024 feature lines");
    if (!(q->feat = tier__calloc(a, nl, sizeof *q->feat)) ||
        !(q->mean = tier__calloc(a, nl, sizeof *q->mean)) ||
        !(q->scale = tier__calloc(a, nl, sizeof *q->scale)) || !(q->used = tier__calloc(a, nl, 1)))
        return TIER_ENOMEM;
    q->p = nl;
    for (f = 0; f < nl; f++) {
        tier__nr_line(&r);
        tier__nr_word(&r, "feature");
        if ((rc = tier__nr_text(&r, a, &q->feat[f], &fl)) != TIER_OK)
            return rc;
        if (!tier__needs_valid_feature(q->feat[f]) || strlen(q->feat[f]) != fl)
            return tier__nr_fail(&r, "not a feature name");
    }
    if (!tier__nr_line(&r) || !tier__nr_field(&r, &s, &fl))
        return tier__nr_fail(&r, "expected summary, moments, spread, seed or lloyd");
    if (fl == 7 && memcmp(s, "summary", 7) == 0) {
        q->stage = DIST_SUMMARY;
        if ((rc = tier__nr_u64(&r, &u)) != TIER_OK)
            return rc;
        if (u > MAX_INIT_SAMPLE + TIER_NEEDS_MAX_SEGMENTS)
            return tier__nr_fail(&r, "too many customers asked for");
        q->m = (size_t)u;
    } else if (fl == 7 && memcmp(s, "moments", 7) == 0) {
        q->stage = DIST_SUMMARY;
        q->nocand = 1;
    } else if (fl == 6 && memcmp(s, "spread", 6) == 0) {
        q->stage = DIST_SPREAD;
        if ((rc = read_numbers(&r, "mean", q->mean, q->p, 1)) != TIER_OK)
            return rc;
    } else if (fl == 5 && memcmp(s, "lloyd", 5) == 0) {
        q->stage = DIST_LLOYD;
        if ((rc = tier__nr_u64(&r, &u)) != TIER_OK)
            return rc;
        if (u < 1 || u > TIER_NEEDS_MAX_SEGMENTS)
            return tier__nr_fail(&r, "k must be 1 to 256");
        q->k = (size_t)u;
        if ((rc = read_placing(&r, a, q, q->k)) != TIER_OK)
            return rc;
    } else if (fl == 4 && memcmp(s, "seed", 4) == 0) {
        uint64_t j;
        q->stage = DIST_SEED;
        if ((rc = tier__nr_u64(&r, &u)) != TIER_OK || (rc = tier__nr_u64(&r, &v)) != TIER_OK ||
            (rc = tier__nr_u64(&r, &j)) != TIER_OK)
            return rc;
        if (u < 1 || u > TIER_NEEDS_MAX_SEGMENTS || v > 99 || j >= u)
            return tier__nr_fail(&r, "a draw of k in 1 to 256, restart 0 to 99, draw below k");
        q->kk = (size_t)u;
        q->restart = (int)v;
        q->k = (size_t)j; /* the centres drawn so far */
        if ((rc = read_placing(&r, a, q, q->k)) != TIER_OK)
            return rc;
    } else {
        return tier__nr_fail(&r, "expected summary, moments, spread, seed or lloyd");
    }
    return tier__nr_last(&r);
}

static void put_xs(tier__buf *b, const needs_xs *s)
{
    tier__nw_xsum(b, &s->pos);
    tier__nw_xsum(b, &s->neg);
}

/* The summary of the part's rows x (nc x p) of customers cust, and its first m (all when 0) in
 * the canonical order. */
static int answer_summary(const needs_state *t, const dist_request *q, const tier_book *book,
                          const double *x, const size_t *cust, size_t nc, tier__buf *b)
{
    const tier_allocator *a = &t->h.alloc;
    needs_summary sm;
    uint64_t *hash = tier__malloc_n(a, nc + 1, sizeof *hash);
    const char **ids = tier__malloc_n(a, nc + 1, sizeof *ids);
    size_t *lens = tier__malloc_n(a, nc + 1, sizeof *lens), i, f, m;
    uint32_t *order = tier__malloc_n(a, nc + 1, sizeof *order);
    int rc = TIER_ENOMEM;
    memset(&sm, 0, sizeof sm);
    if (!hash || !ids || !lens || !order || tier__needs_summary_alloc(a, &sm, q->p) != TIER_OK)
        goto done;
    for (i = 0; i < nc; i++) {
        tier__needs_summary_row(&sm, x + i * q->p);
        ids[i] = tier_book_customer_id(book, cust[i], &lens[i]);
        hash[i] = tier__needs_hash(q->seed, ids[i], lens[i]);
    }
    if ((rc = tier__needs_canon_sort(a, nc, hash, ids, lens, order)) != TIER_OK)
        goto done;
    m = q->nocand ? 0 : q->m && q->m < nc ? q->m : nc;
    tier__buf_printf(b, "summary\t%zu\t%zu\t%zu\n", tier_book_customer_count(book), nc, m);
    for (f = 0; f < q->p; f++) {
        tier__buf_puts(b, "feature");
        tier__nw_double(b, sm.lo[f]);
        tier__nw_double(b, sm.hi[f]);
        put_xs(b, &sm.sum[f]);
        tier__buf_putc(b, '\n');
    }
    for (i = 0; i < m; i++) {
        size_t r = order[i];
        tier__buf_printf(b, "cand\t%016llx", (unsigned long long)hash[r]);
        tier__nw_text(b, ids[r], lens[r]);
        for (f = 0; f < q->p; f++)
            tier__nw_double(b, x[r * q->p + f]);
        tier__buf_putc(b, '\n');
    }
done:
    tier__needs_summary_free(a, &sm);
    {
        void *own[] = {hash, (void *)ids, lens, order};
        tier__free_all(a, own, sizeof own / sizeof *own);
    }
    return rc;
}

static int answer_spread(const needs_state *t, const dist_request *q, const double *x, size_t nc,
                         tier__buf *b, char *err)
{
    needs_summary sm;
    size_t i, f;
    int rc = TIER_OK;
    if (tier__needs_summary_alloc(&t->h.alloc, &sm, q->p) != TIER_OK)
        return TIER_ENOMEM;
    for (i = 0; i < nc && !rc; i++) {
        if ((f = tier__needs_spread_row(&sm, x + i * q->p, q->mean)) < q->p) {
            tier__errorf(err, "feature \"%s\": values too large or too close to standardise",
                         q->feat[f]);
            rc = TIER_ERANGE;
        }
    }
    tier__buf_puts(b, "spread\n");
    for (f = 0; f < q->p; f++) {
        tier__buf_puts(b, "ss");
        tier__nw_xsum(b, &sm.ss[f]);
        tier__buf_putc(b, '\n');
    }
    tier__needs_summary_free(&t->h.alloc, &sm);
    return rc;
}

/* The part's rows x (nc x p) standardised in place (nc x pu) with the request's mean, scale and
 * used features. */
static int standardise_placed(const needs_state *t, const dist_request *q, double *x, size_t nc,
                              char *err)
{
    needs_fit nf;
    memset(&nf, 0, sizeof nf);
    nf.p = q->p;
    nf.pu = q->pu;
    nf.mean = q->mean;
    nf.scale = q->scale;
    nf.used = q->used;
    return tier__needs_standardise_rows(t, &nf, x, nc, err);
}

static int answer_lloyd(const needs_state *t, const dist_request *q, double *x, size_t nc,
                        tier__buf *b, char *err)
{
    const tier_allocator *a = &t->h.alloc;
    size_t j, f, pu = q->pu, k = q->k;
    size_t *cnt = tier__calloc(a, k, sizeof *cnt);
    needs_xs *sum = tier__calloc(a, k * pu, sizeof *sum);
    double *ct = tier__calloc(a, k * pu, sizeof *ct), *acc = tier__calloc(a, k, sizeof *acc);
    tier__xsum in;
    int rc = TIER_ENOMEM;
    if (!cnt || !sum || !ct || !acc)
        goto done;
    if ((rc = standardise_placed(t, q, x, nc, err)) != TIER_OK)
        goto done;
    for (j = 0; j < k; j++)
        for (f = 0; f < pu; f++)
            ct[f * k + j] = q->c[j * pu + f];
    tier__xsum_init(&in);
    tier__needs_lloyd_part(x, nc, pu, k, ct, acc, cnt, sum, &in);
    tier__buf_printf(b, "lloyd\t%zu\n", k);
    for (j = 0; j < k; j++) {
        tier__buf_printf(b, "cluster\t%zu", cnt[j]);
        for (f = 0; f < pu; f++)
            put_xs(b, &sum[j * pu + f]);
        tier__buf_putc(b, '\n');
    }
    tier__buf_puts(b, "inertia");
    tier__nw_xsum(b, &in);
    tier__buf_putc(b, '\n');
done : {
    void *own[] = {cnt, sum, ct, acc};
    tier__free_all(a, own, sizeof own / sizeof *own);
}
    return rc;
}

/* The part's customer of the lowest key in draw q->k of restart q->restart of k = q->kk (ties:
 * the canonical order), with its key, hash, id and standardised vector; none without a complete
 * customer. */
static int answer_seed(const needs_state *t, const dist_request *q, const tier_book *book,
                       double *x, const size_t *cust, size_t nc, tier__buf *b, char *err)
{
    uint64_t s = tier__needs_draw_stream(q->seed, q->kk, q->restart, q->k), bh = 0;
    const char *bid = NULL;
    size_t i, j, f, pu = q->pu, best = nc, blen = 0;
    double bkey = INFINITY;
    int rc;
    if ((rc = standardise_placed(t, q, x, nc, err)) != TIER_OK)
        return rc;
    for (i = 0; i < nc; i++) {
        size_t len;
        const char *id = tier_book_customer_id(book, cust[i], &len);
        uint64_t h = tier__needs_hash(q->seed, id, len);
        double d2 = 0, key;
        for (j = 0; j < q->k; j++) {
            double d = tier__needs_sqdist(x + i * pu, q->c + j * pu, pu);
            if (j == 0 || d < d2)
                d2 = d;
        }
        key = tier__needs_draw_key(h, s, q->k, d2);
        if (best == nc || key < bkey ||
            (key == bkey && tier__needs_canon_before(h, id, len, bh, bid, blen))) {
            best = i;
            bkey = key;
            bh = h;
            bid = id;
            blen = len;
        }
    }
    tier__buf_printf(b, "seed\t%d\n", best < nc);
    if (best < nc) {
        tier__buf_printf(b, "pick\t%016llx", (unsigned long long)bh);
        tier__nw_text(b, bid, blen);
        tier__nw_double(b, bkey);
        for (f = 0; f < pu; f++)
            tier__nw_double(b, x[best * pu + f]);
        tier__buf_putc(b, '\n');
    }
    return TIER_OK;
}

int tier__needs_dist_answer(needs_state *st, const tier_book *book, const tier_frame *frame,
                            const char *text, size_t len, tier_text *answer)
{
    const tier_allocator *a = &st->h.alloc;
    needs_state t;
    dist_request q;
    double *x = NULL;
    size_t *cust = NULL, nc = 0;
    tier__buf b;
    int rc;
    if (!book || !text || !answer) {
        tier__errorf(st->h.err, "the answer needs a book, a request and a text");
        return TIER_EINVAL;
    }
    tier__buf_init(&b, a);
    st->h.err[0] = '\0';
    if ((rc = parse_request(a, text, len, &q, st->h.err)) != TIER_OK)
        goto done;
    t = *st;
    t.feat = q.feat;
    t.nfeat = q.p;
    t.o.seed = q.seed;
    t.o.standardize = q.standardize;
    if ((rc = tier__needs_complete_rows(&t, book, frame, &x, &cust, &nc, st->h.err)) != TIER_OK)
        goto done;
    tier__buf_puts(&b, TIER__NEEDS_ANSWER_HEAD "\n");
    if (q.stage == DIST_SUMMARY)
        rc = answer_summary(&t, &q, book, x, cust, nc, &b);
    else if (q.stage == DIST_SPREAD)
        rc = answer_spread(&t, &q, x, nc, &b, st->h.err);
    else if (q.stage == DIST_SEED)
        rc = answer_seed(&t, &q, book, x, cust, nc, &b, st->h.err);
    else
        rc = answer_lloyd(&t, &q, x, nc, &b, st->h.err);
    tier__buf_puts(&b, "end\n");
    if (!rc)
        rc = tier__buf_status(&b);
    if (!rc) {
        tier_text_clear(answer);
        rc = tier_text_append(answer, tier__buf_data(&b), tier__buf_len(&b));
    }
done:
    if (rc == TIER_ENOMEM && !st->h.err[0])
        tier__errorf(st->h.err, "out of memory answering a needs request");
    request_free(a, &q);
    tier__free(a, x);
    tier__free(a, cust);
    tier__buf_free(&b);
    return rc;
}
