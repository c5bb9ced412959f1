/* SPDX-License-Identifier: MIT */
/* A history in the snapshot container (docs/snapshot-format.md, "libtier history"): the sections
 * HIST, TIRS, CUST, OVRD, MODL and LEDG in this order, with the unknown sections a loaded file had
 * written back in their places. snapshot.c implements tier_history_load/_load_bytes/_save/_write
 * with these two; tests use them to build snapshots of inconsistent states. Internal. */
#ifndef TIER_HISTORY_SNAPSHOT_H
#define TIER_HISTORY_SNAPSHOT_H

#include "core/snapfile.h"
#include "history/history_internal.h"
#include "policy/lang/ast.h"

/* The version of the history's contents, stored in the HIST section. */
#define TIER__HIST_FORMAT 1u
/* Most tiers and most models a snapshot may hold: as many as a policy may declare (4096). */
#define TIER__HIST_MAX_TIERS ((size_t)TIER__POL_MAX_ITEMS)
#define TIER__HIST_MAX_MODELS ((size_t)TIER__POL_MAX_ITEMS)

/* Appends the history's sections to w (which holds no section yet), as they are: nothing is
 * checked. Returns w's latched status. */
int tier__history_encode(const tier_history *h, tier__snapw *w);

/* Reads the history of the verified snapshot r into t, a zeroed history whose `alloc` is set,
 * checking every value (docs/snapshot-format.md): TIER_OK, TIER_ECORRUPT, TIER_EVERSION or
 * TIER_ENOMEM with the reason in err. On failure t holds what was read so far: free it with
 * tier__history_clear. */
int tier__history_decode(tier_history *t, const tier__snapr *r, char *err);

#endif
