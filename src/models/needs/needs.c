/* SPDX-License-Identifier: MIT */
/* The built-in needs model, made through the public model vtable: k-means++ / Lloyd clustering of
 * standardised needs vectors, or nearest given need profiles. Every decision is made with basic
 * IEEE-754 operations and sqrt in a fixed order (no libm transcendentals, no threads, the
 * library's own xoshiro256** generator), so fits are identical on every run and platform.
 * docs/needs.md states the rules. */
#if defined(__clang__)
/* A fused multiply-add would round differently on machines that have one. */
#pragma STDC FP_CONTRACT OFF
#endif

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "core/model_internal.h"
#include "models/options.h"

#define ATTR_PREFIX "attr."
#define ATTR_PREFIX_LEN 5
#define DEFAULT_SEED 20240601.0
#define MAX_SEED 9007199254740992.0 /* 2^53: every integer up to it is exact in a double */
#define MAX_SAMPLE 100000
#define MAX_INIT_SAMPLE 100000000
/* Standardised values beyond this are refused, so that squared distances stay finite. */
#define MAX_Z 1e100
/* A point keeps its centre without a full search only when its bounds clear by this factor:
 * rounding in the bounds can then never hide a tie or a closer centre. */
#define BOUND_SLACK (1.0 + 1e-9)
/* Silhouette accumulators per group of candidate k (doubles). */
#define SIL_BUDGET ((size_t)1 << 22)

enum { SRC_NONE = 0, SRC_KMEANS = 1, SRC_PROFILES = 2 };
enum { OUT_SEGMENT, OUT_DISTANCE, OUT_SECOND, OUT_MARGIN, OUT_COUNT };
enum { STREAM_RESTART = 1, STREAM_INIT_SAMPLE = 2, STREAM_SIL_SAMPLE = 3 };


/* A fitted segmentation. Centres are kept in standardised units (what distances use), so a
 * saved state reloads bit for bit; dropped features hold 0. */
typedef struct needs_fit {
    int source;      /* SRC_* */
    size_t p, k, pu; /* features, segments, features used in distances */
    double *mean, *scale;
    unsigned char *used;
    double *centre; /* k x p */
    char **names;   /* k */
    double iterations, converged, inertia, silhouette, fitted, excluded;
} needs_fit;

/* The number options (docs/needs.md). */
typedef struct needs_opts {
    int k, k_min, k_max, n_init, max_iter, standardize, sample, init_sample;
    double seed;
} needs_opts;

static const needs_opts needs_defaults = {0, 2, 8, 4, 100, 1, 5000, 65536, DEFAULT_SEED};

typedef struct needs_state {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    needs_opts o;
    size_t nfeat;
    char **feat;
    size_t nprof;
    char **prof_names;
    double *prof_values; /* nprof x nfeat, raw units */
    size_t prev_k;       /* centres to match at the next fit (0 = use the current fit) */
    char **prev_names;
    double *prev_raw; /* prev_k x nfeat */
    needs_fit fit;
} needs_state;

static int needs_fit_cb(void *state, const tier_book *book, const tier_frame *inputs);
static int needs_score(void *state, const tier_book *book, tier_frame *frame);
static int needs_explain(void *state, const tier_book *book, const tier_frame *frame,
                         size_t customer, tier_text *out);
static void needs_destroy(void *state);
static const char *needs_last_error_cb(void *state);
static int needs_set_option(void *state, const char *name, const tier_value *value);
static int needs_get_option(void *state, const char *name, tier_value *out);
static int needs_save(void *state, tier_state_writer *w);
static int needs_load(void *state, tier_state_reader *r);
static int needs_is_fitted(void *state);

static const tier_model_output needs_outputs[OUT_COUNT] = {{"segment", TIER_VALUE_LABEL},
                                                           {"distance", TIER_VALUE_NUMBER},
                                                           {"second", TIER_VALUE_LABEL},
                                                           {"margin", TIER_VALUE_NUMBER}};

static const tier_model_option needs_options[] = {
    {"features", TIER_OPTION_LIST,
     "the needs vector: input columns (\"rfm.m\") or attributes (\"attr.name\"), in order",
     TIER_OPTION_FORGETS_FIT},
    {"k", TIER_OPTION_NUMBER,
     "number of clusters, 1..256; 0 (default): chosen by the silhouette in [k_min, k_max]", 0},
    {"k_min", TIER_OPTION_NUMBER, "smallest k the silhouette may choose, 2..256 (default 2)", 0},
    {"k_max", TIER_OPTION_NUMBER, "largest k the silhouette may choose, 2..256 (default 8)", 0},
    {"seed", TIER_OPTION_NUMBER, "seed of the generator, an integer 0..2^53 (default 20240601)", 0},
    {"n_init", TIER_OPTION_NUMBER, "k-means restarts, 1..100 (default 4)", 0},
    {"max_iter", TIER_OPTION_NUMBER, "most Lloyd iterations per run, 1..100000 (default 100)", 0},
    {"standardize", TIER_OPTION_NUMBER, "1 (default): standardise features; 0: raw values",
     TIER_OPTION_FORGETS_FIT},
    {"sample", TIER_OPTION_NUMBER, "customers in the silhouette sample, 2..100000 (default 5000)",
     0},
    {"init_sample", TIER_OPTION_NUMBER,
     "restarts run on a sample of this many customers when there are more; 0 = all customers; "
     "0 or 100..100000000 (default 65536)",
     0},
};

#define N_OPTIONS (sizeof needs_options / sizeof needs_options[0])

static const tier_model_vtable needs_vtable = {
    .version = TIER_MODEL_VTABLE_VERSION,
    .kind = "needs",
    .fit = needs_fit_cb,
    .score = needs_score,
    .explain = needs_explain,
    .destroy = needs_destroy,
    .last_error = needs_last_error_cb,
    .outputs = needs_outputs,
    .n_outputs = OUT_COUNT,
    .options = needs_options,
    .n_options = N_OPTIONS,
    .set_option = needs_set_option,
    .get_option = needs_get_option,
    .save = needs_save,
    .load = needs_load,
    .is_fitted = needs_is_fitted,
};

static needs_state *needs_of(const tier_model *model)
{
    return tier__model_state_if(model, &needs_vtable);
}

/* ---- small helpers ----------------------------------------------------------------------- */

static void free_names(const tier_allocator *a, char **names, size_t n)
{
    size_t i;
    if (!names)
        return;
    for (i = 0; i < n; i++)
        tier__free(a, names[i]);
    tier__free(a, names);
}

static void fit_free(const tier_allocator *a, needs_fit *f)
{
    tier__free(a, f->mean);
    tier__free(a, f->scale);
    tier__free(a, f->used);
    tier__free(a, f->centre);
    free_names(a, f->names, f->k);
    memset(f, 0, sizeof *f);
}

/* Allocates the arrays of a fit for k segments of p features (names zeroed). */
static int fit_alloc(const tier_allocator *a, needs_fit *f, size_t k, size_t p)
{
    memset(f, 0, sizeof *f);
    f->p = p;
    f->mean = tier__calloc(a, p, sizeof *f->mean);
    f->scale = tier__calloc(a, p, sizeof *f->scale);
    f->used = tier__calloc(a, p, 1);
    f->centre = tier__calloc(a, k ? k * p : 1, sizeof *f->centre);
    f->names = tier__calloc(a, k ? k : 1, sizeof *f->names);
    if (!f->mean || !f->scale || !f->used || !f->centre || !f->names) {
        fit_free(a, f);
        return TIER_ENOMEM;
    }
    f->k = k;
    return TIER_OK;
}

/* A feature or segment name: UTF-8, no control characters, no blank at either end. */
static int valid_name(const char *s)
{
    size_t n = 0, i;
    if (!s)
        return 0;
    while (n <= TIER_NEEDS_MAX_NAME && s[n])
        n++;
    if (n == 0 || n > TIER_NEEDS_MAX_NAME || s[0] == ' ' || s[n - 1] == ' ')
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return tier__utf8_valid(s, n);
}

static int name_in(char *const *names, size_t n, const char *name, size_t skip)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (i != skip && names[i] && strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* Raw value of feature f of a centre. */
static double raw_centre(const needs_fit *fit, size_t seg, size_t f)
{
    if (!fit->used[f])
        return fit->mean[f];
    return fit->mean[f] + fit->centre[seg * fit->p + f] * fit->scale[f];
}

/* ---- the generator: splitmix64 seeds xoshiro256** ---------------------------------------- */

typedef struct needs_rng {
    uint64_t s[4];
} needs_rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* One independent stream per (seed, purpose, a, b): a restart of a given k is the same whichever
 * other k were tried. */
static void rng_init(needs_rng *r, double seed, uint64_t purpose, uint64_t a, uint64_t b)
{
    uint64_t x = (uint64_t)seed;
    int i;
    x ^= purpose * 0xD1B54A32D192ED03u;
    x = splitmix64(&x) ^ (a * 0xABC98388FB8FAC03u);
    x = splitmix64(&x) ^ (b * 0x8CB92BA72F3D8DD7u);
    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(needs_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static double rng_unit(needs_rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n), n > 0, without modulo bias. */
static uint64_t rng_below(needs_rng *r, uint64_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = rng_next(r);
    while (x >= lim);
    return x % n;
}

/* Marks m of n rows (m <= n), each subset equally likely, in row order (selection sampling). */
static void choose_rows(needs_rng *r, size_t n, size_t m, size_t *out)
{
    size_t i, got = 0;
    for (i = 0; i < n && got < m; i++)
        if (rng_below(r, (uint64_t)(n - i)) < (uint64_t)(m - got))
            out[got++] = i;
}

/* ---- distances --------------------------------------------------------------------------- */

/* Squared distance, summed in feature order: every distance in this file is this sum. */
static double sqdist(const double *a, const double *b, size_t p)
{
    double s = 0;
    size_t f;
    for (f = 0; f < p; f++) {
        double d = a[f] - b[f];
        s += d * d;
    }
    return s;
}

/* Squared distances from x to all k centres given transposed (ct[f*k + c]); per centre the same
 * additions in the same order as sqdist, so the results are identical to it. */
static void dist_all(const double *restrict x, const double *restrict ct, size_t p, size_t k,
                     double *restrict acc)
{
    size_t f, c;
    for (c = 0; c < k; c++)
        acc[c] = 0;
    for (f = 0; f < p; f++) {
        const double xf = x[f], *restrict row = ct + f * k;
        for (c = 0; c < k; c++) {
            double d = xf - row[c];
            acc[c] += d * d;
        }
    }
}

/* Nearest (lowest index on ties) and the second-smallest value. */
static size_t nearest(const double *d2, size_t k, double *best, double *second)
{
    size_t c, b = 0;
    double s = INFINITY;
    for (c = 1; c < k; c++) {
        if (d2[c] < d2[b]) {
            s = d2[b];
            b = c;
        } else if (d2[c] < s) {
            s = d2[c];
        }
    }
    *best = d2[b];
    *second = s;
    return b;
}

/* ---- k-means ----------------------------------------------------------------------------- */

typedef struct km_ws {
    size_t n, p, kmax;
    int32_t *lab;
    double *ub, *lb; /* Hamerly bounds: distance to own centre (upper), to any other (lower) */
    double *c, *cold, *ct, *sum, *acc, *delta, *half;
    size_t *cnt;
    double *best_c;
    int32_t *best_lab; /* labels of the best restart on the rows it ran on */
} km_ws;

static void ws_free(const tier_allocator *a, km_ws *w)
{
    tier__free(a, w->lab);
    tier__free(a, w->ub);
    tier__free(a, w->lb);
    tier__free(a, w->c);
    tier__free(a, w->cold);
    tier__free(a, w->ct);
    tier__free(a, w->sum);
    tier__free(a, w->acc);
    tier__free(a, w->delta);
    tier__free(a, w->half);
    tier__free(a, w->cnt);
    tier__free(a, w->best_c);
    tier__free(a, w->best_lab);
    memset(w, 0, sizeof *w);
}

static int ws_alloc(const tier_allocator *a, km_ws *w, size_t n, size_t best_n, size_t p,
                    size_t kmax)
{
    size_t kp = kmax * (p ? p : 1);
    memset(w, 0, sizeof *w);
    w->n = n;
    w->p = p;
    w->kmax = kmax;
    w->lab = tier__calloc(a, n ? n : 1, sizeof *w->lab);
    w->ub = tier__calloc(a, n ? n : 1, sizeof *w->ub);
    w->lb = tier__calloc(a, n ? n : 1, sizeof *w->lb);
    w->c = tier__calloc(a, kp, sizeof *w->c);
    w->cold = tier__calloc(a, kp, sizeof *w->cold);
    w->ct = tier__calloc(a, kp, sizeof *w->ct);
    w->sum = tier__calloc(a, kp, sizeof *w->sum);
    w->best_c = tier__calloc(a, kp, sizeof *w->best_c);
    w->acc = tier__calloc(a, kmax, sizeof *w->acc);
    w->delta = tier__calloc(a, kmax, sizeof *w->delta);
    w->half = tier__calloc(a, kmax, sizeof *w->half);
    w->cnt = tier__calloc(a, kmax, sizeof *w->cnt);
    w->best_lab = tier__calloc(a, best_n ? best_n : 1, sizeof *w->best_lab);
    if (!w->lab || !w->ub || !w->lb || !w->c || !w->cold || !w->ct || !w->sum || !w->best_c ||
        !w->acc || !w->delta || !w->half || !w->cnt || !w->best_lab) {
        ws_free(a, w);
        return TIER_ENOMEM;
    }
    return TIER_OK;
}

static void transpose(const double *c, size_t k, size_t p, double *ct)
{
    size_t j, f;
    for (j = 0; j < k; j++)
        for (f = 0; f < p; f++)
            ct[f * k + j] = c[j * p + f];
}

/* k-means++: the first centre uniformly, each next one with probability proportional to the
 * squared distance to the nearest centre so far (cumulative sums in row order). `mind` holds n
 * doubles of scratch. When every row sits on a centre the next centre repeats row 0. */
static void seed_centres(const double *x, size_t n, size_t p, size_t k, needs_rng *r, double *c,
                         double *mind)
{
    size_t i, j, pick = (size_t)rng_below(r, (uint64_t)n);
    memcpy(c, x + pick * p, p * sizeof *c);
    for (i = 0; i < n; i++)
        mind[i] = sqdist(x + i * p, c, p);
    for (j = 1; j < k; j++) {
        double total = 0, target, cum = 0;
        size_t last = 0;
        for (i = 0; i < n; i++)
            total += mind[i];
        pick = 0;
        if (total > 0) {
            target = rng_unit(r) * total;
            pick = n;
            for (i = 0; i < n; i++) {
                if (mind[i] > 0) {
                    cum += mind[i];
                    last = i;
                    if (cum > target) {
                        pick = i;
                        break;
                    }
                }
            }
            if (pick == n) /* the draw rounded to the very end */
                pick = last;
        }
        memcpy(c + j * p, x + pick * p, p * sizeof *c);
        for (i = 0; i < n; i++) {
            double d = sqdist(x + i * p, c + j * p, p);
            if (d < mind[i])
                mind[i] = d;
        }
    }
}

/* Exact assignment of every row to its nearest centre, with fresh bounds. */
static void assign_all(km_ws *w, const double *x, size_t n, size_t k)
{
    size_t i, p = w->p;
    transpose(w->c, k, p, w->ct);
    for (i = 0; i < n; i++) {
        double b, s;
        dist_all(x + i * p, w->ct, p, k, w->acc);
        w->lab[i] = (int32_t)nearest(w->acc, k, &b, &s);
        w->ub[i] = sqrt(b);
        w->lb[i] = sqrt(s);
    }
}

/* Cluster sums and counts of the current labels, in row order. */
static void exact_sums(km_ws *w, const double *x, size_t n, size_t k)
{
    size_t i, f, p = w->p;
    memset(w->sum, 0, k * p * sizeof *w->sum);
    memset(w->cnt, 0, k * sizeof *w->cnt);
    for (i = 0; i < n; i++) {
        double *s = w->sum + (size_t)w->lab[i] * p;
        const double *xi = x + i * p;
        w->cnt[w->lab[i]]++;
        for (f = 0; f < p; f++)
            s[f] += xi[f];
    }
}

/* Centres = sums / counts; an empty cluster keeps its centre. */
static void centres_from_sums(km_ws *w, size_t k)
{
    size_t j, f, p = w->p;
    for (j = 0; j < k; j++)
        if (w->cnt[j] > 0)
            for (f = 0; f < p; f++)
                w->c[j * p + f] = w->sum[j * p + f] / (double)w->cnt[j];
}

/* An empty cluster takes the row farthest from its centre among clusters with two rows or more
 * (ties: lowest row); if every such row sits on its centre the cluster stays empty. */
static void fill_empty(km_ws *w, const double *x, size_t n, size_t k)
{
    size_t i, j, p = w->p;
    int moved = 0;
    for (j = 0; j < k; j++) {
        size_t far = n;
        double fd = 0;
        if (w->cnt[j] > 0)
            continue;
        for (i = 0; i < n; i++) {
            size_t own = (size_t)w->lab[i];
            double d;
            if (w->cnt[own] < 2)
                continue;
            d = sqdist(x + i * p, w->c + own * p, p);
            if (d > fd) {
                fd = d;
                far = i;
            }
        }
        if (far == n)
            continue;
        w->cnt[w->lab[far]]--;
        w->cnt[j] = 1;
        w->lab[far] = (int32_t)j;
        w->lb[far] = 0; /* its bounds no longer hold: force a full search */
        w->ub[far] = INFINITY;
        moved = 1;
    }
    if (moved)
        exact_sums(w, x, n, k);
}

/* Lloyd iterations from the centres in w->c until no row changes cluster or max_iter rounds.
 * Hamerly's bounds skip rows whose centre cannot have changed (same assignments as a full
 * search); sums follow moved rows. The final centres are the exact means of the final clusters
 * (row order). Returns the inertia. */
static double lloyd(km_ws *w, const double *x, size_t n, size_t k, int max_iter, int *out_iter,
                    int *out_conv)
{
    size_t i, j, f, p = w->p;
    int it = 0, conv = 0, moved = 0;
    double inertia = 0;
    assign_all(w, x, n, k);
    exact_sums(w, x, n, k);
    while (it < max_iter) {
        double maxd = 0, maxd2 = 0;
        size_t argmax = 0, changed = 0;
        memcpy(w->cold, w->c, k * p * sizeof *w->c);
        for (j = 0; j < k && w->cnt[j] > 0; j++)
            ;
        if (j < k)
            fill_empty(w, x, n, k);
        centres_from_sums(w, k);
        it++;
        for (j = 0; j < k; j++) {
            double d = sqrt(sqdist(w->c + j * p, w->cold + j * p, p));
            w->delta[j] = d;
            if (d > maxd) {
                maxd2 = maxd;
                maxd = d;
                argmax = j;
            } else if (d > maxd2) {
                maxd2 = d;
            }
        }
        for (j = 0; j < k; j++) {
            double m = INFINITY;
            size_t o;
            for (o = 0; o < k; o++) {
                if (o != j) {
                    double d = sqdist(w->c + j * p, w->c + o * p, p);
                    if (d < m)
                        m = d;
                }
            }
            w->half[j] = 0.5 * sqrt(m);
        }
        transpose(w->c, k, p, w->ct);
        for (i = 0; i < n; i++) {
            size_t a = (size_t)w->lab[i];
            double m, b, s;
            const double *xi = x + i * p;
            w->ub[i] += w->delta[a];
            w->lb[i] -= a == argmax ? maxd2 : maxd;
            m = w->half[a] > w->lb[i] ? w->half[a] : w->lb[i];
            if (w->ub[i] * BOUND_SLACK < m)
                continue;
            w->ub[i] = sqrt(sqdist(xi, w->c + a * p, p));
            if (w->ub[i] * BOUND_SLACK < m)
                continue;
            dist_all(xi, w->ct, p, k, w->acc);
            j = nearest(w->acc, k, &b, &s);
            w->ub[i] = sqrt(b);
            w->lb[i] = sqrt(s);
            if (j != a) {
                double *sa = w->sum + a * p, *sj = w->sum + j * p;
                for (f = 0; f < p; f++) {
                    sa[f] -= xi[f];
                    sj[f] += xi[f];
                }
                w->cnt[a]--;
                w->cnt[j]++;
                w->lab[i] = (int32_t)j;
                changed++;
            }
        }
        moved |= changed > 0;
        if (changed == 0) {
            conv = 1;
            break;
        }
    }
    /* the sums are exact unless rows moved (or empty clusters were filled) since they were made */
    if (moved || it == 0)
        exact_sums(w, x, n, k);
    centres_from_sums(w, k);
    for (i = 0; i < n; i++)
        inertia += sqdist(x + i * p, w->c + (size_t)w->lab[i] * p, p);
    *out_iter = it;
    *out_conv = conv;
    return inertia;
}

/* n_init seeded restarts on x; the lowest inertia wins (ties: the earlier restart). The winner's
 * centres end in w->best_c and its labels in w->best_lab. */
static double best_of_restarts(km_ws *w, const double *x, size_t n, size_t k, const needs_state *st,
                               int *out_iter, int *out_conv)
{
    double best = INFINITY;
    int r;
    for (r = 0; r < st->o.n_init; r++) {
        needs_rng rng;
        int it, conv;
        double inertia;
        rng_init(&rng, st->o.seed, STREAM_RESTART, (uint64_t)k, (uint64_t)r);
        seed_centres(x, n, w->p, k, &rng, w->c, w->ub);
        inertia = lloyd(w, x, n, k, st->o.max_iter, &it, &conv);
        if (r == 0 || inertia < best) {
            best = inertia;
            memcpy(w->best_c, w->c, k * w->p * sizeof *w->c);
            memcpy(w->best_lab, w->lab, n * sizeof *w->lab);
            *out_iter = it;
            *out_conv = conv;
        }
    }
    return best;
}

/* ---- silhouette -------------------------------------------------------------------------- */

/* Mean silhouette of each candidate t (labels lab[t*ns + i], k_t = klo + t) over the sample rows
 * z (ns x p): for a row, a = mean distance to the other rows of its cluster, b = the smallest mean
 * distance to the rows of another cluster, s = (b - a) / max(a, b); s = 0 for a row alone in its
 * cluster or when no other cluster has rows. Pairwise distances are computed once per group of
 * candidates whose accumulators fit SIL_BUDGET. */
static int silhouettes(const tier_allocator *a, const double *z, size_t ns, size_t p,
                       const int32_t *lab, size_t klo, size_t nk, double *out)
{
    size_t t0 = 0;
    while (t0 < nk) {
        size_t t1 = t0, tot = 0, t, i, j;
        double *acc;
        size_t *cnt, *base;
        while (t1 < nk && (t1 == t0 || tot + (klo + t1) * ns <= SIL_BUDGET))
            tot += (klo + t1++) * ns;
        acc = tier__calloc(a, tot, sizeof *acc);
        cnt = tier__calloc(a, tot / ns, sizeof *cnt);
        base = tier__calloc(a, t1 - t0, sizeof *base);
        if (!acc || !cnt || !base) {
            tier__free(a, acc);
            tier__free(a, cnt);
            tier__free(a, base);
            return TIER_ENOMEM;
        }
        for (t = t0, j = 0; t < t1; t++) {
            base[t - t0] = j; /* offset of candidate t's clusters, in units of one cluster */
            j += klo + t;
        }
        for (t = t0; t < t1; t++)
            for (i = 0; i < ns; i++)
                cnt[base[t - t0] + (size_t)lab[t * ns + i]]++;
        for (i = 0; i < ns; i++) {
            for (j = i + 1; j < ns; j++) {
                double d = sqrt(sqdist(z + i * p, z + j * p, p));
                for (t = t0; t < t1; t++) {
                    size_t kt = klo + t, b = base[t - t0] * ns;
                    acc[b + i * kt + (size_t)lab[t * ns + j]] += d;
                    acc[b + j * kt + (size_t)lab[t * ns + i]] += d;
                }
            }
        }
        for (t = t0; t < t1; t++) {
            size_t kt = klo + t, b = base[t - t0] * ns, c;
            const size_t *n_of = cnt + base[t - t0];
            double total = 0;
            for (i = 0; i < ns; i++) {
                size_t own = (size_t)lab[t * ns + i];
                const double *row = acc + b + i * kt;
                double am, bm = INFINITY, s = 0;
                if (n_of[own] > 1) {
                    am = row[own] / (double)(n_of[own] - 1);
                    for (c = 0; c < kt; c++)
                        if (c != own && n_of[c] > 0 && row[c] / (double)n_of[c] < bm)
                            bm = row[c] / (double)n_of[c];
                    if (bm < INFINITY) {
                        double mx = am > bm ? am : bm;
                        s = mx > 0 ? (bm - am) / mx : 0;
                    }
                }
                total += s;
            }
            out[t] = total / (double)ns;
        }
        tier__free(a, acc);
        tier__free(a, cnt);
        tier__free(a, base);
        t0 = t1;
    }
    return TIER_OK;
}

/* ---- label matching ---------------------------------------------------------------------- */

/* Minimum-cost assignment of n rows to m >= n columns (Hungarian method with potentials);
 * row_of[j] = the row given column j, or -1. cost is n x m. */
static int hungarian(const tier_allocator *al, const double *cost, size_t n, size_t m, long *row_of)
{
    double *u = tier__calloc(al, n + 1, sizeof *u), *v = tier__calloc(al, m + 1, sizeof *v);
    double *minv = tier__calloc(al, m + 1, sizeof *minv);
    size_t *p = tier__calloc(al, m + 1, sizeof *p), *way = tier__calloc(al, m + 1, sizeof *way);
    unsigned char *seen = tier__calloc(al, m + 1, 1);
    size_t i, j;
    int rc = TIER_OK;
    if (!u || !v || !minv || !p || !way || !seen) {
        rc = TIER_ENOMEM;
        goto done;
    }
    for (i = 1; i <= n; i++) {
        size_t j0 = 0;
        p[0] = i;
        for (j = 0; j <= m; j++) {
            minv[j] = DBL_MAX;
            seen[j] = 0;
        }
        do {
            size_t i0 = p[j0], j1 = 0;
            double delta = DBL_MAX;
            seen[j0] = 1;
            for (j = 1; j <= m; j++) {
                if (!seen[j]) {
                    double cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for (j = 0; j <= m; j++) {
                if (seen[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            size_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (j = 1; j <= m; j++)
        row_of[j - 1] = p[j] ? (long)p[j] - 1 : -1;
done:
    tier__free(al, u);
    tier__free(al, v);
    tier__free(al, minv);
    tier__free(al, p);
    tier__free(al, way);
    tier__free(al, seen);
    return rc;
}

/* "need_<i>" with the smallest i >= 1 not among the k names given. */
static char *fresh_name(const tier_allocator *a, char *const *names, size_t k)
{
    char buf[32];
    unsigned long i;
    for (i = 1;; i++) {
        snprintf(buf, sizeof buf, "need_%lu", i);
        if (!name_in(names, k, buf, (size_t)-1))
            return tier__strdup(a, buf);
    }
}

/* Orders and names the k new clusters (centres c, k x p over all features, counts cnt): without
 * previous centres by size (largest first), then centre coordinates, then index; with them, the
 * clusters matched to previous ones take their names and places, the rest follow and get fresh
 * names. Fills nf->centre and nf->names. */
static int order_and_name(needs_state *st, needs_fit *nf, const double *c, const size_t *cnt,
                          size_t k)
{
    const tier_allocator *a = &st->alloc;
    size_t p = nf->p, pk = 0, i, j, f, placed = 0;
    size_t *order = tier__calloc(a, k, sizeof *order), *pos = tier__calloc(a, k, sizeof *pos);
    double *prev = NULL, *cost = NULL;
    long *row_of = NULL;
    char **prev_names = NULL;
    int rc = TIER_OK;
    if (!order || !pos) {
        rc = TIER_ENOMEM;
        goto done;
    }
    /* Canonical order (insertion sort: k is small). */
    for (i = 0; i < k; i++) {
        size_t v = i;
        for (j = i; j > 0; j--) {
            size_t u = order[j - 1];
            int before = 0;
            if (cnt[v] != cnt[u]) {
                before = cnt[v] > cnt[u];
            } else {
                for (f = 0; f < p; f++)
                    if (c[v * p + f] != c[u * p + f])
                        break;
                before = f < p && c[v * p + f] < c[u * p + f];
            }
            if (!before)
                break;
            order[j] = u;
        }
        order[j] = v;
    }
    /* Previous centres in the new standardised units. */
    if (st->prev_k) {
        pk = st->prev_k;
        prev_names = st->prev_names;
    } else if (st->fit.source == SRC_KMEANS && st->fit.p == p) {
        pk = st->fit.k;
        prev_names = st->fit.names;
    }
    for (i = 0; i < k; i++)
        pos[i] = (size_t)-1;
    if (pk) {
        size_t rows = pk < k ? pk : k, cols = pk < k ? k : pk;
        prev = tier__calloc(a, pk * p, sizeof *prev);
        cost = tier__calloc(a, rows * cols, sizeof *cost);
        row_of = tier__calloc(a, cols, sizeof *row_of);
        if (!prev || !cost || !row_of) {
            rc = TIER_ENOMEM;
            goto done;
        }
        for (i = 0; i < pk; i++) {
            for (f = 0; f < p; f++) {
                double raw = st->prev_k ? st->prev_raw[i * p + f] : raw_centre(&st->fit, i, f);
                prev[i * p + f] = nf->used[f] ? (raw - nf->mean[f]) / nf->scale[f] : 0;
            }
        }
        for (i = 0; i < pk; i++) {
            for (j = 0; j < k; j++) {
                double d = 0;
                for (f = 0; f < p; f++) {
                    if (nf->used[f]) {
                        double e = prev[i * p + f] - c[order[j] * p + f];
                        d += e * e;
                    }
                }
                if (!(d < 1e300))
                    d = 1e300;
                /* rows are the smaller side; clusters are taken in canonical order */
                if (pk <= k)
                    cost[i * cols + j] = d;
                else
                    cost[j * cols + i] = d;
            }
        }
        if ((rc = hungarian(a, cost, rows, cols, row_of)) != TIER_OK)
            goto done;
        /* pos[j] = previous index matched to canonical cluster j */
        for (j = 0; j < cols; j++) {
            if (row_of[j] < 0)
                continue;
            if (pk <= k)
                pos[j] = (size_t)row_of[j];
            else
                pos[(size_t)row_of[j]] = j;
        }
    }
    /* Matched clusters in previous order, then the others in canonical order. */
    for (i = 0; i < pk; i++) {
        for (j = 0; j < k; j++) {
            if (pos[j] == i) {
                memcpy(nf->centre + placed * p, c + order[j] * p, p * sizeof *c);
                if (!(nf->names[placed] = tier__strdup(a, prev_names[i]))) {
                    rc = TIER_ENOMEM;
                    goto done;
                }
                placed++;
            }
        }
    }
    for (j = 0; j < k; j++) {
        if (pos[j] != (size_t)-1)
            continue;
        memcpy(nf->centre + placed * p, c + order[j] * p, p * sizeof *c);
        if (!(nf->names[placed] = fresh_name(a, nf->names, k))) {
            rc = TIER_ENOMEM;
            goto done;
        }
        placed++;
    }
done:
    tier__free(a, order);
    tier__free(a, pos);
    tier__free(a, prev);
    tier__free(a, cost);
    tier__free(a, row_of);
    return rc;
}

/* ---- reading needs vectors --------------------------------------------------------------- */

typedef struct needs_src {
    const double *col; /* frame column, or the copy of a book attribute in `owned` */
    double *owned;
} needs_src;           /* col NULL: missing for every customer */

static void free_sources(const tier_allocator *a, needs_src *src, size_t p)
{
    size_t f;
    for (f = 0; src && f < p; f++)
        tier__free(a, src[f].owned);
    tier__free(a, src);
}

static int resolve_sources(const needs_state *st, const tier_book *book, const tier_frame *frame,
                           needs_src *src, char *err)
{
    size_t f, col;
    for (f = 0; f < st->nfeat; f++) {
        const char *name = st->feat[f];
        src[f].col = NULL;
        src[f].owned = NULL;
        if (strncmp(name, ATTR_PREFIX, ATTR_PREFIX_LEN) == 0) {
            int type = tier__book_attr_type(book, name + ATTR_PREFIX_LEN);
            if (type == 2) {
                tier__errorf(err, "feature \"%s\": the attribute holds text, not numbers", name);
                return TIER_EINVAL;
            }
            if (type == 1) {
                /* One copy of the column: reading attributes one by one looks the name up. */
                size_t n = tier_book_customer_count(book);
                src[f].owned = tier__malloc(&st->alloc, (n ? n : 1) * sizeof(double));
                if (!src[f].owned) {
                    tier__errorf(err, "out of memory reading feature \"%s\"", name);
                    return TIER_ENOMEM;
                }
                tier__book_copy_numbers(book, name + ATTR_PREFIX_LEN, src[f].owned);
                src[f].col = src[f].owned;
            }
            continue;
        }
        if (!frame || tier_frame_find(frame, name, &col) != TIER_OK) {
            tier__errorf(err,
                         "feature \"%s\" is not a column of the frame (score the model that "
                         "makes it first, or write attr.NAME for an attribute)",
                         name);
            return TIER_ENOTFOUND;
        }
        if (!(src[f].col = tier_frame_numbers(frame, col))) {
            tier__errorf(err, "feature \"%s\" is not a number column", name);
            return TIER_EINVAL;
        }
    }
    return TIER_OK;
}

/* Feature value of customer i; NaN when unset, NaN or infinite. */
static double src_value(const needs_src *s, const tier_book *book, size_t i)
{
    double v = s->col ? s->col[i] : NAN;
    (void)book;
    return isfinite(v) ? v : NAN;
}

/* Squared distances of one raw needs vector to every segment, over the used features present,
 * scaled by used / present. Returns the number of used features present (0: no distance). With
 * no used feature at all, a customer with any value is at distance 0 from every segment. */
static size_t row_distances(const needs_fit *fit, const double *raw, double *d2)
{
    size_t f, c, present = 0, any = 0;
    for (c = 0; c < fit->k; c++)
        d2[c] = 0;
    for (f = 0; f < fit->p; f++) {
        double z;
        if (isnan(raw[f]))
            continue;
        any++;
        if (!fit->used[f])
            continue;
        present++;
        z = (raw[f] - fit->mean[f]) / fit->scale[f];
        for (c = 0; c < fit->k; c++) {
            double d = z - fit->centre[c * fit->p + f];
            d2[c] += d * d;
        }
    }
    if (fit->pu == 0)
        return any ? 1 : 0;
    if (present && present < fit->pu)
        for (c = 0; c < fit->k; c++)
            d2[c] = d2[c] * (double)fit->pu / (double)present;
    return present;
}

/* ---- fitting ----------------------------------------------------------------------------- */

/* Mean and population standard deviation of each feature over the nc complete rows of x (two
 * row-wise passes; each feature is summed in row order). A constant feature (all values equal)
 * has sd 0 exactly. */
static int fit_standardisation(const needs_state *st, needs_fit *nf, const double *x, size_t nc,
                               char *err)
{
    size_t f, i, p = nf->p;
    int profiles = st->nprof > 0, rc = TIER_OK;
    double *sum, *ss, *lo, *hi;
    nf->pu = 0;
    for (f = 0; f < p; f++) {
        nf->mean[f] = 0;
        nf->scale[f] = 1;
        nf->used[f] = 1;
    }
    if (!st->o.standardize) {
        nf->pu = p;
        return TIER_OK;
    }
    if (!(sum = tier__malloc(&st->alloc, 4 * p * sizeof *sum)))
        return TIER_ENOMEM;
    ss = sum + p;
    lo = ss + p;
    hi = lo + p;
    for (f = 0; f < p; f++) {
        sum[f] = ss[f] = 0;
        lo[f] = INFINITY;
        hi[f] = -INFINITY;
    }
    for (i = 0; i < nc; i++) {
        const double *row = x + i * p;
        for (f = 0; f < p; f++) {
            double v = row[f];
            sum[f] += v;
            if (v < lo[f])
                lo[f] = v;
            if (v > hi[f])
                hi[f] = v;
        }
    }
    for (f = 0; f < p; f++) {
        nf->mean[f] = nc ? sum[f] / (double)nc : 0;
        if (nc && lo[f] == hi[f])
            nf->mean[f] = lo[f];
        if (!isfinite(nf->mean[f])) {
            tier__errorf(err, "feature \"%s\": values too large to standardise", st->feat[f]);
            rc = TIER_ERANGE;
            goto done;
        }
    }
    for (i = 0; i < nc; i++) {
        const double *row = x + i * p;
        for (f = 0; f < p; f++) {
            double d = row[f] - nf->mean[f];
            ss[f] += d * d;
        }
    }
    for (f = 0; f < p; f++) {
        double sd;
        if (nc == 0 || lo[f] == hi[f]) {
            /* No spread: a clustering cannot use the feature; a profile states it in raw units. */
            nf->used[f] = (unsigned char)profiles;
            nf->pu += nf->used[f];
            continue;
        }
        sd = sqrt(ss[f] / (double)nc);
        if (!isfinite(sd) || !(sd > 0)) {
            tier__errorf(err, "feature \"%s\": values too large or too close to standardise",
                         st->feat[f]);
            rc = TIER_ERANGE;
            goto done;
        }
        nf->scale[f] = sd;
        nf->pu++;
    }
done:
    tier__free(&st->alloc, sum);
    return rc;
}

/* Compacts x (nc x p raw) in place into standardised used features (nc x pu). */
static int standardise_rows(const needs_state *st, const needs_fit *nf, double *x, size_t nc,
                            char *err)
{
    size_t i, f, p = nf->p, pu = nf->pu;
    for (i = 0; i < nc; i++) {
        size_t u = 0;
        for (f = 0; f < p; f++) {
            double z;
            if (!nf->used[f])
                continue;
            z = (x[i * p + f] - nf->mean[f]) / nf->scale[f];
            if (!(fabs(z) <= MAX_Z)) {
                tier__errorf(err, "feature \"%s\": value %.17g is too far out (|z| > 1e100)",
                             st->feat[f], x[i * p + f]);
                return TIER_ERANGE;
            }
            x[i * pu + u++] = z;
        }
    }
    return TIER_OK;
}

/* Spreads compact centres (k x pu) over all p features (dropped ones 0). */
static void expand_centres(const needs_fit *nf, const double *cu, size_t k, double *c)
{
    size_t j, f, u;
    for (j = 0; j < k; j++)
        for (f = 0, u = 0; f < nf->p; f++)
            c[j * nf->p + f] = nf->used[f] ? cu[j * nf->pu + u++] : 0;
}

static int fit_profiles(needs_state *st, needs_fit *nf, const double *z, size_t nc, char *err)
{
    size_t j, f, i, p = nf->p;
    double *d2 = tier__calloc(&st->alloc, st->nprof, sizeof *d2);
    if (!d2)
        return TIER_ENOMEM;
    for (j = 0; j < st->nprof; j++) {
        for (f = 0; f < p; f++) {
            double v = (st->prof_values[j * p + f] - nf->mean[f]) / nf->scale[f];
            if (!(fabs(v) <= MAX_Z)) {
                tier__errorf(err, "profile \"%s\": feature \"%s\" is too far out",
                             st->prof_names[j], st->feat[f]);
                tier__free(&st->alloc, d2);
                return TIER_ERANGE;
            }
            nf->centre[j * p + f] = v;
        }
        if (!(nf->names[j] = tier__strdup(&st->alloc, st->prof_names[j]))) {
            tier__free(&st->alloc, d2);
            return TIER_ENOMEM;
        }
    }
    nf->source = SRC_PROFILES;
    nf->inertia = 0;
    /* Every feature is used with profiles, so z rows are full rows. */
    for (i = 0; i < nc; i++) {
        double b, s;
        for (j = 0; j < st->nprof; j++)
            d2[j] = sqdist(z + i * p, nf->centre + j * p, p);
        nearest(d2, st->nprof, &b, &s);
        nf->inertia += b;
    }
    nf->iterations = 0;
    nf->converged = 1;
    nf->silhouette = NAN;
    tier__free(&st->alloc, d2);
    return TIER_OK;
}

static int fit_kmeans(needs_state *st, needs_fit *nf, double *z, size_t nc, char *err)
{
    const tier_allocator *a = &st->alloc;
    size_t p = nf->p, pu = nf->pu, klo, khi, nk, t, kstar, ns_init, ns_sil = 0, i;
    size_t *rows = NULL, *sil_rows = NULL, *cnt = NULL;
    double *zs = NULL, *zsil = NULL, *sil = NULL, *c = NULL, inertia = 0;
    int32_t *sil_lab = NULL;
    km_ws w;
    int rc = TIER_OK, it = 0, conv = 1, automatic = st->o.k == 0;

    memset(&w, 0, sizeof w);
    if (!automatic) {
        klo = khi = (size_t)st->o.k;
        if (klo > nc) {
            tier__errorf(err, "k = %zu but only %zu customers have a complete needs vector", klo,
                         nc);
            return TIER_ERANGE;
        }
    } else {
        klo = (size_t)st->o.k_min;
        khi = nc ? ((size_t)st->o.k_max < nc - 1 ? (size_t)st->o.k_max : nc - 1) : 0;
        if (khi < klo) {
            tier__errorf(err,
                         "choosing k by the silhouette needs at least k_min + 1 = %zu customers "
                         "with a complete needs vector; %zu have one",
                         klo + 1, nc);
            return TIER_ERANGE;
        }
    }
    nk = khi - klo + 1;
    c = tier__calloc(a, khi * p, sizeof *c);
    cnt = tier__calloc(a, khi, sizeof *cnt);
    if (!c || !cnt) {
        rc = TIER_ENOMEM;
        goto done;
    }
    if (pu == 0) {
        /* No feature varies: every customer is in the first segment of k equal centres. */
        kstar = klo;
        cnt[0] = nc;
        nf->iterations = 0;
        nf->converged = 1;
        nf->inertia = 0;
        nf->silhouette = automatic ? 0 : NAN;
        goto name;
    }
    /* Restarts run on a deterministic sample of a large book, then the winner is refined. */
    ns_init = nc;
    if (st->o.init_sample > 0 && nc > (size_t)st->o.init_sample && nc > khi) {
        needs_rng rng;
        ns_init = (size_t)st->o.init_sample > khi ? (size_t)st->o.init_sample : khi;
        rows = tier__calloc(a, ns_init, sizeof *rows);
        zs = tier__calloc(a, ns_init * pu, sizeof *zs);
        if (!rows || !zs) {
            rc = TIER_ENOMEM;
            goto done;
        }
        rng_init(&rng, st->o.seed, STREAM_INIT_SAMPLE, 0, 0);
        choose_rows(&rng, nc, ns_init, rows);
        for (i = 0; i < ns_init; i++)
            memcpy(zs + i * pu, z + rows[i] * pu, pu * sizeof *zs);
    }
    if ((rc = ws_alloc(a, &w, nc, ns_init, pu, khi)) != TIER_OK)
        goto done;
    kstar = klo;
    if (automatic) {
        needs_rng rng;
        const double *base = zs ? zs : z;
        ns_sil = (size_t)st->o.sample < ns_init ? (size_t)st->o.sample : ns_init;
        sil_rows = tier__calloc(a, ns_sil, sizeof *sil_rows);
        zsil = tier__calloc(a, ns_sil * pu, sizeof *zsil);
        sil_lab = tier__calloc(a, ns_sil * nk, sizeof *sil_lab);
        sil = tier__calloc(a, nk, sizeof *sil);
        if (!sil_rows || !zsil || !sil_lab || !sil) {
            rc = TIER_ENOMEM;
            goto done;
        }
        rng_init(&rng, st->o.seed, STREAM_SIL_SAMPLE, 0, 0);
        choose_rows(&rng, ns_init, ns_sil, sil_rows);
        for (i = 0; i < ns_sil; i++)
            memcpy(zsil + i * pu, base + sil_rows[i] * pu, pu * sizeof *zsil);
        for (t = 0; t < nk; t++) {
            inertia = best_of_restarts(&w, base, ns_init, klo + t, st, &it, &conv);
            for (i = 0; i < ns_sil; i++)
                sil_lab[t * ns_sil + i] = w.best_lab[sil_rows[i]];
        }
        if ((rc = silhouettes(a, zsil, ns_sil, pu, sil_lab, klo, nk, sil)) != TIER_OK)
            goto done;
        for (t = 1; t < nk; t++)
            if (sil[t] > sil[kstar - klo])
                kstar = klo + t;
        nf->silhouette = sil[kstar - klo];
    } else {
        nf->silhouette = NAN;
    }
    /* The chosen k again unless it was the last tried (the same streams give the same result),
     * then refined on all rows. */
    if (!automatic || kstar != khi)
        inertia = best_of_restarts(&w, zs ? zs : z, ns_init, kstar, st, &it, &conv);
    if (zs) {
        memcpy(w.c, w.best_c, kstar * pu * sizeof *w.c);
        inertia = lloyd(&w, z, nc, kstar, st->o.max_iter, &it, &conv);
        memcpy(w.best_c, w.c, kstar * pu * sizeof *w.c);
        for (i = 0; i < nc; i++)
            cnt[w.lab[i]]++;
    } else {
        for (i = 0; i < nc; i++)
            cnt[w.best_lab[i]]++;
    }
    nf->iterations = it;
    nf->converged = conv;
    nf->inertia = inertia;
    expand_centres(nf, w.best_c, kstar, c);
name : {
    /* The fit's arrays were sized for khi segments; only kstar are named. */
    size_t kept = nf->k;
    nf->k = kstar;
    rc = order_and_name(st, nf, c, cnt, kstar);
    if (rc) {
        nf->k = kept;
        goto done;
    }
    for (i = kstar; i < kept; i++)
        nf->names[i] = NULL;
}
    nf->source = SRC_KMEANS;
done:
    ws_free(a, &w);
    tier__free(a, rows);
    tier__free(a, zs);
    tier__free(a, sil_rows);
    tier__free(a, zsil);
    tier__free(a, sil_lab);
    tier__free(a, sil);
    tier__free(a, c);
    tier__free(a, cnt);
    return rc;
}

static int needs_fit_cb(void *state, const tier_book *book, const tier_frame *inputs)
{
    needs_state *st = state;
    const tier_allocator *a = &st->alloc;
    size_t n = tier_book_customer_count(book), p = st->nfeat, nc = 0, i, f, kcap;
    needs_src *src = NULL;
    double *x = NULL;
    needs_fit nf;
    char err[TIER__ERR_SIZE];
    int rc;

    err[0] = '\0';
    memset(&nf, 0, sizeof nf);
    if (p == 0) {
        tier__errorf(st->err, "the needs model has no features (add them with "
                              "tier_needs_add_feature())");
        return TIER_EINVAL;
    }
    if (n > SIZE_MAX / sizeof(double) / p) {
        tier__errorf(st->err, "too many customers for the needs model");
        return TIER_ERANGE;
    }
    kcap = st->nprof ? st->nprof : st->o.k ? (size_t)st->o.k : (size_t)st->o.k_max;
    src = tier__calloc(a, p, sizeof *src);
    x = tier__malloc(a, (n ? n : 1) * p * sizeof *x);
    if (!src || !x || fit_alloc(a, &nf, kcap, p) != TIER_OK) {
        rc = TIER_ENOMEM;
        goto done;
    }
    if ((rc = resolve_sources(st, book, inputs, src, err)) != TIER_OK)
        goto done;
    /* Complete rows, compacted to the front in book order. */
    for (i = 0; i < n; i++) {
        double *row = x + nc * p;
        for (f = 0; f < p; f++)
            if (isnan(row[f] = src_value(&src[f], book, i)))
                break;
        nc += f == p;
    }
    nf.fitted = (double)nc;
    nf.excluded = (double)(n - nc);
    if ((rc = fit_standardisation(st, &nf, x, nc, err)) != TIER_OK)
        goto done;
    if ((rc = standardise_rows(st, &nf, x, nc, err)) != TIER_OK)
        goto done;
    if (st->nprof)
        rc = fit_profiles(st, &nf, x, nc, err);
    else
        rc = fit_kmeans(st, &nf, x, nc, err);
done:
    free_sources(a, src, p);
    tier__free(a, x);
    if (rc) {
        fit_free(a, &nf);
        if (rc == TIER_ENOMEM && !err[0])
            tier__errorf(err, "out of memory fitting the needs model on %zu customers", n);
        memcpy(st->err, err, sizeof err);
        return rc;
    }
    fit_free(a, &st->fit);
    st->fit = nf;
    free_names(a, st->prev_names, st->prev_k);
    tier__free(a, st->prev_raw);
    st->prev_names = NULL;
    st->prev_raw = NULL;
    st->prev_k = 0;
    st->err[0] = '\0';
    return TIER_OK;
}

/* ---- vtable: outputs, score, explain ----------------------------------------------------- */

static int needs_score(void *state, const tier_book *book, tier_frame *frame)
{
    const needs_state *st = state;
    const needs_fit *fit = &st->fit;
    const tier_allocator *a = &st->alloc;
    size_t n = tier_book_customer_count(book), i, f, u, p = fit->p, k = fit->k, pu = fit->pu;
    char *err = tier__frame_error(frame);
    needs_src *src = tier__calloc(a, p ? p : 1, sizeof *src);
    double *raw = tier__calloc(a, p ? p : 1, sizeof *raw);
    double *z = tier__calloc(a, pu ? pu : 1, sizeof *z);
    double *d2 = tier__calloc(a, k ? k : 1, sizeof *d2);
    double *ct = tier__calloc(a, k && pu ? k * pu : 1, sizeof *ct);
    size_t *ui = tier__calloc(a, pu ? pu : 1, sizeof *ui);
    double *dist = NULL, *margin = NULL;
    int32_t *seg = NULL, *second = NULL;
    const char *const *labels = (const char *const *)fit->names;
    int rc;

    if (!src || !raw || !z || !d2 || !ct || !ui) {
        tier__errorf(err, "out of memory scoring the needs model");
        rc = TIER_ENOMEM;
        goto done;
    }
    if (fit->source == SRC_NONE || k == 0 || p != st->nfeat) {
        tier__errorf(err, "the needs model is not fitted");
        rc = TIER_ESTATE;
        goto done;
    }
    if ((rc = resolve_sources(st, book, frame, src, err)) != TIER_OK)
        goto done;
    if ((rc = tier_frame_add_labels(frame, needs_outputs[OUT_SEGMENT].name, labels, k, &seg)) ||
        (rc = tier_frame_add_numbers(frame, needs_outputs[OUT_DISTANCE].name, &dist)) ||
        (rc = tier_frame_add_labels(frame, needs_outputs[OUT_SECOND].name, labels, k, &second)) ||
        (rc = tier_frame_add_numbers(frame, needs_outputs[OUT_MARGIN].name, &margin)))
        goto done;
    /* Used features and the centres over them, transposed for dist_all. */
    for (f = 0, u = 0; f < p; f++) {
        if (!fit->used[f])
            continue;
        for (i = 0; i < k; i++)
            ct[u * k + i] = fit->centre[i * p + f];
        ui[u++] = f;
    }
    for (i = 0; i < n; i++) {
        double b, s;
        size_t c, miss = 0;
        for (u = 0; u < pu; u++) {
            double v = src_value(&src[ui[u]], book, i);
            if (isnan(v))
                miss++;
            else
                z[u] = (v - fit->mean[ui[u]]) / fit->scale[ui[u]];
        }
        if (pu > 0 && miss == 0) {
            /* the common case: the same sums as row_distances, none scaled */
            dist_all(z, ct, pu, k, d2);
        } else {
            for (f = 0; f < p; f++)
                raw[f] = src_value(&src[f], book, i);
            if (row_distances(fit, raw, d2) == 0)
                continue; /* no usable value: no segment */
        }
        c = nearest(d2, k, &b, &s);
        seg[i] = (int32_t)c;
        dist[i] = sqrt(b);
        if (k > 1) {
            size_t c2 = c == 0 ? 1 : 0, j;
            for (j = 0; j < k; j++)
                if (j != c && d2[j] < d2[c2])
                    c2 = j;
            second[i] = (int32_t)c2;
            margin[i] = sqrt(s) - sqrt(b);
        }
    }
done:
    free_sources(a, src, p);
    tier__free(a, raw);
    tier__free(a, z);
    tier__free(a, d2);
    tier__free(a, ct);
    tier__free(a, ui);
    return rc;
}

/* Appends printf-style text; keeps the first failure in *rc. */
static void put(tier_text *out, int *rc, const char *fmt, ...) TIER__PRINTF(3, 4);

static void put(tier_text *out, int *rc, const char *fmt, ...)
{
    char buf[640];
    va_list ap;
    int n;
    if (*rc)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) {
        *rc = TIER_ERROR;
        return;
    }
    if ((size_t)n >= sizeof buf)
        n = (int)sizeof buf - 1;
    *rc = tier_text_append(out, buf, (size_t)n);
}

static int needs_explain(void *state, const tier_book *book, const tier_frame *frame,
                         size_t customer, tier_text *out)
{
    const needs_state *st = state;
    const needs_fit *fit = &st->fit;
    const tier_allocator *a = &st->alloc;
    size_t p = fit->p, k = fit->k, f, j, present, nmiss = 0, shown;
    needs_src *src = tier__calloc(a, p ? p : 1, sizeof *src);
    double *raw = tier__calloc(a, p ? p : 1, sizeof *raw);
    double *d2 = tier__calloc(a, k ? k : 1, sizeof *d2);
    double *gain = tier__calloc(a, p ? p : 1, sizeof *gain);
    size_t *order = tier__calloc(a, (k > p ? k : p) + 1, sizeof *order);
    char ignored[TIER__ERR_SIZE];
    int rc = TIER_OK;

    if (!src || !raw || !d2 || !gain || !order) {
        rc = TIER_ENOMEM;
        goto done;
    }
    if (fit->source == SRC_NONE || k == 0 || p != st->nfeat) {
        rc = TIER_ESTATE;
        goto done;
    }
    if ((rc = resolve_sources(st, book, frame, src, ignored)) != TIER_OK)
        goto done;
    for (f = 0; f < p; f++) {
        raw[f] = src_value(&src[f], book, customer);
        nmiss += isnan(raw[f]) != 0;
    }
    present = row_distances(fit, raw, d2);
    if (present == 0) {
        put(out, &rc, "no usable needs value (%zu of %zu features missing): no segment", nmiss, p);
        goto done;
    }
    /* Segments by distance (stable: lowest index first on ties). */
    for (j = 0; j < k; j++) {
        size_t v = j, i;
        for (i = j; i > 0 && d2[order[i - 1]] > d2[v]; i--)
            order[i] = order[i - 1];
        order[i] = v;
    }
    put(out, &rc, "segment %s at distance %.4g", fit->names[order[0]], sqrt(d2[order[0]]));
    for (j = 1; j < k && j < 4; j++)
        put(out, &rc, "%s%s %.4g", j == 1 ? " (next: " : ", ", fit->names[order[j]],
            sqrt(d2[order[j]]));
    if (k > 1)
        put(out, &rc, ")");
    if (nmiss) {
        put(out, &rc, "; missing:");
        for (f = 0, shown = 0; f < p; f++)
            if (isnan(raw[f]))
                put(out, &rc, "%s %s", shown++ ? "," : "", st->feat[f]);
        if (fit->pu)
            put(out, &rc, " (distance over %zu of %zu features, scaled up)", present, fit->pu);
    }
    if (k > 1 && fit->pu) {
        /* How much each feature favours the nearest segment over the runner-up. */
        size_t c1 = order[0], c2 = order[1], m = 0, i;
        for (f = 0; f < p; f++) {
            double z, e1, e2;
            if (!fit->used[f] || isnan(raw[f]))
                continue;
            z = (raw[f] - fit->mean[f]) / fit->scale[f];
            e1 = z - fit->centre[c1 * p + f];
            e2 = z - fit->centre[c2 * p + f];
            gain[f] = e2 * e2 - e1 * e1;
            if (!(gain[f] > 0))
                continue;
            order[m++] = f;
        }
        /* top three by gain, ties by feature order */
        for (j = 0; j < m; j++) {
            size_t v = order[j];
            for (i = j; i > 0 && gain[order[i - 1]] < gain[v]; i--)
                order[i] = order[i - 1];
            order[i] = v;
        }
        if (m) {
            put(out, &rc, "; pulls toward %s rather than %s:", fit->names[c1], fit->names[c2]);
            for (j = 0; j < m && j < 3; j++) {
                f = order[j];
                put(out, &rc, "%s %s (value %.6g; centre %.6g vs %.6g)", j ? "," : "", st->feat[f],
                    raw[f], raw_centre(fit, c1, f), raw_centre(fit, c2, f));
            }
        }
    }
done:
    free_sources(a, src, p);
    tier__free(a, raw);
    tier__free(a, d2);
    tier__free(a, gain);
    tier__free(a, order);
    return rc;
}

static void needs_destroy(void *state)
{
    needs_state *st = state;
    tier_allocator a;
    if (!st)
        return;
    a = st->alloc;
    free_names(&a, st->feat, st->nfeat);
    free_names(&a, st->prof_names, st->nprof);
    tier__free(&a, st->prof_values);
    free_names(&a, st->prev_names, st->prev_k);
    tier__free(&a, st->prev_raw);
    fit_free(&a, &st->fit);
    tier__free(&a, st);
}

static const char *needs_last_error_cb(void *state)
{
    return ((needs_state *)state)->err;
}

/* A fit made straight from the profiles in raw units (standardisation off). */
static int adopt_profiles(const tier_allocator *a, needs_fit *nf, char *const *names,
                          const double *values, size_t nprof, size_t p)
{
    size_t j, f;
    if (fit_alloc(a, nf, nprof, p) != TIER_OK)
        return TIER_ENOMEM;
    for (f = 0; f < p; f++) {
        nf->mean[f] = 0;
        nf->scale[f] = 1;
        nf->used[f] = 1;
    }
    nf->pu = p;
    memcpy(nf->centre, values, nprof * p * sizeof *values);
    for (j = 0; j < nprof; j++) {
        if (!(nf->names[j] = tier__strdup(a, names[j]))) {
            fit_free(a, nf);
            return TIER_ENOMEM;
        }
    }
    nf->source = SRC_PROFILES;
    nf->iterations = 0;
    nf->converged = 1;
    nf->inertia = nf->silhouette = nf->fitted = nf->excluded = NAN;
    return TIER_OK;
}

/* Forgets the fit and marks the model unfitted. */
static void forget_fit(tier_model *model, needs_state *st)
{
    fit_free(&st->alloc, &st->fit);
    tier__model_set_fitted(model, 0);
}

/* ---- public API -------------------------------------------------------------------------- */

int tier_needs_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    tier_allocator a;
    needs_state *st;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    tier__alloc_init(&a, alloc);
    st = tier__calloc(&a, 1, sizeof *st);
    if (!st)
        return TIER_ENOMEM;
    st->alloc = a;
    st->o = needs_defaults;
    return tier_model_new(out, &needs_vtable, st, name ? name : "needs", alloc);
}

int tier_needs_add_feature(tier_model *model, const char *column)
{
    needs_state *st = needs_of(model);
    char **grown, *copy;
    if (!st)
        return TIER_EINVAL;
    if (!valid_name(column) ||
        (strncmp(column, ATTR_PREFIX, ATTR_PREFIX_LEN) == 0 && !column[ATTR_PREFIX_LEN])) {
        tier__errorf(st->err,
                     "a feature name must be 1..%d bytes of UTF-8 without control "
                     "characters or blanks at either end",
                     TIER_NEEDS_MAX_NAME);
        return TIER_EINVAL;
    }
    if (name_in(st->feat, st->nfeat, column, (size_t)-1)) {
        tier__errorf(st->err, "feature \"%s\" is already there", column);
        return TIER_EINVAL;
    }
    if (st->nprof) {
        tier__errorf(st->err, "add every feature before the first profile");
        return TIER_ESTATE;
    }
    if (st->nfeat >= TIER_NEEDS_MAX_FEATURES) {
        tier__errorf(st->err, "more than %d features", TIER_NEEDS_MAX_FEATURES);
        return TIER_ERANGE;
    }
    if (!(copy = tier__strdup(&st->alloc, column)))
        goto nomem;
    if (!(grown = tier__realloc(&st->alloc, st->feat, (st->nfeat + 1) * sizeof *grown))) {
        tier__free(&st->alloc, copy);
        goto nomem;
    }
    grown[st->nfeat++] = copy;
    st->feat = grown;
    /* The old fit and previous centres have one feature fewer. */
    forget_fit(model, st);
    free_names(&st->alloc, st->prev_names, st->prev_k);
    tier__free(&st->alloc, st->prev_raw);
    st->prev_names = NULL;
    st->prev_raw = NULL;
    st->prev_k = 0;
    st->err[0] = '\0';
    return TIER_OK;
nomem:
    tier__errorf(st->err, "out of memory adding a feature");
    return TIER_ENOMEM;
}

size_t tier_needs_feature_count(const tier_model *model)
{
    const needs_state *st = needs_of(model);
    return st ? st->nfeat : 0;
}

const char *tier_needs_feature_name(const tier_model *model, size_t i)
{
    const needs_state *st = needs_of(model);
    return st && i < st->nfeat ? st->feat[i] : NULL;
}

/* Copies k finite rows of n values and k names (NULL: need_1..need_k) after checking them. */
static int copy_named_rows(needs_state *st, const char *const *names, const double *values,
                           size_t k, size_t n, char ***out_names, double **out_values,
                           const char *what)
{
    char **nm;
    double *v;
    size_t i, j;
    for (i = 0; i < k * n; i++) {
        if (!isfinite(values[i])) {
            tier__errorf(st->err, "%s value %zu is not a finite number", what, i);
            return TIER_EINVAL;
        }
    }
    for (i = 0; names && i < k; i++) {
        if (!valid_name(names[i])) {
            tier__errorf(st->err, "%s name %zu is empty, too long or has control characters", what,
                         i);
            return TIER_EINVAL;
        }
        for (j = 0; j < i; j++) {
            if (strcmp(names[i], names[j]) == 0) {
                tier__errorf(st->err, "%s name \"%s\" is given twice", what, names[i]);
                return TIER_EINVAL;
            }
        }
    }
    nm = tier__calloc(&st->alloc, k, sizeof *nm);
    v = tier__malloc(&st->alloc, k * n * sizeof *v);
    if (!nm || !v)
        goto nomem;
    for (i = 0; i < k; i++) {
        char buf[32];
        if (!names)
            snprintf(buf, sizeof buf, "need_%lu", (unsigned long)i + 1);
        if (!(nm[i] = tier__strdup(&st->alloc, names ? names[i] : buf)))
            goto nomem;
    }
    memcpy(v, values, k * n * sizeof *v);
    *out_names = nm;
    *out_values = v;
    return TIER_OK;
nomem:
    free_names(&st->alloc, nm, k);
    tier__free(&st->alloc, v);
    tier__errorf(st->err, "out of memory copying %s values", what);
    return TIER_ENOMEM;
}

int tier_needs_add_profile(tier_model *model, const char *name, const double *values, size_t n)
{
    needs_state *st = needs_of(model);
    char **names = NULL, **one = NULL;
    double *vals = NULL, *row = NULL;
    needs_fit nf;
    size_t p, k;
    int rc;
    if (!st || !name || (!values && n))
        return TIER_EINVAL;
    p = st->nfeat;
    if (p == 0) {
        tier__errorf(st->err, "add the features before the profiles");
        return TIER_EINVAL;
    }
    if (n != p) {
        tier__errorf(st->err, "profile \"%s\" has %zu values for %zu features", name, n, p);
        return TIER_ERANGE;
    }
    if (st->nprof >= TIER_NEEDS_MAX_SEGMENTS) {
        tier__errorf(st->err, "more than %d profiles", TIER_NEEDS_MAX_SEGMENTS);
        return TIER_ERANGE;
    }
    if (valid_name(name) && name_in(st->prof_names, st->nprof, name, (size_t)-1)) {
        tier__errorf(st->err, "profile \"%s\" is already there", name);
        return TIER_EINVAL;
    }
    if ((rc = copy_named_rows(st, &name, values, 1, n, &one, &row, "profile")) != TIER_OK)
        return rc;
    k = st->nprof + 1;
    names = tier__calloc(&st->alloc, k, sizeof *names);
    vals = tier__malloc(&st->alloc, k * p * sizeof *vals);
    if (!names || !vals)
        goto nomem;
    if (st->nprof) {
        memcpy(names, st->prof_names, st->nprof * sizeof *names);
        memcpy(vals, st->prof_values, st->nprof * p * sizeof *vals);
    }
    names[st->nprof] = one[0];
    memcpy(vals + st->nprof * p, row, p * sizeof *vals);
    memset(&nf, 0, sizeof nf);
    if (!st->o.standardize && adopt_profiles(&st->alloc, &nf, names, vals, k, p) != TIER_OK)
        goto nomem;
    tier__free(&st->alloc, one);
    tier__free(&st->alloc, row);
    tier__free(&st->alloc, st->prof_names);
    tier__free(&st->alloc, st->prof_values);
    st->prof_names = names;
    st->prof_values = vals;
    st->nprof = k;
    forget_fit(model, st);
    if (nf.source) {
        st->fit = nf;
        tier__model_set_fitted(model, 1);
    }
    st->err[0] = '\0';
    return TIER_OK;
nomem:
    free_names(&st->alloc, one, 1);
    tier__free(&st->alloc, row);
    tier__free(&st->alloc, names);
    tier__free(&st->alloc, vals);
    tier__errorf(st->err, "out of memory adding a profile");
    return TIER_ENOMEM;
}

void tier_needs_clear_profiles(tier_model *model)
{
    needs_state *st = needs_of(model);
    if (!st || !st->nprof)
        return;
    free_names(&st->alloc, st->prof_names, st->nprof);
    tier__free(&st->alloc, st->prof_values);
    st->prof_names = NULL;
    st->prof_values = NULL;
    st->nprof = 0;
    forget_fit(model, st);
}

size_t tier_needs_segment_count(const tier_model *model)
{
    const needs_state *st = needs_of(model);
    return st && st->fit.source ? st->fit.k : 0;
}

const char *tier_needs_segment_name(const tier_model *model, size_t seg)
{
    const needs_state *st = needs_of(model);
    return st && st->fit.source && seg < st->fit.k ? st->fit.names[seg] : NULL;
}

int tier_needs_set_segment_name(tier_model *model, size_t seg, const char *name)
{
    needs_state *st = needs_of(model);
    char *copy, *pcopy = NULL;
    if (!st)
        return TIER_EINVAL;
    if (!st->fit.source) {
        tier__errorf(st->err, "the needs model is not fitted: no segment to rename");
        return TIER_ESTATE;
    }
    if (seg >= st->fit.k) {
        tier__errorf(st->err, "segment %zu out of range (%zu segments)", seg, st->fit.k);
        return TIER_ERANGE;
    }
    if (!valid_name(name) || name_in(st->fit.names, st->fit.k, name, seg)) {
        tier__errorf(st->err, "segment name is empty, too long, has control characters or is "
                              "taken");
        return TIER_EINVAL;
    }
    copy = tier__strdup(&st->alloc, name);
    if (copy && st->fit.source == SRC_PROFILES && seg < st->nprof &&
        !(pcopy = tier__strdup(&st->alloc, name))) {
        tier__free(&st->alloc, copy);
        copy = NULL;
    }
    if (!copy) {
        tier__errorf(st->err, "out of memory renaming a segment");
        return TIER_ENOMEM;
    }
    tier__free(&st->alloc, st->fit.names[seg]);
    st->fit.names[seg] = copy;
    if (pcopy) {
        tier__free(&st->alloc, st->prof_names[seg]);
        st->prof_names[seg] = pcopy;
    }
    st->err[0] = '\0';
    return TIER_OK;
}

int tier_needs_centroid(const tier_model *model, size_t seg, double *out, size_t n)
{
    const needs_state *st = needs_of(model);
    size_t f;
    if (!st || (!out && n))
        return TIER_EINVAL;
    if (!st->fit.source)
        return TIER_ESTATE;
    if (seg >= st->fit.k || n != st->fit.p)
        return TIER_ERANGE;
    for (f = 0; f < n; f++)
        out[f] = st->fit.source == SRC_PROFILES && seg < st->nprof ? st->prof_values[seg * n + f]
                                                                   : raw_centre(&st->fit, seg, f);
    return TIER_OK;
}

int tier_needs_set_previous_centroids(tier_model *model, const char *const *names,
                                      const double *values, size_t k, size_t n)
{
    needs_state *st = needs_of(model);
    char **nm = NULL;
    double *v = NULL;
    int rc;
    if (!st || !values)
        return TIER_EINVAL;
    if (k == 0 || k > TIER_NEEDS_MAX_SEGMENTS || n == 0 || n != st->nfeat) {
        tier__errorf(st->err, "previous centres: need 1..%d centres of %zu values",
                     TIER_NEEDS_MAX_SEGMENTS, st->nfeat);
        return TIER_ERANGE;
    }
    if ((rc = copy_named_rows(st, names, values, k, n, &nm, &v, "previous centre")) != TIER_OK)
        return rc;
    free_names(&st->alloc, st->prev_names, st->prev_k);
    tier__free(&st->alloc, st->prev_raw);
    st->prev_names = nm;
    st->prev_raw = v;
    st->prev_k = k;
    st->err[0] = '\0';
    return TIER_OK;
}

int tier_needs_fit_stat(const tier_model *model, int stat, double *out)
{
    const needs_state *st = needs_of(model);
    const needs_fit *fit;
    if (!st || !out || stat < TIER_NEEDS_STAT_K || stat > TIER_NEEDS_STAT_USED_FEATURES)
        return TIER_EINVAL;
    fit = &st->fit;
    if (!fit->source)
        return TIER_ESTATE;
    switch (stat) {
    case TIER_NEEDS_STAT_K:
        *out = (double)fit->k;
        break;
    case TIER_NEEDS_STAT_ITERATIONS:
        *out = fit->iterations;
        break;
    case TIER_NEEDS_STAT_CONVERGED:
        *out = fit->converged;
        break;
    case TIER_NEEDS_STAT_INERTIA:
        *out = fit->inertia;
        break;
    case TIER_NEEDS_STAT_SILHOUETTE:
        *out = fit->silhouette;
        break;
    case TIER_NEEDS_STAT_FITTED:
        *out = fit->fitted;
        break;
    case TIER_NEEDS_STAT_EXCLUDED:
        *out = fit->excluded;
        break;
    default:
        *out = (double)fit->pu;
        break;
    }
    return TIER_OK;
}

/* ---- options and saved state (docs/needs.md, docs/model-state-format.md) ------------------- */

/* Bounds of a number option. */
static int number_bounds(const char *name, double *lo, double *hi)
{
    static const struct {
        const char *name;
        double lo, hi;
    } b[] = {{"k", 0, TIER_NEEDS_MAX_SEGMENTS},
             {"k_min", 2, TIER_NEEDS_MAX_SEGMENTS},
             {"k_max", 2, TIER_NEEDS_MAX_SEGMENTS},
             {"seed", 0, MAX_SEED},
             {"n_init", 1, 100},
             {"max_iter", 1, 100000},
             {"standardize", 0, 1},
             {"sample", 2, MAX_SAMPLE},
             {"init_sample", 0, MAX_INIT_SAMPLE}};
    size_t i;
    for (i = 0; i < sizeof b / sizeof b[0]; i++)
        if (strcmp(b[i].name, name) == 0) {
            *lo = b[i].lo;
            *hi = b[i].hi;
            return 1;
        }
    return 0;
}

/* Checks a number option alone and stores it into *o. */
static int opts_set(needs_opts *o, const char *name, const tier_value *v, char *err)
{
    double lo = 0, hi = 0, x = tier_value_number(v);
    int32_t n;
    int rc;
    number_bounds(name, &lo, &hi);
    if (strcmp(name, "seed") == 0) {
        if (!(x >= lo && x <= hi) || x != floor(x)) {
            tier__errorf(err, "must be an integer from 0 to 2^53, not %g", x);
            return TIER_ERANGE;
        }
        o->seed = x;
        return TIER_OK;
    }
    if ((rc = tier__opt_int(v, lo, hi, 0, &n, err)) != TIER_OK)
        return rc;
    if (strcmp(name, "init_sample") == 0 && n > 0 && n < 100) {
        tier__errorf(err, "must be 0 or at least 100, not %d", (int)n);
        return TIER_ERANGE;
    }
    if (strcmp(name, "k") == 0)
        o->k = n;
    else if (strcmp(name, "k_min") == 0)
        o->k_min = n;
    else if (strcmp(name, "k_max") == 0)
        o->k_max = n;
    else if (strcmp(name, "n_init") == 0)
        o->n_init = n;
    else if (strcmp(name, "max_iter") == 0)
        o->max_iter = n;
    else if (strcmp(name, "standardize") == 0)
        o->standardize = n;
    else if (strcmp(name, "sample") == 0)
        o->sample = n;
    else
        o->init_sample = n;
    return TIER_OK;
}

static double opts_get(const needs_opts *o, const char *name)
{
    if (strcmp(name, "k") == 0)
        return o->k;
    if (strcmp(name, "k_min") == 0)
        return o->k_min;
    if (strcmp(name, "k_max") == 0)
        return o->k_max;
    if (strcmp(name, "seed") == 0)
        return o->seed;
    if (strcmp(name, "n_init") == 0)
        return o->n_init;
    if (strcmp(name, "max_iter") == 0)
        return o->max_iter;
    if (strcmp(name, "standardize") == 0)
        return o->standardize;
    if (strcmp(name, "sample") == 0)
        return o->sample;
    return o->init_sample;
}

static int opts_check(const needs_opts *o, char *err)
{
    if (o->k_min > o->k_max) {
        tier__errorf(err, "k_min (%d) must not exceed k_max (%d)", o->k_min, o->k_max);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* Checks a feature list and copies it into *out (n names). */
static int copy_features(needs_state *st, const tier_value *v, char ***out, char *err)
{
    size_t n = tier_value_list_count(v), i;
    char **names;
    *out = NULL;
    if (n > TIER_NEEDS_MAX_FEATURES) {
        tier__errorf(err, "more than %d features", TIER_NEEDS_MAX_FEATURES);
        return TIER_ERANGE;
    }
    for (i = 0; i < n; i++) {
        const char *c = tier_value_list_item(v, i);
        if (!valid_name(c) || (strncmp(c, ATTR_PREFIX, ATTR_PREFIX_LEN) == 0 && !c[ATTR_PREFIX_LEN])) {
            tier__errorf(err, "feature %lu: a feature name must be 1..%d bytes of UTF-8 without "
                              "control characters or blanks at either end",
                         (unsigned long)i + 1, TIER_NEEDS_MAX_NAME);
            return TIER_EINVAL;
        }
        if (i && name_in(v->items, i, c, (size_t)-1)) {
            tier__errorf(err, "feature \"%s\" is given twice", c);
            return TIER_EINVAL;
        }
    }
    if (!n)
        return TIER_OK;
    names = tier__calloc(&st->alloc, n, sizeof *names);
    for (i = 0; names && i < n; i++)
        if (!(names[i] = tier__strdup(&st->alloc, tier_value_list_item(v, i)))) {
            free_names(&st->alloc, names, n);
            names = NULL;
        }
    if (!names) {
        tier__errorf(err, "out of memory copying the features");
        return TIER_ENOMEM;
    }
    *out = names;
    return TIER_OK;
}

/* 1 when the list equals the model's features. */
static int same_features(const needs_state *st, const tier_value *v)
{
    size_t i;
    if (tier_value_list_count(v) != st->nfeat)
        return 0;
    for (i = 0; i < st->nfeat; i++)
        if (strcmp(st->feat[i], tier_value_list_item(v, i)) != 0)
            return 0;
    return 1;
}

static void forget_previous(needs_state *st)
{
    free_names(&st->alloc, st->prev_names, st->prev_k);
    tier__free(&st->alloc, st->prev_raw);
    st->prev_names = NULL;
    st->prev_raw = NULL;
    st->prev_k = 0;
}

static int needs_set_option(void *state, const char *name, const tier_value *value)
{
    needs_state *st = state;
    needs_opts o = st->o;
    needs_fit nf;
    int rc;
    if (strcmp(name, "features") == 0) {
        char **names;
        if (same_features(st, value)) {
            st->err[0] = '\0';
            return TIER_OK;
        }
        if (st->nprof) {
            tier__errorf(st->err, "clear the profiles before changing the features");
            return TIER_ESTATE;
        }
        if ((rc = copy_features(st, value, &names, st->err)) != TIER_OK)
            return rc;
        free_names(&st->alloc, st->feat, st->nfeat);
        st->feat = names;
        st->nfeat = tier_value_list_count(value);
        /* The old fit and previous centres have other features. */
        fit_free(&st->alloc, &st->fit);
        forget_previous(st);
        st->err[0] = '\0';
        return TIER_OK;
    }
    if ((rc = opts_set(&o, name, value, st->err)) != TIER_OK)
        return rc;
    if ((rc = opts_check(&o, st->err)) != TIER_OK)
        return rc;
    if (o.standardize != st->o.standardize) {
        /* Profiles in raw units need no fit; standardised ones need the book's means. */
        memset(&nf, 0, sizeof nf);
        if (st->nprof && !o.standardize &&
            adopt_profiles(&st->alloc, &nf, st->prof_names, st->prof_values, st->nprof,
                           st->nfeat) != TIER_OK) {
            tier__errorf(st->err, "out of memory setting an option");
            return TIER_ENOMEM;
        }
        fit_free(&st->alloc, &st->fit);
        st->fit = nf;
    }
    st->o = o;
    st->err[0] = '\0';
    return TIER_OK;
}

static int needs_get_option(void *state, const char *name, tier_value *out)
{
    const needs_state *st = state;
    if (strcmp(name, "features") == 0)
        return tier_value_set_list(out, (const char *const *)st->feat, st->nfeat);
    return tier_value_set_number(out, opts_get(&st->o, name));
}

static int needs_is_fitted(void *state)
{
    return ((const needs_state *)state)->fit.source != SRC_NONE;
}

static int needs_save(void *state, tier_state_writer *w)
{
    needs_state *st = state;
    const needs_fit *fit = &st->fit;
    size_t f, j;
    int rc;
    if (!fit->source || fit->p != st->nfeat)
        return TIER_ESTATE;
    rc = tier__opt_save(w, needs_options, N_OPTIONS, st, needs_get_option, &st->alloc);
    if (rc)
        return rc;
    tier_state_write_key(w, "source");
    tier_state_write_text(w, fit->source == SRC_PROFILES ? "profiles" : "kmeans");
    tier_state_write_key(w, "mean");
    tier_state_write_numbers(w, fit->mean, fit->p);
    tier_state_write_key(w, "scale");
    tier_state_write_numbers(w, fit->scale, fit->p);
    tier_state_write_key(w, "used");
    for (f = 0; f < fit->p; f++)
        tier_state_write_number(w, fit->used[f]);
    for (j = 0; j < fit->k; j++) {
        /* profiles are kept in the units they were given; clusters in standardised units */
        tier_state_write_key(w, "segment");
        tier_state_write_text(w, fit->names[j]);
        rc = tier_state_write_numbers(w, fit->source == SRC_PROFILES ? st->prof_values + j * fit->p
                                                                     : fit->centre + j * fit->p,
                                      fit->p);
    }
    return rc;
}

/* What a saved state sets, applied only once all of it has been read. */
typedef struct needs_loaded {
    needs_opts o;
    int source;
    size_t p, k;
    char **feat, **names;
    double *mean, *scale, *values, *used;
    unsigned seen; /* bits: source, mean, scale, used */
} needs_loaded;

static void loaded_free(const tier_allocator *a, needs_loaded *L)
{
    free_names(a, L->feat, L->p);
    free_names(a, L->names, L->k);
    tier__free(a, L->mean);
    tier__free(a, L->scale);
    tier__free(a, L->used);
    tier__free(a, L->values);
}

/* Reads a record of p numbers into a new array *out (bit `bit` of L->seen). */
static int load_vector(needs_state *st, tier_state_reader *r, needs_loaded *L, double **out,
                       unsigned bit)
{
    char msg[96];
    if (L->seen & bit)
        return tier_state_read_fail(r, "record given twice");
    if (tier_state_read_count(r) != L->p) {
        snprintf(msg, sizeof msg, "%lu values for %lu features",
                 (unsigned long)tier_state_read_count(r), (unsigned long)L->p);
        return tier_state_read_fail(r, msg);
    }
    if (!(*out = tier__calloc(&st->alloc, L->p ? L->p : 1, sizeof **out)))
        return TIER_ENOMEM;
    L->seen |= bit;
    return tier_state_read_numbers(r, *out, L->p);
}

static int load_segment(needs_state *st, tier_state_reader *r, needs_loaded *L)
{
    const char *name;
    double *row;
    size_t f;
    char msg[96];
    void *p;
    if (tier_state_read_count(r) != L->p + 1 || tier_state_read_text(r, 0, &name) != TIER_OK) {
        snprintf(msg, sizeof msg, "a segment is a name and %lu numbers", (unsigned long)L->p);
        return tier_state_read_fail(r, msg);
    }
    if (L->k == TIER_NEEDS_MAX_SEGMENTS)
        return tier_state_read_fail(r, "more than 256 segments");
    if (!valid_name(name) || name_in(L->names, L->k, name, (size_t)-1))
        return tier_state_read_fail(r, "a segment name is empty, too long, has control "
                                       "characters or is given twice");
    p = L->names;
    if (!(p = tier__realloc(&st->alloc, p, (L->k + 1) * sizeof *L->names)))
        return TIER_ENOMEM;
    L->names = p;
    L->names[L->k] = NULL;
    p = L->values;
    if (!(p = tier__realloc(&st->alloc, p, (L->k + 1) * (L->p ? L->p : 1) * sizeof *L->values)))
        return TIER_ENOMEM;
    L->values = p;
    row = L->values + L->k * L->p;
    for (f = 0; f < L->p; f++)
        if (tier_state_read_number(r, f + 1, &row[f]) != TIER_OK)
            return TIER_ECORRUPT;
        else if (!(fabs(row[f]) <= MAX_Z))
            return tier_state_read_fail(r, "a segment value is not a finite number in range");
    if (!(L->names[L->k] = tier__strdup(&st->alloc, name)))
        return TIER_ENOMEM;
    L->k++;
    return TIER_OK;
}

/* Builds the fit a loaded state describes (nf). */
static int loaded_fit(const needs_state *st, needs_loaded *L, needs_fit *nf, char *err)
{
    const tier_allocator *a = &st->alloc;
    size_t f, j, p = L->p;
    if (fit_alloc(a, nf, L->k, p) != TIER_OK)
        return TIER_ENOMEM;
    memcpy(nf->mean, L->mean, p * sizeof *L->mean);
    memcpy(nf->scale, L->scale, p * sizeof *L->scale);
    for (f = 0; f < p; f++) {
        if (!isfinite(L->mean[f]) || !(L->scale[f] > 0) || !isfinite(L->scale[f]) ||
            (L->used[f] != 0 && L->used[f] != 1)) {
            tier__errorf(err, "feature \"%s\": the mean must be finite, the scale positive and "
                              "used 0 or 1",
                         L->feat[f]);
            return TIER_ECORRUPT;
        }
        nf->used[f] = (unsigned char)L->used[f];
        nf->pu += nf->used[f];
        if (L->source == SRC_PROFILES && !nf->used[f]) {
            tier__errorf(err, "a profile state must use every feature (\"%s\" is dropped)",
                         L->feat[f]);
            return TIER_ECORRUPT;
        }
    }
    for (j = 0; j < L->k; j++) {
        for (f = 0; f < p; f++) {
            double v = L->values[j * p + f];
            if (L->source == SRC_PROFILES)
                v = (v - nf->mean[f]) / nf->scale[f];
            if (!(fabs(v) <= MAX_Z)) {
                tier__errorf(err, "segment \"%s\": feature \"%s\" is too far out", L->names[j],
                             L->feat[f]);
                return TIER_ECORRUPT;
            }
            nf->centre[j * p + f] = v;
        }
        if (!(nf->names[j] = tier__strdup(a, L->names[j])))
            return TIER_ENOMEM;
    }
    nf->source = L->source;
    nf->iterations = nf->converged = nf->inertia = nf->silhouette = NAN;
    nf->fitted = nf->excluded = NAN;
    return TIER_OK;
}

static int needs_load(void *state, tier_state_reader *r)
{
    needs_state *st = state;
    needs_loaded L;
    needs_fit nf;
    const char *key;
    char why[TIER__ERR_SIZE];
    tier_value val;
    int rc;

    memset(&L, 0, sizeof L);
    memset(&nf, 0, sizeof nf);
    L.o = needs_defaults;
    tier__value_init(&val, &st->alloc);
    while ((rc = tier_state_read_next(r, &key)) == 1) {
        const tier_model_option *o = NULL;
        rc = tier__opt_read(r, key, needs_options, N_OPTIONS, &val, &o);
        if (rc < 0)
            break;
        if (rc == 1) {
            rc = TIER_OK;
            if (strcmp(o->name, "features") == 0) {
                if (L.p || L.feat || L.seen || L.k) {
                    rc = tier_state_read_fail(r, "the features come before the fit");
                } else if ((rc = copy_features(st, &val, &L.feat, why)) != TIER_OK) {
                    rc = rc == TIER_ENOMEM ? rc : tier__opt_refuse(r, o->name, why);
                } else {
                    L.p = tier_value_list_count(&val);
                }
            } else if (opts_set(&L.o, o->name, &val, why) != TIER_OK) {
                rc = tier__opt_refuse(r, o->name, why);
            }
            if (rc)
                break;
            continue;
        }
        if (strcmp(key, "source") == 0) {
            const char *t;
            if ((L.seen & 1u) || tier_state_read_count(r) != 1 ||
                tier_state_read_text(r, 0, &t) != TIER_OK ||
                (strcmp(t, "kmeans") != 0 && strcmp(t, "profiles") != 0)) {
                rc = tier_state_read_fail(r, "source is \"kmeans\" or \"profiles\", given once");
                break;
            }
            L.source = t[0] == 'k' ? SRC_KMEANS : SRC_PROFILES;
            L.seen |= 1u;
        } else if (strcmp(key, "mean") == 0) {
            rc = load_vector(st, r, &L, &L.mean, 2u);
        } else if (strcmp(key, "scale") == 0) {
            rc = load_vector(st, r, &L, &L.scale, 4u);
        } else if (strcmp(key, "used") == 0) {
            rc = load_vector(st, r, &L, &L.used, 8u);
        } else if (strcmp(key, "segment") == 0) {
            rc = load_segment(st, r, &L);
        } else {
            snprintf(why, sizeof why, "unknown record \"%s\"", key);
            rc = tier_state_read_fail(r, why);
        }
        if (rc < 0)
            break;
    }
    tier__value_clear(&val);
    if (rc == 0) {
        if (!L.p)
            rc = tier_state_read_fail(r, "no features");
        else if (L.seen != 15u)
            rc = tier_state_read_fail(r, "missing source, mean, scale or used record");
        else if (!L.k)
            rc = tier_state_read_fail(r, "no segment");
        else if (opts_check(&L.o, why) != TIER_OK)
            rc = tier_state_read_fail(r, why);
        else if ((rc = loaded_fit(st, &L, &nf, why)) == TIER_ECORRUPT)
            rc = tier_state_read_fail(r, why);
    }
    if (rc) {
        fit_free(&st->alloc, &nf);
        loaded_free(&st->alloc, &L);
        if (rc == TIER_ENOMEM)
            tier__errorf(st->err, "out of memory loading a needs state");
        return rc;
    }
    /* Commit: options, features, profiles, fit. */
    st->o = L.o;
    free_names(&st->alloc, st->feat, st->nfeat);
    st->feat = L.feat;
    st->nfeat = L.p;
    L.feat = NULL;
    free_names(&st->alloc, st->prof_names, st->nprof);
    tier__free(&st->alloc, st->prof_values);
    st->prof_names = NULL;
    st->prof_values = NULL;
    st->nprof = 0;
    if (L.source == SRC_PROFILES) {
        st->prof_names = L.names;
        st->prof_values = L.values;
        st->nprof = L.k;
        L.names = NULL;
        L.values = NULL;
    }
    forget_previous(st);
    fit_free(&st->alloc, &st->fit);
    st->fit = nf;
    loaded_free(&st->alloc, &L);
    st->err[0] = '\0';
    return TIER_OK;
}
