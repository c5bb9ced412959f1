/* SPDX-License-Identifier: MIT */
/* A history to and from a snapshot file (history/snapshot.h; the sections are specified in
 * docs/snapshot-format.md, "libtier history"). The writer is deterministic: the same history
 * gives the same bytes. The reader trusts nothing the container's checksums cannot vouch for:
 * every count against the bytes left, every tier index, day, text and ordering is checked, and a
 * file it accepts is written back byte for byte. Loads are all or nothing (into a scratch history
 * moved into the handle only when complete); saves go through the one atomic write. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/io_internal.h"
#include "history/snapshot.h"

/* libtier's own sections, in the order they are written and must be read, with their flags. */
enum { SEC_HIST, SEC_TIRS, SEC_CUST, SEC_OVRD, SEC_MODL, SEC_LEDG, SEC_COUNT };
static const char *const known_tags[SEC_COUNT] = {"HIST", "TIRS", "CUST", "OVRD", "MODL", "LEDG"};
static const uint32_t known_flags[SEC_COUNT] = {
    TIER__SNAP_REQUIRED, TIER__SNAP_REQUIRED, TIER__SNAP_REQUIRED, TIER__SNAP_REQUIRED, 0, 0};

/* The smallest encoding of one element of each list, to check a count against the bytes left
 * before anything is allocated for it. */
#define MIN_TIER 5u      /* a non-empty string */
#define MIN_ENTRY 33u    /* id (5), tier, since, runs, failing, previous, moved (24), reason (4) */
#define MIN_OVERRIDE 28u /* id, tier, reason, author (4 x 5), expires, created (8) */
#define MIN_MODEL 14u    /* name (5), kind (5), state (4) */
#define MIN_MOVE 21u     /* id (5), from, to, code (12), detail (4) */
#define MATRIX_CELL 16u  /* u64 customers, f64 revenue */

/* ---- writing ------------------------------------------------------------------------------- */

static void put_text(tier__snapw *w, const char *s)
{
    tier__snapw_str(w, s ? s : "", s ? strlen(s) : 0);
}

static void put_override(tier__snapw *w, const tier__hoverride *o)
{
    put_text(w, o->id);
    put_text(w, o->tier);
    put_text(w, o->reason);
    put_text(w, o->author);
    tier__snapw_i32(w, o->expires);
    tier__snapw_i32(w, o->created);
}

static void put_section(tier__snapw *w, const tier_history *h, int k)
{
    size_t i, cells;
    tier__snapw_begin(w, known_tags[k], known_flags[k]);
    switch (k) {
    case SEC_HIST:
        tier__snapw_u32(w, TIER__HIST_FORMAT);
        tier__snapw_u64(w, h->runs);
        tier__snapw_u8(w, h->has_as_of ? 1 : 0);
        tier__snapw_i32(w, h->has_as_of ? h->as_of : 0);
        put_text(w, h->policy_name);
        tier__snapw_u32(w, h->policy_hash);
        break;
    case SEC_TIRS:
        tier__snapw_u32(w, (uint32_t)h->n_tiers);
        for (i = 0; i < h->n_tiers; i++)
            put_text(w, h->tiers[i]);
        break;
    case SEC_CUST:
        tier__snapw_u32(w, (uint32_t)h->n_entries);
        for (i = 0; i < h->n_entries; i++) {
            const tier__hentry *e = &h->entries[i];
            put_text(w, e->id);
            tier__snapw_i32(w, e->tier);
            tier__snapw_i32(w, e->since);
            tier__snapw_u32(w, e->runs);
            tier__snapw_u32(w, e->failing);
            tier__snapw_i32(w, e->previous);
            tier__snapw_i32(w, e->moved);
            put_text(w, e->reason);
        }
        break;
    case SEC_OVRD:
        tier__snapw_u32(w, (uint32_t)h->n_overrides);
        for (i = 0; i < h->n_overrides; i++)
            put_override(w, &h->overrides[i]);
        break;
    case SEC_MODL:
        tier__snapw_u32(w, (uint32_t)h->n_models);
        for (i = 0; i < h->n_models; i++) {
            put_text(w, h->models[i].name);
            put_text(w, h->models[i].kind);
            tier__snapw_str(w, h->models[i].state ? h->models[i].state : "",
                            h->models[i].state ? h->models[i].state_len : 0);
        }
        break;
    default: /* SEC_LEDG */
        tier__snapw_u32(w, (uint32_t)h->n_moves);
        for (i = 0; i < h->n_moves; i++) {
            const tier__hmove *m = &h->moves[i];
            put_text(w, m->id);
            tier__snapw_i32(w, m->from);
            tier__snapw_i32(w, m->to);
            tier__snapw_u32(w, (uint32_t)m->code);
            put_text(w, m->detail);
        }
        if (h->matrix_count && h->matrix_revenue) {
            tier__snapw_u8(w, 1);
            cells = (h->n_tiers + 1) * (h->n_tiers + 1);
            for (i = 0; i < cells; i++) {
                tier__snapw_u64(w, h->matrix_count[i]);
                tier__snapw_f64(w, h->matrix_revenue[i]);
            }
        } else {
            tier__snapw_u8(w, 0);
        }
        tier__snapw_u32(w, (uint32_t)h->n_expired);
        for (i = 0; i < h->n_expired; i++)
            put_override(w, &h->expired[i]);
        break;
    }
    tier__snapw_end(w);
}

/* The unknown sections that stood after `k` of libtier's own (k = SEC_COUNT: after all). */
static void put_raw(tier__snapw *w, const tier_history *h, uint32_t k)
{
    size_t i;
    for (i = 0; i < h->n_raw; i++) {
        const tier__hraw *x = &h->raw[i];
        char tag[5];
        if (k < SEC_COUNT ? x->after != k : x->after < SEC_COUNT)
            continue;
        memcpy(tag, x->tag, 4);
        tag[4] = '\0';
        tier__snapw_section(w, tag, x->flags, x->data, x->len);
    }
}

int tier__history_encode(const tier_history *h, tier__snapw *w)
{
    int k;
    /* Counts are u32 in the file: a larger list cannot be written (nor held, in practice). */
    if (h->n_tiers > TIER__HIST_MAX_TIERS || h->n_entries > UINT32_MAX ||
        h->n_overrides > UINT32_MAX || h->n_models > UINT32_MAX || h->n_moves > UINT32_MAX ||
        h->n_expired > UINT32_MAX) {
        if (!w->status)
            w->status = TIER_ERANGE;
        return w->status;
    }
    for (k = 0; k <= SEC_COUNT; k++) {
        put_raw(w, h, (uint32_t)k);
        if (k < SEC_COUNT)
            put_section(w, h, k);
    }
    return tier__snapw_status(w);
}

/* ---- reading ------------------------------------------------------------------------------- */

/* The reading of one section: its cursor, and the element being read for messages. */
typedef struct dec {
    tier_history *t;
    const tier__snapr *r;
    char *err;
    tier__snapc c;
    const char *list; /* "entry", "tier", "override", ... */
    size_t entry;     /* 1-based number of the element being read; 0: none */
    const char *id;   /* its id or name once read (into the payload), for messages */
    size_t id_len;
} dec;

/* "NAME: section 'TAG'[, entry N[ ("id")]]: " then the message; TIER_ECORRUPT. */
static int bad(dec *d, const char *fmt, ...) TIER__PRINTF(2, 3);
static int bad(dec *d, const char *fmt, ...)
{
    char msg[TIER__ERR_SIZE], where[TIER__QUOTE_MAX * 4 + 96], q[TIER__QUOTE_MAX * 4 + 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (d->entry && d->id)
        snprintf(where, sizeof where, ", %s %zu (%s)", d->list, d->entry,
                 tier__quote_text(q, sizeof q, d->id, d->id_len));
    else if (d->entry)
        snprintf(where, sizeof where, ", %s %zu", d->list, d->entry);
    else
        where[0] = '\0';
    tier__errorf(d->err, "%s: section '%s'%s: %s", d->r->name, d->c.tag, where, msg);
    return TIER_ECORRUPT;
}

static int oom(dec *d)
{
    tier__errorf(d->err, "%s: out of memory reading it", d->r->name);
    return TIER_ENOMEM;
}

/* A cursor's own message (truncated payload) with the element it was reading. */
static int cut(dec *d, int rc)
{
    char msg[TIER__ERR_SIZE];
    if (rc && d->entry) {
        memcpy(msg, d->err, sizeof msg);
        msg[sizeof msg - 1] = '\0';
        tier__errorf(d->err, "%s (reading %s %zu)", msg, d->list, d->entry);
    }
    return rc;
}

static int get_u8(dec *d, uint8_t *v)
{
    return cut(d, tier__snapc_u8(&d->c, v));
}

static int get_u32(dec *d, uint32_t *v)
{
    return cut(d, tier__snapc_u32(&d->c, v));
}

static int get_i32(dec *d, int32_t *v)
{
    return cut(d, tier__snapc_i32(&d->c, v));
}

/* A flag byte: 0 or 1 (*out is 0 on failure). */
static int get_flag(dec *d, const char *what, int *out)
{
    uint8_t v;
    int rc = get_u8(d, &v);
    *out = 0;
    if (rc)
        return rc;
    if (v > 1)
        return bad(d, "%s is %u, expected 0 or 1", what, (unsigned)v);
    *out = v;
    return TIER_OK;
}

/* A text: valid UTF-8 without NUL bytes, not empty unless `may_be_empty`; borrowed from the
 * payload. */
static int get_text(dec *d, const char *what, int may_be_empty, const char **s, size_t *n)
{
    int rc = cut(d, tier__snapc_str(&d->c, 0, s, n));
    if (rc)
        return rc;
    if (*n == 0 && !may_be_empty)
        return bad(d, "%s is empty", what);
    if (!tier__utf8_valid(*s, *n))
        return bad(d, "%s is not valid UTF-8 or holds a NUL byte", what);
    return TIER_OK;
}

/* The same, copied (NUL-terminated). */
static int get_dup(dec *d, const char *what, int may_be_empty, char **out)
{
    const char *s;
    size_t n;
    int rc = get_text(d, what, may_be_empty, &s, &n);
    if (rc)
        return rc;
    *out = tier__strndup(&d->t->alloc, s, n);
    return *out ? TIER_OK : oom(d);
}

/* The element's id (or name), copied and remembered for messages. */
static int get_id(dec *d, const char *what, char **out)
{
    int rc = get_dup(d, what, 0, out);
    if (!rc) {
        d->id = *out;
        d->id_len = strlen(*out);
    }
    return rc;
}

/* A day number within the calendar's range; INT32_MIN ("never") too when `never_ok`. */
static int get_day(dec *d, const char *what, int never_ok, int32_t *out)
{
    int rc = get_i32(d, out);
    if (rc)
        return rc;
    if (never_ok && *out == INT32_MIN)
        return TIER_OK;
    if (*out < TIER_DAY_MIN || *out > TIER_DAY_MAX)
        return bad(d, "%s %ld is not a day number between %d and %d%s", what, (long)*out,
                   TIER_DAY_MIN, TIER_DAY_MAX, never_ok ? " (or -2147483648: never)" : "");
    return TIER_OK;
}

/* A tier index into the TIRS list, or -1 for none. */
static int get_tier(dec *d, const char *what, int32_t *out)
{
    int rc = get_i32(d, out);
    if (rc)
        return rc;
    if (*out < -1 || (int64_t)*out >= (int64_t)d->t->n_tiers)
        return bad(d, "%s index %ld out of range (%zu tiers)", what, (long)*out, d->t->n_tiers);
    return TIER_OK;
}

/* A count of elements of at least `min` bytes each, at most `most` (0: no limit besides the
 * bytes left); *out is 0 on failure. */
static int get_count(dec *d, const char *what, size_t min, size_t most, size_t *out)
{
    uint32_t n;
    int rc = get_u32(d, &n);
    *out = 0;
    if (rc)
        return rc;
    if (most && n > most)
        return bad(d, "%lu %s, more than the %zu allowed", (unsigned long)n, what, most);
    if (n > tier__snapc_left(&d->c) / min)
        return bad(d, "%lu %s cannot fit in the %zu bytes left (each takes at least %zu)",
                   (unsigned long)n, what, tier__snapc_left(&d->c), min);
    *out = n;
    return TIER_OK;
}

/* A list's count (as get_count) and its zeroed array of `size`-byte elements in *p (NULL when
 * the list is empty). */
static int get_array(dec *d, const char *what, size_t min, size_t most, size_t size, void **p,
                     size_t *n)
{
    int rc = get_count(d, what, min, most, n);
    if (rc)
        return rc;
    *p = *n ? tier__calloc(&d->t->alloc, *n, size) : NULL;
    return *n && !*p ? oom(d) : TIER_OK;
}

/* Starts element i (0-based) of list `list`. */
static void element(dec *d, const char *list, size_t i)
{
    d->list = list;
    d->entry = i + 1;
    d->id = NULL;
    d->id_len = 0;
}

/* Bytewise order of NUL-free texts, as strcmp orders them. */
static int text_cmp(const char *a, const char *b)
{
    return strcmp(a, b);
}

static int dec_hist(dec *d)
{
    tier_history *t = d->t;
    uint32_t version;
    int rc = get_u32(d, &version);
    if (rc)
        return rc;
    if (version == 0)
        return bad(d, "history format version 0 is not valid");
    if (version > TIER__HIST_FORMAT) {
        tier__errorf(d->err,
                     "%s: section 'HIST': history format version %lu is newer than this "
                     "library's (%u): written by a newer libtier",
                     d->r->name, (unsigned long)version, TIER__HIST_FORMAT);
        return TIER_EVERSION;
    }
    rc = cut(d, tier__snapc_u64(&d->c, &t->runs));
    if (!rc)
        rc = get_flag(d, "has_as_of", &t->has_as_of);
    if (rc)
        return rc;
    if (t->has_as_of) {
        rc = get_day(d, "as-of day", 0, &t->as_of);
    } else {
        rc = get_i32(d, &t->as_of);
        if (!rc && t->as_of != 0)
            rc = bad(d, "as-of day %ld given without has_as_of (must be 0)", (long)t->as_of);
    }
    if (!rc)
        rc = get_dup(d, "the policy name", 1, &t->policy_name);
    if (!rc)
        rc = get_u32(d, &t->policy_hash);
    return rc;
}

static int dec_tirs(dec *d)
{
    tier_history *t = d->t;
    size_t n, i, j;
    void *p;
    int rc = get_array(d, "tiers", MIN_TIER, TIER__HIST_MAX_TIERS, sizeof *t->tiers, &p, &n);
    if (rc)
        return rc;
    t->tiers = p;
    for (i = 0; i < n; i++) {
        element(d, "tier", i);
        rc = get_id(d, "the tier name", &t->tiers[i]);
        if (rc)
            return rc;
        t->n_tiers = i + 1;
        for (j = 0; j < i; j++)
            if (strcmp(t->tiers[j], t->tiers[i]) == 0)
                return bad(d, "the name repeats tier %zu's", j + 1);
    }
    return TIER_OK;
}

static int dec_cust(dec *d)
{
    tier_history *t = d->t;
    size_t n, i;
    void *p;
    int rc = get_array(d, "entries", MIN_ENTRY, 0, sizeof *t->entries, &p, &n);
    if (rc)
        return rc;
    t->entries = p;
    for (i = 0; i < n; i++) {
        tier__hentry *e = &t->entries[i];
        element(d, "entry", i);
        t->n_entries = i + 1; /* what is read so far is freed with the rest on failure */
        rc = get_id(d, "the customer id", &e->id);
        if (rc)
            return rc;
        if (i && text_cmp(t->entries[i - 1].id, e->id) >= 0)
            return bad(d, "not after entry %zu's id (entries are sorted by id, each once)", i);
        rc = get_tier(d, "tier", &e->tier);
        if (!rc)
            rc = get_day(d, "since", 0, &e->since);
        if (!rc)
            rc = get_u32(d, &e->runs);
        if (!rc)
            rc = get_u32(d, &e->failing);
        if (!rc)
            rc = get_tier(d, "previous tier", &e->previous);
        if (!rc)
            rc = get_day(d, "day of the last move", 1, &e->moved);
        if (!rc)
            rc = get_dup(d, "the reason", 1, &e->reason);
        if (rc)
            return rc;
    }
    return TIER_OK;
}

static int dec_override(dec *d, tier__hoverride *o)
{
    int rc = get_id(d, "the customer id", &o->id);
    if (!rc)
        rc = get_dup(d, "the tier", 0, &o->tier);
    if (!rc)
        rc = get_dup(d, "the reason", 0, &o->reason);
    if (!rc)
        rc = get_dup(d, "the author", 0, &o->author);
    if (!rc)
        rc = get_day(d, "expiry day", 0, &o->expires);
    if (!rc)
        rc = get_day(d, "day of creation", 1, &o->created);
    return rc;
}

/* A list of overrides: OVRD's (sorted by id, each once) or the ledger's expired ones. */
static int dec_overrides(dec *d, const char *list, int sorted, tier__hoverride **out, size_t *n)
{
    size_t count, i;
    void *p;
    int rc = get_array(d, sorted ? "overrides" : "expired overrides", MIN_OVERRIDE, 0, sizeof **out,
                       &p, &count);
    if (rc)
        return rc;
    *out = p;
    for (i = 0; i < count; i++) {
        element(d, list, i);
        *n = i + 1;
        rc = dec_override(d, &(*out)[i]);
        if (rc)
            return rc;
        if (sorted && i && text_cmp((*out)[i - 1].id, (*out)[i].id) >= 0)
            return bad(d, "not after override %zu's id (overrides are sorted by id, each once)", i);
    }
    d->entry = 0;
    return TIER_OK;
}

static int dec_modl(dec *d)
{
    tier_history *t = d->t;
    size_t n, i, j;
    void *p;
    int rc = get_array(d, "models", MIN_MODEL, TIER__HIST_MAX_MODELS, sizeof *t->models, &p, &n);
    if (rc)
        return rc;
    t->models = p;
    for (i = 0; i < n; i++) {
        tier__hmodel *m = &t->models[i];
        const char *s;
        element(d, "model", i);
        t->n_models = i + 1;
        rc = get_id(d, "the model name", &m->name);
        if (rc)
            return rc;
        for (j = 0; j < i; j++)
            if (strcmp(t->models[j].name, m->name) == 0)
                return bad(d, "the name repeats model %zu's", j + 1);
        rc = get_dup(d, "the kind", 0, &m->kind);
        if (!rc)
            rc = get_text(d, "the state", 1, &s, &m->state_len);
        if (rc)
            return rc;
        m->state = tier__strndup(&t->alloc, s, m->state_len);
        if (!m->state)
            return oom(d);
    }
    return TIER_OK;
}

static int dec_ledg(dec *d)
{
    tier_history *t = d->t;
    size_t n, i, cells;
    void *p;
    int has_matrix, rc = get_array(d, "moves", MIN_MOVE, 0, sizeof *t->moves, &p, &n);
    if (rc)
        return rc;
    t->moves = p;
    for (i = 0; i < n; i++) {
        tier__hmove *m = &t->moves[i];
        uint32_t code;
        element(d, "move", i);
        t->n_moves = i + 1;
        rc = get_id(d, "the customer id", &m->id);
        if (!rc)
            rc = get_tier(d, "from tier", &m->from);
        if (!rc)
            rc = get_tier(d, "to tier", &m->to);
        if (!rc)
            rc = get_u32(d, &code);
        if (!rc && (code < TIER__MOVE_NEW || code > TIER__MOVE_OVERRIDE_EXPIRED))
            rc = bad(d, "move code %lu is not one of %d to %d", (unsigned long)code, TIER__MOVE_NEW,
                     TIER__MOVE_OVERRIDE_EXPIRED);
        if (rc)
            return rc;
        m->code = (int)code;
        rc = get_dup(d, "the detail", 1, &m->detail);
        if (rc)
            return rc;
    }
    d->entry = 0;
    rc = get_flag(d, "has_matrix", &has_matrix);
    if (rc)
        return rc;
    if (has_matrix) {
        /* n_tiers <= 4096: no overflow. */
        cells = (t->n_tiers + 1) * (t->n_tiers + 1);
        if (tier__snapc_left(&d->c) / MATRIX_CELL < cells)
            return bad(d,
                       "the matrix of %zu cells (%zu tiers and none) cannot fit in the %zu "
                       "bytes left",
                       cells, t->n_tiers, tier__snapc_left(&d->c));
        t->matrix_count = tier__calloc(&t->alloc, cells, sizeof *t->matrix_count);
        t->matrix_revenue = tier__calloc(&t->alloc, cells, sizeof *t->matrix_revenue);
        if (!t->matrix_count || !t->matrix_revenue)
            return oom(d);
        for (i = 0; i < cells; i++) {
            rc = cut(d, tier__snapc_u64(&d->c, &t->matrix_count[i]));
            if (!rc)
                rc = cut(d, tier__snapc_f64(&d->c, &t->matrix_revenue[i]));
            if (rc)
                return rc;
            if (!isfinite(t->matrix_revenue[i]))
                return bad(d,
                           "matrix cell %zu (from %zu to %zu): the revenue is not a finite "
                           "number",
                           i, i / (t->n_tiers + 1), i % (t->n_tiers + 1));
        }
    }
    return dec_overrides(d, "expired override", 0, &t->expired, &t->n_expired);
}

static int dec_section(dec *d, int k)
{
    int rc;
    switch (k) {
    case SEC_HIST:
        rc = dec_hist(d);
        break;
    case SEC_TIRS:
        rc = dec_tirs(d);
        break;
    case SEC_CUST:
        rc = dec_cust(d);
        break;
    case SEC_OVRD:
        rc = dec_overrides(d, "override", 1, &d->t->overrides, &d->t->n_overrides);
        break;
    case SEC_MODL:
        rc = dec_modl(d);
        break;
    default:
        rc = dec_ledg(d);
        break;
    }
    d->entry = 0;
    return rc ? rc : tier__snapc_done(&d->c);
}

static int known_index(const char *tag)
{
    int k;
    for (k = 0; k < SEC_COUNT; k++)
        if (memcmp(known_tags[k], tag, 4) == 0)
            return k;
    return -1;
}

int tier__history_decode(tier_history *t, const tier__snapr *r, char *err)
{
    dec d;
    uint32_t i;
    size_t raw_cap = 0;
    int next = 0, rc;
    memset(&d, 0, sizeof d);
    d.t = t;
    d.r = r;
    d.err = err;
    rc = tier__snapr_check_required(r, known_tags, SEC_COUNT, err);
    if (rc)
        return rc;
    for (i = 0; i < r->count; i++) {
        const tier__snap_section *s = &r->sections[i];
        int k = known_index(s->tag);
        if (k < 0) {
            /* Unknown and not required: kept as it is, and where it is. */
            tier__hraw *x;
            if (tier__grow(&t->alloc, (void **)&t->raw, &raw_cap, t->n_raw + 1, sizeof *t->raw)) {
                tier__errorf(err, "%s: out of memory reading it", r->name);
                return TIER_ENOMEM;
            }
            x = &t->raw[t->n_raw];
            x->data = tier__malloc(&t->alloc, s->length ? s->length : 1);
            if (!x->data) {
                tier__errorf(err, "%s: out of memory reading it", r->name);
                return TIER_ENOMEM;
            }
            memcpy(x->tag, s->tag, 4);
            x->flags = s->flags;
            if (s->length)
                memcpy(x->data, r->data + s->offset, s->length);
            x->len = s->length;
            x->after = (uint32_t)next;
            t->n_raw++;
            continue;
        }
        if (k != next) {
            tier__errorf(err,
                         k < next ? "%s: section '%s' at byte %zu: a second one, or out of its "
                                    "place (libtier's sections come once each, in the order "
                                    "HIST TIRS CUST OVRD MODL LEDG)"
                                  : "%s: section '%s' at byte %zu: out of its place (libtier's "
                                    "sections come once each, in the order HIST TIRS CUST OVRD "
                                    "MODL LEDG)",
                         r->name, s->tag, s->at);
            return TIER_ECORRUPT;
        }
        if (s->flags & ~TIER__SNAP_REQUIRED) {
            tier__errorf(err,
                         "%s: section '%s' at byte %zu: flags 0x%08lx are unknown to this library "
                         "(written by a newer libtier)",
                         r->name, s->tag, s->at, (unsigned long)s->flags);
            return TIER_EVERSION;
        }
        if (s->flags != known_flags[k]) {
            tier__errorf(err, "%s: section '%s' at byte %zu: the required flag must be %s", r->name,
                         s->tag, s->at, known_flags[k] ? "set" : "clear");
            return TIER_ECORRUPT;
        }
        tier__snapr_cursor(r, s, &d.c, err);
        rc = dec_section(&d, k);
        if (rc)
            return rc;
        next++;
    }
    if (next < SEC_COUNT) {
        tier__errorf(err,
                     "%s: no section '%s': not a libtier history (libtier's sections come "
                     "once each, in the order HIST TIRS CUST OVRD MODL LEDG)",
                     r->name, known_tags[next]);
        return TIER_ECORRUPT;
    }
    return TIER_OK;
}

/* ---- the public calls ---------------------------------------------------------------------- */

/* The error text is the only thing a const call may change. */
static char *errbuf(const tier_history *h)
{
    return (char *)h->err;
}

/* Replaces h with the history of r, all or nothing. */
static int load_from(tier_history *h, const tier__snapr *r)
{
    tier_history t;
    int rc;
    memset(&t, 0, sizeof t);
    t.alloc = h->alloc;
    rc = tier__history_decode(&t, r, h->err);
    if (rc) {
        tier__history_clear(&t);
        return rc;
    }
    tier__history_take(h, &t);
    h->err[0] = '\0';
    return TIER_OK;
}

int tier_history_load(tier_history *h, const char *path, const tier_io *io)
{
    tier__snapr r;
    int rc;
    if (!h)
        return TIER_EINVAL;
    if (!path || !*path) {
        tier__errorf(h->err, "the snapshot path is empty");
        return TIER_EINVAL;
    }
    rc = tier__snapr_load(&r, &h->alloc, io, path, 0, h->err);
    if (rc)
        return rc;
    rc = load_from(h, &r);
    tier__snapr_free(&r);
    return rc;
}

int tier_history_load_bytes(tier_history *h, const void *data, size_t len, const char *origin)
{
    tier__snapr r;
    int rc;
    if (!h)
        return TIER_EINVAL;
    if (!data && len) {
        tier__errorf(h->err, "no data (NULL) for %zu bytes", len);
        return TIER_EINVAL;
    }
    rc = tier__snapr_parse(&r, &h->alloc, data, len, origin ? origin : "(snapshot)", h->err);
    if (rc)
        return rc;
    rc = load_from(h, &r);
    tier__snapr_free(&r);
    return rc;
}

/* The snapshot of h in w (finished), checked by reading it back: a history that would not load
 * (a state no run can make) is refused rather than written, since the next run could not use it.
 * `name` stands for the file in messages. */
static int build(const tier_history *h, tier__snapw *w, const char *name,
                 const unsigned char **data, size_t *len)
{
    char *err = errbuf(h), why[TIER__ERR_SIZE];
    tier__snapr r;
    tier_history t;
    int rc;
    tier__snapw_init(w, &h->alloc);
    tier__history_encode(h, w);
    rc = tier__snapw_finish(w, data, len);
    if (rc) {
        tier__errorf(err, "%s: %s", name,
                     rc == TIER_ENOMEM ? "out of memory building the snapshot"
                                       : "the history is too large for a snapshot");
        return rc;
    }
    rc = tier__snapr_parse(&r, &h->alloc, *data, *len, name, why);
    if (!rc) {
        memset(&t, 0, sizeof t);
        t.alloc = h->alloc;
        rc = tier__history_decode(&t, &r, why);
        tier__history_clear(&t);
        tier__snapr_free(&r);
    }
    if (rc == TIER_ENOMEM) {
        tier__errorf(err, "%s: out of memory checking the snapshot", name);
    } else if (rc) {
        tier__errorf(err, "the history is inconsistent and was not saved (it would not load): %s",
                     why);
        rc = TIER_EINVAL;
    }
    return rc;
}

/* What tier_history_save (to_file: to the file at path through io) and tier_history_write (to cb)
 * do: check the destination, build the checked snapshot, hand it over. */
static int deliver(const tier_history *h, int to_file, const char *path, const tier_io *io,
                   tier_write_cb cb, void *ud)
{
    tier__snapw w;
    const unsigned char *data;
    size_t len;
    char *err;
    int rc = TIER_OK;
    if (!h)
        return TIER_EINVAL;
    err = errbuf(h);
    /* The destination is checked before anything is built or touched. */
    if (to_file) {
        rc = tier__io_check_path(io, TIER__IO_NEEDS_SAVE, path, "snapshot", err);
    } else if (!cb) {
        tier__errorf(err, "the output callback is NULL");
        rc = TIER_EINVAL;
    }
    if (rc)
        return rc;
    rc = build(h, &w, to_file ? path : "(snapshot)", &data, &len);
    if (!rc && to_file) {
        rc = tier__snapw_save(&w, io, path, err);
    } else if (!rc && cb(ud, (const char *)data, len) != 0) {
        tier__errorf(err, "the output callback stopped the write");
        rc = TIER_EUSER;
    }
    tier__snapw_free(&w);
    if (!rc)
        err[0] = '\0';
    return rc;
}

int tier_history_save(const tier_history *h, const char *path, const tier_io *io)
{
    return deliver(h, 1, path, io, NULL, NULL);
}

int tier_history_write(const tier_history *h, tier_write_cb cb, void *ud)
{
    return deliver(h, 0, NULL, NULL, cb, ud);
}
