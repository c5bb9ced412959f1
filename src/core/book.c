/* SPDX-License-Identifier: MIT */
/* The customer book: interned ids in an open-addressing table, running per-customer figures,
 * optional columnar transactions and attribute columns. Loading is staged so that any failure
 * rolls the book back exactly, without allocating. This file: ids and their hash table,
 * creation, options and errors; the layout is in book_impl.h. */
#include <string.h>

#include "core/book_impl.h"
#include "util/par_tasks.h"

/* ---- hashing --------------------------------------------------------------------------- */

uint64_t tier__book_hash_long(const char *id, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len;
    size_t i = 0;
    while (i + 8 <= len) {
        h = tier__book_mix64(h ^ tier__book_key8(id + i, 8));
        i += 8;
    }
    if (i < len)
        h = tier__book_mix64(h ^ tier__book_key8(id + i, len - i));
    return h;
}

static void slot_set(slot *s, const char *id, size_t len, uint64_t h, uint32_t index)
{
    s->key8 = tier__book_key8(id, len);
    s->meta = tier__book_meta(h, len);
    s->index = index;
}

/* Moves the table to one of 2^bits slots. Homes are the hashes' top bits, so the old table is
 * in home order: walking it in order fills the new one in order too (no random writes), and an
 * id of at most 8 bytes is hashed again from its slot alone. */
static int rehash(tier_book *b, unsigned bits)
{
    size_t nslots = (size_t)1 << bits, i;
    slot *ns = tier__malloc_n(&b->alloc, nslots, sizeof *ns);
    if (!ns)
        return TIER_ENOMEM;
    for (i = 0; i < nslots; i++)
        ns[i].index = NO_CUSTOMER;
    for (i = 0; i < b->nslots; i++) {
        const slot *s = &b->slots[i];
        size_t len = s->meta & 0xffff, j;
        uint64_t h;
        if (s->index == NO_CUSTOMER)
            continue;
        h = len <= 8 ? tier__book_hash_short(s->key8, len)
                     : tier__book_hash_id(tier__book_id_ptr(b, s->index), len);
        for (j = (size_t)(h >> (64 - bits)); ns[j].index != NO_CUSTOMER;)
            j = (j + 1) & (nslots - 1);
        ns[j] = *s;
    }
    tier__free(&b->alloc, b->slots);
    b->slots = ns;
    b->nslots = nslots;
    b->slot_bits = bits;
    return TIER_OK;
}

/* A table for the customers when it was dropped (tier__book_drop_table): each id hashed again. */
static int rebuild(tier_book *b)
{
    unsigned bits = 10;
    size_t nslots, i, j;
    slot *ns;
    while (((size_t)1 << bits) / 2 < b->live.ncust + 1)
        bits++;
    nslots = (size_t)1 << bits;
    if (!(ns = tier__malloc_n(&b->alloc, nslots, sizeof *ns)))
        return TIER_ENOMEM;
    for (i = 0; i < nslots; i++)
        ns[i].index = NO_CUSTOMER;
    for (i = 0; i < b->live.ncust; i++) {
        const char *id = tier__book_id_ptr(b, i);
        size_t len = tier__book_id_len(b, i);
        uint64_t h = tier__book_hash_id(id, len);
        for (j = (size_t)(h >> (64 - bits)); ns[j].index != NO_CUSTOMER;)
            j = (j + 1) & (nslots - 1);
        slot_set(&ns[j], id, len, h, (uint32_t)i);
    }
    b->slots = ns;
    b->nslots = nslots;
    b->slot_bits = bits;
    return TIER_OK;
}

/* Frees the compact table. */
static void compact_free(tier_book *b)
{
    tier__free(&b->alloc, b->ctag);
    tier__free(&b->alloc, b->cidx);
    tier__free(&b->alloc, b->cat);
    b->ctag = b->cidx = b->cat = NULL;
    b->cbits = 0;
}

/* The compact table's entries on one thread (b->cat zeroed): a counting sort of the customers by
 * bucket (count, place, then each bucket's start). 0 without the memory for it. */
static int compact_serial(tier_book *b, unsigned bits)
{
    size_t n = b->live.ncust, nb = (size_t)1 << bits, i;
    uint32_t *tmp = tier__malloc_n(&b->alloc, n, sizeof *tmp), sum = 0;
    if (!tmp)
        return 0;
    for (i = 0; i < n; i++) {
        tmp[i] =
            (uint32_t)(tier__book_hash_id(tier__book_id_ptr(b, i), tier__book_id_len(b, i)) >> 32);
        b->cat[tmp[i] >> (32 - bits)]++;
    }
    for (i = 0; i <= nb; i++) {
        uint32_t c = b->cat[i];
        b->cat[i] = sum;
        sum += c;
    }
    for (i = 0; i < n; i++) {
        uint32_t at = b->cat[tmp[i] >> (32 - bits)]++;
        b->ctag[at] = tmp[i];
        b->cidx[at] = (uint32_t)i;
    }
    for (i = nb; i > 0; i--)
        b->cat[i] = b->cat[i - 1];
    b->cat[0] = 0;
    tier__free(&b->alloc, tmp);
    return 1;
}

/* From this many customers on, with an executor, the compact table is built on its threads, in
 * slices of at least COMPACT_GRAIN customers (fewer are not worth a thread). */
#define COMPACT_PAR_FROM ((size_t)1 << 15)
#define COMPACT_GRAIN ((size_t)1 << 14)
/* The parallel build first partitions the customers into groups by the top bits of their bucket
 * (this many, or the bucket's bits when fewer), then sorts each group on its own. */
#define COMPACT_GROUP_BITS 8
#define COMPACT_GROUPS (1 << COMPACT_GROUP_BITS)

typedef struct compact_job {
    tier_book *b;
    size_t n, tasks;
    unsigned bits, gbits; /* the table's bucket bits; the groups' (the top gbits of those) */
    uint32_t *tag, *idx;  /* the customers partitioned by group: their tags, themselves */
    uint32_t start[COMPACT_GROUPS + 1]; /* each group's first entry (start[groups] = n) */
    /* Per slice (stride COMPACT_GROUPS): its customers in each group, then the next place of
     * its next one there (allocated with tag and idx: up to 64 KB, too much for a host's stack). */
    uint32_t *count;
} compact_job;

/* Hashes a slice of the customers into b->ctag (a scratch array until compact_sort) and counts
 * them by group. */
static void compact_hash(void *arg, size_t t)
{
    compact_job *j = arg;
    const tier_book *b = j->b;
    uint32_t *c = j->count + t * COMPACT_GROUPS, *tag = b->ctag;
    size_t i = tier__par_begin(j->n, j->tasks, t), end = tier__par_begin(j->n, j->tasks, t + 1);
    unsigned shift = 32 - j->gbits;
    memset(c, 0, COMPACT_GROUPS * sizeof *c);
    for (; i < end; i++) {
        tag[i] =
            (uint32_t)(tier__book_hash_id(tier__book_id_ptr(b, i), tier__book_id_len(b, i)) >> 32);
        c[tag[i] >> shift]++;
    }
}

/* Places a slice's customers in their groups, in customer order: the slices' places come one
 * after another in every group, so that each group holds its customers in ascending order. */
static void compact_scatter(void *arg, size_t t)
{
    compact_job *j = arg;
    uint32_t *c = j->count + t * COMPACT_GROUPS;
    const uint32_t *tag = j->b->ctag;
    size_t i = tier__par_begin(j->n, j->tasks, t), end = tier__par_begin(j->n, j->tasks, t + 1);
    unsigned shift = 32 - j->gbits;
    for (; i < end; i++) {
        uint32_t at = c[tag[i] >> shift]++;
        j->tag[at] = tag[i];
        j->idx[at] = (uint32_t)i;
    }
}

/* Sorts a range of groups by bucket into the table at the groups' own places, as compact_serial
 * does the whole table (a stable counting sort), and writes the starts of their buckets: no two
 * tasks touch the same entry or bucket. */
static void compact_sort(void *arg, size_t t)
{
    compact_job *j = arg;
    tier_book *b = j->b;
    size_t groups = (size_t)1 << j->gbits, g = tier__par_begin(groups, j->tasks, t),
           gend = tier__par_begin(groups, j->tasks, t + 1), i, k;
    size_t per = (size_t)1 << (j->bits - j->gbits); /* buckets in a group */
    uint32_t mask = (uint32_t)per - 1;
    unsigned shift = 32 - j->bits;
    for (; g < gend; g++) {
        uint32_t *cat = b->cat + g * per, sum = j->start[g];
        size_t lo = j->start[g], hi = j->start[g + 1];
        for (i = lo; i < hi; i++)
            cat[(j->tag[i] >> shift) & mask]++;
        for (k = 0; k < per; k++) {
            uint32_t c = cat[k];
            cat[k] = sum;
            sum += c;
        }
        for (i = lo; i < hi; i++) {
            uint32_t at = cat[(j->tag[i] >> shift) & mask]++;
            b->ctag[at] = j->tag[i];
            b->cidx[at] = j->idx[i];
        }
        /* Each bucket's next place is now the next bucket's start. */
        for (k = per - 1; k > 0; k--)
            cat[k] = cat[k - 1];
        cat[0] = j->start[g];
    }
}

/* The compact table's entries (b->cat zeroed) on the book's executor, exactly those of
 * compact_serial: the partition keeps each group in customer order and the sort within a group
 * is stable, so every bucket lists its customers in ascending order whatever the number of
 * tasks. 0 (nothing done) without an executor, for a small book or without the memory (8 bytes
 * a customer, 4 more than compact_serial's, and 1 KB a task). */
static int compact_parallel(tier_book *b, unsigned bits)
{
    compact_job j;
    size_t g, t, groups;
    uint32_t sum = 0;
    if (b->live.ncust < COMPACT_PAR_FROM)
        return 0;
    j.tasks = tier__par_tasks(tier__book_executor(b), b->live.ncust, COMPACT_GRAIN);
    if (j.tasks < 2 ||
        !(j.tag = tier__malloc_n(&b->alloc, 2 * b->live.ncust + j.tasks * COMPACT_GROUPS,
                                 sizeof *j.tag)))
        return 0;
    j.b = b;
    j.n = b->live.ncust;
    j.idx = j.tag + j.n;
    j.count = j.idx + j.n;
    j.bits = bits;
    j.gbits = bits < COMPACT_GROUP_BITS ? bits : COMPACT_GROUP_BITS;
    groups = (size_t)1 << j.gbits;
    tier__par_run(tier__book_executor(b), j.tasks, compact_hash, &j);
    /* Group by group, slice by slice: where each slice's customers of a group go. */
    for (g = 0; g < groups; g++) {
        j.start[g] = sum;
        for (t = 0; t < j.tasks; t++) {
            uint32_t c = j.count[t * COMPACT_GROUPS + g];
            j.count[t * COMPACT_GROUPS + g] = sum;
            sum += c;
        }
    }
    j.start[groups] = sum;
    tier__par_run(tier__book_executor(b), j.tasks, compact_scatter, &j);
    tier__par_run(tier__book_executor(b), j.tasks, compact_sort, &j);
    b->cat[(size_t)1 << bits] = (uint32_t)j.n;
    tier__free(&b->alloc, j.tag);
    return 1;
}

/* Replaces the wide table by the compact one (see book_impl.h); best effort: without the memory
 * the wide one stays. */
static void compact(tier_book *b)
{
    size_t n = b->live.ncust;
    unsigned bits = 4;
    if (b->ctag || n == 0)
        return;
    while (((size_t)4 << bits) < n) /* about 4 customers a bucket; n < 2^32, so bits <= 30 */
        bits++;
    b->ctag = tier__malloc_n(&b->alloc, n, sizeof *b->ctag);
    b->cidx = tier__malloc_n(&b->alloc, n, sizeof *b->cidx);
    b->cat = tier__calloc(&b->alloc, ((size_t)1 << bits) + 1, sizeof *b->cat);
    if (!b->ctag || !b->cidx || !b->cat ||
        !(compact_parallel(b, bits) || compact_serial(b, bits))) {
        compact_free(b);
        return;
    }
    b->cbits = bits;
    tier__free(&b->alloc, b->slots);
    b->slots = NULL;
    b->nslots = 0;
    b->slot_bits = 0;
}

/* 1 when customer c's id is `id`. */
static int id_is(const tier_book *b, size_t c, const char *id, size_t len)
{
    return tier__book_id_len(b, c) == len && memcmp(tier__book_id_ptr(b, c), id, len) == 0;
}

/* The customer of `id` (hash h) through the compact table, NO_CUSTOMER when none. */
static uint32_t compact_find(const tier_book *b, const char *id, size_t len, uint64_t h)
{
    uint32_t tag = (uint32_t)(h >> 32), k = tag >> (32 - b->cbits), i;
    for (i = b->cat[k]; i < b->cat[k + 1]; i++)
        if (b->ctag[i] == tag && id_is(b, b->cidx[i], id, len))
            return b->cidx[i];
    return NO_CUSTOMER;
}

void tier__book_drop_table(tier_book *b)
{
    compact_free(b);
    tier__free(&b->alloc, b->slots);
    b->slots = NULL;
    b->nslots = 0;
    b->slot_bits = 0;
}

/* Removes the slot of `index` by backward-shift deletion (linear probing; no allocation). */
void tier__book_slot_remove(tier_book *b, size_t index)
{
    size_t mask = b->nslots - 1, i, j;
    int found;
    i = tier__book_probe(
        b, tier__book_id_ptr(b, index), tier__book_id_len(b, index),
        tier__book_hash_id(tier__book_id_ptr(b, index), tier__book_id_len(b, index)), &found);
    if (!found)
        return;
    j = i;
    for (;;) {
        size_t home;
        j = (j + 1) & mask;
        if (b->slots[j].index == NO_CUSTOMER)
            break;
        home = tier__book_home(b, tier__book_hash_id(tier__book_id_ptr(b, b->slots[j].index),
                                                     tier__book_id_len(b, b->slots[j].index)));
        /* Move j back to i unless its home lies cyclically in (i, j]. */
        if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
            b->slots[i] = b->slots[j];
            i = j;
        }
    }
    b->slots[i].index = NO_CUSTOMER;
}

/* ---- creation, options, errors ---------------------------------------------------------- */

int tier_book_new(tier_book **out, const tier_allocator *alloc)
{
    tier_book *b;
    int rc = TIER__HANDLE_CREATE(out, tier_book, alloc);
    if (rc)
        return rc;
    b = *out;
    b->keep_txns = 1;
    b->ignore_from = INT32_MAX;
    b->lim_id_len = 256;
    b->lim_customers = 100000000;
    b->lim_rows_per_call = 100000000;
    b->lim_attributes = 1024;
    b->lim_text = 4096;
    b->live.min_day = NO_DAY;
    b->live.max_day = NO_DAY;
    b->id_off = tier__malloc(&b->alloc, sizeof *b->id_off);
    if (!b->id_off) {
        tier__free(&b->alloc, b);
        *out = NULL;
        return TIER_ENOMEM;
    }
    b->id_off[0] = 0;
    return TIER_OK;
}

void tier_book_free(tier_book *b)
{
    size_t i, k;
    if (!b)
        return;
    for (i = 0; i < b->live.nattr; i++) {
        attribute *at = &b->attrs[i];
        if (at->text)
            for (k = 0; k < at->len; k++)
                tier__free(&b->alloc, at->text[k]);
        tier__free(&b->alloc, at->text);
        tier__free(&b->alloc, at->num);
        tier__free(&b->alloc, at->name);
    }
    tier__free(&b->alloc, b->attrs);
    tier__book_contracts_free(b);
    tier__free(&b->alloc, b->fig);
    tier__free(&b->alloc, b->id_off);
    tier__free(&b->alloc, b->ids);
    tier__book_drop_table(b);
    if (!b->tx_borrowed) {
        tier__free(&b->alloc, b->tx_cust);
        tier__free(&b->alloc, b->tx_day);
        tier__free(&b->alloc, b->tx_amount);
    }
    tier__free(&b->alloc, b->tx_margin);
    tier__free(&b->alloc, b->journal);
    tier__free(&b->alloc, b->touched);
    tier__book_savepoint_free(b);
    tier__book_index_free(b);
    tier__free(&b->alloc, b);
}

const char *tier_book_last_error(const tier_book *b)
{
    return b ? b->err : "";
}

const tier_allocator *tier__book_allocator(const tier_book *b)
{
    return &b->alloc;
}

const tier_executor *tier__book_executor(const tier_book *b)
{
    return b->has_exec ? &b->exec : NULL;
}

/* Shrinks *p (*cap elements of `elem` bytes) to n >= 1 elements; unchanged when it cannot. */
static void trim_array(const tier_allocator *a, void **p, size_t *cap, size_t n, size_t elem)
{
    void *q;
    if (!*p || n == 0 || n >= *cap || !(q = tier__realloc_n(a, *p, n, elem)))
        return;
    *p = q;
    *cap = n;
}

void tier__book_trim(tier_book *b)
{
    size_t n = b->live.ncust, t = b->live.ntx;
    if (b->staging || b->nsp)
        return;
    /* fig holds cap_cust customers and id_off one entry more: id_off only follows fig down. */
    if (n && n < b->cap_cust) {
        size_t cap = b->cap_cust, cap_off = b->cap_cust + 1;
        trim_array(&b->alloc, (void **)&b->fig, &cap, n, sizeof *b->fig);
        if (cap == n) {
            trim_array(&b->alloc, (void **)&b->id_off, &cap_off, n + 1, sizeof *b->id_off);
            b->cap_cust = n;
        }
    }
    trim_array(&b->alloc, (void **)&b->ids, &b->ids_cap, b->live.ids_len, 1);
    /* The transaction columns share cap_tx, the room every one of them has. */
    if (t && t < b->cap_tx) {
        size_t c[4] = {b->cap_tx, b->cap_tx, b->cap_tx, b->cap_tx}, k;
        trim_array(&b->alloc, (void **)&b->tx_cust, &c[0], t, sizeof *b->tx_cust);
        trim_array(&b->alloc, (void **)&b->tx_day, &c[1], t, sizeof *b->tx_day);
        trim_array(&b->alloc, (void **)&b->tx_amount, &c[2], t, sizeof *b->tx_amount);
        trim_array(&b->alloc, (void **)&b->tx_margin, &c[3], t, sizeof *b->tx_margin);
        for (k = 0; k < 4; k++)
            if ((k < 3 || b->tx_margin) && c[k] < b->cap_tx)
                b->cap_tx = c[k];
    }
    /* Nothing adds customers for a while: the compact id table (a quarter of the wide one). */
    compact(b);
}

int tier_book_set_executor(tier_book *b, const tier_executor *ex)
{
    int rc;
    if (!b)
        return TIER_EINVAL;
    if ((rc = tier__executor_check(ex, b->err)) != TIER_OK)
        return rc;
    b->has_exec = ex != NULL;
    if (ex)
        tier__executor_copy(&b->exec, ex);
    return TIER_OK;
}

int tier_book_set_option(tier_book *b, int option, int64_t value)
{
    int64_t lo = 1, hi = INT64_MAX;
    int64_t *lim = NULL;
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    switch (option) {
    case TIER_BOOK_OPT_KEEP_TRANSACTIONS:
    case TIER_BOOK_OPT_IGNORE_FROM_DAY: {
        /* Options that decide what the book holds: in range, and only while it is empty. */
        const int keep = option == TIER_BOOK_OPT_KEEP_TRANSACTIONS;
        const char *what = keep ? "keep-transactions" : "ignore-from";
        if (keep && value != 0 && value != 1) {
            tier__errorf(b->err, "keep-transactions must be 0 or 1, not %lld", (long long)value);
            return TIER_ERANGE;
        }
        if (!keep && (value < INT32_MIN || value > INT32_MAX)) {
            tier__errorf(b->err, "ignore-from day %lld is out of range", (long long)value);
            return TIER_ERANGE;
        }
        if (b->live.ncust || b->live.ignored_rows) {
            tier__errorf(b->err, "%s can only change while the book is empty", what);
            return TIER_ESTATE;
        }
        if (keep)
            b->keep_txns = (int)value;
        else
            b->ignore_from = (int32_t)value;
        return TIER_OK;
    }
    case TIER_BOOK_LIMIT_ID_LENGTH:
        lim = &b->lim_id_len;
        hi = 65535;
        break;
    case TIER_BOOK_LIMIT_CUSTOMERS:
        lim = &b->lim_customers;
        hi = (int64_t)UINT32_MAX - 1;
        break;
    case TIER_BOOK_LIMIT_ROWS_PER_CALL:
        lim = &b->lim_rows_per_call;
        break;
    case TIER_BOOK_LIMIT_ATTRIBUTES:
        lim = &b->lim_attributes;
        hi = 1 << 20;
        break;
    case TIER_BOOK_LIMIT_TEXT_LENGTH:
        lim = &b->lim_text;
        hi = 1 << 30;
        break;
    default:
        tier__errorf(b->err, "unknown book option %d", option);
        return TIER_EINVAL;
    }
    if (value < lo || value > hi) {
        tier__errorf(b->err, "limit %d must be in %lld..%lld, not %lld", option, (long long)lo,
                     (long long)hi, (long long)value);
        return TIER_ERANGE;
    }
    *lim = value;
    return TIER_OK;
}

int tier_book_get_option(const tier_book *b, int option, int64_t *out)
{
    if (!b || !out)
        return TIER_EINVAL;
    switch (option) {
    case TIER_BOOK_OPT_KEEP_TRANSACTIONS:
        *out = b->keep_txns;
        break;
    case TIER_BOOK_OPT_IGNORE_FROM_DAY:
        *out = b->ignore_from;
        break;
    case TIER_BOOK_LIMIT_ID_LENGTH:
        *out = b->lim_id_len;
        break;
    case TIER_BOOK_LIMIT_CUSTOMERS:
        *out = b->lim_customers;
        break;
    case TIER_BOOK_LIMIT_ROWS_PER_CALL:
        *out = b->lim_rows_per_call;
        break;
    case TIER_BOOK_LIMIT_ATTRIBUTES:
        *out = b->lim_attributes;
        break;
    case TIER_BOOK_LIMIT_TEXT_LENGTH:
        *out = b->lim_text;
        break;
    default:
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* ---- customers ------------------------------------------------------------------------ */

static int check_id(tier_book *b, const char *id, size_t len)
{
    if (!id || len == 0) {
        tier__errorf(b->err, "empty customer id");
        return TIER_EINVAL;
    }
    if ((int64_t)len > b->lim_id_len) {
        tier__errorf(b->err, "customer id of %zu bytes is longer than the limit of %lld", len,
                     (long long)b->lim_id_len);
        return TIER_ERANGE;
    }
    /* Fast path: short ASCII ids without NUL. */
    if (len <= 8) {
        uint64_t v = tier__book_key8(id, len);
        uint64_t lowmask = len == 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * len)) - 1);
        uint64_t ones = 0x0101010101010101ULL & lowmask;
        uint64_t highs = 0x8080808080808080ULL & lowmask;
        if ((v & highs) == 0 && ((v - ones) & ~v & highs) == 0)
            return TIER_OK;
    }
    if (!tier__utf8_valid(id, len)) {
        tier__errorf(b->err, "customer id is not valid UTF-8 (or contains a NUL byte)");
        return TIER_EINVAL;
    }
    return TIER_OK;
}

static int grow_customers(tier_book *b, size_t need)
{
    size_t cap = b->cap_cust, cap2 = b->cap_cust;
    void *p;
    int rc;
    if (need <= b->cap_cust)
        return TIER_OK;
    p = b->fig;
    rc = tier__grow(&b->alloc, &p, &cap, need, sizeof(tier__figures));
    if (rc)
        return rc;
    b->fig = p;
    /* id_off has one more entry than there are customers. */
    p = b->id_off;
    cap2 = b->cap_cust + 1;
    rc = tier__grow(&b->alloc, &p, &cap2, cap + 1, sizeof(size_t));
    if (rc)
        return rc; /* fig grew but cap_cust did not: harmless, retried next time */
    b->id_off = p;
    b->cap_cust = cap;
    return TIER_OK;
}

/* Checks id `id` and makes room for one more customer: the limit, the arrays, and the id table
 * when `table` (kept at most half full), so that add_customer cannot fail. The book's contents
 * are unchanged either way. */
static int room_for_one(tier_book *b, const char *id, size_t len, int table)
{
    size_t need;
    int rc = check_id(b, id, len);
    if (rc)
        return rc;
    if ((int64_t)b->live.ncust >= b->lim_customers) {
        tier__errorf(b->err, "more than %lld customers (the limit)", (long long)b->lim_customers);
        return TIER_ERANGE;
    }
    if (table && (b->live.ncust + 1) * 2 > b->nslots &&
        (rc = rehash(b, b->nslots ? b->slot_bits + 1 : 10)) != TIER_OK)
        goto nomem;
    if ((rc = grow_customers(b, b->live.ncust + 1)) != TIER_OK)
        goto nomem;
    need = b->live.ids_len + len + 1;
    if (need > b->ids_cap) {
        void *p = b->ids;
        rc = tier__grow(&b->alloc, &p, &b->ids_cap, need, 1);
        if (rc)
            goto nomem;
        b->ids = p;
    }
    return TIER_OK;
nomem:
    tier__errorf(b->err, "out of memory adding a customer");
    return rc;
}

/* Adds customer `id` after the others, with empty figures (room_for_one made the room); returns
 * its number. The id table is the caller's business. */
static uint32_t add_customer(tier_book *b, const char *id, size_t len)
{
    size_t n = b->live.ncust, end = b->live.ids_len + len + 1;
    memcpy(b->ids + b->live.ids_len, id, len);
    b->ids[end - 1] = '\0';
    b->live.ids_len = end;
    b->id_off[n + 1] = end;
    tier__book_blank_figures(&b->fig[n]);
    b->live.ncust = n + 1;
    return (uint32_t)n;
}

/* Finds or creates a customer whose id hashes to h. `created` tells which. Leaves the book
 * unchanged on failure. */
int tier__book_intern_hashed(tier_book *b, const char *id, size_t len, uint64_t h, uint32_t *out,
                             int *created)
{
    size_t pos;
    int found, rc;
    *created = 0;
    if (TIER__UNLIKELY(!b->nslots && b->live.ncust)) {
        /* Dropped or compact: the wide table again. */
        if ((rc = rebuild(b)) != TIER_OK) {
            tier__errorf(b->err, "out of memory adding a customer");
            return rc;
        }
        compact_free(b);
    }
    if (b->nslots) {
        pos = tier__book_probe(b, id, len, h, &found);
        if (found) {
            *out = b->slots[pos].index;
            return TIER_OK;
        }
    }
    rc = room_for_one(b, id, len, 1);
    if (rc)
        return rc;
    pos = tier__book_probe(b, id, len, h, &found);
    *out = add_customer(b, id, len);
    slot_set(&b->slots[pos], id, len, h, *out);
    *created = 1;
    return TIER_OK;
}

int tier__book_reserve_customers(tier_book *b, size_t more, size_t id_bytes)
{
    size_t need;
    int rc;
    if ((int64_t)b->live.ncust > b->lim_customers ||
        (uint64_t)more > (uint64_t)(b->lim_customers - (int64_t)b->live.ncust)) {
        tier__errorf(b->err, "more than %lld customers (the limit)", (long long)b->lim_customers);
        return TIER_ERANGE;
    }
    if ((rc = grow_customers(b, b->live.ncust + more)) != TIER_OK)
        goto nomem;
    if (id_bytes > SIZE_MAX - b->live.ids_len) {
        rc = TIER_ERANGE;
        goto nomem;
    }
    need = b->live.ids_len + id_bytes;
    if (need > b->ids_cap) {
        void *p = b->ids;
        if ((rc = tier__grow(&b->alloc, &p, &b->ids_cap, need, 1)) != TIER_OK)
            goto nomem;
        b->ids = p;
    }
    return TIER_OK;
nomem:
    tier__errorf(b->err, "out of memory adding customers");
    return rc;
}

int tier__book_reindex(tier_book *b)
{
    if (b->nslots || b->ctag || !b->live.ncust)
        return TIER_OK;
    compact(b);
    return b->ctag ? TIER_OK : rebuild(b);
}

uint32_t tier__book_find_hashed(const tier_book *b, const char *id, size_t len, uint64_t h)
{
    int found;
    size_t pos;
    if (b->ctag)
        return compact_find(b, id, len, h);
    pos = tier__book_probe(b, id, len, h, &found);
    return found ? b->slots[pos].index : NO_CUSTOMER;
}

int tier__book_intern(tier_book *b, const char *id, size_t len, uint32_t *out, int *created)
{
    if (!id && len) {
        *created = 0;
        tier__errorf(b->err, "the customer id is NULL but its length is %zu", len);
        return TIER_EINVAL;
    }
    return tier__book_intern_hashed(b, id, len, tier__book_hash_id(id, len), out, created);
}

int tier_book_find(const tier_book *b, const char *id, size_t len, size_t *out_index)
{
    int found;
    size_t pos;
    if (!b || !id)
        return TIER_ENOTFOUND;
    if (b->ctag) {
        uint32_t c = compact_find(b, id, len, tier__book_hash_id(id, len));
        if (c == NO_CUSTOMER)
            return TIER_ENOTFOUND;
        if (out_index)
            *out_index = c;
        return TIER_OK;
    }
    if (!b->nslots) {
        /* No table (none yet, or dropped): look through the ids. */
        for (pos = 0; pos < b->live.ncust; pos++)
            if (id_is(b, pos, id, len)) {
                if (out_index)
                    *out_index = pos;
                return TIER_OK;
            }
        return TIER_ENOTFOUND;
    }
    pos = tier__book_probe(b, id, len, tier__book_hash_id(id, len), &found);
    if (!found)
        return TIER_ENOTFOUND;
    if (out_index)
        *out_index = b->slots[pos].index;
    return TIER_OK;
}

size_t tier_book_customer_count(const tier_book *b)
{
    return b ? b->live.ncust : 0;
}

size_t tier_book_txn_count(const tier_book *b)
{
    return b ? b->live.ntx : 0;
}

const char *tier_book_customer_id(const tier_book *b, size_t index, size_t *out_len)
{
    if (!b || index >= b->live.ncust)
        return NULL;
    if (out_len)
        *out_len = tier__book_id_len(b, index);
    return tier__book_id_ptr(b, index);
}

/* The first 8 bytes as a big-endian number: comparing two of them orders like memcmp. */
static uint64_t prefix_be(const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < 8; i++)
        v = (v << 8) | (i < len ? u[i] : 0);
    return v;
}

int tier__book_compare_ids(const tier_book *b, size_t x, size_t y)
{
    size_t lx = tier__book_id_len(b, x), ly = tier__book_id_len(b, y);
    uint64_t px = prefix_be(tier__book_id_ptr(b, x), lx),
             py = prefix_be(tier__book_id_ptr(b, y), ly);
    int c;
    /* Ids never hold NUL bytes, so zero padding cannot tie two different short ids. */
    if (px != py)
        return px < py ? -1 : 1;
    c = memcmp(tier__book_id_ptr(b, x), tier__book_id_ptr(b, y), lx < ly ? lx : ly);
    if (c)
        return c;
    return lx < ly ? -1 : lx > ly;
}
