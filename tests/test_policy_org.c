/* SPDX-License-Identifier: MIT */
/* Account hierarchies and key-account routing (src/policy/org/org.h, docs/policy-format.md sections
 * "Account hierarchies" and "Routing"): the rows of a hierarchy (groups by top parent, leads,
 * inherit and own), its errors with their exact messages, long chains, stars and cycles without
 * recursion; routing scopes, the scope attribute, team names, capacities by accounts and by
 * revenue with the overflow report; out-of-memory walks of both. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "policy/org/org.h"
#include "policy/org/rows.h"

/* ---- books ---------------------------------------------------------------------------------- */

/* One account: its net revenue (0: no transaction) and its text attributes (NULL: unset). */
typedef struct acct {
    const char *id;
    double revenue;
    const char *parent, *region, *city, *scope;
} acct;

static void set_text(tier_book *book, size_t i, const char *name, const char *value)
{
    if (value && tier_book_set_text(book, i, name, value) != TIER_OK)
        fail_msg("setting %s: %s", name, tier_book_last_error(book));
}

/* A book of the accounts in order (customer i is x[i]); the allocator is the test's. */
static tier_book *book_of(const acct *x, size_t n)
{
    tier_book *book = NULL;
    size_t i, at;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < n; i++) {
        if (x[i].revenue != 0.0)
            assert_int_equal(
                tier_book_add_txn(book, x[i].id, strlen(x[i].id), 100, x[i].revenue, NAN), TIER_OK);
        else
            assert_int_equal(tier_book_add_customer(book, x[i].id, strlen(x[i].id), &at), TIER_OK);
    }
    for (i = 0; i < n; i++) {
        set_text(book, i, "parent_id", x[i].parent);
        set_text(book, i, "region", x[i].region);
        set_text(book, i, "city", x[i].city);
        set_text(book, i, "scope", x[i].scope);
    }
    return book;
}

static const char *id_of(const tier_book *book, size_t i)
{
    return tier_book_customer_id(book, i, NULL);
}

/* The rows as text: "LEAD:MEMBER,MEMBER | ..." in row order. */
static const char *rows_text(const tier_book *book, const tier__rowset *rs)
{
    static char buf[4096];
    size_t r, k, o = 0;
    buf[0] = '\0';
    for (r = 0; r < rs->n; r++) {
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s:", r ? " | " : "",
                              id_of(book, rs->lead[r]));
        for (k = rs->member_start[r]; k < rs->member_start[r + 1]; k++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s",
                                  k > rs->member_start[r] ? "," : "", id_of(book, rs->members[k]));
    }
    return buf;
}

/* Each customer's row and member flag: "ID=ROW[m] ..." in book order. */
static const char *of_text(const tier_book *book, const tier__rowset *rs)
{
    static char buf[4096];
    size_t i, o = 0;
    buf[0] = '\0';
    assert_int_equal(rs->customers, tier_book_customer_count(book));
    for (i = 0; i < rs->customers; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s=%lu%s", i ? " " : "", id_of(book, i),
                              (unsigned long)rs->row_of[i], rs->member[i] ? "m" : "");
    return buf;
}

static tier__phier hier(const char *parent, int children)
{
    tier__phier h;
    memset(&h, 0, sizeof h);
    h.present = 1;
    h.parent = (char *)parent;
    h.children = children;
    h.line = 7;
    h.col = 1;
    return h;
}

/* ---- rows of one customer each -------------------------------------------------------------- */

static void test_identity_rows(void **state)
{
    static const acct x[] = {{"a", 5, 0, 0, 0, 0}, {"b", 0, 0, 0, 0, 0}, {"c", 1, 0, 0, 0, 0}};
    tier_book *book = book_of(x, TST_COUNT(x));
    tier__rowset rs;
    (void)state;
    assert_int_equal(tier__rowset_identity(TST_ALLOC, 3, &rs), TIER_OK);
    assert_int_equal(rs.n, 3);
    assert_string_equal(rows_text(book, &rs), "a:a | b:b | c:c");
    assert_string_equal(of_text(book, &rs), "a=0 b=1 c=2");
    assert_int_equal(rs.member_start[3], 3);
    tier__rowset_free(TST_ALLOC, &rs);
    assert_null(rs.lead);
    assert_int_equal(rs.n, 0);
    tier__rowset_free(TST_ALLOC, &rs); /* twice is harmless */
    tier__rowset_free(TST_ALLOC, NULL);

    assert_int_equal(tier__rowset_identity(TST_ALLOC, 0, &rs), TIER_OK);
    assert_int_equal(rs.n, 0);
    assert_int_equal(rs.member_start[0], 0);
    tier__rowset_free(TST_ALLOC, &rs);
    tier_book_free(book);
}

/* ---- hierarchies ---------------------------------------------------------------------------- */

/* A three-level tree under g1 (g1 <- c1 <- gc1, g1 <- c2), a two-level one under p2, an account
 * without a parent and one whose parent is empty; the children come before their parents. */
static const acct tree[] = {
    {"c1", 500, "g1", 0, 0, 0}, {"gc1", 500, "c1", 0, 0, 0}, {"x", 20, "p2", 0, 0, 0},
    {"g1", 100, 0, 0, 0, 0},    {"solo", 10, 0, 0, 0, 0},    {"c2", 50, "g1", 0, 0, 0},
    {"p2", 0, 0, 0, 0, 0},      {"e", 1, "", 0, 0, 0},
};

/* The rows of the tree under `h`: n of them, as rows_text and of_text give them (NULL: not
 * compared). */
static void check_tree_rows(const tier__phier *h, size_t n, const char *rows, const char *of)
{
    tier_book *book = book_of(tree, TST_COUNT(tree));
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    assert_int_equal(tier__hier_rows(h, book, TST_ALLOC, &rs, err), TIER_OK);
    assert_string_equal(err, "");
    assert_int_equal(rs.n, n);
    if (rows)
        assert_string_equal(rows_text(book, &rs), rows);
    if (of)
        assert_string_equal(of_text(book, &rs), of);
    tier__rowset_free(TST_ALLOC, &rs);
    tier_book_free(book);
}

static void test_hierarchy_inherit(void **state)
{
    tier__phier h = hier("attr.parent_id", TIER__PH_INHERIT);
    (void)state;
    /* One row per group in the book order of the top parents: g1 (index 3), solo, p2, e. The
     * lead of g1's group is c1: 500 like gc1, and "c1" < "gc1". */
    check_tree_rows(&h, 4, "c1:c1,gc1,g1,c2 | solo:solo | x:x,p2 | e:e",
                    "c1=0m gc1=0m x=2m g1=0 solo=1 c2=0m p2=2 e=3");
}

static void test_hierarchy_own(void **state)
{
    tier__phier h = hier("attr.parent_id", TIER__PH_OWN);
    (void)state;
    /* One row per account at its own index: the group's row at its top parent's index, an own
     * row for every other member. */
    check_tree_rows(&h, 8,
                    "c1:c1 | gc1:gc1 | x:x | c1:c1,gc1,g1,c2 | "
                    "solo:solo | c2:c2 | x:x,p2 | e:e",
                    "c1=0 gc1=1 x=2 g1=3 solo=4 c2=5 p2=6 e=7");
}

static void test_hierarchy_absent_is_one_row_per_customer(void **state)
{
    tier__phier h = hier("attr.parent_id", TIER__PH_INHERIT);
    (void)state;
    h.present = 0;
    check_tree_rows(&h, 8, "c1:c1 | gc1:gc1 | x:x | g1:g1 | solo:solo | c2:c2 | p2:p2 | e:e", NULL);
    /* An attribute the book does not have: nobody has a parent. */
    h = hier("attr.no_such", TIER__PH_INHERIT);
    check_tree_rows(&h, 8, NULL, "c1=0 gc1=1 x=2 g1=3 solo=4 c2=5 p2=6 e=7");
}

static void test_hierarchy_lead_ties_by_id(void **state)
{
    /* Net revenue over all history: r nets 200 - 150 = 50. "B" (0x42) sorts before "b" (0x62)
     * and before "a" (0x61) is not the question: b and B tie at 100, a has 99. */
    static const acct x[] = {{"t", 0, 0, 0, 0, 0},     {"b", 100, "t", 0, 0, 0},
                             {"a", 99, "t", 0, 0, 0},  {"B", 100, "t", 0, 0, 0},
                             {"r", 200, "t", 0, 0, 0}, {"u", 0, 0, 0, 0, 0},
                             {"v", -5, "u", 0, 0, 0}};
    tier_book *book = book_of(x, TST_COUNT(x));
    tier__phier h = hier("attr.parent_id", TIER__PH_INHERIT);
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    (void)state;
    assert_int_equal(tier_book_add_txn(book, "r", 1, 101, -150, NAN), TIER_OK);
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_OK);
    /* u (0) leads over v (net -5). */
    assert_string_equal(rows_text(book, &rs), "B:t,b,a,B,r | u:u,v");
    tier__rowset_free(TST_ALLOC, &rs);
    tier_book_free(book);
}

static void test_hierarchy_numeric_parent(void **state)
{
    /* Ids that look like numbers: an attributes file makes the column numeric. */
    static const acct x[] = {
        {"1001", 5, 0, 0, 0, 0}, {"1002", 7, 0, 0, 0, 0}, {"1003", 1, 0, 0, 0, 0}};
    tier_book *book = book_of(x, TST_COUNT(x));
    tier__phier h = hier("attr.parent_num", TIER__PH_INHERIT);
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    (void)state;
    assert_int_equal(tier_book_set_number(book, 1, "parent_num", 1001), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 2, "parent_num", NAN), TIER_OK);
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_OK);
    assert_string_equal(rows_text(book, &rs), "1002:1001,1002 | 1003:1003");
    tier__rowset_free(TST_ALLOC, &rs);
    assert_int_equal(tier_book_set_number(book, 2, "parent_num", 1e20), TIER_OK);
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_EINVAL);
    assert_string_equal(err, "account 1003: its parent 1e+20 (attr.parent_num) is not an account "
                             "of the book");
    tier_book_free(book);
}

/* One hierarchy error: the accounts, the status and the exact message. */
typedef struct hier_error {
    acct x[6];
    size_t n;
    const char *parent;
    const char *message;
} hier_error;

static const hier_error self_parent = {
    {{"a", 1, 0, 0, 0, 0}, {"b", 1, "a", 0, 0, 0}, {"c", 1, "c", 0, 0, 0}},
    3,
    "attr.parent_id",
    "account c is its own parent (attr.parent_id)"};
static const hier_error missing_parent = {
    {{"a", 1, 0, 0, 0, 0}, {"b", 1, "zz", 0, 0, 0}, {"c", 1, "c", 0, 0, 0}},
    3,
    "attr.parent_id",
    "account b: its parent zz (attr.parent_id) is not an account of the book"};
/* b <-> a, written from the account of the lowest index (b). */
static const hier_error two_cycle = {
    {{"x", 1, 0, 0, 0, 0}, {"b", 1, "a", 0, 0, 0}, {"a", 1, "b", 0, 0, 0}},
    3,
    "attr.parent_id",
    "cycle: b -> a -> b (attr.parent_id)"};
/* d hangs off the cycle c -> e -> f -> c; the walk starts at d, the message at f (index 1). */
static const hier_error three_cycle = {{{"d", 1, "c", 0, 0, 0},
                                        {"f", 1, "c", 0, 0, 0},
                                        {"c", 1, "e", 0, 0, 0},
                                        {"e", 1, "f", 0, 0, 0},
                                        {"ok", 1, 0, 0, 0, 0}},
                                       5,
                                       "attr.parent_id",
                                       "cycle: f -> c -> e -> f (attr.parent_id)"};
static const hier_error not_an_attribute = {
    {{"a", 1, 0, 0, 0, 0}},
    1,
    "parent_id",
    "the hierarchy's parent must be an account attribute (attr.NAME), got parent_id"};

static void test_hierarchy_error(void **state)
{
    const hier_error *c = *state;
    tier_book *book = book_of(c->x, c->n);
    tier__phier h;
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    int children;
    for (children = TIER__PH_INHERIT; children <= TIER__PH_OWN; children++) {
        h = hier(c->parent, children);
        memset(&rs, 0x5a, sizeof rs);
        assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_EINVAL);
        assert_string_equal(err, c->message);
        assert_null(rs.lead);
        assert_null(rs.members);
        assert_int_equal(rs.n, 0);
    }
    tier_book_free(book);
}

/* n accounts named "a0".."a{n-1}" (default allocator: fast for big books). */
static tier_book *numbered_book(size_t n)
{
    tier_book *book = NULL;
    char id[32];
    size_t i, at;
    assert_int_equal(tier_book_new(&book, NULL), TIER_OK);
    for (i = 0; i < n; i++) {
        snprintf(id, sizeof id, "a%lu", (unsigned long)i);
        assert_int_equal(tier_book_add_customer(book, id, strlen(id), &at), TIER_OK);
    }
    return book;
}

static void set_parent(tier_book *book, size_t i, size_t p)
{
    char id[32];
    snprintf(id, sizeof id, "a%lu", (unsigned long)p);
    assert_int_equal(tier_book_set_text(book, i, "parent_id", id), TIER_OK);
}

enum { BIG = 100000 };

static void test_hierarchy_long_chain_and_star(void **state)
{
    tier_book *book = numbered_book(BIG);
    tier__phier h = hier("attr.parent_id", TIER__PH_INHERIT);
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    size_t i;
    (void)state;
    /* A chain a0 <- a1 <- ... <- a99999, followed from its deep end first: a0 has the parent
     * a1 and so on, so the first walk (from a0) runs down the whole chain. */
    for (i = 0; i + 1 < BIG; i++)
        set_parent(book, i, i + 1);
    assert_int_equal(tier_book_add_txn(book, "a500", 4, 1, 9, NAN), TIER_OK);
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_OK);
    assert_int_equal(rs.n, 1);
    assert_int_equal(rs.member_start[1], BIG);
    assert_int_equal(rs.lead[0], 500);
    for (i = 0; i < BIG; i++) {
        assert_int_equal(rs.members[i], i);
        assert_int_equal(rs.row_of[i], 0);
        assert_int_equal(rs.member[i], i != BIG - 1);
    }
    tier__rowset_free(TST_ALLOC, &rs);
    h.children = TIER__PH_OWN;
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_OK);
    assert_int_equal(rs.n, BIG);
    assert_int_equal(rs.member_start[BIG - 1], BIG - 1);
    assert_int_equal(rs.member_start[BIG], 2 * BIG - 1);
    assert_int_equal(rs.lead[BIG - 1], 500);
    tier__rowset_free(TST_ALLOC, &rs);

    /* A star: every account's parent is a0. */
    for (i = 1; i < BIG; i++)
        set_parent(book, i, 0);
    assert_int_equal(tier_book_set_text(book, 0, "parent_id", NULL), TIER_OK);
    h.children = TIER__PH_INHERIT;
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_OK);
    assert_int_equal(rs.n, 1);
    assert_int_equal(rs.member_start[1], BIG);
    assert_int_equal(rs.lead[0], 500);
    assert_int_equal(rs.member[0], 0);
    assert_int_equal(rs.member[BIG - 1], 1);
    tier__rowset_free(TST_ALLOC, &rs);

    /* The chain closed into one cycle of every account: the message is cut in the middle. */
    for (i = 0; i < BIG; i++)
        set_parent(book, i, (i + 1) % BIG);
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_EINVAL);
    assert_true(strncmp(err, "cycle: a0 -> a1 -> a2 -> ", 25) == 0);
    assert_non_null(strstr(err, " -> ... -> a0 (cycle of 100000 accounts) (attr.parent_id)"));
    assert_true(strlen(err) < TIER__ERR_SIZE - 1);
    tier_book_free(book);
}

/* ---- routing -------------------------------------------------------------------------------- */

static tier__pteam team(int scope, const char *name, int kind, double capacity, int line)
{
    tier__pteam t;
    memset(&t, 0, sizeof t);
    t.scope = scope;
    t.name = (char *)name;
    t.capacity_kind = kind;
    t.capacity = capacity;
    t.line = line;
    return t;
}

static tier__proute route_spec(tier__pteam *teams, size_t n, const char *city, const char *scope)
{
    tier__proute r;
    memset(&r, 0, sizeof r);
    r.present = 1;
    r.region = (char *)"attr.region";
    r.city = (char *)city;
    r.scope = (char *)scope;
    r.teams = teams;
    r.n_teams = n;
    return r;
}

/* Each row as "LEAD:TEAM" (TEAM "!" for overflow, "-" for none), in row order. */
static const char *route_text(const tier_book *book, const tier__rowset *rs,
                              const tier__route_out *o)
{
    static char buf[4096];
    size_t r, off = 0;
    buf[0] = '\0';
    for (r = 0; r < rs->n; r++) {
        const char *t = o->team[r] >= 0 ? o->names[o->team[r]] : o->overflow[r] ? "!" : "-";
        assert_false(o->team[r] >= 0 && o->overflow[r]);
        assert_true(o->team[r] < (int32_t)o->n_names);
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s:%s", r ? " | " : "",
                                id_of(book, rs->lead[r]), t);
    }
    return buf;
}

static const char *names_text(const tier__route_out *o)
{
    static char buf[4096];
    size_t k, off = 0;
    buf[0] = '\0';
    for (k = 0; k < o->n_names; k++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", k ? "; " : "", o->names[k]);
    return buf;
}

/* Groups spanning two regions (g1), two cities of one region (g2), one city (g3); a single
 * account without region or city (s); an own-scope override (o: spans regions, says local). */
static const acct regions[] = {
    {"g1", 50, 0, "North", "Oslo", 0},
    {"g1a", 10, "g1", "South", "Rome", 0},
    {"g2", 40, 0, "North", "Oslo", 0},
    {"g2a", 45, "g2", "North", "Bergen", 0},
    {"g3", 30, 0, "West", "Lima", 0},
    {"g3a", 1, "g3", "West", "Lima", 0},
    {"g3b", 1, "g3", "", "", 0},
    {"s", 20, 0, 0, 0, 0},
    {"o", 90, 0, "North", "Oslo", "local"},
    {"oa", 1, "o", "East", "Kyiv", 0},
};

static void test_route_scopes_and_names(void **state)
{
    tier_book *book = book_of(regions, TST_COUNT(regions));
    tier__phier h = hier("attr.parent_id", TIER__PH_INHERIT);
    tier__pteam teams[] = {team(TIER__PR_NATIONAL, "head office", 0, 0, 1),
                           team(TIER__PR_REGIONAL, "KA team {region}", 0, 0, 2),
                           team(TIER__PR_LOCAL, "sales {city} ({region})", 0, 0, 3)};
    tier__proute spec = route_spec(teams, TST_COUNT(teams), "attr.city", "attr.scope");
    unsigned char routed[5] = {1, 1, 1, 1, 1};
    double revenue[5] = {60, 85, 33, 20, 91};
    tier__route_in in = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0};
    tier__route_out o;
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    (void)state;
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_OK);
    assert_string_equal(rows_text(book, &rs),
                        "g1:g1,g1a | g2a:g2,g2a | g3:g3,g3a,g3b | s:s | o:o,oa");
    in.spec = &spec;
    in.book = book;
    in.rows = &rs;
    in.routed = routed;
    in.revenue = revenue;
    assert_int_equal(tier__route_assign(&in, TST_ALLOC, &o, err), TIER_OK);
    /* g2's lead is g2a (45 > 40): the region and city of the name are g2a's. */
    assert_string_equal(route_text(book, &rs, &o),
                        "g1:head office | g2a:KA team North | g3:sales Lima (West) | "
                        "s:sales unknown (unknown) | o:sales Oslo (North)");
    /* Names in fill order: o (91), g2a (85), g1 (60), g3 (33), s (20). */
    assert_string_equal(names_text(&o), "sales Oslo (North); KA team North; head office; "
                                        "sales Lima (West); sales unknown (unknown)");
    assert_int_equal(o.n_report, 0);
    tier__route_free(TST_ALLOC, &o);
    assert_null(o.team);
    tier__route_free(TST_ALLOC, &o);

    /* Without the scope attribute o spans two regions: national. Rows not routed get nothing. */
    spec.scope = NULL;
    routed[0] = 0;
    assert_int_equal(tier__route_assign(&in, TST_ALLOC, &o, err), TIER_OK);
    assert_string_equal(route_text(book, &rs, &o),
                        "g1:- | g2a:KA team North | g3:sales Lima (West) | "
                        "s:sales unknown (unknown) | o:head office");
    tier__route_free(TST_ALLOC, &o);

    /* Without a city line nothing is regional: g2 is local. */
    spec.city = NULL;
    assert_int_equal(tier__route_assign(&in, TST_ALLOC, &o, err), TIER_OK);
    assert_string_equal(route_text(book, &rs, &o),
                        "g1:- | g2a:sales unknown (North) | g3:sales unknown (West) | "
                        "s:sales unknown (unknown) | o:head office");
    tier__route_free(TST_ALLOC, &o);

    /* Routing absent: nobody is routed. */
    spec.present = 0;
    assert_int_equal(tier__route_assign(&in, TST_ALLOC, &o, err), TIER_OK);
    assert_string_equal(route_text(book, &rs, &o), "g1:- | g2a:- | g3:- | s:- | o:-");
    assert_int_equal(o.n_names, 0);
    tier__route_free(TST_ALLOC, &o);
    tier__rowset_free(TST_ALLOC, &rs);
    tier_book_free(book);
}

static void test_route_own_rows_and_substitution(void **state)
{
    /* With children = own, the children's rows are their own: local. Numeric attributes are
     * written as numbers; braces that are not {region} or {city} stay. */
    static const acct x[] = {{"p", 10, 0, 0, "Oslo", 0}, {"q", 5, "p", 0, "Rome", 0}};
    tier_book *book = book_of(x, TST_COUNT(x));
    tier__phier h = hier("attr.parent_id", TIER__PH_OWN);
    tier__pteam teams[] = {team(TIER__PR_REGIONAL, "{region}/{city}/{x}{region", 0, 0, 1),
                           team(TIER__PR_LOCAL, "L {city}{city} {region}", 0, 0, 2)};
    tier__proute spec = route_spec(teams, TST_COUNT(teams), "attr.city", NULL);
    unsigned char routed[2] = {1, 1};
    double revenue[2] = {15, 5};
    tier__route_in in = {&spec, NULL, NULL, routed, revenue, NULL, NULL, NULL, 0, 0};
    tier__route_out o;
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    (void)state;
    assert_int_equal(tier_book_set_number(book, 0, "region", 4021), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 1, "region", 4021), TIER_OK);
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_OK);
    in.book = book;
    in.rows = &rs;
    assert_int_equal(tier__route_assign(&in, TST_ALLOC, &o, err), TIER_OK);
    assert_string_equal(route_text(book, &rs, &o), "p:4021/Oslo/{x}{region | q:L RomeRome 4021");
    tier__route_free(TST_ALLOC, &o);
    tier__rowset_free(TST_ALLOC, &rs);
    tier_book_free(book);
}

/* Six single accounts in Oslo; f is not routed. */
static const acct oslo[] = {
    {"c", 0, 0, "N", "Oslo", 0}, {"b", 0, 0, "N", "Oslo", 0}, {"a", 0, 0, "N", "Oslo", 0},
    {"d", 0, 0, "N", "Oslo", 0}, {"e", 0, 0, "N", "Oslo", 0}, {"f", 0, 0, "N", "Oslo", 0},
};

static int route_oslo_frozen(tier__pteam *teams, size_t n_teams, const double *revenue,
                             const tier__route_frozen *fz, tier__route_out *o, const char *want,
                             char *err)
{
    tier_book *book = book_of(oslo, TST_COUNT(oslo));
    tier__proute spec = route_spec(teams, n_teams, "attr.city", NULL);
    unsigned char routed[6] = {1, 1, 1, 1, 1, 0};
    tier__route_in in = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0};
    tier__rowset rs;
    int rc;
    assert_int_equal(tier__rowset_identity(TST_ALLOC, 6, &rs), TIER_OK);
    in.spec = &spec;
    in.book = book;
    in.rows = &rs;
    in.routed = routed;
    in.revenue = revenue;
    in.frozen = fz;
    rc = tier__route_assign(&in, TST_ALLOC, o, err);
    if (rc == TIER_OK)
        assert_string_equal(route_text(book, &rs, o), want);
    tier__rowset_free(TST_ALLOC, &rs);
    tier_book_free(book);
    return rc;
}

static int route_oslo(tier__pteam *teams, size_t n_teams, const double *revenue, tier__route_out *o,
                      const char *want, char *err)
{
    return route_oslo_frozen(teams, n_teams, revenue, NULL, o, want, err);
}

static void test_route_capacity_accounts(void **state)
{
    tier__pteam teams[] = {team(TIER__PR_LOCAL, "sales {city}", TIER__PRC_ACCOUNTS, 3, 4)};
    /* c and b tie at 30: b first by id; then a (10), d (5), e (missing: 0). */
    double revenue[6] = {30, 30, 10, 5, NAN, 1000};
    tier__route_out o;
    char err[TIER__ERR_SIZE];
    (void)state;
    assert_int_equal(route_oslo(teams, 1, revenue, &o,
                                "c:sales Oslo | b:sales Oslo | a:sales Oslo | d:! | e:! | f:-",
                                err),
                     TIER_OK);
    assert_int_equal(o.n_report, 1);
    assert_string_equal(o.report[0], "team \"sales Oslo\": capacity 3 accounts, 5 routed, 2 over");
    tier__route_free(TST_ALLOC, &o);

    /* Capacity 1: of the tie, b (by id) gets the place although c comes first in the book. */
    teams[0].capacity = 1;
    assert_int_equal(
        route_oslo(teams, 1, revenue, &o, "c:! | b:sales Oslo | a:! | d:! | e:! | f:-", err),
        TIER_OK);
    assert_string_equal(o.report[0], "team \"sales Oslo\": capacity 1 accounts, 5 routed, 4 over");
    tier__route_free(TST_ALLOC, &o);

    /* Capacity 0: everybody overflows; the name is still known. */
    teams[0].capacity = 0;
    assert_int_equal(route_oslo(teams, 1, revenue, &o, "c:! | b:! | a:! | d:! | e:! | f:-", err),
                     TIER_OK);
    assert_string_equal(names_text(&o), "sales Oslo");
    assert_string_equal(o.report[0], "team \"sales Oslo\": capacity 0 accounts, 5 routed, 5 over");
    tier__route_free(TST_ALLOC, &o);

    /* Enough room: no report. */
    teams[0].capacity = 5;
    assert_int_equal(route_oslo(teams, 1, revenue, &o,
                                "c:sales Oslo | b:sales Oslo | a:sales Oslo | d:sales Oslo | "
                                "e:sales Oslo | f:-",
                                err),
                     TIER_OK);
    assert_int_equal(o.n_report, 0);
    assert_null(o.report);
    tier__route_free(TST_ALLOC, &o);
}

static void test_route_capacity_revenue(void **state)
{
    tier__pteam teams[] = {team(TIER__PR_LOCAL, "KA {region}", TIER__PRC_REVENUE, 100, 4)};
    /* Fill order a (60), c (50), b (40), d (0.5), e (0.25): a fits (60), c does not (110), b does
     * (100), d does not (100.5), and neither does e. */
    double revenue[6] = {50, 40, 60, 0.5, 0.25, 1000};
    tier__route_out o;
    char err[TIER__ERR_SIZE];
    (void)state;
    assert_int_equal(
        route_oslo(teams, 1, revenue, &o, "c:! | b:KA N | a:KA N | d:! | e:! | f:-", err), TIER_OK);
    assert_int_equal(o.n_report, 1);
    assert_string_equal(
        o.report[0], "team \"KA N\": capacity 100 revenue, 150.75 routed, 50.75 over (3 accounts)");
    tier__route_free(TST_ALLOC, &o);

    /* a, b and c tie at 50 with room for two: a and b go in by id, c does not. */
    revenue[0] = 50;
    revenue[1] = 50;
    revenue[2] = 50;
    assert_int_equal(
        route_oslo(teams, 1, revenue, &o, "c:! | b:KA N | a:KA N | d:! | e:! | f:-", err), TIER_OK);
    assert_string_equal(
        o.report[0], "team \"KA N\": capacity 100 revenue, 150.75 routed, 50.75 over (3 accounts)");
    tier__route_free(TST_ALLOC, &o);
}

/* A revenue capacity compares the exact sum of the revenue placed, with the row's own, rounded
 * once: of 1, 2^-53 and 2^-53 under a capacity of 1 the first two fit (1 + 2^-53 rounds to 1,
 * ties to even) and the third does not (1 + 2^-52), where row-by-row doubles would place all
 * three. A row re-routed alone against the frozen run is compared the same way. */
static void test_route_capacity_revenue_is_exact(void **state)
{
    tier__pteam teams[] = {team(TIER__PR_LOCAL, "KA {region}", TIER__PRC_REVENUE, 1, 4)};
    /* c, b, a, d (no revenue: 0), e (2: never fits), f (not routed). */
    double tiny = ldexp(1, -53), revenue[6] = {tiny, tiny, 1, NAN, 2, 1000};
    tier__route_out o;
    tier__route_frozen *fz = NULL;
    char err[TIER__ERR_SIZE];
    (void)state;
    assert_int_equal(
        route_oslo(teams, 1, revenue, &o, "c:! | b:KA N | a:KA N | d:KA N | e:! | f:-", err),
        TIER_OK);
    assert_int_equal(tier__route_freeze(&o, revenue, 6, TST_ALLOC, &fz), TIER_OK);
    tier__route_free(TST_ALLOC, &o);
    /* Alone against the frozen run: the same places. */
    assert_int_equal(route_oslo_frozen(teams, 1, revenue, fz, &o,
                                       "c:! | b:KA N | a:KA N | d:KA N | e:! | f:-", err),
                     TIER_OK);
    tier__route_free(TST_ALLOC, &o);
    /* c loses its revenue (0 fits); b grows to 2^-52 (1 + 2^-52 does not fit without it). */
    revenue[0] = 0;
    revenue[1] = 2 * tiny;
    assert_int_equal(route_oslo_frozen(teams, 1, revenue, fz, &o,
                                       "c:KA N | b:! | a:KA N | d:KA N | e:! | f:-", err),
                     TIER_OK);
    tier__route_free(TST_ALLOC, &o);
    /* A team the frozen run did not have starts empty. */
    tier__free(TST_ALLOC, fz->names[0]);
    assert_non_null(fz->names[0] = tier__strdup(TST_ALLOC, "KA S"));
    assert_int_equal(route_oslo_frozen(teams, 1, revenue, fz, &o,
                                       "c:KA N | b:KA N | a:KA N | d:KA N | e:! | f:-", err),
                     TIER_OK);
    tier__route_free(TST_ALLOC, &o);
    tier__route_frozen_free(TST_ALLOC, fz);
}

static void test_route_capacity_per_name(void **state)
{
    /* Two cities share a template: each name has its own capacity of 1. */
    static const acct x[] = {{"a", 0, 0, "N", "Oslo", 0},
                             {"b", 0, 0, "N", "Rome", 0},
                             {"c", 0, 0, "N", "Oslo", 0},
                             {"d", 0, 0, "N", "Rome", 0}};
    tier_book *book = book_of(x, TST_COUNT(x));
    tier__pteam teams[] = {team(TIER__PR_LOCAL, "sales {city}", TIER__PRC_ACCOUNTS, 1, 4)};
    tier__proute spec = route_spec(teams, 1, "attr.city", NULL);
    unsigned char routed[4] = {1, 1, 1, 1};
    double revenue[4] = {1, 2, 3, 4};
    tier__route_in in = {&spec, NULL, NULL, routed, revenue, NULL, NULL, NULL, 0, 0};
    tier__route_out o;
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    (void)state;
    assert_int_equal(tier__rowset_identity(TST_ALLOC, 4, &rs), TIER_OK);
    in.book = book;
    in.rows = &rs;
    assert_int_equal(tier__route_assign(&in, TST_ALLOC, &o, err), TIER_OK);
    assert_string_equal(route_text(book, &rs, &o), "a:! | b:! | c:sales Oslo | d:sales Rome");
    assert_string_equal(names_text(&o), "sales Rome; sales Oslo");
    assert_int_equal(o.n_report, 2);
    assert_string_equal(o.report[0], "team \"sales Rome\": capacity 1 accounts, 2 routed, 1 over");
    assert_string_equal(o.report[1], "team \"sales Oslo\": capacity 1 accounts, 2 routed, 1 over");
    tier__route_free(TST_ALLOC, &o);
    tier__rowset_free(TST_ALLOC, &rs);
    tier_book_free(book);
}

/* One routing error: the teams, the scope reference, the status and the exact message. */
typedef struct route_error {
    tier__pteam teams[3];
    size_t n_teams;
    const char *region, *scope;
    int status;
    const char *message;
} route_error;

static const route_error bad_scope_value = {
    {{TIER__PR_LOCAL, (char *)"x", 0, 0, 1, 1},
     {TIER__PR_NATIONAL, (char *)"y", 0, 0, 2, 1},
     {TIER__PR_REGIONAL, (char *)"z", 0, 0, 3, 1}},
    3,
    "attr.region",
    "attr.scope",
    TIER_EINVAL,
    "customer g2: attr.scope is \"galactic\", expected national, regional, local or city"};
static const route_error no_regional_team = {
    {{TIER__PR_LOCAL, (char *)"x", 0, 0, 1, 1}, {TIER__PR_NATIONAL, (char *)"y", 0, 0, 2, 1}},
    2,
    "attr.region",
    NULL,
    TIER_EINVAL,
    "no team for scope regional (customer g2)"};
static const route_error no_national_team = {
    {{TIER__PR_LOCAL, (char *)"x", 0, 0, 1, 1}, {TIER__PR_REGIONAL, (char *)"y", 0, 0, 2, 1}},
    2,
    "attr.region",
    NULL,
    TIER_EINVAL,
    "no team for scope national (customer g1)"};
static const route_error two_capacities = {
    {{TIER__PR_NATIONAL, (char *)"KA", TIER__PRC_ACCOUNTS, 5, 3, 1},
     {TIER__PR_REGIONAL, (char *)"KA", TIER__PRC_ACCOUNTS, 6, 4, 1},
     {TIER__PR_LOCAL, (char *)"KA", TIER__PRC_ACCOUNTS, 5, 5, 1}},
    3,
    "attr.region",
    NULL,
    TIER_EINVAL,
    "team \"KA\" is given by two team lines with different capacities (lines 4 and 5)"};
static const route_error region_not_attribute = {{{TIER__PR_LOCAL, (char *)"x", 0, 0, 1, 1}},
                                                 1,
                                                 "rfm.region",
                                                 NULL,
                                                 TIER_EINVAL,
                                                 "the routing region must be an account "
                                                 "attribute (attr.NAME), got rfm.region"};

static void test_route_error(void **state)
{
    const route_error *c = *state;
    /* g1 spans two regions, g2 two cities of one; g2 says "galactic". */
    static const acct x[] = {{"g1", 9, 0, "N", "Oslo", 0},
                             {"g1a", 1, "g1", "S", "Rome", 0},
                             {"g2", 8, 0, "N", "Oslo", "galactic"},
                             {"g2a", 1, "g2", "N", "Bergen", 0},
                             {"h", 7, 0, "N", "Oslo", "local"}};
    tier_book *book = book_of(x, TST_COUNT(x));
    tier__phier h = hier("attr.parent_id", TIER__PH_INHERIT);
    tier__pteam teams[3];
    tier__proute spec;
    unsigned char routed[3] = {1, 1, 1};
    double revenue[3] = {1, 2, 3};
    tier__route_in in = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0};
    tier__route_out o;
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    memcpy(teams, c->teams, sizeof teams);
    spec = route_spec(teams, c->n_teams, "attr.city", c->scope);
    spec.region = (char *)c->region;
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_OK);
    assert_int_equal(rs.n, 3);
    in.spec = &spec;
    in.book = book;
    in.rows = &rs;
    in.routed = routed;
    in.revenue = revenue;
    memset(&o, 0x5a, sizeof o);
    assert_int_equal(tier__route_assign(&in, TST_ALLOC, &o, err), c->status);
    assert_string_equal(err, c->message);
    assert_null(o.team);
    assert_null(o.names);
    assert_int_equal(o.n_names, 0);
    /* The same books with the faulty row not routed goes through (the bad scope value and the
     * missing team concern g1 or g2 only). */
    if (c != &two_capacities && c != &region_not_attribute) {
        routed[0] = routed[1] = 0;
        assert_int_equal(tier__route_assign(&in, TST_ALLOC, &o, err), TIER_OK);
        tier__route_free(TST_ALLOC, &o);
    }
    tier__rowset_free(TST_ALLOC, &rs);
    tier_book_free(book);
}

static void test_route_many_rows(void **state)
{
    /* 100,000 accounts under one parent with children = own: one group row of them all
     * (national: two regions) and 99,999 own rows in 100 cities of capacity 10 each. */
    tier_book *book = numbered_book(BIG);
    tier__phier h = hier("attr.parent_id", TIER__PH_OWN);
    tier__pteam teams[] = {team(TIER__PR_NATIONAL, "head office", 0, 0, 1),
                           team(TIER__PR_LOCAL, "sales {city}", TIER__PRC_ACCOUNTS, 10, 2)};
    tier__proute spec = route_spec(teams, TST_COUNT(teams), "attr.city", NULL);
    unsigned char *routed = test_malloc(BIG);
    double *revenue = test_malloc(BIG * sizeof *revenue);
    tier__route_in in = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0};
    tier__route_out o;
    tier__rowset rs;
    char err[TIER__ERR_SIZE], city[32];
    size_t i, placed = 0, over = 0;
    (void)state;
    for (i = 0; i < BIG; i++) {
        if (i)
            set_parent(book, i, 0);
        snprintf(city, sizeof city, "c%lu", (unsigned long)(i % 100));
        assert_int_equal(tier_book_set_text(book, i, "city", city), TIER_OK);
        assert_int_equal(tier_book_set_text(book, i, "region", i == 7 ? "S" : "N"), TIER_OK);
        routed[i] = 1;
        revenue[i] = (double)(i % 1000);
    }
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_OK);
    in.spec = &spec;
    in.book = book;
    in.rows = &rs;
    in.routed = routed;
    in.revenue = revenue;
    assert_int_equal(tier__route_assign(&in, TST_ALLOC, &o, err), TIER_OK);
    assert_int_equal(o.n_names, 101);
    assert_string_equal(o.names[o.team[0]], "head office");
    for (i = 1; i < BIG; i++) {
        placed += o.team[i] >= 0;
        over += o.overflow[i];
    }
    assert_int_equal(placed, 1000);
    assert_int_equal(over, BIG - 1 - 1000);
    assert_int_equal(o.n_report, 100);
    /* The largest revenues (999 of each city c99 row) come first: c99 is the first name. */
    assert_string_equal(o.names[0], "sales c99");
    assert_string_equal(o.report[0],
                        "team \"sales c99\": capacity 10 accounts, 1000 routed, 990 over");
    tier__route_free(TST_ALLOC, &o);
    tier__rowset_free(TST_ALLOC, &rs);
    test_free(routed);
    test_free(revenue);
    tier_book_free(book);
}

/* ---- out of memory -------------------------------------------------------------------------- */

static tier_book *tree_book(const tier_allocator *a)
{
    (void)a;
    return book_of(tree, TST_COUNT(tree));
}

static int oom_hier(const tier_allocator *alloc, void *ud)
{
    const tier_book *book = ud;
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    int children, rc = TIER_OK;
    for (children = TIER__PH_INHERIT; children <= TIER__PH_OWN && rc == TIER_OK; children++) {
        tier__phier h = hier("attr.parent_id", children);
        rc = tier__hier_rows(&h, book, alloc, &rs, err);
        if (rc == TIER_OK) {
            assert_int_equal(rs.n, children == TIER__PH_OWN ? 8 : 4);
            tier__rowset_free(alloc, &rs);
        } else {
            assert_null(rs.lead);
            assert_string_equal(err, "out of memory building the rows of the hierarchy "
                                     "(8 accounts)");
        }
    }
    if (rc == TIER_OK) {
        rc = tier__rowset_identity(alloc, 8, &rs);
        if (rc == TIER_OK)
            tier__rowset_free(alloc, &rs);
        else
            assert_null(rs.lead);
    }
    return rc;
}

static tier_book *regions_book(const tier_allocator *a)
{
    (void)a;
    return book_of(regions, TST_COUNT(regions));
}

static int oom_route(const tier_allocator *alloc, void *ud)
{
    const tier_book *book = ud;
    tier__phier h = hier("attr.parent_id", TIER__PH_OWN);
    tier__pteam teams[] = {team(TIER__PR_NATIONAL, "head office", TIER__PRC_ACCOUNTS, 1, 1),
                           team(TIER__PR_REGIONAL, "KA team {region}", TIER__PRC_REVENUE, 1, 2),
                           team(TIER__PR_LOCAL, "sales {city}", TIER__PRC_ACCOUNTS, 1, 3)};
    tier__proute spec = route_spec(teams, TST_COUNT(teams), "attr.city", "attr.scope");
    unsigned char routed[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    double revenue[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    tier__route_in in = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0};
    tier__route_out o;
    tier__rowset rs;
    char err[TIER__ERR_SIZE];
    int rc;
    assert_int_equal(tier__hier_rows(&h, book, TST_ALLOC, &rs, err), TIER_OK);
    in.spec = &spec;
    in.book = book;
    in.rows = &rs;
    in.routed = routed;
    in.revenue = revenue;
    rc = tier__route_assign(&in, alloc, &o, err);
    if (rc == TIER_OK) {
        /* Over: KA team North (3 > 1 revenue), sales unknown and sales Lima (2 > 1 accounts). */
        assert_int_equal(o.n_report, 3);
        assert_int_equal(o.n_names, 8);
        tier__route_free(alloc, &o);
    } else {
        assert_null(o.team);
        assert_null(o.report);
        assert_int_equal(o.n_names, 0);
    }
    tier__rowset_free(TST_ALLOC, &rs);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_identity_rows), cmocka_unit_test(test_hierarchy_inherit),
         cmocka_unit_test(test_hierarchy_own),
         cmocka_unit_test(test_hierarchy_absent_is_one_row_per_customer),
         cmocka_unit_test(test_hierarchy_lead_ties_by_id),
         cmocka_unit_test(test_hierarchy_numeric_parent),
         TST_CASE("test_hierarchy_self_parent", test_hierarchy_error, &self_parent),
         TST_CASE("test_hierarchy_missing_parent", test_hierarchy_error, &missing_parent),
         TST_CASE("test_hierarchy_two_cycle", test_hierarchy_error, &two_cycle),
         TST_CASE("test_hierarchy_three_cycle", test_hierarchy_error, &three_cycle),
         TST_CASE("test_hierarchy_parent_not_an_attribute", test_hierarchy_error,
                  &not_an_attribute),
         cmocka_unit_test(test_hierarchy_long_chain_and_star),
         cmocka_unit_test(test_route_scopes_and_names),
         cmocka_unit_test(test_route_own_rows_and_substitution),
         cmocka_unit_test(test_route_capacity_accounts),
         cmocka_unit_test(test_route_capacity_revenue),
         cmocka_unit_test(test_route_capacity_revenue_is_exact),
         cmocka_unit_test(test_route_capacity_per_name),
         TST_CASE("test_route_bad_scope_value", test_route_error, &bad_scope_value),
         TST_CASE("test_route_no_regional_team", test_route_error, &no_regional_team),
         TST_CASE("test_route_no_national_team", test_route_error, &no_national_team),
         TST_CASE("test_route_two_capacities_for_one_name", test_route_error, &two_capacities),
         TST_CASE("test_route_region_not_an_attribute", test_route_error, &region_not_attribute),
         cmocka_unit_test(test_route_many_rows),
         TST_OOM_WALK(test_hierarchy_survives_every_failed_allocation, oom_hier, tree_book, 10),
         TST_OOM_WALK(test_route_survives_every_failed_allocation, oom_route, regions_book, 10))
