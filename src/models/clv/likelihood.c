/* SPDX-License-Identifier: MIT */
/* clv numerics: the log-likelihoods of BG/NBD, Pareto/NBD and Gamma-Gamma with their gradients,
 * each row's terms in log space (log-sum-exp) so neither large counts nor long histories overflow,
 * summed over the rows in ordered buckets (tier__clv_sums: plain doubles within a bucket in the
 * rows' canonical order, then the buckets in order), so the sums do not depend on how the rows
 * are split over parts that each hold whole buckets (docs/clv.md, "The fit"). */
#include <math.h>
#include <string.h>

#include "models/clv/clv_numeric.h"

void tier__clv_options_init(tier__clv_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->max_iter = 500;
    opt->restarts = 2;
    opt->gtol = 1e-7;
    opt->want_se = 1;
}

size_t tier__clv_param_count(int kind)
{
    switch (kind) {
    case TIER__CLV_BGNBD:
    case TIER__CLV_PARETO_NBD:
        return 4;
    case TIER__CLV_GAMMA_GAMMA:
        return 3;
    default:
        return 0;
    }
}

/* ---- validation ---------------------------------------------------------------------------- */

int tier__clv_params_ok(int kind, const double *param)
{
    size_t i, np = tier__clv_param_count(kind);
    if (!np || !param)
        return 0;
    for (i = 0; i < np; i++)
        if (!isfinite(param[i]) || !(param[i] > 0.0))
            return 0;
    return 1;
}

int tier__clv_count_row_ok(double x, double t_x, double T)
{
    if (!isfinite(x) || !isfinite(t_x) || !isfinite(T) || x < 0.0 || x != floor(x))
        return 0;
    if (T < 0.0)
        return 0;
    if (x > 0.0 && (t_x < 0.0 || t_x > T))
        return 0;
    return 1;
}

int tier__clv_row_ok(int kind, const tier__clv_obs *o)
{
    if (!isfinite(o->w) || o->w < 0.0)
        return 0;
    if (kind == TIER__CLV_GAMMA_GAMMA)
        return isfinite(o->x) && o->x >= 0.0 && !isnan(o->m) && o->m < HUGE_VAL;
    return tier__clv_count_row_ok(o->x, o->t_x, o->T);
}

/* splitmix64's finaliser */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

unsigned tier__clv_bucket(const tier__clv_obs *o)
{
    const double v[4] = {o->x, o->t_x, o->T, o->m};
    uint64_t h = 0;
    size_t i;
    for (i = 0; i < 4; i++) {
        uint64_t bits = 0;
        if (v[i] != 0.0) /* -0 and +0 are the same row */
            memcpy(&bits, &v[i], sizeof bits);
        h = mix64(h + bits + UINT64_C(0x9e3779b97f4a7c15));
    }
    return (unsigned)(h >> 56); /* TIER__CLV_BUCKETS = 256 */
}
typedef char clv_buckets_are_a_byte[TIER__CLV_BUCKETS == 256 ? 1 : -1];

int tier__clv_buckets(unsigned char **out, const tier__clv_obs *rows, size_t n,
                      const tier_allocator *alloc)
{
    size_t i;
    *out = tier__malloc_n(alloc, n ? n : 1, 1);
    if (!*out)
        return TIER_ENOMEM;
    for (i = 0; i < n; i++)
        (*out)[i] = (unsigned char)tier__clv_bucket(&rows[i]);
    return TIER_OK;
}

void tier__clv_bucket_totals(double *tot, const double *s, size_t k)
{
    size_t b, j;
    for (j = 0; j < k; j++)
        tot[j] = 0.0;
    for (b = 0; b < TIER__CLV_BUCKETS; b++)
        for (j = 0; j < k; j++)
            tot[j] += s[b * k + j];
}

/* The result of a log-likelihood from its totals: the LL into *out and, with grad, the gradient
 * with respect to the log-parameters from the totals of the derivatives by the parameters p[]
 * (d/d ln p = p d/dp). TIER_ERANGE when the value or a derivative is not finite. */
int tier__clv_sums_result(double *out, double *grad, const double *tot, int kind, const double *p)
{
    size_t i, n = tier__clv_param_count(kind);
    if (!n)
        return TIER_EINVAL;
    if (!isfinite(tot[0]))
        return TIER_ERANGE;
    *out = tot[0];
    for (i = 0; grad && i < n; i++) {
        grad[i] = tot[1 + i] * p[i];
        if (!isfinite(grad[i]))
            return TIER_ERANGE;
    }
    return TIER_OK;
}

/* ---- BG/NBD -------------------------------------------------------------------------------- */

static int bgnbd_ll(tier__clv_sums *acc, int grad, const double *p, const tier__clv_obs *obs,
                    const unsigned char *bucket, size_t n)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    const double lal = log(al), la = log(a);
    const double lg_r = tier__clv_lgamma(r), lg_ab = tier__clv_lgamma(a + b),
                 lg_b = tier__clv_lgamma(b);
    const double dg_r = grad ? tier__clv_digamma(r) : 0.0,
                 dg_ab = grad ? tier__clv_digamma(a + b) : 0.0,
                 dg_b = grad ? tier__clv_digamma(b) : 0.0;
    double prev_x = -1.0, cx = 0.0, k2 = 0.0, lbx = 0.0, d_r = 0.0, d_ab = 0.0, d_b = 0.0;
    size_t i;

    for (i = 0; i < n; i++) {
        const tier__clv_obs *o = &obs[i];
        double x = o->x, rx, lT, lt = 0.0, u1, u2, lse, w2 = 0.0, e, *t;
        if (o->w == 0.0)
            continue;
        if (x != prev_x) {
            /* Terms that depend on x only: computed once per run of equal x. */
            prev_x = x;
            cx = tier__clv_lgamma(r + x) - lg_r + r * lal + lg_ab - tier__clv_lgamma(a + b + x) -
                 lg_b + tier__clv_lgamma(b + x);
            if (x > 0.0) {
                lbx = log(b + x - 1.0);
                k2 = la - lbx;
            }
            if (grad) {
                d_r = tier__clv_digamma(r + x) - dg_r + lal;
                d_ab = dg_ab - tier__clv_digamma(a + b + x);
                d_b = tier__clv_digamma(b + x) - dg_b;
            }
        }
        rx = r + x;
        lT = log(al + o->T);
        u1 = -rx * lT;
        if (x > 0.0) {
            lt = log(al + o->t_x);
            u2 = k2 - rx * lt;
            if (u1 >= u2) {
                e = exp(u2 - u1);
                lse = u1 + log1p(e);
                w2 = e / (1.0 + e);
            } else {
                e = exp(u1 - u2);
                lse = u2 + log1p(e);
                w2 = 1.0 / (1.0 + e);
            }
        } else {
            lse = u1;
        }
        t = acc->s[bucket ? bucket[i] : 0];
        t[0] += o->w * (cx + lse);
        if (grad) {
            double w1 = 1.0 - w2;
            t[1] += o->w * (d_r - w1 * lT - w2 * lt);
            t[2] +=
                o->w * (r / al - rx * (w1 / (al + o->T) + (x > 0.0 ? w2 / (al + o->t_x) : 0.0)));
            t[3] += o->w * (d_ab + w2 / a);
            t[4] += o->w * (d_ab + d_b - (x > 0.0 ? w2 / (b + x - 1.0) : 0.0));
        }
    }
    return TIER_OK;
}

/* ---- Pareto/NBD ---------------------------------------------------------------------------- */

/* ln S for S = 2F1(1, b; c; z), 0 <= z < 1, 0 < b < c, and (d != NULL) d[0] = d ln S/db,
 * d[1] = d ln S/dc, d[2] = d ln S/dz. The terms t_n = prod_{j<n} (b+j)/(c+j) z^n are positive
 * and their ratios stay below z, so the tail after t_N is at most t_N q, q = z/(1-z). The
 * derivatives are summed term by term: d t_n/db = t_n D_b(n), D_b(n) = sum_{j<n} 1/(b+j) (and
 * -D_c for c), d t_n/dz = n t_n / z; since D(m) <= D(N) + (m-N)/(b+N) for m > N, their tails are
 * bounded by t_N (D q + q/((b+N)(1-z))) and t_N (N q + q/(1-z)). */
static int log_hyp_1bc(double *out, double *d, double b, double c, double z)
{
    double q, q2, sum = 1.0, t = 1.0, sb = 0.0, sc = 0.0, sn = 0.0, Db = 0.0, Dc = 0.0;
    int n;
    if (!(z < 1.0)) /* z rounded to 1: alpha and beta too far apart for the series */
        return TIER_ECONVERGE;
    q = z / (1.0 - z);
    q2 = q / (1.0 - z);
    for (n = 0; n < CLV_LL_SERIES_MAX; n++) {
        const double N = (double)(n + 1), ic = 1.0 / (c + n);
        t *= (b + n) * ic * z; /* t_N */
        sum += t;
        if (d) {
            Db += 1.0 / (b + n);
            Dc += ic;
            sb += t * Db;
            sc += t * Dc;
            sn += t * N;
        }
        if (t * q > 1e-17 * sum)
            continue;
        if (!d) {
            *out = log(sum);
            return TIER_OK;
        }
        if (t * (N * q + q2) <= 1e-16 * sn && t * (Db * q + q2 / (b + N)) <= 1e-16 * sb &&
            t * (Dc * q + q2 / (c + N)) <= 1e-16 * sc) {
            *out = log(sum);
            d[0] = sb / sum;
            d[1] = -sc / sum;
            d[2] = z > 0.0 ? sn / (z * sum) : b / c;
            return TIER_OK;
        }
    }
    return TIER_ECONVERGE;
}

/* ln F(t) of the Pareto/NBD bracket (below) and (d4 != NULL) its gradient with respect to the
 * natural parameters r, alpha, s, beta. With A = r+s+x, Euler's transformation gives
 *   alpha >= beta: F = (alpha+t)^-(r+x) (beta+t)^-s 2F1(1, r+x; A+1; (alpha-beta)/(alpha+t)),
 *   alpha <  beta: F = (alpha+t)^(1-r-x) (beta+t)^-(s+1) 2F1(1, s+1; A+1; (beta-alpha)/(beta+t)),
 * and the chain rule through b, c = A+1 and z gives the gradient. */
static int pnbd_log_f(double *out, double *d4, const double *p, double x, double t)
{
    const double r = p[0], al = p[1], s = p[2], be = p[3], rx = r + x, A = r + s + x;
    const double la = log(al + t), lb = log(be + t);
    double lS, dS[3];
    int rc;
    if (al >= be) {
        rc = log_hyp_1bc(&lS, d4 ? dS : NULL, rx, A + 1.0, (al - be) / (al + t));
        if (rc != TIER_OK)
            return rc;
        *out = -rx * la - s * lb + lS;
        if (d4) {
            d4[0] = -la + dS[0] + dS[1];
            d4[1] = -rx / (al + t) + dS[2] * (be + t) / ((al + t) * (al + t));
            d4[2] = -lb + dS[1];
            d4[3] = -s / (be + t) - dS[2] / (al + t);
        }
    } else {
        rc = log_hyp_1bc(&lS, d4 ? dS : NULL, s + 1.0, A + 1.0, (be - al) / (be + t));
        if (rc != TIER_OK)
            return rc;
        *out = (1.0 - rx) * la - (s + 1.0) * lb + lS;
        if (d4) {
            d4[0] = -la + dS[1];
            d4[1] = (1.0 - rx) / (al + t) - dS[2] / (be + t);
            d4[2] = -lb + dS[0] + dS[1];
            d4[3] = -(s + 1.0) / (be + t) + dS[2] * (al + t) / ((be + t) * (be + t));
        }
    }
    return TIER_OK;
}

static int pnbd_log_f_cached(pnbd_cache *c, double *out, double *d4, const double *p, double x,
                             double t)
{
    uint64_t bits;
    size_t h;
    int rc;
    if (!c)
        return pnbd_log_f(out, d4, p, x, t);
    memcpy(&bits, &t, sizeof bits);
    h = (size_t)(((bits ^ (bits >> 29)) * UINT64_C(0x9E3779B97F4A7C15)) >> 56) % PNBD_CACHE_SIZE;
    if (c->gen[h] == c->now && c->key[h] == t) {
        *out = c->val[h][0];
        if (d4)
            memcpy(d4, c->val[h] + 1, 4 * sizeof *d4);
        return TIER_OK;
    }
    rc = pnbd_log_f(out, d4, p, x, t);
    if (rc == TIER_OK) {
        c->gen[h] = c->now;
        c->key[h] = t;
        c->val[h][0] = *out;
        if (d4)
            memcpy(c->val[h] + 1, d4, 4 * sizeof *d4);
    }
    return rc;
}

/* ln of the bracket of the Pareto/NBD likelihood,
 *   L' = (a+T)^-(r+x) (b+T)^-s + s/(r+s+x) * A0,   A0 = F(t_x) - F(T),
 * ln of its first term (the "alive at T" part; P(alive) = exp(*out_first - *out)) and
 * (grad != NULL) the gradient of ln L' with respect to r, alpha, s, beta:
 *   d ln L' = w1 d first + w2 [d ln(s/A) + (dlnF(t_x) - e^D dlnF(T)) / (1 - e^D)],
 * D = ln F(T) - ln F(t_x) <= 0, w1 + w2 = 1 the shares of the two terms. F is computed in log
 * space; A0 as F(t_x) (1 - e^D) with expm1. When a series does not converge (z near 1) the
 * value is TIER_ERANGE, unless allow_quad: predictions then integrate the second term directly
 * (tier__clv_pnbd_tail_integral); the likelihood does not, so a fit never wanders into the slow
 * region. */
int tier__clv_pnbd_bracket(double *out, double *out_first, double *grad, const double *p, double x,
                           double t_x, double T, int allow_quad, pnbd_cache *cache)
{
    const double al = p[1], s = p[2], be = p[3];
    const double A = p[0] + s + x, rx = p[0] + x;
    double first, lFx, lFT, dx[4], dT[4], dfirst[4], D, lG;
    int rc, i;

    if (x == 0.0)
        t_x = 0.0;
    first = -rx * log(al + T) - s * log(be + T);
    *out_first = first;
    rc = pnbd_log_f_cached(cache, &lFx, grad ? dx : NULL, p, x, t_x);
    if (rc == TIER_OK)
        rc = pnbd_log_f_cached(cache, &lFT, grad ? dT : NULL, p, x, T);
    if (rc != TIER_OK) {
        if (!allow_quad || grad)
            return TIER_ERANGE;
        if (!(T > t_x)) {
            *out = first;
            return TIER_OK;
        }
        if (tier__clv_pnbd_tail_integral(&lG, rx, al, s, be, t_x, T) != TIER_OK)
            return TIER_ERANGE;
        *out = tier__clv_log_add(first, lG);
        return isfinite(*out) ? TIER_OK : TIER_ERANGE;
    }
    if (grad) {
        dfirst[0] = -log(al + T);
        dfirst[1] = -rx / (al + T);
        dfirst[2] = -log(be + T);
        dfirst[3] = -s / (be + T);
        memcpy(grad, dfirst, sizeof dfirst);
    }
    D = lFT - lFx; /* <= 0: F decreases in t; rounding may give D >= 0 when t_x is T */
    if (!(D < 0.0)) {
        *out = first;
        return isfinite(*out) ? TIER_OK : TIER_ERANGE;
    }
    lG = log(s / A) + lFx + log(-expm1(D));
    *out = tier__clv_log_add(first, lG);
    if (!isfinite(*out))
        return TIER_ERANGE;
    if (grad) {
        const double w1 = exp(first - *out), w2 = exp(lG - *out), eD = exp(D), om = -expm1(D);
        const double dsa[4] = {-1.0 / A, 0.0, 1.0 / s - 1.0 / A, 0.0};
        for (i = 0; i < 4; i++)
            grad[i] = w1 * dfirst[i] + w2 * (dsa[i] + (dx[i] - eD * dT[i]) / om);
    }
    return TIER_OK;
}

/* Pareto/NBD log-likelihood and (grad != NULL) its analytic gradient with respect to the
 * log-parameters. Per row: ln Gamma(r+x) - ln Gamma(r) + r ln alpha + s ln beta + ln L'. */
static int pnbd_ll(tier__clv_sums *acc, int grad, const double *p, const tier__clv_obs *obs,
                   const unsigned char *bucket, size_t n)
{
    const double r = p[0], al = p[1], s = p[2], be = p[3];
    const double lal = log(al), lbe = log(be);
    const double base = -tier__clv_lgamma(r) + r * lal + s * lbe;
    const double dg_r = grad ? tier__clv_digamma(r) : 0.0;
    double prev_x = -1.0, lgx = 0.0, dgx = 0.0;
    pnbd_cache cache;
    size_t i;
    memset(cache.gen, 0, sizeof cache.gen);
    cache.now = 0;
    for (i = 0; i < n; i++) {
        double br, first, gb[4], *t;
        int rc;
        if (obs[i].w == 0.0)
            continue;
        if (obs[i].x != prev_x) {
            prev_x = obs[i].x;
            cache.now++;
            lgx = tier__clv_lgamma(r + prev_x);
            if (grad)
                dgx = tier__clv_digamma(r + prev_x);
        }
        rc = tier__clv_pnbd_bracket(&br, &first, grad ? gb : NULL, p, obs[i].x, obs[i].t_x,
                                    obs[i].T, 0, &cache);
        if (rc != TIER_OK)
            return rc;
        t = acc->s[bucket ? bucket[i] : 0];
        t[0] += obs[i].w * (lgx + base + br);
        if (grad) {
            t[1] += obs[i].w * (dgx - dg_r + lal + gb[0]);
            t[2] += obs[i].w * (r / al + gb[1]);
            t[3] += obs[i].w * (lbe + gb[2]);
            t[4] += obs[i].w * (s / be + gb[3]);
        }
    }
    return TIER_OK;
}

/* ---- Gamma-Gamma --------------------------------------------------------------------------- */

static int gg_ll(tier__clv_sums *acc, int grad, const double *pr, const tier__clv_obs *obs,
                 const unsigned char *bucket, size_t n)
{
    const double p = pr[0], q = pr[1], g = pr[2];
    const double lgq = tier__clv_lgamma(q), lg = log(g), dgq = grad ? tier__clv_digamma(q) : 0.0;
    double prev_x = -1.0, cx = 0.0, lx = 0.0, px = 0.0, d_p = 0.0, d_q = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        const tier__clv_obs *o = &obs[i];
        double x = o->x, lm, lgm, *t;
        if (o->w == 0.0 || !(x > 0.0) || !(o->m > 0.0))
            continue;
        if (x != prev_x) {
            prev_x = x;
            px = p * x;
            lx = log(x);
            cx = tier__clv_lgamma(px + q) - tier__clv_lgamma(px) - lgq + q * lg + px * lx;
            if (grad) {
                double dpq = tier__clv_digamma(px + q);
                d_p = dpq - tier__clv_digamma(px);
                d_q = dpq - dgq;
            }
        }
        lm = log(o->m);
        lgm = log(g + x * o->m);
        t = acc->s[bucket ? bucket[i] : 0];
        t[0] += o->w * (cx + (px - 1.0) * lm - (px + q) * lgm);
        if (grad) {
            t[1] += o->w * x * (d_p + lm + lx - lgm);
            t[2] += o->w * (d_q + lg - lgm);
            t[3] += o->w * (q / g - (px + q) / (g + x * o->m));
        }
    }
    return TIER_OK;
}

/* ---- likelihood dispatch ------------------------------------------------------------------- */

int tier__clv_loglik_sums(tier__clv_sums *acc, int want_grad, int kind, const double *param,
                          const tier__clv_obs *obs, const unsigned char *bucket, size_t n)
{
    switch (kind) {
    case TIER__CLV_BGNBD:
        return bgnbd_ll(acc, want_grad, param, obs, bucket, n);
    case TIER__CLV_GAMMA_GAMMA:
        return gg_ll(acc, want_grad, param, obs, bucket, n);
    case TIER__CLV_PARETO_NBD:
        return pnbd_ll(acc, want_grad, param, obs, bucket, n);
    default:
        return TIER_EINVAL;
    }
}

/* Value and log-parameter gradient; rows already validated. */
int tier__clv_loglik_rows(double *out, double *grad, int kind, const double *param,
                          const tier__clv_obs *obs, size_t n)
{
    tier__clv_sums acc; /* every row in bucket 0: the plain sum in the rows' order */
    int rc;
    /* cppcheck-suppress uninitvar ; with no buckets only acc.s[0] is written and read */
    memset(acc.s[0], 0, sizeof acc.s[0]);
    rc = tier__clv_loglik_sums(&acc, grad != NULL, kind, param, obs, NULL, n);
    return rc != TIER_OK ? rc : tier__clv_sums_result(out, grad, acc.s[0], kind, param);
}

int tier__clv_loglik(double *out, double *grad, int kind, const double *param,
                     const tier__clv_obs *obs, size_t n)
{
    size_t i;
    if (!out || !tier__clv_params_ok(kind, param) || (n && !obs))
        return TIER_EINVAL;
    for (i = 0; i < n; i++)
        if (!tier__clv_row_ok(kind, &obs[i]))
            return TIER_EINVAL;
    return tier__clv_loglik_rows(out, grad, kind, param, obs, n);
}
