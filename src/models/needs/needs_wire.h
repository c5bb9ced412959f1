/* SPDX-License-Identifier: MIT */
/* Needs model: writing and reading the texts of the distributed fit (wire.c). */
#ifndef TIER_MODELS_NEEDS_WIRE_H
#define TIER_MODELS_NEEDS_WIRE_H

#include "models/order.h"
#include "util/buf.h"

/* The texts of the distributed fit (dist.c, dist_answer.c). */
#define TIER__NEEDS_REQUEST_HEAD "libtier-needs-request 1"
#define TIER__NEEDS_ANSWER_HEAD "libtier-needs-answer 1"

/* The rounds. DIST_INERTIA: a fit to need profiles, whose last round (a "lloyd" request of the
 * profiles) only sums the distances to the nearest profile. The restarts over every customer
 * (init_sample = 0): DIST_SEED, a k-means++ draw ("seed"); DIST_RESTART, a restart's Lloyd pass
 * (a "lloyd" request). */
enum {
    DIST_SUMMARY = 1,
    DIST_SPREAD = 2,
    DIST_LLOYD = 3,
    DIST_INERTIA = 4,
    DIST_RESTART = 5,
    DIST_SEED = 6
};

/* Each writer appends a TAB, then the field. */
void tier__nw_double(tier__buf *b, double v);
void tier__nw_xsum(tier__buf *b, const tier__xsum *s);
void tier__nw_text(tier__buf *b, const char *s, size_t n);

/* A reader of one text: lines, then TAB-separated fields of the current line. Every failure is
 * TIER_EPARSE with "WHAT, line N: why" in err (TIER_ENOMEM for a text that cannot be copied). */
typedef struct tier__nr {
    const char *p, *end, *lp, *le, *what;
    size_t line, extra; /* extra: the first line with fields left over (0: none) */
    int more;
    char *err;
} tier__nr;

void tier__nr_init(tier__nr *r, const char *text, size_t len, const char *what, char *err);
int tier__nr_fail(tier__nr *r, const char *why);
/* Moves to the next line: 0 at the end of the text. */
int tier__nr_line(tier__nr *r);
/* The next field of the line: 0 when the line has no more. */
int tier__nr_field(tier__nr *r, const char **f, size_t *n);
/* 1 when the next field is `word`. */
int tier__nr_word(tier__nr *r, const char *word);
int tier__nr_end_of_line(const tier__nr *r);
/* The line `end`, last of the text, and no line with fields left over before it. */
int tier__nr_last(tier__nr *r);
int tier__nr_u64(tier__nr *r, uint64_t *out);
int tier__nr_bits(tier__nr *r, uint64_t *out);
/* A double from its bits; `finite` refuses infinities (NaN is always refused). */
int tier__nr_double(tier__nr *r, double *out, int finite);
int tier__nr_xsum(tier__nr *r, tier__xsum *out);
/* A text, unescaped into a new string *out (length *len), owned by the caller. */
int tier__nr_text(tier__nr *r, const tier_allocator *a, char **out, size_t *len);

#endif
