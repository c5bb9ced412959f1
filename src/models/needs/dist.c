/* SPDX-License-Identifier: MIT */
/* Needs model: the distributed fit (docs/distributed.md, "The needs model"). A driver holds the
 * model; parts hold books. The driver's requests ask each part for mergeable summaries of its
 * customers (counts, exact sums, its first customers in the canonical order); the driver merges
 * them and runs the same steps as the single-process fit (canon.c), so that the fitted model is
 * the same, bit for bit, as tier_model_fit() on the whole book. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/needs/needs_internal.h"
#include "models/needs/needs_wire.h"

struct needs_dist {
    int stage;
    needs_opts o;
    size_t p, m;  /* features; customers asked of each part (0: all) */
    char **feat;  /* p */
    size_t nprof; /* the profiles the fit began with (0: a clustering) */
    char **prof_names;
    double *prof_values; /* nprof x p, raw units */
    needs_summary sm;    /* merged */
    needs_fit nf;        /* the standardisation, then the fit */
    size_t ncand, klo, khi, k, pu;
    uint64_t *hash; /* the merged sample candidates in the canonical order */
    char **ids;
    size_t *lens;
    double *raw; /* ncand x p */
    double *c;   /* k x pu: the centres of the last request */
    int it;
    /* the restarts over every customer (init_sample = 0): the restart's k, its number and draw;
     * the silhouette sample (ns_sil x pu, standardised), the centres drawn (khi x pu), per
     * candidate k the best restart's centres (khi x pu each), inertia and sample labels */
    size_t kk, j, ns_sil;
    int r;
    double *zs, *seeds, *bestc, *low;
    int32_t *sil_lab;
};

#define LLOYD_LIKE(stage) ((stage) >= DIST_LLOYD && (stage) <= DIST_RESTART)

void tier__needs_dist_free(const tier_allocator *a, needs_dist *d)
{
    if (!d)
        return;
    tier__free_strings(a, d->feat, d->p);
    tier__free_strings(a, d->prof_names, d->nprof);
    tier__needs_summary_free(a, &d->sm);
    tier__needs_fit_free(a, &d->nf);
    tier__free_strings(a, d->ids, d->ncand);
    {
        void *own[] = {d->hash,  d->lens, d->raw,     d->c, d->prof_values, d->zs, d->seeds,
                       d->bestc, d->low,  d->sil_lab, d};
        tier__free_all(a, own, sizeof own / sizeof *own);
    }
}

/* The state the shared steps see: the model's, with the options, features and profiles the fit
 * began with. */
static needs_state as_begun(const needs_state *st, const needs_dist *d)
{
    needs_state t = *st;
    t.o = d->o;
    t.feat = d->feat;
    t.nfeat = d->p;
    t.nprof = d->nprof;
    t.prof_names = d->prof_names;
    t.prof_values = d->prof_values;
    return t;
}

/* ---- requests ------------------------------------------------------------------------------ */

static void put_numbers(tier__buf *b, const char *key, const double *v, size_t n)
{
    size_t i;
    tier__buf_puts(b, key);
    for (i = 0; i < n; i++)
        tier__nw_double(b, v[i]);
    tier__buf_putc(b, '\n');
}

/* The standardisation and `count` centres (pu wide) of a lloyd or seed request. */
static void put_placing(tier__buf *b, const needs_dist *d, const double *c, size_t count)
{
    size_t f, j;
    put_numbers(b, "mean", d->nf.mean, d->p);
    put_numbers(b, "scale", d->nf.scale, d->p);
    tier__buf_puts(b, "used");
    for (f = 0; f < d->p; f++)
        tier__buf_printf(b, "\t%d", d->nf.used[f]);
    tier__buf_putc(b, '\n');
    for (j = 0; j < count; j++)
        put_numbers(b, "centre", c + j * d->pu, d->pu);
}

static int write_request(const tier_allocator *a, const needs_dist *d, tier_text *out)
{
    tier__buf b;
    size_t f;
    int rc;
    tier__buf_init(&b, a);
    tier__buf_puts(&b, TIER__NEEDS_REQUEST_HEAD "\noptions");
    tier__nw_double(&b, d->o.seed);
    tier__buf_printf(&b, "\t%d\n", d->o.standardize);
    for (f = 0; f < d->p; f++) {
        tier__buf_puts(&b, "feature");
        tier__nw_text(&b, d->feat[f], strlen(d->feat[f]));
        tier__buf_putc(&b, '\n');
    }
    if (d->stage == DIST_SUMMARY && d->nprof) {
        tier__buf_puts(&b, "moments\n"); /* the summary without candidates */
    } else if (d->stage == DIST_SUMMARY) {
        tier__buf_printf(&b, "summary\t%zu\n", d->m);
    } else if (d->stage == DIST_SPREAD) {
        tier__buf_puts(&b, "spread\n");
        put_numbers(&b, "mean", d->nf.mean, d->p);
    } else if (d->stage == DIST_SEED) {
        tier__buf_printf(&b, "seed\t%zu\t%d\t%zu\n", d->kk, d->r, d->j);
        put_placing(&b, d, d->seeds, d->j);
    } else {
        tier__buf_printf(&b, "lloyd\t%zu\n", d->k);
        put_placing(&b, d, d->c, d->k);
    }
    tier__buf_puts(&b, "end\n");
    rc = tier__buf_status(&b);
    tier_text_clear(out);
    if (!rc)
        rc = tier_text_append(out, tier__buf_data(&b), tier__buf_len(&b));
    tier__buf_free(&b);
    return rc;
}

int tier__needs_dist_begin(needs_state *st, tier_text *request)
{
    const tier_allocator *a = &st->h.alloc;
    needs_dist *d;
    size_t f, kcap = tier__needs_kcap(st);
    int rc;
    if (!request) {
        tier__errorf(st->h.err, "no text for the request");
        return TIER_EINVAL;
    }
    if (st->nfeat == 0) {
        tier__errorf(st->h.err, "the needs model has no features (add them with "
                                "tier_needs_add_feature())");
        return TIER_EINVAL;
    }
    d = tier__calloc(a, 1, sizeof *d);
    if (!d)
        goto oom;
    d->stage = DIST_SUMMARY;
    d->o = st->o;
    /* the restart sample; with init_sample = 0 the silhouette's sample */
    d->m = st->o.init_sample ? (size_t)st->o.init_sample : (size_t)st->o.sample;
    d->m = d->m > kcap ? d->m : kcap;
    d->feat = tier__calloc(a, st->nfeat, sizeof *d->feat);
    if (!d->feat)
        goto oom;
    d->p = st->nfeat;
    for (f = 0; f < d->p; f++)
        if (!(d->feat[f] = tier__strdup(a, st->feat[f])))
            goto oom;
    if (st->nprof) {
        if (!(d->prof_names = tier__calloc(a, st->nprof, sizeof *d->prof_names)) ||
            !(d->prof_values = tier__malloc_n(a, st->nprof * d->p, sizeof *d->prof_values)))
            goto oom;
        d->nprof = st->nprof;
        memcpy(d->prof_values, st->prof_values, d->nprof * d->p * sizeof *d->prof_values);
        for (f = 0; f < d->nprof; f++)
            if (!(d->prof_names[f] = tier__strdup(a, st->prof_names[f])))
                goto oom;
    }
    if (tier__needs_summary_alloc(a, &d->sm, d->p) != TIER_OK ||
        tier__needs_fit_alloc(a, &d->nf, kcap, d->p) != TIER_OK)
        goto oom;
    if ((rc = write_request(a, d, request)) != TIER_OK)
        goto fail;
    tier__needs_dist_free(a, st->dist);
    st->dist = d;
    st->h.err[0] = '\0';
    return TIER_OK;
oom:
    rc = TIER_ENOMEM;
fail:
    tier__needs_dist_free(a, d);
    tier__errorf(st->h.err, "out of memory starting a distributed fit");
    return rc;
}

/* ---- the driver: merging the answers ------------------------------------------------------- */

/* What one round's answers add up to, before it is applied (all or nothing). */
typedef struct merged {
    needs_summary sm;
    size_t ncand, cap;
    uint64_t *hash;
    char **ids;
    size_t *lens;
    double *raw;
    size_t *cnt; /* k */
    needs_xs *sum;
    tier__xsum inertia;
    /* a draw: the lowest key sent so far, its customer (hash, id) and vector (pu); zt scratch */
    int have;
    double key;
    uint64_t h;
    char *id;
    size_t len;
    double *z, *zt;
} merged;

static void merged_free(const tier_allocator *a, merged *g)
{
    tier__needs_summary_free(a, &g->sm);
    tier__free_strings(a, g->ids, g->ncand);
    {
        void *own[] = {g->hash, g->lens, g->raw, g->cnt, g->sum, g->id, g->z, g->zt};
        tier__free_all(a, own, sizeof own / sizeof *own);
    }
    memset(g, 0, sizeof *g);
}

static int head(tier__nr *r, const char *stage)
{
    if (!tier__nr_line(r) || !tier__nr_word(r, TIER__NEEDS_ANSWER_HEAD) || !tier__nr_end_of_line(r))
        return tier__nr_fail(r, "expected \"" TIER__NEEDS_ANSWER_HEAD "\"");
    if (!tier__nr_line(r) || !tier__nr_word(r, stage))
        return tier__nr_fail(r, "an answer to another request");
    return TIER_OK;
}

static int tail(tier__nr *r)
{
    return tier__nr_last(r);
}

static int read_xs(tier__nr *r, needs_xs *s)
{
    int rc = tier__nr_xsum(r, &s->pos);
    return rc ? rc : tier__nr_xsum(r, &s->neg);
}

static int add_candidate(const tier_allocator *a, merged *g, size_t p)
{
    if (g->ncand == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 64;
        uint64_t *h = tier__realloc_n(a, g->hash, cap, sizeof *h);
        char **ids;
        size_t *lens;
        double *raw;
        if (!h)
            return TIER_ENOMEM;
        g->hash = h;
        if (!(ids = tier__realloc_n(a, g->ids, cap, sizeof *ids)))
            return TIER_ENOMEM;
        g->ids = ids;
        if (!(lens = tier__realloc_n(a, g->lens, cap, sizeof *lens)))
            return TIER_ENOMEM;
        g->lens = lens;
        if (!(raw = tier__realloc_n(a, g->raw, cap * p, sizeof *raw)))
            return TIER_ENOMEM;
        g->raw = raw;
        g->cap = cap;
    }
    g->ids[g->ncand] = NULL;
    return TIER_OK;
}

/* One part's summary answer, added into g. */
static int read_summary(const tier_allocator *a, const needs_dist *d, tier__nr *r, merged *g)
{
    needs_summary one;
    uint64_t n, nc, m, i;
    size_t f;
    int rc = head(r, "summary");
    if (!rc)
        rc = tier__nr_u64(r, &n);
    if (!rc)
        rc = tier__nr_u64(r, &nc);
    if (!rc)
        rc = tier__nr_u64(r, &m);
    if (rc)
        return rc;
    if (nc > n || m > nc || (d->nprof ? m != 0 : d->m ? m != (nc < d->m ? nc : d->m) : m != nc))
        return tier__nr_fail(r, "counts that do not fit together (customers, complete, sent)");
    if (tier__needs_summary_alloc(a, &one, d->p) != TIER_OK)
        return TIER_ENOMEM;
    one.n = n;
    one.nc = nc;
    for (f = 0; f < d->p && !rc; f++) {
        if (!tier__nr_line(r) || !tier__nr_word(r, "feature"))
            rc = tier__nr_fail(r, "expected a feature line");
        if (!rc)
            rc = tier__nr_double(r, &one.lo[f], nc > 0);
        if (!rc)
            rc = tier__nr_double(r, &one.hi[f], nc > 0);
        if (!rc)
            rc = read_xs(r, &one.sum[f]);
        if (!rc &&
            (nc ? !(one.lo[f] <= one.hi[f]) : one.lo[f] != INFINITY || one.hi[f] != -INFINITY))
            rc = tier__nr_fail(r, "the lowest value is above the highest");
    }
    if (!rc && tier__needs_summary_merge(&g->sm, &one) != TIER_OK)
        rc = tier__nr_fail(r, "exact sums beyond their range");
    tier__needs_summary_free(a, &one);
    for (i = 0; i < m && !rc; i++) {
        uint64_t h;
        size_t k = g->ncand;
        if ((rc = add_candidate(a, g, d->p)) != TIER_OK)
            break;
        if (!tier__nr_line(r) || !tier__nr_word(r, "cand")) {
            rc = tier__nr_fail(r, "expected a cand line");
            break;
        }
        if ((rc = tier__nr_bits(r, &h)) != TIER_OK ||
            (rc = tier__nr_text(r, a, &g->ids[k], &g->lens[k])) != TIER_OK)
            break;
        g->ncand++;
        g->hash[k] = h;
        if (h != tier__needs_hash(d->o.seed, g->ids[k], g->lens[k]))
            rc = tier__nr_fail(r, "the hash does not match the id");
        else if (i > 0 && !tier__needs_canon_before(g->hash[k - 1], g->ids[k - 1], g->lens[k - 1],
                                                    h, g->ids[k], g->lens[k]))
            rc = tier__nr_fail(r, "customers out of the canonical order");
        for (f = 0; f < d->p && !rc; f++)
            rc = tier__nr_double(r, &g->raw[k * d->p + f], 1);
        if (!rc && !tier__nr_end_of_line(r))
            rc = tier__nr_fail(r, "more values than features");
    }
    return rc ? rc : tail(r);
}

static int read_spread(const needs_dist *d, tier__nr *r, merged *g)
{
    size_t f;
    int rc = head(r, "spread");
    for (f = 0; f < d->p && !rc; f++) {
        tier__xsum ss;
        if (!tier__nr_line(r) || !tier__nr_word(r, "ss"))
            return tier__nr_fail(r, "expected an ss line");
        if ((rc = tier__nr_xsum(r, &ss)) == TIER_OK && tier__xsum_merge(&g->sm.ss[f], &ss))
            rc = tier__nr_fail(r, "exact sums beyond their range");
    }
    return rc ? rc : tail(r);
}

static int read_lloyd(const needs_dist *d, tier__nr *r, merged *g)
{
    size_t j, f;
    uint64_t k;
    tier__xsum in;
    int rc = head(r, "lloyd");
    if (!rc)
        rc = tier__nr_u64(r, &k);
    if (!rc && k != d->k)
        rc = tier__nr_fail(r, "another number of clusters than asked");
    for (j = 0; j < d->k && !rc; j++) {
        uint64_t c;
        if (!tier__nr_line(r) || !tier__nr_word(r, "cluster"))
            return tier__nr_fail(r, "expected a cluster line");
        if ((rc = tier__nr_u64(r, &c)) != TIER_OK)
            return rc;
        if (c > d->sm.nc - g->cnt[j])
            return tier__nr_fail(r, "more customers than the parts have");
        g->cnt[j] += (size_t)c;
        for (f = 0; f < d->pu && !rc; f++) {
            needs_xs s;
            if ((rc = read_xs(r, &s)) == TIER_OK &&
                (tier__xsum_merge(&g->sum[j * d->pu + f].pos, &s.pos) ||
                 tier__xsum_merge(&g->sum[j * d->pu + f].neg, &s.neg)))
                rc = tier__nr_fail(r, "exact sums beyond their range");
        }
    }
    if (!rc && (!tier__nr_line(r) || !tier__nr_word(r, "inertia")))
        rc = tier__nr_fail(r, "expected the inertia");
    if (!rc && (rc = tier__nr_xsum(r, &in)) == TIER_OK && tier__xsum_merge(&g->inertia, &in))
        rc = tier__nr_fail(r, "exact sums beyond their range");
    return rc ? rc : tail(r);
}

/* One part's draw: its customer of the lowest key, kept when it is below the others' (ties: the
 * canonical order). */
static int read_seed(const tier_allocator *a, const needs_dist *d, tier__nr *r, merged *g)
{
    uint64_t found = 0, h;
    char *id = NULL;
    size_t len = 0, f;
    double key;
    int rc = head(r, "seed");
    if (!rc)
        rc = tier__nr_u64(r, &found);
    if (!rc && found > 1)
        rc = tier__nr_fail(r, "a part sends 0 or 1 customer");
    if (rc || !found)
        return rc ? rc : tail(r);
    if (!tier__nr_line(r) || !tier__nr_word(r, "pick"))
        return tier__nr_fail(r, "expected a pick line");
    if ((rc = tier__nr_bits(r, &h)) != TIER_OK || (rc = tier__nr_text(r, a, &id, &len)) != TIER_OK)
        goto out;
    if (h != tier__needs_hash(d->o.seed, id, len)) {
        rc = tier__nr_fail(r, "the hash does not match the id");
        goto out;
    }
    if ((rc = tier__nr_double(r, &key, 0)) != TIER_OK)
        goto out;
    for (f = 0; f < d->pu && !rc; f++)
        rc = tier__nr_double(r, &g->zt[f], 1);
    if (!rc && (!(key >= 0) || !tier__nr_end_of_line(r)))
        rc = tier__nr_fail(r, "a key below 0, or more values than features");
    if (!rc && (!g->have || key < g->key ||
                (key == g->key && tier__needs_canon_before(h, id, len, g->h, g->id, g->len)))) {
        tier__free(a, g->id);
        g->id = id;
        id = NULL;
        g->len = len;
        g->h = h;
        g->key = key;
        g->have = 1;
        memcpy(g->z, g->zt, d->pu * sizeof *g->z);
    }
    if (!rc)
        rc = tail(r);
out:
    tier__free(a, id);
    return rc;
}

/* The merged candidates in the canonical order, the first d->m (all when 0) kept; a customer
 * sent by two parts is refused. */
static int keep_sample(const tier_allocator *a, const needs_dist *d, merged *g, char *err)
{
    uint32_t *order = tier__malloc_n(a, g->ncand + 1, sizeof *order);
    size_t i, keep = d->m && d->m < g->ncand ? d->m : g->ncand;
    merged s;
    int rc;
    memset(&s, 0, sizeof s);
    if (!order)
        return TIER_ENOMEM;
    if ((rc = tier__needs_canon_sort(a, g->ncand, g->hash, (const char *const *)g->ids, g->lens,
                                     order)) != TIER_OK)
        goto done;
    for (i = 1; i < g->ncand; i++) {
        size_t u = order[i - 1], v = order[i];
        if (g->hash[u] == g->hash[v] && g->lens[u] == g->lens[v] &&
            memcmp(g->ids[u], g->ids[v], g->lens[u]) == 0) {
            tier__errorf(err, "needs answers: customer \"%.*s\" is in two parts",
                         (int)(g->lens[u] < 200 ? g->lens[u] : 200), g->ids[u]);
            rc = TIER_EPARSE;
            goto done;
        }
    }
    s.hash = tier__malloc_n(a, keep + 1, sizeof *s.hash);
    s.ids = tier__calloc(a, keep + 1, sizeof *s.ids);
    s.lens = tier__malloc_n(a, keep + 1, sizeof *s.lens);
    s.raw = tier__malloc_n(a, keep * d->p + 1, sizeof *s.raw);
    if (!s.hash || !s.ids || !s.lens || !s.raw) {
        rc = TIER_ENOMEM;
        goto done;
    }
    for (i = 0; i < keep; i++) {
        size_t u = order[i];
        s.hash[i] = g->hash[u];
        s.ids[i] = g->ids[u];
        g->ids[u] = NULL;
        s.lens[i] = g->lens[u];
        memcpy(s.raw + i * d->p, g->raw + u * d->p, d->p * sizeof *s.raw);
    }
    s.ncand = keep;
    s.sm = g->sm;
    memset(&g->sm, 0, sizeof g->sm);
    merged_free(a, g);
    *g = s;
    memset(&s, 0, sizeof s);
done:
    merged_free(a, &s);
    tier__free(a, order);
    return rc;
}

/* Ends the distributed fit with its fitted model: TIER_ESTATE when the model's features changed
 * since the fit began (its fit would not match them). */
static int finish(needs_state *st, tier_text *request)
{
    size_t f;
    int same = st->nfeat == st->dist->p;
    for (f = 0; same && f < st->nfeat; f++)
        same = strcmp(st->feat[f], st->dist->feat[f]) == 0;
    same = same && st->nprof == st->dist->nprof;
    for (f = 0; same && f < st->nprof; f++)
        same = strcmp(st->prof_names[f], st->dist->prof_names[f]) == 0;
    if (same && st->nprof)
        same = memcmp(st->prof_values, st->dist->prof_values,
                      st->nprof * st->nfeat * sizeof *st->prof_values) == 0;
    if (!same) {
        tier__errorf(st->h.err, "the model's features changed, or its profiles, during the "
                                "distributed fit: begin it again");
        return TIER_ESTATE;
    }
    tier__needs_install_fit(st, &st->dist->nf);
    tier__needs_dist_free(&st->h.alloc, st->dist);
    st->dist = NULL;
    tier_text_clear(request);
    return TIER_OK;
}

/* After the standardisation, with init_sample = 0: the silhouette sample standardised, then the
 * first draw of the first restart. */
static int start_exact(needs_state *st, size_t klo, size_t khi, tier_text *request)
{
    const tier_allocator *a = &st->h.alloc;
    needs_dist *d = st->dist;
    needs_state t = as_begun(st, d);
    size_t nk = khi - klo + 1, pu = d->nf.pu, nc = (size_t)d->sm.nc;
    int rc;
    d->klo = klo;
    d->khi = khi;
    d->pu = pu;
    d->nf.silhouette = NAN;
    /* ns_sil <= d->ncand: each part sent min(its customers, d->m), d->m >= sample */
    d->ns_sil = (size_t)d->o.sample < nc ? (size_t)d->o.sample : nc;
    if (!(d->zs = tier__malloc_n(a, d->ns_sil * d->p + 1, sizeof *d->zs)) ||
        !(d->seeds = tier__malloc_n(a, khi * pu, sizeof *d->seeds)) ||
        !(d->bestc = tier__malloc_n(a, nk * khi * pu, sizeof *d->bestc)) ||
        !(d->low = tier__malloc_n(a, nk, sizeof *d->low)) ||
        !(d->sil_lab = tier__calloc(a, nk * d->ns_sil + 1, sizeof *d->sil_lab)))
        return TIER_ENOMEM;
    memcpy(d->zs, d->raw, d->ns_sil * d->p * sizeof *d->zs);
    if ((rc = tier__needs_standardise_rows(&t, &d->nf, d->zs, d->ns_sil, st->h.err)) != TIER_OK)
        return rc;
    d->kk = klo;
    d->r = 0;
    d->j = 0;
    d->stage = DIST_SEED;
    return write_request(a, d, request);
}

/* A draw merged: the next draw, or the restart's first Lloyd pass from the centres drawn. */
static int seed_step(needs_state *st, const merged *g, tier_text *request)
{
    needs_dist *d = st->dist;
    memcpy(d->seeds + d->j * d->pu, g->z, d->pu * sizeof *d->seeds);
    if (++d->j == d->kk) {
        double *c = tier__malloc_n(&st->h.alloc, d->kk * d->pu, sizeof *c);
        if (!c)
            return TIER_ENOMEM;
        memcpy(c, d->seeds, d->kk * d->pu * sizeof *c);
        tier__free(&st->h.alloc, d->c);
        d->c = c;
        d->k = d->kk;
        d->it = 0;
        d->stage = DIST_RESTART;
    }
    return write_request(&st->h.alloc, d, request);
}

/* A restart ended with the centres cnew (taken) after a pass against d->c: kept when its inertia
 * is the lowest of its k, with the labels of the silhouette sample (their nearest centre of d->c,
 * what the pass gave them); then the next restart, the next k, or the final iterations from the
 * chosen k's best centres. */
static int restart_end(needs_state *st, const merged *g, double *cnew, tier_text *request)
{
    const tier_allocator *a = &st->h.alloc;
    needs_dist *d = st->dist;
    size_t t = d->kk - d->klo, i, j, f, k = d->kk, pu = d->pu, nk = d->khi - d->klo + 1;
    double inertia = tier__xsum_round(&g->inertia);
    int rc = TIER_OK;
    if (d->r == 0 || inertia < d->low[t]) {
        double *ct = tier__malloc_n(a, k * pu, sizeof *ct),
               *acc = tier__malloc_n(a, k, sizeof *acc);
        if (!ct || !acc)
            rc = TIER_ENOMEM;
        for (j = 0; !rc && j < k; j++)
            for (f = 0; f < pu; f++)
                ct[f * k + j] = d->c[j * pu + f];
        for (i = 0; !rc && i < d->ns_sil; i++) {
            double b, s;
            tier__needs_dist_all(d->zs + i * pu, ct, pu, k, acc);
            d->sil_lab[t * d->ns_sil + i] = (int32_t)tier__needs_nearest(acc, k, &b, &s);
        }
        tier__free(a, ct);
        tier__free(a, acc);
        if (!rc) {
            d->low[t] = inertia;
            memcpy(d->bestc + t * d->khi * pu, cnew, k * pu * sizeof *cnew);
        }
    }
    tier__free(a, cnew);
    if (rc)
        return rc;
    d->j = 0;
    if (++d->r == d->o.n_init) {
        d->r = 0;
        d->kk++;
    }
    if (d->kk <= d->khi) {
        d->stage = DIST_SEED;
        return write_request(a, d, request);
    }
    k = d->klo;
    if (d->o.k == 0 && (rc = tier__needs_choose_k(a, d->zs, d->ns_sil, pu, d->sil_lab, d->klo, nk,
                                                  &k, &d->nf.silhouette)) != TIER_OK)
        return rc;
    memcpy(d->c, d->bestc + (k - d->klo) * d->khi * pu, k * pu * sizeof *d->c);
    d->k = k;
    d->it = 0;
    d->stage = DIST_LLOYD;
    return write_request(a, d, request);
}

/* After the standardisation of a fit to profiles: the profiles in standardised units are the
 * segments; one round asks the parts for the exact sum of the distances to the nearest. */
static int start_inertia(needs_state *st, tier_text *request)
{
    needs_dist *d = st->dist;
    needs_state t = as_begun(st, d);
    int rc = tier__needs_profile_centres(&t, &d->nf, st->h.err);
    if (rc)
        return rc;
    d->k = d->nprof;
    d->pu = d->p; /* a fit to profiles uses every feature */
    if (!(d->c = tier__malloc_n(&st->h.alloc, d->k * d->p, sizeof *d->c)))
        return TIER_ENOMEM;
    memcpy(d->c, d->nf.centre, d->k * d->p * sizeof *d->c);
    d->stage = DIST_INERTIA;
    return write_request(&st->h.alloc, d, request);
}

/* After the standardisation: the restarts on the sample, then the first Lloyd request. */
static int start_lloyd(needs_state *st, tier_text *request)
{
    const tier_allocator *a = &st->h.alloc;
    needs_dist *d = st->dist;
    needs_state t = as_begun(st, d);
    size_t nc = (size_t)d->sm.nc, klo, khi, ns, pu = d->nf.pu;
    double *zs = NULL;
    km_ws w;
    int rc;
    memset(&w, 0, sizeof w);
    d->nf.fitted = (double)nc;
    d->nf.excluded = (double)(d->sm.n - d->sm.nc);
    if (d->nprof)
        return start_inertia(st, request);
    if ((rc = tier__needs_k_range(&t, nc, &klo, &khi, st->h.err)) != TIER_OK)
        return rc;
    if (pu == 0) {
        if ((rc = tier__needs_fit_flat(&t, &d->nf, klo, nc)) != TIER_OK)
            return rc;
        return finish(st, request);
    }
    if (d->o.init_sample == 0)
        return start_exact(st, klo, khi, request);
    ns = tier__needs_init_sample_size(&t, nc, khi);
    /* ns <= d->ncand: each part sent min(its customers, d->m) and d->m >= ns (read_summary) */
    if (!(zs = tier__malloc_n(a, ns * d->p + 1, sizeof *zs)) ||
        tier__needs_ws_alloc(a, &w, ns, ns, pu, khi) != TIER_OK) {
        rc = TIER_ENOMEM;
        goto done;
    }
    memcpy(zs, d->raw, ns * d->p * sizeof *zs);
    if ((rc = tier__needs_standardise_rows(&t, &d->nf, zs, ns, st->h.err)) != TIER_OK)
        goto done;
    d->k = tier__needs_sample_phase(&w, &t, zs, ns, klo, khi, t.o.k == 0, &d->nf.silhouette, &rc);
    if (rc)
        goto done;
    if (!(d->c = tier__malloc_n(a, d->k * pu, sizeof *d->c))) {
        rc = TIER_ENOMEM;
        goto done;
    }
    memcpy(d->c, w.best_c, d->k * pu * sizeof *d->c);
    d->pu = pu;
    d->stage = DIST_LLOYD;
    rc = write_request(a, d, request);
done:
    tier__needs_ws_free(a, &w);
    tier__free(a, zs);
    return rc;
}

/* Applies a merged round: the next request, or the fitted model. */
static int apply(needs_state *st, merged *g, tier_text *request)
{
    const tier_allocator *a = &st->h.alloc;
    needs_dist *d = st->dist;
    needs_state t = as_begun(st, d);
    int rc;
    if (d->stage == DIST_SUMMARY) {
        tier__needs_summary_free(a, &d->sm);
        d->sm = g->sm;
        memset(&g->sm, 0, sizeof g->sm);
        d->hash = g->hash;
        d->ids = g->ids;
        d->lens = g->lens;
        d->raw = g->raw;
        d->ncand = g->ncand;
        g->hash = NULL;
        g->ids = NULL;
        g->lens = NULL;
        g->raw = NULL;
        g->ncand = 0;
        if ((rc = tier__needs_std_means(&t, &d->nf, &d->sm, st->h.err)) != TIER_OK)
            return rc;
        if (d->o.standardize) {
            d->stage = DIST_SPREAD;
            return write_request(a, d, request);
        }
        return start_lloyd(st, request);
    }
    if (d->stage == DIST_SPREAD) {
        memcpy(d->sm.ss, g->sm.ss, d->p * sizeof *d->sm.ss);
        if ((rc = tier__needs_std_scales(&t, &d->nf, &d->sm, st->h.err)) != TIER_OK)
            return rc;
        return start_lloyd(st, request);
    }
    if (d->stage == DIST_INERTIA) {
        d->nf.inertia = tier__xsum_round(&g->inertia);
        return finish(st, request);
    }
    if (d->stage == DIST_SEED)
        return seed_step(st, g, request);
    {
        double *cnew = tier__malloc_n(a, d->k * d->pu, sizeof *cnew);
        int same;
        if (!cnew)
            return TIER_ENOMEM;
        d->it++;
        same = tier__needs_centres_step(d->k, d->pu, g->cnt, g->sum, d->c, cnew);
        if (d->stage == DIST_RESTART && (same || d->it >= d->o.max_iter))
            return restart_end(st, g, cnew, request);
        tier__free(a, d->c);
        d->c = cnew;
        if (same || d->it >= d->o.max_iter) {
            d->nf.iterations = d->it;
            d->nf.converged = same;
            d->nf.inertia = tier__xsum_round(&g->inertia);
            if ((rc = tier__needs_finish_kmeans(st, &d->nf, d->c, g->cnt, d->k)) != TIER_OK)
                return rc;
            return finish(st, request);
        }
        return write_request(a, d, request);
    }
}

int tier__needs_dist_merge(needs_state *st, const char *const *answers, const size_t *lens,
                           size_t n, tier_text *request)
{
    const tier_allocator *a = &st->h.alloc;
    needs_dist *d = st->dist;
    merged g;
    size_t i;
    int rc = TIER_OK;
    char what[64];
    st->h.err[0] = '\0';
    if (!d) {
        tier__errorf(st->h.err, "no distributed fit in progress (tier_needs_dist_begin())");
        return TIER_ESTATE;
    }
    if (!answers || !lens || n == 0 || !request) {
        tier__errorf(st->h.err, "the merge needs the parts' answers (one at least) and a text");
        return TIER_EINVAL;
    }
    memset(&g, 0, sizeof g);
    if (tier__needs_summary_alloc(a, &g.sm, d->p) != TIER_OK ||
        (d->stage == DIST_SEED && (!(g.z = tier__malloc_n(a, d->pu, sizeof *g.z)) ||
                                   !(g.zt = tier__malloc_n(a, d->pu, sizeof *g.zt)))) ||
        (LLOYD_LIKE(d->stage) && (!(g.cnt = tier__calloc(a, d->k, sizeof *g.cnt)) ||
                                  !(g.sum = tier__calloc(a, d->k * d->pu, sizeof *g.sum))))) {
        rc = TIER_ENOMEM;
        goto done;
    }
    for (i = 0; i < n && !rc; i++) {
        tier__nr r;
        snprintf(what, sizeof what, "needs answer %zu", i + 1);
        if (!answers[i]) {
            tier__errorf(st->h.err, "%s: missing", what);
            rc = TIER_EINVAL;
            break;
        }
        tier__nr_init(&r, answers[i], lens[i], what, st->h.err);
        rc = d->stage == DIST_SUMMARY  ? read_summary(a, d, &r, &g)
             : d->stage == DIST_SPREAD ? read_spread(d, &r, &g)
             : d->stage == DIST_SEED   ? read_seed(a, d, &r, &g)
                                       : read_lloyd(d, &r, &g); /* lloyd, inertia, restart */
    }
    if (!rc && d->stage == DIST_SUMMARY)
        rc = keep_sample(a, d, &g, st->h.err);
    if (!rc && d->stage == DIST_SEED && !g.have) {
        tier__errorf(st->h.err, "needs answers: no part sent a customer for the draw");
        rc = TIER_EPARSE;
    }
    if (!rc && LLOYD_LIKE(d->stage)) {
        size_t j, total = 0;
        for (j = 0; j < d->k; j++)
            total += g.cnt[j];
        if (total != d->sm.nc) {
            tier__errorf(st->h.err,
                         "needs answers: %zu customers assigned to clusters, %zu have a complete "
                         "needs vector",
                         total, (size_t)d->sm.nc);
            rc = TIER_EPARSE;
        }
    }
    if (rc)
        goto done; /* nothing applied: the same answers, corrected, may be merged again */
    if ((rc = apply(st, &g, request)) != TIER_OK) {
        /* the fit failed as tier_model_fit() would: it ends */
        tier__needs_dist_free(a, st->dist);
        st->dist = NULL;
    }
done:
    if (rc == TIER_ENOMEM && !st->h.err[0])
        tier__errorf(st->h.err, "out of memory merging the needs answers");
    merged_free(a, &g);
    return rc;
}
