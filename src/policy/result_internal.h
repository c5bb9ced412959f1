/* SPDX-License-Identifier: MIT */
/* Shared by result.c and result_writer.c: the writer records its errors in the result. */
#ifndef TIER_RESULT_INTERNAL_H
#define TIER_RESULT_INTERNAL_H

#include "util/internal.h"

char *tier__result_errbuf(const tier_result *result);
const tier_allocator *tier__result_allocator(const tier_result *result);

#endif
