/* SPDX-License-Identifier: MIT */
/* tier_history_apply (docs/history.md): each customer's final tier from the placed one and the
 * previous state (override, new, same, promotion, demotion held by dwell, demote when and demote
 * after), the new state built in a scratch history, the result's tiers and reasons changed, the
 * ledger of the run; the state and the result change together or not at all. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "history/history_internal.h"
#include "policy/lang/ast.h"
#include "policy/policy_internal.h"
#include "policy/result_internal.h"
#include "util/buf.h"
#include "util/crc32c.h"

/* Distinct texts (the result's reason labels), found through a hash. */
typedef struct strset {
    const tier_allocator *a;
    char **v;
    size_t n, cap;
    uint32_t *slots; /* 0: empty, else index + 1 */
    size_t nslots;
} strset;

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h ^ (h >> 29);
}

/* The index of text s (copied when new), or -1 when out of memory. */
static int32_t strset_add(strset *set, const char *s)
{
    size_t i, mask;
    if (set->n * 2 >= set->nslots) {
        size_t ns = set->nslots ? set->nslots * 2 : 64, k;
        uint32_t *slots = tier__calloc(set->a, ns, sizeof *slots);
        if (!slots)
            return -1;
        for (k = 0; k < set->n; k++) {
            for (i = (size_t)hash_text(set->v[k]) & (ns - 1); slots[i]; i = (i + 1) & (ns - 1))
                ;
            slots[i] = (uint32_t)k + 1;
        }
        tier__free(set->a, set->slots);
        set->slots = slots;
        set->nslots = ns;
    }
    mask = set->nslots - 1;
    for (i = (size_t)hash_text(s) & mask; set->slots[i]; i = (i + 1) & mask)
        if (strcmp(set->v[set->slots[i] - 1], s) == 0)
            return (int32_t)(set->slots[i] - 1);
    if (set->n >= INT32_MAX ||
        tier__grow(set->a, (void **)&set->v, &set->cap, set->n + 1, sizeof *set->v) ||
        !(set->v[set->n] = tier__strdup(set->a, s)))
        return -1;
    set->slots[i] = (uint32_t)++set->n;
    return (int32_t)(set->n - 1);
}

static void strset_free(strset *set)
{
    tier__free_strings(set->a, set->v, set->n);
    tier__free(set->a, set->slots);
}

/* A customer of the book, for visiting them in id order. */
typedef struct cust {
    const char *id; /* NUL-terminated copy (owned by the run) */
    size_t i;       /* index in the book */
} cust;

static int by_id(const void *x, const void *y)
{
    return strcmp(((const cust *)x)->id, ((const cust *)y)->id);
}

/* One apply. */
typedef struct hrun {
    tier_history *h;  /* the previous state */
    tier_history *nh; /* the new one, built aside */
    const tier_allocator *a;
    char *err;
    const tier_result *res;
    const tier_book *book;
    const tier__pol *pol;
    int32_t as_of;
    size_t n, npol;
    int32_t *map;   /* [h->n_tiers] old tier -> new tier index, -1: no longer named */
    cust *custs;    /* [n] by id */
    int64_t *rev;   /* [n] net amount (fixed point) per customer, as tier_result_summary */
    int64_t *cell;  /* [(nt + 1)^2] matrix revenue (fixed point) */
    size_t nt;      /* nh->n_tiers */
    strset reasons; /* the result's final reason labels */
    int32_t *final, *reason, *previous, *move; /* [n] for the result, by book index */
    double *since;
    tier__buf b, d; /* the texts of one customer: final reason (b), ledger detail (d) */
    size_t cap_moves;
} hrun;

static int nomem(hrun *R, const char *what)
{
    tier__errorf(R->err, "out of memory %s", what);
    return TIER_ENOMEM;
}

static const char *tier_of(const hrun *R, int32_t t)
{
    return t >= 0 && (size_t)t < R->nt ? R->nh->tiers[t] : "";
}

/* ---- the new state's tiers: the policy's, then the old ones it no longer has that the previous
 * state still names (so that previous tiers and the ledger can show them) ---------------------- */

static int tiers(hrun *R)
{
    const tier_history *h = R->h;
    size_t t, k, nt = R->npol;
    unsigned char *used = NULL;
    int rc = TIER_ENOMEM;
    R->map = tier__malloc_n(R->a, h->n_tiers + 1, sizeof *R->map);
    used = tier__calloc(R->a, h->n_tiers + 1, 1);
    R->nh->tiers = tier__calloc(R->a, R->npol + h->n_tiers + 1, sizeof *R->nh->tiers);
    if (!R->map || !used || !R->nh->tiers)
        goto done;
    for (k = 0; k < h->n_entries; k++) {
        const tier__hentry *e = &h->entries[k];
        if (e->tier >= 0 && (size_t)e->tier < h->n_tiers)
            used[e->tier] = 1;
        if (e->previous >= 0 && (size_t)e->previous < h->n_tiers)
            used[e->previous] = 1;
    }
    for (t = 0; t < R->npol; t++) {
        R->nh->n_tiers = t + 1;
        if (!(R->nh->tiers[t] = tier__strdup(R->a, R->pol->tiers[t].name)))
            goto done;
    }
    for (k = 0; k < h->n_tiers; k++) {
        R->map[k] = -1;
        for (t = 0; t < R->npol; t++)
            if (strcmp(h->tiers[k], R->pol->tiers[t].name) == 0)
                R->map[k] = (int32_t)t;
        if (R->map[k] >= 0 || !used[k])
            continue;
        if (!(R->nh->tiers[nt] = tier__strdup(R->a, h->tiers[k])))
            goto done;
        R->map[k] = (int32_t)nt;
        R->nh->n_tiers = ++nt;
    }
    R->nt = nt;
    R->nh->matrix_count = tier__calloc(R->a, (nt + 1) * (nt + 1), sizeof *R->nh->matrix_count);
    R->nh->matrix_revenue = tier__calloc(R->a, (nt + 1) * (nt + 1), sizeof *R->nh->matrix_revenue);
    R->cell = tier__calloc(R->a, (nt + 1) * (nt + 1), sizeof *R->cell);
    if (R->nh->matrix_count && R->nh->matrix_revenue && R->cell)
        rc = TIER_OK;
done:
    tier__free(R->a, used);
    return rc ? nomem(R, "naming the tiers") : TIER_OK;
}

static int32_t mapped(const hrun *R, int32_t old)
{
    return old >= 0 && (size_t)old < R->h->n_tiers ? R->map[old] : -1;
}

/* ---- ledger --------------------------------------------------------------------------------- */

static int add_move(hrun *R, const char *id, int32_t from, int32_t to, int code, const char *detail)
{
    tier_history *nh = R->nh;
    tier__hmove *m;
    if (tier__grow(R->a, (void **)&nh->moves, &R->cap_moves, nh->n_moves + 1, sizeof *nh->moves))
        return nomem(R, "recording the ledger");
    m = &nh->moves[nh->n_moves];
    memset(m, 0, sizeof *m);
    m->from = from;
    m->to = to;
    m->code = code;
    m->id = tier__strdup(R->a, id);
    m->detail = tier__strdup(R->a, detail);
    nh->n_moves++; /* freed with the scratch state even when a copy failed */
    return m->id && m->detail ? TIER_OK : nomem(R, "recording the ledger");
}

static int count_cell(hrun *R, int32_t from, int32_t to, int64_t rev)
{
    size_t c = (size_t)(from + 1) * (R->nt + 1) + (size_t)(to + 1);
    R->nh->matrix_count[c]++;
    if (tier__add_i64(R->cell[c], rev, &R->cell[c])) {
        tier__errorf(R->err, "the revenue moving from %s to %s overflows",
                     from < 0 ? "no tier" : tier_of(R, from), to < 0 ? "no tier" : tier_of(R, to));
        return TIER_ERANGE;
    }
    return TIER_OK;
}

/* ---- overrides ------------------------------------------------------------------------------ */

static int copy_override(hrun *R, tier__hoverride *dst, const tier__hoverride *src)
{
    *dst = *src;
    dst->id = tier__strdup(R->a, src->id);
    dst->tier = tier__strdup(R->a, src->tier);
    dst->reason = tier__strdup(R->a, src->reason);
    dst->author = tier__strdup(R->a, src->author);
    return dst->id && dst->tier && dst->reason && dst->author ? TIER_OK
                                                              : nomem(R, "keeping the overrides");
}

/* Overrides in force stay; those whose expiry day is on or before the as-of day go to the
 * ledger's expired list. */
static int overrides(hrun *R)
{
    const tier_history *h = R->h;
    tier_history *nh = R->nh;
    size_t k;
    nh->overrides = tier__calloc(R->a, h->n_overrides + 1, sizeof *nh->overrides);
    nh->expired = tier__calloc(R->a, h->n_overrides + 1, sizeof *nh->expired);
    if (!nh->overrides || !nh->expired)
        return nomem(R, "keeping the overrides");
    for (k = 0; k < h->n_overrides; k++) {
        const tier__hoverride *o = &h->overrides[k];
        int rc;
        if (o->expires <= R->as_of)
            rc = copy_override(R, &nh->expired[nh->n_expired++], o);
        else
            rc = copy_override(R, &nh->overrides[nh->n_overrides++], o);
        if (rc)
            return rc;
    }
    return TIER_OK;
}

/* ---- one customer --------------------------------------------------------------------------- */

struct demote_ud {
    const tier_result *res;
    size_t i;
};

static int demote_of(void *ud, size_t tier)
{
    const struct demote_ud *du = ud;
    return tier__result_demote(du->res, tier, du->i);
}

/* Decides customer c (book index i) against its previous entry p (NULL: new) and writes its new
 * entry, its result columns, its ledger move and its matrix cell. */
static int decide(hrun *R, const cust *c, const tier__hentry *p, tier__hentry *e)
{
    const size_t i = c->i;
    const char *why = "", *cap = NULL;
    const int32_t placed = (int32_t)tier__result_placed(R->res, i, &why, &cap);
    tier__hdecide D;
    tier__hchoice ch;
    int32_t fin, prev, code, r;
    struct demote_ud du;
    int rc;
    du.res = R->res;
    du.i = i;
    D.pol = R->pol;
    D.npol = R->npol;
    D.names = R->nh->tiers;
    D.nt = R->nt;
    D.map = R->map;
    D.n_old = R->h->n_tiers;
    D.as_of = R->as_of;
    D.overrides = R->nh->overrides;
    D.n_overrides = R->nh->n_overrides;
    D.expired = R->nh->expired;
    D.n_expired = R->nh->n_expired;
    D.demote = demote_of;
    D.demote_ud = &du;
    D.err = R->err;
    if ((rc = tier__history_decide(&D, c->id, p, placed, why, cap, &R->b, &R->d, &ch)) != TIER_OK)
        return rc;
    fin = ch.fin;
    prev = ch.prev;
    code = ch.code;
    /* The new entry (its id is already set). */
    e->tier = fin;
    if (p && fin == prev) {
        e->since = p->since;
        e->runs = p->runs < UINT32_MAX ? p->runs + 1 : UINT32_MAX;
        e->failing = ch.held ? ch.failing : 0;
        e->previous = mapped(R, p->previous);
        e->moved = p->moved;
        e->reason = tier__strdup(R->a, p->reason ? p->reason : "");
        code = 0;
    } else {
        e->since = R->as_of;
        e->runs = 1;
        e->failing = 0;
        e->previous = prev;
        e->moved = R->as_of;
        e->reason = tier__strdup(R->a, tier__buf_data(&R->b));
    }
    if (!e->reason)
        return nomem(R, "keeping a reason");
    /* The result's columns. */
    r = tier__buf_len(&R->b) ? strset_add(&R->reasons, tier__buf_data(&R->b)) : -1;
    if (tier__buf_len(&R->b) && r < 0)
        return nomem(R, "collecting the reasons");
    R->final[i] = fin;
    R->reason[i] = r;
    R->previous[i] = prev;
    R->since[i] = fin >= 0 ? (double)e->since : NAN;
    if (!p)
        R->move[i] = TIER__RMOVE_NEW;
    else if (fin == prev)
        R->move[i] = TIER__RMOVE_SAME;
    else if (fin >= 0 && (prev < 0 || (size_t)prev >= R->npol || fin < prev))
        R->move[i] = TIER__RMOVE_UP;
    else
        R->move[i] = TIER__RMOVE_DOWN;
    if (code && (rc = add_move(R, c->id, prev, fin, code, tier__buf_data(&R->d))) != TIER_OK)
        return rc;
    return count_cell(R, prev, fin, R->rev[i]);
}

/* ---- the whole ------------------------------------------------------------------------------ */

static int customers(hrun *R)
{
    const tier_history *h = R->h;
    tier_history *nh = R->nh;
    size_t i, k = 0;
    int rc;
    const tier__figures *fig = tier__book_running(R->book);
    R->custs = tier__calloc(R->a, R->n + 1, sizeof *R->custs);
    R->rev = tier__calloc(R->a, R->n + 1, sizeof *R->rev);
    nh->entries = tier__calloc(R->a, R->n + 1, sizeof *nh->entries);
    if (!R->custs || !R->rev || !nh->entries)
        return nomem(R, "ordering the customers");
    for (i = 0; i < R->n; i++) {
        size_t len = 0;
        const char *id = tier_book_customer_id(R->book, i, &len);
        char *copy;
        if (!id || memchr(id, '\0', len)) {
            tier__errorf(R->err, "customer %zu of the book has an id with a NUL byte", i);
            return TIER_EINVAL;
        }
        if (!(copy = tier__strndup(R->a, id, len)))
            return nomem(R, "ordering the customers");
        nh->entries[i].id = copy;
        nh->n_entries = i + 1;
        R->custs[i].id = copy;
        R->custs[i].i = i;
        R->rev[i] = fig ? fig[i].net : 0;
    }
    qsort(R->custs, R->n, sizeof *R->custs, by_id);
    /* The entries take the ids in id order (the copies only change places). */
    for (i = 0; i < R->n; i++) {
        nh->entries[i].id = (char *)R->custs[i].id;
        if (i && strcmp(R->custs[i - 1].id, R->custs[i].id) == 0) {
            char shown[80];
            tier__errorf(
                R->err, "customer %s appears twice in the book",
                tier__quote_text(shown, sizeof shown, R->custs[i].id, strlen(R->custs[i].id)));
            return TIER_EINVAL;
        }
    }
    /* Merge with the previous entries (both sorted by id): gone, new, or both. */
    for (i = 0; i < R->n; i++) {
        const tier__hentry *p = NULL;
        while (k < h->n_entries && strcmp(h->entries[k].id, R->custs[i].id) < 0) {
            if ((rc = add_move(R, h->entries[k].id, mapped(R, h->entries[k].tier), -1,
                               TIER__MOVE_GONE, "not in the book")) != TIER_OK ||
                (rc = count_cell(R, mapped(R, h->entries[k].tier), -1, 0)) != TIER_OK)
                return rc;
            k++;
        }
        if (k < h->n_entries && strcmp(h->entries[k].id, R->custs[i].id) == 0)
            p = &h->entries[k++];
        if ((rc = decide(R, &R->custs[i], p, &nh->entries[i])) != TIER_OK)
            return rc;
    }
    for (; k < h->n_entries; k++)
        if ((rc = add_move(R, h->entries[k].id, mapped(R, h->entries[k].tier), -1, TIER__MOVE_GONE,
                           "not in the book")) != TIER_OK ||
            (rc = count_cell(R, mapped(R, h->entries[k].tier), -1, 0)) != TIER_OK)
            return rc;
    for (i = 0; i < (R->nt + 1) * (R->nt + 1); i++)
        nh->matrix_revenue[i] = tier__fixed_to_double(R->cell[i]);
    return TIER_OK;
}

/* The fitted models of the run, as the result saved them (models that cannot be saved are not
 * kept). */
static int models(hrun *R)
{
    tier_history *nh = R->nh;
    size_t m, count = 0;
    const char *kind, *state, *name;
    size_t len;
    while (tier__result_model(R->res, count, &kind, &state, &len))
        count++;
    nh->models = tier__calloc(R->a, count + 1, sizeof *nh->models);
    if (!nh->models)
        return nomem(R, "keeping the models");
    for (m = 0; m < count; m++) {
        tier__hmodel *hm = &nh->models[nh->n_models];
        name = tier__result_model(R->res, m, &kind, &state, &len);
        if (!state)
            continue;
        nh->n_models++;
        hm->name = tier__strdup(R->a, name);
        hm->kind = tier__strdup(R->a, kind);
        hm->state = tier__malloc(R->a, len + 1);
        if (!hm->name || !hm->kind || !hm->state)
            return nomem(R, "keeping the models");
        memcpy(hm->state, state, len);
        hm->state[len] = '\0';
        hm->state_len = len;
    }
    return TIER_OK;
}

/* The policy's name and the CRC-32C of its canonical text. */
static int identity(hrun *R, const tier_policy *policy)
{
    tier__buf b;
    const char *name = tier_policy_name(policy);
    tier__buf_init(&b, R->a);
    tier__pol_describe(R->pol, &b);
    if (tier__buf_status(&b)) {
        tier__buf_free(&b);
        return nomem(R, "describing the policy");
    }
    R->nh->policy_hash = tier__crc32c(0, tier__buf_data(&b), tier__buf_len(&b));
    tier__buf_free(&b);
    if (!(R->nh->policy_name = tier__strdup(R->a, name ? name : "")))
        return nomem(R, "keeping the policy's name");
    return TIER_OK;
}

/* The run's as-of day: the one set on the result, else the day after the book's last
 * transaction (as the policy's windows and the models take it). */
static int run_day(hrun *R)
{
    double d = tier__result_as_of(R->res);
    int32_t first, last;
    if (!isnan(d)) {
        R->as_of = (int32_t)d;
    } else if (tier_book_day_range(R->book, &first, &last) == TIER_OK) {
        R->as_of = last + 1;
    } else {
        tier__errorf(R->err, "the run has no as-of day: set one (tier_result_set_as_of) for a "
                             "book without transactions");
        return TIER_EINVAL;
    }
    if (R->h->has_as_of && R->as_of < R->h->as_of) {
        char was[16] = "", now[16] = "";
        (void)tier_date_format_iso(was, sizeof was, R->h->as_of);
        (void)tier_date_format_iso(now, sizeof now, R->as_of);
        tier__errorf(R->err,
                     "the run is as of %s, before the history's last run (%s): runs go forward in "
                     "time",
                     now, was);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* The arguments: a run of this policy on this book. */
static int check(hrun *R)
{
    size_t t;
    if (!tier__result_has_run(R->res)) {
        tier__errorf(R->err, "the result has no run: call tier_result_run first");
        return TIER_ESTATE;
    }
    if (tier__result_finalized(R->res)) {
        tier__errorf(R->err, "the result already went through a history: run the policy again "
                             "before applying another");
        return TIER_ESTATE;
    }
    if (tier_book_customer_count(R->book) != R->n) {
        tier__errorf(R->err,
                     "the book has %zu customers but the result has %zu: not the book of "
                     "the run",
                     tier_book_customer_count(R->book), R->n);
        return TIER_EINVAL;
    }
    if (R->npol != tier_result_tier_count(R->res) || R->npol > INT32_MAX - 1) {
        tier__errorf(R->err,
                     "the policy has %zu tiers but the run had %zu: not the policy of the "
                     "run",
                     R->npol, tier_result_tier_count(R->res));
        return TIER_EINVAL;
    }
    for (t = 0; t < R->npol; t++) {
        const char *name = tier_result_tier_name(R->res, t);
        if (!name || strcmp(name, R->pol->tiers[t].name) != 0) {
            tier__errorf(R->err,
                         "tier %zu of the policy is '%s' but the run's is '%s': not the "
                         "policy of the run",
                         t + 1, R->pol->tiers[t].name, name ? name : "");
            return TIER_EINVAL;
        }
    }
    return TIER_OK;
}

static int finish_result(hrun *R, tier_result *result, const tier_policy *policy)
{
    tier__result_final fin;
    fin.tier = R->final;
    fin.reason = R->reason;
    fin.reasons = (const char *const *)R->reasons.v;
    fin.n_reasons = R->reasons.n;
    fin.previous = R->previous;
    fin.previous_names = (const char *const *)R->nh->tiers;
    fin.n_previous_names = R->nt;
    fin.move = R->move;
    fin.since = R->since;
    fin.policy = policy;
    return tier__result_finalize(result, R->book, &fin, R->err);
}

int tier_history_apply(tier_history *history, tier_result *result, const tier_book *book,
                       const tier_policy *policy)
{
    tier_history *nh = NULL;
    hrun R;
    int rc;
    if (!history)
        return TIER_EINVAL;
    if (!result || !book || !policy) {
        tier__errorf(history->err, "the %s is NULL",
                     !result ? "result"
                     : !book ? "book"
                             : "policy");
        return TIER_EINVAL;
    }
    memset(&R, 0, sizeof R);
    R.h = history;
    R.a = &history->alloc;
    R.err = history->err;
    R.res = result;
    R.book = book;
    R.pol = &policy->pol;
    R.n = tier_result_customer_count(result);
    R.npol = policy->pol.n_tiers;
    R.reasons.a = R.a;
    tier__buf_init(&R.b, R.a);
    tier__buf_init(&R.d, R.a);
    if ((rc = check(&R)) != TIER_OK || (rc = run_day(&R)) != TIER_OK)
        goto done;
    if ((rc = tier_history_new(&nh, R.a)) != TIER_OK) {
        rc = nomem(&R, "starting the new state");
        goto done;
    }
    tier__free(R.a, nh->policy_name);
    nh->policy_name = NULL;
    R.nh = nh;
    R.final = tier__malloc_n(R.a, R.n + 1, sizeof *R.final);
    R.reason = tier__malloc_n(R.a, R.n + 1, sizeof *R.reason);
    R.previous = tier__malloc_n(R.a, R.n + 1, sizeof *R.previous);
    R.move = tier__malloc_n(R.a, R.n + 1, sizeof *R.move);
    R.since = tier__malloc_n(R.a, R.n + 1, sizeof *R.since);
    if (!R.final || !R.reason || !R.previous || !R.move || !R.since) {
        rc = nomem(&R, "applying the history");
        goto done;
    }
    if ((rc = tiers(&R)) || (rc = overrides(&R)) || (rc = customers(&R)) || (rc = models(&R)) ||
        (rc = identity(&R, policy)))
        goto done;
    nh->runs = history->runs + 1;
    nh->has_as_of = 1;
    nh->as_of = R.as_of;
    /* The result changes here, all or nothing; after it nothing can fail. */
    if ((rc = finish_result(&R, result, policy)) != TIER_OK)
        goto done;
    nh->raw = history->raw; /* unknown snapshot sections are kept as they came */
    nh->n_raw = history->n_raw;
    history->raw = NULL;
    history->n_raw = 0;
    tier__history_take(history, nh);
    history->err[0] = '\0';
done:
    tier_history_free(nh);
    strset_free(&R.reasons);
    tier__buf_free(&R.b);
    tier__buf_free(&R.d);
    {
        void *own[] = {R.map,    R.custs,    R.rev,  R.cell, R.final,
                       R.reason, R.previous, R.move, R.since};
        tier__free_all(R.a, own, sizeof own / sizeof *own);
    }
    return rc;
}
