/* SPDX-License-Identifier: MIT */
/**
 * @file date.h
 * @brief Calendar dates as day numbers (days since 1970-01-01, proleptic Gregorian).
 * @defgroup date Dates
 *
 * Every date in libtier is an `int32_t` day number: 0 is 1970-01-01, negative values are earlier.
 * The supported range is 1900-01-01 .. 9999-12-31.
 * @{
 */
#ifndef TIER_DATE_H
#define TIER_DATE_H

#include "common.h"

TIER_BEGIN_DECL

/** Date text formats understood by the parsers. @since 0.1.0 */
typedef enum tier_date_format {
    TIER_DATE_ISO = 0,      /**< YYYY-MM-DD */
    TIER_DATE_YYYYMMDD = 1, /**< YYYYMMDD, eight digits */
    TIER_DATE_AUTO = 2      /**< either of the above, chosen per value */
} tier_date_format;

/** Day number of 1900-01-01, the earliest supported date. @since 0.1.0 */
#define TIER_DAY_MIN (-25567)
/** Day number of 9999-12-31, the latest supported date. @since 0.1.0 */
#define TIER_DAY_MAX 2932896

/**
 * Converts a calendar date to a day number.
 * @param year year, 1900..9999.
 * @param month month, 1..12.
 * @param day day of the month, 1..31.
 * @param[out] out the day number; untouched on failure.
 * @return TIER_OK, or TIER_ERANGE for a date that does not exist (Feb 30) or lies outside
 *         1900-01-01 .. 9999-12-31.
 * @since 0.1.0
 */
TIER_API int tier_date_from_ymd(int32_t *out, int year, int month, int day);

/**
 * Converts a day number to year, month and day. Any output pointer may be NULL.
 * @return TIER_OK, or TIER_ERANGE outside the supported range.
 * @since 0.1.0
 */
TIER_API int tier_date_to_ymd(int32_t day, int *year, int *month, int *mday);

/**
 * Parses `len` bytes of date text (no surrounding spaces) in the given format.
 * @param text the date text.
 * @param len length of `text` in bytes.
 * @param format a ::tier_date_format.
 * @param[out] out the day number; untouched on failure.
 * @return TIER_OK, TIER_EPARSE for malformed text, TIER_ERANGE for a non-existent or out-of-range
 * date.
 * @since 0.1.0
 */
TIER_API int tier_date_parse(int32_t *out, const char *text, size_t len, int format);

/**
 * Writes a day number as "YYYY-MM-DD" plus a NUL into `buf` (at least 11 bytes).
 * @return TIER_OK, TIER_EINVAL for a short buffer, TIER_ERANGE outside the supported range.
 * @since 0.1.0
 */
TIER_API int tier_date_format_iso(char *buf, size_t size, int32_t day);

TIER_END_DECL

/** @} */
#endif
