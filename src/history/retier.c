/* SPDX-License-Identifier: MIT */
/* Incremental re-tiering (tier/retier.h, docs/retier.md): the freeze of a batch run, one customer
 * re-scored and re-tiered against the frozen figures, and what the customer's tier is now. The
 * policy is evaluated by the policy engine itself (policy/apply.h, a one-row rowset with the
 * frozen reference) and the history decision is tier_history_apply's own (history/decide.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "history/retier_internal.h"
#include "policy/org/org.h"
#include "policy/result_internal.h"

/* ---- texts ---------------------------------------------------------------------------------- */

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h ^ (h >> 29);
}

/* The index of `s` (copied when new), or -1 when out of memory. */
static int32_t texts_add(const tier_allocator *a, tier__rtexts *t, const char *s)
{
    size_t i, mask;
    if (t->nslots) {
        mask = t->nslots - 1;
        for (i = (size_t)hash_text(s) & mask; t->slots[i]; i = (i + 1) & mask)
            if (strcmp(t->v[t->slots[i] - 1], s) == 0)
                return (int32_t)(t->slots[i] - 1);
    }
    if ((t->n + 1) * 2 > t->nslots) {
        size_t ns = t->nslots ? t->nslots * 2 : 64, k;
        uint32_t *slots = tier__calloc(a, ns, sizeof *slots);
        if (!slots)
            return -1;
        for (k = 0; k < t->n; k++) {
            for (i = (size_t)hash_text(t->v[k]) & (ns - 1); slots[i]; i = (i + 1) & (ns - 1))
                ;
            slots[i] = (uint32_t)k + 1;
        }
        tier__free(a, t->slots);
        t->slots = slots;
        t->nslots = ns;
    }
    if (t->n >= INT32_MAX || tier__grow(a, (void **)&t->v, &t->cap, t->n + 1, sizeof *t->v) ||
        !(t->v[t->n] = tier__strdup(a, s)))
        return -1;
    mask = t->nslots - 1;
    for (i = (size_t)hash_text(s) & mask; t->slots[i]; i = (i + 1) & mask)
        ;
    t->slots[i] = (uint32_t)++t->n;
    return (int32_t)(t->n - 1);
}

static void texts_free(const tier_allocator *a, tier__rtexts *t)
{
    tier__free_strings(a, t->v, t->n);
    tier__free(a, t->slots);
    memset(t, 0, sizeof *t);
}

/* ---- the arena of the one-row path ---------------------------------------------------------- */

/* The strictest alignment C99 offers (no max_align_t before C11). */
typedef union ralign {
    long double ld;
    double d;
    void *p;
    long long ll;
} ralign;

struct rchunk {
    struct rchunk *next;
    size_t size, used;
    ralign data[1];
};

#define ALIGN_UP(x) (((x) + sizeof(ralign) - 1) / sizeof(ralign) * sizeof(ralign))

static void *arena_alloc(void *ud, size_t size)
{
    tier__rarena *ar = ud;
    struct rchunk *c;
    size_t need = ALIGN_UP(size + sizeof(ralign)), csize;
    unsigned char *p;
    for (c = ar->chunks; c; c = c->next)
        if (c->size - c->used >= need)
            break;
    if (!c) {
        csize = need > 65536 ? need : 65536;
        c = ar->parent->alloc(ar->parent->ud, offsetof(struct rchunk, data) + csize);
        if (!c)
            return NULL;
        c->size = csize;
        c->used = 0;
        c->next = ar->chunks;
        ar->chunks = c;
    }
    p = (unsigned char *)c->data + c->used;
    c->used += need;
    memcpy(p, &size, sizeof size); /* the size, for realloc */
    return p + sizeof(ralign);
}

static void *arena_realloc(void *ud, void *ptr, size_t size)
{
    void *q;
    size_t old;
    if (!ptr)
        return arena_alloc(ud, size);
    memcpy(&old, (unsigned char *)ptr - sizeof(ralign), sizeof old);
    if (size <= old)
        return ptr;
    if (!(q = arena_alloc(ud, size)))
        return NULL;
    memcpy(q, ptr, old);
    return q;
}

static void arena_free(void *ud, void *ptr)
{
    (void)ud, (void)ptr; /* everything goes at the next reset */
}

static void arena_reset(tier__rarena *ar)
{
    struct rchunk *c;
    for (c = ar->chunks; c; c = c->next)
        c->used = 0;
}

static void arena_release(tier__rarena *ar)
{
    while (ar->chunks) {
        struct rchunk *c = ar->chunks;
        ar->chunks = c->next;
        ar->parent->free(ar->parent->ud, c);
    }
}

/* ---- freeing and errors --------------------------------------------------------------------- */

/* Frees everything the handle owns but itself and its error text: a handle that only says why
 * it could not be made. */
static void clear(tier_retier *r)
{
    const tier_allocator *a = &r->alloc;
    char err[TIER__ERR_SIZE];
    tier_allocator keep = r->alloc;
    tier_frame_free(r->frame);
    tier__policy_ref_free(&r->ref);
    texts_free(a, &r->reasons);
    texts_free(a, &r->flag_sets);
    texts_free(a, &r->route_names);
    if (r->cap_text)
        tier__free_strings(a, r->cap_text, r->pol->n_tiers);
    tier__free_strings(a, r->names, r->n_names);
    tier__buf_free(&r->b);
    tier__buf_free(&r->d);
    tier__buf_free(&r->fb);
    arena_release(&r->arena);
    if (r->hier)
        tier__rowset_free(a, &r->rows);
    tier__type_memo_free(&r->memo);
    {
        void *own[] = {r->models,   r->population, r->tier,       r->reason,
                       r->flags,    r->map,        r->in_force,   r->expired,
                       r->save_num, r->save_code,  r->win_from,   r->member_of,
                       r->out_cust, r->out_tier,   r->out_reason, r->route_of};
        tier__free_all(a, own, sizeof own / sizeof *own);
    }
    memcpy(err, r->err, sizeof err);
    memset(r, 0, sizeof *r);
    r->alloc = keep;
    memcpy(r->err, err, sizeof err);
    r->failed = 1;
}

void tier_retier_free(tier_retier *r)
{
    if (!r)
        return;
    clear(r);
    tier__free(&r->alloc, r);
}

const char *tier_retier_last_error(const tier_retier *r)
{
    return r ? r->err : "";
}

static int nomem(tier_retier *r, const char *what)
{
    tier__errorf(r->err, "out of memory %s", what);
    return TIER_ENOMEM;
}

/* "customer \"ID\" (index I)" into buf. */
static const char *who(const tier_book *book, size_t i, char *buf, size_t cap)
{
    size_t len = 0;
    const char *id = tier_book_customer_id(book, i, &len);
    char shown[80];
    snprintf(buf, cap, "customer %s (index %zu)",
             tier__quote_text(shown, sizeof shown, id ? id : "", id ? len : 0), i);
    return buf;
}

/* ---- the freeze ----------------------------------------------------------------------------- */

int tier__retier_copy_columns(const tier_allocator *a, tier_frame *dst, const tier_frame *src,
                              const char *prefix, char *err)
{
    size_t col, nc = tier_frame_column_count(src), rows = tier_frame_rows(src);
    size_t plen = strlen(prefix);
    for (col = 0; col < nc; col++) {
        const char *name = tier_frame_column_name(src, col);
        int rc;
        if (!name || !strchr(name, '.') || strncmp(name, prefix, plen) != 0)
            continue;
        if (tier_frame_column_type(src, col) == TIER_VALUE_LABEL) {
            size_t nl = tier_frame_label_count(src, col), l;
            const char **labels = tier__calloc(a, nl + 1, sizeof *labels);
            int32_t *codes = NULL;
            if (!labels) {
                tier__errorf(err, "out of memory copying column '%s'", name);
                return TIER_ENOMEM;
            }
            for (l = 0; l < nl; l++)
                labels[l] = tier_frame_label_text(src, col, (int32_t)l);
            rc = tier_frame_add_labels(dst, name, labels, nl, &codes);
            tier__free(a, labels);
            if (rc == TIER_OK && rows)
                memcpy(codes, tier_frame_labels(src, col), rows * sizeof *codes);
        } else {
            double *v = NULL;
            rc = tier_frame_add_numbers(dst, name, &v);
            if (rc == TIER_OK && rows)
                memcpy(v, tier_frame_numbers(src, col), rows * sizeof *v);
        }
        if (rc) {
            tier__errorf(err, "copying column '%s': %s", name, tier_frame_last_error(dst));
            return rc;
        }
    }
    return TIER_OK;
}

/* The result is a run of this policy on this book. */
static int check_run(tier_retier *r, const tier_result *res)
{
    size_t t;
    if (!tier__result_has_run(res)) {
        tier__errorf(r->err, "the result has no run: call tier_result_run first");
        return TIER_EINVAL;
    }
    if (tier_result_customer_count(res) != r->n) {
        tier__errorf(r->err,
                     "the result has %zu customers but the book %zu: not a run of this book",
                     tier_result_customer_count(res), r->n);
        return TIER_EINVAL;
    }
    if (tier_result_tier_count(res) != r->pol->n_tiers) {
        tier__errorf(r->err, "the result has %zu tiers but the policy %zu: not a run of it",
                     tier_result_tier_count(res), r->pol->n_tiers);
        return TIER_EINVAL;
    }
    for (t = 0; t < r->pol->n_tiers; t++)
        if (strcmp(tier_result_tier_name(res, t), r->pol->tiers[t].name) != 0) {
            tier__errorf(r->err, "tier %zu of the run is '%s' but the policy's is '%s'", t + 1,
                         tier_result_tier_name(res, t), r->pol->tiers[t].name);
            return TIER_EINVAL;
        }
    if (r->pol->hier.present && r->pol->hier.children != TIER__PH_INHERIT) {
        tier__errorf(r->err, "the policy's hierarchy gives children their own rows (children = "
                             "own): a child's invoice changes two rows, which only the next batch "
                             "run re-tiers");
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* Saves (restore 0) or puts back (restore 1) the customer's row of the model columns. The frame
 * is the retier's own: its columns are written in place. */
static void row_values(tier_retier *r, size_t i, int restore)
{
    size_t col;
    for (col = 0; col < r->n_cols; col++) {
        if (tier_frame_column_type(r->frame, col) == TIER_VALUE_LABEL) {
            int32_t *codes = (int32_t *)tier_frame_labels(r->frame, col);
            if (restore)
                codes[i] = r->save_code[col];
            else
                r->save_code[col] = codes[i];
        } else {
            double *v = (double *)tier_frame_numbers(r->frame, col);
            if (restore)
                v[i] = r->save_num[col];
            else
                r->save_num[col] = v[i];
        }
    }
}

/* The models: all fitted; which ones score one row (probed on row 0, which score_row must leave
 * as score gave it). */
static int freeze_models(tier_retier *r, tier_model *const *models, size_t count,
                         const tier_result *res)
{
    size_t m;
    int rc;
    r->models = tier__calloc(&r->alloc, count + 1, sizeof *r->models);
    r->population = tier__calloc(&r->alloc, count + 1, 1);
    if (!r->models || !r->population)
        return nomem(r, "keeping the models");
    r->n_models = count;
    for (m = 0; m < count; m++) {
        if (!models[m]) {
            tier__errorf(r->err, "model %zu is NULL", m);
            return TIER_EINVAL;
        }
        if (!tier_model_is_fitted(models[m])) {
            tier__errorf(r->err, "model \"%s\" is not fitted: freeze a finished run",
                         tier_model_name(models[m]));
            return TIER_ESTATE;
        }
        r->models[m] = models[m];
    }
    if ((rc = tier_frame_new(&r->frame, r->n, &r->alloc)) != TIER_OK)
        return nomem(r, "copying the frame");
    if ((rc = tier__retier_copy_columns(&r->alloc, r->frame, tier_result_frame(res), "", r->err)) !=
        TIER_OK)
        return rc;
    r->n_cols = tier_frame_column_count(r->frame);
    r->save_num = tier__calloc(&r->alloc, r->n_cols + 1, sizeof *r->save_num);
    r->save_code = tier__calloc(&r->alloc, r->n_cols + 1, sizeof *r->save_code);
    if (!r->save_num || !r->save_code)
        return nomem(r, "keeping the models");
    /* Which models score one row: asked on row 0, which is then put back as the run left it. */
    if (r->n)
        row_values(r, 0, 0);
    for (m = 0; m < count; m++) {
        if (!r->n) {
            r->population[m] = 1;
            continue;
        }
        rc = tier_model_score_row(models[m], r->book, r->frame, 0);
        if (rc == TIER_ESTATE)
            r->population[m] = 1;
        else if (rc) {
            tier__errorf(r->err, "model \"%s\" cannot re-score a row: %s",
                         tier_model_name(models[m]), tier_frame_last_error(r->frame));
            return rc;
        }
    }
    if (r->n)
        row_values(r, 0, 1);
    return TIER_OK;
}

/* The groups of a hierarchy, frozen with their leads (the next batch run regroups), each
 * group's "member of TOP", and room for deciding the largest group. */
static int freeze_groups(tier_retier *r)
{
    size_t row, most = 1, i;
    if (r->pol->hier.present) {
        int rc = tier__hier_rows(&r->pol->hier, r->book, &r->alloc, &r->rows, r->err);
        if (rc)
            return rc;
        r->hier = 1;
        r->ref.rows = &r->rows;
        r->member_of = tier__malloc(&r->alloc, (r->rows.n + 1) * sizeof *r->member_of);
        if (!r->member_of)
            return nomem(r, "freezing the groups");
        for (row = 0; row < r->rows.n; row++) {
            size_t n = r->rows.member_start[row + 1] - r->rows.member_start[row];
            r->member_of[row] = -1;
            if (n > most)
                most = n;
        }
        for (i = 0; i < r->n; i++) {
            size_t len;
            const char *id;
            if (r->rows.member[i])
                continue;
            row = r->rows.row_of[i];
            if (r->rows.member_start[row + 1] - r->rows.member_start[row] < 2)
                continue;
            id = tier_book_customer_id(r->book, i, &len);
            tier__buf_reset(&r->fb);
            tier__buf_puts(&r->fb, "member of ");
            tier__buf_append(&r->fb, id, len);
            if (tier__buf_status(&r->fb) ||
                (r->member_of[row] = texts_add(&r->alloc, &r->reasons, tier__buf_data(&r->fb))) < 0)
                return nomem(r, "freezing the groups");
        }
    }
    r->out_cust = tier__malloc(&r->alloc, most * sizeof *r->out_cust);
    r->out_tier = tier__malloc(&r->alloc, most * sizeof *r->out_tier);
    r->out_reason = tier__malloc(&r->alloc, most * sizeof *r->out_reason);
    return r->out_cust && r->out_tier && r->out_reason ? TIER_OK : nomem(r, "freezing the groups");
}

/* The population figures: the policy applied once more to the frozen frame, recording them; its
 * placement must be the run's (else the result is not a run of this policy and book). */
static void flag_text(tier_retier *r, const uint64_t *bits);

/* Every set of flags the policy can raise (up to 8 flags: 256 sets), known before re-tiering. */
static int freeze_flag_sets(tier_retier *r)
{
    uint64_t bits[1];
    size_t nb = r->pol->n_flags + (r->pol->route.present ? 1 : 0); /* and route_overflow */
    if (nb > 8)
        return TIER_OK; /* then a set is kept when it first comes up */
    for (bits[0] = 0; bits[0] < (uint64_t)1 << nb; bits[0]++) {
        flag_text(r, bits);
        if (tier__buf_status(&r->fb) ||
            texts_add(&r->alloc, &r->flag_sets, tier__buf_data(&r->fb)) < 0)
            return nomem(r, "freezing the flags");
    }
    return TIER_OK;
}

/* What every application of the frozen policy is given: the policy, its book and frame, the day
 * and the frozen reference run. */
static void apply_in(tier_retier *r, tier__apply_in *in)
{
    memset(in, 0, sizeof *in);
    in->pol = r->pol;
    in->origin = r->policy->origin;
    in->book = r->book;
    in->frame = r->frame;
    in->as_of = r->as_of;
    in->ref = &r->ref;
}

static int freeze_policy(tier_retier *r, const tier_result *res)
{
    tier__apply_in in;
    tier__applied ap;
    size_t i, t;
    int rc;
    r->ref.a = &r->alloc;
    r->ref.collect = 1;
    r->ref.caps = tier__calloc(&r->alloc, r->pol->n_tiers + 1, sizeof *r->ref.caps);
    if (!r->ref.caps)
        return nomem(r, "freezing the caps");
    r->ref.n_caps = r->pol->n_tiers;
    apply_in(r, &in);
    if ((rc = tier__policy_apply(&in, &r->alloc, &ap, NULL, r->err)) != TIER_OK)
        return rc;
    r->ref.collect = 0;
    for (i = 0; i < r->n; i++)
        if (tier__result_placed(res, i, NULL, NULL) != ap.tier[i]) {
            char w[160];
            tier__errorf(r->err,
                         "%s: the run placed it in tier %d, the policy now in %d: not a run "
                         "of this policy and book (or the book changed since)",
                         who(r->book, i, w, sizeof w), tier__result_placed(res, i, NULL, NULL),
                         (int)ap.tier[i]);
            tier__applied_free(&r->alloc, &ap);
            return TIER_EINVAL;
        }
    tier__applied_free(&r->alloc, &ap);
    r->cap_text = tier__calloc(&r->alloc, r->pol->n_tiers + 1, sizeof *r->cap_text);
    if (!r->cap_text)
        return nomem(r, "freezing the caps");
    for (t = 0; t < r->pol->n_tiers; t++)
        if (r->pol->tiers[t].cap.kind != TIER__PCAP_NONE &&
            tier__cap_reason(&r->alloc, &r->pol->tiers[t], &r->cap_text[t]))
            return nomem(r, "freezing the caps");
    if (freeze_flag_sets(r))
        return TIER_ENOMEM;
    /* Every reason a rule or a cap can give, known now: re-tiering then finds them all. */
    for (t = 0; t < r->pol->n_tiers; t++) {
        size_t k;
        for (k = 0; k < r->pol->tiers[t].n_rules; k++)
            if (texts_add(&r->alloc, &r->reasons, r->pol->tiers[t].rules[k].name) < 0)
                return nomem(r, "freezing the reasons");
        if (r->cap_text[t] && texts_add(&r->alloc, &r->reasons, r->cap_text[t]) < 0)
            return nomem(r, "freezing the reasons");
    }
    return TIER_OK;
}

/* The run's routing over its final tiers (after a history, those the history decided): what each
 * team held and each row's part in it, against which a row is routed alone (docs/retier.md). */
static int freeze_routing(tier_retier *r, const tier_result *res)
{
    tier__apply_in in;
    tier__applied ap;
    int32_t *tiers;
    size_t i;
    int rc;
    if (!r->pol->route.present)
        return TIER_OK;
    if (!(tiers = tier__malloc(&r->alloc, (r->n + 1) * sizeof *tiers)))
        return nomem(r, "freezing the routing");
    for (i = 0; i < r->n; i++)
        tiers[i] = tier_result_tier(res, i);
    apply_in(r, &in);
    r->ref.collect_route = 1;
    rc = tier__policy_flags(&in, tiers, &r->alloc, &ap, NULL, r->err);
    r->ref.collect_route = 0;
    tier__free(&r->alloc, tiers);
    if (rc)
        return rc;
    tier__applied_free(&r->alloc, &ap);
    return TIER_OK;
}

/* The first day of each window (they all end at the frozen as-of day), and the book's index of
 * each customer's transactions, built now so that no re-tiering pays for it. */
static int freeze_windows(tier_retier *r)
{
    const tier__pol *pol = r->pol;
    size_t k;
    int rc;
    r->win_from = tier__malloc(&r->alloc, (pol->n_windows + 1) * sizeof *r->win_from);
    if (!r->win_from)
        return nomem(r, "freezing the windows");
    for (k = 0; k < pol->n_windows; k++)
        r->win_from[k] = tier__window_from(&pol->windows[k], !isnan(r->as_of), r->to);
    if (pol->n_windows && tier_book_txn_count(r->book) &&
        (rc = tier__book_index_txns(r->book, r->err)) != TIER_OK)
        return rc;
    return TIER_OK;
}

/* Every customer's tier, reason, flags and route from `res`. */
static int customer_states(tier_retier *r, const tier_result *res)
{
    size_t i;
    for (i = 0; i < r->n; i++) {
        const char *team = tier_result_route(res, i);
        r->tier[i] = tier_result_tier(res, i);
        r->reason[i] = texts_add(&r->alloc, &r->reasons, tier_result_reason(res, i));
        r->flags[i] = texts_add(&r->alloc, &r->flag_sets, tier_result_flags(res, i));
        r->route_of[i] = team && *team ? texts_add(&r->alloc, &r->route_names, team) : -1;
        if (r->reason[i] < 0 || r->flags[i] < 0 || (team && *team && r->route_of[i] < 0))
            return nomem(r, "copying the reasons");
    }
    return TIER_OK;
}

/* The customers' tiers, reasons, flags and routes as the run left them. */
static int freeze_customers(tier_retier *r, const tier_result *res)
{
    size_t i;
    r->tier = tier__malloc(&r->alloc, (r->n + 1) * sizeof *r->tier);
    r->reason = tier__malloc(&r->alloc, (r->n + 1) * sizeof *r->reason);
    r->flags = tier__malloc(&r->alloc, (r->n + 1) * sizeof *r->flags);
    r->route_of = tier__malloc(&r->alloc, (r->n + 1) * sizeof *r->route_of);
    if (!r->tier || !r->reason || !r->flags || !r->route_of)
        return nomem(r, "copying the tiers");
    if (r->pol->route.present && r->ref.route) { /* every team of the run, known now */
        for (i = 0; i < r->ref.route->n_names; i++)
            if (texts_add(&r->alloc, &r->route_names, r->ref.route->names[i]) < 0)
                return nomem(r, "copying the routes");
    }
    return customer_states(r, res);
}

/* What the next run's decision needs from the history: the tier names, the previous state's
 * tiers mapped to them, the overrides in force on the frozen day and those ended by it. */
static int freeze_history(tier_retier *r)
{
    const tier_history *h = r->history;
    size_t t, k;
    r->names = tier__calloc(&r->alloc, r->pol->n_tiers + h->n_tiers + 1, sizeof *r->names);
    r->map = tier__calloc(&r->alloc, h->n_tiers + 1, sizeof *r->map);
    r->in_force = tier__calloc(&r->alloc, h->n_overrides + 1, sizeof *r->in_force);
    r->expired = tier__calloc(&r->alloc, h->n_overrides + 1, sizeof *r->expired);
    if (!r->names || !r->map || !r->in_force || !r->expired)
        return nomem(r, "freezing the history");
    for (t = 0; t < r->pol->n_tiers; t++) {
        if (!(r->names[t] = tier__strdup(&r->alloc, r->pol->tiers[t].name)))
            return nomem(r, "freezing the history");
        r->n_names = t + 1;
    }
    for (k = 0; k < h->n_tiers; k++) {
        r->map[k] = -1;
        for (t = 0; t < r->pol->n_tiers; t++)
            if (strcmp(h->tiers[k], r->pol->tiers[t].name) == 0)
                r->map[k] = (int32_t)t;
        if (r->map[k] >= 0)
            continue;
        if (!(r->names[r->n_names] = tier__strdup(&r->alloc, h->tiers[k])))
            return nomem(r, "freezing the history");
        r->map[k] = (int32_t)r->n_names++;
    }
    for (k = 0; k < h->n_overrides; k++) {
        if (!isnan(r->as_of) && h->overrides[k].expires <= (int32_t)r->as_of)
            r->expired[r->n_expired++] = h->overrides[k];
        else
            r->in_force[r->n_in_force++] = h->overrides[k];
    }
    return TIER_OK;
}

/* With a history, every customer's tier is the next run's decision (what re-tiering it gives):
 * the batch recompute of the unchanged book. */
static int next_run(tier_retier *r)
{
    tier_result *res = NULL;
    int rc = tier_result_new(&res, &r->alloc);
    if (rc)
        return nomem(r, "deciding the next run");
    if ((rc = tier_retier_batch(r, r->book, res)) == TIER_OK)
        rc = customer_states(r, res);
    tier_result_free(res);
    return rc;
}

int tier_retier_new(tier_retier **out, const tier_result *result, const tier_book *book,
                    tier_model *const *models, size_t model_count, const tier_policy *policy,
                    const tier_history *history, const tier_allocator *alloc)
{
    tier_retier *r;
    int rc;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    if (!result || !book || !policy || (model_count && !models))
        return TIER_EINVAL;
    if (!(r = TIER__HANDLE_NEW(tier_retier, alloc)))
        return TIER_ENOMEM;
    r->book = book;
    r->policy = policy;
    r->pol = &policy->pol;
    r->history = history;
    r->n = tier_book_customer_count(book);
    tier__buf_init(&r->b, &r->alloc);
    tier__buf_init(&r->d, &r->alloc);
    tier__buf_init(&r->fb, &r->alloc);
    r->arena.parent = &r->alloc;
    r->memo.a = &r->alloc;
    r->n_attrs = tier_book_attribute_count(book);
    r->arena_alloc.alloc = arena_alloc;
    r->arena_alloc.realloc = arena_realloc;
    r->arena_alloc.free = arena_free;
    r->arena_alloc.ud = &r->arena;
    r->as_of = NAN;
    r->to = INT32_MAX;
    {
        double d = tier__result_as_of(result);
        int32_t first, last;
        if (!isnan(d)) {
            r->as_of = d;
            r->to = (int32_t)d;
        } else if (tier_book_day_range(book, &first, &last) == TIER_OK) {
            r->to = last + 1;
            r->as_of = (double)r->to;
        }
    }
    if ((rc = check_run(r, result)) || (rc = freeze_models(r, models, model_count, result)) ||
        (rc = freeze_groups(r)) || (rc = freeze_policy(r, result)) ||
        (rc = freeze_routing(r, result)) || (rc = freeze_windows(r)) ||
        (rc = freeze_customers(r, result)) || (history && (rc = freeze_history(r))))
        goto fail;
    if (history && (rc = next_run(r)) != TIER_OK)
        goto fail;
    r->row.n = 1;
    r->row.customers = r->n;
    r->row.lead = r->row_lead;
    r->row.member_start = r->row_start;
    r->row.members = r->row_member;
    r->row_start[0] = 0;
    r->row_start[1] = 1;
    r->err[0] = '\0';
    *out = r;
    return TIER_OK;
fail:
    /* The handle stays to tell why (tier_retier_last_error), holding nothing else. */
    clear(r);
    *out = r;
    return rc;
}

/* ---- one customer --------------------------------------------------------------------------- */

/* Window k's figures of one customer: the book's own per-customer figures (through its
 * transaction index), exactly what the whole book's figures give for that customer. */
static int window_of(void *ud, size_t k, size_t customer, tier__figures *out, char *err)
{
    tier_retier *r = ud;
    char why[TIER__ERR_SIZE];
    int rc;
    why[0] = '\0';
    rc = tier__book_customer_figures(r->book, customer, r->win_from[k], r->to, out, why);
    if (rc)
        tier__errorf(err, "window '%s': %s", r->pol->windows[k].name,
                     why[0] ? why : tier_strerror(rc));
    return rc;
}

static int demote_of(void *ud, size_t tier)
{
    const tier_retier *r = ud;
    return r->pol->tiers[tier].hold.when ? r->demote[tier] : -1;
}

/* The flags of bits as "name;name" in r->fb. */
static void flag_text(tier_retier *r, const uint64_t *bits)
{
    size_t f;
    tier__buf_reset(&r->fb);
    tier__buf_puts(&r->fb, "");
    for (f = 0; f < r->pol->n_flags + (r->pol->route.present ? 1 : 0); f++) {
        if (!(bits[f / 64] >> (f % 64) & 1))
            continue;
        if (tier__buf_len(&r->fb))
            tier__buf_putc(&r->fb, ';');
        tier__buf_puts(&r->fb, f < r->pol->n_flags ? r->pol->flags[f].name : "route_overflow");
    }
}

/* The rule's name for a row's rule index (rules numbered tier-major). */
static const char *rule_name(const tier__pol *pol, int32_t tier, int32_t rule)
{
    size_t base = tier__policy_rule_base(pol, (size_t)tier);
    return pol->tiers[tier].rules[(size_t)rule - base].name;
}

/* The history's decision for customer c placed in `placed` for `why` (`cap`: the cap's reason
 * when a cap moved it); the final reason in r->b. */
static int decide(tier_retier *r, size_t c, int32_t placed, const char *why, const char *cap,
                  int32_t *fin)
{
    const tier_history *h = r->history;
    tier__hdecide D;
    tier__hchoice ch;
    size_t len;
    const char *id = tier_book_customer_id(r->book, c, &len);
    long e = tier__history_find(h, id);
    int rc;
    D.pol = r->pol;
    D.npol = r->pol->n_tiers;
    D.names = r->names;
    D.nt = r->n_names;
    D.map = r->map;
    D.n_old = h->n_tiers;
    D.as_of = r->to;
    D.overrides = r->in_force;
    D.n_overrides = r->n_in_force;
    D.expired = r->expired;
    D.n_expired = r->n_expired;
    D.demote = demote_of;
    D.demote_ud = r;
    D.err = r->err;
    rc = tier__history_decide(&D, id, e >= 0 ? &h->entries[e] : NULL, placed, why, cap, &r->b,
                              &r->d, &ch);
    *fin = ch.fin;
    return rc;
}

/* "member of TOP" of row `row` (interned at the freeze), or -1. */
static int32_t member_code(const tier_retier *r, size_t row)
{
    return r->member_of ? r->member_of[row] : -1;
}

/* Places customer i's row (its group's with a hierarchy) against the frozen figures and decides
 * every customer that takes its tier from that row (i alone without a hierarchy) into
 * r->out_tier/out_reason[k] for r->out_cust[k], k < *count, the row's flags into *fcode and its
 * team into *rcode (-1: not routed; routed alone against the frozen run, over the final tier).
 * Nothing of the retier's tiers changes here. */
static int place_customer(tier_retier *r, size_t i, size_t *count, int32_t *fcode, int32_t *rcode)
{
    tier__apply_in in;
    tier__rows_out ro;
    const char *why = "", *cap = NULL;
    int32_t placed, rule;
    size_t row = r->hier ? r->rows.row_of[i] : i, m0 = 0, m1 = 1, k, n = 0;
    int rc;
    apply_in(r, &in);
    r->cur_row = row;
    in.row_ids = &r->cur_row;
    if (r->hier) {
        m0 = r->rows.member_start[row];
        m1 = r->rows.member_start[row + 1];
        r->row_lead[0] = r->rows.lead[row];
        r->row.members = r->rows.members + m0;
    } else {
        r->row_lead[0] = r->row_member[0] = i;
        r->row.members = r->row_member;
    }
    r->row_start[1] = m1 - m0;
    if (tier_book_attribute_count(r->book) != r->n_attrs) {
        tier__type_memo_clear(&r->memo); /* an attribute came: its type may be new */
        r->n_attrs = tier_book_attribute_count(r->book);
    }
    rc =
        tier__policy_apply_rows(&in, &r->row, window_of, r, &r->memo, &r->arena_alloc, &ro, r->err);
    if (rc)
        return rc;
    placed = ro.tier[0];
    rule = ro.rule[0];
    if (rule >= 0 && placed >= 0)
        why = rule_name(r->pol, placed, rule);
    else if (rule <= -2)
        why = cap = r->cap_text[-2 - rule];
    r->demote = ro.demote;
    for (k = m0; k < m1; k++) {
        size_t c = r->hier ? r->rows.members[k] : i;
        const char *own = why;
        int32_t fin = placed, code;
        if (r->hier && r->rows.row_of[c] != row)
            continue;
        if (r->hier && r->rows.member[c] && placed >= 0 && member_code(r, row) >= 0)
            own = r->reasons.v[member_code(r, row)];
        if (r->history) {
            if ((rc = decide(r, c, placed, own, cap, &fin)) != TIER_OK)
                return rc;
            own = tier__buf_data(&r->b);
        }
        code = texts_add(&r->alloc, &r->reasons, own);
        if (code < 0)
            return nomem(r, "keeping the reason");
        r->out_cust[n] = c;
        r->out_tier[n] = fin;
        r->out_reason[n] = code;
        n++;
        if (c == r->row_lead[0] && fin != placed) {
            /* The flags follow the final tier (the row's is its lead's), as in a batch run. */
            in.row_tiers = &fin;
            if ((rc = tier__policy_apply_rows(&in, &r->row, window_of, r, &r->memo, &r->arena_alloc,
                                              &ro, r->err)) != TIER_OK)
                return rc;
        }
    }
    flag_text(r, ro.flags);
    *fcode = texts_add(&r->alloc, &r->flag_sets, tier__buf_data(&r->fb));
    if (*fcode < 0 || tier__buf_status(&r->fb))
        return nomem(r, "keeping the flags");
    *rcode = ro.route && ro.route[0] ? texts_add(&r->alloc, &r->route_names, ro.route[0]) : -1;
    if (ro.route && ro.route[0] && *rcode < 0)
        return nomem(r, "keeping the route");
    *count = n;
    return TIER_OK;
}

int tier_retier_customer(tier_retier *r, const tier_book *book, size_t i)
{
    size_t m, count = 0, k;
    int32_t fcode = -1, rcode = -1;
    char w[160];
    int rc;
    if (!r)
        return TIER_EINVAL;
    if (r->failed)
        return TIER_ESTATE;
    if (book != r->book) {
        tier__errorf(r->err, "not the book the retier was made with");
        return TIER_EINVAL;
    }
    if (i >= r->n) {
        if (i < tier_book_customer_count(book)) {
            tier__errorf(r->err,
                         "%s was added to the book after the freeze: the next batch run tiers it",
                         who(book, i, w, sizeof w));
            return TIER_ENOTFOUND;
        }
        tier__errorf(r->err, "no customer %zu (the book has %zu)", i,
                     tier_book_customer_count(book));
        return TIER_ERANGE;
    }
    arena_reset(&r->arena);
    row_values(r, i, 0);
    for (m = 0; m < r->n_models; m++) {
        if (r->population[m])
            continue;
        if ((rc = tier_model_score_row(r->models[m], book, r->frame, i)) != TIER_OK) {
            tier__errorf(r->err, "%s: model \"%s\": %s", who(book, i, w, sizeof w),
                         tier_model_name(r->models[m]), tier_frame_last_error(r->frame));
            row_values(r, i, 1);
            return rc;
        }
    }
    if ((rc = place_customer(r, i, &count, &fcode, &rcode)) != TIER_OK) {
        char msg[TIER__ERR_SIZE];
        snprintf(msg, sizeof msg, "%s", r->err);
        tier__errorf(r->err, "%s: %s", who(book, i, w, sizeof w), msg);
        row_values(r, i, 1);
        return rc;
    }
    /* All decided: the customer (with a hierarchy, every customer of its group) changes now. */
    for (k = 0; k < count; k++) {
        r->tier[r->out_cust[k]] = r->out_tier[k];
        r->reason[r->out_cust[k]] = r->out_reason[k];
        r->flags[r->out_cust[k]] = fcode;
        r->route_of[r->out_cust[k]] = rcode;
    }
    r->err[0] = '\0';
    return TIER_OK;
}

/* ---- what a customer's tier is now ---------------------------------------------------------- */

int tier_retier_tier(const tier_retier *r, size_t i)
{
    return r && i < r->n ? r->tier[i] : -1;
}

const char *tier_retier_tier_name(const tier_retier *r, size_t i)
{
    int t = tier_retier_tier(r, i);
    return t >= 0 ? r->pol->tiers[t].name : "";
}

const char *tier_retier_reason(const tier_retier *r, size_t i)
{
    return r && i < r->n && r->reason[i] >= 0 ? r->reasons.v[r->reason[i]] : "";
}

const char *tier_retier_flags(const tier_retier *r, size_t i)
{
    return r && i < r->n && r->flags[i] >= 0 ? r->flag_sets.v[r->flags[i]] : "";
}

const char *tier_retier_route(const tier_retier *r, size_t i)
{
    return r && i < r->n && r->route_of[i] >= 0 ? r->route_names.v[r->route_of[i]] : "";
}

int tier_retier_entitlement(const tier_retier *r, size_t i, const char *key, double *number,
                            const char **text)
{
    const tier__pol *pol;
    size_t e;
    int t;
    if (number)
        *number = NAN;
    if (text)
        *text = NULL;
    if (!r || !key)
        return TIER_EINVAL;
    if (i >= r->n)
        return TIER_ERANGE;
    pol = r->pol;
    if ((t = r->tier[i]) < 0)
        return TIER_ENOTFOUND;
    for (e = 0; e < pol->tiers[t].n_ents; e++) {
        const tier__pent *pe = &pol->tiers[t].ents[e];
        if (strcmp(pe->name, key) != 0)
            continue;
        if (pe->value.type == TIER__PT_TEXT) {
            if (text)
                *text = pe->value.text ? pe->value.text : "";
        } else if (number) {
            *number = pe->value.num;
        }
        return TIER_OK;
    }
    return TIER_ENOTFOUND;
}

int tier_retier_number(const tier_retier *r, size_t i, const char *column, double *out)
{
    size_t col;
    if (out)
        *out = NAN;
    if (!r || !column || !out)
        return TIER_EINVAL;
    if (i >= r->n)
        return TIER_ERANGE;
    if (tier_frame_find(r->frame, column, &col) != TIER_OK ||
        tier_frame_column_type(r->frame, col) != TIER_VALUE_NUMBER)
        return TIER_ENOTFOUND;
    *out = tier_frame_numbers(r->frame, col)[i];
    return TIER_OK;
}
