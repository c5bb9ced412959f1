/* SPDX-License-Identifier: MIT */
/* Calendar dates as day numbers since 1970-01-01 (proleptic Gregorian), 1900-01-01..9999-12-31.
 *
 * Both conversions count years from March: with March as month 0 the leap day is the last day of
 * a "year", so the day of the year is a linear function of the month (the month lengths from
 * March, 31 30 31 30 31 31 30 31 30 31 31 28/29, repeat with period 5 months = 153 days) and
 * the leap rule only shows up in how many days the previous years took. */
#include "util/internal.h"

/* Days from 0000-03-01 (in the March-based year count) to 1970-01-01. */
#define EPOCH_SHIFT 719468
/* Days in 400 Gregorian years. */
#define DAYS_PER_ERA 146097

static int32_t days_from_civil(int32_t y, int32_t m, int32_t d)
{
    /* January and February belong to the previous March-based year. */
    int32_t shift = (m <= 2);
    int32_t yy = y - shift;          /* >= 1899 here, so / rounds toward zero = floor */
    int32_t mm = m + 12 * shift - 3; /* March = 0 .. February = 11 */
    /* Day of the March-based year: the 153-day, 5-month pattern, rounded. */
    int32_t doy = (153 * mm + 2) / 5 + d - 1;
    return 365 * yy + yy / 4 - yy / 100 + yy / 400 + doy - EPOCH_SHIFT;
}

static void civil_from_days(int32_t days, int32_t *y, int32_t *m, int32_t *d)
{
    int32_t z = days + EPOCH_SHIFT; /* >= 0 in the supported range */
    int32_t era = z / DAYS_PER_ERA;
    int32_t doe = z - era * DAYS_PER_ERA; /* 0 .. 146096 */
    /* Years of the era: remove one day per 4-year cycle (1460 days before each leap day), add one
     * back per century (36524 days) and remove the 400-year leap day, then divide by 365. */
    int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / (DAYS_PER_ERA - 1)) / 365;
    int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int32_t mp = (5 * doy + 2) / 153; /* inverse of the 153-day pattern */
    int32_t mon = mp + 3 - 12 * (mp >= 10);
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mon;
    *y = yoe + era * 400 + (mon <= 2);
}

static int is_leap(int32_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int32_t days_in_month(int32_t y, int32_t m)
{
    static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return len[m - 1] + (m == 2 && is_leap(y));
}

int tier_date_from_ymd(int32_t *out, int year, int month, int day)
{
    if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month))
        return TIER_ERANGE;
    if (out)
        *out = days_from_civil(year, month, day);
    return TIER_OK;
}

int tier_date_to_ymd(int32_t day, int *year, int *month, int *mday)
{
    int32_t y, m, d;
    if (day < TIER_DAY_MIN || day > TIER_DAY_MAX)
        return TIER_ERANGE;
    civil_from_days(day, &y, &m, &d);
    if (year)
        *year = (int)y;
    if (month)
        *month = (int)m;
    if (mday)
        *mday = (int)d;
    return TIER_OK;
}

/* Value of n ASCII digits, or -1 when any byte is not a digit. */
static int32_t digits(const char *s, int n)
{
    int32_t v = 0;
    int i;
    for (i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i] - (unsigned)'0';
        if (c > 9)
            return -1;
        v = v * 10 + (int32_t)c;
    }
    return v;
}

int tier_date_parse(int32_t *out, const char *text, size_t len, int format)
{
    int32_t y, m, d;
    if (!text)
        return TIER_EINVAL;
    if (format == TIER_DATE_AUTO)
        format = (len == 10) ? TIER_DATE_ISO : TIER_DATE_YYYYMMDD;
    if (format == TIER_DATE_ISO) {
        if (len != 10 || text[4] != '-' || text[7] != '-')
            return TIER_EPARSE;
        y = digits(text, 4);
        m = digits(text + 5, 2);
        d = digits(text + 8, 2);
    } else if (format == TIER_DATE_YYYYMMDD) {
        if (len != 8)
            return TIER_EPARSE;
        y = digits(text, 4);
        m = digits(text + 4, 2);
        d = digits(text + 6, 2);
    } else {
        return TIER_EINVAL;
    }
    if (y < 0 || m < 0 || d < 0)
        return TIER_EPARSE;
    return tier_date_from_ymd(out, y, m, d);
}

int tier_date_format_iso(char *buf, size_t size, int32_t day)
{
    int32_t y, m, d;
    if (!buf || size < 11)
        return TIER_EINVAL;
    if (day < TIER_DAY_MIN || day > TIER_DAY_MAX)
        return TIER_ERANGE;
    civil_from_days(day, &y, &m, &d);
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = '\0';
    return TIER_OK;
}
