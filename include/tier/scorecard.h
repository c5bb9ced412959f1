/* SPDX-License-Identifier: MIT */
/**
 * @file scorecard.h
 * @brief The built-in scorecard model (being written).
 */
#ifndef TIER_SCORECARD_H
#define TIER_SCORECARD_H

#include "common.h"
#include "model.h"

#endif
