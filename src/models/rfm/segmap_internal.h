/* SPDX-License-Identifier: MIT */
/* Shared with rfm.c, which keeps its own copy of a map and rescales scores for built-in maps. */
#ifndef TIER_SEGMAP_INTERNAL_H
#define TIER_SEGMAP_INTERNAL_H

#include "util/internal.h"

int tier__segmap_copy(tier_segmap **out, const tier_segmap *src, const tier_allocator *alloc);
/* Scores per dimension the map was written for (5 for the built-ins), 0 for user maps. */
int tier__segmap_grid(const tier_segmap *map);

#endif
