/* SPDX-License-Identifier: MIT */
/* One customer record for per-record CRM code, and its all-or-nothing transfer into a book. */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"

typedef struct rec_attr {
    char *name;
    int type; /* a tier_attr_type */
    double num;
    char *text;
} rec_attr;

typedef struct rec_txn {
    int32_t day;
    int64_t amount;
    int64_t margin;
    int has_margin;
} rec_txn;

struct tier_record {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    char *id;
    size_t id_len;
    rec_txn *txns;
    size_t ntxns, cap_txns;
    rec_attr *attrs;
    size_t nattrs, cap_attrs;
};

int tier_record_new(tier_record **out, const tier_allocator *alloc)
{
    return TIER__HANDLE_CREATE(out, tier_record, alloc);
}

void tier_record_clear(tier_record *r)
{
    size_t i;
    if (!r)
        return;
    for (i = 0; i < r->nattrs; i++) {
        tier__free(&r->alloc, r->attrs[i].name);
        tier__free(&r->alloc, r->attrs[i].text);
    }
    r->nattrs = 0;
    r->ntxns = 0;
    tier__free(&r->alloc, r->id);
    r->id = NULL;
    r->id_len = 0;
    r->err[0] = '\0';
}

void tier_record_free(tier_record *r)
{
    if (!r)
        return;
    tier_record_clear(r);
    tier__free(&r->alloc, r->attrs);
    tier__free(&r->alloc, r->txns);
    tier__free(&r->alloc, r);
}

const char *tier_record_last_error(const tier_record *r)
{
    return r ? r->err : "";
}

int tier_record_set_id(tier_record *r, const char *id, size_t id_len)
{
    char *copy;
    if (!r)
        return TIER_EINVAL;
    r->err[0] = '\0';
    if (!id || !id_len || !tier__utf8_valid(id, id_len)) {
        tier__errorf(r->err, "customer id is empty or not valid UTF-8");
        return TIER_EINVAL;
    }
    if (!(copy = tier__strndup(&r->alloc, id, id_len)))
        return TIER_ENOMEM;
    tier__free(&r->alloc, r->id);
    r->id = copy;
    r->id_len = id_len;
    return TIER_OK;
}

const char *tier_record_id(const tier_record *r, size_t *out_len)
{
    if (out_len)
        *out_len = r && r->id ? r->id_len : 0;
    return r && r->id ? r->id : "";
}

int tier_record_add_txn(tier_record *r, int32_t day, double amount, double margin)
{
    rec_txn t;
    void *p;
    int rc;
    if (!r)
        return TIER_EINVAL;
    r->err[0] = '\0';
    if (day < TIER_DAY_MIN || day > TIER_DAY_MAX) {
        tier__errorf(r->err, "day %ld outside 1900-01-01 .. 9999-12-31", (long)day);
        return TIER_ERANGE;
    }
    t.day = day;
    t.has_margin = !isnan(margin);
    t.margin = 0;
    if ((rc = tier__fixed_from_double(amount, &t.amount)) != 0 ||
        (t.has_margin && (rc = tier__fixed_from_double(margin, &t.margin)) != 0)) {
        tier__errorf(r->err, "amount or margin is not finite or beyond +-1e12");
        return rc;
    }
    p = r->txns;
    if ((rc = tier__grow(&r->alloc, &p, &r->cap_txns, r->ntxns + 1, sizeof t)) != 0)
        return rc;
    r->txns = p;
    r->txns[r->ntxns++] = t;
    return TIER_OK;
}

size_t tier_record_txn_count(const tier_record *r)
{
    return r ? r->ntxns : 0;
}

int tier_record_txn(const tier_record *r, size_t k, int32_t *day, double *amount, double *margin)
{
    if (!r || k >= r->ntxns)
        return TIER_ERANGE;
    if (day)
        *day = r->txns[k].day;
    if (amount)
        *amount = tier__fixed_to_double(r->txns[k].amount);
    if (margin)
        *margin = r->txns[k].has_margin ? tier__fixed_to_double(r->txns[k].margin) : NAN;
    return TIER_OK;
}

static rec_attr *find_attr(const tier_record *r, const char *name)
{
    size_t i;
    for (i = 0; i < r->nattrs; i++)
        if (strcmp(r->attrs[i].name, name) == 0)
            return &r->attrs[i];
    return NULL;
}

static void drop_attr(tier_record *r, rec_attr *at)
{
    tier__free(&r->alloc, at->name);
    tier__free(&r->alloc, at->text);
    *at = r->attrs[--r->nattrs];
}

/* Sets or clears (num NaN / text NULL) an attribute; all or nothing. */
static int set_attr(tier_record *r, const char *name, int type, double num, const char *text)
{
    rec_attr *at;
    char *copy = NULL, *ncopy = NULL;
    void *p;
    if (!r)
        return TIER_EINVAL;
    r->err[0] = '\0';
    if (!name || !*name || !tier__utf8_valid(name, strlen(name)) ||
        (text && !tier__utf8_valid(text, strlen(text))) ||
        (type == TIER_ATTR_NUMBER && isinf(num))) {
        tier__errorf(r->err, "attribute name or value is empty, not UTF-8 or infinite");
        return TIER_EINVAL;
    }
    at = find_attr(r, name);
    if ((type == TIER_ATTR_NUMBER && isnan(num)) || (type == TIER_ATTR_TEXT && !text)) {
        if (at)
            drop_attr(r, at);
        return TIER_OK;
    }
    if (text && !(copy = tier__strdup(&r->alloc, text)))
        return TIER_ENOMEM;
    if (!at) {
        p = r->attrs;
        if (!(ncopy = tier__strdup(&r->alloc, name)) ||
            tier__grow(&r->alloc, &p, &r->cap_attrs, r->nattrs + 1, sizeof(rec_attr))) {
            tier__free(&r->alloc, ncopy);
            tier__free(&r->alloc, copy);
            return TIER_ENOMEM;
        }
        r->attrs = p;
        at = &r->attrs[r->nattrs++];
        at->name = ncopy;
        at->text = NULL;
    }
    tier__free(&r->alloc, at->text);
    at->type = type;
    at->num = num;
    at->text = copy;
    return TIER_OK;
}

int tier_record_set_number(tier_record *r, const char *name, double value)
{
    return set_attr(r, name, TIER_ATTR_NUMBER, value, NULL);
}

int tier_record_set_text(tier_record *r, const char *name, const char *value)
{
    return set_attr(r, name, TIER_ATTR_TEXT, 0, value);
}

/* The checks of the getters: *at is attribute `name` holding a value of `type`. */
static int getter_attr(const tier_record *r, const char *name, int type, const void *out,
                       const rec_attr **at)
{
    if (!r || !name || !out)
        return TIER_EINVAL;
    *at = find_attr(r, name);
    return *at && (*at)->type == type ? TIER_OK : TIER_ENOTFOUND;
}

int tier_record_get_number(const tier_record *r, const char *name, double *out)
{
    const rec_attr *at = NULL;
    int rc = getter_attr(r, name, TIER_ATTR_NUMBER, out, &at);
    if (rc == TIER_OK)
        *out = at->num;
    return rc;
}

int tier_record_get_text(const tier_record *r, const char *name, const char **out)
{
    const rec_attr *at = NULL;
    int rc = getter_attr(r, name, TIER_ATTR_TEXT, out, &at);
    if (rc == TIER_OK)
        *out = at->text;
    return rc;
}

int tier_book_add_record(tier_book *book, const tier_record *r, size_t *out_index)
{
    size_t i, index;
    char **copies = NULL;
    int rc = TIER_OK;
    const tier_allocator *a;
    char *err;
    if (!book)
        return TIER_EINVAL;
    err = (char *)tier_book_last_error(book);
    err[0] = '\0';
    if (!r) {
        tier__errorf(err, "the record to add is NULL");
        return TIER_EINVAL;
    }
    a = tier__book_allocator(book);
    if (!r->id) {
        tier__errorf(err, "the record has no id");
        return TIER_EINVAL;
    }
    for (i = 0; i < r->nattrs; i++) {
        int t = tier__book_attr_type(book, r->attrs[i].name);
        if (t && t != r->attrs[i].type) {
            tier__errorf(err, "attribute \"%s\": the book holds %s", r->attrs[i].name,
                         t == TIER_ATTR_NUMBER ? "numbers" : "text");
            return TIER_EINVAL;
        }
    }
    /* Copies of text values are made before anything changes, so applying cannot fail. */
    if (r->nattrs) {
        copies = tier__calloc(a, r->nattrs, sizeof *copies);
        if (!copies)
            return TIER_ENOMEM;
        for (i = 0; i < r->nattrs; i++)
            if (r->attrs[i].type == TIER_ATTR_TEXT &&
                !(copies[i] = tier__strdup(a, r->attrs[i].text))) {
                rc = TIER_ENOMEM;
                goto done;
            }
    }
    tier__book_begin(book);
    if (tier_book_find(book, r->id, r->id_len, &index) != TIER_OK) {
        /* A new customer with no transactions still needs a row: add it through the stage. */
        rc = tier_book_add_customer(book, r->id, r->id_len, &index);
        if (rc) {
            tier__book_rollback(book);
            goto done;
        }
    }
    for (i = 0; i < r->ntxns && rc == TIER_OK; i++)
        rc = tier__book_add_fixed(book, r->id, r->id_len, r->txns[i].day, r->txns[i].amount,
                                  r->txns[i].margin, r->txns[i].has_margin);
    for (i = 0; i < r->nattrs && rc == TIER_OK; i++)
        rc = tier__book_reserve_attr(book, r->attrs[i].name, r->attrs[i].type, index);
    if (rc) {
        tier__book_rollback(book);
        goto done;
    }
    tier__book_commit(book);
    for (i = 0; i < r->nattrs; i++) {
        if (r->attrs[i].type == TIER_ATTR_NUMBER) {
            tier__book_put_number(book, index, r->attrs[i].name, r->attrs[i].num);
        } else {
            tier__book_put_text(book, index, r->attrs[i].name, copies[i]);
            copies[i] = NULL;
        }
    }
    if (out_index)
        *out_index = index;
done:
    if (copies) {
        for (i = 0; i < r->nattrs; i++)
            tier__free(a, copies[i]);
        tier__free(a, copies);
    }
    return rc;
}

int tier_book_get_record(const tier_book *book, size_t index, tier_record *r)
{
    size_t len, t;
    const char *id;
    int rc;
    if (!r)
        return TIER_EINVAL;
    r->err[0] = '\0';
    if (!book) {
        tier__errorf(r->err, "the book to take customer %zu from is NULL", index);
        return TIER_EINVAL;
    }
    id = tier_book_customer_id(book, index, &len);
    if (!id) {
        tier__errorf(r->err, "no customer %zu (the book has %zu)", index,
                     tier_book_customer_count(book));
        return TIER_ERANGE;
    }
    tier_record_clear(r);
    if ((rc = tier_record_set_id(r, id, len)) != 0)
        return rc;
    for (t = 0; t < tier_book_txn_count(book); t++) {
        size_t c;
        int32_t day;
        double amount, margin;
        tier_book_txn(book, t, &c, &day, &amount, &margin);
        if (c == index && (rc = tier_record_add_txn(r, day, amount, margin)) != 0) {
            tier_record_clear(r);
            return rc;
        }
    }
    for (t = 0; t < tier_book_attribute_count(book); t++) {
        int type;
        const char *name = tier_book_attribute_name(book, t, &type), *text;
        double num;
        if (type == TIER_ATTR_NUMBER && tier_book_get_number(book, index, name, &num) == TIER_OK)
            rc = tier_record_set_number(r, name, num);
        else if (type == TIER_ATTR_TEXT && tier_book_get_text(book, index, name, &text) == TIER_OK)
            rc = tier_record_set_text(r, name, text);
        if (rc) {
            tier_record_clear(r);
            return rc;
        }
    }
    return TIER_OK;
}
