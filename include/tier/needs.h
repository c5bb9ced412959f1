/* SPDX-License-Identifier: MIT */
/**
 * @file needs.h
 * @brief The built-in needs model (being written).
 */
#ifndef TIER_NEEDS_H
#define TIER_NEEDS_H

#include "common.h"
#include "model.h"

#endif
