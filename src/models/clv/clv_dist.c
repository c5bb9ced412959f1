/* SPDX-License-Identifier: MIT */
/* The clv model's distributed fit (docs/distributed.md, "CLV fits"): the driver runs the fit of
 * tier_model_fit() (both sub-models, BFGS from several starts, the Hessian's gradients) with a
 * likelihood whose sums come from the parts. Every sum of the fit is a sum of bucket partials in
 * bucket order (clv_numeric.h); a part holds every row of its buckets (tier_clv_dist_split and a
 * merge of each bucket's pieces), so its partials are those one process computes, and the driver
 * picks each bucket's partials from the one part that has it. Each round asks the parts one
 * thing: first their figures and moments (round 0), then the partials at one point of one
 * sub-model. The driver keeps the totals of every answered round and, after each round, runs
 * the fit again from the start with the totals so far (the optimiser is deterministic, so it
 * asks the same points in the same order): the first point without an answer is the next
 * request, and when there is none the fit is complete, the very fit of one process. Texts use
 * the needs model's wire conventions (models/needs/needs_wire.h): TAB-separated fields, doubles
 * as the 16 hexadecimal digits of their bits. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/text_internal.h"
#include "models/clv/clv_internal.h"
#include "models/clv/clv_numeric.h"
#include "models/needs/needs_wire.h"

#define REQUEST_HEAD "libtier-clv-request 2"
#define ANSWER_HEAD "libtier-clv-answer 2"
#define K TIER__CLV_SUMS /* values a bucket line carries (the moments are as many) */
typedef char clv_moments_fit_a_bucket_line[TIER__CLV_MO_COUNT == K ? 1 : -1];

/* One evaluation of the likelihood: what was asked and the totals of the parts' partials. */
typedef struct clv_eval {
    int sub, grad, status; /* status: TIER_OK or TIER_ERANGE (a part could not evaluate) */
    double p[TIER__CLV_MAX_PARAMS];
    double tot[K];
} clv_eval;

/* The merged figures of round 0. */
typedef struct clv_stats {
    double kind, unit, end, no_purchase, customers, excluded[2], distinct[2];
    double mo[2][TIER__CLV_MO_COUNT];
} clv_stats;

/* The bucket partials of one round: from[b] the answer (1-based) that gave bucket b, 0 none. */
typedef struct clv_buckets {
    size_t from[TIER__CLV_BUCKETS];
    double v[TIER__CLV_BUCKETS][K];
} clv_buckets;

struct clv_dist {
    uint64_t id, round; /* round 0: the figures; round k > 0: evaluation k - 1 */
    clv_stats stats;
    clv_eval *log; /* the answered evaluations, in the fit's order */
    size_t nlog, cap;
    clv_eval next;      /* what the current round asks (round > 0) */
    clv_buckets got[2]; /* a merge's scratch: [sub] */
};
void tier__clv_dist_free(clv_state *st)
{
    if (st->dist) {
        tier__free(&st->h.alloc, st->dist->log);
        tier__free(&st->h.alloc, st->dist);
        st->dist = NULL;
    }
}

/* ---- texts -------------------------------------------------------------------------------- */

static size_t np_of(int sub)
{
    return sub ? 3 : 4;
}

static int write_text(tier__buf *b, tier_text *out)
{
    int rc = tier__buf_status(b);
    tier_text_clear(out);
    if (!rc)
        rc = tier_text_append(out, tier__buf_data(b), tier__buf_len(b));
    tier__buf_free(b);
    return rc;
}

static int write_request(const tier_allocator *a, const struct clv_dist *d, const clv_eval *e,
                         tier_text *out)
{
    tier__buf b;
    size_t i;
    tier__buf_init(&b, a);
    tier__buf_printf(&b, REQUEST_HEAD "\nid\t%llu\nround\t%llu\n", (unsigned long long)d->id,
                     (unsigned long long)d->round);
    if (!e) {
        tier__buf_puts(&b, "stats\n");
    } else {
        tier__buf_printf(&b, "eval\t%d\t%d", e->sub, e->grad);
        for (i = 0; i < np_of(e->sub); i++)
            tier__nw_double(&b, e->p[i]);
        tier__buf_putc(&b, '\n');
    }
    tier__buf_puts(&b, "end\n");
    return write_text(&b, out);
}

static int read_u64_line(tier__nr *r, const char *key, uint64_t *out)
{
    if (!tier__nr_line(r) || !tier__nr_word(r, key))
        return tier__nr_fail(r, key[0] == 'i' ? "expected id" : "expected round");
    return tier__nr_u64(r, out);
}

/* A whole number from 0 to hi. */
static int read_small(tier__nr *r, int hi, int *out)
{
    uint64_t v;
    int rc = tier__nr_u64(r, &v);
    if (rc == TIER_OK && v > (uint64_t)hi)
        rc = tier__nr_fail(r, "a number out of range");
    if (rc == TIER_OK)
        *out = (int)v;
    return rc;
}

/* A request: its id and round, and e->sub < 0 for the figures or the point asked. */
static int read_request(const char *text, size_t len, uint64_t *id, uint64_t *round, clv_eval *e,
                        char *err)
{
    tier__nr r;
    const char *f = NULL;
    size_t i, n = 0;
    int rc;
    tier__nr_init(&r, text, len, "clv request", err);
    memset(e, 0, sizeof *e);
    e->sub = -1;
    if (!tier__nr_line(&r) || !tier__nr_word(&r, REQUEST_HEAD))
        return tier__nr_fail(&r, "expected \"" REQUEST_HEAD "\"");
    if ((rc = read_u64_line(&r, "id", id)) || (rc = read_u64_line(&r, "round", round)))
        return rc;
    if (!tier__nr_line(&r) || !tier__nr_field(&r, &f, &n) ||
        !((n == 5 && memcmp(f, "stats", 5) == 0) || (n == 4 && memcmp(f, "eval", 4) == 0)))
        return tier__nr_fail(&r, "expected stats or eval");
    if (n == 4) {
        if ((rc = read_small(&r, 1, &e->sub)) || (rc = read_small(&r, 1, &e->grad)))
            return rc;
        for (i = 0; i < np_of(e->sub); i++)
            if ((rc = tier__nr_double(&r, &e->p[i], 1)))
                return rc;
    }
    return tier__nr_last(&r);
}

/* The buckets rows[0..n) use into used[]: their number. */
static size_t used_buckets(unsigned char *used, const unsigned char *bucket, size_t n)
{
    size_t i, lines = 0;
    memset(used, 0, TIER__CLV_BUCKETS);
    for (i = 0; i < n; i++)
        used[bucket[i]] = 1;
    for (i = 0; i < TIER__CLV_BUCKETS; i++)
        lines += used[i];
    return lines;
}

/* 1 when the partials of every used bucket are finite. */
static int finite_partials(const double (*s)[K], const unsigned char *used)
{
    size_t i, k;
    for (i = 0; i < TIER__CLV_BUCKETS; i++)
        for (k = 0; used[i] && k < K; k++)
            if (!isfinite(s[i][k]))
                return 0;
    return 1;
}

/* The end of a head line, "\tLINES", and the lines "b BUCKET V1 .. V5" of the used buckets. */
static void put_lines(tier__buf *b, const double (*s)[K], const unsigned char *used, size_t lines)
{
    size_t i, k;
    tier__buf_printf(b, "\t%lu\n", (unsigned long)lines);
    for (i = 0; i < TIER__CLV_BUCKETS; i++) {
        if (!used[i])
            continue;
        tier__buf_printf(b, "b\t%lu", (unsigned long)i);
        for (k = 0; k < K; k++)
            tier__nw_double(b, s[i][k]);
        tier__buf_putc(b, '\n');
    }
}

/* ---- a part's answer ---------------------------------------------------------------------- */

static int answer_part(clv_state *st, const clv_part *part, uint64_t id, uint64_t round,
                       const clv_eval *e, tier_text *answer)
{
    const tier_allocator *a = &st->h.alloc;
    tier__buf b;
    unsigned char used[TIER__CLV_BUCKETS];
    int sub, rc = TIER_OK;
    tier__buf_init(&b, a);
    tier__buf_printf(&b, ANSWER_HEAD "\nid\t%llu\nround\t%llu\n", (unsigned long long)id,
                     (unsigned long long)round);
    if (e->sub < 0) {
        tier__buf_printf(&b, "stats\t%.0f\t%.0f", part->kind, part->unit);
        tier__nw_double(&b, part->end);
        tier__nw_double(&b, part->no_purchase);
        tier__nw_double(&b, part->customers);
        tier__buf_putc(&b, '\n');
        for (sub = 0; sub < 2 && rc == TIER_OK; sub++) {
            tier__clv_moments *mo = tier__calloc(a, 1, sizeof *mo);
            size_t lines = used_buckets(used, part->bucket[sub], part->n[sub]);
            if (!mo) {
                rc = TIER_ENOMEM;
                break;
            }
            /* (the moments, sums of products >= 0, may be +inf: the driver adds them as one
             * process does) */
            tier__clv_moments_add(mo, part->rows[sub], part->bucket[sub], part->n[sub]);
            tier__buf_printf(&b, "sub\t%d", sub);
            tier__nw_double(&b, part->excluded[sub]);
            tier__buf_printf(&b, "\t%lu", (unsigned long)part->n[sub]);
            put_lines(&b, (const double(*)[K])mo->s, used, lines);
            tier__free(a, mo);
        }
    } else {
        tier__clv_sums *acc = tier__calloc(a, 1, sizeof *acc);
        int kind = e->sub ? TIER__CLV_GAMMA_GAMMA : tier__clv_math_kind((int)part->kind);
        size_t lines = used_buckets(used, part->bucket[e->sub], part->n[e->sub]);
        if (!acc)
            rc = TIER_ENOMEM;
        else if (!tier__clv_params_ok(kind, e->p) ||
                 tier__clv_loglik_sums(acc, e->grad, kind, e->p, part->rows[e->sub],
                                       part->bucket[e->sub], part->n[e->sub]) != TIER_OK ||
                 !finite_partials((const double(*)[K])acc->s, used))
            tier__buf_puts(&b, "eval\t1\t0\n"); /* the point cannot be evaluated */
        else {
            tier__buf_puts(&b, "eval\t0");
            put_lines(&b, (const double(*)[K])acc->s, used, lines);
        }
        tier__free(a, acc);
    }
    tier__buf_puts(&b, "end\n");
    if (rc != TIER_OK) {
        tier__buf_free(&b);
        return rc;
    }
    return write_text(&b, answer);
}

int tier__clv_dist_answer(clv_state *st, const char *summary, size_t summary_len,
                          const char *request, size_t len, tier_text *answer)
{
    clv_part part;
    clv_eval e;
    uint64_t id = 0, round = 0; /* written by read_request on success; set for the analyzer */
    int rc;
    if (!summary || !request || !answer) {
        tier__errorf(st->h.err, "the answer needs a fit summary, a request and a text");
        return TIER_EINVAL;
    }
    if ((rc = read_request(request, len, &id, &round, &e, st->h.err)) != TIER_OK)
        return rc;
    if ((rc = tier__clv_part_rows(st, summary, summary_len, &part)) != TIER_OK)
        return rc;
    rc = answer_part(st, &part, id, round, &e, answer);
    if (rc == TIER_ENOMEM)
        tier__errorf(st->h.err, "out of memory answering a clv request");
    tier__clv_part_free(&st->h.alloc, &part);
    return rc;
}

/* ---- the driver --------------------------------------------------------------------------- */

/* The fit so far: answered evaluations from the log, the first unanswered one recorded in
 * `next` (then every later call fails at once, and the fit's result is not used). */
typedef struct replay {
    const struct clv_dist *d;
    size_t n, k; /* answered evaluations, the next one's index */
    int pending, sub;
    clv_eval next;
} replay;

static int replay_sums(void *ctx, int kind, const double *p, int want_grad, double *tot)
{
    replay *rp = ctx;
    const clv_eval *e;
    size_t i;
    (void)kind;
    if (rp->pending)
        return TIER_ERANGE;
    if (rp->k == rp->n) {
        rp->pending = 1;
        memset(&rp->next, 0, sizeof rp->next);
        rp->next.sub = rp->sub;
        rp->next.grad = want_grad;
        for (i = 0; i < np_of(rp->sub); i++)
            rp->next.p[i] = p[i];
        return TIER_ERANGE;
    }
    e = &rp->d->log[rp->k++];
    memcpy(tot, e->tot, sizeof e->tot);
    return e->status;
}

static int replay_one(void *ctx, int sub, int kind, tier__clv_fit_result *out, char *why)
{
    replay *rp = ctx;
    const clv_stats *s = &rp->d->stats;
    int rc;
    rp->sub = sub;
    rc = tier__clv_fit_sums(out, kind, s->mo[sub], s->excluded[sub], (size_t)s->distinct[sub],
                            replay_sums, rp, NULL, why);
    return rp->pending ? TIER__CLV_PENDING : rc;
}

/* Runs the fit with the first n answers: TIER__CLV_PENDING with rp->next the next request, or
 * the fit's status (TIER_OK: the state's fit is set). */
static int run(clv_state *st, const struct clv_dist *d, size_t n, replay *rp)
{
    clv_fit f;
    memset(rp, 0, sizeof *rp);
    rp->d = d;
    rp->n = n;
    memset(&f, 0, sizeof f);
    f.kind = (int)d->stats.kind;
    f.unit = d->stats.unit;
    f.calibration_end = d->stats.end;
    f.no_purchase = d->stats.no_purchase;
    if (d->stats.customers == 0.0) {
        tier__clv_no_purchase_error(st->h.err, (int32_t)d->stats.end);
        return TIER_EINVAL;
    }
    return tier__clv_fit_subs_with(st, &f, replay_one, rp, d->stats.customers);
}

int tier__clv_dist_begin(clv_state *st, tier_text *request)
{
    struct clv_dist *d;
    uint64_t id = st->dist ? st->dist->id + 1 : 1;
    int rc;
    if (!request) {
        tier__errorf(st->h.err, "no text for the request");
        return TIER_EINVAL;
    }
    d = tier__calloc(&st->h.alloc, 1, sizeof *d);
    if (!d) {
        tier__errorf(st->h.err, "out of memory starting a distributed clv fit");
        return TIER_ENOMEM;
    }
    d->id = id;
    if ((rc = write_request(&st->h.alloc, d, NULL, request)) != TIER_OK) {
        tier__free(&st->h.alloc, d);
        tier__errorf(st->h.err, "out of memory starting a distributed clv fit");
        return rc;
    }
    tier__clv_dist_free(st);
    st->dist = d;
    return TIER_OK;
}

/* The head of answer i: its id and round must be the request's. */
static int answer_head(tier__nr *r, const struct clv_dist *d)
{
    uint64_t id = 0, round = 0; /* written by read_u64_line on success; set for the analyzer */
    int rc;
    if (!tier__nr_line(r) || !tier__nr_word(r, ANSWER_HEAD) || !tier__nr_end_of_line(r))
        return tier__nr_fail(r, "expected \"" ANSWER_HEAD "\"");
    if ((rc = read_u64_line(r, "id", &id)) != TIER_OK)
        return rc;
    if (id != d->id)
        return tier__nr_fail(r, "an answer to another fit (id)");
    if ((rc = read_u64_line(r, "round", &round)) != TIER_OK)
        return rc;
    if (round != d->round)
        return tier__nr_fail(r, "an answer to another round");
    return TIER_OK;
}

/* `lines` lines "b BUCKET V1 .. V5" of answer i (0-based) into got: every bucket from one
 * answer only (else the parts do not hold whole buckets). `finite` refuses infinities. */
static int read_buckets(tier__nr *r, clv_buckets *got, size_t i, uint64_t lines, int finite)
{
    uint64_t k, b;
    size_t j;
    int rc;
    if (lines > TIER__CLV_BUCKETS)
        return tier__nr_fail(r, "more bucket lines than buckets");
    for (k = 0; k < lines; k++) {
        if (!tier__nr_line(r) || !tier__nr_word(r, "b"))
            return tier__nr_fail(r, "expected a bucket line (b)");
        if ((rc = tier__nr_u64(r, &b)) != TIER_OK)
            return rc;
        if (b >= TIER__CLV_BUCKETS)
            return tier__nr_fail(r, "a bucket out of range");
        if (got->from[b]) {
            char why[200];
            snprintf(why, sizeof why,
                     "bucket %lu was answered by answer %lu too: each bucket's rows must be on "
                     "one part (tier_clv_dist_split, then merge each bucket's pieces)",
                     (unsigned long)b, (unsigned long)got->from[b]);
            return tier__nr_fail(r, why);
        }
        for (j = 0; j < K; j++)
            if ((rc = tier__nr_double(r, &got->v[b][j], finite)) != TIER_OK)
                return rc;
        got->from[b] = i + 1;
    }
    return TIER_OK;
}

/* A round-0 answer added into s (the first one sets the figures the others must have). */
static int read_stats(tier__nr *r, clv_stats *s, clv_buckets *got, size_t i, const clv_state *st)
{
    double kind, unit, end, np, cust, ex;
    uint64_t v[2];
    int32_t want = 0;
    char why[TIER__ERR_SIZE];
    int rc = TIER_OK, sub, k, has_end = 0;
    if (!tier__nr_line(r) || !tier__nr_word(r, "stats"))
        return tier__nr_fail(r, "expected stats");
    for (k = 0; k < 2 && !rc; k++)
        rc = tier__nr_u64(r, &v[k]);
    if (!rc)
        rc = tier__nr_double(r, &end, 1);
    if (!rc)
        rc = tier__nr_double(r, &np, 1);
    if (!rc)
        rc = tier__nr_double(r, &cust, 1);
    if (rc)
        return rc;
    kind = (double)v[0];
    unit = (double)v[1];
    (void)tier__clv_resolve_end(st->opt, NULL, &want, &has_end, why);
    if (kind != st->opt[CLV_OPT_PURCHASE_MODEL] || unit != st->opt[CLV_OPT_TIME_UNIT] ||
        (i > 0 && end != s->end) || (has_end && end != (double)want))
        return tier__nr_fail(r, "made with another purchase model, time unit or calibration end");
    if (!(np >= 0.0 && np == floor(np) && cust >= 0.0 && cust == floor(cust)))
        return tier__nr_fail(r, "expected whole counts");
    s->kind = kind;
    s->unit = unit;
    s->end = end;
    s->no_purchase += np;
    s->customers += cust;
    for (sub = 0; sub < 2; sub++) {
        uint64_t which, lines, distinct;
        if (!tier__nr_line(r) || !tier__nr_word(r, "sub") || (rc = tier__nr_u64(r, &which)) ||
            which != (uint64_t)sub)
            return rc ? rc : tier__nr_fail(r, "expected the sub-model's figures");
        if ((rc = tier__nr_double(r, &ex, 1)) || (rc = tier__nr_u64(r, &distinct)) ||
            (rc = tier__nr_u64(r, &lines)))
            return rc;
        if (!(ex >= 0.0 && ex == floor(ex)) || distinct > (UINT64_C(1) << 53))
            return tier__nr_fail(r, "expected a whole count");
        s->excluded[sub] += ex;
        s->distinct[sub] += (double)distinct;
        if ((rc = read_buckets(r, &got[sub], i, lines, 0)) != TIER_OK)
            return rc;
    }
    if (!(s->no_purchase <= 9007199254740992.0 && s->customers <= 9007199254740992.0 &&
          s->excluded[0] + s->excluded[1] <= 9007199254740992.0 &&
          s->distinct[0] + s->distinct[1] <= 9007199254740992.0))
        return tier__nr_fail(r, "the counts add up beyond 2^53");
    return tier__nr_last(r);
}

/* An evaluation's answer i added into got, or e->status set (a part could not evaluate). */
static int read_eval(tier__nr *r, clv_eval *e, clv_buckets *got, size_t i)
{
    uint64_t lines;
    int rc, status;
    if (!tier__nr_line(r) || !tier__nr_word(r, "eval"))
        return tier__nr_fail(r, "expected eval");
    if ((rc = read_small(r, 1, &status)) || (rc = tier__nr_u64(r, &lines)))
        return rc;
    if (status)
        e->status = TIER_ERANGE;
    if (status && lines)
        return tier__nr_fail(r, "partials of a part that could not evaluate");
    if ((rc = read_buckets(r, got, i, lines, 1)) != TIER_OK)
        return rc;
    return tier__nr_last(r);
}

int tier__clv_dist_merge(clv_state *st, const char *const *answers, const size_t *lens, size_t n,
                         tier_text *request)
{
    struct clv_dist *d = st->dist;
    clv_stats stats;
    clv_eval e;
    replay rp;
    size_t i;
    int rc = TIER_OK;
    if (!d) {
        tier__errorf(st->h.err, "no distributed clv fit in progress");
        return TIER_ESTATE;
    }
    if (!answers || !lens || !n || !request) {
        tier__errorf(st->h.err, "the merge needs the answers, their lengths and a text");
        return TIER_EINVAL;
    }
    memset(&stats, 0, sizeof stats);
    memset(d->got, 0, sizeof d->got);
    e = d->next;
    e.status = TIER_OK;
    for (i = 0; i < n && rc == TIER_OK; i++) {
        char what[48];
        tier__nr r;
        if (!answers[i]) {
            tier__errorf(st->h.err, "answer %lu is NULL", (unsigned long)i + 1);
            return TIER_EINVAL;
        }
        snprintf(what, sizeof what, "clv answer %lu", (unsigned long)i + 1);
        tier__nr_init(&r, answers[i], lens[i], what, st->h.err);
        rc = answer_head(&r, d);
        if (rc == TIER_OK)
            rc = d->round == 0 ? read_stats(&r, &stats, d->got, i, st)
                               : read_eval(&r, &e, &d->got[0], i);
    }
    if (rc != TIER_OK)
        return rc;
    /* the totals: the buckets' partials in bucket order (an empty bucket's are 0) */
    if (d->round == 0) {
        tier__clv_bucket_totals(stats.mo[0], &d->got[0].v[0][0], K);
        tier__clv_bucket_totals(stats.mo[1], &d->got[1].v[0][0], K);
    } else {
        tier__clv_bucket_totals(e.tot, &d->got[0].v[0][0], K);
    }
    /* all answers read: apply them (nothing changes unless the next request is written) */
    if (d->round > 0 && d->nlog == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        clv_eval *log = tier__realloc_n(&st->h.alloc, d->log, cap, sizeof *log);
        if (!log) {
            tier__errorf(st->h.err, "out of memory merging clv answers");
            return TIER_ENOMEM;
        }
        d->log = log;
        d->cap = cap;
    }
    if (d->round == 0) {
        d->stats = stats;
    } else {
        d->log[d->nlog] = e;
    }
    rc = run(st, d, d->round == 0 ? 0 : d->nlog + 1, &rp);
    if (rc == TIER__CLV_PENDING) {
        d->round++;
        rc = write_request(&st->h.alloc, d, &rp.next, request);
        if (rc != TIER_OK) {
            d->round--;
            if (d->round == 0)
                memset(&d->stats, 0, sizeof d->stats);
            tier__errorf(st->h.err, "out of memory merging clv answers");
            return rc;
        }
        if (d->round > 1)
            d->nlog++;
        d->next = rp.next;
        return TIER_OK;
    }
    /* the fit is complete (or failed as tier_model_fit() fails): the distributed fit ends */
    tier__clv_dist_free(st);
    if (rc == TIER_OK)
        tier_text_clear(request);
    return rc;
}
