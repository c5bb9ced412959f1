/* SPDX-License-Identifier: MIT */
/* Population figures that travel (tier_result_set_population, tier_result_population;
 * docs/distributed.md): a book split in two parts, each run against the global figures merged
 * from the parts' gathered inputs, places every customer as one run over the whole book does;
 * bad figures are refused naming the line; every allocation failure is survived. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two abc() calls (one over all history) and a cap that keeps a share of the rows. */
static const char policy_text[] =
    "libtier-policy 1\n"
    "window rev = revenue over 12 months\n"
    "window life = revenue over all\n"
    "let band = abc(rev)\n"
    "tier S {\n"
    "    rule \"top band\" when rev > 0 and band == \"A\"\n"
    "    cap 4% by rev overflow A\n"
    "}\n"
    "tier A {\n"
    "    rule \"second band\" when band == \"B\" or abc(life, 50%, 90%) == \"A\"\n"
    "}\n"
    "tier C {\n"
    "    rule \"rest\" when true\n"
    "}\n";

/* A hierarchy (groups of three accounts, two levels deep: tst_org_book) whose group rows are
 * classified by abc(), capped and routed to teams with capacities of accounts. */
static const char org_policy_text[] = "libtier-policy 1\n"
                                      "window rev = revenue over 12 months\n"
                                      "let band = abc(rev)\n"
                                      "hierarchy parent = attr.parent children = inherit\n"
                                      "tier S {\n"
                                      "    rule \"top band\" when band == \"A\"\n"
                                      "    cap 20% by rev overflow A\n"
                                      "}\n"
                                      "tier A {\n"
                                      "    rule \"second band\" when band == \"B\"\n"
                                      "}\n"
                                      "tier C {\n"
                                      "    rule \"rest\" when true\n"
                                      "}\n"
                                      "routing {\n"
                                      "    accounts when tier == \"S\" or tier == \"A\"\n"
                                      "    region = attr.region\n"
                                      "    city = attr.city\n"
                                      "    team national \"head office\" capacity 4 accounts\n"
                                      "    team regional \"KA {region}\" capacity 2 accounts\n"
                                      "    team local \"sales {city}\" capacity 1 accounts\n"
                                      "}\n";

/* The same routing with a revenue capacity (gathered without rows) and a team without one. */
static const char org_revenue_policy_text[] =
    "libtier-policy 1\n"
    "window rev = revenue over 12 months\n"
    "hierarchy parent = attr.parent\n"
    "tier S {\n"
    "    rule \"all\" when true\n"
    "}\n"
    "routing {\n"
    "    accounts when rev > 0\n"
    "    region = attr.region\n"
    "    city = attr.city\n"
    "    team national \"head office\" capacity 1000 revenue\n"
    "    team regional \"KA {region}\"\n"
    "    team local \"sales {city}\" capacity 1 accounts\n"
    "}\n";

/* A Pareto model's classes (thresholds 50% and 90%) in the rules. */
static const char pareto_policy_text[] = "libtier-policy 1\n"
                                         "model pareto = pareto\n"
                                         "tier S {\n"
                                         "    rule \"class A\" when pareto.class == \"A\"\n"
                                         "}\n"
                                         "tier A {\n"
                                         "    rule \"class B\" when pareto.class == \"B\"\n"
                                         "    rule \"a share of 0.4%\" when pareto.share >= 0.004\n"
                                         "}\n"
                                         "tier C {\n"
                                         "    rule \"rest\" when true\n"
                                         "}\n";

static tier_policy *make_policy_of(const tier_allocator *a, const char *text)
{
    tier_policy *p = NULL;
    assert_int_equal(tier_policy_new(&p, a), TIER_OK);
    assert_int_equal(tier_policy_load_string(p, text, strlen(text), "split"), TIER_OK);
    return p;
}

static tier_policy *make_policy(const tier_allocator *a)
{
    return make_policy_of(a, policy_text);
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

/* The accounts of tst_org_book: customer i's group root is i - i % 3 (the root, its child and
 * that child's child), group g = i / 3. */
static const char *const org_attrs[] = {"parent", "region", "city"};

/* Sets the hierarchy and routing attributes of every customer of `book`: groups of three two
 * levels deep; every third group spans regions (national), the next spans cities (regional), the
 * next lies in one city (local). */
static void set_org_attributes(tier_book *book)
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

/* ---- merging the parts' inputs, as a driver does (tests need no engine) ---------------------- */

typedef struct row {
    char key[17];
    char id[32];
    long long fixed;
} row;

typedef struct list {
    char head[256]; /* "abc\tKEY\tTA6\tTB6", "cap\tT\tshare\tAMOUNT" or "route\tTEAM\tKIND\tN" */
    row *rows;
    size_t n;
} list;

static int row_cmp(const void *x, const void *y)
{
    const row *a = x, *b = y;
    int c = strcmp(a->key, b->key); /* same-width hexadecimal: the numeric order */
    return c ? c : strcmp(a->id, b->id);
}

/* Adds the lists of one part's inputs into lists[] (*n of them); returns the part's rows. */
static size_t read_inputs(const char *text, list *lists, size_t *n)
{
    char line[256];
    const char *p = text;
    size_t rows = 0, k = 0;
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
        } else if (strncmp(line, "abc\t", 4) == 0 || strncmp(line, "cap\t", 4) == 0 ||
                   strncmp(line, "route\t", 6) == 0) {
            char *last = strrchr(line, '\t');
            size_t i;
            *last = '\0';
            if (line[0] == 'c') { /* cap T share AMOUNT ROWS: ROWS is the part's */
                char *r = strrchr(line, '\t');
                rows = (size_t)strtoul(r + 1, NULL, 10);
                *r = '\0';
            }
            for (i = 0, cur = NULL; i < *n; i++)
                if (strcmp(lists[i].head, line) == 0)
                    cur = &lists[i];
            if (!cur) {
                cur = &lists[(*n)++];
                snprintf(cur->head, sizeof cur->head, "%s", line);
                cur->rows = NULL;
                cur->n = 0;
            }
            k = cur->n;
        } else {
            row *r;
            assert_non_null(cur);
            cur->rows = realloc(cur->rows, (cur->n + 1) * sizeof *cur->rows);
            assert_non_null(cur->rows);
            r = &cur->rows[cur->n++];
            memset(r, 0, sizeof *r);
            if (cur->head[0] == 'a')
                assert_int_equal(sscanf(line, "%16[0-9a-f]\t%lld\t%31s", r->key, &r->fixed, r->id),
                                 3);
            else
                assert_int_equal(sscanf(line, "%16[0-9a-f]\t%31s", r->key, r->id), 2);
        }
    }
    (void)k;
    return rows;
}

/* The global figures of the merged lists over `rows` rows in all, into out. */
static void figures_of(list *lists, size_t n, size_t rows, char *out, size_t cap)
{
    size_t i, used = (size_t)snprintf(out, cap, "libtier-population 1\n");
    for (i = 0; i < n; i++) {
        list *l = &lists[i];
        qsort(l->rows, l->n, sizeof *l->rows, row_cmp);
        if (l->head[0] == 'a') {
            char key[64];
            unsigned long ta6, tb6;
            long long total = 0, cum = 0;
            size_t j, end[2] = {l->n, l->n}, c;
            assert_int_equal(sscanf(l->head, "abc\t%63[^\t]\t%lu\t%lu", key, &ta6, &tb6), 3);
            for (j = 0; j < l->n; j++)
                total += l->rows[j].fixed;
            for (j = 0; j < l->n; j++) {
                cum += l->rows[j].fixed;
                for (c = 0; c < 2; c++)
                    if (end[c] == l->n &&
                        (double)cum * 1e6 >= (double)(c ? tb6 : ta6) * (double)total)
                        end[c] = j;
            }
            assert_true(end[0] < l->n && end[1] < l->n);
            used += (size_t)snprintf(out + used, cap - used, "abc\t%s\t1\t%s\t%s\t1\t%s\t%s\n", key,
                                     l->rows[end[0]].key, l->rows[end[0]].id, l->rows[end[1]].key,
                                     l->rows[end[1]].id);
            if (strncmp(key, "pareto:", 7) == 0) /* a Pareto model's share: the total */
                used += (size_t)snprintf(out + used, cap - used, "total\t%s\tfixed\t%lld\n", key,
                                         total);
        } else if (l->head[0] == 'r') { /* a team: its first N rows fit, N its capacity */
            char team[64], kind[16];
            double capacity;
            size_t limit;
            assert_int_equal(
                sscanf(l->head, "route\t%63[^\t]\t%15[^\t]\t%lf", team, kind, &capacity), 3);
            limit = (size_t)capacity;
            if (strcmp(kind, "accounts") != 0) /* a revenue capacity: no figure */
                ;
            else if (limit == 0)
                used += (size_t)snprintf(out + used, cap - used, "route\t%s\t3\t\t\n", team);
            else if (l->n <= limit)
                used += (size_t)snprintf(out + used, cap - used, "route\t%s\t1\t\t\n", team);
            else
                used += (size_t)snprintf(out + used, cap - used, "route\t%s\t2\t%s\t%s\n", team,
                                         l->rows[limit - 1].key, l->rows[limit - 1].id);
        } else {
            unsigned long t;
            double amount, x;
            size_t limit;
            assert_int_equal(sscanf(l->head, "cap\t%lu\tshare\t%lf", &t, &amount), 2);
            x = amount * (double)rows;
            limit = x >= (double)rows ? rows : (size_t)floor(x + 1e-9 * (x > 1 ? x : 1));
            if (limit == 0)
                used += (size_t)snprintf(out + used, cap - used, "cap\t%lu\t3\t\t\n", t);
            else if (l->n <= limit)
                used += (size_t)snprintf(out + used, cap - used, "cap\t%lu\t1\t\t\n", t);
            else
                used += (size_t)snprintf(out + used, cap - used, "cap\t%lu\t2\t%s\t%s\n", t,
                                         l->rows[limit - 1].key, l->rows[limit - 1].id);
        }
        free(l->rows);
    }
    snprintf(out + used, cap - used, "end\n");
    assert_true(used + 5 < cap);
}

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

/* Customer i's pareto.share in a run. */
static double share_of(const tier_result *r, size_t i)
{
    size_t col;
    assert_int_equal(tier_frame_find(tier_result_frame(r), "pareto.share", &col), TIER_OK);
    return tier_frame_numbers(tier_result_frame(r), col)[i];
}

/* Splits a generated book in two, runs the parts to settled figures and checks every customer is
 * placed as one run over the whole book places it; returns the customers moved by a cap. */
static size_t split_run_org(const char *text, int pareto, size_t nlists, const char *expect,
                            int org);

static size_t split_run(const char *text, int pareto, size_t nlists, const char *expect)
{
    return split_run_org(text, pareto, nlists, expect, 0);
}

/* split_run with the hierarchy and routing attributes (org 1): each group in one part; returns
 * the customers moved by a cap; every customer's team and flags are checked too. */
static size_t split_run_org(const char *text, int pareto, size_t nlists, const char *expect,
                            int org)
{
    tier_book *book = tst_generated_book(TST_ALLOC, 900, 11), *parts[2];
    tier_policy *policy = make_policy_of(TST_ALLOC, text);
    tier_result *whole = NULL, *res[2] = {NULL, NULL};
    tier_text *inputs[2] = {NULL, NULL};
    tier_model *m = pareto_model(pareto);
    static char figures[8192], next[8192];
    int32_t first, last;
    size_t i, p, pass, moved = 0;
    if (org)
        set_org_attributes(book);
    assert_int_equal(tier_book_day_range(book, &first, &last), TIER_OK);
    assert_int_equal(tier_result_new(&whole, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_set_as_of(whole, last + 1), TIER_OK);
    assert_int_equal(tier_result_run(whole, book, &m, m ? 1 : 0, policy), TIER_OK);
    tier_model_free(m);
    for (p = 0; p < 2; p++) {
        parts[p] = half(book, p, org);
        assert_int_equal(tier_text_new(&inputs[p], TST_ALLOC), TIER_OK);
    }
    snprintf(figures, sizeof figures, "libtier-population 1\nend\n");
    for (pass = 0; pass < 5; pass++) {
        list lists[24];
        size_t nl = 0, rows = 0;
        for (p = 0; p < 2; p++) {
            tier_result_free(res[p]);
            res[p] = run_part(parts[p], policy, pareto, last + 1, figures, inputs[p]);
            rows += read_inputs(tier_text_data(inputs[p]), lists, &nl);
        }
        assert_true(nlists ? nl == nlists : nl > 2);
        figures_of(lists, nl, rows, next, sizeof next);
        if (strcmp(next, figures) == 0)
            break;
        memcpy(figures, next, sizeof figures);
    }
    assert_true(pass < 5);
    assert_non_null(strstr(figures, expect));
    for (p = 0; p < 2; p++)
        for (i = 0; i < tier_book_customer_count(parts[p]); i++) {
            size_t len, at;
            const char *id = tier_book_customer_id(parts[p], i, &len);
            assert_int_equal(tier_book_find(book, id, len, &at), TIER_OK);
            assert_int_equal(tier_result_tier(res[p], i), tier_result_tier(whole, at));
            assert_string_equal(tier_result_reason(res[p], i), tier_result_reason(whole, at));
            assert_string_equal(tier_result_route(res[p], i), tier_result_route(whole, at));
            assert_string_equal(tier_result_flags(res[p], i), tier_result_flags(whole, at));
            if (pareto) /* the model's share against the population's total */
                assert_true(share_of(res[p], i) == share_of(whole, at));
            moved += strncmp(tier_result_reason(whole, at), "over the cap", 12) == 0;
        }
    /* Each part alone, without the figures, places some customers otherwise. */
    {
        size_t differ = 0;
        tier_result *alone = NULL;
        m = pareto_model(pareto);
        assert_int_equal(tier_result_new(&alone, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_result_set_as_of(alone, last + 1), TIER_OK);
        assert_int_equal(tier_result_run(alone, parts[0], &m, m ? 1 : 0, policy), TIER_OK);
        tier_model_free(m);
        for (i = 0; i < tier_book_customer_count(parts[0]); i++)
            differ += tier_result_tier(alone, i) != tier_result_tier(res[0], i);
        assert_true(differ > 0);
        tier_result_free(alone);
    }
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

static void test_a_split_run_places_everyone_as_one_run(void **state)
{
    (void)state;
    /* The two abc() calls and the cap, which keeps up to a row. */
    assert_true(split_run(policy_text, 0, 3, "\ncap\t0\t2\t") > 0);
}

/* With a hierarchy and routing: each group whole in one part; the group rows are classified,
 * capped and routed to teams whose capacities of accounts are filled in the population's order
 * (each team's last row that fits named by the figures, as a cap's). */
static void test_a_split_run_with_groups_routes_as_one_run(void **state)
{
    (void)state;
    assert_true(split_run_org(org_policy_text, 0, 0, "\nroute\thead office\t2\t", 1) > 0);
}

/* A Pareto model's classes come from the population: its inputs are gathered as the abc call
 * "pareto:<name>" and its classes set against the figures' ends. */
static void test_a_split_pareto_model_classifies_as_one_run(void **state)
{
    (void)state;
    assert_int_equal(split_run(pareto_policy_text, 1, 1, "\nabc\tpareto:pareto\t1\t"), 0);
}

static void expect_refused(tier_result *r, const char *text, const char *says)
{
    assert_int_equal(tier_result_set_population(r, text, strlen(text)), TIER_EPARSE);
    if (!strstr(tier_result_last_error(r), says))
        fail_msg("for %s: \"%s\" lacks \"%s\"", text, tier_result_last_error(r), says);
}

static void test_bad_figures_are_refused_naming_the_line(void **state)
{
    tier_result *r = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    expect_refused(r, "", "line 0: not population figures");
    expect_refused(r, "libtier-population 2\nend\n", "line 1: not population figures");
    expect_refused(r, "libtier-population 1\n", "cut short");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t0000000000000001\tid\t0\t\t",
                   "line 2: the figures end before");
    expect_refused(r, "libtier-population 1\nabc\tk\nend\n", "line 2: abc needs 8 fields");
    expect_refused(r, "libtier-population 1\ntotal\tk\tfixed\t5\nend\n",
                   "line 2: a total of a call no line named before");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t\t\t0\t\t\ntotal\tk\tsome\t5\nend\n",
                   "line 3: a total is");
    expect_refused(r,
                   "libtier-population 1\nabc\tk\t0\t\t\t0\t\t\ntotal\tk\tfixed\t5\n"
                   "total\tk\tdouble\t3ff0000000000000\nend\n",
                   "line 4: the same call's total twice");
    expect_refused(r, "libtier-population 1\nabc\tk\t2\t\t\t0\t\t\nend\n", "in range");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t0000000000000001\tid\t0\t\t\nend\n",
                   "names no end row");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t000000000000001g\tid\t0\t\t\nend\n",
                   "16 hexadecimal digits");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t0000000000000001\ta%0\t0\t\t\nend\n",
                   "bad %XX escape");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t0000000000000001\ta%00\t0\t\t\nend\n",
                   "bad %XX escape");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t\t\t0\t\t\nabc\tk\t0\t\t\t0\t\t\nend\n",
                   "line 3: the same call twice");
    expect_refused(r, "libtier-population 1\ncap\t0\t0\t\t\nend\n", "a cap's kind");
    expect_refused(r, "libtier-population 1\ncap\t0\t1\t0000000000000001\tx\nend\n",
                   "only a cap of kind 2");
    expect_refused(r, "libtier-population 1\ncap\t0\t1\t\t\ncap\t0\t3\t\t\nend\n",
                   "line 3: the same tier's cap twice");
    expect_refused(r, "libtier-population 1\ncap\t99999\t1\t\t\nend\n", "in range");
    expect_refused(r, "libtier-population 1\nend\nabc\n", "line 3: text after");
    expect_refused(r, "libtier-population 1\nwhat\nend\n", "line 2: expected a line");
    expect_refused(r, "libtier-population 1\tx\nend\n", "line 1: not population figures");
    expect_refused(r, "libtier-population 1\nend\tx\n", "line 2: expected a line");
    expect_refused(r, "libtier-population 1\nab\nend\n", "line 2: expected a line");
    expect_refused(r, "libtier-population 1\nabc\tk\r\t0\t\t\t0\t\t\nend\n",
                   "line 2: a control byte that should be escaped");
    expect_refused(r, "libtier-population 1\nabc\tk\t\t\t\t0\t\t\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\nabc\tk\t1x\t\t\t0\t\t\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\nabc\tk\t000000000000000000001\t\t\t0\t\t\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t\tx\t0\t\t\nend\n",
                   "line 2: a class that takes every row names no end row");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t00000000000000001\tid\t0\t\t\nend\n",
                   "line 2: an order key of 16 hexadecimal digits was expected");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t0000000000000001\ta%zz\t0\t\t\nend\n",
                   "line 2: a bad %XX escape");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t0000000000000001\ta%4\t0\t\t\nend\n",
                   "line 2: a bad %XX escape");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t\t\t1\t00000000000000FF\tb%g1\nend\n",
                   "line 2: a bad %XX escape");
    expect_refused(r, "libtier-population 1\ncap\t0\t1\t\nend\n", "line 2: cap needs 5 fields");
    expect_refused(r, "libtier-population 1\ncap\t0\t1\t\t\t\t\t\t\t\nend\n",
                   "line 2: cap needs 5 fields");
    expect_refused(r, "libtier-population 1\ncap\tx\t1\t\t\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\ncap\t0\t4\t\t\nend\n", "line 2: a number in range");
    expect_refused(r, "libtier-population 1\ncap\t0\t2\tabc\tx\nend\n",
                   "line 2: an order key of 16 hexadecimal digits was expected");
    expect_refused(r, "libtier-population 1\ncap\t0\t2\t0000000000000001\tx%\nend\n",
                   "line 2: a bad %XX escape");
    expect_refused(r, "libtier-population 1\ncap\t0\t3\t\tx\nend\n", "only a cap of kind 2");
    expect_refused(r, "libtier-population 1\nroute\tt\t1\t\nend\n", "line 2: route needs 5 fields");
    expect_refused(r, "libtier-population 1\nroutx\nend\n", "line 2: expected a line");
    expect_refused(r, "libtier-population 1\nroute\t\t1\t\t\nend\n",
                   "line 2: a team name was expected");
    expect_refused(r, "libtier-population 1\nroute\tt%zz\t1\t\t\nend\n", "line 2: a bad %XX");
    expect_refused(r, "libtier-population 1\nroute\tt\t1\t\t\nroute\tt\t3\t\t\nend\n",
                   "line 3: the same team twice");
    expect_refused(r, "libtier-population 1\nroute\tt\tx\t\t\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\nroute\tt\t0\t\t\nend\n", "line 2: a team's kind");
    expect_refused(r, "libtier-population 1\nroute\tt\t3\t0000000000000001\tx\nend\n",
                   "line 2: only a team of kind 2 names a row");
    expect_refused(r, "libtier-population 1\nroute\tt\t2\t00000001\tx\nend\n",
                   "line 2: an order key of 16 hexadecimal digits");
    expect_refused(r, "libtier-population 1\nroute\tt\t2\t0000000000000001\tx%\nend\n",
                   "line 2: a bad %XX escape");
    /* Escapes in either case are read, and figures for several tiers grow the table. */
    assert_int_equal(tier_result_set_population(
                         r,
                         "libtier-population 1\nabc\tk%3a\t1\t00000000000000aF\ta%4A%4b\t0\t\t\n"
                         "cap\t2\t1\t\t\ncap\t0\t2\t0000000000000001\tx%25\nend\n",
                         105),
                     TIER_OK);
    /* No figures, or no run since: nothing gathered. */
    assert_int_equal(tier_result_population(r, t), TIER_ESTATE);
    assert_int_equal(tier_result_set_population(r, "libtier-population 1\nend\n", 25), TIER_OK);
    assert_int_equal(tier_result_population(r, t), TIER_ESTATE);
    assert_int_equal(tier_result_set_population(r, NULL, 0), TIER_OK);
    assert_int_equal(tier_result_set_population(NULL, NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_result_population(NULL, t), TIER_EINVAL);
    /* A cap of a tier the policy lacks. */
    {
        tier_book *book = tst_generated_book(TST_ALLOC, 20, 3);
        tier_policy *policy = make_policy(TST_ALLOC);
        const char *fig = "libtier-population 1\ncap\t7\t1\t\t\nend\n";
        assert_int_equal(tier_result_set_population(r, fig, strlen(fig)), TIER_OK);
        assert_int_equal(tier_result_run(r, book, NULL, 0, policy), TIER_EINVAL);
        assert_non_null(strstr(tier_result_last_error(r), "tier 7; the policy has 3"));
        /* A failed run gathered nothing to give; a successful one does. */
        assert_int_equal(tier_result_population(r, t), TIER_ESTATE);
        fig = "libtier-population 1\nend\n";
        assert_int_equal(tier_result_set_population(r, fig, strlen(fig)), TIER_OK);
        assert_int_equal(tier_result_run(r, book, NULL, 0, policy), TIER_OK);
        assert_int_equal(tier_result_population(r, t), TIER_OK);
        assert_int_equal(strncmp(tier_text_data(t), "libtier-population-inputs 1\nabc\t", 32), 0);
        tier_policy_free(policy);
        tier_book_free(book);
    }
    tier_text_free(t);
    tier_result_free(r);
}

static tier_book *oom_book(const tier_allocator *a)
{
    return tst_generated_book(a, 60, 5);
}

/* Figures set, a run that gathers, the inputs written: every allocation may fail. */
static int oom_population(const tier_allocator *a, void *ud)
{
    static const char fig[] = "libtier-population 1\n"
                              "abc\t()abc(rev)\t1\t3fa883d70a3d70a3\tG000001\t0\t\t\n"
                              "cap\t0\t2\t3fa883d70a3d70a3\tG%30000002\n"
                              "end\n";
    tier_result *r = NULL;
    tier_policy *policy = NULL;
    tier_text *t = NULL;
    const char *err = "out of memory";
    int rc = tier_result_new(&r, a);
    if (!rc && (rc = tier_policy_new(&policy, a)) == TIER_OK &&
        (rc = tier_policy_load_string(policy, policy_text, strlen(policy_text), "oom")) != TIER_OK)
        err = tier_policy_last_error(policy);
    if (!rc)
        rc = tier_text_new(&t, a);
    if (!rc && ((rc = tier_result_set_population(r, fig, sizeof fig - 1)) != TIER_OK ||
                (rc = tier_result_run(r, ud, NULL, 0, policy)) != TIER_OK ||
                (rc = tier_result_population(r, t)) != TIER_OK))
        err = tier_result_last_error(r);
    if (!rc)
        assert_non_null(strstr(tier_text_data(t), "\ncap\t0\tshare\t"));
    if (rc)
        tst_expect_oom(rc, err);
    tier_text_free(t);
    tier_policy_free(policy);
    tier_result_free(r);
    return rc;
}

/* The gathered inputs escape '%', tabs and control bytes of ids as %XX, name a group row by its
 * lead with a hierarchy, write a value that has no exact fixed-point form as '-', and write a
 * count cap as "count". */
static void test_gathered_inputs_escape_ids_and_name_leads(void **state)
{
    static const char *const ids[] = {"a%1", "b\tc", "d\x7f", "e", "f"};
    static const double size[] = {1.0 / 3, 20, 30, 40, 5};
    static const char text[] = "libtier-policy 1\n"
                               "window rev = revenue over all\n"
                               "hierarchy parent = attr.parent\n"
                               "tier S {\n"
                               "    rule \"big\" when abc(attr.size) == \"A\"\n"
                               "    cap 1 by rev overflow B\n"
                               "}\n"
                               "tier B {\n"
                               "    rule \"rest\"\n"
                               "}\n";
    tier_book *book = NULL;
    tier_policy *p = NULL;
    tier_result *r = NULL;
    tier_text *t = NULL;
    size_t i;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(ids); i++) {
        assert_int_equal(tier_book_add_txn(book, ids[i], strlen(ids[i]), 100,
                                           10 * (double)(TST_COUNT(ids) - i), NAN),
                         TIER_OK);
        assert_int_equal(tier_book_set_number(book, i, "size", size[i]), TIER_OK);
    }
    assert_int_equal(tier_book_set_text(book, 4, "parent", "a%1"), TIER_OK);
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(p, text, sizeof text - 1, "gather"), TIER_OK);
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_set_population(r, "libtier-population 1\nend\n", 25), TIER_OK);
    assert_int_equal(tier_result_run(r, book, NULL, 0, p), TIER_OK);
    assert_int_equal(tier_result_population(r, t), TIER_OK);
    /* Rows by abc's order key (size descending); the group of a%1 and f is led by a%1 (the
     * larger revenue), whose size 1/3 has no exact fixed-point form. The cap lists its three
     * candidates by revenue. */
    assert_string_equal(tier_text_data(t), "libtier-population-inputs 1\n"
                                           "abc\t()abc(attr.size)\t800000\t950000\t4\n"
                                           "3fbbffffffffffff\t400000\te\n"
                                           "3fc1ffffffffffff\t300000\td%7F\n"
                                           "3fcbffffffffffff\t200000\tb%09c\n"
                                           "402aaaaaaaaaaaaa\t-\ta%251\n"
                                           "cap\t0\tcount\t1\t4\t3\n"
                                           "3fbbffffffffffff\tb%09c\n"
                                           "3fc1ffffffffffff\td%7F\n"
                                           "3fcbffffffffffff\te\n"
                                           "end\n");
    tier_text_free(t);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

/* A book for routing: a (parent of b: national), c and d (local, one city), e (parent of f:
 * regional), with one purchase each of 100, 50, 30, 20, 10 and 5. */
static tier_book *routing_book(void)
{
    static const char *const ids[] = {"a", "b", "c", "d", "e", "f"};
    static const char *const parent[] = {"", "a", "", "", "", "e"};
    static const char *const region[] = {"N", "S", "N", "N", "N", "N"};
    static const char *const city[] = {"X", "Y", "X", "X", "X", "Z"};
    static const double amount[] = {100, 50, 30, 20, 10, 5};
    tier_book *book = NULL;
    size_t i;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(ids); i++) {
        assert_int_equal(tier_book_add_txn(book, ids[i], 1, 100, amount[i], NAN), TIER_OK);
        if (*parent[i])
            assert_int_equal(tier_book_set_text(book, i, "parent", parent[i]), TIER_OK);
        assert_int_equal(tier_book_set_text(book, i, "region", region[i]), TIER_OK);
        assert_int_equal(tier_book_set_text(book, i, "city", city[i]), TIER_OK);
    }
    return book;
}

/* Customer c's team after a run against `figures` (customers c and d of routing_book). */
static void expect_routes(tier_result *r, const tier_book *book, const tier_policy *p,
                          const char *figures, const char *route_c, const char *route_d)
{
    assert_int_equal(tier_result_set_population(r, figures, strlen(figures)), TIER_OK);
    assert_int_equal(tier_result_run(r, book, NULL, 0, p), TIER_OK);
    assert_string_equal(tier_result_route(r, 2), route_c);
    assert_string_equal(tier_result_route(r, 3), route_d);
    assert_string_equal(tier_result_flags(r, 3), *route_d ? "" : "route_overflow");
}

/* Routing's gathered inputs: per team with a capacity its routed rows in the placing order (a
 * revenue team without rows, a team without capacity not at all); a team named by the figures
 * takes the rows up to its last one, every row (kind 1) or none (3); one they do not name fills
 * its capacity over the run's own rows. */
static void test_routing_is_gathered_and_placed_by_the_figures(void **state)
{
    tier_book *book = routing_book();
    tier_policy *p = make_policy_of(TST_ALLOC, org_revenue_policy_text);
    tier_result *r = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    expect_routes(r, book, p, "libtier-population 1\nend\n", "sales X", "");
    assert_int_equal(tier_result_population(r, t), TIER_OK);
    assert_string_equal(tier_text_data(t), "libtier-population-inputs 1\n"
                                           "route\thead office\trevenue\t1000\t0\n"
                                           "route\tsales X\taccounts\t1\t2\n"
                                           "3fc1ffffffffffff\tc\n"
                                           "3fcbffffffffffff\td\n"
                                           "end\n");
    assert_string_equal(tier_result_route(r, 0), "head office");
    assert_string_equal(tier_result_route(r, 4), "KA N");
    expect_routes(r, book, p, "libtier-population 1\nroute\tsales X\t1\t\t\nend\n", "sales X",
                  "sales X");
    expect_routes(r, book, p, "libtier-population 1\nroute\tsales X\t3\t\t\nend\n", "", "");
    expect_routes(r, book, p, "libtier-population 1\nroute\tsales X\t2\t3fcbffffffffffff\td\nend\n",
                  "sales X", "sales X");
    expect_routes(r, book, p,
                  "libtier-population 1\nroute\tsales X\t2\t3fc1ffffffffffff\tc\n"
                  "route\telsewhere\t3\t\t\nend\n",
                  "sales X", "");
    /* A team the figures name by a row of another part: d comes after it, c before. */
    expect_routes(r, book, p,
                  "libtier-population 1\nroute\tsales X\t2\t3fc1ffffffffffff\tcc\nend\n", "sales X",
                  "");
    tier_text_free(t);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

/* Without a hierarchy each customer is a row of its own; a routing revenue that is missing
 * counts as 0 (ties by id). */
static void test_routing_without_groups_gathers_customers(void **state)
{
    static const char text[] = "libtier-policy 1\n"
                               "tier S {\n"
                               "    rule \"all\" when true\n"
                               "}\n"
                               "routing {\n"
                               "    accounts when true\n"
                               "    region = attr.region\n"
                               "    city = attr.city\n"
                               "    revenue = attr.weight\n"
                               "    team local \"sales {city}\" capacity 1 accounts\n"
                               "}\n";
    tier_book *book = routing_book();
    tier_policy *p = make_policy_of(TST_ALLOC, text);
    tier_result *r = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_book_set_number(book, 0, "weight", 1.0), TIER_OK);
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    expect_routes(r, book, p, "libtier-population 1\nend\n", "", "");
    assert_int_equal(tier_result_population(r, t), TIER_OK);
    assert_string_equal(tier_text_data(t), "libtier-population-inputs 1\n"
                                           "route\tsales X\taccounts\t1\t4\n"
                                           "400fffffffffffff\ta\n"
                                           "7fffffffffffffff\tc\n"
                                           "7fffffffffffffff\td\n"
                                           "7fffffffffffffff\te\n"
                                           "route\tsales Y\taccounts\t1\t1\n"
                                           "7fffffffffffffff\tb\n"
                                           "route\tsales Z\taccounts\t1\t1\n"
                                           "7fffffffffffffff\tf\n"
                                           "end\n");
    /* The figures name c as sales X's last row (a customer of another part first). */
    expect_routes(r, book, p, "libtier-population 1\nroute\tsales X\t2\t7fffffffffffffff\tc\nend\n",
                  "sales X", "");
    assert_string_equal(tier_result_route(r, 0), "sales X");
    tier_text_free(t);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

static tier_book *oom_org_book(const tier_allocator *a)
{
    tier_book *book = tst_generated_book(a, 60, 5);
    set_org_attributes(book);
    return book;
}

/* A run with a hierarchy and routing against figures that name a team: every allocation may
 * fail (the routing's gathering included). */
static int oom_org(const tier_allocator *a, void *ud)
{
    static const char fig[] = "libtier-population 1\n"
                              "route\thead office\t2\t3fa883d70a3d70a3\tG000003\n"
                              "route\tsales C1\t1\t\t\n"
                              "end\n";
    tier_result *r = NULL;
    tier_policy *policy = NULL;
    tier_text *t = NULL;
    const char *err = "out of memory";
    int rc = tier_result_new(&r, a);
    if (!rc && (rc = tier_policy_new(&policy, a)) == TIER_OK &&
        (rc = tier_policy_load_string(policy, org_policy_text, strlen(org_policy_text), "oom")) !=
            TIER_OK)
        err = tier_policy_last_error(policy);
    if (!rc)
        rc = tier_text_new(&t, a);
    if (!rc && ((rc = tier_result_set_population(r, fig, sizeof fig - 1)) != TIER_OK ||
                (rc = tier_result_run(r, ud, NULL, 0, policy)) != TIER_OK ||
                (rc = tier_result_population(r, t)) != TIER_OK))
        err = tier_result_last_error(r);
    if (!rc)
        assert_non_null(strstr(tier_text_data(t), "\nroute\thead office\taccounts\t4\t"));
    if (rc)
        tst_expect_oom(rc, err);
    tier_text_free(t);
    tier_policy_free(policy);
    tier_result_free(r);
    return rc;
}

/* A Pareto model placed against the figures: every allocation may fail (the model's, the
 * gathering's and the placing's). */
static int oom_pareto(const tier_allocator *a, void *ud)
{
    static const char fig[] = "libtier-population 1\n"
                              "abc\tpareto:pareto\t1\t3fa883d70a3d70a3\tG000001\t0\t\t\n"
                              "end\n";
    tier_result *r = NULL;
    tier_policy *policy = NULL;
    tier_model *m = NULL;
    tier_text *t = NULL;
    const char *err = "out of memory";
    int rc = tier_result_new(&r, a);
    if (!rc && (rc = tier_policy_new(&policy, a)) == TIER_OK &&
        (rc = tier_policy_load_string(policy, pareto_policy_text, strlen(pareto_policy_text),
                                      "oom")) != TIER_OK)
        err = tier_policy_last_error(policy);
    if (!rc)
        rc = tier_text_new(&t, a);
    if (!rc)
        rc = tier_pareto_new(&m, "pareto", a);
    if (!rc && ((rc = tier_result_set_population(r, fig, sizeof fig - 1)) != TIER_OK ||
                (rc = tier_result_run(r, ud, &m, 1, policy)) != TIER_OK ||
                (rc = tier_result_population(r, t)) != TIER_OK))
        err = tier_result_last_error(r);
    if (!rc)
        assert_non_null(strstr(tier_text_data(t), "abc\tpareto:pareto\t800000\t950000\t"));
    if (rc)
        tst_expect_oom(rc, err);
    tier_model_free(m);
    tier_text_free(t);
    tier_policy_free(policy);
    tier_result_free(r);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_gathered_inputs_escape_ids_and_name_leads),
         cmocka_unit_test(test_a_split_run_places_everyone_as_one_run),
         cmocka_unit_test(test_a_split_pareto_model_classifies_as_one_run),
         cmocka_unit_test(test_a_split_run_with_groups_routes_as_one_run),
         cmocka_unit_test(test_routing_is_gathered_and_placed_by_the_figures),
         cmocka_unit_test(test_routing_without_groups_gathers_customers),
         cmocka_unit_test(test_bad_figures_are_refused_naming_the_line),
         TST_OOM_WALK(test_population_survives_every_failed_allocation, oom_population, oom_book,
                      20),
         TST_OOM_WALK(test_a_pareto_population_survives_every_failed_allocation, oom_pareto,
                      oom_book, 10),
         TST_OOM_WALK(test_an_org_population_survives_every_failed_allocation, oom_org,
                      oom_org_book, 20))
