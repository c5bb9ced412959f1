/* SPDX-License-Identifier: MIT */
/* The history handle (include/tier/history.h), shared by its files: history.c (handle, getters,
 * overrides), apply.c (hysteresis, dwell, overrides, ledger), ledger.c (writing the ledger) and
 * snapshot.c (to and from the snapshot container, core/snapfile.h). */
#ifndef TIER_HISTORY_INTERNAL_H
#define TIER_HISTORY_INTERNAL_H

#include "policy/lang/ast.h"
#include "util/buf.h"
#include "util/internal.h"

/* Ledger codes of a move (docs/history.md). Values are stored in snapshots: append only. */
enum {
    TIER__MOVE_NEW = 1,
    TIER__MOVE_GONE = 2,
    TIER__MOVE_RULE = 3,
    TIER__MOVE_CAP = 4,
    TIER__MOVE_RELEASE = 5,
    TIER__MOVE_OVERRIDE = 6,
    TIER__MOVE_OVERRIDE_EXPIRED = 7
};

/* A customer's state. Days are day numbers (include/tier/date.h). */
typedef struct tier__hentry {
    char *id;         /* NUL-terminated copy of the id (ids have no NUL bytes) */
    int32_t tier;     /* index into tier_history.tiers, -1: none */
    int32_t since;    /* day it entered that tier */
    uint32_t runs;    /* runs in a row in that tier */
    uint32_t failing; /* consecutive runs its tier's rules failed while it was held */
    int32_t previous; /* tier before its last move, -1: none */
    int32_t moved;    /* day of its last move; INT32_MIN: never moved */
    char *reason;     /* reason of its last move ("" never NULL) */
} tier__hentry;

typedef struct tier__hoverride {
    char *id, *tier, *reason, *author;
    int32_t expires; /* first day it no longer applies */
    int32_t created; /* as-of day of the history when added; INT32_MIN before any run */
} tier__hoverride;

/* One customer whose final tier changed in the last run. */
typedef struct tier__hmove {
    char *id;
    int32_t from, to; /* tier indices, -1: none (new / gone / no tier) */
    int code;         /* TIER__MOVE_* */
    char *detail;     /* the rule, cap, release or override text */
} tier__hmove;

/* A fitted model of the last run, as tier_model_save() wrote it. */
typedef struct tier__hmodel {
    char *name, *kind, *state;
    size_t state_len;
} tier__hmodel;

/* A section of a loaded snapshot this version does not know: written back unchanged. */
typedef struct tier__hraw {
    char tag[4];
    uint32_t flags;
    unsigned char *data;
    size_t len;
    uint32_t after; /* libtier's own sections before it in the file: where it is written back */
} tier__hraw;

struct tier_history {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    uint64_t runs;
    int has_as_of;
    int32_t as_of;
    char *policy_name; /* "" before the first run */
    uint32_t policy_hash;
    char **tiers; /* tier names the entries, moves and matrix refer to */
    size_t n_tiers;
    tier__hentry *entries; /* sorted by id (bytewise) */
    size_t n_entries;
    tier__hoverride *overrides; /* sorted by id */
    size_t n_overrides;
    tier__hmodel *models;
    size_t n_models;
    /* the ledger of the last run */
    tier__hmove *moves;
    size_t n_moves;
    uint64_t *matrix_count;   /* (n_tiers + 1)^2: [from + 1][to + 1], index 0 = none */
    double *matrix_revenue;   /* the same cells: the customers' revenue (net amount) */
    tier__hoverride *expired; /* overrides dropped by the last run */
    size_t n_expired;
    tier__hraw *raw; /* unknown sections of the loaded snapshot */
    size_t n_raw;
};

/* ---- decide.c: one customer's final tier, for tier_history_apply and incremental re-tiering */
typedef struct tier__hdecide {
    const tier__pol *pol; /* the policy of the run */
    size_t npol;          /* its tiers */
    char *const *names;   /* [nt] the new state's tier names: the policy's, then old ones */
    size_t nt;
    const int32_t *map; /* [n_old] the previous state's tier -> index into names, -1: none */
    size_t n_old;
    int32_t as_of;                    /* the run's day */
    const tier__hoverride *overrides; /* in force (sorted by id) */
    size_t n_overrides;
    const tier__hoverride *expired; /* ended on or before the run's day (sorted by id) */
    size_t n_expired;
    int (*demote)(void *ud, size_t tier); /* tier's `demote when` for the customer: 1, 0, -1 */
    void *demote_ud;
    char *err;
} tier__hdecide;

typedef struct tier__hchoice {
    int32_t fin;      /* the final tier (index into names), -1: none */
    int32_t prev;     /* the previous tier (index into names), -1: none */
    int32_t code;     /* TIER__MOVE_* of a move, 0: no move to record */
    uint32_t failing; /* the failing runs counted while held */
    int held;         /* 1 when hysteresis or dwell kept the previous tier */
} tier__hchoice;

/* Decides customer `id` placed by the policy in `placed` (-1: none) for `why` (the rule, "member
 * of ...", or the cap's text; "" none), `cap` (the cap's reason when a cap moved it, else NULL),
 * against its previous entry p (NULL: new). The final reason goes to b, the ledger's detail to d
 * (both reset first). TIER_OK, TIER_EINVAL (an override pins a tier the policy lacks; err says
 * it) or TIER_ENOMEM. */
int tier__history_decide(const tier__hdecide *D, const char *id, const tier__hentry *p,
                         int32_t placed, const char *why, const char *cap, tier__buf *b,
                         tier__buf *d, tier__hchoice *out);

/* Frees everything the handle owns except the handle itself, and zeroes it (keeps alloc). */
void tier__history_clear(tier_history *h);
/* Moves everything of `from` into `h` (whose old contents are freed); from is zeroed. */
void tier__history_take(tier_history *h, tier_history *from);
/* Index of customer `id` among the entries (binary search), or -1. */
long tier__history_find(const tier_history *h, const char *id);

#endif
