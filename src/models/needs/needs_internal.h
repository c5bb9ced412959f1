/* SPDX-License-Identifier: MIT */
/* What the needs model's files share: the state, the fit, the k-means workspace and the functions
 * one file calls in another (needs.c glue and public calls, kmeans.c, silhouette.c, match.c,
 * fit.c, state.c). Every decision is made with basic IEEE-754 operations and sqrt in a fixed
 * order (no libm transcendentals, no threads, the library's own generator), so fits are identical
 * on every run and platform. docs/needs.md states the rules. */
#ifndef TIER_MODELS_NEEDS_INTERNAL_H
#define TIER_MODELS_NEEDS_INTERNAL_H

#if defined(__clang__)
/* A fused multiply-add would round differently on machines that have one. */
#pragma STDC FP_CONTRACT OFF
#endif

#include "core/model_internal.h"
#include "models/model_common.h"
#include "models/order.h"
#include "util/rng.h"

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
enum { STREAM_RESTART = 1, STREAM_INIT_SAMPLE = 2, STREAM_SIL_SAMPLE = 3, STREAM_EXACT_DRAW = 4 };

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

/* A distributed fit in progress on the driver (dist.c). */
typedef struct needs_dist needs_dist;

typedef struct needs_state {
    tier__model_head h; /* allocator and last error: first, for the shared callbacks */
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
    needs_dist *dist; /* a distributed fit in progress, NULL when none */
} needs_state;

typedef struct km_ws {
    size_t n, p, kmax;
    int32_t *lab;
    double *ub, *lb; /* Hamerly bounds: distance to own centre (upper), to any other (lower) */
    double *c, *cold, *ct, *sum, *acc, *delta, *half;
    size_t *cnt;
    double *best_c;
    int32_t *best_lab; /* labels of the best restart on the rows it ran on */
} km_ws;
typedef struct needs_src {
    const double *col; /* frame column, or the copy of a book attribute in `owned` */
    double *owned;
} needs_src; /* col NULL: missing for every customer */

/* Squared distance, summed in feature order: every distance in this file is this sum. */
static inline double tier__needs_sqdist(const double *a, const double *b, size_t p)
{
    double s = 0;
    size_t f;
    for (f = 0; f < p; f++) {
        double d = a[f] - b[f];
        s += d * d;
    }
    return s;
}

/* A signed exact sum of finite doubles: the positive values and the negated negative ones, each
 * exact (tier__xsum); rounded once as pos - neg. Order-free and mergeable. */
typedef struct needs_xs {
    tier__xsum pos, neg;
} needs_xs;

static inline void tier__needs_xs_add(needs_xs *s, double v)
{
    if (v > 0)
        tier__xsum_add(&s->pos, v);
    else if (v < 0)
        tier__xsum_add(&s->neg, -v);
}

/* What the standardisation needs of a set of customers, mergeable over parts: customers, those
 * with a complete needs vector, and per feature the lowest and highest value, the exact sum and
 * (given the means) the exact sum of squared deviations. */
typedef struct needs_summary {
    size_t p;
    uint64_t n, nc;
    double *lo, *hi;
    needs_xs *sum;
    tier__xsum *ss;
} needs_summary;

/* The default options (state.c). */
extern const needs_opts tier__needs_defaults;

/* The options table of the vtable (needs.c). */
#define NEEDS_N_OPTIONS 10
extern const tier_model_option tier__needs_options[NEEDS_N_OPTIONS];

/* needs.c: helpers. */
void tier__needs_fit_free(const tier_allocator *a, needs_fit *f);
/* Allocates the arrays of a fit for k segments of p features (names zeroed). */
int tier__needs_fit_alloc(const tier_allocator *a, needs_fit *f, size_t k, size_t p);
/* A feature or segment name: UTF-8, no control characters, no blank at either end. */
int tier__needs_valid_name(const char *s);
/* A feature: a valid name that, when it starts with "attr.", names an attribute after it. */
int tier__needs_valid_feature(const char *column);
int tier__needs_name_in(char *const *names, size_t n, const char *name, size_t skip);
/* Raw value of feature f of a centre. */
double tier__needs_raw_centre(const needs_fit *fit, size_t seg, size_t f);
/* Forgets the previous centres (set for the next fit's matching). */
void tier__needs_forget_previous(needs_state *st);
/* A fit made straight from the profiles in raw units (standardisation off). */
int tier__needs_adopt_profiles(const tier_allocator *a, needs_fit *nf, char *const *names,
                               const double *values, size_t nprof, size_t p);

/* kmeans.c: distances and k-means. */
void tier__needs_dist_all(const double *restrict x, const double *restrict ct, size_t p, size_t k,
                          double *restrict acc);
size_t tier__needs_nearest(const double *d2, size_t k, double *best, double *second);
void tier__needs_ws_free(const tier_allocator *a, km_ws *w);
int tier__needs_ws_alloc(const tier_allocator *a, km_ws *w, size_t n, size_t best_n, size_t p,
                         size_t kmax);
double tier__needs_lloyd(km_ws *w, const double *x, size_t n, size_t k, int max_iter, int *out_iter,
                         int *out_conv);
double tier__needs_best_of_restarts(km_ws *w, const double *x, size_t n, size_t k,
                                    const needs_state *st, int *out_iter, int *out_conv);

/* silhouette.c: mean silhouette of each candidate k. */
int tier__needs_silhouettes(const tier_allocator *a, const double *z, size_t ns, size_t p,
                            const int32_t *lab, size_t klo, size_t nk, double *out);

/* match.c: orders and names new centres after the previous ones. */
int tier__needs_order_and_name(needs_state *st, needs_fit *nf, const double *c, const size_t *cnt,
                               size_t k);

/* fit.c: needs vectors and the fit callback. */
void tier__needs_free_sources(const tier_allocator *a, needs_src *src, size_t p);
int tier__needs_resolve_sources(const needs_state *st, const tier_book *book,
                                const tier_frame *frame, needs_src *src, char *err);
double tier__needs_src_value(const needs_src *s, const tier_book *book, size_t i);
/* The raw needs vector of customer i (st->nfeat values, NaN where missing or not finite), read
 * one value at a time: what tier__needs_resolve_sources and tier__needs_src_value give for it. */
int tier__needs_row_values(const needs_state *st, const tier_book *book, const tier_frame *frame,
                           size_t i, double *raw, char *err);
size_t tier__needs_row_distances(const needs_fit *fit, const double *raw, double *d2);
int tier__needs_fit(void *state, const tier_book *book, const tier_frame *inputs);
/* The complete raw needs vectors of the book's customers in book order (*x: nc x nfeat) and
 * their customers (*cust), both owned by the caller. */
int tier__needs_complete_rows(const needs_state *st, const tier_book *book, const tier_frame *frame,
                              double **x, size_t **cust, size_t *nc, char *err);
/* Makes nf the model's fit (taking its arrays; nf is zeroed) and forgets the previous centres. */
void tier__needs_install_fit(needs_state *st, needs_fit *nf);
/* The most segments a fit may hold (profiles, k or k_max). */
size_t tier__needs_kcap(const needs_state *st);

/* canon.c: the canonical, order-free parts of the fit (docs/needs.md). */
/* The seeded 64-bit hash of a customer id that orders the customers of the fit. */
uint64_t tier__needs_hash(double seed, const char *id, size_t len);
/* 1 when (ha, a) comes before (hb, b) in the canonical order: hash, then id bytewise. */
int tier__needs_canon_before(uint64_t ha, const char *a, size_t la, uint64_t hb, const char *b,
                             size_t lb);
/* order[0..n) = the indexes 0..n) in the canonical order of (hash[i], id[i]). */
int tier__needs_canon_sort(const tier_allocator *a, size_t n, const uint64_t *hash,
                           const char *const *id, const size_t *len, uint32_t *order);
int tier__needs_summary_alloc(const tier_allocator *a, needs_summary *s, size_t p);
void tier__needs_summary_free(const tier_allocator *a, needs_summary *s);
/* Adds a complete raw row (p finite values). */
void tier__needs_summary_row(needs_summary *s, const double *row);
/* Adds a complete raw row's squared deviations from the means: p, or the first feature whose
 * squared deviation overflows (then nothing of it is added). */
size_t tier__needs_spread_row(needs_summary *s, const double *row, const double *mean);
/* Adds summary b into s (counts, ends, exact sums): TIER_OK or TIER_ERANGE. */
int tier__needs_summary_merge(needs_summary *s, const needs_summary *b);
/* The means of nf from the summary (before the spread). */
int tier__needs_std_means(const needs_state *st, needs_fit *nf, const needs_summary *s, char *err);
/* The scales and used features of nf from the summary with its spread. */
int tier__needs_std_scales(const needs_state *st, needs_fit *nf, const needs_summary *s, char *err);
/* Compacts x (nc x p raw) in place into standardised used features (nc x pu). */
int tier__needs_standardise_rows(const needs_state *st, const needs_fit *nf, double *x, size_t nc,
                                 char *err);
/* The k-means restarts on the canonical sample zs (ns x pu; w sized for it): k chosen in
 * [klo, khi] by the silhouette of the first `sample` rows when automatic. The winner's centres
 * end in w->best_c; returns k. */
size_t tier__needs_sample_phase(km_ws *w, const needs_state *st, const double *zs, size_t ns,
                                size_t klo, size_t khi, int automatic, double *silhouette, int *rc);
/* One pass of the final iterations over rows z (n x pu): each row to its nearest centre of ct
 * (k centres transposed), adding counts, exact sums (k x pu) and the exact sum of the squared
 * distances. acc: k doubles of scratch. */
void tier__needs_lloyd_part(const double *z, size_t n, size_t pu, size_t k, const double *ct,
                            double *acc, size_t *cnt, needs_xs *sum, tier__xsum *inertia);
/* The new centres from the exact sums (an empty cluster keeps its centre): 1 when they equal
 * the old ones bit for bit. */
int tier__needs_centres_step(size_t k, size_t pu, const size_t *cnt, const needs_xs *sum,
                             const double *cold, double *cnew);
/* Ends a k-means fit: centres cu (k x pu) spread over the features, ordered and named. */
int tier__needs_finish_kmeans(needs_state *st, needs_fit *nf, const double *cu, const size_t *cnt,
                              size_t k);
/* No feature varies (pu = 0): every customer in the first of k equal segments. */
int tier__needs_fit_flat(needs_state *st, needs_fit *nf, size_t k, size_t nc);
/* fit.c: the k range of a clustering of nc customers (TIER_ERANGE, err says why), and the size of
 * the restarts' canonical sample (every customer, or init_sample and at least k_max when there
 * are more). */
int tier__needs_k_range(const needs_state *st, size_t nc, size_t *klo, size_t *khi, char *err);
size_t tier__needs_init_sample_size(const needs_state *st, size_t nc, size_t khi);
/* fit.c: the profiles of st as the fit's segments in nf's standardised units (names copied), the
 * fit's figures but the inertia set as a profile fit has them: TIER_ERANGE when a profile lies
 * beyond MAX_Z (err names it), TIER_ENOMEM. */
int tier__needs_profile_centres(const needs_state *st, needs_fit *nf, char *err);
/* kmeans.c: the final iterations over every row from the centres in w->c (docs/needs.md), with
 * bounds; exact sums in xs (k x pu scratch). Returns the inertia; the counts end in w->cnt. */
double tier__needs_refine(km_ws *w, needs_xs *xs, const double *x, size_t n, size_t k, int max_iter,
                          int *out_iter, int *out_conv);

/* restarts.c: the restarts over every customer (init_sample = 0, docs/needs.md). SplitMix64's
 * finaliser (canon.c); the stream of draw j of restart r for k; a customer's key in that draw
 * (hash h, squared distance d2 to the nearest centre drawn so far; draw 0: uniform in (0, 1);
 * later draws: an exponential variate over d2, +inf at d2 = 0): the lowest key wins, ties by the
 * canonical order. */
uint64_t tier__needs_mix64(uint64_t z);
uint64_t tier__needs_draw_stream(double seed, size_t k, int r, size_t j);
double tier__needs_draw_key(uint64_t h, uint64_t s, size_t j, double d2);
/* The silhouettes of the candidate k (labels sil_lab, nk x ns of the first ns rows of zs) and
 * the k they choose (the highest mean, ties the smaller k): *kstar, *silhouette. */
int tier__needs_choose_k(const tier_allocator *a, const double *zs, size_t ns, size_t pu,
                         const int32_t *sil_lab, size_t klo, size_t nk, size_t *kstar,
                         double *silhouette);
/* The restarts over the ns rows zs (pu wide) in the canonical order, hs their hashes: per
 * candidate k, n_init restarts seeded by the draws above and iterated as the final iterations
 * are (tier__needs_refine, xs its scratch); the lowest inertia wins (ties: the earlier restart);
 * k chosen by the silhouette of the first `sample` rows when automatic. The chosen k's centres
 * go to best (k x pu); returns k (TIER_ENOMEM in *rc). */
size_t tier__needs_exact_phase(km_ws *w, needs_xs *xs, const needs_state *st, const double *zs,
                               const uint64_t *hs, size_t ns, size_t klo, size_t khi, int automatic,
                               double *silhouette, double *best, int *rc);

/* dist.c: the distributed fit (the public tier_needs_dist_* calls). */
void tier__needs_dist_free(const tier_allocator *a, needs_dist *d);
int tier__needs_dist_begin(needs_state *st, tier_text *request);
int tier__needs_dist_answer(needs_state *st, const tier_book *book, const tier_frame *frame,
                            const char *text, size_t len, tier_text *answer);
int tier__needs_dist_merge(needs_state *st, const char *const *answers, const size_t *lens,
                           size_t n, tier_text *request);

/* state.c: the option and state callbacks. */
int tier__needs_set_option(void *state, const char *name, const tier_value *value);
int tier__needs_get_option(void *state, const char *name, tier_value *out);
int tier__needs_is_fitted(void *state);
int tier__needs_save(void *state, tier_state_writer *w);
int tier__needs_load(void *state, tier_state_reader *r);

#endif
