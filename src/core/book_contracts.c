/* SPDX-License-Identifier: MIT */
/* The contracts of a book (include/tier/contract.h): records in one array, a list per customer.
 * An add checks every row first (fields, then customers through the book's stage, then overlaps
 * of one customer's periods of one plan, among the rows and with the book's), reserves the
 * storage and copies the plans, and only then commits the stage and writes the records, which
 * cannot fail. tier_book_merge() uses the same reserve-then-write steps. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_impl.h"
#include "core/contracts_internal.h"
#include "tier/contract.h"

static const char *const field_name[TIER__CF_COUNT] = {"id",     "start_day", "end_day", "amount",
                                                       "period", "status",    "plan"};

const tier__contracts *tier__book_contracts(const tier_book *book)
{
    return book ? book->contracts : NULL;
}

double tier__contract_monthly(const tier__contract_rec *r)
{
    double a = tier__fixed_to_double(r->amount);
    return r->period == TIER_CONTRACT_YEARLY ? a / 12.0 : a;
}

void tier__book_contracts_free(tier_book *b)
{
    size_t k;
    tier__contracts *cs = b->contracts;
    if (!cs)
        return;
    for (k = 0; k < cs->n; k++)
        tier__free(&b->alloc, cs->rec[k].plan);
    tier__free(&b->alloc, cs->rec);
    tier__free(&b->alloc, cs->by_cust);
    tier__free(&b->alloc, cs);
    b->contracts = NULL;
}

/* Room for `more` records and a list for every customer of the book. Nothing visible changes. */
static int reserve(tier_book *b, size_t more)
{
    tier__contracts *cs = b->contracts;
    size_t c, old;
    if (!cs) {
        if (!(cs = tier__calloc(&b->alloc, 1, sizeof *cs)))
            return TIER_ENOMEM;
        b->contracts = cs;
    }
    if (cs->n + more > UINT32_MAX - 1)
        return TIER_ERANGE;
    if (tier__grow(&b->alloc, (void **)&cs->rec, &cs->cap, cs->n + more, sizeof *cs->rec))
        return TIER_ENOMEM;
    old = cs->cap_cust;
    if (tier__grow(&b->alloc, (void **)&cs->by_cust, &cs->cap_cust, b->live.ncust,
                   sizeof *cs->by_cust))
        return TIER_ENOMEM;
    for (c = old; c < cs->cap_cust; c++) {
        cs->by_cust[c].head = cs->by_cust[c].tail = TIER__NO_CONTRACT;
        cs->by_cust[c].count = 0;
    }
    return TIER_OK;
}

/* Appends a record (room reserved); the plan is handed over. */
static void put(tier_book *b, const tier__contract_rec *r)
{
    tier__contracts *cs = b->contracts;
    tier__contract_list *l;
    uint32_t k = (uint32_t)cs->n++;
    cs->rec[k] = *r;
    cs->rec[k].next = TIER__NO_CONTRACT;
    if (cs->ncust < b->live.ncust)
        cs->ncust = b->live.ncust;
    l = &cs->by_cust[r->cust];
    if (l->tail == TIER__NO_CONTRACT)
        l->head = k;
    else
        cs->rec[l->tail].next = k;
    l->tail = k;
    l->count++;
}

static void day_text(char *buf, size_t cap, int32_t day)
{
    if (day == TIER_CONTRACT_OPEN)
        snprintf(buf, cap, "open");
    else if (tier_date_format_iso(buf, cap, day) != TIER_OK)
        snprintf(buf, cap, "day %ld", (long)day);
}

static int plan_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* ---- checking rows ------------------------------------------------------------------------ */

typedef struct add_run {
    tier_book *b;
    const tier__contract_in *rows;
    size_t n;
    const uint64_t *lines; /* NULL: rows are named "row R" */
    uint32_t *cust;
    struct row_key *order; /* rows by customer, plan, start */
    size_t *bad_row;
    int *bad_field;
    char *why;
} add_run;

static int refuse(add_run *R, int rc, size_t row, int field, const char *fmt, ...)
    TIER__PRINTF(5, 6);

static int refuse(add_run *R, int rc, size_t row, int field, const char *fmt, ...)
{
    va_list ap;
    *R->bad_row = row;
    *R->bad_field = field;
    va_start(ap, fmt);
    vsnprintf(R->why, TIER__ERR_SIZE, fmt, ap);
    va_end(ap);
    return rc;
}

static int check_fields(add_run *R, size_t i)
{
    const tier__contract_in *r = &R->rows[i];
    char s[24], e[24];
    int64_t fixed;
    if (r->start < TIER_DAY_MIN || r->start > TIER_DAY_MAX)
        return refuse(R, TIER_ERANGE, i, TIER__CF_START,
                      "day %ld is not a day from 1900-01-01 to 9999-12-31", (long)r->start);
    if (r->end != TIER_CONTRACT_OPEN && (r->end < TIER_DAY_MIN || r->end > TIER_DAY_MAX))
        return refuse(R, TIER_ERANGE, i, TIER__CF_END,
                      "day %ld is not a day from 1900-01-01 to 9999-12-31 (nor open)",
                      (long)r->end);
    if (r->end <= r->start) {
        day_text(s, sizeof s, r->start);
        day_text(e, sizeof e, r->end);
        return refuse(R, TIER_EINVAL, i, TIER__CF_END,
                      "%s is not after start_day %s (a contract covers [start, end))", e, s);
    }
    if (isnan(r->amount) || isinf(r->amount))
        return refuse(R, TIER_EINVAL, i, TIER__CF_AMOUNT, "the amount is %s",
                      isnan(r->amount) ? "missing (NaN)" : "infinite");
    if (r->amount < 0)
        return refuse(R, TIER_EINVAL, i, TIER__CF_AMOUNT,
                      "negative amount %.4f (a recurring amount is 0 or more)", r->amount);
    if (tier__fixed_from_double(r->amount, &fixed) != TIER_OK)
        return refuse(R, TIER_ERANGE, i, TIER__CF_AMOUNT, "amount %.15g is above 1e12", r->amount);
    if (r->period != TIER_CONTRACT_MONTHLY && r->period != TIER_CONTRACT_YEARLY)
        return refuse(R, TIER_EINVAL, i, TIER__CF_PERIOD,
                      "%d is not a period (monthly %d, yearly %d)", r->period,
                      TIER_CONTRACT_MONTHLY, TIER_CONTRACT_YEARLY);
    if (r->status < TIER_CONTRACT_ACTIVE || r->status > TIER_CONTRACT_CANCELLED)
        return refuse(R, TIER_EINVAL, i, TIER__CF_STATUS,
                      "%d is not a status (active %d, renewed %d, cancelled %d)", r->status,
                      TIER_CONTRACT_ACTIVE, TIER_CONTRACT_RENEWED, TIER_CONTRACT_CANCELLED);
    if (r->status != TIER_CONTRACT_ACTIVE && r->end == TIER_CONTRACT_OPEN)
        return refuse(R, TIER_EINVAL, i, TIER__CF_END, "a %s contract needs an end day",
                      r->status == TIER_CONTRACT_RENEWED ? "renewed" : "cancelled");
    if (r->plan_len && !r->plan)
        return refuse(R, TIER_EINVAL, i, TIER__CF_PLAN, "plan bytes missing (NULL)");
    if ((int64_t)r->plan_len > R->b->lim_text)
        return refuse(R, TIER_ERANGE, i, TIER__CF_PLAN,
                      "plan of %zu bytes, longer than TIER_BOOK_LIMIT_TEXT_LENGTH (%lld)",
                      r->plan_len, (long long)R->b->lim_text);
    if (r->plan_len && !tier__utf8_valid(r->plan, r->plan_len))
        return refuse(R, TIER_EINVAL, i, TIER__CF_PLAN, "the plan is not valid UTF-8");
    if (!r->id || !r->id_len)
        return refuse(R, TIER_EINVAL, i, TIER__CF_ID, "the customer id is empty");
    if (!tier__utf8_valid(r->id, r->id_len))
        return refuse(R, TIER_EINVAL, i, TIER__CF_ID, "the customer id is not valid UTF-8");
    return TIER_OK;
}

/* Inside the stage: the customer of every row (one probe of the id table per row: found, or
 * added unless TIER_LOAD_EXISTING). */
static int find_customers(add_run *R, unsigned flags)
{
    size_t i, idx;
    uint32_t c;
    int rc, created;
    for (i = 0; i < R->n; i++) {
        const tier__contract_in *r = &R->rows[i];
        if (flags & TIER_LOAD_EXISTING) {
            if (tier_book_find(R->b, r->id, r->id_len, &idx) != TIER_OK)
                return refuse(R, TIER_ENOTFOUND, i, TIER__CF_ID,
                              "unknown customer (TIER_LOAD_EXISTING: every id must be in the "
                              "book)");
            R->cust[i] = (uint32_t)idx;
            continue;
        }
        R->b->err[0] = '\0';
        if ((rc = tier__book_intern(R->b, r->id, r->id_len, &c, &created)) != TIER_OK)
            return refuse(R, rc, i, TIER__CF_ID, "%s",
                          R->b->err[0] ? R->b->err : tier_strerror(rc));
        R->cust[i] = c;
    }
    return TIER_OK;
}

/* What the overlap check sorts rows by: customer, plan, start, then the row (unique keys, so
 * the order does not depend on the sort). The keys carry everything the comparison reads. */
typedef struct row_key {
    uint32_t cust;
    int32_t start;
    const char *plan;
    size_t plan_len;
    size_t row;
} row_key;

static int compare_rows(const void *x, const void *y)
{
    const row_key *a = x, *b = y;
    size_t m = a->plan_len < b->plan_len ? a->plan_len : b->plan_len;
    int c = TIER__CMP(a->cust, b->cust);
    if (c)
        return c;
    c = m ? memcmp(a->plan, b->plan, m) : 0;
    if (c || (c = TIER__CMP(a->plan_len, b->plan_len)) != 0)
        return c;
    c = TIER__CMP(a->start, b->start);
    return c ? c : TIER__CMP(a->row, b->row);
}

static int overlap_error(add_run *R, size_t row, int32_t os, int32_t oe, const char *where)
{
    const tier__contract_in *r = &R->rows[row];
    char s[24], e[24], s2[24], e2[24], q[TIER__QUOTE_MAX * 4 + 16];
    day_text(s, sizeof s, r->start);
    day_text(e, sizeof e, r->end);
    day_text(s2, sizeof s2, os);
    day_text(e2, sizeof e2, oe);
    return refuse(R, TIER_EINVAL, row, TIER__CF_START,
                  "the period %s .. %s of plan %s overlaps the customer's period %s .. %s of the "
                  "same plan (%s)",
                  s, e, tier__quote_text(q, sizeof q, r->plan ? r->plan : "", r->plan_len), s2, e2,
                  where);
}

/* Overlapping periods of one customer and one plan: among the rows (sorted), then with the
 * contracts the book holds. */
static int check_overlaps(add_run *R)
{
    const tier__contracts *cs = R->b->contracts;
    char where[48];
    size_t i, k;
    for (i = 0; i < R->n; i++) {
        R->order[i].cust = R->cust[i];
        R->order[i].start = R->rows[i].start;
        R->order[i].plan = R->rows[i].plan;
        R->order[i].plan_len = R->rows[i].plan_len;
        R->order[i].row = i;
    }
    qsort(R->order, R->n, sizeof *R->order, compare_rows);
    for (k = 1, i = R->order[0].row; k < R->n; k++) {
        /* i: the row of the group so far (same customer and plan) that ends last. */
        size_t cur = R->order[k].row;
        const tier__contract_in *a = &R->rows[i], *b = &R->rows[cur];
        if (R->cust[i] != R->cust[cur] || !plan_equal(a->plan, a->plan_len, b->plan, b->plan_len)) {
            i = cur;
            continue;
        }
        if (b->start < a->end) {
            size_t later = i > cur ? i : cur, earlier = i > cur ? cur : i;
            if (R->lines)
                snprintf(where, sizeof where, "line %llu", (unsigned long long)R->lines[earlier]);
            else
                snprintf(where, sizeof where, "row %zu", earlier);
            return overlap_error(R, later, R->rows[earlier].start, R->rows[earlier].end, where);
        }
        if (b->end > a->end)
            i = cur;
    }
    for (i = 0; cs && i < R->n; i++) {
        const tier__contract_in *r = &R->rows[i];
        uint32_t c;
        for (c = tier__contracts_first(cs, R->cust[i]); c != TIER__NO_CONTRACT;
             c = cs->rec[c].next) {
            const tier__contract_rec *o = &cs->rec[c];
            size_t olen = o->plan ? strlen(o->plan) : 0;
            if (plan_equal(o->plan, olen, r->plan, r->plan_len) && r->start < o->end &&
                o->start < r->end)
                return overlap_error(R, i, o->start, o->end, "already in the book");
        }
    }
    return TIER_OK;
}

int tier__book_add_contract_rows(tier_book *b, const tier__contract_in *rows, size_t n,
                                 unsigned flags, const uint64_t *lines, size_t *bad_row,
                                 int *bad_field, char *why)
{
    add_run R;
    char **plans = NULL;
    size_t i;
    int rc = TIER_OK, staged = 0;
    memset(&R, 0, sizeof R);
    R.b = b;
    R.rows = rows;
    R.n = n;
    R.lines = lines;
    R.bad_row = bad_row;
    R.bad_field = bad_field;
    R.why = why;
    *bad_row = SIZE_MAX;
    *bad_field = -1;
    if (b->nsp) { /* a rollback could not take contracts back: not inside a savepoint */
        tier__errorf(why, "contracts are added outside savepoints (docs/book.md, \"Savepoints\")");
        return TIER_ESTATE;
    }
    why[0] = '\0';
    if (flags & ~(unsigned)TIER_LOAD_EXISTING)
        return refuse(&R, TIER_EINVAL, SIZE_MAX, -1,
                      "unknown flags (TIER_LOAD_EXISTING is the only one)");
    if ((int64_t)n > b->lim_rows_per_call)
        return refuse(&R, TIER_ERANGE, SIZE_MAX, -1,
                      "%zu rows, more than TIER_BOOK_LIMIT_ROWS_PER_CALL (%lld)", n,
                      (long long)b->lim_rows_per_call);
    if (b->staging)
        return refuse(&R, TIER_ESTATE, SIZE_MAX, -1, "the book is being loaded");
    for (i = 0; i < n; i++)
        if ((rc = check_fields(&R, i)) != TIER_OK)
            return rc;
    if (!n)
        return TIER_OK;
    R.cust = tier__malloc(&b->alloc, n * sizeof *R.cust);
    R.order = tier__malloc(&b->alloc, n * sizeof *R.order);
    plans = tier__calloc(&b->alloc, n, sizeof *plans);
    if (!R.cust || !R.order || !plans) {
        rc = refuse(&R, TIER_ENOMEM, SIZE_MAX, -1, "out of memory");
        goto done;
    }
    tier__book_begin(b);
    staged = 1;
    if ((rc = find_customers(&R, flags)) != TIER_OK || (rc = check_overlaps(&R)) != TIER_OK)
        goto done;
    for (i = 0; i < n; i++)
        if (rows[i].plan_len &&
            !(plans[i] = tier__strndup(&b->alloc, rows[i].plan, rows[i].plan_len))) {
            rc = TIER_ENOMEM;
            break;
        }
    if (rc == TIER_OK)
        rc = reserve(b, n);
    if (rc) {
        refuse(&R, rc, SIZE_MAX, -1, "%s",
               rc == TIER_ENOMEM ? "out of memory" : "more contracts than the book can hold");
        goto done;
    }
    tier__book_commit(b);
    staged = 0;
    for (i = 0; i < n; i++) {
        tier__contract_rec r;
        r.cust = R.cust[i];
        r.next = TIER__NO_CONTRACT;
        r.start = rows[i].start;
        r.end = rows[i].end;
        (void)tier__fixed_from_double(rows[i].amount, &r.amount); /* checked */
        r.period = (uint8_t)rows[i].period;
        r.status = (uint8_t)rows[i].status;
        r.plan = plans[i];
        plans[i] = NULL;
        put(b, &r);
    }
done:
    if (staged)
        tier__book_rollback(b);
    if (plans)
        tier__free_strings(&b->alloc, plans, n);
    tier__free(&b->alloc, R.cust);
    tier__free(&b->alloc, R.order);
    return rc;
}

/* ---- public calls ------------------------------------------------------------------------- */

/* Sets the book's error "row R (customer "ID"), FIELD: why" (the row part only for a row). */
static int report(tier_book *b, int rc, const tier__contract_in *rows, size_t row, int field,
                  const char *why, int single)
{
    char q[TIER__QUOTE_MAX * 4 + 16], where[TIER__ERR_SIZE] = "";
    size_t used = 0;
    if (row != SIZE_MAX && !single)
        used = (size_t)snprintf(where, sizeof where, "row %zu", row);
    if (row != SIZE_MAX && rows[row].id && rows[row].id_len)
        used +=
            (size_t)snprintf(where + used, sizeof where - used, "%s(customer %s)", used ? " " : "",
                             tier__quote_text(q, sizeof q, rows[row].id, rows[row].id_len));
    if (field >= 0 && used < sizeof where)
        snprintf(where + used, sizeof where - used, "%s%s", used ? ", " : "", field_name[field]);
    tier__errorf(b->err, "%s%s%s", where, where[0] ? ": " : "", why);
    return rc;
}

static int add_rows(tier_book *b, const tier__contract_in *rows, size_t n, unsigned flags,
                    int single)
{
    char why[TIER__ERR_SIZE];
    size_t row;
    int field, rc;
    b->err[0] = '\0';
    rc = tier__book_add_contract_rows(b, rows, n, flags, NULL, &row, &field, why);
    return rc ? report(b, rc, rows, row, field, why, single) : TIER_OK;
}

static void from_contract(tier__contract_in *in, const tier_contract *c)
{
    in->start = c->start_day;
    in->end = c->end_day;
    in->amount = c->amount;
    in->period = c->period;
    in->status = c->status;
    in->plan = c->plan;
    in->plan_len = c->plan ? strlen(c->plan) : 0;
}

int tier_book_add_contract(tier_book *b, const char *id, size_t id_len,
                           const tier_contract *contract, unsigned flags)
{
    tier__contract_in in;
    if (!b)
        return TIER_EINVAL;
    if (!contract || (!id && id_len)) {
        tier__errorf(b->err, "%s", contract ? "no id (NULL)" : "no contract (NULL)");
        return TIER_EINVAL;
    }
    in.id = id;
    in.id_len = id_len;
    from_contract(&in, contract);
    return add_rows(b, &in, 1, flags, 1);
}

int tier_book_add_contracts(tier_book *b, size_t n, const char *id_data, const size_t *id_offsets,
                            const int32_t *start_days, const int32_t *end_days,
                            const double *amounts, const int32_t *periods, const int32_t *statuses,
                            const char *const *plans, unsigned flags)
{
    tier__contract_in *rows;
    size_t i;
    int rc;
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    if (n && (!id_data || !id_offsets || !start_days || !amounts || !periods || !statuses)) {
        tier__errorf(b->err, "a required array is NULL (ids, offsets, start days, amounts, "
                             "periods and statuses are required)");
        return TIER_EINVAL;
    }
    if (n > SIZE_MAX / sizeof *rows) {
        tier__errorf(b->err, "%zu rows do not fit in memory", n);
        return TIER_ERANGE;
    }
    rows = tier__malloc(&b->alloc, (n ? n : 1) * sizeof *rows);
    if (!rows) {
        tier__errorf(b->err, "out of memory");
        return TIER_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        tier_contract c;
        if (id_offsets[i + 1] < id_offsets[i]) {
            tier__free(&b->alloc, rows);
            tier__errorf(b->err, "row %zu: id_offsets decrease (%zu then %zu)", i, id_offsets[i],
                         id_offsets[i + 1]);
            return TIER_EINVAL;
        }
        rows[i].id = id_data + id_offsets[i];
        rows[i].id_len = id_offsets[i + 1] - id_offsets[i];
        c.start_day = start_days[i];
        c.end_day = end_days ? end_days[i] : TIER_CONTRACT_OPEN;
        c.amount = amounts[i];
        c.period = periods[i];
        c.status = statuses[i];
        c.plan = plans ? plans[i] : NULL;
        from_contract(&rows[i], &c);
    }
    rc = add_rows(b, rows, n, flags, 0);
    tier__free(&b->alloc, rows);
    return rc;
}

size_t tier_book_contract_count(const tier_book *b, size_t customer)
{
    const tier__contracts *cs = b ? b->contracts : NULL;
    return cs && customer < cs->ncust ? cs->by_cust[customer].count : 0;
}

size_t tier_book_contract_total(const tier_book *b)
{
    return b && b->contracts ? b->contracts->n : 0;
}

int tier_book_contract(const tier_book *b, size_t customer, size_t k, tier_contract *out)
{
    const tier__contracts *cs;
    uint32_t c;
    if (!b || !out)
        return TIER_EINVAL;
    cs = b->contracts;
    if (k >= tier_book_contract_count(b, customer))
        return TIER_ERANGE;
    for (c = cs->by_cust[customer].head; k > 0; k--)
        c = cs->rec[c].next;
    out->start_day = cs->rec[c].start;
    out->end_day = cs->rec[c].end;
    out->amount = tier__fixed_to_double(cs->rec[c].amount);
    out->period = cs->rec[c].period;
    out->status = cs->rec[c].status;
    out->plan = cs->rec[c].plan ? cs->rec[c].plan : "";
    return TIER_OK;
}

/* ---- merging (tier_book_merge) ------------------------------------------------------------ */

int tier__book_contracts_merge_prepare(tier_book *dst, const tier_book *src, const uint32_t *map,
                                       char ***pending)
{
    const tier__contracts *s = src->contracts, *d;
    char **plans = NULL;
    size_t k;
    int rc;
    *pending = NULL;
    if (!s || !s->n)
        return TIER_OK;
    d = dst->contracts;
    for (k = 0; d && k < s->n; k++) {
        const tier__contract_rec *r = &s->rec[k];
        uint32_t c;
        for (c = tier__contracts_first(d, map[r->cust]); c != TIER__NO_CONTRACT;
             c = d->rec[c].next) {
            const tier__contract_rec *o = &d->rec[c];
            if (strcmp(o->plan ? o->plan : "", r->plan ? r->plan : "") == 0 && r->start < o->end &&
                o->start < r->end) {
                char s1[24], s2[24];
                day_text(s1, sizeof s1, r->start);
                day_text(s2, sizeof s2, o->start);
                tier__errorf(dst->err,
                             "customer \"%.200s\": a contract from %s overlaps one from %s of the "
                             "same plan in the book merged into",
                             tier__book_id_ptr(src, r->cust), s1, s2);
                return TIER_EINVAL;
            }
        }
    }
    plans = tier__calloc(&dst->alloc, s->n, sizeof *plans);
    if (!plans)
        return TIER_ENOMEM;
    for (k = 0; k < s->n; k++)
        if (s->rec[k].plan && !(plans[k] = tier__strdup(&dst->alloc, s->rec[k].plan))) {
            tier__free_strings(&dst->alloc, plans, s->n);
            return TIER_ENOMEM;
        }
    if ((rc = reserve(dst, s->n)) != TIER_OK) {
        tier__free_strings(&dst->alloc, plans, s->n);
        if (rc == TIER_ERANGE)
            tier__errorf(dst->err, "more contracts than a book can hold");
        return rc;
    }
    *pending = plans;
    return TIER_OK;
}

void tier__book_contracts_merge_apply(tier_book *dst, const tier_book *src, const uint32_t *map,
                                      char **pending)
{
    const tier__contracts *s = src->contracts;
    size_t k;
    if (!pending)
        return;
    for (k = 0; k < s->n; k++) {
        tier__contract_rec r = s->rec[k];
        r.cust = map[r.cust];
        r.plan = pending[k];
        put(dst, &r);
    }
    tier__free(&dst->alloc, pending);
}

void tier__book_contracts_merge_cancel(tier_book *dst, const tier_book *src, char **pending)
{
    if (pending)
        tier__free_strings(&dst->alloc, pending, src->contracts->n);
}
