/* SPDX-License-Identifier: MIT */
/* The customer book: interned ids in an open-addressing table, running per-customer figures,
 * optional columnar transactions and attribute columns. Loading is staged so that any failure
 * rolls the book back exactly, without allocating. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"

#define NO_CUSTOMER UINT32_MAX
#define NO_DAY INT32_MIN
#define NO_MARGIN INT64_MIN

/* One hash slot: the first 8 id bytes inline so that short ids compare without a second miss. */
typedef struct slot {
    uint64_t key8;
    uint32_t index; /* NO_CUSTOMER when empty */
    uint32_t meta;  /* high 16 bits of the hash | id length (ids are at most 65535 bytes) */
} slot;

typedef struct attribute {
    char *name;
    int type;       /* 0 none yet, else a tier_attr_type */
    size_t len;     /* customers covered; beyond that the value is unset */
    double *num;    /* NaN = unset */
    char **text;    /* NULL = unset */
} attribute;

typedef struct journal_entry {
    uint32_t index;
    tier__figures before;
} journal_entry;

struct tier_book {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];

    int keep_txns;
    int32_t ignore_from;
    int64_t lim_id_len, lim_customers, lim_rows_per_call, lim_attributes, lim_text;

    size_t ncust, cap_cust;
    tier__figures *fig;
    size_t *id_off; /* ncust+1 offsets into ids; each id is followed by a NUL */
    char *ids;
    size_t ids_len, ids_cap;

    slot *slots;
    size_t nslots; /* power of two, or 0 */

    size_t ntx, cap_tx;
    uint32_t *tx_cust;
    int32_t *tx_day;
    int64_t *tx_amount;
    int64_t *tx_margin; /* NULL until the first margin; NO_MARGIN = unknown */

    int32_t min_day, max_day; /* of stored transactions; NO_DAY when none */
    uint64_t ignored_rows;
    int unordered;            /* some customer's purchases arrived out of date order */
    uint32_t unordered_cust;

    size_t nattr, cap_attr;
    attribute *attrs;

    /* Staging (tier__book_begin .. commit/rollback). */
    int staging;
    size_t mark_cust, mark_tx, mark_ids, mark_attr;
    int32_t mark_min_day, mark_max_day;
    uint64_t mark_ignored;
    int mark_unordered;
    uint32_t mark_unordered_cust;
    journal_entry *journal;
    size_t njournal, cap_journal;
    unsigned char *touched; /* bit per pre-existing customer journaled in this stage */
    size_t touched_bytes;
};

/* ---- hashing --------------------------------------------------------------------------- */

static uint64_t load8(const char *p, size_t n)
{
    uint64_t v = 0;
    memcpy(&v, p, n < 8 ? n : 8);
    return v;
}

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

static uint64_t hash_id(const char *id, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len;
    size_t i = 0;
    while (i + 8 <= len) {
        h = mix64(h ^ load8(id + i, 8));
        i += 8;
    }
    if (i < len)
        h = mix64(h ^ load8(id + i, len - i));
    else if (len <= 8)
        h = mix64(h);
    return h;
}

static const char *id_ptr(const tier_book *b, size_t index)
{
    return b->ids + b->id_off[index];
}

static size_t id_len_of(const tier_book *b, size_t index)
{
    return b->id_off[index + 1] - b->id_off[index] - 1;
}

/* Finds the slot holding `id`, or the empty slot where it would go. */
static size_t probe(const tier_book *b, const char *id, size_t len, uint64_t h, int *found)
{
    size_t mask = b->nslots - 1, i = (size_t)h & mask;
    uint64_t key8 = load8(id, len);
    uint32_t meta = (uint32_t)((h >> 48) << 16) | (uint32_t)len;
    for (;;) {
        const slot *s = &b->slots[i];
        if (s->index == NO_CUSTOMER) {
            *found = 0;
            return i;
        }
        if (s->meta == meta && s->key8 == key8 &&
            (len <= 8 || memcmp(id_ptr(b, s->index) + 8, id + 8, len - 8) == 0)) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static void slot_set(slot *s, const char *id, size_t len, uint64_t h, uint32_t index)
{
    s->key8 = load8(id, len);
    s->meta = (uint32_t)((h >> 48) << 16) | (uint32_t)len;
    s->index = index;
}

static int rehash(tier_book *b, size_t nslots)
{
    slot *ns = tier__malloc(&b->alloc, nslots * sizeof *ns);
    size_t i;
    if (!ns)
        return TIER_ENOMEM;
    for (i = 0; i < nslots; i++)
        ns[i].index = NO_CUSTOMER;
    for (i = 0; i < b->ncust; i++) {
        const char *id = id_ptr(b, i);
        size_t len = id_len_of(b, i);
        uint64_t h = hash_id(id, len);
        size_t j = (size_t)h & (nslots - 1);
        while (ns[j].index != NO_CUSTOMER)
            j = (j + 1) & (nslots - 1);
        slot_set(&ns[j], id, len, h, (uint32_t)i);
    }
    tier__free(&b->alloc, b->slots);
    b->slots = ns;
    b->nslots = nslots;
    return TIER_OK;
}

/* Removes the slot of `index` by backward-shift deletion (linear probing; no allocation). */
static void slot_remove(tier_book *b, size_t index)
{
    size_t mask = b->nslots - 1, i, j;
    int found;
    i = probe(b, id_ptr(b, index), id_len_of(b, index),
              hash_id(id_ptr(b, index), id_len_of(b, index)), &found);
    if (!found)
        return;
    j = i;
    for (;;) {
        size_t home;
        j = (j + 1) & mask;
        if (b->slots[j].index == NO_CUSTOMER)
            break;
        home = (size_t)hash_id(id_ptr(b, b->slots[j].index), id_len_of(b, b->slots[j].index)) & mask;
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
    tier_allocator a;
    tier_book *b;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    tier__alloc_init(&a, alloc);
    b = tier__calloc(&a, 1, sizeof *b);
    if (!b)
        return TIER_ENOMEM;
    b->alloc = a;
    b->keep_txns = 1;
    b->ignore_from = INT32_MAX;
    b->lim_id_len = 256;
    b->lim_customers = 100000000;
    b->lim_rows_per_call = 100000000;
    b->lim_attributes = 1024;
    b->lim_text = 4096;
    b->min_day = NO_DAY;
    b->max_day = NO_DAY;
    b->id_off = tier__malloc(&a, sizeof *b->id_off);
    if (!b->id_off) {
        tier__free(&a, b);
        return TIER_ENOMEM;
    }
    b->id_off[0] = 0;
    *out = b;
    return TIER_OK;
}

void tier_book_free(tier_book *b)
{
    size_t i, k;
    if (!b)
        return;
    for (i = 0; i < b->nattr; i++) {
        attribute *at = &b->attrs[i];
        if (at->text)
            for (k = 0; k < at->len; k++)
                tier__free(&b->alloc, at->text[k]);
        tier__free(&b->alloc, at->text);
        tier__free(&b->alloc, at->num);
        tier__free(&b->alloc, at->name);
    }
    tier__free(&b->alloc, b->attrs);
    tier__free(&b->alloc, b->fig);
    tier__free(&b->alloc, b->id_off);
    tier__free(&b->alloc, b->ids);
    tier__free(&b->alloc, b->slots);
    tier__free(&b->alloc, b->tx_cust);
    tier__free(&b->alloc, b->tx_day);
    tier__free(&b->alloc, b->tx_amount);
    tier__free(&b->alloc, b->tx_margin);
    tier__free(&b->alloc, b->journal);
    tier__free(&b->alloc, b->touched);
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

int tier_book_set_option(tier_book *b, int option, int64_t value)
{
    int64_t lo = 1, hi = INT64_MAX;
    int64_t *lim = NULL;
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    switch (option) {
    case TIER_BOOK_OPT_KEEP_TRANSACTIONS:
        if (value != 0 && value != 1) {
            tier__errorf(b->err, "keep-transactions must be 0 or 1, not %lld", (long long)value);
            return TIER_ERANGE;
        }
        if (b->ncust || b->ignored_rows) {
            tier__errorf(b->err, "keep-transactions can only change while the book is empty");
            return TIER_ESTATE;
        }
        b->keep_txns = (int)value;
        return TIER_OK;
    case TIER_BOOK_OPT_IGNORE_FROM_DAY:
        if (value < INT32_MIN || value > INT32_MAX) {
            tier__errorf(b->err, "ignore-from day %lld is out of range", (long long)value);
            return TIER_ERANGE;
        }
        if (b->ncust || b->ignored_rows) {
            tier__errorf(b->err, "ignore-from can only change while the book is empty");
            return TIER_ESTATE;
        }
        b->ignore_from = (int32_t)value;
        return TIER_OK;
    case TIER_BOOK_LIMIT_ID_LENGTH: lim = &b->lim_id_len; hi = 65535; break;
    case TIER_BOOK_LIMIT_CUSTOMERS: lim = &b->lim_customers; hi = (int64_t)UINT32_MAX - 1; break;
    case TIER_BOOK_LIMIT_ROWS_PER_CALL: lim = &b->lim_rows_per_call; break;
    case TIER_BOOK_LIMIT_ATTRIBUTES: lim = &b->lim_attributes; hi = 1 << 20; break;
    case TIER_BOOK_LIMIT_TEXT_LENGTH: lim = &b->lim_text; hi = 1 << 30; break;
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
    case TIER_BOOK_OPT_KEEP_TRANSACTIONS: *out = b->keep_txns; break;
    case TIER_BOOK_OPT_IGNORE_FROM_DAY: *out = b->ignore_from; break;
    case TIER_BOOK_LIMIT_ID_LENGTH: *out = b->lim_id_len; break;
    case TIER_BOOK_LIMIT_CUSTOMERS: *out = b->lim_customers; break;
    case TIER_BOOK_LIMIT_ROWS_PER_CALL: *out = b->lim_rows_per_call; break;
    case TIER_BOOK_LIMIT_ATTRIBUTES: *out = b->lim_attributes; break;
    case TIER_BOOK_LIMIT_TEXT_LENGTH: *out = b->lim_text; break;
    default: return TIER_EINVAL;
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
        uint64_t v = load8(id, len);
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

/* Finds or creates a customer whose id hashes to h. `created` tells which. Leaves the book
 * unchanged on failure. */
static int intern_hashed(tier_book *b, const char *id, size_t len, uint64_t h, uint32_t *out,
                         int *created)
{
    size_t pos, need;
    int found, rc;
    *created = 0;
    if (b->nslots) {
        pos = probe(b, id, len, h, &found);
        if (found) {
            *out = b->slots[pos].index;
            return TIER_OK;
        }
    }
    rc = check_id(b, id, len);
    if (rc)
        return rc;
    if ((int64_t)b->ncust >= b->lim_customers) {
        tier__errorf(b->err, "more than %lld customers (the limit)", (long long)b->lim_customers);
        return TIER_ERANGE;
    }
    /* Keep the table at most half full. */
    if ((b->ncust + 1) * 2 > b->nslots) {
        rc = rehash(b, b->nslots ? b->nslots * 2 : 1024);
        if (rc)
            goto nomem;
    }
    rc = grow_customers(b, b->ncust + 1);
    if (rc)
        goto nomem;
    need = b->ids_len + len + 1;
    if (need > b->ids_cap) {
        void *p = b->ids;
        rc = tier__grow(&b->alloc, &p, &b->ids_cap, need, 1);
        if (rc)
            goto nomem;
        b->ids = p;
    }
    memcpy(b->ids + b->ids_len, id, len);
    b->ids[b->ids_len + len] = '\0';
    b->ids_len = need;
    b->id_off[b->ncust + 1] = need;
    b->fig[b->ncust].first_day = NO_DAY;
    b->fig[b->ncust].last_day = NO_DAY;
    b->fig[b->ncust].purchase_days = 0;
    b->fig[b->ncust].purchases = 0;
    b->fig[b->ncust].refunds = 0;
    b->fig[b->ncust].has_margin = 0;
    b->fig[b->ncust].net = 0;
    b->fig[b->ncust].margin = 0;
    pos = probe(b, id, len, h, &found);
    slot_set(&b->slots[pos], id, len, h, (uint32_t)b->ncust);
    *out = (uint32_t)b->ncust++;
    *created = 1;
    return TIER_OK;
nomem:
    tier__errorf(b->err, "out of memory adding a customer");
    return rc;
}

static int intern(tier_book *b, const char *id, size_t len, uint32_t *out, int *created)
{
    return intern_hashed(b, id, len, hash_id(id, len), out, created);
}

int tier_book_find(const tier_book *b, const char *id, size_t len, size_t *out_index)
{
    int found;
    size_t pos;
    if (!b || !id || !b->nslots)
        return TIER_ENOTFOUND;
    pos = probe(b, id, len, hash_id(id, len), &found);
    if (!found)
        return TIER_ENOTFOUND;
    if (out_index)
        *out_index = b->slots[pos].index;
    return TIER_OK;
}

size_t tier_book_customer_count(const tier_book *b)
{
    return b ? b->ncust : 0;
}

size_t tier_book_txn_count(const tier_book *b)
{
    return b ? b->ntx : 0;
}

const char *tier_book_customer_id(const tier_book *b, size_t index, size_t *out_len)
{
    if (!b || index >= b->ncust)
        return NULL;
    if (out_len)
        *out_len = id_len_of(b, index);
    return id_ptr(b, index);
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
    size_t lx = id_len_of(b, x), ly = id_len_of(b, y);
    uint64_t px = prefix_be(id_ptr(b, x), lx), py = prefix_be(id_ptr(b, y), ly);
    int c;
    /* Ids never hold NUL bytes, so zero padding cannot tie two different short ids. */
    if (px != py)
        return px < py ? -1 : 1;
    c = memcmp(id_ptr(b, x), id_ptr(b, y), lx < ly ? lx : ly);
    if (c)
        return c;
    return lx < ly ? -1 : lx > ly;
}

/* ---- staged loading ------------------------------------------------------------------- */

void tier__book_begin(tier_book *b)
{
    b->staging = 1;
    b->mark_cust = b->ncust;
    b->mark_tx = b->ntx;
    b->mark_ids = b->ids_len;
    b->mark_attr = b->nattr;
    b->mark_min_day = b->min_day;
    b->mark_max_day = b->max_day;
    b->mark_ignored = b->ignored_rows;
    b->mark_unordered = b->unordered;
    b->mark_unordered_cust = b->unordered_cust;
    b->njournal = 0;
    if (b->touched)
        memset(b->touched, 0, b->touched_bytes);
    b->err[0] = '\0';
}

void tier__book_commit(tier_book *b)
{
    b->staging = 0;
    b->njournal = 0;
}

void tier__book_rollback(tier_book *b)
{
    size_t i;
    /* Restore figures of customers that existed before, newest entry last written first. */
    for (i = b->njournal; i-- > 0;)
        b->fig[b->journal[i].index] = b->journal[i].before;
    for (i = b->ncust; i-- > b->mark_cust;)
        slot_remove(b, i);
    /* Attribute names created in the stage hold no value yet: forget them. */
    while (b->nattr > b->mark_attr) {
        attribute *at = &b->attrs[--b->nattr];
        tier__free(&b->alloc, at->num);
        tier__free(&b->alloc, at->text);
        tier__free(&b->alloc, at->name);
    }
    b->ncust = b->mark_cust;
    b->ntx = b->mark_tx;
    b->ids_len = b->mark_ids;
    b->min_day = b->mark_min_day;
    b->max_day = b->mark_max_day;
    b->ignored_rows = b->mark_ignored;
    b->unordered = b->mark_unordered;
    b->unordered_cust = b->mark_unordered_cust;
    b->njournal = 0;
    b->staging = 0;
}

/* Saves the figures of a pre-existing customer once per stage, before its first change. */
static int journal(tier_book *b, uint32_t index)
{
    void *p;
    int rc;
    if (!b->staging || index >= b->mark_cust)
        return TIER_OK;
    if (!b->touched || b->touched_bytes < (b->mark_cust + 7) / 8) {
        size_t bytes = (b->mark_cust + 7) / 8;
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

static int grow_txns(tier_book *b, int with_margin)
{
    size_t need = b->ntx + 1, c;
    void *p;
    int rc;
    if (need > b->cap_tx) {
        size_t ncap = b->cap_tx ? b->cap_tx * 2 : 4096;
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
        int64_t *m = tier__malloc(&b->alloc, b->cap_tx * sizeof *m);
        if (!m)
            return TIER_ENOMEM;
        for (i = 0; i < b->cap_tx; i++)
            m[i] = NO_MARGIN;
        b->tx_margin = m;
    }
    return TIER_OK;
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

/* Applies one row to an interned customer's figures (and the kept transactions). */
static int apply_row(tier_book *b, uint32_t idx, int created, int32_t day, int64_t amount,
                     int64_t margin, int has_margin)
{
    tier__figures f;
    int rc;
    if (day >= b->ignore_from) {
        b->ignored_rows++;
        return TIER_OK;
    }
    if (!created && (rc = journal(b, idx)) != 0)
        goto fail;
    if (b->keep_txns && (rc = grow_txns(b, has_margin)) != 0)
        goto fail;
    f = b->fig[idx];
    if (tier__add_i64(f.net, amount, &f.net) ||
        (has_margin && tier__add_i64(f.margin, margin, &f.margin))) {
        tier__errorf(b->err, "the customer's net amount overflows");
        return TIER_ERANGE;
    }
    if (has_margin)
        f.has_margin = 1;
    if (amount >= 0) {
        if (f.purchases == 0) {
            f.first_day = f.last_day = day;
            f.purchase_days = 1;
        } else if (day > f.last_day) {
            f.last_day = day;
            f.purchase_days++;
        } else if (day < f.last_day) {
            /* Out of order: the day may or may not have been seen; exact counts need the
             * kept transactions (tier__book_figures recomputes them). */
            if (day < f.first_day)
                f.first_day = day;
            f.purchase_days++;
            if (!b->unordered) {
                b->unordered = 1;
                b->unordered_cust = idx;
            }
        }
        f.purchases++;
    } else {
        f.refunds++;
    }
    b->fig[idx] = f;
    if (b->min_day == NO_DAY || day < b->min_day)
        b->min_day = day;
    if (b->max_day == NO_DAY || day > b->max_day)
        b->max_day = day;
    if (b->keep_txns) {
        b->tx_cust[b->ntx] = idx;
        b->tx_day[b->ntx] = day;
        b->tx_amount[b->ntx] = amount;
        if (b->tx_margin)
            b->tx_margin[b->ntx] = has_margin ? margin : NO_MARGIN;
        b->ntx++;
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
    if ((rc = intern(b, id, id_len, &idx, &created)) != 0)
        return rc;
    return apply_row(b, idx, created, day, amount, margin, has_margin);
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* Rows go through in small batches so that the random accesses into the id table and the
 * figures of a batch overlap in memory instead of waiting one after another. */
#define BATCH 32

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
            h[i] = hash_id(r->id, r->id_len);
            if (b->nslots)
                PREFETCH(&b->slots[(size_t)h[i] & (b->nslots - 1)]);
        }
        for (i = 0; i < m; i++) {
            const tier__row *r = &rows[base + i];
            int c, rc = check_row(b, r->day, r->amount, r->margin, r->has_margin);
            if (!rc)
                rc = intern_hashed(b, r->id, r->id_len, h[i], &idx[i], &c);
            if (rc) {
                *failed_at = base + i;
                return rc;
            }
            created[i] = (unsigned char)c;
            PREFETCH(&b->fig[idx[i]]);
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

int tier_book_add_txn(tier_book *b, const char *id, size_t id_len, int32_t day, double amount,
                      double margin)
{
    int64_t a, m = 0;
    int rc, has_margin = !isnan(margin);
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    if ((rc = tier__fixed_from_double(amount, &a)) != 0) {
        tier__errorf(b->err, "amount %g is %s", amount, rc == TIER_EINVAL ? "not finite" : "beyond +-1e12");
        return rc;
    }
    if (has_margin && (rc = tier__fixed_from_double(margin, &m)) != 0) {
        tier__errorf(b->err, "margin %g is %s", margin, rc == TIER_EINVAL ? "not finite" : "beyond +-1e12");
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

int tier_book_add_txns(tier_book *b, size_t n, const char *id_data, const size_t *id_offsets,
                       const int32_t *days, const double *amounts, const double *margins)
{
    size_t i, base;
    int rc = TIER_OK;
    char why[TIER__ERR_SIZE];
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
    tier__book_begin(b);
    /* Rows are converted a batch at a time and handed to the batched path. */
    for (base = 0; base < n && rc == TIER_OK; base += BATCH * 8) {
        tier__row rows[BATCH * 8];
        size_t m = n - base < BATCH * 8 ? n - base : BATCH * 8, failed = 0;
        for (i = 0; i < m; i++) {
            size_t r = base + i;
            tier__row *row = &rows[i];
            row->has_margin = margins && !isnan(margins[r]);
            row->margin = 0;
            if (id_offsets[r + 1] < id_offsets[r]) {
                tier__errorf(b->err, "row %zu: id offsets decrease", r);
                rc = TIER_EINVAL;
                break;
            }
            if ((rc = tier__fixed_from_double(amounts[r], &row->amount)) != 0) {
                tier__errorf(b->err, "row %zu: amount is %s", r,
                             rc == TIER_EINVAL ? "not finite" : "beyond +-1e12");
                break;
            }
            if (row->has_margin && (rc = tier__fixed_from_double(margins[r], &row->margin)) != 0) {
                tier__errorf(b->err, "row %zu: margin is %s", r,
                             rc == TIER_EINVAL ? "not finite" : "beyond +-1e12");
                break;
            }
            row->id = id_data + id_offsets[r];
            row->id_len = id_offsets[r + 1] - id_offsets[r];
            row->day = days[r];
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
    if (rc) {
        memcpy(why, b->err, sizeof why);
        tier__book_rollback(b);
        memcpy(b->err, why, sizeof why);
        return rc;
    }
    tier__book_commit(b);
    return TIER_OK;
}

/* Combines the figures of one customer: `later` covers rows that came after those of `f`. Returns 1
 * when the two overlap in time, so that purchase-days can no longer be known exactly. */
static int combine(tier__figures *f, const tier__figures *later)
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
    for (a = 0; a < src->nattr; a++) {
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
        for (i = 0; i < at->len && i < src->ncust; i++) {
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
        for (a = 0; a < src->nattr; a++) {
            const attribute *at = &src->attrs[a];
            if (at->type != TIER_ATTR_TEXT)
                continue;
            for (i = 0; i < at->len && i < src->ncust; i++) {
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

int tier_book_merge(tier_book *dst, const tier_book *src)
{
    uint32_t *map = NULL;
    char **texts = NULL;
    size_t i, t, k = 0;
    int rc = TIER_OK;
    if (!dst || !src || dst == src)
        return TIER_EINVAL;
    dst->err[0] = '\0';
    if (dst->keep_txns && !src->keep_txns && src->ncust) {
        tier__errorf(dst->err, "the book to merge did not keep its transactions");
        return TIER_EINVAL;
    }
    map = tier__malloc(&dst->alloc, (src->ncust ? src->ncust : 1) * sizeof *map);
    if (!map) {
        tier__errorf(dst->err, "out of memory merging books");
        return TIER_ENOMEM;
    }
    tier__book_begin(dst);
    for (i = 0; i < src->ncust && rc == TIER_OK; i++) {
        int created;
        tier__figures f;
        const tier__figures *later = &src->fig[i];
        /* Look a few customers ahead so that their table slots are on the way. */
        if (i % BATCH == 0 && dst->nslots) {
            size_t j, end = i + BATCH < src->ncust ? i + BATCH : src->ncust;
            for (j = i; j < end; j++)
                PREFETCH(&dst->slots[(size_t)hash_id(id_ptr(src, j), id_len_of(src, j)) &
                                     (dst->nslots - 1)]);
        }
        rc = intern(dst, id_ptr(src, i), id_len_of(src, i), &map[i], &created);
        if (rc)
            break;
        /* Only checked here; the figures change after the last step that can fail, so that a
         * failure needs no record of the old ones. */
        f = dst->fig[map[i]];
        if (tier__add_i64(f.net, later->net, &f.net) ||
            tier__add_i64(f.margin, later->margin, &f.margin)) {
            tier__errorf(dst->err, "the net amount of customer \"%s\" overflows", id_ptr(src, i));
            rc = TIER_ERANGE;
        }
    }
    if (rc == TIER_OK && src->unordered && !dst->unordered) {
        dst->unordered = 1;
        dst->unordered_cust = map[src->unordered_cust];
    }
    for (t = 0; rc == TIER_OK && dst->keep_txns && t < src->ntx; t++) {
        int has_margin = src->tx_margin && src->tx_margin[t] != NO_MARGIN;
        if ((rc = grow_txns(dst, has_margin)) != 0)
            break;
        dst->tx_cust[dst->ntx] = map[src->tx_cust[t]];
        dst->tx_day[dst->ntx] = src->tx_day[t];
        dst->tx_amount[dst->ntx] = src->tx_amount[t];
        if (dst->tx_margin)
            dst->tx_margin[dst->ntx] = has_margin ? src->tx_margin[t] : NO_MARGIN;
        dst->ntx++;
    }
    if (rc == TIER_OK)
        rc = merge_attributes(dst, src, map, &texts);
    if (rc) {
        char why[TIER__ERR_SIZE];
        if (rc == TIER_ENOMEM && !dst->err[0])
            tier__errorf(dst->err, "out of memory merging books");
        memcpy(why, dst->err, sizeof why);
        tier__book_rollback(dst);
        memcpy(dst->err, why, sizeof why);
        tier__free(&dst->alloc, map);
        return rc;
    }
    if (src->min_day != NO_DAY) {
        if (dst->min_day == NO_DAY || src->min_day < dst->min_day)
            dst->min_day = src->min_day;
        if (dst->max_day == NO_DAY || src->max_day > dst->max_day)
            dst->max_day = src->max_day;
    }
    dst->ignored_rows += src->ignored_rows;
    tier__book_commit(dst);
    for (i = 0; i < src->ncust; i++) {
        tier__figures *f = &dst->fig[map[i]];
        f->net += src->fig[i].net;
        f->margin += src->fig[i].margin;
        if (combine(f, &src->fig[i]) && !dst->unordered) {
            dst->unordered = 1;
            dst->unordered_cust = map[i];
        }
    }
    /* Nothing below can fail: every attribute slot was reserved and every text copied. */
    for (i = 0; i < src->nattr; i++) {
        const attribute *at = &src->attrs[i];
        size_t c;
        for (c = 0; c < at->len && c < src->ncust; c++) {
            if (at->type == TIER_ATTR_NUMBER && !isnan(at->num[c]))
                tier__book_put_number(dst, map[c], at->name, at->num[c]);
            else if (at->type == TIER_ATTR_TEXT && at->text[c])
                tier__book_put_text(dst, map[c], at->name, texts[k++]);
        }
    }
    tier__free(&dst->alloc, texts);
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
    rc = intern(b, id, id_len, &idx, &created);
    if (rc)
        return rc;
    if (out_index)
        *out_index = idx;
    return TIER_OK;
}

/* ---- reading figures --------------------------------------------------------------------- */

int tier_book_day_range(const tier_book *b, int32_t *first, int32_t *last)
{
    if (!b || b->min_day == NO_DAY)
        return TIER_ENOTFOUND;
    if (first)
        *first = b->min_day;
    if (last)
        *last = b->max_day;
    return TIER_OK;
}

int tier_book_customer_stat(const tier_book *b, size_t index, int stat, double *out)
{
    const tier__figures *f;
    if (!b || !out)
        return TIER_EINVAL;
    if (stat == TIER_BOOK_STAT_IGNORED_ROWS) {
        *out = (double)b->ignored_rows;
        return TIER_OK;
    }
    if (index >= b->ncust)
        return TIER_ERANGE;
    f = &b->fig[index];
    switch (stat) {
    case TIER_BOOK_STAT_FIRST_PURCHASE: *out = f->purchases ? f->first_day : NAN; break;
    case TIER_BOOK_STAT_LAST_PURCHASE: *out = f->purchases ? f->last_day : NAN; break;
    case TIER_BOOK_STAT_PURCHASE_DAYS: {
        /* Exact even after out-of-order rows when transactions are kept. */
        tier__figures one;
        if (b->unordered && b->keep_txns) {
            size_t t;
            int32_t *d = NULL;
            size_t nd = 0, cap = 0, i, j;
            for (t = 0; t < b->ntx; t++) {
                if (b->tx_cust[t] == index && b->tx_amount[t] >= 0) {
                    void *p = d;
                    if (tier__grow(&b->alloc, &p, &cap, nd + 1, sizeof *d)) {
                        tier__free(&b->alloc, d);
                        return TIER_ENOMEM;
                    }
                    d = p;
                    d[nd++] = b->tx_day[t];
                }
            }
            for (i = 1; i < nd; i++) { /* insertion sort: one customer's days */
                int32_t v = d[i];
                for (j = i; j > 0 && d[j - 1] > v; j--)
                    d[j] = d[j - 1];
                d[j] = v;
            }
            one.purchase_days = 0;
            for (i = 0; i < nd; i++)
                if (i == 0 || d[i] != d[i - 1])
                    one.purchase_days++;
            tier__free(&b->alloc, d);
            *out = one.purchase_days;
        } else {
            *out = f->purchase_days;
        }
        break;
    }
    case TIER_BOOK_STAT_PURCHASES: *out = f->purchases; break;
    case TIER_BOOK_STAT_REFUNDS: *out = f->refunds; break;
    case TIER_BOOK_STAT_NET_AMOUNT: *out = tier__fixed_to_double(f->net); break;
    case TIER_BOOK_STAT_NET_MARGIN: *out = f->has_margin ? tier__fixed_to_double(f->margin) : NAN; break;
    default: return TIER_EINVAL;
    }
    return TIER_OK;
}

int tier_book_txn(const tier_book *b, size_t t, size_t *customer, int32_t *day, double *amount,
                  double *margin)
{
    if (!b || t >= b->ntx)
        return TIER_ERANGE;
    if (customer)
        *customer = b->tx_cust[t];
    if (day)
        *day = b->tx_day[t];
    if (amount)
        *amount = tier__fixed_to_double(b->tx_amount[t]);
    if (margin)
        *margin = (b->tx_margin && b->tx_margin[t] != NO_MARGIN)
                      ? tier__fixed_to_double(b->tx_margin[t]) : NAN;
    return TIER_OK;
}

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, c = *(const int32_t *)y;
    return (a > c) - (a < c);
}

const tier__figures *tier__book_running(const tier_book *b)
{
    return b->fig;
}

int tier__book_figures_view(const tier_book *b, int32_t from_day, int32_t to_day,
                            const tier__figures **view, tier__figures **owned, char *why)
{
    int covers_all = b->min_day == NO_DAY || (from_day <= b->min_day && to_day > b->max_day);
    tier__figures *f;
    int rc;
    *owned = NULL;
    if (covers_all && !b->unordered) {
        *view = b->fig;
        return TIER_OK;
    }
    f = tier__malloc(&b->alloc, (b->ncust ? b->ncust : 1) * sizeof *f);
    if (!f) {
        tier__errorf(why, "out of memory for the figures of %zu customers", b->ncust);
        return TIER_ENOMEM;
    }
    rc = tier__book_figures(b, from_day, to_day, f, why);
    if (rc) {
        tier__free(&b->alloc, f);
        return rc;
    }
    *view = *owned = f;
    return TIER_OK;
}

int tier__book_figures(const tier_book *b, int32_t from_day, int32_t to_day, tier__figures *out,
                       char *why)
{
    size_t i, t, *start = NULL;
    uint32_t *order = NULL;
    int32_t *days = NULL;
    int covers_all = b->min_day == NO_DAY || (from_day <= b->min_day && to_day > b->max_day);
    if (covers_all && !b->unordered) {
        if (b->ncust)
            memcpy(out, b->fig, b->ncust * sizeof *out);
        return TIER_OK;
    }
    if (!b->keep_txns) {
        if (!covers_all)
            tier__errorf(why, "the window does not cover every transaction and transactions are "
                              "not kept (keep them, or ignore rows from the as-of day on)");
        else
            tier__errorf(why, "customer \"%s\" has purchases out of date order and transactions "
                              "are not kept, so purchase-days are unknown",
                         id_ptr(b, b->unordered_cust));
        return TIER_ESTATE;
    }
    /* Group the kept transactions by customer (counting sort), then walk each customer's days. */
    start = tier__calloc(&b->alloc, b->ncust + 1, sizeof *start);
    order = tier__malloc(&b->alloc, (b->ntx ? b->ntx : 1) * sizeof *order);
    days = tier__malloc(&b->alloc, (b->ntx ? b->ntx : 1) * sizeof *days);
    if (!start || !order || !days) {
        tier__free(&b->alloc, start);
        tier__free(&b->alloc, order);
        tier__free(&b->alloc, days);
        tier__errorf(why, "out of memory grouping transactions");
        return TIER_ENOMEM;
    }
    for (t = 0; t < b->ntx; t++)
        start[b->tx_cust[t] + 1]++;
    for (i = 0; i < b->ncust; i++)
        start[i + 1] += start[i];
    for (t = 0; t < b->ntx; t++)
        order[start[b->tx_cust[t]]++] = (uint32_t)t;
    for (i = b->ncust; i > 0; i--)
        start[i] = start[i - 1];
    start[0] = 0;
    for (i = 0; i < b->ncust; i++) {
        tier__figures f;
        size_t k, nd = 0, sorted = 1;
        memset(&f, 0, sizeof f);
        f.first_day = f.last_day = NO_DAY;
        for (k = start[i]; k < start[i + 1]; k++) {
            size_t tt = order[k];
            int32_t d = b->tx_day[tt];
            int64_t a = b->tx_amount[tt];
            if (d < from_day || d >= to_day)
                continue;
            f.net += a; /* cannot overflow: the running total over all rows did not */
            if (b->tx_margin && b->tx_margin[tt] != NO_MARGIN) {
                f.margin += b->tx_margin[tt];
                f.has_margin = 1;
            }
            if (a < 0) {
                f.refunds++;
                continue;
            }
            f.purchases++;
            if (nd && d < days[nd - 1])
                sorted = 0;
            days[nd++] = d;
        }
        if (nd) {
            if (!sorted)
                qsort(days, nd, sizeof *days, cmp_i32);
            f.first_day = days[0];
            f.last_day = days[nd - 1];
            for (k = 0; k < nd; k++)
                if (k == 0 || days[k] != days[k - 1])
                    f.purchase_days++;
        }
        out[i] = f;
    }
    tier__free(&b->alloc, start);
    tier__free(&b->alloc, order);
    tier__free(&b->alloc, days);
    return TIER_OK;
}

/* ---- attributes ----------------------------------------------------------------------- */

static int attr_slot(tier_book *b, const char *name, int type, size_t index, attribute **out);

static attribute *find_attr(const tier_book *b, const char *name)
{
    size_t i;
    for (i = 0; i < b->nattr; i++)
        if (strcmp(b->attrs[i].name, name) == 0)
            return &b->attrs[i];
    return NULL;
}

/* Finds or creates attribute `name` of `type` with room for customer `index`. */
int tier__book_reserve_attr(tier_book *b, const char *name, int type, size_t index)
{
    attribute *at;
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
    if (index >= b->ncust) {
        tier__errorf(b->err, "customer index %zu out of range (%zu customers)", index, b->ncust);
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
        if ((int64_t)b->nattr >= b->lim_attributes) {
            tier__errorf(b->err, "more than %lld attributes", (long long)b->lim_attributes);
            return TIER_ERANGE;
        }
        if (tier__grow(&b->alloc, &p, &b->cap_attr, b->nattr + 1, sizeof(attribute)))
            goto nomem;
        b->attrs = p;
        if (!(copy = tier__strdup(&b->alloc, name)))
            goto nomem;
        at = &b->attrs[b->nattr++];
        memset(at, 0, sizeof *at);
        at->name = copy;
    }
    at->type = type;
    if (index >= at->len) {
        size_t nlen2 = b->cap_cust > index ? b->cap_cust : index + 1, k;
        if (type == TIER_ATTR_NUMBER) {
            double *p = tier__realloc(&b->alloc, at->num, nlen2 * sizeof *p);
            if (!p)
                goto nomem;
            for (k = at->len; k < nlen2; k++)
                p[k] = NAN;
            at->num = p;
        } else {
            char **p = tier__realloc(&b->alloc, at->text, nlen2 * sizeof *p);
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
    if ((rc = attr_slot(b, name, TIER_ATTR_NUMBER, index, &at)) != 0)
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
    size_t i, have = 0;
    if (at && at->type == TIER_ATTR_NUMBER)
        have = at->len < b->ncust ? at->len : b->ncust;
    if (have)
        memcpy(out, at->num, have * sizeof *out);
    for (i = have; i < b->ncust; i++)
        out[i] = NAN;
}

size_t tier_book_attribute_count(const tier_book *b)
{
    return b ? b->nattr : 0;
}

const char *tier_book_attribute_name(const tier_book *b, size_t i, int *type)
{
    if (!b || i >= b->nattr)
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
            tier__errorf(b->err, "text of attribute \"%s\" longer than %lld bytes", name ? name : "",
                         (long long)b->lim_text);
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
    if ((rc = attr_slot(b, name, TIER_ATTR_TEXT, index, &at)) != 0) {
        tier__free(&b->alloc, copy);
        return rc;
    }
    tier__free(&b->alloc, at->text[index]);
    at->text[index] = copy;
    return TIER_OK;
}

int tier_book_get_number(const tier_book *b, size_t index, const char *name, double *out)
{
    const attribute *at;
    if (!b || !name || !out)
        return TIER_EINVAL;
    if (index >= b->ncust)
        return TIER_ERANGE;
    at = find_attr(b, name);
    if (!at || at->type != TIER_ATTR_NUMBER || index >= at->len || isnan(at->num[index]))
        return TIER_ENOTFOUND;
    *out = at->num[index];
    return TIER_OK;
}

int tier_book_get_text(const tier_book *b, size_t index, const char *name, const char **out)
{
    const attribute *at;
    if (!b || !name || !out)
        return TIER_EINVAL;
    if (index >= b->ncust)
        return TIER_ERANGE;
    at = find_attr(b, name);
    if (!at || at->type != TIER_ATTR_TEXT || index >= at->len || !at->text[index])
        return TIER_ENOTFOUND;
    *out = at->text[index];
    return TIER_OK;
}
