/* SPDX-License-Identifier: MIT */
/* tier_text: the public growable NUL-terminated text, a handle around the library's one text
 * buffer (util/buf.h) that keeps the public all-or-nothing promise: a failed append leaves the
 * text as it was, and the next call works again. */
#include "core/text_internal.h"
#include "util/buf.h"

struct tier_text {
    tier_allocator alloc;
    tier__buf buf; /* on `alloc` */
};

int tier_text_new(tier_text **out, const tier_allocator *alloc)
{
    int rc = TIER__HANDLE_CREATE(out, tier_text, alloc);
    if (rc == TIER_OK)
        tier__buf_init(&(*out)->buf, &(*out)->alloc);
    return rc;
}

void tier_text_free(tier_text *t)
{
    if (!t)
        return;
    tier__buf_free(&t->buf);
    tier__free(&t->alloc, t);
}

int tier_text_append(tier_text *t, const char *s, size_t len)
{
    if (!t || (!s && len))
        return TIER_EINVAL;
    if (tier__buf_append(&t->buf, s, len))
        return tier__buf_clear_status(&t->buf); /* the text is as it was */
    return TIER_OK;
}

int tier__text_replace(tier_text *t, const char *s, size_t len)
{
    size_t have = tier__buf_len(&t->buf);
    /* Room first, so that the old text is still there when there is none; after that nothing
     * can fail. */
    if (len > have && tier__buf_reserve(&t->buf, len - have))
        return tier__buf_clear_status(&t->buf);
    tier__buf_reset(&t->buf);
    return tier__buf_append(&t->buf, s, len);
}

void tier_text_clear(tier_text *t)
{
    if (t)
        tier__buf_reset(&t->buf);
}

const char *tier_text_data(const tier_text *t)
{
    return t ? tier__buf_data(&t->buf) : "";
}

size_t tier_text_length(const tier_text *t)
{
    return t ? tier__buf_len(&t->buf) : 0;
}
