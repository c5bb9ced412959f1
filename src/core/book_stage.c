/* SPDX-License-Identifier: MIT */
/* The book's staged loading (begin, rows, commit, rollback), single and batched
 * transactions, merging books and adding customers. */
#include <math.h>
#include <string.h>

#include "core/book_impl.h"

/* ---- staged loading ------------------------------------------------------------------- */

void tier__book_begin(tier_book *b)
{
    b->staging = 1;
    b->mark = b->live;
    /* Inside a savepoint the journal keeps the entries of earlier stages: it undoes them too. */
    if (!b->nsp)
        b->njournal = 0;
    b->stage_from = b->njournal;
    if (b->touched)
        memset(b->touched, 0, b->touched_bytes);
    b->err[0] = '\0';
}

void tier__book_commit(tier_book *b)
{
    b->staging = 0;
    if (!b->nsp)
        b->njournal = 0;
}

void tier__book_rollback(tier_book *b)
{
    tier__book_undo_to(b, &b->mark, b->stage_from, b->nundo);
    b->staging = 0;
}

/* Saves the figures of a pre-existing customer once per stage, before its first change. */
static int journal(tier_book *b, uint32_t index)
{
    void *p;
    int rc;
    if (!b->staging || index >= b->mark.ncust)
        return TIER_OK;
    if (!b->touched || b->touched_bytes < (b->mark.ncust + 7) / 8) {
        size_t bytes = (b->mark.ncust + 7) / 8;
        unsigned char *t = tier__calloc(&b->alloc, bytes, 1);
        if (!t)
            return TIER_ENOMEM;
        /* Carry over the marks of this stage. */
        if (b->touched)
            memcpy(t, b->touched, b->touched_bytes);
        tier__free(&b->alloc, b->touched);
        b->touched = t;
        b->touched_bytes = bytes;
    }
    if (b->touched[index / 8] & (1u << (index % 8)))
        return TIER_OK;
    p = b->journal;
    rc = tier__grow(&b->alloc, &p, &b->cap_journal, b->njournal + 1, sizeof(journal_entry));
    if (rc)
        return rc;
    b->journal = p;
    b->journal[b->njournal].index = index;
    b->journal[b->njournal].before = b->fig[index];
    b->njournal++;
    b->touched[index / 8] |= (unsigned char)(1u << (index % 8));
    return TIER_OK;
}

int tier__book_reserve_txns(tier_book *b, size_t need, int with_margin)
{
    size_t c;
    void *p;
    int rc;
    if (need > b->cap_tx) {
        size_t ncap = b->cap_tx ? b->cap_tx : 4096;
        while (ncap < need)
            if (tier__size_mul(ncap, 2, &ncap))
                return TIER_ERANGE;
        c = b->cap_tx;
        p = b->tx_cust;
        if ((rc = tier__grow(&b->alloc, &p, &c, ncap, sizeof(uint32_t))) != 0)
            return rc;
        b->tx_cust = p;
        c = b->cap_tx;
        p = b->tx_day;
        if ((rc = tier__grow(&b->alloc, &p, &c, ncap, sizeof(int32_t))) != 0)
            return rc;
        b->tx_day = p;
        c = b->cap_tx;
        p = b->tx_amount;
        if ((rc = tier__grow(&b->alloc, &p, &c, ncap, sizeof(int64_t))) != 0)
            return rc;
        b->tx_amount = p;
        if (b->tx_margin) {
            c = b->cap_tx;
            p = b->tx_margin;
            if ((rc = tier__grow(&b->alloc, &p, &c, ncap, sizeof(int64_t))) != 0)
                return rc;
            b->tx_margin = p;
        }
        b->cap_tx = ncap;
    }
    if (with_margin && !b->tx_margin) {
        size_t i;
        int64_t *m = tier__malloc_n(&b->alloc, b->cap_tx, sizeof *m);
        if (!m)
            return TIER_ENOMEM;
        for (i = 0; i < b->cap_tx; i++)
            m[i] = NO_MARGIN;
        b->tx_margin = m;
    }
    return TIER_OK;
}

static int grow_txns(tier_book *b, int with_margin)
{
    return tier__book_reserve_txns(b, b->live.ntx + 1, with_margin);
}

static int check_row(tier_book *b, int32_t day, int64_t amount, int64_t margin, int has_margin)
{
    const int64_t max = (int64_t)(TIER__AMOUNT_MAX * TIER__FIXED_SCALE);
    if (day < TIER_DAY_MIN || day > TIER_DAY_MAX) {
        tier__errorf(b->err, "date outside 1900-01-01 .. 9999-12-31");
        return TIER_ERANGE;
    }
    if (amount > max || amount < -max || (has_margin && (margin > max || margin < -max))) {
        tier__errorf(b->err, "amount beyond +-1e12");
        return TIER_ERANGE;
    }
    return TIER_OK;
}

/* a + b into *out, 0; or 1 (and *out unchanged) when the sum overflows. Inline: once per row. */
static inline int add_overflows(int64_t a, int64_t b, int64_t *out)
{
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
        return 1;
    *out = a + b;
    return 0;
}

/* Applies one row to an interned customer's figures (and the kept transactions). The common
 * case (no journal entry to make, room for the transaction, no index to keep) calls nothing. */
static int apply_row(tier_book *b, uint32_t idx, int created, int32_t day, int64_t amount,
                     int64_t margin, int has_margin)
{
    tier__figures *f;
    int64_t net, msum = 0;
    int rc;
    if (day >= b->ignore_from) {
        b->live.ignored_rows++;
        return TIER_OK;
    }
    if (!created && b->staging && idx < b->mark.ncust && (rc = journal(b, idx)) != 0)
        goto fail;
    if (b->keep_txns) {
        if (TIER__UNLIKELY(b->live.ntx >= b->cap_tx || (has_margin && !b->tx_margin)) &&
            (rc = grow_txns(b, has_margin)) != 0)
            goto fail;
        if (TIER__UNLIKELY(b->indexed))
            tier__book_index_reserve(b, idx);
    }
    /* The sums first: on an overflow the figures stay as they were. */
    f = &b->fig[idx];
    if (add_overflows(f->net, amount, &net) ||
        (has_margin && add_overflows(f->margin, margin, &msum))) {
        tier__errorf(b->err, "the customer's net amount overflows");
        return TIER_ERANGE;
    }
    f->net = net;
    if (has_margin) {
        f->margin = msum;
        f->has_margin = 1;
    }
    if (amount >= 0) {
        if (f->purchases == 0) {
            f->first_day = f->last_day = day;
            f->purchase_days = 1;
        } else if (day > f->last_day) {
            f->last_day = day;
            f->purchase_days++;
        } else if (day < f->last_day) {
            /* Out of order: the day may or may not have been seen; exact counts need the
             * kept transactions (tier__book_figures recomputes them). */
            if (day < f->first_day)
                f->first_day = day;
            f->purchase_days++;
            if (!b->live.unordered) {
                b->live.unordered = 1;
                b->live.unordered_cust = idx;
            }
        }
        f->purchases++;
    } else {
        f->refunds++;
    }
    if (TIER__UNLIKELY(b->live.min_day == NO_DAY || day < b->live.min_day))
        b->live.min_day = day;
    if (TIER__UNLIKELY(b->live.max_day == NO_DAY || day > b->live.max_day))
        b->live.max_day = day;
    if (b->keep_txns) {
        size_t t = b->live.ntx;
        b->tx_cust[t] = idx;
        b->tx_day[t] = day;
        b->tx_amount[t] = amount;
        if (b->tx_margin)
            b->tx_margin[t] = has_margin ? margin : NO_MARGIN;
        if (TIER__UNLIKELY(b->indexed))
            tier__book_index_append(b, idx, t);
        b->live.ntx = t + 1;
    }
    return TIER_OK;
fail:
    /* The caller rolls back the stage, which also forgets a customer created here. */
    tier__errorf(b->err, "out of memory adding a transaction");
    return rc;
}

int tier__book_add_fixed(tier_book *b, const char *id, size_t id_len, int32_t day, int64_t amount,
                         int64_t margin, int has_margin)
{
    uint32_t idx;
    int created, rc;
    if ((rc = check_row(b, day, amount, margin, has_margin)) != 0)
        return rc;
    if ((rc = tier__book_intern(b, id, id_len, &idx, &created)) != 0)
        return rc;
    return apply_row(b, idx, created, day, amount, margin, has_margin);
}

/* Rows go through in small batches (TIER__BOOK_BATCH) so that the random accesses into the id
 * table and the figures of a batch overlap in memory instead of waiting one after another. */
#define BATCH TIER__BOOK_BATCH
#define PREFETCH TIER__BOOK_PREFETCH

int tier__book_add_rows(tier_book *b, const tier__row *rows, size_t n, size_t *failed_at)
{
    size_t base;
    for (base = 0; base < n; base += BATCH) {
        size_t m = n - base < BATCH ? n - base : BATCH, i;
        uint64_t h[BATCH];
        uint32_t idx[BATCH];
        unsigned char created[BATCH];
        for (i = 0; i < m; i++) {
            const tier__row *r = &rows[base + i];
            h[i] = tier__book_hash_id(r->id, r->id_len);
            if (b->nslots)
                PREFETCH(&b->slots[tier__book_home(b, h[i])]);
        }
        for (i = 0; i < m; i++) {
            const tier__row *r = &rows[base + i];
            int c = 0, found = 0, rc = check_row(b, r->day, r->amount, r->margin, r->has_margin);
            /* Most rows are of a known customer: found here, without a call. */
            if (!rc && b->nslots) {
                size_t pos = tier__book_probe(b, r->id, r->id_len, h[i], &found);
                if (found)
                    idx[i] = b->slots[pos].index;
            }
            if (!rc && !found)
                rc = tier__book_intern_hashed(b, r->id, r->id_len, h[i], &idx[i], &c);
            if (rc) {
                *failed_at = base + i;
                return rc;
            }
            created[i] = (unsigned char)c;
            /* A customer's figures (40 bytes) often straddle two cache lines: fetch both. */
            PREFETCH(&b->fig[idx[i]]);
            PREFETCH((const char *)&b->fig[idx[i]] + sizeof *b->fig - 1);
        }
        for (i = 0; i < m; i++) {
            const tier__row *r = &rows[base + i];
            int rc = apply_row(b, idx[i], created[i], r->day, r->amount, r->margin, r->has_margin);
            if (rc) {
                *failed_at = base + i;
                return rc;
            }
        }
    }
    return TIER_OK;
}

/* Why tier__fixed_from_double refused a value. */
static const char *fixed_why(int rc)
{
    return rc == TIER_EINVAL ? "not finite" : "beyond +-1e12";
}

int tier_book_add_txn(tier_book *b, const char *id, size_t id_len, int32_t day, double amount,
                      double margin)
{
    int64_t a, m = 0;
    int rc, has_margin = !isnan(margin);
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    if ((rc = tier__fixed_from_double(amount, &a)) != 0) {
        tier__errorf(b->err, "amount %g is %s", amount, fixed_why(rc));
        return rc;
    }
    if (has_margin && (rc = tier__fixed_from_double(margin, &m)) != 0) {
        tier__errorf(b->err, "margin %g is %s", margin, fixed_why(rc));
        return rc;
    }
    tier__book_begin(b);
    rc = tier__book_add_fixed(b, id, id_len, day, a, m, has_margin);
    if (rc)
        tier__book_rollback(b);
    else
        tier__book_commit(b);
    return rc;
}

int tier__book_add_columns(tier_book *b, const tier__txn_columns *c, size_t lo, size_t hi)
{
    size_t i, base;
    int rc = TIER_OK;
    char why[TIER__ERR_SIZE];
    /* Rows are converted a batch at a time and handed to the batched path. */
    for (base = lo; base < hi && rc == TIER_OK; base += BATCH * 8) {
        tier__row rows[BATCH * 8];
        size_t m = hi - base < BATCH * 8 ? hi - base : BATCH * 8, failed = 0;
        for (i = 0; i < m; i++) {
            size_t r = base + i;
            tier__row *row = &rows[i];
            row->has_margin = c->margins && !isnan(c->margins[r]);
            row->margin = 0;
            if (c->id_offsets[r + 1] < c->id_offsets[r]) {
                tier__errorf(b->err, "row %zu: id offsets decrease", r);
                rc = TIER_EINVAL;
                break;
            }
            if ((rc = tier__fixed_from_double(c->amounts[r], &row->amount)) != 0) {
                tier__errorf(b->err, "row %zu: amount is %s", r, fixed_why(rc));
                break;
            }
            if (row->has_margin &&
                (rc = tier__fixed_from_double(c->margins[r], &row->margin)) != 0) {
                tier__errorf(b->err, "row %zu: margin is %s", r, fixed_why(rc));
                break;
            }
            row->id = c->id_data + c->id_offsets[r];
            row->id_len = c->id_offsets[r + 1] - c->id_offsets[r];
            row->day = c->days[r];
        }
        /* Rows before a bad one still go in first, so that an earlier row's error wins. */
        if (i > 0) {
            int rc2 = tier__book_add_rows(b, rows, i, &failed);
            if (rc2) {
                memcpy(why, b->err, sizeof why);
                tier__errorf(b->err, "row %zu: %s", base + failed, why);
                rc = rc2;
            }
        }
    }
    return rc;
}

int tier_book_add_txns(tier_book *b, size_t n, const char *id_data, const size_t *id_offsets,
                       const int32_t *days, const double *amounts, const double *margins)
{
    tier__txn_columns c;
    int rc;
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    if (n == 0)
        return TIER_OK;
    if (!id_data || !id_offsets || !days || !amounts) {
        tier__errorf(b->err, "NULL column");
        return TIER_EINVAL;
    }
    if ((int64_t)n > b->lim_rows_per_call) {
        tier__errorf(b->err, "%zu rows in one call exceed the limit of %lld", n,
                     (long long)b->lim_rows_per_call);
        return TIER_ERANGE;
    }
    c.id_data = id_data;
    c.id_offsets = id_offsets;
    c.days = days;
    c.amounts = amounts;
    c.margins = margins;
    c.n = n;
    /* With the host's threads, in parts; anything unusual (an error to report, a savepoint) is
     * done here, on one thread, as it always was. */
    if (tier__book_add_columns_parallel(b, &c))
        return TIER_OK;
    tier__book_begin(b);
    rc = tier__book_add_columns(b, &c, 0, n);
    if (rc) {
        tier__book_rollback(b);
        return rc;
    }
    tier__book_commit(b);
    return TIER_OK;
}

int tier__book_combine(tier__figures *f, const tier__figures *later)
{
    int overlap = 0;
    if (later->purchases) {
        if (!f->purchases) {
            f->first_day = later->first_day;
            f->last_day = later->last_day;
            f->purchase_days = later->purchase_days;
        } else {
            uint32_t days = f->purchase_days + later->purchase_days;
            if (f->last_day == later->first_day)
                days--; /* the day on the boundary was counted on both sides */
            else if (f->last_day > later->first_day)
                overlap = 1;
            if (later->first_day < f->first_day)
                f->first_day = later->first_day;
            if (later->last_day > f->last_day)
                f->last_day = later->last_day;
            f->purchase_days = days;
        }
    }
    f->purchases += later->purchases;
    f->refunds += later->refunds;
    f->has_margin |= later->has_margin;
    return overlap;
}

/* Copies src's attribute values for its customers (at dst indices map[]): reserve everything, then
 * put, so that nothing can fail half way. Runs inside dst's stage, before the commit. */
static int merge_attributes(tier_book *dst, const tier_book *src, const uint32_t *map,
                            char ***texts_out)
{
    size_t a, i, ntext = 0, k = 0;
    char **texts = NULL;
    int rc;
    *texts_out = NULL;
    for (a = 0; a < src->live.nattr; a++) {
        const attribute *at = &src->attrs[a];
        int t = tier__book_attr_type(dst, at->name);
        if (!at->type)
            continue;
        if (t && t != at->type) {
            tier__errorf(dst->err, "attribute \"%s\" holds %s in one book and %s in the other",
                         at->name, t == TIER_ATTR_NUMBER ? "numbers" : "text",
                         at->type == TIER_ATTR_NUMBER ? "numbers" : "text");
            return TIER_EINVAL;
        }
        for (i = 0; i < at->len && i < src->live.ncust; i++) {
            int set = at->type == TIER_ATTR_NUMBER ? !isnan(at->num[i]) : at->text[i] != NULL;
            if (!set)
                continue;
            if ((rc = tier__book_reserve_attr(dst, at->name, at->type, map[i])) != 0)
                return rc;
            ntext += at->type == TIER_ATTR_TEXT;
        }
    }
    if (ntext) {
        texts = tier__calloc(&dst->alloc, ntext, sizeof *texts);
        if (!texts)
            return TIER_ENOMEM;
        for (a = 0; a < src->live.nattr; a++) {
            const attribute *at = &src->attrs[a];
            if (at->type != TIER_ATTR_TEXT)
                continue;
            for (i = 0; i < at->len && i < src->live.ncust; i++) {
                if (!at->text[i])
                    continue;
                if (!(texts[k++] = tier__strdup(&dst->alloc, at->text[i]))) {
                    while (k-- > 0)
                        tier__free(&dst->alloc, texts[k]);
                    tier__free(&dst->alloc, texts);
                    return TIER_ENOMEM;
                }
            }
        }
    }
    *texts_out = texts;
    return TIER_OK;
}

/* Appends src's kept transactions to dst's (customers mapped by map): room for all at once, then
 * a plain copy (the index, when dst has one, is kept valid transaction by transaction). */
static int merge_txns(tier_book *dst, const tier_book *src, const uint32_t *map)
{
    size_t t, n = src->live.ntx, at = dst->live.ntx;
    int any_margin = 0, rc;
    for (t = 0; src->tx_margin && t < n && !any_margin; t++)
        any_margin = src->tx_margin[t] != NO_MARGIN;
    if (n > SIZE_MAX - at)
        return TIER_ERANGE;
    if ((rc = tier__book_reserve_txns(dst, at + n, any_margin)) != 0)
        return rc;
    for (t = 0; t < n; t++) {
        uint32_t c = map[src->tx_cust[t]];
        if (dst->indexed) {
            tier__book_index_reserve(dst, c);
            tier__book_index_append(dst, c, at + t);
        }
        dst->tx_cust[at + t] = c;
        dst->tx_day[at + t] = src->tx_day[t];
        dst->tx_amount[at + t] = src->tx_amount[t];
        if (dst->tx_margin)
            dst->tx_margin[at + t] = src->tx_margin ? src->tx_margin[t] : NO_MARGIN;
        if (dst->indexed)
            dst->live.ntx = at + t + 1; /* the index reserves room past live.ntx */
    }
    dst->live.ntx = at + n;
    return TIER_OK;
}

void tier__book_merge_extent(tier_book *dst, const tier_book *src)
{
    if (src->live.min_day != NO_DAY) {
        if (dst->live.min_day == NO_DAY || src->live.min_day < dst->live.min_day)
            dst->live.min_day = src->live.min_day;
        if (dst->live.max_day == NO_DAY || src->live.max_day > dst->live.max_day)
            dst->live.max_day = src->live.max_day;
    }
    dst->live.ignored_rows += src->live.ignored_rows;
}

int tier_book_merge(tier_book *dst, const tier_book *src)
{
    uint32_t *map = NULL;
    char **texts = NULL, **contract_plans = NULL;
    size_t i, k = 0;
    uint64_t h[BATCH];
    int rc = TIER_OK;
    if (!dst)
        return TIER_EINVAL;
    dst->err[0] = '\0';
    if (!src || dst == src) {
        tier__errorf(dst->err, "%s",
                     src ? "a book cannot be merged into itself" : "the book to merge is NULL");
        return TIER_EINVAL;
    }
    if (dst->nsp) {
        tier__errorf(dst->err, "cannot merge a book into one with an open savepoint (release or "
                               "roll it back first)");
        return TIER_ESTATE;
    }
    if (dst->keep_txns && !src->keep_txns && src->live.ncust) {
        tier__errorf(dst->err, "the book to merge did not keep its transactions");
        return TIER_EINVAL;
    }
    map = tier__malloc_n(&dst->alloc, src->live.ncust, sizeof *map);
    if (!map) {
        tier__errorf(dst->err, "out of memory merging books");
        return TIER_ENOMEM;
    }
    tier__book_begin(dst);
    for (i = 0; i < src->live.ncust && rc == TIER_OK; i++) {
        int created;
        tier__figures f;
        const tier__figures *later = &src->fig[i];
        /* Hash a batch of customers at once and look at their table slots ahead, so that the
         * slots are on the way when they are needed. */
        if (i % BATCH == 0) {
            size_t j, end = i + BATCH < src->live.ncust ? i + BATCH : src->live.ncust;
            for (j = i; j < end; j++) {
                h[j - i] = tier__book_hash_id(tier__book_id_ptr(src, j), tier__book_id_len(src, j));
                if (dst->nslots)
                    PREFETCH(&dst->slots[tier__book_home(dst, h[j - i])]);
            }
        }
        rc = tier__book_intern_hashed(dst, tier__book_id_ptr(src, i), tier__book_id_len(src, i),
                                      h[i % BATCH], &map[i], &created);
        if (rc)
            break;
        /* Only checked here; the figures change after the last step that can fail, so that a
         * failure needs no record of the old ones. */
        f = dst->fig[map[i]];
        if (tier__add_i64(f.net, later->net, &f.net) ||
            tier__add_i64(f.margin, later->margin, &f.margin)) {
            tier__errorf(dst->err, "the net amount of customer \"%s\" overflows",
                         tier__book_id_ptr(src, i));
            rc = TIER_ERANGE;
        }
    }
    if (rc == TIER_OK && src->live.unordered && !dst->live.unordered) {
        dst->live.unordered = 1;
        dst->live.unordered_cust = map[src->live.unordered_cust];
    }
    if (rc == TIER_OK && dst->keep_txns && src->live.ntx)
        rc = merge_txns(dst, src, map);
    if (rc == TIER_OK)
        rc = tier__book_contracts_merge_prepare(dst, src, map, &contract_plans);
    if (rc == TIER_OK)
        rc = merge_attributes(dst, src, map, &texts);
    if (rc) {
        tier__book_contracts_merge_cancel(dst, src, contract_plans);
        if (rc == TIER_ENOMEM && !dst->err[0])
            tier__errorf(dst->err, "out of memory merging books");
        tier__book_rollback(dst);
        tier__free(&dst->alloc, map);
        return rc;
    }
    tier__book_merge_extent(dst, src);
    tier__book_commit(dst);
    for (i = 0; i < src->live.ncust; i++) {
        tier__figures *f = &dst->fig[map[i]];
        if (i + BATCH < src->live.ncust)
            PREFETCH(&dst->fig[map[i + BATCH]]);
        f->net += src->fig[i].net;
        f->margin += src->fig[i].margin;
        if (tier__book_combine(f, &src->fig[i]) && !dst->live.unordered) {
            dst->live.unordered = 1;
            dst->live.unordered_cust = map[i];
        }
    }
    /* Nothing below can fail: every attribute slot was reserved and every text copied. */
    for (i = 0; i < src->live.nattr; i++) {
        const attribute *at = &src->attrs[i];
        size_t c;
        for (c = 0; c < at->len && c < src->live.ncust; c++) {
            if (at->type == TIER_ATTR_NUMBER && !isnan(at->num[c]))
                tier__book_put_number(dst, map[c], at->name, at->num[c]);
            else if (at->type == TIER_ATTR_TEXT && at->text[c])
                tier__book_put_text(dst, map[c], at->name, texts[k++]);
        }
    }
    tier__free(&dst->alloc, texts);
    tier__book_contracts_merge_apply(dst, src, map, contract_plans);
    tier__free(&dst->alloc, map);
    return TIER_OK;
}

int tier_book_add_customer(tier_book *b, const char *id, size_t id_len, size_t *out_index)
{
    uint32_t idx;
    int created, rc;
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    rc = tier__book_intern(b, id, id_len, &idx, &created);
    if (rc)
        return rc;
    if (out_index)
        *out_index = idx;
    return TIER_OK;
}
