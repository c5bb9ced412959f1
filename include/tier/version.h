/* SPDX-License-Identifier: MIT */
/**
 * @file version.h
 * @brief Version of the libtier headers (the single source of truth; CMake parses it).
 * @defgroup version Version
 * @{
 */
#ifndef TIER_VERSION_H
#define TIER_VERSION_H

/** Major version: incremented on ABI-incompatible changes (the SONAME). @since 0.1.0 */
#define TIER_VERSION_MAJOR 0
/** Minor version: incremented when symbols are added. @since 0.1.0 */
#define TIER_VERSION_MINOR 5
/** Patch version: incremented for fixes. @since 0.1.0 */
#define TIER_VERSION_PATCH 0
/** The version as one number, MAJOR*10000 + MINOR*100 + PATCH. @since 0.1.0 */
#define TIER_VERSION_NUMBER \
    (TIER_VERSION_MAJOR * 10000 + TIER_VERSION_MINOR * 100 + TIER_VERSION_PATCH)
/** The version as text. @since 0.1.0 */
#define TIER_VERSION_STRING "0.5.0"

/** @} */
#endif
