/* SPDX-License-Identifier: MIT */
/* tier_diff: two runs of the same book compared (include/tier/diff.h): the tier-to-tier matrix
 * in customers and revenue, the entitlement totals, the routed accounts per team and the movers.
 * Everything is built into a tier__dstate aside and swapped in only when complete. The writers
 * are in diff_write.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "history/diff_internal.h"
#include "history/history_internal.h"
#include "policy/policy_internal.h"
#include "policy/result_internal.h"
#include "util/buf.h"

static void state_free(const tier_allocator *a, tier__dstate *s)
{
    size_t i;
    for (i = 0; s->ents && i < s->n_ents; i++)
        tier__free(a, s->ents[i].values);
    {
        void *own[] = {s->pool,         s->tier[0],         s->tier[1],         s->cells,
                       s->cell_revenue, s->side_revenue[0], s->side_revenue[1], s->ents,
                       s->teams,        s->movers,          s->policy_tier[0],  s->policy_tier[1]};
        tier__free_all(a, own, sizeof own / sizeof *own);
    }
    memset(s, 0, sizeof *s);
}

int tier_diff_new(tier_diff **out, const tier_allocator *alloc)
{
    return TIER__HANDLE_CREATE(out, tier_diff, alloc);
}

void tier_diff_free(tier_diff *d)
{
    if (!d)
        return;
    state_free(&d->alloc, &d->s);
    tier__free(&d->alloc, d->label[0]);
    tier__free(&d->alloc, d->label[1]);
    tier__free(&d->alloc, d);
}

const char *tier_diff_last_error(const tier_diff *d)
{
    return d ? d->err : "";
}

const char *tier__diff_label(const tier_diff *d, int side)
{
    return d->label[side] ? d->label[side] : side == TIER_DIFF_BEFORE ? "before" : "after";
}

int tier_diff_set_labels(tier_diff *d, const char *before, const char *after)
{
    const char *in[2];
    char *copy[2] = {NULL, NULL};
    int side;
    if (!d)
        return TIER_EINVAL;
    d->err[0] = '\0';
    in[0] = before;
    in[1] = after;
    for (side = 0; side < 2; side++) {
        if (!in[side])
            continue;
        if (!tier__utf8_valid(in[side], strlen(in[side]))) {
            tier__free(&d->alloc, copy[0]);
            tier__errorf(d->err, "the %s label is not UTF-8 text", side ? "after" : "before");
            return TIER_EINVAL;
        }
        copy[side] = tier__strdup(&d->alloc, in[side]);
        if (!copy[side]) {
            tier__free(&d->alloc, copy[0]);
            tier__errorf(d->err, "out of memory");
            return TIER_ENOMEM;
        }
    }
    for (side = 0; side < 2; side++)
        if (copy[side]) {
            tier__free(&d->alloc, d->label[side]);
            d->label[side] = copy[side];
        }
    return TIER_OK;
}

const char *tier_diff_label(const tier_diff *d, int side)
{
    if (!d || (side != TIER_DIFF_BEFORE && side != TIER_DIFF_AFTER))
        return NULL;
    return tier__diff_label(d, side);
}

/* ---- building a comparison ----------------------------------------------------------------- */

/* What the build reads from the two results, and its scratch space. */
typedef struct build {
    tier_diff *d;
    const tier_result *res[2];
    const tier_book *book;
    const tier__figures *fig;
    const tier_policy *policy; /* histories: the entitlements of each side's tiers, by name */
    tier__buf pool;
    tier__dstate s;
} build;

static int nomem(build *b)
{
    tier__errorf(b->d->err, "out of memory comparing the runs");
    return TIER_ENOMEM;
}

/* The end of a comparison that returned rc: on success the string pool joins the new state,
 * which replaces the diff's; on failure the new state is dropped and the diff is as it was. */
static int finish(build *b, int rc)
{
    tier_diff *d = b->d;
    if (!rc) {
        b->s.pool_len = tier__buf_len(&b->pool);
        b->s.pool = tier__buf_take(&b->pool, NULL);
        if (!b->s.pool)
            rc = nomem(b);
    }
    tier__buf_free(&b->pool);
    if (rc) {
        state_free(&d->alloc, &b->s);
        return rc;
    }
    state_free(&d->alloc, &d->s);
    d->s = b->s;
    d->has = 1;
    d->err[0] = '\0';
    return TIER_OK;
}

/* Copies `len` bytes of `s` and a NUL into the pool; *off is where they start. */
static int pool_put(build *b, const char *s, size_t len, size_t *off)
{
    *off = tier__buf_len(&b->pool);
    tier__buf_append(&b->pool, s, len);
    tier__buf_putc(&b->pool, '\0');
    return tier__buf_status(&b->pool) ? nomem(b) : TIER_OK;
}

static const char *pool_str(const build *b, size_t off)
{
    return tier__buf_data(&b->pool) + off;
}

static int add_revenue(build *b, int64_t *sum, int64_t v)
{
    if (tier__add_i64(*sum, v, sum)) {
        tier__errorf(b->d->err, "the revenue being compared overflows");
        return TIER_ERANGE;
    }
    return TIER_OK;
}

static int tiers_of(build *b)
{
    int side;
    size_t t;
    for (side = 0; side < 2; side++) {
        size_t n = tier_result_tier_count(b->res[side]);
        b->s.ntiers[side] = n;
        b->s.tier[side] = tier__calloc(&b->d->alloc, n ? n : 1, sizeof(size_t));
        if (!b->s.tier[side])
            return nomem(b);
        for (t = 0; t < n; t++) {
            const char *name = tier_result_tier_name(b->res[side], t);
            if (pool_put(b, name, strlen(name), &b->s.tier[side][t]))
                return TIER_ENOMEM;
        }
    }
    b->s.ladder = b->s.ntiers[0] == b->s.ntiers[1];
    for (t = 0; b->s.ladder && t < b->s.ntiers[0]; t++)
        b->s.ladder = strcmp(pool_str(b, b->s.tier[0][t]), pool_str(b, b->s.tier[1][t])) == 0;
    return TIER_OK;
}

/* The after tier of the before tier's name, or -2 when the after run has no such tier. */
static int32_t same_name(const build *b, int32_t before)
{
    size_t t;
    const char *name = pool_str(b, b->s.tier[0][before]);
    for (t = 0; t < b->s.ntiers[1]; t++)
        if (strcmp(name, pool_str(b, b->s.tier[1][t])) == 0)
            return (int32_t)t;
    return -2;
}

/* The from -> to matrix of a comparison (rows and cols: each side's tiers and "none"), zeroed,
 * and its revenues; returns the match of each "before" tier (same_name), to free after the
 * comparison, or NULL when out of memory (the error set). */
static int32_t *start_matrix(build *b, size_t rows, size_t cols)
{
    int32_t *match = tier__calloc(&b->d->alloc, rows, sizeof *match);
    size_t t;
    b->s.cells = tier__calloc(&b->d->alloc, rows * cols, sizeof *b->s.cells);
    b->s.cell_revenue = tier__calloc(&b->d->alloc, rows * cols, sizeof *b->s.cell_revenue);
    b->s.side_revenue[0] = tier__calloc(&b->d->alloc, rows, sizeof(int64_t));
    b->s.side_revenue[1] = tier__calloc(&b->d->alloc, cols, sizeof(int64_t));
    if (!match || !b->s.cells || !b->s.cell_revenue || !b->s.side_revenue[0] ||
        !b->s.side_revenue[1]) {
        tier__free(&b->d->alloc, match);
        nomem(b);
        return NULL;
    }
    for (t = 0; t + 1 < rows; t++)
        match[t] = same_name(b, (int32_t)t);
    return match;
}

static int direction(const build *b, int32_t from, int32_t to)
{
    if (!b->s.ladder)
        return TIER_DIFF_MOVE_ACROSS;
    if (from < 0)
        return TIER_DIFF_MOVE_UP;
    if (to < 0)
        return TIER_DIFF_MOVE_DOWN;
    return to < from ? TIER_DIFF_MOVE_UP : TIER_DIFF_MOVE_DOWN;
}

/* Appends mover i (from -> to, `move`): its id, the reason on each side and its revenue. */
static int push_mover(build *b, size_t *cap, size_t i, int32_t from, int32_t to, int move,
                      const char *id, size_t id_len, const char *const why[2], int64_t revenue)
{
    tier__dmover *m;
    int side;
    if (tier__grow(&b->d->alloc, (void **)&b->s.movers, cap, b->s.n_movers + 1,
                   sizeof *b->s.movers))
        return nomem(b);
    m = &b->s.movers[b->s.n_movers];
    *m = (tier__dmover){
        .customer = i, .from = from, .to = to, .move = move, .revenue = revenue, .id_len = id_len};
    if (pool_put(b, id, id_len, &m->id))
        return TIER_ENOMEM;
    for (side = 0; side < 2; side++)
        if (pool_put(b, why[side], strlen(why[side]), &m->reason[side]))
            return TIER_ENOMEM;
    b->s.n_movers++;
    return TIER_OK;
}

static int add_mover(build *b, size_t i, int32_t from, int32_t to, int move, size_t *cap)
{
    size_t len = 0;
    const char *id = tier_book_customer_id(b->book, i, &len), *why[2];
    why[0] = tier_result_reason(b->res[0], i);
    why[1] = tier_result_reason(b->res[1], i);
    return push_mover(b, cap, i, from, to, move, id ? id : "", id ? len : 0, why, b->fig[i].net);
}

/* Counts one customer from -> to with revenue `net` into the matrix, the totals and the moves;
 * *move is its ::tier_diff_move, 0 when it did not move. */
static int tally(build *b, const int32_t *match, int32_t from, int32_t to, int64_t net, int *move)
{
    size_t cell = (size_t)(from + 1) * (b->s.ntiers[1] + 1) + (size_t)(to + 1);
    int moved = from < 0 ? to >= 0 : to < 0 || match[from] != to, rc;
    *move = moved ? direction(b, from, to) : 0;
    b->s.cells[cell]++;
    rc = add_revenue(b, &b->s.cell_revenue[cell], net);
    if (!rc)
        rc = add_revenue(b, &b->s.revenue, net);
    if (!rc)
        rc = add_revenue(b, &b->s.side_revenue[0][from + 1], net);
    if (!rc)
        rc = add_revenue(b, &b->s.side_revenue[1][to + 1], net);
    if (!rc && moved) {
        b->s.moved[0]++;
        b->s.moved[*move]++;
        rc = add_revenue(b, &b->s.moved_revenue[0], net);
        if (!rc)
            rc = add_revenue(b, &b->s.moved_revenue[*move], net);
    }
    return rc;
}

/* The matrix, the totals, the movers. */
static int compare_customers(build *b)
{
    size_t cols = b->s.ntiers[1] + 1, rows = b->s.ntiers[0] + 1, i, cap = 0;
    int32_t *match = start_matrix(b, rows, cols);
    int rc = TIER_OK;
    if (!match)
        return TIER_ENOMEM;
    for (i = 0; i < b->s.customers && !rc; i++) {
        int32_t from = tier_result_tier(b->res[0], i), to = tier_result_tier(b->res[1], i);
        int move = 0;
        rc = tally(b, match, from, to, b->fig[i].net, &move);
        if (!rc && move)
            rc = add_mover(b, i, from, to, move, &cap);
    }
    tier__free(&b->d->alloc, match);
    return rc;
}

/* Customers in tier t (-1: none) of a side: a row or column sum of the matrix. */
static size_t side_count(const tier__dstate *s, int side, int32_t t)
{
    size_t cols = s->ntiers[1] + 1, k, n = 0;
    if (side == 0)
        for (k = 0; k < cols; k++)
            n += s->cells[(size_t)(t + 1) * cols + k];
    else
        for (k = 0; k <= s->ntiers[0]; k++)
            n += s->cells[k * cols + (size_t)(t + 1)];
    return n;
}

static int find_ent(const build *b, const char *name, int type)
{
    size_t k;
    for (k = 0; k < b->s.n_ents; k++)
        if (b->s.ents[k].type == type && strcmp(pool_str(b, b->s.ents[k].name), name) == 0)
            return (int)k;
    return -1;
}

/* Adds `count` customers with text `value` to entitlement e on a side. */
static int count_value(build *b, tier__dent *e, int side, const char *value, size_t count)
{
    size_t j;
    tier__dval *v;
    for (j = 0; j < e->n_values; j++)
        if (strcmp(pool_str(b, e->values[j].value), value) == 0) {
            e->values[j].count[side] += count;
            return TIER_OK;
        }
    v = tier__realloc_n(&b->d->alloc, e->values, e->n_values + 1, sizeof *v);
    if (!v)
        return nomem(b);
    e->values = v;
    memset(&v[e->n_values], 0, sizeof *v);
    if (pool_put(b, value, strlen(value), &v[e->n_values].value))
        return TIER_ENOMEM;
    v[e->n_values++].count[side] = count;
    return TIER_OK;
}

/* A side's entitlements come from its run (the entitlements it kept) or, in a diff of
 * histories, from the policy: those of the policy's tier of the same name (s.policy_tier). */
static size_t ent_count(const build *b, int side)
{
    return b->res[side] ? tier__result_ent_count(b->res[side])
           : b->policy  ? b->policy->pol.n_entdecls
                        : 0;
}

/* Entitlement k of a side: its name and TIER__PT_* type. */
static const char *ent_decl(const build *b, int side, size_t k, int *type)
{
    const char *name;
    if (!b->res[side]) {
        *type = b->policy->pol.entdecls[k].type;
        return b->policy->pol.entdecls[k].name;
    }
    name = tier__result_ent_name(b->res[side], k);
    (void)tier__result_ent_find(b->res[side], name, type);
    return name;
}

/* Its value for tier t of the side: 1 with *num or *text set, 0 when the tier leaves it unset
 * (or the policy has no tier of that name). */
static int ent_value(const build *b, int side, size_t k, size_t t, double *num, const char **text)
{
    const tier__ptier *pt;
    const char *name;
    size_t j;
    if (b->res[side])
        return tier__result_ent_value(b->res[side], (int)k, t, num, text);
    if (b->s.policy_tier[side][t] < 0)
        return 0;
    pt = &b->policy->pol.tiers[b->s.policy_tier[side][t]];
    name = b->policy->pol.entdecls[k].name;
    for (j = 0; j < pt->n_ents; j++)
        if (strcmp(pt->ents[j].name, name) == 0) {
            *num = pt->ents[j].value.num;
            *text = pt->ents[j].value.type == TIER__PT_TEXT ? pt->ents[j].value.text : NULL;
            return 1;
        }
    return 0;
}

/* The entitlements: for each tier, its customers times its value. */
static int compare_entitlements(build *b)
{
    size_t cap = 0, k, t;
    int side;
    for (side = 0; side < 2; side++) {
        for (k = 0; k < ent_count(b, side); k++) {
            int type = 0, at;
            const char *name = ent_decl(b, side, k, &type);
            tier__dent *e;
            at = find_ent(b, name, type);
            if (at < 0) {
                if (tier__grow(&b->d->alloc, (void **)&b->s.ents, &cap, b->s.n_ents + 1,
                               sizeof *b->s.ents))
                    return nomem(b);
                e = &b->s.ents[b->s.n_ents++];
                memset(e, 0, sizeof *e);
                e->type = type;
                e->total[0] = e->total[1] = NAN;
                if (pool_put(b, name, strlen(name), &e->name))
                    return TIER_ENOMEM;
            } else {
                e = &b->s.ents[at];
            }
            e->present[side] = 1;
            e->total[side] = 0;
            for (t = 0; t < b->s.ntiers[side]; t++) {
                size_t n = side_count(&b->s, side, (int32_t)t);
                double num = 0;
                const char *text = NULL;
                if (!ent_value(b, side, k, t, &num, &text))
                    continue;
                if (type == TIER_ENTITLEMENT_NUMBER) {
                    e->total[side] += (double)n * num;
                } else if (type == TIER_ENTITLEMENT_BOOL) {
                    e->total[side] += num != 0 ? (double)n : 0;
                } else {
                    e->total[side] += (double)n;
                    if (n && count_value(b, e, side, text ? text : "", n))
                        return TIER_ENOMEM;
                }
            }
        }
    }
    return TIER_OK;
}

/* One side's routed accounts: team label, accounts, revenue (per label code of the frame). */
typedef struct team_ref {
    const char *name;
    int side;
    size_t accounts;
    int64_t revenue;
} team_ref;

static int team_cmp(const void *x, const void *y)
{
    const team_ref *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : a->side - b->side;
}

/* The route column of a side: its codes and label count, or NULL when the policy does not
 * route. */
static const int32_t *route_codes(const tier_result *res, size_t *col)
{
    const tier_frame *f = tier_result_frame(res);
    if (tier_frame_find(f, "route", col) != TIER_OK ||
        tier_frame_column_type(f, *col) != TIER_VALUE_LABEL)
        return NULL;
    return tier_frame_labels(f, *col);
}

static int compare_routes(build *b)
{
    team_ref *refs = NULL;
    size_t n_refs = 0, i, k, col[2] = {0, 0}, nl[2] = {0, 0}, cap = 0;
    const int32_t *codes[2];
    int side, rc = TIER_OK;
    for (side = 0; side < 2; side++) {
        codes[side] = route_codes(b->res[side], &col[side]);
        if (codes[side])
            nl[side] = tier_frame_label_count(tier_result_frame(b->res[side]), col[side]);
    }
    if (nl[0] + nl[1] == 0)
        return TIER_OK;
    refs = tier__calloc(&b->d->alloc, nl[0] + nl[1], sizeof *refs);
    if (!refs)
        return nomem(b);
    for (side = 0; side < 2; side++)
        for (k = 0; k < nl[side]; k++) {
            const char *name =
                tier_frame_label_text(tier_result_frame(b->res[side]), col[side], (int32_t)k);
            refs[n_refs].name = name ? name : "";
            refs[n_refs].side = side;
            n_refs++;
        }
    for (side = 0; side < 2 && !rc; side++)
        for (i = 0; codes[side] && i < b->s.customers && !rc; i++) {
            int32_t c = codes[side][i];
            team_ref *r;
            if (c < 0 || (size_t)c >= nl[side])
                continue;
            r = &refs[(side ? nl[0] : 0) + (size_t)c];
            r->accounts++;
            rc = add_revenue(b, &r->revenue, b->fig[i].net);
        }
    if (!rc)
        qsort(refs, n_refs, sizeof *refs, team_cmp);
    for (i = 0; i < n_refs && !rc; i++) {
        tier__dteam *t;
        if (!refs[i].accounts || !refs[i].name[0])
            continue;
        if (!b->s.n_teams ||
            strcmp(pool_str(b, b->s.teams[b->s.n_teams - 1].name), refs[i].name) != 0) {
            if (tier__grow(&b->d->alloc, (void **)&b->s.teams, &cap, b->s.n_teams + 1,
                           sizeof *b->s.teams)) {
                rc = nomem(b);
                break;
            }
            t = &b->s.teams[b->s.n_teams++];
            memset(t, 0, sizeof *t);
            rc = pool_put(b, refs[i].name, strlen(refs[i].name), &t->name);
        }
        t = &b->s.teams[b->s.n_teams - 1];
        t->accounts[refs[i].side] += refs[i].accounts;
        if (!rc)
            rc = add_revenue(b, &t->revenue[refs[i].side], refs[i].revenue);
    }
    tier__free(&b->d->alloc, refs);
    return rc;
}

int tier_diff_results(tier_diff *d, const tier_result *before, const tier_result *after,
                      const tier_book *book)
{
    build b;
    size_t n;
    int side, rc;
    if (!d)
        return TIER_EINVAL;
    if (!before || !after || !book) {
        tier__errorf(d->err, "a diff needs two results and their book");
        return TIER_EINVAL;
    }
    n = tier_book_customer_count(book);
    memset(&b, 0, sizeof b);
    b.d = d;
    b.res[0] = before;
    b.res[1] = after;
    for (side = 0; side < 2; side++) {
        if (!tier_result_frame(b.res[side])) {
            tier__errorf(d->err, "the %s result has not been run", side ? "after" : "before");
            return TIER_ESTATE;
        }
        if (tier_result_customer_count(b.res[side]) != n) {
            tier__errorf(d->err,
                         "the %s result has %zu customers but the book has %zu: not a run of "
                         "this book",
                         side ? "after" : "before", tier_result_customer_count(b.res[side]), n);
            return TIER_EINVAL;
        }
    }
    b.book = book;
    b.fig = tier__book_running(book);
    b.s.customers = n;
    tier__buf_init(&b.pool, &d->alloc);
    rc = tiers_of(&b);
    if (!rc)
        rc = compare_customers(&b);
    if (!rc)
        rc = compare_entitlements(&b);
    if (!rc)
        rc = compare_routes(&b);
    return finish(&b, rc);
}

/* ---- two histories ------------------------------------------------------------------------ */

static int history_tiers(build *b, const tier_history *h[2])
{
    int side;
    size_t t;
    for (side = 0; side < 2; side++) {
        size_t n = h[side]->n_tiers;
        b->s.ntiers[side] = n;
        b->s.tier[side] = tier__calloc(&b->d->alloc, n ? n : 1, sizeof(size_t));
        if (!b->s.tier[side])
            return nomem(b);
        for (t = 0; t < n; t++)
            if (pool_put(b, h[side]->tiers[t], strlen(h[side]->tiers[t]), &b->s.tier[side][t]))
                return TIER_ENOMEM;
    }
    b->s.ladder = b->s.ntiers[0] == b->s.ntiers[1];
    for (t = 0; b->s.ladder && t < b->s.ntiers[0]; t++)
        b->s.ladder = strcmp(pool_str(b, b->s.tier[0][t]), pool_str(b, b->s.tier[1][t])) == 0;
    return TIER_OK;
}

/* The revenue of customer `id` as tier_diff_results() takes it: its net amount in the book;
 * 0 without a book, and 0 (counted in s.not_in_book) for a customer the book does not have. */
static int64_t book_revenue(build *b, const char *id)
{
    size_t at = 0;
    if (!b->book)
        return 0;
    if (tier_book_find(b->book, id, strlen(id), &at) != TIER_OK) {
        b->s.not_in_book++;
        return 0;
    }
    return b->fig[at].net;
}

/* One customer of the union: its entry on each side (NULL when absent). */
static int history_customer(build *b, size_t i, const tier__hentry *e[2], const int32_t *match,
                            size_t *cap)
{
    int32_t from = e[0] ? e[0]->tier : -1, to = e[1] ? e[1]->tier : -1;
    const char *id = e[0] ? e[0]->id : e[1]->id, *why[2];
    int64_t net = book_revenue(b, id);
    int move = 0, rc;
    if (from >= (int32_t)b->s.ntiers[0] || to >= (int32_t)b->s.ntiers[1])
        from = to = -1; /* cannot happen in a loaded history; counted as no tier */
    rc = tally(b, match, from, to, net, &move);
    if (rc || !move)
        return rc;
    why[0] = e[0] && e[0]->reason ? e[0]->reason : "";
    why[1] = e[1] && e[1]->reason ? e[1]->reason : "";
    return push_mover(b, cap, i, from, to, move, id, strlen(id), why, net);
}

/* The union of both histories' customers, in id order (entries are sorted by id). */
static int compare_histories(build *b, const tier_history *h[2])
{
    size_t rows = b->s.ntiers[0] + 1, cols = b->s.ntiers[1] + 1, i = 0, j = 0, n = 0, cap = 0;
    int32_t *match = start_matrix(b, rows, cols);
    int rc = TIER_OK;
    if (!match)
        return TIER_ENOMEM;
    while (!rc && (i < h[0]->n_entries || j < h[1]->n_entries)) {
        const tier__hentry *e[2] = {NULL, NULL};
        int c = i == h[0]->n_entries   ? 1
                : j == h[1]->n_entries ? -1
                                       : strcmp(h[0]->entries[i].id, h[1]->entries[j].id);
        if (c <= 0)
            e[0] = &h[0]->entries[i++];
        if (c >= 0)
            e[1] = &h[1]->entries[j++];
        rc = history_customer(b, n++, e, match, &cap);
    }
    b->s.customers = n;
    tier__free(&b->d->alloc, match);
    return rc;
}

/* Each side's tiers in the policy, by name (-1: the policy has no tier of that name). */
static int policy_tiers(build *b)
{
    const tier__pol *pol = &b->policy->pol;
    size_t t, p;
    int side;
    for (side = 0; side < 2; side++) {
        int32_t *map = tier__calloc(&b->d->alloc, b->s.ntiers[side] + 1, sizeof *map);
        if (!map)
            return nomem(b);
        b->s.policy_tier[side] = map;
        for (t = 0; t < b->s.ntiers[side]; t++) {
            const char *name = pool_str(b, b->s.tier[side][t]);
            map[t] = -1;
            for (p = 0; p < pol->n_tiers && map[t] < 0; p++)
                if (strcmp(pol->tiers[p].name, name) == 0)
                    map[t] = (int32_t)p;
        }
    }
    return TIER_OK;
}

int tier_diff_histories_book(tier_diff *d, const tier_history *before, const tier_history *after,
                             const tier_book *book, const tier_policy *policy)
{
    const tier_history *h[2];
    build b;
    int rc;
    if (!d)
        return TIER_EINVAL;
    if (!before || !after) {
        tier__errorf(d->err, "a diff needs two histories");
        return TIER_EINVAL;
    }
    h[0] = before;
    h[1] = after;
    memset(&b, 0, sizeof b);
    b.d = d;
    b.book = book;
    b.fig = book ? tier__book_running(book) : NULL;
    b.policy = policy;
    b.s.no_revenue = !book;
    tier__buf_init(&b.pool, &d->alloc);
    rc = history_tiers(&b, h);
    if (!rc)
        rc = compare_histories(&b, h);
    if (!rc && policy)
        rc = policy_tiers(&b);
    if (!rc && policy)
        rc = compare_entitlements(&b);
    return finish(&b, rc);
}

int tier_diff_histories(tier_diff *d, const tier_history *before, const tier_history *after)
{
    return tier_diff_histories_book(d, before, after, NULL, NULL);
}

/* ---- getters ------------------------------------------------------------------------------- */

double tier__diff_revenue(const tier__dstate *s, int64_t v)
{
    return s->no_revenue ? NAN : tier__fixed_to_double(v);
}

static int side_ok(int side)
{
    return side == TIER_DIFF_BEFORE || side == TIER_DIFF_AFTER;
}

size_t tier_diff_customer_count(const tier_diff *d)
{
    return d ? d->s.customers : 0;
}

size_t tier_diff_tier_count(const tier_diff *d, int side)
{
    return d && side_ok(side) ? d->s.ntiers[side] : 0;
}

const char *tier_diff_tier_name(const tier_diff *d, int side, size_t tier)
{
    if (!d || !side_ok(side) || tier >= d->s.ntiers[side])
        return NULL;
    return TIER__DSTR(&d->s, d->s.tier[side][tier]);
}

static int tier_ok(const tier_diff *d, int side, int t)
{
    return t >= -1 && (t < 0 || (size_t)t < d->s.ntiers[side]);
}

int tier_diff_cell(const tier_diff *d, int from, int to, size_t *customers, double *revenue)
{
    size_t cell;
    if (!d)
        return TIER_EINVAL;
    if (!d->has || !tier_ok(d, 0, from) || !tier_ok(d, 1, to))
        return TIER_ERANGE;
    cell = (size_t)(from + 1) * (d->s.ntiers[1] + 1) + (size_t)(to + 1);
    if (customers)
        *customers = d->s.cells[cell];
    if (revenue)
        *revenue = tier__diff_revenue(&d->s, d->s.cell_revenue[cell]);
    return TIER_OK;
}

int tier_diff_total(const tier_diff *d, int side, int tier, size_t *customers, double *revenue)
{
    if (!d || !side_ok(side))
        return TIER_EINVAL;
    if (!d->has || !tier_ok(d, side, tier))
        return TIER_ERANGE;
    if (customers)
        *customers = side_count(&d->s, side, tier);
    if (revenue)
        *revenue = tier__diff_revenue(&d->s, d->s.side_revenue[side][tier + 1]);
    return TIER_OK;
}

int tier_diff_moved(const tier_diff *d, int move, size_t *customers, double *revenue)
{
    if (!d || move < 0 || move > TIER_DIFF_MOVE_ACROSS)
        return TIER_EINVAL;
    if (customers)
        *customers = d->s.moved[move];
    if (revenue)
        *revenue = tier__diff_revenue(&d->s, d->s.moved_revenue[move]);
    return TIER_OK;
}

size_t tier_diff_mover_count(const tier_diff *d)
{
    return d ? d->s.n_movers : 0;
}

int tier_diff_mover_get(const tier_diff *d, size_t i, tier_diff_mover *out)
{
    const tier__dmover *m;
    if (!d || !out)
        return TIER_EINVAL;
    if (i >= d->s.n_movers)
        return TIER_ERANGE;
    m = &d->s.movers[i];
    out->customer = m->customer;
    out->id = TIER__DSTR(&d->s, m->id);
    out->id_len = m->id_len;
    out->from = m->from;
    out->to = m->to;
    out->from_name = m->from < 0 ? "" : TIER__DSTR(&d->s, d->s.tier[0][m->from]);
    out->to_name = m->to < 0 ? "" : TIER__DSTR(&d->s, d->s.tier[1][m->to]);
    out->reason_before = TIER__DSTR(&d->s, m->reason[0]);
    out->reason_after = TIER__DSTR(&d->s, m->reason[1]);
    out->revenue = tier__diff_revenue(&d->s, m->revenue);
    out->move = m->move;
    return TIER_OK;
}

size_t tier_diff_entitlement_count(const tier_diff *d)
{
    return d ? d->s.n_ents : 0;
}

/* Entitlement k of the diff, or NULL when there is none. */
static const tier__dent *entitlement(const tier_diff *d, size_t k)
{
    return d && k < d->s.n_ents ? &d->s.ents[k] : NULL;
}

const char *tier_diff_entitlement_name(const tier_diff *d, size_t k, int *type)
{
    const tier__dent *e = entitlement(d, k);
    if (e && type)
        *type = e->type;
    return e ? TIER__DSTR(&d->s, e->name) : NULL;
}

int tier_diff_entitlement_total(const tier_diff *d, size_t k, int side, double *total)
{
    const tier__dent *e = entitlement(d, k);
    if (!d || !total)
        return TIER_EINVAL;
    if (!e || !side_ok(side))
        return TIER_ERANGE;
    *total = e->total[side];
    return e->present[side] ? TIER_OK : TIER_ENOTFOUND;
}

size_t tier_diff_entitlement_value_count(const tier_diff *d, size_t k)
{
    const tier__dent *e = entitlement(d, k);
    return e ? e->n_values : 0;
}

const char *tier_diff_entitlement_value(const tier_diff *d, size_t k, size_t j, size_t *before,
                                        size_t *after)
{
    const tier__dent *e = entitlement(d, k);
    const tier__dval *v;
    if (!e || j >= e->n_values)
        return NULL;
    v = &e->values[j];
    if (before)
        *before = v->count[0];
    if (after)
        *after = v->count[1];
    return TIER__DSTR(&d->s, v->value);
}

size_t tier_diff_team_count(const tier_diff *d)
{
    return d ? d->s.n_teams : 0;
}

const char *tier_diff_team(const tier_diff *d, size_t i, size_t *before_accounts,
                           size_t *after_accounts, double *before_revenue, double *after_revenue)
{
    const tier__dteam *t;
    if (!d || i >= d->s.n_teams)
        return NULL;
    t = &d->s.teams[i];
    if (before_accounts)
        *before_accounts = t->accounts[0];
    if (after_accounts)
        *after_accounts = t->accounts[1];
    if (before_revenue)
        *before_revenue = tier__fixed_to_double(t->revenue[0]);
    if (after_revenue)
        *after_revenue = tier__fixed_to_double(t->revenue[1]);
    return TIER__DSTR(&d->s, t->name);
}
