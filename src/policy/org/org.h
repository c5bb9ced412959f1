/* SPDX-License-Identifier: MIT */
/* Account hierarchies (rows by group) and key-account routing (docs/policy-format.md). */
#ifndef TIER_POLICY_ORG_H
#define TIER_POLICY_ORG_H

#include "models/order.h"
#include "policy/lang/ast.h"
#include "policy/org/rows.h"

/* Builds the rows of a policy with `hierarchy`: groups by top parent (the attribute h->parent,
 * "attr.NAME": text, or a number read in its shortest form; unset or empty: no parent; an
 * attribute the book lacks: nobody has a parent); the lead of a group row is its member with the
 * largest net revenue over all history (ties by id, bytewise ascending). Members of a row are in
 * book order.
 *  - TIER__PH_INHERIT: one row per group in the book order of the top parents; row_of[c] = the
 *    group's row; member[c] = 1 for every member but the top parent (so in a group row the top
 *    parent is the one member with member[] == 0).
 *  - TIER__PH_OWN: one row per customer, row r at customer r's index: for a top parent its
 *    group's row, for any other member a row of its own (lead and only member: itself);
 *    row_of[c] = c, member[c] = 0.
 * Without h->present: tier__rowset_identity. O(n) time, no recursion.
 * Errors (TIER_EINVAL, err names the accounts; the first in book order): "account b: its parent zz
 * (attr.parent_id) is not an account of the book", "account c is its own parent
 * (attr.parent_id)", "cycle: f -> c -> e -> f (attr.parent_id)" (from the cycle's first account
 * in the book; cut in the middle when too long), an h->parent that is not "attr.NAME".
 * TIER_ENOMEM. On failure *out is empty. err: no "LINE:COL: " prefix (the caller adds one). */
int tier__hier_rows(const tier__phier *h, const tier_book *book, const tier_allocator *a,
                    tier__rowset *out, char *err);

/* A batch run's routing frozen for incremental re-tiering (docs/retier.md, "Routing"): what each
 * team held and what each row of the run contributed. */
typedef struct tier__route_frozen {
    char **names; /* the run's team names */
    size_t n_names;
    size_t *in;         /* [n_names] rows the run placed in each team */
    tier__xsum *rev_in; /* [2 n_names] their revenue (NaN counted as 0) as exact sums: team k's
                         * positive values in rev_in[2k], its negated negative ones in [2k + 1] */
    size_t n_rows;      /* rows of the run */
    int32_t *row_team;  /* [n_rows] the run's team of each row (index into names), -1 none */
    double *row_rev;    /* [n_rows] each row's revenue in the run (NaN counted as 0) */
} tier__route_frozen;

/* One range of placed rows of a revenue team: from row 0 through row 1 in the placing order (both
 * placed), each named by its order key and lead id. */
typedef struct tier__route_range {
    uint64_t key[2];
    char *id[2]; /* owned by whoever made the range */
    size_t id_len[2];
} tier__route_range;

/* A distributed run's figure for one team name with a capacity (docs/distributed.md,
 * "Routing"). An `accounts` team: the population's last row that still fits, named by its order
 * key (revenue descending, tier__order_key(v, 1)) and its lead id. A `revenue` team (kind 4): the
 * ranges of rows the greedy fill places, in the placing order. */
typedef struct tier__route_bound {
    char *team; /* the team name (owned by whoever made the bound) */
    int kind;   /* 1 every routed row fits, 2 up to the row named, 3 none, 4 the rows in ranges */
    uint64_t key;
    char *id; /* the lead id of the last row that fits (kind 2) */
    size_t id_len;
    tier__route_range *ranges; /* kind 4: [n_ranges], in the placing order, not overlapping */
    size_t n_ranges;
} tier__route_bound;

/* What routing needs, computed by the caller per row. */
typedef struct tier__route_in {
    const tier__proute *spec;
    const tier_book *book;    /* region/city/scope attributes are read from the members */
    const tier__rowset *rows; /* members of each row (scope: distinct regions/cities of members) */
    const unsigned char *routed; /* [rows->n] 1 when the `accounts` test holds */
    const double *revenue;       /* [rows->n] what capacity counts (NaN: 0) */
    /* NULL: capacities are filled in revenue order over these rows (the batch run). Else each
     * row is placed against the frozen run alone (tier__route_assign). */
    const tier__route_frozen *frozen;
    const size_t *row_ids; /* with `frozen`: each row's row in the frozen run (NULL: the same) */
    /* Without `frozen`: a team named by one of these bounds takes a row when the row does not
     * come after the bound's row in the placing order; other teams fill their capacity over
     * these rows. */
    const tier__route_bound *bounds;
    size_t n_bounds;
    int want; /* 1: fill out->want and out->line_of (the inputs a distributed run gathers) */
} tier__route_in;

typedef struct tier__route_out {
    int32_t *team;           /* [rows->n] index into names, -1 = not routed */
    unsigned char *overflow; /* [rows->n] 1 when routed but its team was full */
    char **names;            /* team names after {region}/{city} substitution, distinct */
    size_t n_names;
    char **report; /* one line per team over capacity:
                    * "team \"KA team North\": capacity 40 accounts, 52 routed, 12 over" */
    size_t n_report;
    int32_t *want;               /* with in->want: [rows->n] the team (index into names) of each
                                  * routed row, fitting or not; -1 not routed */
    const tier__pteam **line_of; /* with in->want: [n_names] the team line of each name */
} tier__route_out;

/* Assigns teams (docs/policy-format.md, "Routing"). spec->present == 0: nobody is routed. Scope
 * of a routed row: the lead's spec->scope attribute when set, else national / regional / local
 * from the distinct non-empty regions and cities of its members; team: the first line of that
 * scope; {region}/{city}: the lead's values ("unknown" when unset). Rows are placed in the order
 * revenue descending, lead id ascending, row ascending; a row that does not fit its team's
 * capacity gets team -1 and overflow 1. names: in the order they first came up in that order
 * (a team whose every row overflowed is named too). report: in names order; revenue teams:
 * "team \"KA North\": capacity 100 revenue, 150.75 routed, 50.75 over (3 accounts)".
 * TIER_OK, TIER_EINVAL (err: "customer g2: attr.scope is \"galactic\", expected national, regional
 * or local", "no team for scope regional (customer g2)", "team \"KA\" is given by two team lines
 * with different capacities (lines 4 and 5)", a region/city/scope that is not "attr.NAME"),
 * TIER_ERANGE (more than INT32_MAX - 1 names), TIER_ENOMEM. On failure *out is empty. */
int tier__route_assign(const tier__route_in *in, const tier_allocator *a, tier__route_out *out,
                       char *err);
void tier__route_free(const tier_allocator *a, tier__route_out *out);

/* With in->frozen, tier__route_assign places each routed row on its own against the frozen run,
 * in row order, whatever the other rows do now (so one row alone and the whole book agree row by
 * row): scope, team line and name as above; the row fits its team when
 *  - the team has no capacity, or
 *  - the run placed this row in this team and its revenue did not grow (it keeps its place), or
 *  - the team's frozen use without this row, plus this row, is within the capacity: for
 *    `accounts`, (the run's rows in the team, this row not counted) + 1 <= N; for `revenue`,
 *    (the run's revenue in the team, this row's own not counted) + its revenue now <= N.
 * A team name the run did not have has no frozen use. report: the teams with rows over their
 * capacity in this placement. Nobody is moved to make room: the next batch run enforces the
 * capacities exactly. */

/* Freezes a batch run's routing (`out` of tier__route_assign without frozen, the rows'
 * revenue) into *fz (owned; free with tier__route_frozen_free). TIER_OK or TIER_ENOMEM. */
int tier__route_freeze(const tier__route_out *out, const double *revenue, size_t n_rows,
                       const tier_allocator *a, tier__route_frozen **fz);
void tier__route_frozen_free(const tier_allocator *a, tier__route_frozen *fz);

/* ---- org_attr.c: account attributes as text, for hierarchy.c and route.c ---- */
typedef struct tier__org_attr {
    const tier_book *book;
    const char *ref;  /* the reference as written ("attr.parent_id") */
    const char *name; /* the attribute's name (after "attr.") */
    int type;         /* 0 (the book has no such attribute: every value is unset) or TIER_ATTR_* */
    char num[32];     /* a numeric value written as text */
} tier__org_attr;

/* Prepares reading the attribute `ref` ("attr.NAME") of `book`. TIER_OK, or TIER_EINVAL when ref
 * is not an attribute reference (err: "WHAT must be an account attribute (attr.NAME), got REF"). */
int tier__org_attr_init(tier__org_attr *at, const tier_book *book, const char *ref,
                        const char *what, char *err);
/* The value of customer i as text: a text attribute as stored, a numeric one in its shortest
 * round-trip form ("12345"); NULL when unset, empty or NaN. Borrowed: valid until the next call
 * (numbers) or until the book changes (texts). *len (may be NULL) gets its length. */
const char *tier__org_attr_text(tier__org_attr *at, size_t i, size_t *len);

#endif
