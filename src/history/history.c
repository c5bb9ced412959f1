/* SPDX-License-Identifier: MIT */
/* The history handle (include/tier/history.h): creating and freeing it, its getters, the customers'
 * states and the overrides. apply.c advances it by a run, ledger.c writes the last run's ledger,
 * snapshot.c saves and loads it. */
#include <math.h>
#include <string.h>

#include "history/history_internal.h"

int tier_history_new(tier_history **out, const tier_allocator *alloc)
{
    int rc = TIER__HANDLE_CREATE(out, tier_history, alloc);
    if (rc == TIER_OK && !((*out)->policy_name = tier__strdup(&(*out)->alloc, ""))) {
        tier__free(&(*out)->alloc, *out);
        *out = NULL;
        rc = TIER_ENOMEM;
    }
    return rc;
}

static void free_overrides(const tier_allocator *a, tier__hoverride *v, size_t n)
{
    size_t i;
    for (i = 0; v && i < n; i++) {
        tier__free(a, v[i].id);
        tier__free(a, v[i].tier);
        tier__free(a, v[i].reason);
        tier__free(a, v[i].author);
    }
    tier__free(a, v);
}

void tier__history_clear(tier_history *h)
{
    const tier_allocator *a = &h->alloc;
    tier_allocator keep = h->alloc;
    size_t i;
    tier__free(a, h->policy_name);
    tier__free_strings(a, h->tiers, h->n_tiers);
    for (i = 0; h->entries && i < h->n_entries; i++) {
        tier__free(a, h->entries[i].id);
        tier__free(a, h->entries[i].reason);
    }
    tier__free(a, h->entries);
    free_overrides(a, h->overrides, h->n_overrides);
    free_overrides(a, h->expired, h->n_expired);
    for (i = 0; h->models && i < h->n_models; i++) {
        tier__free(a, h->models[i].name);
        tier__free(a, h->models[i].kind);
        tier__free(a, h->models[i].state);
    }
    tier__free(a, h->models);
    for (i = 0; h->moves && i < h->n_moves; i++) {
        tier__free(a, h->moves[i].id);
        tier__free(a, h->moves[i].detail);
    }
    tier__free(a, h->moves);
    tier__free(a, h->matrix_count);
    tier__free(a, h->matrix_revenue);
    for (i = 0; h->raw && i < h->n_raw; i++)
        tier__free(a, h->raw[i].data);
    tier__free(a, h->raw);
    memset(h, 0, sizeof *h);
    h->alloc = keep;
}

void tier__history_take(tier_history *h, tier_history *from)
{
    char err[TIER__ERR_SIZE];
    tier_allocator keep = h->alloc;
    memcpy(err, h->err, sizeof err);
    tier__history_clear(h);
    *h = *from;
    h->alloc = keep;
    memcpy(h->err, err, sizeof err);
    memset(from, 0, sizeof *from);
    from->alloc = keep;
}

void tier_history_free(tier_history *history)
{
    if (!history)
        return;
    tier__history_clear(history);
    tier__free(&history->alloc, history);
}

const char *tier_history_last_error(const tier_history *history)
{
    return history ? history->err : "";
}

uint64_t tier_history_runs(const tier_history *history)
{
    return history ? history->runs : 0;
}

double tier_history_as_of(const tier_history *history)
{
    return history && history->has_as_of ? (double)history->as_of : NAN;
}

const char *tier_history_policy_name(const tier_history *history)
{
    return history && history->policy_name ? history->policy_name : "";
}

uint32_t tier_history_policy_hash(const tier_history *history)
{
    return history ? history->policy_hash : 0;
}

size_t tier_history_customer_count(const tier_history *history)
{
    return history ? history->n_entries : 0;
}

/* Index of `id` among n items of `size` bytes sorted by their first member (a char *id), or -1;
 * *at gets where it would go. */
static long find_sorted(const void *items, size_t n, size_t size, const char *id, size_t *at)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *key = *(char *const *)((const char *)items + mid * size);
        int c = strcmp(key, id);
        if (c == 0) {
            if (at)
                *at = mid;
            return (long)mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (at)
        *at = lo;
    return -1;
}

long tier__history_find(const tier_history *h, const char *id)
{
    return find_sorted(h->entries, h->n_entries, sizeof *h->entries, id, NULL);
}

static const char *tier_name(const tier_history *h, int32_t t)
{
    return t >= 0 && (size_t)t < h->n_tiers ? h->tiers[t] : "";
}

int tier_history_entry_get(const tier_history *history, const char *id, size_t index,
                           tier_history_entry *out)
{
    const tier__hentry *e;
    long k;
    char *err;
    if (!history)
        return TIER_EINVAL;
    err = (char *)history->err; /* the error text is the only thing a const call changes */
    if (id) {
        k = tier__history_find(history, id);
        if (k < 0) {
            char shown[80];
            tier__errorf(err, "no customer %s in the history",
                         tier__quote_text(shown, sizeof shown, id, strlen(id)));
            return TIER_ENOTFOUND;
        }
        index = (size_t)k;
    } else if (index >= history->n_entries) {
        tier__errorf(err, "no entry %zu (the history has %zu customers)", index,
                     history->n_entries);
        return TIER_ERANGE;
    }
    e = &history->entries[index];
    if (out) {
        out->id = e->id;
        out->tier = tier_name(history, e->tier);
        out->since = (double)e->since;
        out->runs = e->runs;
        out->failing = e->failing;
        out->reason = e->reason ? e->reason : "";
        out->moved = e->moved == INT32_MIN ? NAN : (double)e->moved;
        out->previous = tier_name(history, e->previous);
    }
    return TIER_OK;
}

/* ---- overrides ------------------------------------------------------------------------------ */

/* A text argument: not NULL, not empty, UTF-8. */
static int check_text(tier_history *h, const char *s, const char *what)
{
    if (!s || !*s) {
        tier__errorf(h->err, "the override's %s is %s, expected a text", what,
                     s ? "empty" : "NULL");
        return TIER_EINVAL;
    }
    if (!tier__utf8_valid(s, strlen(s))) {
        tier__errorf(h->err, "the override's %s is not valid UTF-8", what);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* 1 when `name` is one of the tiers the history knows (those of the runs applied so far). */
static int has_tier(const tier_history *h, const char *name)
{
    size_t t;
    for (t = 0; t < h->n_tiers; t++)
        if (strcmp(h->tiers[t], name) == 0)
            return 1;
    return 0;
}

int tier_history_override_add(tier_history *history, const char *id, const char *tier,
                              const char *reason, const char *author, double expires)
{
    const tier_allocator *a;
    tier__hoverride o, *grown;
    size_t at;
    long k;
    int rc;
    if (!history)
        return TIER_EINVAL;
    a = &history->alloc;
    if ((rc = check_text(history, id, "customer id")) || (rc = check_text(history, tier, "tier")) ||
        (rc = check_text(history, reason, "reason")) ||
        (rc = check_text(history, author, "author")))
        return rc;
    if (!(expires >= TIER_DAY_MIN && expires <= TIER_DAY_MAX && expires == floor(expires))) {
        tier__errorf(history->err,
                     "the override of %s expires on day %g, expected a whole day from %d to %d", id,
                     expires, TIER_DAY_MIN, TIER_DAY_MAX);
        return TIER_EINVAL;
    }
    if (history->runs > 0 && !has_tier(history, tier)) {
        tier__errorf(history->err,
                     "cannot pin %s to tier \"%s\": the last run's policy (%s) has no such tier",
                     id, tier, history->policy_name);
        return TIER_ENOTFOUND;
    }
    memset(&o, 0, sizeof o);
    o.id = tier__strdup(a, id);
    o.tier = tier__strdup(a, tier);
    o.reason = tier__strdup(a, reason);
    o.author = tier__strdup(a, author);
    o.expires = (int32_t)expires;
    o.created = history->has_as_of ? history->as_of : INT32_MIN;
    k = find_sorted(history->overrides, history->n_overrides, sizeof *history->overrides, id, &at);
    if (!o.id || !o.tier || !o.reason || !o.author)
        goto nomem;
    if (k >= 0) {
        tier__free(a, history->overrides[k].id);
        tier__free(a, history->overrides[k].tier);
        tier__free(a, history->overrides[k].reason);
        tier__free(a, history->overrides[k].author);
        history->overrides[k] = o;
        history->err[0] = '\0';
        return TIER_OK;
    }
    grown = tier__realloc_n(a, history->overrides, history->n_overrides + 1, sizeof *grown);
    if (!grown)
        goto nomem;
    history->overrides = grown;
    memmove(&grown[at + 1], &grown[at], (history->n_overrides - at) * sizeof *grown);
    grown[at] = o;
    history->n_overrides++;
    history->err[0] = '\0';
    return TIER_OK;
nomem:
    tier__free(a, o.id);
    tier__free(a, o.tier);
    tier__free(a, o.reason);
    tier__free(a, o.author);
    tier__errorf(history->err, "out of memory adding an override");
    return TIER_ENOMEM;
}

int tier_history_override_remove(tier_history *history, const char *id)
{
    long k;
    size_t i;
    if (!history)
        return TIER_EINVAL;
    if (!id) {
        tier__errorf(history->err, "the customer id is NULL");
        return TIER_EINVAL;
    }
    k = find_sorted(history->overrides, history->n_overrides, sizeof *history->overrides, id, NULL);
    if (k < 0) {
        char shown[80];
        tier__errorf(history->err, "customer %s has no override",
                     tier__quote_text(shown, sizeof shown, id, strlen(id)));
        return TIER_ENOTFOUND;
    }
    i = (size_t)k;
    tier__free(&history->alloc, history->overrides[i].id);
    tier__free(&history->alloc, history->overrides[i].tier);
    tier__free(&history->alloc, history->overrides[i].reason);
    tier__free(&history->alloc, history->overrides[i].author);
    memmove(&history->overrides[i], &history->overrides[i + 1],
            (history->n_overrides - i - 1) * sizeof *history->overrides);
    history->n_overrides--;
    return TIER_OK;
}

size_t tier_history_override_count(const tier_history *history)
{
    return history ? history->n_overrides : 0;
}

int tier_history_override_get(const tier_history *history, size_t i, tier_override_entry *out)
{
    const tier__hoverride *o;
    if (!history)
        return TIER_EINVAL;
    if (i >= history->n_overrides) {
        tier__errorf((char *)history->err, "no override %zu (the history has %zu)", i,
                     history->n_overrides);
        return TIER_ERANGE;
    }
    o = &history->overrides[i];
    if (out) {
        out->id = o->id;
        out->tier = o->tier;
        out->reason = o->reason;
        out->author = o->author;
        out->expires = (double)o->expires;
        out->created = o->created == INT32_MIN ? NAN : (double)o->created;
    }
    return TIER_OK;
}
