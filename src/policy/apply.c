/* SPDX-License-Identifier: MIT */
/* Applying a policy (policy/apply.h): rows, the first rule that holds, caps in tier order,
 * flags, routing, then every customer gets its row's tier (or its group's, as a member). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/book_internal.h"
#include "policy/apply.h"
#include "policy/apply_run.h"
#include "models/order.h"
#include "policy/org/org.h"
#include "policy/population.h"

/* ---- messages ------------------------------------------------------------------------------- */

/* Puts where the failure happened in front of err: the origin for a node of a policy file
 * ("policy.txt:12:5: ..."), else `what` ("rule 'r' of tier 'T': ..."). Returns rc. */
static int context(tier__apply_run *R, int rc, const tier__pexpr *e, const char *what)
{
    char msg[TIER__ERR_SIZE];
    snprintf(msg, sizeof msg, "%s", R->err);
    if (e && e->line > 0)
        tier__errorf(R->err, "%s%s%s", R->in->origin ? R->in->origin : "", R->in->origin ? ":" : "",
                     msg);
    else
        tier__errorf(R->err, "%s: %s", what, msg);
    return rc;
}

size_t tier__apply_slices(const tier__apply_run *R, size_t n, tier__par_slice_fn fn, void *arg)
{
    return tier__par_slices(R->in->book ? tier__book_executor(R->in->book) : NULL, n,
                            TIER__EVAL_GRAIN, fn, arg);
}

int tier__apply_nomem(tier__apply_run *R, const char *what)
{
    tier__errorf(R->err, "out of memory %s", what);
    return TIER_ENOMEM;
}

/* `what` of want_bool for a rule or a flag, written only when a message needs it: "rule 'R' of
 * tier 'T'" (R->what_tier set) or "flag 'F'". */
static const char *what_of(const tier__apply_run *R, const char *what, char *buf, size_t cap)
{
    if (what)
        return what;
    if (R->what_tier)
        snprintf(buf, cap, "rule '%s' of tier '%s'", R->what_name, R->what_tier);
    else
        snprintf(buf, cap, "flag '%s'", R->what_name);
    return buf;
}

/* Checks that `e` is a bool expression (a rule, a flag, the routing test); `what` NULL: the rule
 * or flag of R->what_name. */
int tier__apply_want_bool(tier__apply_run *R, const tier__pexpr *e, const char *what)
{
    char wbuf[TIER__ERR_SIZE];
    int type = 0, rc = tier__eval_type(R->ctx, e, &type, R->err);
    if (rc || (type != TIER__PT_BOOL && type != TIER__PT_NONE) ||
        (rc = tier__eval_bool(R->ctx, e, R->mask, R->err)) != TIER_OK)
        what = what_of(R, what, wbuf, sizeof wbuf);
    if (rc)
        return context(R, rc, e, what);
    if (type != TIER__PT_BOOL && type != TIER__PT_NONE) {
        if (e->line > 0)
            tier__errorf(R->err, "%s%s%d:%d: %s must be a bool (a test), got a %s",
                         R->in->origin ? R->in->origin : "", R->in->origin ? ":" : "", e->line,
                         e->col, what, type == TIER__PT_NUMBER ? "number" : "text");
        else
            tier__errorf(R->err, "%s must be a bool (a test), got a %s", what,
                         type == TIER__PT_NUMBER ? "number" : "text");
        return e->line > 0 ? TIER_EPARSE : TIER_EINVAL;
    }
    return TIER_OK;
}

int tier__cap_reason(const tier_allocator *a, const tier__ptier *t, char **out)
{
    tier__buf b;
    tier__buf_init(&b, a);
    tier__buf_printf(&b, "over the cap of %s (", t->name);
    if (t->cap.kind == TIER__PCAP_SHARE) {
        tier__buf_number(&b, t->cap.amount * 100, 0);
        tier__buf_putc(&b, '%');
    } else {
        tier__buf_number(&b, t->cap.amount, 0);
    }
    tier__buf_puts(&b, " by ");
    if (t->cap.by)
        tier__pexpr_describe(t->cap.by, &b);
    if (t->cap.ascending)
        tier__buf_puts(&b, " asc");
    tier__buf_putc(&b, ')');
    *out = tier__buf_take(&b, NULL);
    return *out ? TIER_OK : TIER_ENOMEM;
}

/* ---- tiers and rules ------------------------------------------------------------------------ */

/* Rows the mask selects that no earlier rule placed take this rule: an unplaced row holds -1, so
 * adding t + 1 (and g + 1) under a mask places it without a branch. */
static void place_rule(const unsigned char *restrict mask, int32_t *restrict tiers,
                       int32_t *restrict rules, size_t b, size_t e, int32_t t, int32_t g)
{
    size_t r;
    for (r = b; r < e; r++) {
        int32_t take = -(int32_t)(mask[r] & (tiers[r] < 0));
        tiers[r] += take & (t + 1);
        rules[r] += take & (g + 1);
    }
}

/* A pass over slices of rows or customers (tier__apply_slices): rule g of tier t, or flag f. */
typedef struct rows_job {
    tier__apply_run *R;
    int32_t t, g;
    size_t f;
    const int32_t *src; /* to_customer: each row's value */
    int32_t *dst;       /* to_customer: each customer's */
} rows_job;

static void place_rows(void *arg, size_t k, size_t b, size_t e)
{
    const rows_job *j = arg;
    (void)k;
    place_rule(j->R->mask, j->R->row_tier, j->R->row_rule, b, e, j->t, j->g);
}

int tier__apply_place(tier__apply_run *R)
{
    const tier__pol *pol = R->pol;
    size_t t, k, g = 0;
    rows_job j;
    for (t = 0; t < pol->n_tiers; t++) {
        const tier__ptier *tier = &pol->tiers[t];
        R->rule_base[t] = g;
        for (k = 0; k < tier->n_rules; k++, g++) {
            const tier__prule *rule = &tier->rules[k];
            int rc;
            R->what_name = rule->name;
            R->what_tier = tier->name;
            if (rule->when) {
                if ((rc = tier__apply_want_bool(R, rule->when, NULL)) != TIER_OK)
                    return rc;
            } else {
                memset(R->mask, 1, R->n);
            }
            if (R->trace)
                R->trace->rule_value[g] = R->mask[R->trace->row];
            j.R = R;
            j.t = (int32_t)t;
            j.g = (int32_t)g;
            tier__apply_slices(R, R->n, place_rows, &j);
        }
    }
    R->rule_base[pol->n_tiers] = g;
    if (R->trace) {
        int32_t rr = R->row_rule[R->trace->row];
        R->trace->matched_tier = R->row_tier[R->trace->row];
        R->trace->matched_rule =
            rr < 0 ? -1 : (int32_t)((size_t)rr - R->rule_base[R->row_tier[R->trace->row]]);
    }
    return TIER_OK;
}

static int find_tier(const tier__pol *pol, const char *name)
{
    size_t t;
    for (t = 0; name && t < pol->n_tiers; t++)
        if (strcmp(pol->tiers[t].name, name) == 0)
            return (int)t;
    return -1;
}

/* How many of `n` rows a cap keeps. A share is floored, tolerating the rounding of products such
 * as 0.29 * 100. */
static size_t cap_limit(const tier__pcap *cap, size_t n)
{
    double x;
    if (cap->kind == TIER__PCAP_COUNT)
        return cap->amount >= (double)n ? n : (size_t)cap->amount;
    x = cap->amount * (double)n;
    if (x >= (double)n)
        return n;
    return (size_t)floor(x + 1e-9 * (x > 1 ? x : 1));
}

static size_t row_lead(const tier__apply_run *R, size_t r)
{
    return R->hier ? R->rows.lead[r] : r;
}

/* With a frozen reference (collect 1): what tier t's cap kept, from its ordered candidates. */
static void cap_record(tier__apply_run *R, size_t t, const uint64_t *key, const uint32_t *idx,
                       size_t nc, size_t limit)
{
    tier__ref_cap *rc = &R->in->ref->caps[t];
    rc->kind = limit == 0 ? 3 : nc <= limit ? 1 : 2;
    if (rc->kind == 2) {
        rc->key = key[limit - 1];
        rc->lead = row_lead(R, idx[limit - 1]);
    }
}

/* With a frozen reference (collect 0): each candidate of tier t stays when it does not come
 * after the last candidate the batch kept. */
static void cap_frozen(tier__apply_run *R, size_t t, const double *crit, int32_t over)
{
    const tier__ref_cap *rc = &R->in->ref->caps[t];
    const tier__pcap *cap = &R->pol->tiers[t].cap;
    size_t r;
    for (r = 0; r < R->n; r++) {
        int stays;
        if (R->row_tier[r] != (int32_t)t)
            continue;
        if (rc->kind == 2) {
            uint64_t key = isnan(crit[r]) ? UINT64_MAX : tier__order_key(crit[r], !cap->ascending);
            stays = rc->id ? !tier__ref_after_id(R->in->book, key, row_lead(R, r), rc->key, rc->id,
                                                 rc->id_len)
                           : !tier__ref_after(R->in->book, key, row_lead(R, r), rc->key, rc->lead);
        } else {
            stays = rc->kind != 3;
        }
        if (!stays) {
            R->row_tier[r] = over;
            R->row_rule[r] = -2 - (int32_t)t;
        }
    }
}

/* Caps in tier order: each tier keeps its first `limit` candidates (its own matches and what
 * overflowed into it) by the criterion, missing last, ties by lead id; the rest overflow. */
int tier__apply_caps(tier__apply_run *R)
{
    const tier__pol *pol = R->pol;
    size_t t, r, nc, i;
    double *crit = NULL;
    uint64_t *key = NULL;
    uint32_t *idx = NULL;
    int rc = TIER_OK;
    for (t = 0; t < pol->n_tiers; t++) {
        const tier__ptier *tier = &pol->tiers[t];
        int over, gathering;
        size_t limit;
        char what[TIER__ERR_SIZE];
        if (tier->cap.kind == TIER__PCAP_NONE)
            continue;
        over = find_tier(pol, tier->cap.overflow);
        if (over <= (int)t) {
            tier__errorf(R->err, "%s%s%s%d:%d: the cap of tier '%s' overflows into '%s', which %s",
                         R->in->origin ? R->in->origin : "", R->in->origin ? ":" : "", "",
                         tier->cap.line, tier->cap.col, tier->name,
                         tier->cap.overflow ? tier->cap.overflow : "",
                         over < 0 ? "is not a tier" : "does not come after it");
            rc = TIER_EINVAL;
            goto done;
        }
        if (!tier->cap.by) {
            tier__errorf(R->err, "the cap of tier '%s' has no criterion", tier->name);
            rc = TIER_EINVAL;
            goto done;
        }
        if (!crit) {
            crit = tier__malloc_n(R->a, R->n, sizeof *crit);
            key = tier__malloc_n(R->a, R->n, sizeof *key);
            idx = tier__malloc_n(R->a, R->n, sizeof *idx);
            if (!crit || !key || !idx) {
                rc = tier__apply_nomem(R, "applying the caps");
                goto done;
            }
        }
        snprintf(what, sizeof what, "the cap of tier '%s'", tier->name);
        rc = tier__eval_number(R->ctx, tier->cap.by, crit, R->err);
        if (rc) {
            rc = context(R, rc, tier->cap.by, what);
            goto done;
        }
        gathering = R->in->ref && !R->in->ref->collect && R->in->ref->gather;
        if (R->in->ref && !R->in->ref->collect && !gathering) {
            cap_frozen(R, t, crit, (int32_t)over);
            continue;
        }
        for (r = 0, nc = 0; r < R->n; r++) {
            if (R->row_tier[r] != (int32_t)t)
                continue;
            key[nc] = isnan(crit[r]) ? UINT64_MAX : tier__order_key(crit[r], !tier->cap.ascending);
            idx[nc++] = (uint32_t)r;
        }
        limit = cap_limit(&tier->cap, R->n);
        if (nc > limit || R->trace || gathering) {
            if (tier__order_rows_in(R->a, R->in->book, R->in->frame, R->hier ? R->rows.lead : NULL,
                                    key, idx, nc)) {
                rc = tier__apply_nomem(R, "ordering a tier's candidates");
                goto done;
            }
        }
        if (gathering) {
            if (tier__gather_cap(R->in->ref, R->in->book, t, tier->cap.kind == TIER__PCAP_COUNT,
                                 tier->cap.amount, R->n, key, idx, R->hier ? R->rows.lead : NULL,
                                 nc)) {
                rc = tier__apply_nomem(R, "gathering a cap's candidates");
                goto done;
            }
            if (R->in->ref->caps[t].kind != 0) { /* the figures decide who stays */
                cap_frozen(R, t, crit, (int32_t)over);
                continue;
            }
        } else if (R->in->ref) {
            cap_record(R, t, key, idx, nc, limit);
        }
        for (i = 0; i < nc; i++) {
            if (R->trace && idx[i] == R->trace->row) {
                tier__trace_cap *tc = &R->trace->caps[R->trace->n_caps++];
                tc->tier = (int32_t)t;
                tc->rank = i + 1;
                tc->candidates = nc;
                tc->limit = limit;
                tc->value = crit[idx[i]];
                tc->kept = i < limit;
            }
            if (i >= limit) {
                R->row_tier[idx[i]] = (int32_t)over;
                R->row_rule[idx[i]] = -2 - (int32_t)t;
            }
        }
    }
done:
    tier__free(R->a, crit);
    tier__free(R->a, key);
    tier__free(R->a, idx);
    return rc;
}

/* ---- flags and routing ---------------------------------------------------------------------- */

/* Flag f's bit on the rows of a slice that its mask selects. */
static void flag_rows(void *arg, size_t k, size_t b, size_t e)
{
    const rows_job *j = arg;
    const tier__apply_run *R = j->R;
    const unsigned char *mask = R->mask;
    uint64_t *bits = R->row_flags + j->f / 64, bit = (uint64_t)1 << (j->f % 64);
    const size_t W = R->words;
    size_t r;
    (void)k;
    for (r = b; r < e; r++)
        bits[r * W] |= bit & ((uint64_t)0 - (mask[r] != 0));
}

int tier__apply_flags(tier__apply_run *R)
{
    const tier__pol *pol = R->pol;
    size_t f;
    rows_job j;
    for (f = 0; f < pol->n_flags; f++) {
        const tier__pflag *fl = &pol->flags[f];
        int rc;
        R->what_name = fl->name;
        R->what_tier = NULL;
        if (!fl->when)
            memset(R->mask, 1, R->n);
        else if ((rc = tier__apply_want_bool(R, fl->when, NULL)) != TIER_OK)
            return rc;
        j.R = R;
        j.f = f;
        tier__apply_slices(R, R->n, flag_rows, &j);
        if (R->trace)
            R->trace->flag_value[f] = R->mask[R->trace->row];
    }
    return TIER_OK;
}

int tier__apply_route(tier__apply_run *R)
{
    const tier__proute *spec = &R->pol->route;
    tier__policy_ref *fref = R->in->ref;
    tier__route_in rin;
    tier__rowset ident;
    double *revenue = tier__malloc_n(R->a, R->n, sizeof *revenue);
    size_t r, w;
    int rc;
    if (!revenue)
        return tier__apply_nomem(R, "routing");
    if (!spec->accounts) {
        memset(R->mask, 0, R->n);
    } else if ((rc = tier__apply_want_bool(R, spec->accounts, "the routing test")) != TIER_OK) {
        tier__free(R->a, revenue);
        return rc;
    }
    /* What capacities count: the routing's revenue expression, the first revenue window, or the
     * net revenue over all the members' transactions. */
    for (w = 0; w < R->pol->n_windows && R->pol->windows[w].measure != TIER__PW_REVENUE; w++)
        ;
    if (spec->revenue || w < R->pol->n_windows) {
        tier__pexpr ref;
        const tier__pexpr *e = spec->revenue;
        if (!e) {
            memset(&ref, 0, sizeof ref);
            ref.kind = TIER__PX_REF;
            ref.text = R->pol->windows[w].name;
            e = &ref;
        }
        rc = tier__eval_number(R->ctx, e, revenue, R->err);
        if (rc) {
            tier__free(R->a, revenue);
            return context(R, rc, e, "the routing revenue");
        }
    } else {
        const tier__figures *fig = tier__book_running(R->in->book);
        for (r = 0; r < R->n; r++) {
            size_t m0 = R->hier ? R->rows.member_start[r] : r;
            size_t m1 = R->hier ? R->rows.member_start[r + 1] : r + 1, m;
            double s = 0;
            for (m = m0; m < m1; m++)
                s += tier__fixed_to_double(fig[R->hier ? R->rows.members[m] : m].net);
            revenue[r] = s;
        }
    }
    memset(&rin, 0, sizeof rin);
    rin.spec = spec;
    rin.book = R->in->book;
    rin.rows = &R->rows;
    rin.routed = R->mask;
    rin.revenue = revenue;
    if (fref && !fref->collect && !fref->collect_route && fref->route) {
        rin.frozen = fref->route;
        rin.row_ids = R->in->row_ids;
    }
    if (fref && fref->gather) { /* a distributed run (population figures never freeze) */
        rin.bounds = fref->teams;
        rin.n_bounds = fref->n_teams;
        rin.want = 1;
    }
    if (!R->hier && tier__rowset_identity(R->a, R->n, &ident)) {
        tier__free(R->a, revenue);
        return tier__apply_nomem(R, "routing");
    }
    if (!R->hier)
        rin.rows = &ident;
    rc = tier__route_assign(&rin, R->a, &R->rout, R->err);
    if (!R->hier)
        tier__rowset_free(R->a, &ident);
    if (rc == TIER_OK && rin.want &&
        tier__gather_route(fref, R->in->book, &R->rout, revenue, R->hier ? R->rows.lead : NULL,
                           R->n) != TIER_OK)
        rc = tier__apply_nomem(R, "gathering the routing's rows");
    if (rc == TIER_OK && fref && fref->collect_route) {
        tier__route_frozen_free(fref->a, fref->route);
        fref->route = NULL;
        if (tier__route_freeze(&R->rout, revenue, R->n, fref->a, &fref->route) != TIER_OK)
            rc = tier__apply_nomem(R, "freezing the routing");
    }
    tier__free(R->a, revenue);
    if (rc)
        return context(R, rc, NULL, "routing");
    R->routed = 1;
    for (r = 0; r < R->n; r++)
        if (R->rout.overflow[r])
            R->row_flags[r * R->words + R->pol->n_flags / 64] |= (uint64_t)1
                                                                 << (R->pol->n_flags % 64);
    if (R->trace)
        R->trace->route_overflow = R->rout.overflow[R->trace->row];
    return TIER_OK;
}

/* The flags and routing phase over the rows' tiers in R->row_tier: `tier` in their expressions
 * is that tier. Run by tier__policy_apply on the placed tiers and by tier__policy_flags on given
 * (final) ones. */
static int flags_and_routes(tier__apply_run *R)
{
    int rc;
    tier__ectx_set_tiers(R->ctx, R->row_tier, R->tier_names, R->pol->n_tiers);
    if ((rc = tier__apply_flags(R)) != TIER_OK)
        return rc;
    return R->pol->route.present ? tier__apply_route(R) : TIER_OK;
}

/* ---- back to customers ---------------------------------------------------------------------- */

/* Interned owned texts. */
typedef struct texts {
    char **v;
    size_t n, cap;
} texts;

/* Hands the texts over to (*v, *n); `t` is left empty. */
static void texts_give(texts *t, char ***v, size_t *n)
{
    *v = t->v;
    *n = t->n;
    t->v = NULL;
    t->n = 0;
}

static int32_t intern(const tier_allocator *a, texts *t, const char *s, size_t len)
{
    size_t i;
    char *copy;
    for (i = 0; i < t->n; i++)
        if (strlen(t->v[i]) == len && memcmp(t->v[i], s, len) == 0)
            return (int32_t)i;
    if (tier__grow(a, (void **)&t->v, &t->cap, t->n + 1, sizeof *t->v) ||
        !(copy = tier__strndup(a, s, len)))
        return -1;
    t->v[t->n] = copy;
    return (int32_t)t->n++;
}

/* Distinct flag sets a slice of rows numbers on its own at most (more: one pass numbers them). */
#define SLICE_SETS 64

/* The hash of a row's flag words, and whether any flag is set. */
static uint64_t set_hash(const uint64_t *bits, size_t W, int *any)
{
    uint64_t h = 1469598103934665603u;
    size_t k;
    *any = 0;
    for (k = 0; k < W; k++) {
        *any |= bits[k] != 0;
        h = (h ^ bits[k]) * 1099511628211u;
    }
    return h ^ (h >> 29);
}

static int same_set(const uint64_t *x, const uint64_t *y, size_t W)
{
    size_t k;
    for (k = 0; k < W; k++)
        if (x[k] != y[k])
            return 0;
    return 1;
}

/* One slice's distinct non-empty flag sets: each one's first row, in the order they come up, and
 * its number among all the rows' sets (map). */
typedef struct set_slice {
    size_t first[SLICE_SETS];
    int32_t map[SLICE_SETS];
    size_t n;
    int full; /* a set beyond SLICE_SETS came up: the slice stopped */
} set_slice;

typedef struct sets_job {
    const tier__apply_run *R;
    int32_t *row_code;
    set_slice s[TIER__PAR_TASKS];
} sets_job;

/* The rows of slice k take the number of their set within the slice (-1: no flag). */
static void set_rows(void *arg, size_t k, size_t b, size_t e)
{
    sets_job *j = arg;
    const tier__apply_run *R = j->R;
    const size_t W = R->words, mask = 2 * SLICE_SETS - 1;
    set_slice *s = &j->s[k];
    uint32_t slots[2 * SLICE_SETS];
    size_t r;
    memset(slots, 0, sizeof slots);
    s->n = 0;
    s->full = 0;
    for (r = b; r < e; r++) {
        const uint64_t *bits = &R->row_flags[r * W];
        int any;
        size_t i = (size_t)set_hash(bits, W, &any) & mask;
        if (!any) {
            j->row_code[r] = -1;
            continue;
        }
        for (; slots[i]; i = (i + 1) & mask)
            if (same_set(&R->row_flags[s->first[slots[i] - 1] * W], bits, W))
                break;
        if (!slots[i]) {
            if (s->n == SLICE_SETS) {
                s->full = 1;
                return;
            }
            s->first[s->n] = r;
            slots[i] = (uint32_t)++s->n;
        }
        j->row_code[r] = (int32_t)(slots[i] - 1);
    }
}

/* The rows of slice k: from the number of their set in the slice to the number among all. */
static void renumber_rows(void *arg, size_t k, size_t b, size_t e)
{
    const sets_job *j = arg;
    const int32_t *map = j->s[k].map;
    size_t r;
    for (r = b; r < e; r++)
        if (j->row_code[r] >= 0)
            j->row_code[r] = map[j->row_code[r]];
}

/* Numbers the rows' flag sets in slices of rows: each slice numbers its own sets, then the
 * slices' sets in slice order, each slice's in its order, are numbered among all, which is the
 * order in which the sets first come up in the rows, as one pass numbers them. Returns 1 when
 * done (row_code, *first and *nsets set), 0 when one pass must do it (few rows, a slice with
 * many sets), -1 out of memory. */
static int sets_in_slices(tier__apply_run *R, int32_t *row_code, size_t **first, size_t *cap,
                          size_t *nsets)
{
    const size_t W = R->words;
    sets_job j;
    size_t tasks, s, l, g;
    if (tier__par_tasks(R->in->book ? tier__book_executor(R->in->book) : NULL, R->n,
                        TIER__EVAL_GRAIN) < 2)
        return 0;
    j.R = R;
    j.row_code = row_code;
    tasks = tier__apply_slices(R, R->n, set_rows, &j);
    for (s = 0; s < tasks; s++)
        if (j.s[s].full)
            return 0;
    for (s = 0; s < tasks; s++)
        for (l = 0; l < j.s[s].n; l++) {
            const uint64_t *bits = &R->row_flags[j.s[s].first[l] * W];
            for (g = 0; g < *nsets && !same_set(&R->row_flags[(*first)[g] * W], bits, W); g++)
                ;
            if (g == *nsets) {
                if (tier__grow(R->a, (void **)first, cap, g + 1, sizeof **first))
                    return -1;
                (*first)[(*nsets)++] = j.s[s].first[l];
            }
            j.s[s].map[l] = (int32_t)g;
        }
    tier__apply_slices(R, R->n, renumber_rows, &j);
    return 1;
}

/* The rows' flag sets as texts: equal sets share one text, found through a small hash. */
static int flag_texts(tier__apply_run *R, int32_t *row_code, tier__applied *out)
{
    const size_t W = R->words, nf = R->pol->n_flags + (R->routed ? 1 : 0);
    size_t nslots = 64, r, f, k;
    uint32_t *slots = NULL;
    size_t *first = NULL; /* set k: first row with it */
    size_t nsets = 0, cap_sets = 0;
    texts sets = {NULL, 0, 0};
    tier__buf b;
    int rc = TIER_ENOMEM, sliced = 0;
    tier__buf_init(&b, R->a);
    slots = tier__calloc(R->a, nslots, sizeof *slots);
    if (!slots || (sliced = sets_in_slices(R, row_code, &first, &cap_sets, &nsets)) < 0)
        goto done;
    for (r = 0; !sliced && r < R->n; r++) {
        const uint64_t *bits = &R->row_flags[r * W];
        int any;
        size_t i = (size_t)set_hash(bits, W, &any) & (nslots - 1);
        if (!any) {
            row_code[r] = -1;
            continue;
        }
        for (; slots[i]; i = (i + 1) & (nslots - 1)) {
            if (same_set(&R->row_flags[first[slots[i] - 1] * W], bits, W))
                break;
        }
        if (slots[i]) {
            row_code[r] = (int32_t)(slots[i] - 1);
            continue;
        }
        if (tier__grow(R->a, (void **)&first, &cap_sets, nsets + 1, sizeof *first))
            goto done;
        first[nsets] = r;
        slots[i] = (uint32_t)++nsets;
        row_code[r] = (int32_t)(nsets - 1);
        if (nsets * 2 > nslots) {
            size_t ns = nslots * 2, s;
            uint32_t *ns_slots = tier__calloc(R->a, ns, sizeof *ns_slots);
            if (!ns_slots)
                goto done;
            for (s = 0; s < nsets; s++) {
                for (i = (size_t)set_hash(&R->row_flags[first[s] * W], W, &any) & (ns - 1);
                     ns_slots[i]; i = (i + 1) & (ns - 1))
                    ;
                ns_slots[i] = (uint32_t)s + 1;
            }
            tier__free(R->a, slots);
            slots = ns_slots;
            nslots = ns;
        }
    }
    for (k = 0; k < nsets; k++) {
        const uint64_t *bits = &R->row_flags[first[k] * W];
        tier__buf_reset(&b);
        for (f = 0; f < nf; f++) {
            if (!(bits[f / 64] >> (f % 64) & 1))
                continue;
            if (tier__buf_len(&b))
                tier__buf_putc(&b, ';');
            tier__buf_puts(&b, f < R->pol->n_flags ? R->pol->flags[f].name : "route_overflow");
        }
        if (tier__buf_status(&b))
            goto done;
        if (tier__grow(R->a, (void **)&sets.v, &sets.cap, sets.n + 1, sizeof *sets.v) ||
            !(sets.v[sets.n] = tier__strndup(R->a, tier__buf_data(&b), tier__buf_len(&b))))
            goto done;
        sets.n++;
    }
    texts_give(&sets, &out->flag_sets, &out->n_flag_sets);
    rc = TIER_OK;
done:
    tier__free_strings(R->a, sets.v, sets.n);
    tier__free(R->a, slots);
    tier__free(R->a, first);
    tier__buf_free(&b);
    return rc ? tier__apply_nomem(R, "collecting the flags") : TIER_OK;
}

/* dst[i] = src[row of customer i] (src NULL: -1) for the customers of a slice. */
static void customer_rows(void *arg, size_t k, size_t b, size_t e)
{
    const rows_job *j = arg;
    const tier__apply_run *R = j->R;
    size_t i;
    (void)k;
    if (!j->src)
        for (i = b; i < e; i++)
            j->dst[i] = -1;
    else if (R->hier)
        for (i = b; i < e; i++)
            j->dst[i] = j->src[R->rows.row_of[i]];
    else
        memcpy(j->dst + b, j->src + b, (e - b) * sizeof *j->dst);
}

/* Each customer's value of its row in dst (src NULL: -1 for all), in slices of customers. */
static void to_customer(tier__apply_run *R, const int32_t *src, int32_t *dst)
{
    rows_job j;
    j.R = R;
    j.src = src;
    j.dst = dst;
    tier__apply_slices(R, R->customers, customer_rows, &j);
}

/* Each customer's flags (its row's set) and, when the policy routes, its row's team, into out
 * (customers set); a member takes its group's row. TIER_OK or TIER_ENOMEM (err set). */
static int flags_to_customers(tier__apply_run *R, tier__applied *out)
{
    const size_t n = R->customers;
    int32_t *row_flag = NULL;
    out->flags = tier__malloc_n(R->a, n, sizeof *out->flags);
    if (!out->flags)
        return tier__apply_nomem(R, "collecting the flags");
    if (R->pol->n_flags == 0 && !R->routed) {
        to_customer(R, NULL, out->flags); /* no flag can be set: no row has a set */
    } else {
        row_flag = tier__calloc(R->a, R->n + 1, sizeof *row_flag);
        if (!row_flag || flag_texts(R, row_flag, out)) {
            tier__free(R->a, row_flag);
            return tier__apply_nomem(R, "collecting the flags");
        }
        to_customer(R, row_flag, out->flags);
        tier__free(R->a, row_flag);
    }
    if (!R->routed)
        return TIER_OK;
    out->routes = 1;
    out->route = tier__malloc_n(R->a, n, sizeof *out->route);
    if (!out->route)
        return tier__apply_nomem(R, "routing");
    to_customer(R, R->rout.team, out->route);
    out->teams = R->rout.names;
    out->n_teams = R->rout.n_names;
    out->report = R->rout.report;
    out->n_report = R->rout.n_report;
    R->rout.names = R->rout.report = NULL;
    R->rout.n_names = R->rout.n_report = 0;
    return TIER_OK;
}

/* The tiers, reasons and cap reasons of the customers of a slice when no group reason is named
 * ("member of"): to_customers without member codes. */
typedef struct customers_job {
    const tier__apply_run *R;
    tier__applied *out;
    const int32_t *rule_code, *cap_code;
} customers_job;

static void customers_rows(void *arg, size_t k, size_t b, size_t e)
{
    const customers_job *j = arg;
    const tier__apply_run *R = j->R;
    tier__applied *out = j->out;
    size_t i;
    (void)k;
    for (i = b; i < e; i++) {
        size_t row = R->hier ? R->rows.row_of[i] : i;
        int32_t rr = R->row_rule[row];
        out->tier[i] = R->row_tier[row];
        out->cap_reason[i] = rr <= -2 ? j->cap_code[-2 - rr] : -1;
        out->reason[i] = rr >= 0 ? j->rule_code[rr] : rr <= -2 ? j->cap_code[-2 - rr] : -1;
    }
}

/* Reasons: the distinct rule names (first), the caps' reasons, "member of TOP" per group. */
static int to_customers(tier__apply_run *R, tier__applied *out)
{
    const tier__pol *pol = R->pol;
    size_t nrules = R->rule_base[pol->n_tiers], t, k, i, r;
    int32_t *rule_code = tier__calloc(R->a, nrules + 1, sizeof *rule_code);
    int32_t *cap_code = tier__calloc(R->a, pol->n_tiers + 1, sizeof *cap_code);
    int32_t *member_code = NULL;
    size_t *top = NULL;
    texts rs = {NULL, 0, 0};
    int rc = TIER_ENOMEM;
    const size_t n = R->customers;
    out->customers = n;
    out->tier = tier__malloc_n(R->a, n, sizeof *out->tier);
    out->reason = tier__malloc_n(R->a, n, sizeof *out->reason);
    out->cap_reason = tier__malloc_n(R->a, n, sizeof *out->cap_reason);
    if (!rule_code || !cap_code || !out->tier || !out->reason || !out->cap_reason)
        goto done;
    for (t = 0, i = 0; t < pol->n_tiers; t++)
        for (k = 0; k < pol->tiers[t].n_rules; k++, i++) {
            const char *name = pol->tiers[t].rules[k].name;
            if ((rule_code[i] = intern(R->a, &rs, name, strlen(name))) < 0)
                goto done;
        }
    for (t = 0; t < pol->n_tiers; t++) {
        char *reason;
        cap_code[t] = -1;
        if (pol->tiers[t].cap.kind == TIER__PCAP_NONE)
            continue;
        if (tier__cap_reason(R->a, &pol->tiers[t], &reason))
            goto done;
        cap_code[t] = intern(R->a, &rs, reason, strlen(reason));
        tier__free(R->a, reason);
        if (cap_code[t] < 0)
            goto done;
    }
    if (R->hier && R->rows.member) {
        /* The top parent of each row: its customer that is not a member. */
        top = tier__malloc_n(R->a, R->n, sizeof *top);
        member_code = tier__malloc_n(R->a, R->n, sizeof *member_code);
        if (!top || !member_code)
            goto done;
        for (r = 0; r < R->n; r++) {
            top[r] = R->rows.lead[r];
            member_code[r] = -1;
        }
        for (i = 0; i < n; i++)
            if (!R->rows.member[i])
                top[R->rows.row_of[i]] = i;
    }
    if (flags_to_customers(R, out))
        goto done;
    if (!member_code) {
        /* No group reason to name: every customer's figures come from its row alone. */
        customers_job j;
        j.R = R;
        j.out = out;
        j.rule_code = rule_code;
        j.cap_code = cap_code;
        tier__apply_slices(R, n, customers_rows, &j);
    }
    for (i = 0; member_code && i < n; i++) {
        size_t row = R->hier ? R->rows.row_of[i] : i;
        int32_t rr = R->row_rule[row];
        out->tier[i] = R->row_tier[row];
        out->cap_reason[i] = rr <= -2 ? cap_code[-2 - rr] : -1;
        if (member_code && R->rows.member[i] && out->tier[i] >= 0) {
            if (member_code[row] < 0) {
                size_t len;
                const char *id = tier_book_customer_id(R->in->book, top[row], &len);
                char *text = tier__malloc(R->a, len + 11);
                if (!text)
                    goto done;
                memcpy(text, "member of ", 10);
                memcpy(text + 10, id, len);
                member_code[row] = intern(R->a, &rs, text, len + 10);
                tier__free(R->a, text);
                if (member_code[row] < 0)
                    goto done;
            }
            out->reason[i] = member_code[row];
        } else {
            out->reason[i] = rr >= 0 ? rule_code[rr] : rr <= -2 ? cap_code[-2 - rr] : -1;
        }
    }
    texts_give(&rs, &out->reasons, &out->n_reasons);
    rc = TIER_OK;
done:
    tier__free_strings(R->a, rs.v, rs.n);
    {
        void *own[] = {rule_code, cap_code, member_code, top};
        tier__free_all(R->a, own, sizeof own / sizeof *own);
    }
    return rc ? tier__apply_nomem(R, "placing the customers") : TIER_OK;
}

typedef struct demote_job {
    const tier__apply_run *R;
    unsigned char *dst;
} demote_job;

/* Each customer of a slice takes its row's value of the mask. */
static void demote_rows(void *arg, size_t k, size_t b, size_t e)
{
    const demote_job *j = arg;
    const tier__apply_run *R = j->R;
    size_t i;
    (void)k;
    if (!R->hier)
        memcpy(j->dst + b, R->mask + b, e - b);
    else
        for (i = b; i < e; i++)
            j->dst[i] = R->mask[R->rows.row_of[i]];
}

/* Each tier's `demote when` (docs/history.md) for every customer: a member takes its group's row,
 * as it takes its tier. */
static int demotes(tier__apply_run *R, tier__applied *out)
{
    const tier__pol *pol = R->pol;
    size_t t, slots = 0, bytes;
    char what[TIER__ERR_SIZE];
    demote_job j;
    out->demote_slot = tier__malloc_n(R->a, pol->n_tiers + 1, sizeof *out->demote_slot);
    if (!out->demote_slot)
        return tier__apply_nomem(R, "evaluating the demote conditions");
    for (t = 0; t < pol->n_tiers; t++)
        out->demote_slot[t] = pol->tiers[t].hold.when ? (int32_t)slots++ : -1;
    out->demote = tier__size_mul(slots, out->customers, &bytes) || bytes == SIZE_MAX
                      ? NULL
                      : tier__malloc(R->a, bytes + 1);
    if (!out->demote)
        return tier__apply_nomem(R, "evaluating the demote conditions");
    out->n_demote = slots;
    for (t = 0; t < pol->n_tiers; t++) {
        const tier__pexpr *when = pol->tiers[t].hold.when;
        int rc;
        if (!when)
            continue;
        snprintf(what, sizeof what, "the demote condition of tier '%s'", pol->tiers[t].name);
        if ((rc = tier__apply_want_bool(R, when, what)) != TIER_OK)
            return rc;
        j.R = R;
        j.dst = out->demote + (size_t)out->demote_slot[t] * out->customers;
        tier__apply_slices(R, out->customers, demote_rows, &j);
    }
    return TIER_OK;
}

/* ---- trace ---------------------------------------------------------------------------------- */

void tier__trace_free(const tier_allocator *a, tier__trace *t)
{
    if (!t)
        return;
    tier__free_strings(a, t->let_text, t->n_lets);
    {
        void *own[] = {t->rule_value, t->caps, t->window, t->let_type, t->let_num, t->flag_value};
        tier__free_all(a, own, sizeof own / sizeof *own);
    }
    {
        size_t c = t->customer;
        memset(t, 0, sizeof *t);
        t->customer = c;
    }
}

static int trace_begin(tier__apply_run *R, tier__trace *t)
{
    const tier__pol *pol = R->pol;
    size_t nr = 0, k;
    for (k = 0; k < pol->n_tiers; k++)
        nr += pol->tiers[k].n_rules;
    t->row = R->hier ? R->rows.row_of[t->customer] : t->customer;
    t->lead = R->hier ? R->rows.lead[t->row] : t->customer;
    t->member = R->hier && R->rows.member ? R->rows.member[t->customer] : 0;
    t->rule_value = tier__calloc(R->a, nr + 1, 1);
    t->n_rule_values = nr;
    t->caps = tier__calloc(R->a, pol->n_tiers + 1, sizeof *t->caps);
    t->window = tier__calloc(R->a, pol->n_windows + 1, sizeof *t->window);
    t->let_type = tier__calloc(R->a, pol->n_lets + 1, sizeof *t->let_type);
    t->let_num = tier__calloc(R->a, pol->n_lets + 1, sizeof *t->let_num);
    t->let_text = tier__calloc(R->a, pol->n_lets + 1, sizeof *t->let_text);
    t->n_lets = pol->n_lets;
    t->flag_value = tier__calloc(R->a, pol->n_flags + 1, 1);
    if (!t->rule_value || !t->caps || !t->window || !t->let_type || !t->let_num || !t->let_text ||
        !t->flag_value)
        return tier__apply_nomem(R, "explaining");
    return TIER_OK;
}

/* The windows and lets of the traced row (evaluated over every row: they are cached anyway). */
static int trace_values(tier__apply_run *R, tier__trace *t)
{
    const tier__pol *pol = R->pol;
    double *col = tier__malloc_n(R->a, R->n, sizeof *col);
    int32_t *codes = tier__malloc_n(R->a, R->n, sizeof *codes);
    size_t k;
    int rc = TIER_OK;
    if (!col || !codes) {
        rc = tier__apply_nomem(R, "explaining");
        goto done;
    }
    for (k = 0; k < pol->n_windows; k++) {
        tier__pexpr ref;
        memset(&ref, 0, sizeof ref);
        ref.kind = TIER__PX_REF;
        ref.text = pol->windows[k].name;
        if ((rc = tier__eval_number(R->ctx, &ref, col, R->err)) != TIER_OK) {
            rc = context(R, rc, NULL, "a window");
            goto done;
        }
        t->window[k] = col[t->row];
    }
    for (k = 0; k < pol->n_lets; k++) {
        const tier__pexpr *e = pol->lets[k].expr;
        int type = 0;
        char what[TIER__ERR_SIZE];
        snprintf(what, sizeof what, "let '%s'", pol->lets[k].name);
        rc = tier__eval_type(R->ctx, e, &type, R->err);
        if (rc == TIER_OK && type == TIER__PT_TEXT) {
            const char *const *tx;
            size_t nt;
            rc = tier__eval_text(R->ctx, e, codes, &tx, &nt, R->err);
            if (rc == TIER_OK && codes[t->row] >= 0 && (size_t)codes[t->row] < nt &&
                !(t->let_text[k] = tier__strdup(R->a, tx[codes[t->row]])))
                rc = tier__apply_nomem(R, "explaining");
        } else if (rc == TIER_OK && type == TIER__PT_BOOL) {
            rc = tier__eval_bool(R->ctx, e, R->mask, R->err);
            t->let_num[k] = R->mask[t->row];
        } else if (rc == TIER_OK) {
            rc = tier__eval_number(R->ctx, e, col, R->err);
            t->let_num[k] = col[t->row];
            type = TIER__PT_NUMBER;
        }
        t->let_type[k] = type;
        if (rc) {
            rc = rc == TIER_ENOMEM ? rc : context(R, rc, e, what);
            goto done;
        }
    }
done:
    tier__free(R->a, col);
    tier__free(R->a, codes);
    return rc;
}

/* ---- the whole --------------------------------------------------------------------------------
 */

void tier__applied_free(const tier_allocator *a, tier__applied *out)
{
    void *own[] = {out->tier,       out->reason,      out->flags, out->route,
                   out->cap_reason, out->demote_slot, out->demote};
    tier__free_all(a, own, sizeof own / sizeof *own);
    tier__free_strings(a, out->reasons, out->n_reasons);
    tier__free_strings(a, out->flag_sets, out->n_flag_sets);
    tier__free_strings(a, out->teams, out->n_teams);
    tier__free_strings(a, out->report, out->n_report);
    memset(out, 0, sizeof *out);
}

void tier__apply_run_init(tier__apply_run *R, const tier__apply_in *in, const tier_allocator *a,
                          char *err)
{
    memset(R, 0, sizeof *R);
    R->in = in;
    R->pol = in->pol;
    R->a = a;
    R->err = err;
}

/* The rows of the whole book: the frozen groups of a reference run (borrowed), the groups of the
 * policy's hierarchy (built here), else one row per customer. */
static int run_rows(tier__apply_run *R)
{
    const tier__apply_in *in = R->in;
    int rc;
    if (R->pol->hier.present && in->ref && in->ref->rows) {
        R->rows = *in->ref->rows; /* the frozen groups (borrowed) */
        R->hier = 2;
    } else if (R->pol->hier.present) {
        if ((rc = tier__hier_rows(&R->pol->hier, in->book, R->a, &R->rows, R->err)) != 0)
            return context(R, rc, NULL, "hierarchy");
        R->hier = 1;
    }
    R->n = R->hier ? R->rows.n : R->customers;
    return TIER_OK;
}

/* Rows of a slice unplaced: tier -1 and, with j->g, rule -1 (all bits set). */
static void unplace_rows(void *arg, size_t k, size_t b, size_t e)
{
    const rows_job *j = arg;
    (void)k;
    memset(j->R->row_tier + b, 0xff, (e - b) * sizeof *j->R->row_tier);
    if (j->g)
        memset(j->R->row_rule + b, 0xff, (e - b) * sizeof *j->R->row_rule);
}

int tier__apply_run_alloc(tier__apply_run *R, int rules, const char *what)
{
    rows_job j;
    const tier__pol *pol = R->pol;
    const tier_allocator *a = R->a;
    size_t n1 = R->n ? R->n : 1, t;
    R->words = (pol->n_flags + 1 + 63) / 64;
    R->row_tier = tier__malloc_n(a, R->n, sizeof *R->row_tier);
    R->mask = tier__malloc(a, n1);
    R->tier_names = tier__calloc(a, pol->n_tiers + 1, sizeof *R->tier_names);
    R->row_flags = tier__calloc(a, n1 * R->words, sizeof *R->row_flags);
    if (rules) {
        R->row_rule = tier__malloc_n(a, R->n, sizeof *R->row_rule);
        R->rule_base = tier__calloc(a, pol->n_tiers + 1, sizeof *R->rule_base);
    }
    if (!R->row_tier || !R->mask || !R->tier_names || !R->row_flags ||
        (rules && (!R->row_rule || !R->rule_base)))
        return tier__apply_nomem(R, what);
    j.R = R;
    j.g = rules;
    tier__apply_slices(R, R->n, unplace_rows, &j);
    for (t = 0; t < pol->n_tiers; t++)
        R->tier_names[t] = pol->tiers[t].name;
    return TIER_OK;
}

void tier__apply_run_free(tier__apply_run *R)
{
    void *own[] = {R->row_tier, R->row_rule, R->mask, R->rule_base, R->tier_names, R->row_flags};
    tier__ectx_free(R->ctx);
    tier__route_free(R->a, &R->rout);
    if (R->hier == 1)
        tier__rowset_free(R->a, &R->rows);
    tier__free_all(R->a, own, sizeof own / sizeof *own);
}

int tier__policy_apply(const tier__apply_in *in, const tier_allocator *a, tier__applied *out,
                       tier__trace *trace, char *err)
{
    tier__apply_run R;
    int rc;
    memset(out, 0, sizeof *out);
    tier__apply_run_init(&R, in, a, err);
    R.customers = in->frame ? tier_frame_rows(in->frame) : 0;
    if (!in->book || tier_book_customer_count(in->book) != R.customers) {
        tier__errorf(err, "the policy needs the book of the frame's customers");
        return TIER_EINVAL;
    }
    if (R.customers > UINT32_MAX - 1) {
        tier__errorf(err, "too many customers for a policy (%zu)", R.customers);
        return TIER_ERANGE;
    }
    if (trace && trace->customer >= R.customers) {
        tier__errorf(err, "no customer %zu (the book has %zu)", trace->customer, R.customers);
        return TIER_ERANGE;
    }
    if ((rc = run_rows(&R)) != TIER_OK)
        return rc;
    rc = tier__ectx_new(&R.ctx, a, R.pol, in->book, in->frame, R.hier ? &R.rows : NULL, in->as_of,
                        err);
    if (rc)
        goto fail;
    tier__ectx_set_ref(R.ctx, in->ref);
    if ((rc = tier__apply_run_alloc(&R, 1, "applying the policy")) != TIER_OK)
        goto fail;
    if (trace) {
        R.trace = trace;
        if ((rc = trace_begin(&R, trace)) != TIER_OK)
            goto fail;
    }
    if ((rc = tier__apply_place(&R)) != TIER_OK || (rc = tier__apply_caps(&R)) != TIER_OK)
        goto fail;
    if ((rc = flags_and_routes(&R)) != TIER_OK)
        goto fail;
    if (trace && (rc = trace_values(&R, trace)) != TIER_OK)
        goto fail;
    if ((rc = to_customers(&R, out)) != TIER_OK || (rc = demotes(&R, out)) != TIER_OK)
        goto fail;
    goto done;
fail:
    tier__applied_free(a, out);
    if (trace)
        tier__trace_free(a, trace);
done:
    tier__apply_run_free(&R);
    return rc;
}

int tier__policy_flags(const tier__apply_in *in, const int32_t *tiers, const tier_allocator *a,
                       tier__applied *out, tier__trace *trace, char *err)
{
    tier__apply_run R;
    size_t r;
    int rc;
    memset(out, 0, sizeof *out);
    tier__apply_run_init(&R, in, a, err);
    R.customers = in->frame ? tier_frame_rows(in->frame) : 0;
    if (!in->book || tier_book_customer_count(in->book) != R.customers ||
        (trace && trace->customer >= R.customers)) {
        tier__errorf(err, "the flags need the book of the frame's customers");
        return TIER_EINVAL;
    }
    if ((rc = run_rows(&R)) != TIER_OK)
        return rc;
    rc = tier__apply_run_alloc(&R, 0, "evaluating the flags");
    if (!rc)
        rc = tier__ectx_new(&R.ctx, a, R.pol, in->book, in->frame, R.hier ? &R.rows : NULL,
                            in->as_of, err);
    if (!rc) {
        tier__ectx_set_ref(R.ctx, in->ref); /* abc() and pct_rank() of a frozen run stay frozen */
        /* A row takes the tier of its lead customer, as the placed tiers were its row's. */
        for (r = 0; r < R.n; r++)
            R.row_tier[r] = tiers[R.hier ? R.rows.lead[r] : r];
        if (trace) {
            trace->row = R.hier ? R.rows.row_of[trace->customer] : trace->customer;
            R.trace = trace;
        }
        rc = flags_and_routes(&R);
    }
    if (!rc)
        rc = flags_to_customers(&R, out);
    if (rc)
        tier__applied_free(a, out);
    else
        out->customers = R.customers;
    tier__apply_run_free(&R);
    return rc;
}
