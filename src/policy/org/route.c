/* SPDX-License-Identifier: MIT */
/* Key-account routing (policy/org.h, docs/policy-format.md "Routing"): each routed row gets a
 * scope (from the regions and cities of its members, or from a scope attribute of its lead), the
 * team of that scope with {region} and {city} of the lead filled in, and a place in that team's
 * capacity, filled by revenue descending. Two passes: scopes and teams in row order (so the first
 * bad row in the book is the one reported), then names and capacities in fill order. */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "models/order.h"
#include "policy/eval/eval.h"
#include "policy/org/org.h"
#include "util/buf.h"

static const char *const scope_names[] = {"", "national", "regional", "local"};

/* One distinct team name. */
typedef struct rteam {
    const tier__pteam *line;        /* the team line that first gave this name */
    int32_t frozen;                 /* with a frozen run: its index there, -1 when it had none */
    const tier__route_bound *bound; /* a distributed run's figure for this name, or NULL */
    size_t in, over;                /* accounts placed / over the capacity */
    double rev_in, rev_over;        /* their revenue (for the report) */
    tier__xsum used[2]; /* the revenue placed, exactly: positive values, negated negative ones */
} rteam;

typedef struct rstate {
    const tier__route_in *in;
    const tier_allocator *a;
    char *err;
    tier__route_out out;
    size_t cap_names, cap_teams, cap_lines;
    rteam *teams;   /* [n_names] */
    int32_t *slots; /* hash of names: index + 1, 0 empty */
    size_t n_slots; /* a power of two, at least twice n_names */
    int32_t *tmpl;  /* [rows] team line of each routed row, -1 when not routed */
    size_t *order;  /* routed rows in fill order */
    size_t n_order;
    tier__org_attr region, city;
    int has_region, has_city;
    tier__xsum zero[2]; /* an empty sum */
} rstate;

static double rev_of(const rstate *s, size_t r)
{
    double v = s->in->revenue ? s->in->revenue[r] : 0.0;
    return v == v ? v : 0.0;
}

/* ---- fill order: revenue descending, lead id ascending, row ascending ----------------------- */

static int fills_before(const rstate *s, size_t x, size_t y)
{
    double vx = rev_of(s, x), vy = rev_of(s, y);
    size_t lx = s->in->rows->lead[x], ly = s->in->rows->lead[y];
    int c;
    if (vx != vy)
        return vx > vy;
    if (lx != ly && (c = tier__book_compare_ids(s->in->book, lx, ly)) != 0)
        return c < 0;
    return x < y;
}

/* A bottom-up merge sort of s->order (stable, O(n log n), no recursion). */
static int sort_order(rstate *s)
{
    size_t n = s->n_order, width, lo, *src = s->order, *dst, *tmp;
    if (n < 2)
        return TIER_OK;
    if (!(dst = tier__calloc(s->a, n, sizeof *dst)))
        return TIER_ENOMEM;
    tmp = dst;
    for (width = 1; width < n; width *= 2) {
        for (lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = mid + width < n ? mid + width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = fills_before(s, src[j], src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        tmp = src;
        src = dst;
        dst = tmp;
    }
    if (src != s->order) {
        memcpy(s->order, src, n * sizeof *src);
        tier__free(s->a, src);
    } else {
        tier__free(s->a, dst);
    }
    return TIER_OK;
}

/* ---- scopes ------------------------------------------------------------------------------ */

/* 1 when the members of row r have more than one distinct value of `at`. */
static int spans(const rstate *s, const tier__org_attr *at, size_t r)
{
    const tier__rowset *rows = s->in->rows;
    tier__org_attr first = *at, other = *at;
    const char *v0 = NULL, *v;
    size_t k, len0 = 0, len;
    for (k = rows->member_start[r]; k < rows->member_start[r + 1]; k++) {
        size_t m = rows->members[k];
        if (!v0) {
            v0 = tier__org_attr_text(&first, m, &len0);
            continue;
        }
        v = tier__org_attr_text(&other, m, &len);
        if (v && (len != len0 || memcmp(v, v0, len) != 0))
            return 1;
    }
    return 0;
}

/* The scope of routed row r (TIER__PR_*), or 0 with err set. */
static int scope_of(rstate *s, tier__org_attr *scope_at, size_t r)
{
    const tier__rowset *rows = s->in->rows;
    size_t lead = rows->lead[r], id_len, len, k;
    const char *id, *v;
    char q[TIER__QUOTE_MAX * 4 + 16];
    if (scope_at && (v = tier__org_attr_text(scope_at, lead, &len)) != NULL) {
        for (k = TIER__PR_NATIONAL; k <= TIER__PR_LOCAL; k++)
            if (strcmp(v, scope_names[k]) == 0)
                return (int)k;
        if (strcmp(v, "city") == 0) /* a single-city account: local */
            return TIER__PR_LOCAL;
        id = tier_book_customer_id(s->in->book, lead, &id_len);
        tier__errorf(s->err, "customer %.*s: %s is %s, expected national, regional, local or city",
                     (int)id_len, id, s->in->spec->scope, tier__quote_text(q, sizeof q, v, len));
        return 0;
    }
    if (s->has_region && spans(s, &s->region, r))
        return TIER__PR_NATIONAL;
    if (s->has_city && spans(s, &s->city, r))
        return TIER__PR_REGIONAL;
    return TIER__PR_LOCAL;
}

/* Pass 1, in row order: the team line of every routed row. */
static int pick_lines(rstate *s)
{
    const tier__proute *spec = s->in->spec;
    const tier__rowset *rows = s->in->rows;
    tier__org_attr scope_at;
    size_t r, t, id_len;
    const char *id;
    int rc;
    if (spec->scope && (rc = tier__org_attr_init(&scope_at, s->in->book, spec->scope,
                                                 "the routing scope", s->err)) != TIER_OK)
        return rc;
    for (r = 0; r < rows->n; r++) {
        int scope;
        s->tmpl[r] = -1;
        if (!s->in->routed[r])
            continue;
        if (!(scope = scope_of(s, spec->scope ? &scope_at : NULL, r)))
            return TIER_EINVAL;
        for (t = 0; t < spec->n_teams && spec->teams[t].scope != scope; t++)
            ;
        if (t == spec->n_teams) {
            id = tier_book_customer_id(s->in->book, rows->lead[r], &id_len);
            tier__errorf(s->err, "no team for scope %s (customer %.*s)", scope_names[scope],
                         (int)id_len, id);
            return TIER_EINVAL;
        }
        s->tmpl[r] = (int32_t)t;
        s->order[s->n_order++] = r;
    }
    return TIER_OK;
}

/* ---- names ------------------------------------------------------------------------------- */

static uint64_t hash_text(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603u;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211u;
    }
    return h;
}

/* The slot of `name` in the hash: the one holding it, or the empty one it would go to. */
static size_t slot_of(const rstate *s, const char *name, size_t len)
{
    size_t mask = s->n_slots - 1, i = (size_t)hash_text(name, len) & mask;
    while (s->slots[i]) {
        const char *t = s->out.names[s->slots[i] - 1];
        if (strlen(t) == len && memcmp(t, name, len) == 0)
            break;
        i = (i + 1) & mask;
    }
    return i;
}

static int rehash(rstate *s)
{
    size_t n = s->n_slots ? s->n_slots * 2 : 64, k;
    int32_t *old = s->slots;
    if (!(s->slots = tier__calloc(s->a, n, sizeof *s->slots))) {
        s->slots = old;
        return TIER_ENOMEM;
    }
    s->n_slots = n;
    for (k = 0; k < s->out.n_names; k++) {
        const char *t = s->out.names[k];
        s->slots[slot_of(s, t, strlen(t))] = (int32_t)(k + 1);
    }
    tier__free(s->a, old);
    return TIER_OK;
}

/* Writes the team name of line `t` for the lead of row r into b. */
static void substitute(rstate *s, const tier__pteam *t, size_t r, tier__buf *b)
{
    size_t lead = s->in->rows->lead[r], len;
    const char *p = t->name, *v;
    while (*p) {
        tier__org_attr *at = NULL;
        int has = 0;
        if (strncmp(p, "{region}", 8) == 0) {
            at = &s->region;
            has = s->has_region;
            p += 8;
        } else if (strncmp(p, "{city}", 6) == 0) {
            at = &s->city;
            has = s->has_city;
            p += 6;
        } else {
            tier__buf_putc(b, *p++);
            continue;
        }
        if (has && (v = tier__org_attr_text(at, lead, &len)) != NULL)
            tier__buf_append(b, v, len);
        else
            tier__buf_puts(b, "unknown");
    }
}

/* The index of the team called b's text (added on first sight), or -1 with the status in *rc. */
static int32_t team_index(rstate *s, const tier__pteam *line, const tier__buf *b, int *rc)
{
    const char *name = tier__buf_data(b);
    size_t len = tier__buf_len(b), k;
    rteam *t;
    char *copy;
    size_t f;
    if ((s->out.n_names + 1) * 2 > s->n_slots && (*rc = rehash(s)) != TIER_OK)
        return -1;
    k = slot_of(s, name, len);
    if (s->slots[k]) {
        t = &s->teams[s->slots[k] - 1];
        if (t->line->capacity_kind != line->capacity_kind ||
            (line->capacity_kind && t->line->capacity != line->capacity)) {
            tier__errorf(s->err,
                         "team \"%s\" is given by two team lines with different capacities "
                         "(lines %d and %d)",
                         name, t->line->line < line->line ? t->line->line : line->line,
                         t->line->line < line->line ? line->line : t->line->line);
            *rc = TIER_EINVAL;
            return -1;
        }
        return s->slots[k] - 1;
    }
    if (s->out.n_names >= INT32_MAX - 1) {
        tier__errorf(s->err, "more than %ld team names", (long)INT32_MAX - 1);
        *rc = TIER_ERANGE;
        return -1;
    }
    if (s->in->want) {
        void *pl = (void *)s->out.line_of;
        if ((*rc = tier__grow(s->a, &pl, &s->cap_lines, s->out.n_names + 1, sizeof(void *))) !=
            TIER_OK)
            return -1;
        s->out.line_of = pl;
        s->out.line_of[s->out.n_names] = line;
    }
    {
        void *pn = s->out.names, *pt = s->teams;
        if ((*rc = tier__grow(s->a, &pn, &s->cap_names, s->out.n_names + 1, sizeof(char *))) !=
            TIER_OK)
            return -1;
        s->out.names = pn;
        if ((*rc = tier__grow(s->a, &pt, &s->cap_teams, s->out.n_names + 1, sizeof(rteam))) !=
            TIER_OK)
            return -1;
        s->teams = pt;
    }
    if (!(copy = tier__strndup(s->a, name, len))) {
        *rc = TIER_ENOMEM;
        return -1;
    }
    t = &s->teams[s->out.n_names];
    memset(t, 0, sizeof *t);
    t->line = line;
    t->frozen = -1;
    for (f = 0; f < s->in->n_bounds && !t->bound; f++)
        if (strlen(s->in->bounds[f].team) == len && memcmp(s->in->bounds[f].team, name, len) == 0)
            t->bound = &s->in->bounds[f];
    if (s->in->frozen) {
        const tier__route_frozen *fz = s->in->frozen;
        for (f = 0; f < fz->n_names && t->frozen < 0; f++)
            if (strlen(fz->names[f]) == len && memcmp(fz->names[f], name, len) == 0)
                t->frozen = (int32_t)f;
    }
    s->out.names[s->out.n_names++] = copy;
    s->slots[k] = (int32_t)s->out.n_names;
    return (int32_t)(s->out.n_names - 1);
}

/* Adds v (finite, any sign) to the signed exact sum x[0] - x[1]. */
static void xadd(tier__xsum *x, double v)
{
    if (v > 0)
        tier__xsum_add(&x[0], v);
    else if (v < 0)
        tier__xsum_add(&x[1], -v);
}

/* Whether rev - drop fits beside `used` under `cap`: the exact sum used + rev - drop rounded once
 * to the nearest double (ties to even) is at most cap (docs/policy-format.md, "Routing"). */
static int rev_fits(const tier__xsum *used, double rev, double drop, double cap)
{
    tier__xsum x[2];
    x[0] = used[0];
    x[1] = used[1];
    xadd(x, rev);
    xadd(x, -drop);
    return tier__xsum_diff_round(&x[0], &x[1]) <= cap;
}

/* -1, 0 or 1 as row (key, lead) comes before, is, or comes after the row (bkey, bid) in the
 * placing order. */
static int cmp_row(const tier_book *book, uint64_t key, size_t lead, uint64_t bkey, const char *bid,
                   size_t blen)
{
    size_t len = 0;
    const char *id;
    int c;
    if (key != bkey)
        return key < bkey ? -1 : 1;
    id = tier_book_customer_id(book, lead, &len);
    c = memcmp(id, bid, len < blen ? len : blen);
    if (c == 0)
        c = len < blen ? -1 : len > blen;
    return c < 0 ? -1 : c > 0;
}

/* Whether a distributed run's bound b places row r (revenue rev). */
static int bound_fits(const rstate *s, const tier__route_bound *b, size_t r, double rev)
{
    uint64_t key = tier__order_key(rev, 1);
    size_t lead = s->in->rows->lead[r], k;
    if (b->kind == 4) {
        for (k = 0; k < b->n_ranges; k++) {
            const tier__route_range *g = &b->ranges[k];
            if (cmp_row(s->in->book, key, lead, g->key[0], g->id[0], g->id_len[0]) >= 0 &&
                cmp_row(s->in->book, key, lead, g->key[1], g->id[1], g->id_len[1]) <= 0)
                return 1;
        }
        return 0;
    }
    return b->kind == 1 ||
           (b->kind == 2 && !tier__ref_after_id(s->in->book, key, lead, b->key, b->id, b->id_len));
}

/* Whether row r (revenue rev) fits team t of line `line`: against the rows placed so far in the
 * fill order, or with a frozen run against the run's use of the team without r. */
static int fits(const rstate *s, const rteam *t, const tier__pteam *line, size_t r, double rev)
{
    const tier__route_frozen *fz = s->in->frozen;
    const tier__xsum *used_rev = t->used;
    double used_n = (double)t->in, own_rev = 0;
    if (!line->capacity_kind)
        return 1;
    if (!fz && t->bound) /* a distributed run: the population's figure */
        return bound_fits(s, t->bound, r, rev);
    if (fz) {
        size_t g = s->in->row_ids ? s->in->row_ids[r] : r;
        int own = t->frozen >= 0 && g < fz->n_rows && fz->row_team[g] == t->frozen;
        used_n = t->frozen >= 0 ? (double)fz->in[t->frozen] - own : 0;
        used_rev = t->frozen >= 0 ? &fz->rev_in[2 * (size_t)t->frozen] : s->zero;
        if (own) {
            own_rev = fz->row_rev[g];
            if (rev <= own_rev)
                return 1; /* the run placed it here, and it did not grow: it keeps its place */
        }
    }
    return line->capacity_kind == TIER__PRC_ACCOUNTS
               ? used_n + 1 <= line->capacity
               : rev_fits(used_rev, rev, own_rev, line->capacity);
}

/* Pass 2, in fill order (row order with a frozen run): names and capacities. */
static int fill(rstate *s)
{
    tier__buf b;
    size_t k;
    int rc = TIER_OK;
    tier__buf_init(&b, s->a);
    for (k = 0; k < s->n_order; k++) {
        size_t r = s->order[k];
        const tier__pteam *line = &s->in->spec->teams[s->tmpl[r]];
        double rev = rev_of(s, r);
        int32_t ti;
        rteam *t;
        tier__buf_reset(&b);
        substitute(s, line, r, &b);
        if ((rc = tier__buf_status(&b)) != TIER_OK)
            break;
        if ((ti = team_index(s, line, &b, &rc)) < 0)
            break;
        t = &s->teams[ti];
        if (s->out.want)
            s->out.want[r] = ti;
        if (fits(s, t, line, r, rev)) {
            t->in++;
            t->rev_in += rev;
            xadd(t->used, rev);
            s->out.team[r] = ti;
        } else {
            t->over++;
            t->rev_over += rev;
            s->out.overflow[r] = 1;
        }
    }
    tier__buf_free(&b);
    return rc;
}

/* One line per team over its capacity. */
static int report(rstate *s)
{
    tier__buf b;
    size_t k, n = 0;
    for (k = 0; k < s->out.n_names; k++)
        n += s->teams[k].over > 0;
    if (!n)
        return TIER_OK;
    if (!(s->out.report = tier__calloc(s->a, n, sizeof *s->out.report)))
        return TIER_ENOMEM;
    tier__buf_init(&b, s->a);
    for (k = 0; k < s->out.n_names; k++) {
        const rteam *t = &s->teams[k];
        if (!t->over)
            continue;
        tier__buf_printf(&b, "team \"%s\": capacity ", s->out.names[k]);
        tier__buf_number(&b, t->line->capacity, 0);
        if (t->line->capacity_kind == TIER__PRC_ACCOUNTS) {
            tier__buf_printf(&b, " accounts, %lu routed, %lu over",
                             (unsigned long)(t->in + t->over), (unsigned long)t->over);
        } else {
            tier__buf_puts(&b, " revenue, ");
            tier__buf_number(&b, t->rev_in + t->rev_over, 0);
            tier__buf_puts(&b, " routed, ");
            tier__buf_number(&b, t->rev_over, 0);
            tier__buf_printf(&b, " over (%lu accounts)", (unsigned long)t->over);
        }
        if (!(s->out.report[s->out.n_report] = tier__buf_take(&b, NULL))) {
            tier__buf_free(&b);
            return TIER_ENOMEM;
        }
        s->out.n_report++;
    }
    tier__buf_free(&b);
    return TIER_OK;
}

int tier__route_assign(const tier__route_in *in, const tier_allocator *a, tier__route_out *out,
                       char *err)
{
    char local[TIER__ERR_SIZE];
    rstate s;
    size_t n, r;
    int rc = TIER_ENOMEM;
    if (!err)
        err = local;
    err[0] = '\0';
    memset(out, 0, sizeof *out);
    if (!in || !a || !in->spec || !in->book || !in->rows || (in->rows->n && !in->routed)) {
        tier__errorf(err, "routing: no specification, book, rows or routed flags");
        return TIER_EINVAL;
    }
    memset(&s, 0, sizeof s);
    s.in = in;
    s.a = a;
    s.err = err;
    n = in->rows->n;
    s.out.team = tier__calloc(a, n, sizeof *s.out.team);
    s.out.overflow = tier__calloc(a, n, sizeof *s.out.overflow);
    s.tmpl = tier__calloc(a, n, sizeof *s.tmpl);
    s.order = tier__calloc(a, n, sizeof *s.order);
    if (in->want)
        s.out.want = tier__calloc(a, n, sizeof *s.out.want);
    if (!s.out.team || !s.out.overflow || !s.tmpl || !s.order || (in->want && !s.out.want))
        goto done;
    for (r = 0; r < n; r++) {
        s.out.team[r] = -1;
        if (s.out.want)
            s.out.want[r] = -1;
    }
    rc = TIER_OK;
    if (!in->spec->present)
        goto done;
    if (in->spec->region) {
        if ((rc = tier__org_attr_init(&s.region, in->book, in->spec->region, "the routing region",
                                      err)) != TIER_OK)
            goto done;
        s.has_region = 1;
    }
    if (in->spec->city) {
        if ((rc = tier__org_attr_init(&s.city, in->book, in->spec->city, "the routing city",
                                      err)) != TIER_OK)
            goto done;
        s.has_city = 1;
    }
    if ((rc = pick_lines(&s)) != TIER_OK || (!in->frozen && (rc = sort_order(&s)) != TIER_OK) ||
        (rc = fill(&s)) != TIER_OK || (rc = report(&s)) != TIER_OK)
        goto done;
done:
    if (rc == TIER_ENOMEM)
        tier__errorf(err, "out of memory routing %lu rows", (unsigned long)n);
    tier__free(a, s.tmpl);
    tier__free(a, s.order);
    tier__free(a, s.slots);
    tier__free(a, s.teams);
    if (rc == TIER_OK)
        *out = s.out;
    else
        tier__route_free(a, &s.out);
    return rc;
}

void tier__route_free(const tier_allocator *a, tier__route_out *out)
{
    if (!out)
        return;
    tier__free_strings(a, out->names, out->n_names);
    tier__free_strings(a, out->report, out->n_report);
    tier__free(a, out->team);
    tier__free(a, out->overflow);
    tier__free(a, out->want);
    tier__free(a, (void *)out->line_of);
    memset(out, 0, sizeof *out);
}

int tier__route_freeze(const tier__route_out *out, const double *revenue, size_t n_rows,
                       const tier_allocator *a, tier__route_frozen **fz)
{
    tier__route_frozen *z = tier__calloc(a, 1, sizeof *z);
    size_t k, r;
    *fz = NULL;
    if (!z)
        return TIER_ENOMEM;
    z->names = tier__calloc(a, out->n_names + 1, sizeof *z->names);
    z->in = tier__calloc(a, out->n_names + 1, sizeof *z->in);
    z->rev_in = tier__calloc(a, 2 * out->n_names + 1, sizeof *z->rev_in);
    z->row_team = tier__malloc(a, (n_rows + 1) * sizeof *z->row_team);
    z->row_rev = tier__malloc(a, (n_rows + 1) * sizeof *z->row_rev);
    if (!z->names || !z->in || !z->rev_in || !z->row_team || !z->row_rev)
        goto nomem;
    for (k = 0; k < out->n_names; k++) {
        if (!(z->names[k] = tier__strdup(a, out->names[k])))
            goto nomem;
        z->n_names = k + 1;
    }
    z->n_rows = n_rows;
    for (r = 0; r < n_rows; r++) {
        double v = revenue ? revenue[r] : 0.0;
        z->row_team[r] = out->team[r];
        z->row_rev[r] = v == v ? v : 0.0;
        if (out->team[r] >= 0) {
            z->in[out->team[r]]++;
            xadd(&z->rev_in[2 * (size_t)out->team[r]], z->row_rev[r]);
        }
    }
    *fz = z;
    return TIER_OK;
nomem:
    tier__route_frozen_free(a, z);
    return TIER_ENOMEM;
}

void tier__route_frozen_free(const tier_allocator *a, tier__route_frozen *fz)
{
    if (!fz)
        return;
    tier__free_strings(a, fz->names, fz->n_names);
    tier__free(a, fz->in);
    tier__free(a, fz->rev_in);
    tier__free(a, fz->row_team);
    tier__free(a, fz->row_rev);
    tier__free(a, fz);
}
