/* SPDX-License-Identifier: MIT */
/* A growable NUL-terminated text buffer for explanations and reports. */
#include <string.h>

#include "util/internal.h"

struct tier_text {
    tier_allocator alloc;
    char *data;
    size_t len, cap;
};

int tier_text_new(tier_text **out, const tier_allocator *alloc)
{
    tier_allocator a;
    tier_text *t;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    tier__alloc_init(&a, alloc);
    t = tier__calloc(&a, 1, sizeof *t);
    if (!t)
        return TIER_ENOMEM;
    t->alloc = a;
    *out = t;
    return TIER_OK;
}

void tier_text_free(tier_text *t)
{
    if (!t)
        return;
    tier__free(&t->alloc, t->data);
    tier__free(&t->alloc, t);
}

int tier_text_append(tier_text *t, const char *s, size_t len)
{
    void *p;
    int rc;
    if (!t || (!s && len))
        return TIER_EINVAL;
    if (len > SIZE_MAX - t->len - 1)
        return TIER_ERANGE;
    p = t->data;
    rc = tier__grow(&t->alloc, &p, &t->cap, t->len + len + 1, 1);
    if (rc)
        return rc;
    t->data = p;
    if (len)
        memcpy(t->data + t->len, s, len);
    t->len += len;
    t->data[t->len] = '\0';
    return TIER_OK;
}

void tier_text_clear(tier_text *t)
{
    if (!t)
        return;
    t->len = 0;
    if (t->data)
        t->data[0] = '\0';
}

const char *tier_text_data(const tier_text *t)
{
    return (t && t->data) ? t->data : "";
}

size_t tier_text_length(const tier_text *t)
{
    return t ? t->len : 0;
}
