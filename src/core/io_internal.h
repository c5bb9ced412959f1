/* SPDX-License-Identifier: MIT */
/* The one check of a host's I/O table (core/io.c), for every call that takes one, and the copy. */
#ifndef TIER_IO_INTERNAL_H
#define TIER_IO_INTERNAL_H

#include "util/internal.h"

/* The hooks a use of an I/O table needs. */
#define TIER__IO_NEEDS_READ 1u /* open, read, close */
#define TIER__IO_NEEDS_SAVE 2u /* open, write, sync, close, rename, remove */

/* Checks a host's I/O table for the uses in `needs` (TIER__IO_NEEDS_*): TIER_OK, TIER_EVERSION
 * (a version newer than this library's) or TIER_EINVAL (version 0 or a needed hook missing), the
 * reason written to err (TIER__ERR_SIZE bytes) on failure. */
int tier__io_check(const tier_io *io, unsigned needs, char *err);

/* Copies a checked table by the size its version declares (hooks it lacks become NULL). */
void tier__io_copy(tier_io *dst, const tier_io *src);

/* What a handle's set_io call does: NULL puts the default table into *dst; another table is
 * checked for `needs` (tier__io_check()) and copied only when it passes. Returns the check's
 * status, the reason written to err on failure (then *dst is unchanged). */
int tier__io_set(tier_io *dst, const tier_io *io, unsigned needs, char *err);

#endif
