/* SPDX-License-Identifier: MIT */
/* Test hook of the CSV reader: a small block size sends records across block boundaries. */
#ifndef TIER_CSV_INTERNAL_H
#define TIER_CSV_INTERNAL_H

#include "internal.h"

/* Sets the read block size in bytes (1 .. 64 MiB). Returns TIER_OK or TIER_ERANGE. */
int tier__csv_set_block_size(tier_csv *csv, size_t size);

#endif
