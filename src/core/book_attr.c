/* SPDX-License-Identifier: MIT */
/* The book's attribute columns: numeric and text values by name, one type per
 * name, reserved then put for all-or-nothing loads. */
#include <math.h>
#include <string.h>

#include "core/book_impl.h"

/* ---- attributes ----------------------------------------------------------------------- */

static int attr_slot(tier_book *b, const char *name, int type, size_t index, attribute **out);

static attribute *find_attr(const tier_book *b, const char *name)
{
    size_t i;
    for (i = 0; i < b->live.nattr; i++) /* the first byte first: most names differ there */
        if (b->attrs[i].name[0] == name[0] && strcmp(b->attrs[i].name, name) == 0)
            return &b->attrs[i];
    return NULL;
}

/* Finds or creates attribute `name` of `type` with room for customer `index`. */
int tier__book_reserve_attr(tier_book *b, const char *name, int type, size_t index)
{
    attribute *at;
    if (b->nsp) { /* loads put values without a way to fail: not inside a savepoint */
        tier__errorf(b->err,
                     "attribute \"%s\": attributes are loaded outside savepoints (inside "
                     "one, set them with tier_book_set_number or tier_book_set_text)",
                     name ? name : "");
        return TIER_ESTATE;
    }
    return attr_slot(b, name, type, index, &at);
}

static int attr_slot(tier_book *b, const char *name, int type, size_t index, attribute **out)
{
    attribute *at;
    size_t nlen;
    if (!name || !(nlen = strlen(name)) || !tier__utf8_valid(name, nlen)) {
        tier__errorf(b->err, "attribute name is empty or not UTF-8");
        return TIER_EINVAL;
    }
    if ((int64_t)nlen > b->lim_text) {
        tier__errorf(b->err, "attribute name longer than %lld bytes", (long long)b->lim_text);
        return TIER_ERANGE;
    }
    if (index >= b->live.ncust) {
        tier__errorf(b->err, "customer index %zu out of range (%zu customers)", index,
                     b->live.ncust);
        return TIER_ERANGE;
    }
    at = find_attr(b, name);
    if (at && at->type && at->type != type) {
        tier__errorf(b->err, "attribute \"%s\" holds %s, not %s", name,
                     at->type == TIER_ATTR_NUMBER ? "numbers" : "text",
                     type == TIER_ATTR_NUMBER ? "numbers" : "text");
        return TIER_EINVAL;
    }
    if (!at) {
        void *p = b->attrs;
        char *copy;
        if ((int64_t)b->live.nattr >= b->lim_attributes) {
            tier__errorf(b->err, "more than %lld attributes", (long long)b->lim_attributes);
            return TIER_ERANGE;
        }
        if (tier__grow(&b->alloc, &p, &b->cap_attr, b->live.nattr + 1, sizeof(attribute)))
            goto nomem;
        b->attrs = p;
        if (!(copy = tier__strdup(&b->alloc, name)))
            goto nomem;
        at = &b->attrs[b->live.nattr++];
        memset(at, 0, sizeof *at);
        at->name = copy;
    }
    /* cppcheck-suppress nullPointerRedundantCheck ; the branch above set `at` when it was NULL */
    at->type = type;
    /* cppcheck-suppress nullPointerRedundantCheck ; as above */
    if (index >= at->len) {
        size_t nlen2 = b->cap_cust > index ? b->cap_cust : index + 1, k;
        if (type == TIER_ATTR_NUMBER) {
            double *p = tier__realloc_n(&b->alloc, at->num, nlen2, sizeof *p);
            if (!p)
                goto nomem;
            for (k = at->len; k < nlen2; k++)
                p[k] = NAN;
            at->num = p;
        } else {
            char **p = tier__realloc_n(&b->alloc, at->text, nlen2, sizeof *p);
            if (!p)
                goto nomem;
            for (k = at->len; k < nlen2; k++)
                p[k] = NULL;
            at->text = p;
        }
        at->len = nlen2;
    }
    *out = at;
    return TIER_OK;
nomem:
    tier__errorf(b->err, "out of memory setting attribute \"%s\"", name);
    return TIER_ENOMEM;
}

int tier_book_set_number(tier_book *b, size_t index, const char *name, double value)
{
    attribute *at;
    int rc;
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    if (isinf(value)) {
        tier__errorf(b->err, "attribute \"%s\" value is infinite", name ? name : "");
        return TIER_EINVAL;
    }
    if ((rc = attr_slot(b, name, TIER_ATTR_NUMBER, index, &at)) != 0 ||
        (rc = tier__book_attr_log(b, (size_t)(at - b->attrs), index)) != 0)
        return rc;
    at->num[index] = value;
    return TIER_OK;
}

void tier__book_put_text(tier_book *b, size_t index, const char *name, char *owned)
{
    attribute *at = find_attr(b, name);
    tier__free(&b->alloc, at->text[index]);
    at->text[index] = owned;
}

void tier__book_put_number(tier_book *b, size_t index, const char *name, double value)
{
    find_attr(b, name)->num[index] = value;
}

void tier__book_copy_numbers(const tier_book *b, const char *name, double *out)
{
    const attribute *at = find_attr(b, name);
    size_t i, have = (at && at->type == TIER_ATTR_NUMBER)
                         ? (at->len < b->live.ncust ? at->len : b->live.ncust)
                         : 0;
    if (have)
        memcpy(out, at->num, have * sizeof *out);
    for (i = have; i < b->live.ncust; i++)
        out[i] = NAN;
}

double tier__book_number_at(const tier_book *b, size_t index, const char *name, int *type)
{
    const attribute *at = find_attr(b, name);
    *type = at ? at->type : 0;
    if (!at || at->type != TIER_ATTR_NUMBER || index >= at->len || index >= b->live.ncust)
        return NAN;
    return at->num[index];
}

size_t tier__book_texts(const tier_book *b, const char *name, const char *const **out)
{
    const attribute *at = find_attr(b, name);
    *out = NULL;
    if (!at || at->type != TIER_ATTR_TEXT || !at->text)
        return 0;
    *out = (const char *const *)at->text;
    return at->len < b->live.ncust ? at->len : b->live.ncust;
}

size_t tier_book_attribute_count(const tier_book *b)
{
    return b ? b->live.nattr : 0;
}

const char *tier_book_attribute_name(const tier_book *b, size_t i, int *type)
{
    if (!b || i >= b->live.nattr)
        return NULL;
    if (type)
        *type = b->attrs[i].type;
    return b->attrs[i].name;
}

int tier__book_attr_type(const tier_book *b, const char *name)
{
    const attribute *at = find_attr(b, name);
    return at ? at->type : 0;
}

int tier_book_set_text(tier_book *b, size_t index, const char *name, const char *value)
{
    attribute *at;
    char *copy = NULL;
    size_t vlen;
    int rc;
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    if (value) {
        vlen = strlen(value);
        if ((int64_t)vlen > b->lim_text) {
            tier__errorf(b->err, "text of attribute \"%s\" longer than %lld bytes",
                         name ? name : "", (long long)b->lim_text);
            return TIER_ERANGE;
        }
        if (!tier__utf8_valid(value, vlen)) {
            tier__errorf(b->err, "text of attribute \"%s\" is not valid UTF-8", name ? name : "");
            return TIER_EINVAL;
        }
        if (!(copy = tier__strndup(&b->alloc, value, vlen))) {
            tier__errorf(b->err, "out of memory setting attribute");
            return TIER_ENOMEM;
        }
    }
    if ((rc = attr_slot(b, name, TIER_ATTR_TEXT, index, &at)) != 0 ||
        (rc = tier__book_attr_log(b, (size_t)(at - b->attrs), index)) != 0) {
        tier__free(&b->alloc, copy);
        return rc;
    }
    if (!b->nsp) /* inside a savepoint the undo entry owns the old text */
        tier__free(&b->alloc, at->text[index]);
    at->text[index] = copy;
    return TIER_OK;
}

/* The checks of the getters: *at is attribute `name` of `type` covering customer `index`. */
static int getter_attr(const tier_book *b, size_t index, const char *name, int type,
                       const void *out, const attribute **at)
{
    if (!b || !name || !out)
        return TIER_EINVAL;
    if (index >= b->live.ncust)
        return TIER_ERANGE;
    *at = find_attr(b, name);
    if (!*at || (*at)->type != type || index >= (*at)->len)
        return TIER_ENOTFOUND;
    return TIER_OK;
}

int tier_book_get_number(const tier_book *b, size_t index, const char *name, double *out)
{
    const attribute *at = NULL;
    int rc = getter_attr(b, index, name, TIER_ATTR_NUMBER, out, &at);
    if (rc)
        return rc;
    if (isnan(at->num[index]))
        return TIER_ENOTFOUND;
    *out = at->num[index];
    return TIER_OK;
}

int tier_book_get_text(const tier_book *b, size_t index, const char *name, const char **out)
{
    const attribute *at = NULL;
    int rc = getter_attr(b, index, name, TIER_ATTR_TEXT, out, &at);
    if (rc)
        return rc;
    if (!at->text[index])
        return TIER_ENOTFOUND;
    *out = at->text[index];
    return TIER_OK;
}
