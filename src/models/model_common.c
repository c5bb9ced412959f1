/* SPDX-License-Identifier: MIT */
/* Constructors, the as-of day and window of history, own output columns and explanation text,
 * shared by the built-in models. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/frame_internal.h"
#include "models/model_common.h"
#include "models/options.h"

void *tier__model_state_new(tier_model **out, const char **name, const char *kind,
                            const tier_allocator *alloc, size_t size, int *rc)
{
    void *st;
    if (!out) {
        *rc = TIER_EINVAL;
        return NULL;
    }
    *out = NULL;
    if (!*name)
        *name = kind;
    st = tier__handle_new(alloc, size, offsetof(tier__model_head, alloc));
    *rc = st ? TIER_OK : TIER_ENOMEM;
    return st;
}

const char *tier__model_last_error(void *state)
{
    return ((tier__model_head *)state)->err;
}

void tier__model_state_free(void *state)
{
    tier__model_head *h = state;
    tier_allocator a;
    if (!h)
        return;
    a = h->alloc;
    tier__free(&a, h);
}

int tier__model_finish(tier_model **out, const tier_model_vtable *vtable, void *state,
                       const char *name, const tier_allocator *alloc, int ok)
{
    if (!ok) {
        vtable->destroy(state);
        return TIER_ENOMEM;
    }
    return tier_model_new(out, vtable, state, name, alloc);
}

char *tier__model_row_error(const tier_frame *frame)
{
    return tier__frame_error((tier_frame *)frame);
}

int tier__model_as_of(const tier_book *book, double as_of, int32_t *out)
{
    int32_t first, last;
    if (!isnan(as_of)) {
        *out = (int32_t)as_of;
        return 1;
    }
    if (tier_book_day_range(book, &first, &last) != TIER_OK)
        return 0;
    *out = last + 1; /* last <= TIER_DAY_MAX, so no overflow */
    return 1;
}

int tier__window_set(tier__window *w, const char *name, const tier_value *v, char *err)
{
    int32_t x;
    int rc;
    if (strcmp(name, "as_of") == 0) {
        if ((rc = tier__opt_int(v, TIER_DAY_MIN, TIER_DAY_MAX, 1, &x, err)) != TIER_OK)
            return rc;
        w->has_as_of = !isnan(tier_value_number(v));
        w->as_of = w->has_as_of ? x : 0;
        return TIER_OK;
    }
    if ((rc = tier__opt_int(v, 0, TIER__WINDOW_MAX, 0, &x, err)) != TIER_OK)
        return rc;
    w->days = x;
    return TIER_OK;
}

double tier__window_get(const tier__window *w, const char *name)
{
    if (strcmp(name, "as_of") == 0)
        return w->has_as_of ? (double)w->as_of : NAN;
    return w->days;
}

int tier__window_days(const tier__window *w, const tier_book *book, int32_t *from, int32_t *to)
{
    if (!tier__model_as_of(book, w->has_as_of ? (double)w->as_of : NAN, to)) {
        *from = INT32_MIN;
        *to = INT32_MAX;
        return 0;
    }
    *from = w->days > 0 ? (int32_t)((int64_t)*to - w->days) : INT32_MIN;
    return 1;
}

int tier__model_column(const tier_frame *frame, const char *model, const char *output, size_t *col)
{
    char full[256];
    int n = snprintf(full, sizeof full, "%s.%s", model, output);
    if (n < 0 || (size_t)n >= sizeof full)
        return TIER_ENOTFOUND;
    return tier_frame_find(frame, full, col) == TIER_OK ? TIER_OK : TIER_ENOTFOUND;
}

int tier__model_append(tier_text *out, const char *buf, size_t cap, int n)
{
    if (n < 0)
        return TIER_ERROR;
    if ((size_t)n >= cap)
        n = (int)cap - 1;
    return tier_text_append(out, buf, (size_t)n);
}

int tier__model_explained(tier_text *out, tier__buf *b, int rc)
{
    if (!rc)
        rc = tier__buf_status(b);
    if (!rc)
        rc = tier_text_append(out, tier__buf_data(b), tier__buf_len(b));
    tier__buf_free(b);
    return rc;
}
