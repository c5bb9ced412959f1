/* SPDX-License-Identifier: MIT */
/* The needs model's distributed fit in the tests (support_needs.c; tests/test_needs_dist.c and
 * tests/test_needs_dist_profiles.c). */
#ifndef TIER_TEST_SUPPORT_NEEDS_H
#define TIER_TEST_SUPPORT_NEEDS_H

#include "support.h"

#define P_FEAT 3
#define MAX_PARTS 8
#define TST_NEEDS_OPTION_SETS 8

/* Option sets: k fixed; k by the silhouette; restarts on a sample of a larger book; raw units;
 * restarts over every customer (init_sample 0). */
typedef struct tst_needs_opts {
    double k, init_sample, sample, standardize, max_iter;
} tst_needs_opts;
extern const tst_needs_opts tst_needs_option_sets[TST_NEEDS_OPTION_SETS];

/* Customer r's needs vector (P_FEAT values): four blobs with noise, some values unset. */
void tst_needs_vector(size_t r, double *v);
/* A book of the customers r in [0, n) with part(r) == part (every one when part < 0), added in
 * a shuffled order (shuffle seed; 0: in order), attributes f0, f1, f2. */
tier_book *tst_needs_book(size_t n, size_t nparts, long part, uint64_t shuffle);
/* A needs model over attr.f0..f2 with the options o (k_max 5); NULL when out of memory. */
tier_model *tst_needs_model(const tier_allocator *a, const tst_needs_opts *o);
/* Each part's answer to `request` (texts made with a; answers[i] borrowed from them). */
int tst_needs_answer_all(const tier_model *part_model, tier_book *const *parts, size_t nparts,
                         const tier_text *request, tier_text **texts, const char **answers,
                         size_t *lens);
/* The driver loop: begin, answer, merge until the request is empty. Returns the status; *rounds
 * counts the merges; why (when not NULL, 256 bytes) receives the failure's message. */
int tst_needs_drive_why(const tier_allocator *a, tier_model *driver, tier_book *const *parts,
                        size_t nparts, int *rounds, char *why);
int tst_needs_drive(const tier_allocator *a, tier_model *driver, tier_book *const *parts,
                    size_t nparts, int *rounds);
/* The n customers split into nparts books (at most MAX_PARTS), and their release. */
void tst_needs_split(size_t n, size_t nparts, tier_book **parts);
void tst_needs_free_parts(tier_book **parts, size_t nparts);
/* A fit statistic of a fitted needs model. */
double tst_needs_stat(const tier_model *m, int stat);
/* Every fit statistic of x equals y's bit for bit (NaN equal to NaN). */
void tst_needs_same_stats(const tier_model *x, const tier_model *y);
/* Fits d by the driver loop over the n customers split into nparts books, checks its saved
 * state is `want` and its statistics m's, frees d; returns the rounds merged. */
int tst_needs_split_fit(const tier_model *m, const char *want, tier_model *d, size_t n,
                        size_t nparts);
/* A new book of the customers "same-I", I = first, first + step, ... below n, every one with
 * the vector (2.5, 2.5, 2.5) in attributes f0..f2. */
tier_book *tst_needs_same_book(size_t n, size_t first, size_t step);
/* `text` with its first `from` replaced by `to` (a new string: test_free it). */
char *tst_needs_replaced(const char *text, const char *from, const char *to);
/* Makes the model a walk fits with options o (NULL when out of memory): tst_needs_model, or
 * another maker. */
typedef tier_model *(*tst_needs_make)(const tier_allocator *a, const tst_needs_opts *o);
/* Walks every failed allocation of the driver loop over n customers in 3 parts: a failure is
 * reported as out of memory and leaves the model unfitted; a success gives the whole book's fit
 * (statistics, centres, names). */
void tst_needs_oom_walk(tst_needs_make make, const tst_needs_opts *o, size_t n);

#endif
