/* SPDX-License-Identifier: MIT */
/**
 * @file clv.h
 * @brief The built-in clv model (being written).
 */
#ifndef TIER_CLV_H
#define TIER_CLV_H

#include "common.h"
#include "model.h"

#endif
