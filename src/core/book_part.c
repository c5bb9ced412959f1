/* SPDX-License-Identifier: MIT */
/* The partitioned load of a new book (core/book_part.h): each stripe aggregates its rows in
 * partition tables of its own (by customer hash), the stripes are merged partition by partition
 * on the host's threads, and the book is assembled partition by partition. Nothing here reports
 * an error text: a failed load is dropped and the caller adds the rows on one thread, which names
 * the first bad row. */
#include <string.h>

#include "core/book_impl.h"
#include "core/book_part.h"
#include "util/par.h"

/* At most 2^MAX_BITS partitions; the load takes 2^bits of them, about one per ROWS_PER_PART
 * expected rows (and at least two per thread): fewer, larger tables for a small load. Until the
 * load is assembled a kept transaction names its customer as partition << (32 - bits) | its
 * index in the stripe's partition. The partitions never change a result, only where the work
 * goes. */
#define MAX_BITS 8
#define NPARTS ((size_t)1 << MAX_BITS)
#define ROWS_PER_PART 32768
#define NO_SEQ UINT64_MAX

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* A customer of a partition: its figures, the row that made it (its stripe's row number; once
 * merged, the load's row number for the first stripe and the merged customer's index in it for
 * the others; once assembled, its index in the book) and the end of its id (after the NUL) in
 * the partition's ids. */
typedef struct pcust {
    tier__figures fig;
    uint64_t seq;
    uint32_t id_end;
} pcust;

/* One stripe's customers of one partition: an open-addressing table (home = the hash's low
 * bits), the customers and their ids. */
typedef struct part {
    slot *slots;
    size_t nslots;
    size_t n, cap;
    pcust *c;
    char *ids;
    size_t ids_len, ids_cap;
    uint64_t ignored;
    int32_t min_day, max_day;
    /* The stripe's first row out of date order for its customer (NO_SEQ: none) and, once the
     * stripe is merged, the customer it was in the first stripe's partition. */
    uint64_t own_seq;
    uint32_t own_local;
    /* Merging this stripe: the first of its customers (in its order) whose rows overlap in time
     * those of the stripes before it, as the customer of the first stripe's partition. */
    uint64_t overlap_seq;
    uint32_t overlap_local;
    uint32_t *over; /* assembly: customers whose slot lies past the partition's stretch */
    size_t nover, cap_over;
    int rc;
} part;

typedef struct stripe {
    part parts[NPARTS];
    uint64_t rows, kept, txbase;
} stripe;

struct tier__pload {
    const tier_allocator *alloc;
    const tier_executor *ex;
    tier_book *nb; /* the book being made: options, limits, kept transactions */
    size_t nstripes, ntasks;
    unsigned bits; /* 2^bits partitions */
    uint32_t local_max;
    stripe *stripes;
    uint64_t rows, ntx;
    /* Assembly: a bit per row (set where a customer was made) and the marks before each word. */
    uint64_t *marks;
    uint32_t *before;
};

static uint64_t load8(const char *p, size_t n)
{
    uint64_t v = 0;
    memcpy(&v, p, n < 8 ? n : 8);
    return v;
}

tier_book *tier__book_blank_like(const tier_book *b)
{
    tier_book *n = NULL;
    if (tier_book_new(&n, &b->alloc) != TIER_OK)
        return NULL;
    n->keep_txns = b->keep_txns;
    n->ignore_from = b->ignore_from;
    n->lim_id_len = b->lim_id_len;
    n->lim_customers = b->lim_customers;
    n->lim_rows_per_call = b->lim_rows_per_call;
    n->lim_attributes = b->lim_attributes;
    n->lim_text = b->lim_text;
    return n;
}

int tier__pload_new(tier__pload **out, const tier_book *like, size_t stripes,
                    const tier_executor *ex, uint64_t expect)
{
    const tier_allocator *a = &like->alloc;
    tier__pload *l;
    size_t p, s;
    *out = NULL;
    if (stripes < 1 || stripes > TIER__PAR_MAX || !(l = tier__calloc(a, 1, sizeof *l)))
        return TIER_ENOMEM;
    l->alloc = a;
    l->ex = ex;
    l->nstripes = stripes;
    l->ntasks = tier__par_width(ex);
    for (l->bits = 1; l->bits < MAX_BITS && (((uint64_t)ROWS_PER_PART << l->bits) < expect ||
                                             ((size_t)1 << l->bits) < 2 * l->ntasks);
         l->bits++)
        ;
    l->local_max = (uint32_t)1 << (32 - l->bits);
    l->stripes = tier__calloc(a, stripes, sizeof *l->stripes);
    l->nb = tier__book_blank_like(like);
    if (!l->stripes || !l->nb) {
        tier__pload_free(l);
        return TIER_ENOMEM;
    }
    for (s = 0; s < stripes; s++)
        for (p = 0; p < NPARTS; p++) {
            part *q = &l->stripes[s].parts[p];
            q->min_day = q->max_day = NO_DAY;
            q->own_seq = q->overlap_seq = NO_SEQ;
        }
    *out = l;
    return TIER_OK;
}

/* Frees what a partition holds (it is then empty). */
static void part_free(const tier_allocator *a, part *q)
{
    void *own[] = {q->slots, q->c, q->ids, q->over};
    tier__free_all(a, own, sizeof own / sizeof *own);
    q->slots = NULL;
    q->c = NULL;
    q->ids = NULL;
    q->over = NULL;
    q->nslots = q->n = q->cap = q->ids_len = q->ids_cap = q->nover = q->cap_over = 0;
}

void tier__pload_free(tier__pload *l)
{
    size_t p, s;
    if (!l)
        return;
    for (s = 0; l->stripes && s < l->nstripes; s++)
        for (p = 0; p < NPARTS; p++)
            part_free(l->alloc, &l->stripes[s].parts[p]);
    tier__free(l->alloc, l->stripes);
    tier__free(l->alloc, l->marks);
    tier__free(l->alloc, l->before);
    tier_book_free(l->nb);
    tier__free(l->alloc, l);
}

void tier__pload_set_txn_base(tier__pload *l, size_t s, uint64_t at)
{
    l->stripes[s].txbase = at;
}

int tier__pload_reserve_txns(tier__pload *l, uint64_t n, int with_margin)
{
    if (n > SIZE_MAX)
        return TIER_ERANGE;
    return tier__book_reserve_txns(l->nb, (size_t)n, with_margin);
}

/* ---- a partition's table ---------------------------------------------------------------- */

static const char *part_id(const part *q, size_t j, size_t *len)
{
    size_t at = j ? q->c[j - 1].id_end : 0;
    *len = q->c[j].id_end - at - 1;
    return q->ids + at;
}

/* The slot of the id (hash h, first bytes key8) in q's table: its customer in *j, or NO_CUSTOMER
 * and the empty slot where it would go. */
static size_t part_find(const part *q, const char *id, size_t len, uint64_t h, uint64_t key8,
                        uint32_t *j)
{
    uint32_t meta = tier__book_slot_meta(h, len);
    size_t pos = (size_t)h & (q->nslots - 1), l;
    for (;;) {
        const slot *s = &q->slots[pos];
        if (s->index == NO_CUSTOMER ||
            (s->meta == meta && s->key8 == key8 &&
             (len <= 8 || memcmp(part_id(q, s->index, &l) + 8, id + 8, len - 8) == 0))) {
            *j = s->index;
            return pos;
        }
        pos = (pos + 1) & (q->nslots - 1);
    }
}

/* The partition's table at twice the size. */
static int part_rehash(const tier_allocator *a, part *q)
{
    size_t n = q->nslots ? q->nslots * 2 : 64, i;
    slot *ns = tier__malloc_n(a, n, sizeof *ns);
    if (!ns)
        return TIER_ENOMEM;
    for (i = 0; i < n; i++)
        ns[i].index = NO_CUSTOMER;
    for (i = 0; i < q->nslots; i++) {
        size_t j, len;
        const char *id;
        if (q->slots[i].index == NO_CUSTOMER)
            continue;
        id = part_id(q, q->slots[i].index, &len);
        j = (size_t)tier__book_hash_id(id, len) & (n - 1);
        while (ns[j].index != NO_CUSTOMER)
            j = (j + 1) & (n - 1);
        ns[j] = q->slots[i];
    }
    tier__free(a, q->slots);
    q->slots = ns;
    q->nslots = n;
    return TIER_OK;
}

/* A new customer (id, hash h) made by row `seq`, its figures `fig`, at slot `pos` of q's table
 * (found by part_find; any slot when the table grows). */
static int part_create(const tier__pload *l, part *q, const char *id, size_t len, uint64_t h,
                       uint64_t seq, const tier__figures *fig, size_t pos, uint32_t *out)
{
    const tier_allocator *a = l->alloc;
    size_t need = q->ids_len + len + 1;
    pcust *c;
    if (q->n + 1 >= l->local_max || need > UINT32_MAX)
        return TIER_ERANGE;
    if ((q->n + 1) * 2 > q->nslots) {
        uint32_t none;
        int rc = part_rehash(a, q);
        if (rc)
            return rc;
        pos = part_find(q, id, len, h, load8(id, len), &none);
    }
    if ((q->n == q->cap && tier__grow(a, (void **)&q->c, &q->cap, q->n + 1, sizeof *q->c)) ||
        (need > q->ids_cap && tier__grow(a, (void **)&q->ids, &q->ids_cap, need, 1)))
        return TIER_ENOMEM;
    memcpy(q->ids + q->ids_len, id, len);
    q->ids[q->ids_len + len] = '\0';
    q->ids_len = need;
    c = &q->c[q->n];
    c->id_end = (uint32_t)need;
    c->fig = *fig;
    c->seq = seq;
    tier__book_slot_set(&q->slots[pos], id, len, h, (uint32_t)q->n);
    *out = (uint32_t)q->n++;
    return TIER_OK;
}

/* ---- adding rows ------------------------------------------------------------------------- */

/* Rows taken at once: their slots are fetched first, then their customers, so that the random
 * reads of a batch overlap. */
#define BATCH 32

/* The checks of tier__book_add_rows that come before the customer is found. */
static int row_ok(const tier__row *r)
{
    const int64_t max = (int64_t)(TIER__AMOUNT_MAX * TIER__FIXED_SCALE);
    return r->day >= TIER_DAY_MIN && r->day <= TIER_DAY_MAX && r->amount <= max &&
           r->amount >= -max && (!r->has_margin || (r->margin <= max && r->margin >= -max));
}

/* Row r (row `seq` of its stripe) into customer j of stripe st's partition p. */
static int apply_row(tier__pload *l, stripe *st, size_t p, const tier__row *r, uint32_t j,
                     uint64_t seq)
{
    part *q = &st->parts[p];
    tier_book *nb = l->nb;
    if (r->day >= nb->ignore_from) {
        q->ignored++;
        return TIER_OK;
    }
    switch (tier__fig_apply(&q->c[j].fig, r->day, r->amount, r->margin, r->has_margin)) {
    case TIER__FIG_OVERFLOW:
        return TIER_ERANGE;
    case TIER__FIG_UNORDERED:
        if (q->own_seq == NO_SEQ) {
            q->own_seq = seq;
            q->own_local = j;
        }
        break;
    default:
        break;
    }
    if (q->min_day == NO_DAY || r->day < q->min_day)
        q->min_day = r->day;
    if (q->max_day == NO_DAY || r->day > q->max_day)
        q->max_day = r->day;
    if (nb->keep_txns) {
        size_t t = (size_t)(st->txbase + st->kept++);
        nb->tx_cust[t] = (uint32_t)p << (32 - l->bits) | j;
        nb->tx_day[t] = r->day;
        nb->tx_amount[t] = r->amount;
        if (nb->tx_margin)
            nb->tx_margin[t] = r->has_margin ? r->margin : NO_MARGIN;
    }
    return TIER_OK;
}

int tier__pload_add_rows(tier__pload *l, size_t s, const tier__row *rows, size_t n,
                         size_t *failed_at)
{
    static const tier__figures none = {NO_DAY, NO_DAY, 0, 0, 0, 0, 0, 0};
    stripe *st = &l->stripes[s];
    size_t base, shift = 64 - l->bits;
    for (base = 0; base < n; base += BATCH) {
        size_t m = n - base < BATCH ? n - base : BATCH, i;
        uint64_t h[BATCH];
        uint32_t idx[BATCH];
        int rc = TIER_OK;
        /* Hash the batch and fetch its slots, find (or make) its customers and fetch them, then
         * apply its rows: the random reads of a batch overlap. */
        for (i = 0; i < m; i++) {
            const part *q;
            h[i] = tier__book_hash_id(rows[base + i].id, rows[base + i].id_len);
            q = &st->parts[h[i] >> shift];
            if (q->nslots)
                PREFETCH(&q->slots[(size_t)h[i] & (q->nslots - 1)]);
        }
        for (i = 0; i < m && rc == TIER_OK; i++) {
            const tier__row *r = &rows[base + i];
            part *q = &st->parts[h[i] >> shift];
            size_t pos = 0;
            idx[i] = NO_CUSTOMER;
            if (!row_ok(r)) {
                rc = TIER_ERANGE;
                break;
            }
            if (q->nslots)
                pos = part_find(q, r->id, r->id_len, h[i], load8(r->id, r->id_len), &idx[i]);
            if (idx[i] == NO_CUSTOMER &&
                ((rc = tier__book_id_status(l->nb, r->id, r->id_len)) != 0 ||
                 (rc = part_create(l, q, r->id, r->id_len, h[i], st->rows + i, &none, pos,
                                   &idx[i])) != 0))
                break;
            PREFETCH(&q->c[idx[i]]);
        }
        for (i = 0; i < m && rc == TIER_OK; i++)
            rc = apply_row(l, st, (size_t)(h[i] >> shift), &rows[base + i], idx[i], st->rows + i);
        if (rc) {
            *failed_at = base + i;
            return rc;
        }
        st->rows += m;
    }
    return TIER_OK;
}

/* ---- merging the stripes ----------------------------------------------------------------- */

/* The partitions of task i. */
static void task_parts(const tier__pload *l, size_t i, size_t *lo, size_t *hi)
{
    *lo = ((size_t)1 << l->bits) * i / l->ntasks;
    *hi = ((size_t)1 << l->bits) * (i + 1) / l->ntasks;
}

/* Merges partition p of stripe s (whose rows come after those of the stripes before it, as
 * tier_book_merge does) into the first stripe's. */
static int merge_part(tier__pload *l, size_t s, size_t p)
{
    part *d = &l->stripes[0].parts[p], *q = &l->stripes[s].parts[p];
    uint64_t rowbase = 0;
    size_t j, k;
    int rc;
    for (k = 0; k < s; k++)
        rowbase += l->stripes[k].rows;
    for (j = 0; j < q->n; j++) {
        size_t len, pos = 0;
        const char *id = part_id(q, j, &len);
        uint64_t h = tier__book_hash_id(id, len);
        uint32_t at = NO_CUSTOMER;
        const pcust *c = &q->c[j];
        if (d->nslots)
            pos = part_find(d, id, len, h, load8(id, len), &at);
        if (at == NO_CUSTOMER) {
            if ((rc = part_create(l, d, id, len, h, rowbase + c->seq, &c->fig, pos, &at)) != 0)
                return rc;
        } else {
            tier__figures *f = &d->c[at].fig;
            int64_t net, margin;
            if (tier__add_i64(f->net, c->fig.net, &net) ||
                tier__add_i64(f->margin, c->fig.margin, &margin))
                return TIER_ERANGE;
            f->net = net;
            f->margin = margin;
            if (tier__fig_combine(f, &c->fig) && q->overlap_seq == NO_SEQ) {
                q->overlap_seq = c->seq;
                q->overlap_local = at;
            }
        }
        q->c[j].seq = at;
    }
    if (q->own_seq != NO_SEQ)
        q->own_local = (uint32_t)q->c[q->own_local].seq;
    d->ignored += q->ignored;
    if (q->min_day != NO_DAY && (d->min_day == NO_DAY || q->min_day < d->min_day))
        d->min_day = q->min_day;
    if (q->max_day != NO_DAY && (d->max_day == NO_DAY || q->max_day > d->max_day))
        d->max_day = q->max_day;
    /* The customers' new places are still needed for the kept transactions. */
    if (!l->nb->keep_txns)
        part_free(l->alloc, q);
    return TIER_OK;
}

static void merge_task(void *arg, size_t i)
{
    tier__pload *l = arg;
    size_t p, lo, hi, s;
    task_parts(l, i, &lo, &hi);
    for (p = lo; p < hi; p++) {
        part *d = &l->stripes[0].parts[p];
        for (s = 1; s < l->nstripes && !d->rc; s++)
            d->rc = merge_part(l, s, p);
    }
}

/* The first failure of any partition (TIER_OK: none). */
static int parts_status(const tier__pload *l)
{
    size_t p;
    for (p = 0; p < NPARTS; p++)
        if (l->stripes[0].parts[p].rc)
            return l->stripes[0].parts[p].rc;
    return TIER_OK;
}

/* The customer (partition p, index in the first stripe's) that tier_book_merge of the stripes'
 * books would name as the first out of date order: the first stripe's own first, else each next
 * stripe's own first, else the first customer of that stripe whose rows overlap the earlier
 * ones'. Returns 0 when there is none. */
static int first_unordered(const tier__pload *l, size_t *pp, uint32_t *local)
{
    size_t s, p;
    for (s = 0; s < l->nstripes; s++) {
        int pass;
        for (pass = 0; pass < 2; pass++) {
            uint64_t best = NO_SEQ;
            for (p = 0; p < NPARTS; p++) {
                const part *q = &l->stripes[s].parts[p];
                uint64_t seq = pass ? q->overlap_seq : q->own_seq;
                if (seq < best) {
                    best = seq;
                    *pp = p;
                    *local = pass ? q->overlap_local : q->own_local;
                }
            }
            if (best != NO_SEQ)
                return 1;
        }
    }
    return 0;
}

/* ---- assembling the book ------------------------------------------------------------------ */

/* The customer index of the customer made by row `seq`: the marks before it. */
static uint32_t rank_of(const tier__pload *l, uint64_t seq)
{
    uint64_t w = l->marks[seq / 64] & ((((uint64_t)1) << (seq % 64)) - 1);
    uint32_t c = 0;
    while (w) {
        w &= w - 1;
        c++;
    }
    return l->before[seq / 64] + c;
}

/* Pass 1: each customer's figures, id length and index (kept in seq). */
static void place_task(void *arg, size_t i)
{
    tier__pload *l = arg;
    tier_book *nb = l->nb;
    size_t p, lo, hi, j;
    task_parts(l, i, &lo, &hi);
    for (p = lo; p < hi; p++) {
        part *q = &l->stripes[0].parts[p];
        for (j = 0; j < q->n; j++) {
            uint32_t g = rank_of(l, q->c[j].seq);
            size_t len;
            (void)part_id(q, j, &len);
            nb->fig[g] = q->c[j].fig;
            nb->id_off[g + 1] = len + 1;
            q->c[j].seq = g;
        }
    }
}

/* Pass 2: the ids, and the id table: each partition fills its own stretch of slots; a customer
 * whose probe runs past the stretch's end waits in `over` for the sequential pass. */
static void ids_task(void *arg, size_t i)
{
    tier__pload *l = arg;
    tier_book *nb = l->nb;
    size_t p, lo, hi, j, stretch = nb->nslots >> l->bits;
    task_parts(l, i, &lo, &hi);
    for (p = lo; p < hi; p++) {
        part *q = &l->stripes[0].parts[p];
        size_t end = (p + 1) * stretch;
        for (j = 0; j < q->n && !q->rc; j++) {
            size_t len, g = (size_t)q->c[j].seq, pos;
            const char *id = part_id(q, j, &len);
            uint64_t h = tier__book_hash_id(id, len);
            memcpy(nb->ids + nb->id_off[g], id, len + 1);
            for (pos = tier__book_slot_home(h, nb->slot_shift);
                 pos < end && nb->slots[pos].index != NO_CUSTOMER; pos++)
                ;
            if (pos < end) {
                tier__book_slot_set(&nb->slots[pos], id, len, h, (uint32_t)g);
                continue;
            }
            if (tier__grow(l->alloc, (void **)&q->over, &q->cap_over, q->nover + 1,
                           sizeof *q->over))
                q->rc = TIER_ENOMEM;
            else
                q->over[q->nover++] = (uint32_t)j;
        }
    }
}

/* Pass 3 (kept transactions): each stripe's partition << (32 - bits) | index into the
 * customer's index in the book. */
static void txns_task(void *arg, size_t i)
{
    tier__pload *l = arg;
    tier_book *nb = l->nb;
    size_t s, t, shift = 32 - l->bits;
    for (s = 0; s < l->nstripes; s++) {
        const stripe *st = &l->stripes[s];
        size_t lo = (size_t)(st->txbase + st->kept * i / l->ntasks),
               hi = (size_t)(st->txbase + st->kept * (i + 1) / l->ntasks);
        for (t = lo; t < hi; t++) {
            uint32_t c = nb->tx_cust[t], j = c & (l->local_max - 1);
            const part *d = &l->stripes[0].parts[c >> shift];
            if (s)
                j = (uint32_t)st->parts[c >> shift].c[j].seq;
            nb->tx_cust[t] = (uint32_t)d->c[j].seq;
        }
    }
}

/* Allocates the book's arrays for k customers with `ids` id bytes (on failure the book frees
 * what it got with itself). */
static int alloc_book(tier__pload *l, size_t k, size_t ids)
{
    tier_book *nb = l->nb;
    size_t nslots = 1024, i, words = (size_t)((l->rows + 63) / 64);
    while (k * 2 > nslots)
        nslots *= 2;
    nb->fig = tier__malloc_n(l->alloc, k, sizeof *nb->fig);
    if (!nb->fig)
        return TIER_ENOMEM;
    nb->cap_cust = k;
    tier__free(l->alloc, nb->id_off);
    nb->id_off = tier__malloc_n(l->alloc, k + 1, sizeof *nb->id_off);
    nb->ids = tier__malloc(l->alloc, ids ? ids : 1);
    nb->slots = tier__malloc_n(l->alloc, nslots, sizeof *nb->slots);
    l->marks = tier__calloc(l->alloc, words ? words : 1, sizeof *l->marks);
    l->before = tier__malloc_n(l->alloc, words + 1, sizeof *l->before);
    if (!nb->id_off || !nb->ids || !nb->slots || !l->marks || !l->before)
        return TIER_ENOMEM;
    nb->ids_cap = ids ? ids : 1;
    nb->nslots = nslots;
    nb->slot_shift = tier__book_slot_shift(nslots);
    for (i = 0; i < nslots; i++)
        nb->slots[i].index = NO_CUSTOMER;
    return TIER_OK;
}

/* The customers whose slot did not fit in their partition's stretch, in partition order. */
static void place_over(tier__pload *l)
{
    tier_book *nb = l->nb;
    size_t p, j;
    for (p = 0; p < NPARTS; p++) {
        const part *q = &l->stripes[0].parts[p];
        for (j = 0; j < q->nover; j++) {
            size_t len, g = (size_t)q->c[q->over[j]].seq, pos;
            const char *id = part_id(q, q->over[j], &len);
            uint64_t h = tier__book_hash_id(id, len);
            for (pos = tier__book_slot_home(h, nb->slot_shift); nb->slots[pos].index != NO_CUSTOMER;
                 pos = (pos + 1) & (nb->nslots - 1))
                ;
            tier__book_slot_set(&nb->slots[pos], id, len, h, (uint32_t)g);
        }
    }
}

int tier__pload_finish(tier__pload *l, tier_book **out)
{
    tier_book *nb = l->nb;
    const part *parts = l->stripes[0].parts;
    size_t p, j, s, k = 0, ids = 0, words, w, up = 0;
    uint32_t marks = 0, ul = 0;
    int rc, unordered;
    *out = NULL;
    for (s = 0, l->rows = 0, l->ntx = 0; s < l->nstripes; s++) {
        l->rows += l->stripes[s].rows;
        l->ntx += l->stripes[s].kept;
    }
    if (l->nstripes > 1) {
        tier__par_run(l->ex, l->ntasks, merge_task, l);
        if ((rc = parts_status(l)) != 0)
            return rc;
    }
    unordered = first_unordered(l, &up, &ul);
    for (p = 0; p < NPARTS; p++) {
        k += parts[p].n;
        ids += parts[p].ids_len;
        nb->live.ignored_rows += parts[p].ignored;
        if (parts[p].min_day != NO_DAY &&
            (nb->live.min_day == NO_DAY || parts[p].min_day < nb->live.min_day))
            nb->live.min_day = parts[p].min_day;
        if (parts[p].max_day != NO_DAY &&
            (nb->live.max_day == NO_DAY || parts[p].max_day > nb->live.max_day))
            nb->live.max_day = parts[p].max_day;
    }
    if (k == 0) {
        *out = nb;
        l->nb = NULL;
        return TIER_OK;
    }
    if ((int64_t)k > nb->lim_customers || k >= NO_CUSTOMER)
        return TIER_ERANGE;
    if ((rc = alloc_book(l, k, ids)) != 0)
        return rc;
    words = (size_t)((l->rows + 63) / 64);
    for (p = 0; p < NPARTS; p++)
        for (j = 0; j < parts[p].n; j++)
            l->marks[parts[p].c[j].seq / 64] |= (uint64_t)1 << (parts[p].c[j].seq % 64);
    for (w = 0; w < words; w++) {
        uint64_t x = l->marks[w];
        l->before[w] = marks;
        while (x) {
            x &= x - 1;
            marks++;
        }
    }
    tier__par_run(l->ex, l->ntasks, place_task, l);
    nb->id_off[0] = 0;
    for (j = 0; j < k; j++)
        nb->id_off[j + 1] += nb->id_off[j];
    tier__par_run(l->ex, l->ntasks, ids_task, l);
    if ((rc = parts_status(l)) != 0)
        return rc;
    place_over(l);
    if (nb->keep_txns && l->ntx)
        tier__par_run(l->ex, l->ntasks, txns_task, l);
    nb->live.ncust = k;
    nb->live.ids_len = ids;
    nb->live.ntx = nb->keep_txns ? (size_t)l->ntx : 0;
    if (unordered) {
        nb->live.unordered = 1;
        nb->live.unordered_cust = (uint32_t)parts[up].c[ul].seq;
    }
    *out = nb;
    l->nb = NULL;
    return TIER_OK;
}
