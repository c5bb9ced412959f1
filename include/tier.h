/* SPDX-License-Identifier: MIT */
/**
 * @file tier.h
 * @brief libtier umbrella header: include this one.
 *
 * Thread safety: libtier has no mutable global state. Distinct handles may be used concurrently
 * from different threads. A single handle must not be used by two threads at once. Fitted models
 * and built policies are not changed by scoring or applying them and may be shared read-only.
 * Callbacks run on the calling thread.
 */
#ifndef TIER_H
#define TIER_H

#include "tier/version.h"
#include "tier/common.h"
#include "tier/date.h"
#include "tier/text.h"
#include "tier/io.h"
#include "tier/executor.h"
#include "tier/book.h"
#include "tier/contract.h"
#include "tier/record.h"
#include "tier/csv.h"
#include "tier/frame.h"
#include "tier/model.h"
#include "tier/registry.h"
#include "tier/segmap.h"
#include "tier/rfm.h"
#include "tier/pareto.h"
#include "tier/scorecard.h"
#include "tier/clv.h"
#include "tier/needs.h"
#include "tier/lifecycle.h"
#include "tier/subscription.h"
#include "tier/sbg.h"
#include "tier/policy.h"
#include "tier/result.h"
#include "tier/history.h"
#include "tier/retier.h"
#include "tier/diff.h"
#include "tier/pipeline.h"

#endif
