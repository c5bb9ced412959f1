/* SPDX-License-Identifier: MIT */
/* Status texts and the runtime version. */
#include "util/internal.h"

typedef struct status_info {
    int code;
    const char *name;
    const char *text;
} status_info;

static const status_info statuses[] = {
    {TIER_OK, "TIER_OK", "success"},
    {TIER_ERROR, "TIER_ERROR", "generic failure"},
    {TIER_ENOMEM, "TIER_ENOMEM", "out of memory"},
    {TIER_EINVAL, "TIER_EINVAL", "invalid argument"},
    {TIER_ERANGE, "TIER_ERANGE", "value or size out of range"},
    {TIER_ENOTFOUND, "TIER_ENOTFOUND", "not found"},
    {TIER_EVERSION, "TIER_EVERSION", "unsupported version"},
    {TIER_EUSER, "TIER_EUSER", "aborted by a user callback"},
    {TIER_EPARSE, "TIER_EPARSE", "parse error"},
    {TIER_EIO, "TIER_EIO", "input/output error"},
    {TIER_ECORRUPT, "TIER_ECORRUPT", "corrupt data"},
    {TIER_ECONVERGE, "TIER_ECONVERGE", "did not converge"},
    {TIER_ESTATE, "TIER_ESTATE", "invalid in the current state"},
};

static const status_info *find_status(int status)
{
    size_t i;
    for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].code == status)
            return &statuses[i];
    return NULL;
}

const char *tier_strerror(int status)
{
    const status_info *s = find_status(status);
    return s ? s->text : "unknown status";
}

const char *tier_status_name(int status)
{
    const status_info *s = find_status(status);
    return s ? s->name : "TIER_UNKNOWN";
}

unsigned int tier_version_number(void)
{
    return TIER_VERSION_NUMBER;
}

const char *tier_version_string(void)
{
    return TIER_VERSION_STRING;
}
