/* SPDX-License-Identifier: MIT */
/**
 * @file segmap.h
 * @brief Segment maps: named regions of the R x F (x M) score grid, first match wins.
 * @defgroup segmap Segment maps
 *
 * A map is an ordered list of segments; each gives, for some of the dimensions r, f and m, an
 * inclusive score range (a dimension not given matches any score). A customer gets the first
 * segment whose ranges contain its scores. The text format is specified in docs/segment-maps.md.
 * @{
 */
#ifndef TIER_SEGMAP_H
#define TIER_SEGMAP_H

#include "common.h"
#include "text.h"

TIER_BEGIN_DECL

/** A segment map (opaque). @since 0.1.0 */
typedef struct tier_segmap tier_segmap;

/** Built-in maps. Values are ABI. @since 0.1.0 */
typedef enum tier_segmap_builtin {
    /** The 10-segment R x F map (champions ... hibernating), an exact partition of the 25 cells. */
    TIER_SEGMAP_RF10 = 1,
    /** The 8-class important/general x value/develop/keep/retain map over R, F, M high/low. */
    TIER_SEGMAP_RFM8 = 2
} tier_segmap_builtin;

/**
 * Creates a built-in map.
 * @param which a ::tier_segmap_builtin.
 * @param alloc the allocator (NULL for malloc); copied.
 * @param[out] out the map, owned by the caller; NULL on failure.
 * @return TIER_OK, TIER_EINVAL (unknown id) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_segmap_new_builtin(tier_segmap **out, int which,
                                                             const tier_allocator *alloc);

/**
 * Parses a map from text (docs/segment-maps.md). On TIER_EPARSE, `error` (may be NULL) receives
 * "line N: reason".
 * @param text the map text.
 * @param len length of `text` in bytes.
 * @param alloc the allocator (NULL for malloc); copied.
 * @param error receives the parse error text (may be NULL).
 * @param[out] out the map, owned by the caller; NULL on failure.
 * @return TIER_OK, TIER_EPARSE, TIER_ERANGE (too many segments) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_segmap_parse(tier_segmap **out, const char *text,
                                                       size_t len, const tier_allocator *alloc,
                                                       tier_text *error);

/** Frees a map; NULL is a no-op. @since 0.1.0 */
TIER_API void tier_segmap_free(tier_segmap *map);

/** Number of segments. @since 0.1.0 */
TIER_API size_t tier_segmap_count(const tier_segmap *map);

/** Name of segment `i` (borrowed), NULL when out of range. @since 0.1.0 */
TIER_API const char *tier_segmap_name(const tier_segmap *map, size_t i);

/**
 * Checks the map over all cells of the grid with `bins` scores per dimension and appends a report
 * to `report` (may be NULL): every overlapping cell (claimed by more than one segment), every
 * shadowed segment (no cell reaches it because earlier segments take all its cells) and every
 * uncovered cell. Counts go to the outputs (each may be NULL).
 * @return TIER_OK, TIER_ERANGE (bins outside 2..10) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_segmap_check(const tier_segmap *map, int bins, size_t *overlapping,
                               size_t *shadowed, size_t *uncovered, tier_text *report);

/**
 * The segment of one score triple (a score of 0 means "not scored" and matches only segments
 * that leave that dimension open).
 * @return the segment index, or -1 when no segment matches.
 * @since 0.1.0
 */
TIER_API int tier_segmap_lookup(const tier_segmap *map, int r, int f, int m);

TIER_END_DECL

/** @} */
#endif
