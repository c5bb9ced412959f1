/* SPDX-License-Identifier: MIT */
/* Option values: a number, a text or a list of texts, on the allocator of their owner. */
#include <math.h>
#include <string.h>

#include "core/model_internal.h"

void tier__value_init(tier_value *v, const tier_allocator *alloc)
{
    memset(v, 0, sizeof *v);
    tier__alloc_init(&v->alloc, alloc);
    v->number = NAN;
}

void tier__value_clear(tier_value *v)
{
    size_t i;
    tier__free(&v->alloc, v->text);
    for (i = 0; i < v->n_items; i++)
        tier__free(&v->alloc, v->items[i]);
    tier__free(&v->alloc, v->items);
    v->text = NULL;
    v->items = NULL;
    v->n_items = 0;
    v->type = 0;
    v->number = NAN;
}

int tier_value_new(tier_value **out, const tier_allocator *alloc)
{
    int rc = TIER__HANDLE_CREATE(out, tier_value, alloc);
    if (rc == TIER_OK)
        (*out)->number = NAN;
    return rc;
}

void tier_value_free(tier_value *v)
{
    tier_allocator a;
    if (!v)
        return;
    a = v->alloc;
    tier__value_clear(v);
    tier__free(&a, v);
}

int tier_value_get_type(const tier_value *v)
{
    return v ? v->type : 0;
}

double tier_value_number(const tier_value *v)
{
    return (v && v->type == TIER_OPTION_NUMBER) ? v->number : NAN;
}

const char *tier_value_text(const tier_value *v)
{
    return (v && v->type == TIER_OPTION_TEXT) ? v->text : NULL;
}

size_t tier_value_list_count(const tier_value *v)
{
    return (v && v->type == TIER_OPTION_LIST) ? v->n_items : 0;
}

const char *tier_value_list_item(const tier_value *v, size_t i)
{
    return (v && v->type == TIER_OPTION_LIST && i < v->n_items) ? v->items[i] : NULL;
}

int tier_value_set_number(tier_value *value, double v)
{
    if (!value)
        return TIER_EINVAL;
    tier__value_clear(value);
    value->type = TIER_OPTION_NUMBER;
    value->number = v;
    return TIER_OK;
}

int tier_value_set_text(tier_value *v, const char *text)
{
    char *copy;
    if (!v || !text || !tier__utf8_valid(text, strlen(text)))
        return TIER_EINVAL;
    copy = tier__strdup(&v->alloc, text);
    if (!copy)
        return TIER_ENOMEM;
    tier__value_clear(v);
    v->type = TIER_OPTION_TEXT;
    v->text = copy;
    return TIER_OK;
}

int tier_value_set_list(tier_value *v, const char *const *items, size_t n)
{
    char **copy = NULL;
    size_t i;
    if (!v || (!items && n))
        return TIER_EINVAL;
    for (i = 0; i < n; i++)
        if (!items[i] || !tier__utf8_valid(items[i], strlen(items[i])))
            return TIER_EINVAL;
    if (n) {
        copy = tier__calloc(&v->alloc, n, sizeof *copy);
        if (!copy)
            return TIER_ENOMEM;
        for (i = 0; i < n; i++) {
            copy[i] = tier__strdup(&v->alloc, items[i]);
            if (!copy[i]) {
                while (i--)
                    tier__free(&v->alloc, copy[i]);
                tier__free(&v->alloc, copy);
                return TIER_ENOMEM;
            }
        }
    }
    tier__value_clear(v);
    v->type = TIER_OPTION_LIST;
    v->items = copy;
    v->n_items = n;
    return TIER_OK;
}
