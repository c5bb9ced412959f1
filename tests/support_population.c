/* SPDX-License-Identifier: MIT */
/* Population figures in the tests: the split runs that merge the parts' gathered inputs into the
 * global figures as a driver does (tests need no engine), and the gathering run of the
 * out-of-memory walks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/order.h"
#include "support_population.h"

tier_policy *tst_policy_of(const tier_allocator *a, const char *text)
{
    tier_policy *p = NULL;
    assert_int_equal(tier_policy_new(&p, a), TIER_OK);
    assert_int_equal(tier_policy_load_string(p, text, strlen(text), "split"), TIER_OK);
    return p;
}

/* A new Pareto model "pareto" with thresholds 50% and 90%, or NULL when `pareto` is 0. */
static tier_model *pareto_model(int pareto)
{
    tier_model *m = NULL;
    if (!pareto)
        return NULL;
    assert_int_equal(tier_pareto_new(&m, "pareto", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "threshold_a", 0.5), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "threshold_b", 0.9), TIER_OK);
    return m;
}

/* The attributes tst_org_attributes() sets, which a part keeps. */
static const char *const org_attrs[] = {"parent", "region", "city"};

void tst_org_attributes(tier_book *book)
{
    size_t i, len;
    char v[32];
    for (i = 0; i < tier_book_customer_count(book); i++) {
        size_t g = i / 3;
        if (i % 3) {
            const char *id = tier_book_customer_id(book, i - 1, &len);
            snprintf(v, sizeof v, "%.*s", (int)len, id);
            assert_int_equal(tier_book_set_text(book, i, "parent", v), TIER_OK);
        }
        snprintf(v, sizeof v, "R%lu", (unsigned long)(g % 3 == 0 ? i % 2 : g % 4));
        assert_int_equal(tier_book_set_text(book, i, "region", v), TIER_OK);
        snprintf(v, sizeof v, "C%lu", (unsigned long)(g % 3 == 1 ? i % 2 : g % 5));
        assert_int_equal(tier_book_set_text(book, i, "city", v), TIER_OK);
    }
}

/* The customers of `book` in part `part` of two, with all their transactions (and with `org`
 * their attributes): by the parity of the index, or with `org` of the group. */
static tier_book *half(const tier_book *book, size_t part, int org)
{
    tier_book *out = NULL;
    size_t t, c, len, k;
    int32_t day;
    double amount, margin;
    assert_int_equal(tier_book_new(&out, TST_ALLOC), TIER_OK);
    for (t = 0; t < tier_book_txn_count(book); t++) {
        const char *id;
        assert_int_equal(tier_book_txn(book, t, &c, &day, &amount, &margin), TIER_OK);
        if ((org ? c / 3 : c) % 2 != part)
            continue;
        id = tier_book_customer_id(book, c, &len);
        assert_int_equal(tier_book_add_txn(out, id, len, day, amount, margin), TIER_OK);
    }
    for (c = 0; org && c < tier_book_customer_count(out); c++) {
        const char *id = tier_book_customer_id(out, c, &len), *v;
        size_t at;
        assert_int_equal(tier_book_find(book, id, len, &at), TIER_OK);
        for (k = 0; k < TST_COUNT(org_attrs); k++)
            if (tier_book_get_text(book, at, org_attrs[k], &v) == TIER_OK && v)
                assert_int_equal(tier_book_set_text(out, c, org_attrs[k], v), TIER_OK);
    }
    return out;
}

/* ---- merging the parts' inputs, as a driver does ------------------------------------------- */

typedef struct row {
    char key[17];
    char id[32];     /* rank lists: the part's number */
    long long fixed; /* rank lists: the count of the value */
    int part;        /* the part that gathered it */
} row;

typedef struct list {
    /* "abc\tKEY\tTA6\tTB6", "rank\tKEY", "cap\tT\tshare\tAMOUNT" or "route\tTEAM\tKIND\tN" */
    char head[256];
    row *rows;
    size_t n;
} list;

static int is(const char *line, const char *head)
{
    return strncmp(line, head, strlen(head)) == 0;
}

static int row_cmp(const void *x, const void *y)
{
    const row *a = x, *b = y;
    int c = strcmp(a->key, b->key); /* same-width hexadecimal: the numeric order */
    return c ? c : strcmp(a->id, b->id);
}

/* The list of lists[] (*n of them) with head `head`, added when there is none. */
static list *list_of(list *lists, size_t *n, size_t room, const char *head)
{
    size_t i;
    list *l;
    for (i = 0; i < *n; i++)
        if (strcmp(lists[i].head, head) == 0)
            return &lists[i];
    assert_true(*n < room);
    l = &lists[(*n)++];
    snprintf(l->head, sizeof l->head, "%s", head);
    l->rows = NULL;
    l->n = 0;
    return l;
}

/* Adds the lists of part `part`'s inputs into lists[] (*n of them, room for `room`); returns the
 * part's rows. */
static size_t read_inputs(const char *text, int part, list *lists, size_t *n, size_t room)
{
    char line[256];
    const char *p = text;
    size_t rows = 0;
    list *cur = NULL;
    int first = 1;
    while (*p) {
        size_t len = strcspn(p, "\n");
        assert_true(len < sizeof line);
        memcpy(line, p, len);
        line[len] = '\0';
        p += len + (p[len] == '\n');
        if (first) {
            assert_string_equal(line, "libtier-population-inputs 1");
            first = 0;
        } else if (strcmp(line, "end") == 0) {
            break;
        } else if (is(line, "abc\t") || is(line, "cap\t") || is(line, "rank\t") ||
                   is(line, "route\t")) {
            *strrchr(line, '\t') = '\0'; /* the list's count of rows */
            if (is(line, "cap\t")) {     /* cap T share AMOUNT ROWS: ROWS is the part's */
                char *r = strrchr(line, '\t');
                rows = (size_t)strtoul(r + 1, NULL, 10);
                *r = '\0';
            }
            cur = list_of(lists, n, room, line);
        } else {
            row *r;
            assert_non_null(cur);
            cur->rows = realloc(cur->rows, (cur->n + 1) * sizeof *cur->rows);
            assert_non_null(cur->rows);
            r = &cur->rows[cur->n++];
            memset(r, 0, sizeof *r);
            r->part = part;
            if (is(cur->head, "abc\t")) {
                assert_int_equal(sscanf(line, "%16[0-9a-f]\t%lld\t%31s", r->key, &r->fixed, r->id),
                                 3);
            } else if (is(cur->head, "rank\t")) {
                assert_int_equal(sscanf(line, "%16[0-9a-f]\t%lld", r->key, &r->fixed), 2);
                r->id[0] = (char)('0' + part);
            } else { /* a cap's or a team's candidates */
                assert_int_equal(sscanf(line, "%16[0-9a-f]\t%31s", r->key, r->id), 2);
            }
        }
    }
    return rows;
}

/* The rank lines of a pct_rank list for each of the two parts (its own values with the counts
 * below and equal of all the parts), appended at ranks[p] + used[p]. */
static void rank_lines(const list *l, char *ranks[2], size_t used[2], size_t cap)
{
    long long total = 0, below = 0;
    size_t j, k, p;
    for (j = 0; j < l->n; j++)
        total += l->rows[j].fixed;
    for (p = 0; p < 2; p++) {
        size_t mine = 0;
        for (j = 0; j < l->n; j++)
            mine += l->rows[j].id[0] == (char)('0' + p);
        used[p] += (size_t)snprintf(ranks[p] + used[p], cap - used[p], "%s\t%lld\t%lu\n", l->head,
                                    total, (unsigned long)mine);
    }
    for (j = 0; j < l->n; j = k) {
        long long equal = 0;
        for (k = j; k < l->n && strcmp(l->rows[k].key, l->rows[j].key) == 0; k++)
            equal += l->rows[k].fixed;
        for (p = j; p < k; p++) {
            size_t q = (size_t)(l->rows[p].id[0] - '0');
            used[q] += (size_t)snprintf(ranks[q] + used[q], cap - used[q], "%s\t%lld\t%lld\n",
                                        l->rows[j].key, below, equal);
        }
        below += equal;
    }
}

/* A Pareto call's cumulative sums for each of the two parts: its own rows in order, each with the
 * sum of every row up to it in the merged order, appended at cums[p] + used[p]. */
static void cum_lines(const list *l, const char *key, char *cums[2], size_t used[2], size_t cap)
{
    long long cum = 0;
    size_t j, p;
    for (p = 0; p < 2; p++) {
        size_t mine = 0;
        for (j = 0; j < l->n; j++)
            mine += l->rows[j].part == (int)p;
        used[p] += (size_t)snprintf(cums[p] + used[p], cap - used[p], "cum\t%s\t%lu\n", key,
                                    (unsigned long)mine);
    }
    for (j = 0; j < l->n; j++) {
        size_t q = (size_t)l->rows[j].part;
        cum += l->rows[j].fixed;
        used[q] += (size_t)snprintf(cums[q] + used[q], cap - used[q], "%s\t%s\t%lld\n",
                                    l->rows[j].key, l->rows[j].id, cum);
    }
}

/* The abc line of an abc list (and a Pareto model's total and cumulative sums), at out. */
static size_t abc_lines(const list *l, char *out, size_t cap, char *cums[2], size_t used[2],
                        size_t cums_cap)
{
    char key[64];
    unsigned long ta6, tb6;
    long long total = 0, cum = 0;
    size_t j, end[2] = {l->n, l->n}, c, n;
    assert_int_equal(sscanf(l->head, "abc\t%63[^\t]\t%lu\t%lu", key, &ta6, &tb6), 3);
    for (j = 0; j < l->n; j++)
        total += l->rows[j].fixed;
    for (j = 0; j < l->n; j++) {
        cum += l->rows[j].fixed;
        for (c = 0; c < 2; c++)
            if (end[c] == l->n && (double)cum * 1e6 >= (double)(c ? tb6 : ta6) * (double)total)
                end[c] = j;
    }
    assert_true(end[0] < l->n && end[1] < l->n);
    n = (size_t)snprintf(out, cap, "abc\t%s\t1\t%s\t%s\t1\t%s\t%s\n", key, l->rows[end[0]].key,
                         l->rows[end[0]].id, l->rows[end[1]].key, l->rows[end[1]].id);
    if (strncmp(key, "pareto:", 7) == 0) { /* a Pareto model's share: the total */
        n += (size_t)snprintf(out + n, cap - n, "total\t%s\tfixed\t%lld\n", key, total);
        cum_lines(l, key, cums, used, cums_cap);
    }
    return n;
}

/* The line of a cap or a team (`what`: "cap\tT" or "route\tTEAM") that keeps the first `limit`
 * rows of list l in the merged order, at out: kind 3 none, 1 every row, 2 up to the named one. */
static size_t limit_line(const list *l, const char *what, size_t limit, char *out, size_t cap)
{
    if (limit == 0)
        return (size_t)snprintf(out, cap, "%s\t3\t\t\n", what);
    if (l->n <= limit)
        return (size_t)snprintf(out, cap, "%s\t1\t\t\n", what);
    return (size_t)snprintf(out, cap, "%s\t2\t%s\t%s\n", what, l->rows[limit - 1].key,
                            l->rows[limit - 1].id);
}

/* The cap line of a cap list over `rows` rows in all, at out. */
static size_t cap_line(const list *l, size_t rows, char *out, size_t cap)
{
    char what[32];
    unsigned long t;
    double amount, x;
    assert_int_equal(sscanf(l->head, "cap\t%lu\tshare\t%lf", &t, &amount), 2);
    x = amount * (double)rows;
    snprintf(what, sizeof what, "cap\t%lu", t);
    return limit_line(l, what, x >= (double)rows ? rows : (size_t)floor(x + 1e-9 * (x > 1 ? x : 1)),
                      out, cap);
}

/* The revenue of an order key made by tier__order_key(v, 1) (the key is one to one). */
static double key_revenue(const char *key)
{
    uint64_t bits = ~(uint64_t)strtoull(key, NULL, 16);
    double v;
    bits = bits >> 63 ? bits & ~((uint64_t)1 << 63) : ~bits;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Adds v to the signed exact sum x[0] - x[1]. */
static void signed_add(tier__xsum x[2], double v)
{
    if (v > 0)
        tier__xsum_add(&x[0], v);
    else if (v < 0)
        tier__xsum_add(&x[1], -v);
}

/* The routed block of a revenue team's list (rows in the merged placing order), at out: the greedy
 * fill as one process runs it (a row is placed when the exact sum of the rows placed before it
 * and its own, rounded once, is within the capacity), written as ranges of consecutive placed
 * rows. */
static size_t routed_lines(const list *l, const char *team, double capacity, char *out, size_t cap)
{
    tier__xsum used[2];
    size_t j, n = 0, ranges = 0, head;
    int open = 0;
    char body[16384];
    tier__xsum_init(&used[0]);
    tier__xsum_init(&used[1]);
    for (j = 0; j < l->n; j++) {
        tier__xsum x[2];
        double v = key_revenue(l->rows[j].key);
        x[0] = used[0];
        x[1] = used[1];
        signed_add(x, v);
        if (tier__xsum_diff_round(&x[0], &x[1]) <= capacity) {
            used[0] = x[0];
            used[1] = x[1];
            if (!open)
                n += (size_t)snprintf(body + n, sizeof body - n, "%s\t%s\t", l->rows[j].key,
                                      l->rows[j].id);
            open = 1;
        } else if (open) {
            n += (size_t)snprintf(body + n, sizeof body - n, "%s\t%s\n", l->rows[j - 1].key,
                                  l->rows[j - 1].id);
            open = 0;
            ranges++;
        }
        assert_true(n < sizeof body);
    }
    if (open) {
        n += (size_t)snprintf(body + n, sizeof body - n, "%s\t%s\n", l->rows[l->n - 1].key,
                              l->rows[l->n - 1].id);
        ranges++;
    }
    head = (size_t)snprintf(out, cap, "routed\t%s\t%lu\n", team, (unsigned long)ranges);
    assert_true(head + n < cap);
    memcpy(out + head, body, n);
    return head + n;
}

/* The route line of a team's list, at out: a capacity of accounts keeps that many rows; a revenue
 * capacity places the ranges of its greedy fill. */
static size_t route_line(const list *l, char *out, size_t cap)
{
    char team[64], kind[16], what[80];
    double capacity;
    assert_int_equal(sscanf(l->head, "route\t%63[^\t]\t%15[^\t]\t%lf", team, kind, &capacity), 3);
    if (strcmp(kind, "accounts") != 0)
        return routed_lines(l, team, capacity, out, cap);
    snprintf(what, sizeof what, "route\t%s", team);
    return limit_line(l, what, (size_t)capacity, out, cap);
}

/* The global figures of the merged lists over `rows` rows in all, into out[p] for part p (the
 * same but for the rank and cum lines: each part's own rows). */
static void figures_of(list *lists, size_t n, size_t rows, char *out[2], size_t cap)
{
    static char own0[65536], own1[65536];
    char *own[2] = {own0, own1};
    size_t used_own[2] = {0, 0};
    size_t i, used = (size_t)snprintf(out[0], cap, "libtier-population 1\n");
    for (i = 0; i < n; i++) {
        list *l = &lists[i];
        qsort(l->rows, l->n, sizeof *l->rows, row_cmp);
        if (is(l->head, "rank\t"))
            rank_lines(l, own, used_own, sizeof own0);
        else if (is(l->head, "abc\t"))
            used += abc_lines(l, out[0] + used, cap - used, own, used_own, sizeof own0);
        else if (is(l->head, "route\t"))
            used += route_line(l, out[0] + used, cap - used);
        else
            used += cap_line(l, rows, out[0] + used, cap - used);
        free(l->rows);
    }
    assert_true(used + used_own[0] + used_own[1] + 5 < cap);
    for (i = 0; i < 2; i++) {
        if (i)
            memcpy(out[i], out[0], used);
        memcpy(out[i] + used, own[i], used_own[i]);
        memcpy(out[i] + used + used_own[i], "end\n", 5);
    }
}

/* ---- the split run --------------------------------------------------------------------------- */

/* Runs `book` against `figures`; its inputs appended to `inputs`. */
static tier_result *run_part(const tier_book *book, const tier_policy *policy, int pareto,
                             double as_of, const char *figures, tier_text *inputs)
{
    tier_result *r = NULL;
    tier_model *m = pareto_model(pareto);
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_set_as_of(r, as_of), TIER_OK);
    assert_int_equal(tier_result_set_population(r, figures, strlen(figures)), TIER_OK);
    assert_int_equal(tier_result_run(r, book, &m, m ? 1 : 0, policy), TIER_OK);
    tier_model_free(m);
    tier_text_clear(inputs);
    assert_int_equal(tier_result_population(r, inputs), TIER_OK);
    return r;
}

/* Customer i's `column` (pareto.share, pareto.cum_share) in a run. */
static double share_of(const tier_result *r, size_t i, const char *column)
{
    size_t col;
    assert_int_equal(tier_frame_find(tier_result_frame(r), column, &col), TIER_OK);
    return tier_frame_numbers(tier_result_frame(r), col)[i];
}

/* Checks customer i of a part's run `part` is placed as customer `at` of the whole book's run
 * `whole`; returns 1 when a cap moved it. */
static size_t same_placing(const tier_result *part, size_t i, const tier_result *whole, size_t at,
                           int pareto)
{
    assert_int_equal(tier_result_tier(part, i), tier_result_tier(whole, at));
    assert_string_equal(tier_result_reason(part, i), tier_result_reason(whole, at));
    assert_string_equal(tier_result_route(part, i), tier_result_route(whole, at));
    assert_string_equal(tier_result_flags(part, i), tier_result_flags(whole, at));
    if (pareto) { /* the model's share and cumulative share: the population's */
        double c0 = share_of(part, i, "pareto.cum_share"),
               c1 = share_of(whole, at, "pareto.cum_share");
        assert_true(share_of(part, i, "pareto.share") == share_of(whole, at, "pareto.share"));
        assert_true(c0 == c1 || (isnan(c0) && isnan(c1)));
    }
    return strncmp(tier_result_reason(whole, at), "over the cap", 12) == 0;
}

/* The customers of part 0 that a run of it alone, without the figures, places otherwise than
 * `res` does (another tier or another team). */
static size_t alone_differ(const tier_book *part, const tier_policy *policy, int pareto,
                           double as_of, const tier_result *res)
{
    size_t i, differ = 0;
    tier_result *alone = NULL;
    tier_model *m = pareto_model(pareto);
    assert_int_equal(tier_result_new(&alone, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_set_as_of(alone, as_of), TIER_OK);
    assert_int_equal(tier_result_run(alone, part, &m, m ? 1 : 0, policy), TIER_OK);
    tier_model_free(m);
    for (i = 0; i < tier_book_customer_count(part); i++)
        differ += tier_result_tier(alone, i) != tier_result_tier(res, i) ||
                  strcmp(tier_result_route(alone, i), tier_result_route(res, i)) != 0;
    tier_result_free(alone);
    return differ;
}

size_t tst_split_run(const char *text, int pareto, size_t nlists, const char *expect, int org)
{
    tier_book *book = tst_generated_book(TST_ALLOC, 900, 11), *parts[2];
    tier_policy *policy = tst_policy_of(TST_ALLOC, text);
    tier_result *whole = NULL, *res[2] = {NULL, NULL};
    tier_text *inputs[2] = {NULL, NULL};
    tier_model *m = pareto_model(pareto);
    static char figures[2][65536], next[2][65536];
    char *next_of[2] = {next[0], next[1]};
    int32_t first, last;
    size_t i, p, pass, moved = 0;
    if (org)
        tst_org_attributes(book);
    assert_int_equal(tier_book_day_range(book, &first, &last), TIER_OK);
    assert_int_equal(tier_result_new(&whole, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_set_as_of(whole, last + 1), TIER_OK);
    assert_int_equal(tier_result_run(whole, book, &m, m ? 1 : 0, policy), TIER_OK);
    tier_model_free(m);
    for (p = 0; p < 2; p++) {
        parts[p] = half(book, p, org);
        assert_int_equal(tier_text_new(&inputs[p], TST_ALLOC), TIER_OK);
        snprintf(figures[p], sizeof figures[p], "libtier-population 1\nend\n");
    }
    for (pass = 0; pass < 5; pass++) {
        list lists[24];
        size_t nl = 0, rows = 0;
        for (p = 0; p < 2; p++) {
            tier_result_free(res[p]);
            res[p] = run_part(parts[p], policy, pareto, last + 1, figures[p], inputs[p]);
            rows += read_inputs(tier_text_data(inputs[p]), (int)p, lists, &nl, TST_COUNT(lists));
        }
        assert_true(nlists ? nl == nlists : nl > 2);
        figures_of(lists, nl, rows, next_of, sizeof next[0]);
        if (strcmp(next[0], figures[0]) == 0 && strcmp(next[1], figures[1]) == 0)
            break;
        memcpy(figures, next, sizeof figures);
    }
    assert_true(pass < 5);
    if (!strstr(figures[0], expect))
        fail_msg("the settled figures lack \"%s\":\n%s", expect, figures[0]);
    for (p = 0; p < 2; p++)
        for (i = 0; i < tier_book_customer_count(parts[p]); i++) {
            size_t len, at;
            const char *id = tier_book_customer_id(parts[p], i, &len);
            assert_int_equal(tier_book_find(book, id, len, &at), TIER_OK);
            moved += same_placing(res[p], i, whole, at, pareto);
        }
    /* Each part alone, without the figures, places some customers otherwise. */
    assert_true(alone_differ(parts[0], policy, pareto, last + 1, res[0]) > 0);
    for (p = 0; p < 2; p++) {
        tier_result_free(res[p]);
        tier_text_free(inputs[p]);
        tier_book_free(parts[p]);
    }
    tier_result_free(whole);
    tier_policy_free(policy);
    tier_book_free(book);
    return moved;
}

/* ---- a gathering run for out-of-memory walks --------------------------------------------------
 */

int tst_population_gather(const tier_allocator *a, const tier_book *book, const char *text,
                          int pareto, const char *fig, const char *needle)
{
    tier_result *r = NULL;
    tier_policy *policy = NULL;
    tier_model *m = NULL;
    tier_text *t = NULL;
    const char *err = "out of memory";
    int rc = tier_result_new(&r, a);
    if (!rc && (rc = tier_policy_new(&policy, a)) == TIER_OK &&
        (rc = tier_policy_load_string(policy, text, strlen(text), "oom")) != TIER_OK)
        err = tier_policy_last_error(policy);
    if (!rc)
        rc = tier_text_new(&t, a);
    if (!rc && pareto)
        rc = tier_pareto_new(&m, "pareto", a);
    if (!rc && ((rc = tier_result_set_population(r, fig, strlen(fig))) != TIER_OK ||
                (rc = tier_result_run(r, book, m ? &m : NULL, m ? 1 : 0, policy)) != TIER_OK ||
                (rc = tier_result_population(r, t)) != TIER_OK))
        err = tier_result_last_error(r);
    if (!rc)
        assert_non_null(strstr(tier_text_data(t), needle));
    if (rc)
        tst_expect_oom(rc, err);
    tier_model_free(m);
    tier_text_free(t);
    tier_policy_free(policy);
    tier_result_free(r);
    return rc;
}
