/* SPDX-License-Identifier: MIT */
/* Account hierarchies (rows by group) and key-account routing (docs/policy-format.md). */
#ifndef TIER_POLICY_ORG_H
#define TIER_POLICY_ORG_H

#include "policy/ast.h"
#include "policy/rows.h"

/* Builds the rows of a policy with `hierarchy`: groups by top parent (the text attribute h->parent,
 * "attr.NAME"); the lead of a group row is its member with the largest net revenue over all
 * history (ties by id, bytewise ascending). With TIER__PH_OWN, the group row is given to the top
 * parent only and every other member also gets a row of its own (its own lead and member).
 * Errors (TIER_EINVAL, err names the accounts): a parent id that is not a customer of the book,
 * a customer that is its own parent, a cycle ("cycle: a -> b -> a"). TIER_ENOMEM. */
int tier__hier_rows(const tier__phier *h, const tier_book *book, const tier_allocator *a,
                    tier__rowset *out, char *err);

/* What routing needs, computed by the caller per row. */
typedef struct tier__route_in {
    const tier__proute *spec;
    const tier_book *book;    /* region/city/scope attributes are read from the members */
    const tier__rowset *rows; /* members of each row (scope: distinct regions/cities of members) */
    const unsigned char *routed; /* [rows->n] 1 when the `accounts` test holds */
    const double *revenue;       /* [rows->n] what capacity counts (NaN: 0) */
} tier__route_in;

typedef struct tier__route_out {
    int32_t *team;           /* [rows->n] index into names, -1 = not routed */
    unsigned char *overflow; /* [rows->n] 1 when routed but its team was full */
    char **names;            /* team names after {region}/{city} substitution, distinct */
    size_t n_names;
    char **report; /* one line per team over capacity:
                    * "team \"KA team North\": capacity 40 accounts, 52 routed, 12 over" */
    size_t n_report;
} tier__route_out;

/* Assigns teams (docs/policy-format.md, "Routing"). TIER_OK, TIER_EINVAL (a scope attribute with
 * a value other than national/regional/local, or no team for a needed scope: err names the
 * customer), TIER_ENOMEM. On failure *out is empty. */
int tier__route_assign(const tier__route_in *in, const tier_allocator *a, tier__route_out *out,
                       char *err);
void tier__route_free(const tier_allocator *a, tier__route_out *out);

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
