/* SPDX-License-Identifier: MIT */
/* clv numerics: the fit (BFGS in log-parameter space from several starts, numerical Hessian and
 * standard errors). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/clv/clv_numeric.h"
#include "models/numeric/optim.h"

/* ---- fitting ------------------------------------------------------------------------------- */

/* The shared optimiser (models/numeric/optim.h) holds as many parameters as the largest model. */
typedef char clv_params_fit_the_optimiser[TIER__CLV_MAX_PARAMS <= TIER__OPTIM_MAX ? 1 : -1];

typedef struct clv_problem {
    int kind;
    size_t np;
    tier__clv_sums_fn fn; /* the likelihood's totals */
    void *ctx;
    double W; /* total weight: the objective is -LL / W so tolerances do not depend on size */
} clv_problem;

/* The log-likelihood at natural parameters p (gradient with grad) from the callback's totals. */
static int loglik(void *ctx, const double *p, double *ll, double *grad)
{
    const clv_problem *pb = ctx;
    double tot[TIER__CLV_SUMS];
    int rc = pb->fn(pb->ctx, pb->kind, p, grad != NULL, tot);
    return rc != TIER_OK ? rc : tier__clv_sums_result(ll, grad, tot, pb->kind, p);
}

/* The objective of the optimiser: -LL / W at log-parameters theta (the box is checked by
 * tier__optim_bfgs). */
static int objective(void *ctx, const double *theta, double *f, double *g)
{
    const clv_problem *pb = ctx;
    double p[TIER__CLV_MAX_PARAMS], ll, grad[TIER__CLV_MAX_PARAMS];
    size_t i;
    int rc;
    for (i = 0; i < pb->np; i++)
        p[i] = exp(theta[i]);
    rc = loglik(ctx, p, &ll, g ? grad : NULL);
    if (rc != TIER_OK)
        return rc;
    *f = -ll / pb->W;
    if (g)
        for (i = 0; i < pb->np; i++)
            g[i] = -grad[i] / pb->W;
    return TIER_OK;
}

static int cmp_count_rows(const void *pa, const void *pb)
{
    const tier__clv_obs *a = pa, *b = pb;
    int c = TIER__CMP(a->x, b->x);
    if (c == 0)
        c = TIER__CMP(a->t_x, b->t_x);
    return c ? c : TIER__CMP(a->T, b->T);
}

static int cmp_spend_rows(const void *pa, const void *pb)
{
    const tier__clv_obs *a = pa, *b = pb;
    int c = TIER__CMP(a->x, b->x);
    return c ? c : TIER__CMP(a->m, b->m);
}

static void set_err(char *err, const char *msg)
{
    if (err)
        tier__errorf(err, "%s", msg);
}

void tier__clv_moments_add(tier__clv_moments *mo, const tier__clv_obs *rows,
                           const unsigned char *bucket, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const tier__clv_obs *o = &rows[i];
        double *t = mo->s[bucket[i]];
        t[TIER__CLV_MO_W] += o->w;
        if (o->x > 0.0)
            t[TIER__CLV_MO_WREP] += o->w;
        t[TIER__CLV_MO_WX] += o->w * o->x;
        t[TIER__CLV_MO_WT] += o->w * o->T;
        t[TIER__CLV_MO_WM] += o->w * o->m;
    }
}

/* Starting points in natural parameters from simple moments of the data (the totals of w, w x,
 * w T, w m). */
static void starting_point(double *p, int kind, int k, const double *mo)
{
    const double sw = mo[TIER__CLV_MO_W], sx = mo[TIER__CLV_MO_WX], sT = mo[TIER__CLV_MO_WT],
                 sm = mo[TIER__CLV_MO_WM];
    double rate, Tbar, mbar;
    Tbar = sw > 0.0 && sT > 0.0 ? sT / sw : 1.0;
    rate = sx > 0.0 && sT > 0.0 ? sx / sT : 1.0;
    mbar = sw > 0.0 && sm > 0.0 ? sm / sw : 1.0;
    if (kind == TIER__CLV_GAMMA_GAMMA) {
        /* population mean p*gamma/(q-1) near the observed mean */
        double gg[3][3] = {{1.0, 1.0, 1.0}, {2.0, 3.0, mbar}, {5.0, 2.0, mbar / 5.0}};
        memcpy(p, gg[k % 3], 3 * sizeof p[0]);
        return;
    }
    if (k % 3 == 0) {
        p[0] = p[1] = p[2] = p[3] = 1.0;
    } else if (k % 3 == 1) {
        p[0] = 1.0;
        p[1] = 1.0 / rate; /* mean purchase rate r/alpha = observed rate */
        p[2] = 1.0;
        p[3] = kind == TIER__CLV_BGNBD ? 1.0 : Tbar;
    } else {
        p[0] = 0.5;
        p[1] = 0.5 / rate;
        p[2] = 0.5;
        p[3] = kind == TIER__CLV_BGNBD ? 2.0 : Tbar / 2.0;
    }
}

/* The local likelihood: the totals of one process's rows, every bucket its own. */
typedef struct clv_local {
    const tier__clv_obs *rows;
    const unsigned char *bucket;
    size_t n;
    tier__clv_sums acc;
} clv_local;

static int local_sums(void *ctx, int kind, const double *p, int want_grad, double *tot)
{
    clv_local *l = ctx;
    int rc;
    memset(&l->acc, 0, sizeof l->acc);
    rc = tier__clv_loglik_sums(&l->acc, want_grad, kind, p, l->rows, l->bucket, l->n);
    if (rc == TIER_OK)
        tier__clv_bucket_totals(tot, &l->acc.s[0][0], TIER__CLV_SUMS);
    return rc;
}

int tier__clv_fit_rows(tier__clv_obs **out, unsigned char **bucket, size_t *m_out,
                       double *excluded_out, int kind, const tier__clv_obs *obs, size_t n,
                       const tier_allocator *alloc, char *err)
{
    tier__clv_obs *rows;
    size_t i, m = 0;
    double excluded = 0.0;
    for (i = 0; i < n; i++) {
        if (!tier__clv_row_ok(kind, &obs[i])) {
            if (err)
                tier__errorf(err, "clv fit: row %lu is invalid (x, t_x, T, m or weight)",
                             (unsigned long)i);
            return TIER_EINVAL;
        }
    }
    rows = tier__malloc_n(alloc, n, sizeof *rows);
    if (!rows) {
        set_err(err, "clv fit: out of memory");
        return TIER_ENOMEM;
    }
    /* Keep the rows the model uses, normalised so identical customers compare equal. */
    for (i = 0; i < n; i++) {
        tier__clv_obs o = obs[i];
        if (o.w == 0.0)
            continue;
        if (kind == TIER__CLV_GAMMA_GAMMA) {
            if (!(o.x > 0.0))
                continue;
            if (!(o.m > 0.0)) { /* log(0): cannot enter the Gamma-Gamma likelihood */
                excluded += o.w;
                continue;
            }
            o.t_x = o.T = 0.0;
        } else {
            if (o.x == 0.0)
                o.t_x = 0.0;
            o.m = 0.0;
        }
        rows[m++] = o;
    }
    qsort(rows, m, sizeof *rows, kind == TIER__CLV_GAMMA_GAMMA ? cmp_spend_rows : cmp_count_rows);
    if (m) { /* merge identical rows */
        size_t w = 0;
        for (i = 1; i < m; i++) {
            if (rows[i].x == rows[w].x && rows[i].t_x == rows[w].t_x && rows[i].T == rows[w].T &&
                rows[i].m == rows[w].m)
                rows[w].w += rows[i].w;
            else
                rows[++w] = rows[i];
        }
        m = w + 1;
    }
    if (tier__clv_buckets(bucket, rows, m, alloc) != TIER_OK) {
        tier__free(alloc, rows);
        set_err(err, "clv fit: out of memory");
        return TIER_ENOMEM;
    }
    *out = rows;
    *m_out = m;
    *excluded_out = excluded;
    return TIER_OK;
}

static int check_options(tier__clv_options *opt, const tier__clv_options *opt_in, int kind,
                         char *err)
{
    if (opt_in)
        *opt = *opt_in;
    else
        tier__clv_options_init(opt);
    if (opt->max_iter <= 0 || opt->restarts < 0 || !(opt->gtol > 0.0) ||
        (opt->has_start && !tier__clv_params_ok(kind, opt->start))) {
        set_err(err, "clv fit: invalid options");
        return TIER_EINVAL;
    }
    return TIER_OK;
}

int tier__clv_fit(tier__clv_fit_result *out, int kind, const tier__clv_obs *obs, size_t n,
                  const tier__clv_options *opt_in, const tier_allocator *alloc, char *err)
{
    tier__clv_options opt;
    tier__clv_obs *rows;
    unsigned char *bucket;
    tier__clv_moments mo;
    clv_local local;
    size_t m = 0;
    double excluded = 0.0, tot[TIER__CLV_MO_COUNT];
    int rc;

    if (!out || !alloc || (n && !obs) || !tier__clv_param_count(kind)) {
        set_err(err, "clv fit: invalid argument");
        return TIER_EINVAL;
    }
    rc = check_options(&opt, opt_in, kind, err);
    if (rc == TIER_OK)
        rc = tier__clv_fit_rows(&rows, &bucket, &m, &excluded, kind, obs, n, alloc, err);
    if (rc != TIER_OK)
        return rc;
    memset(&mo, 0, sizeof mo);
    tier__clv_moments_add(&mo, rows, bucket, m);
    tier__clv_bucket_totals(tot, &mo.s[0][0], TIER__CLV_MO_COUNT);
    local.rows = rows;
    local.bucket = bucket;
    local.n = m;
    rc = tier__clv_fit_sums(out, kind, tot, excluded, m, local_sums, &local, &opt, err);
    tier__free(alloc, rows);
    tier__free(alloc, bucket);
    return rc;
}

int tier__clv_fit_sums(tier__clv_fit_result *out, int kind, const double *mo, double excluded,
                       size_t n_distinct, tier__clv_sums_fn fn, void *ctx,
                       const tier__clv_options *opt_in, char *err)
{
    tier__clv_options opt;
    clv_problem pb;
    tier__optim_run best, run;
    tier__optim_problem op;
    size_t i, np = tier__clv_param_count(kind);
    double W, wrep;
    int k, evals = 0, have_best = 0, agree = 0, starts = 0, rc;

    if (!out || !mo || !fn || !np) {
        set_err(err, "clv fit: invalid argument");
        return TIER_EINVAL;
    }
    rc = check_options(&opt, opt_in, kind, err);
    if (rc != TIER_OK)
        return rc;
    W = mo[TIER__CLV_MO_W];
    wrep = mo[TIER__CLV_MO_WREP];
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->n_params = np;
    out->n_excluded = excluded;
    out->n_used = W;
    out->n_distinct = n_distinct;
    if (!(W > 0.0) || !isfinite(W) || !(wrep > 0.0)) {
        set_err(err, kind == TIER__CLV_GAMMA_GAMMA
                         ? "clv fit: no customer with repeat transactions of positive value"
                         : "clv fit: no repeat transactions, the model is not identified");
        return TIER_EINVAL;
    }
    pb.kind = kind;
    pb.np = np;
    pb.fn = fn;
    pb.ctx = ctx;
    pb.W = W;
    op.n = np;
    op.box = CLV_THETA_MAX;
    op.fn = objective;
    op.ctx = &pb;
    memset(&best, 0, sizeof best);
    for (k = 0; k <= opt.restarts && agree < 2; k++) {
        double p[TIER__CLV_MAX_PARAMS];
        if (k == 0 && opt.has_start)
            memcpy(p, opt.start, np * sizeof p[0]);
        else
            starting_point(p, kind, opt.has_start ? k - 1 : k, mo);
        for (i = 0; i < np; i++)
            run.theta[i] = log(p[i]);
        tier__optim_bfgs(&op, &run, opt.max_iter, opt.gtol, &evals);
        starts++;
        if (!run.ok)
            continue;
        if (have_best && run.gnorm <= opt.gtol && best.gnorm <= opt.gtol &&
            fabs(run.f - best.f) <= 1e-9 * (1.0 + fabs(best.f)))
            agree++; /* two converged starts found the same maximum: no need for more */
        if (!have_best || (run.gnorm <= opt.gtol && best.gnorm > opt.gtol) ||
            ((run.gnorm <= opt.gtol) == (best.gnorm <= opt.gtol) && run.f < best.f)) {
            best = run;
            have_best = 1;
            if (agree == 0 && best.gnorm <= opt.gtol)
                agree = 1;
        }
    }
    out->starts = starts;
    out->evaluations = evals;
    if (!have_best) {
        set_err(err, "clv fit: the likelihood could not be evaluated at any starting point");
        return TIER_ECONVERGE;
    }
    for (i = 0; i < np; i++)
        out->param[i] = exp(best.theta[i]);
    out->loglik = -best.f * W;
    out->grad_norm = best.gnorm;
    out->converged = best.gnorm <= opt.gtol;
    out->iterations = best.iterations;
    if (opt.want_se) {
        double H[TIER__OPTIM_MAX][TIER__OPTIM_MAX];
        if (tier__optim_hessian_natural(loglik, &pb, best.theta, np, H) == TIER_OK)
            out->se_ok = tier__optim_standard_errors(out->se, H, np);
        if (!out->se_ok)
            for (i = 0; i < np; i++)
                out->se[i] = 0.0;
    }
    if (!out->converged) {
        if (err)
            tier__errorf(err, "clv fit: no convergence (gradient norm %.3g after %d iterations)",
                         out->grad_norm, out->iterations);
        return TIER_ECONVERGE;
    }
    return TIER_OK;
}
