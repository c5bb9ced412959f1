/* SPDX-License-Identifier: MIT */
/**
 * @file lifecycle.h
 * @brief The built-in lifecycle model (being written).
 */
#ifndef TIER_LIFECYCLE_H
#define TIER_LIFECYCLE_H

#include "common.h"
#include "model.h"

#endif
