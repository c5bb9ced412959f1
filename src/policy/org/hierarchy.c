/* SPDX-License-Identifier: MIT */
/* Account hierarchies (policy/org.h, docs/policy-format.md "Account hierarchies"): the parent
 * links of a text attribute are followed to each account's top parent, without recursion, in
 * O(n) time over the whole book; the accounts of a top parent form one group row, led by the
 * member with the largest net revenue. */
#include <string.h>

#include "core/book_internal.h"
#include "policy/org/org.h"

/* Marks in the parent and top arrays. */
#define NONE ((size_t)-1)     /* no parent; a top not yet known */
#define BUSY ((size_t)-1 - 1) /* on the path being followed */

/* Appends s[0..n) to dst (cap bytes, NUL-terminated) at *o when it fits; 1 when it did. */
static int put(char *dst, size_t cap, size_t *o, const char *s, size_t n)
{
    if (*o + n + 1 > cap)
        return 0;
    memcpy(dst + *o, s, n);
    *o += n;
    dst[*o] = '\0';
    return 1;
}

/* "cycle: a -> b -> c -> a": the cycle through `at`, written from its account of the lowest book
 * index along the parent links; a cycle too long for the message is cut in the middle
 * ("cycle: a -> b -> ... -> a (cycle of 5000 accounts)"). */
static void report_cycle(const tier_book *book, const size_t *parent, size_t at, const char *ref,
                         char *err)
{
    char msg[TIER__ERR_SIZE], tail[TIER__ERR_SIZE];
    /* What the cycle may take of the message, leaving room for " (REF)" (a name of at most
     * TIER__POL_MAX_NAME bytes and a little more in a parsed policy). */
    size_t ref_len = strlen(ref),
           cap = ref_len + 4 < sizeof msg / 2 ? sizeof msg - ref_len - 3 : sizeof msg / 2;
    size_t first = at, len = 1, c, k, o = 0, id_len, first_len;
    const char *id, *first_id;
    for (c = parent[at]; c != at; c = parent[c]) {
        if (c < first)
            first = c;
        len++;
    }
    first_id = tier_book_customer_id(book, first, &first_len);
    tier__errorf(tail, " -> ... -> %.*s (cycle of %lu accounts)", (int)first_len, first_id,
                 (unsigned long)len);
    msg[0] = '\0';
    put(msg, cap, &o, "cycle: ", 7);
    put(msg, cap, &o, first_id, first_len);
    for (c = parent[first], k = 1; k <= len; c = parent[c], k++) {
        id = tier_book_customer_id(book, c, &id_len);
        /* Room for this id, and for the tail should the next one not fit. */
        if (o + 4 + id_len + (k < len ? strlen(tail) : 0) + 1 > cap) {
            put(msg, cap, &o, tail, strlen(tail));
            break;
        }
        put(msg, cap, &o, " -> ", 4);
        put(msg, cap, &o, id, id_len);
    }
    tier__errorf(err, "%s (%s)", msg, ref);
}

/* Reads every account's parent into parent[] (NONE for none). TIER_OK or TIER_EINVAL. */
static int read_parents(const tier__phier *h, const tier_book *book, size_t n, size_t *parent,
                        char *err)
{
    tier__org_attr at;
    size_t i, len, p, id_len;
    const char *s, *id;
    int rc = tier__org_attr_init(&at, book, h->parent, "the hierarchy's parent", err);
    if (rc)
        return rc;
    for (i = 0; i < n; i++) {
        parent[i] = NONE;
        if (!(s = tier__org_attr_text(&at, i, &len)))
            continue;
        id = tier_book_customer_id(book, i, &id_len);
        if (tier_book_find(book, s, len, &p) != TIER_OK) {
            tier__errorf(err, "account %.*s: its parent %.*s (%s) is not an account of the book",
                         (int)id_len, id, (int)len, s, h->parent);
            return TIER_EINVAL;
        }
        if (p == i) {
            tier__errorf(err, "account %.*s is its own parent (%s)", (int)id_len, id, h->parent);
            return TIER_EINVAL;
        }
        parent[i] = p;
    }
    return TIER_OK;
}

/* top[i] = the top parent of every account; `path` is scratch for n entries. Each account is put
 * on a path once, so the walk is O(n). TIER_OK or TIER_EINVAL (a cycle). */
static int find_tops(const tier_book *book, size_t n, const size_t *parent, size_t *top,
                     size_t *path, const char *ref, char *err)
{
    size_t i, c, t, depth;
    for (i = 0; i < n; i++)
        top[i] = NONE;
    for (i = 0; i < n; i++) {
        if (top[i] != NONE)
            continue;
        depth = 0;
        c = i;
        for (;;) {
            if (top[c] == BUSY) {
                report_cycle(book, parent, c, ref, err);
                return TIER_EINVAL;
            }
            if (top[c] != NONE) {
                t = top[c];
                break;
            }
            top[c] = BUSY;
            path[depth++] = c;
            if (parent[c] == NONE) {
                t = c;
                break;
            }
            c = parent[c];
        }
        while (depth)
            top[path[--depth]] = t;
    }
    return TIER_OK;
}

/* 1 when customer x leads before y: larger net revenue, then smaller id. */
static int leads_before(const tier_book *book, const tier__figures *fig, size_t x, size_t y)
{
    if (fig[x].net != fig[y].net)
        return fig[x].net > fig[y].net;
    return tier__book_compare_ids(book, x, y) < 0;
}

int tier__hier_rows(const tier__phier *h, const tier_book *book, const tier_allocator *a,
                    tier__rowset *out, char *err)
{
    char local[TIER__ERR_SIZE];
    size_t n, i, r, rows, tops = 0, total, *parent = NULL, *top = NULL, *aux = NULL;
    const tier__figures *fig;
    tier__rowset rs;
    int own, rc = TIER_ENOMEM;
    if (!err)
        err = local;
    err[0] = '\0';
    memset(out, 0, sizeof *out);
    if (!h || !book || !a) {
        tier__errorf(err, "no hierarchy, book or allocator");
        return TIER_EINVAL;
    }
    n = tier_book_customer_count(book);
    if (!h->present)
        return tier__rowset_identity(a, n, out);
    memset(&rs, 0, sizeof rs);
    own = h->children == TIER__PH_OWN;
    parent = tier__calloc(a, n, sizeof *parent);
    top = tier__calloc(a, n, sizeof *top);
    aux = tier__calloc(a, n, sizeof *aux);
    if (!parent || !top || !aux)
        goto fail;
    if ((rc = read_parents(h, book, n, parent, err)) != TIER_OK ||
        (rc = find_tops(book, n, parent, top, aux, h->parent, err)) != TIER_OK)
        goto fail;
    rc = TIER_ENOMEM;

    /* Rows: with inherit one per group, in the book order of the top parents (aux[t] = the row of
     * top parent t); with own one per account: the group's row at its top parent's index, and each
     * other member's row at its own index. */
    for (i = 0; i < n; i++)
        if (top[i] == i)
            aux[i] = own ? i : tops++;
    rows = own ? n : tops;
    total = own ? n + (n - tops) : n; /* members of all rows */
    rs.lead = tier__calloc(a, rows, sizeof *rs.lead);
    rs.member_start = tier__calloc(a, rows + 1, sizeof *rs.member_start);
    rs.members = tier__calloc(a, total, sizeof *rs.members);
    rs.row_of = tier__calloc(a, n, sizeof *rs.row_of);
    rs.member = tier__calloc(a, n, sizeof *rs.member);
    if (!rs.lead || !rs.member_start || !rs.members || !rs.row_of || !rs.member)
        goto fail;
    rs.n = rows;
    rs.customers = n;

    /* Sizes, then starts (member_start[r + 1] counts row r until the prefix sum). */
    for (i = 0; i < n; i++) {
        rs.member_start[aux[top[i]] + 1]++;
        if (own && top[i] != i)
            rs.member_start[i + 1]++;
    }
    for (r = 0; r < rows; r++)
        rs.member_start[r + 1] += rs.member_start[r];
    /* Members in book order, through cursors kept in parent[] (no longer needed). */
    for (r = 0; r < rows; r++)
        parent[r] = rs.member_start[r];
    for (r = 0; r < rows; r++)
        rs.lead[r] = NONE;
    fig = tier__book_running(book);
    for (i = 0; i < n; i++) {
        size_t g = aux[top[i]];
        rs.members[parent[g]++] = i;
        if (rs.lead[g] == NONE || leads_before(book, fig, i, rs.lead[g]))
            rs.lead[g] = i;
        if (own) {
            rs.row_of[i] = i;
            if (top[i] != i) {
                rs.members[parent[i]++] = i;
                rs.lead[i] = i;
            }
        } else {
            rs.row_of[i] = g;
            rs.member[i] = top[i] != i;
        }
    }
    tier__free(a, parent);
    tier__free(a, top);
    tier__free(a, aux);
    *out = rs;
    return TIER_OK;
fail:
    if (rc == TIER_ENOMEM)
        tier__errorf(err, "out of memory building the rows of the hierarchy (%lu accounts)",
                     (unsigned long)n);
    tier__free(a, parent);
    tier__free(a, top);
    tier__free(a, aux);
    tier__rowset_free(a, &rs);
    return rc;
}
