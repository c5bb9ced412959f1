/* SPDX-License-Identifier: MIT */
/* Policy lint (docs/policy-lint.md): the segment maps of tests/data/policy/maps give exactly the
 * report of their .expect file, and their overlapping and uncovered cells are recounted here by
 * an enumeration of our own; one small policy per check with its exact report (the files of
 * tests/data/policy/lint); policies built by calls or changed trees (what the parser refuses);
 * and lint under every allocation failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "policy/policy_internal.h"

#define MAPS_DIR TIER_SOURCE_DIR "/tests/data/policy/maps/"
#define LINT_DIR TIER_SOURCE_DIR "/tests/data/policy/lint/"

/* Lints `p` and returns the report (test_malloc'ed), checking that the counts returned are those
 * of the report's lines. */
static char *lint_policy(const tier_policy *p, const tier_registry *reg, size_t *errors,
                         size_t *warnings)
{
    tier_text *t;
    char *out;
    const char *s;
    size_t ne = 99, nw = 99, le = 0, lw = 0;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_lint(p, reg, t, &ne, &nw), TIER_OK);
    out = tst_text_copy(t);
    tier_text_free(t);
    for (s = out; (s = strstr(s, ": error: ")) != NULL; s++)
        le++;
    for (s = out; (s = strstr(s, ": warning: ")) != NULL; s++)
        lw++;
    assert_int_equal(ne, le);
    assert_int_equal(nw, lw);
    if (errors)
        *errors = ne;
    if (warnings)
        *warnings = nw;
    return out;
}

static tier_policy *load(const char *text, const char *origin)
{
    tier_policy *p;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    if (tier_policy_load_string(p, text, strlen(text), origin) != TIER_OK)
        fail_msg("%s", tier_policy_last_error(p));
    return p;
}

static char *lint_text(const char *text, const char *origin, size_t *errors, size_t *warnings)
{
    tier_policy *p = load(text, origin);
    char *out = lint_policy(p, NULL, errors, warnings);
    tier_policy_free(p);
    return out;
}

static void expect_text(const char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        fail_msg("lint report:\n%s\nwanted:\n%s", got, want);
}

/* ---- segment maps: the exact report, and the cells recounted ------------------------------- */

/* One rule of a map over the scores: r in [rlo, rhi] and f in [flo, fhi] (for R x FM maps: the
 * sum f + m in [flo, fhi]); rlo > rhi matches nothing. One rule per tier unless `tier` repeats. */
typedef struct box {
    int tier, rlo, rhi, flo, fhi;
} box;

typedef struct map_count {
    const char *first, *other;
    size_t cells;
} map_count;

/* What our own enumeration finds in a map (3 dimensions when fm, else r x f). */
typedef struct recount {
    size_t pair[16][16]; /* cells of tier j that tier i (earlier) takes */
    size_t uncovered, reached[16];
} recount;

static void enumerate_map(const box *boxes, size_t n, int fm, recount *rc)
{
    int r, f, m;
    memset(rc, 0, sizeof *rc);
    for (r = 1; r <= 5; r++)
        for (f = 1; f <= 5; f++)
            for (m = 1; m <= (fm ? 5 : 1); m++) {
                int first = -1, seen[16] = {0};
                size_t i;
                for (i = 0; i < n; i++) {
                    const box *b = &boxes[i];
                    int y = fm ? f + m : f;
                    if (r < b->rlo || r > b->rhi || y < b->flo || y > b->fhi)
                        continue;
                    if (first < 0) {
                        first = b->tier;
                        rc->reached[first] = 1;
                    } else if (b->tier != first && !seen[b->tier]) {
                        seen[b->tier] = 1;
                        rc->pair[first][b->tier]++;
                    }
                }
                rc->uncovered += first < 0;
            }
}

/* Checks the report's [overlap], [uncovered] and [unreachable-tier] lines against `rc`: every
 * pair counted (whose later tier can be reached) is reported with its count, and nothing else. */
static void expect_recount(const char *report, const recount *rc, const char *const *tiers,
                           size_t n_tiers, size_t cells)
{
    size_t i, j, pairs = 0, lines = 0, unreached = 0;
    const char *s;
    char want[256];
    for (j = 0; j < n_tiers; j++) {
        int dead = !rc->reached[j];
        snprintf(want, sizeof want, "warning: tier %s can never be assigned", tiers[j]);
        assert_int_equal(strstr(report, want) != NULL, dead);
        unreached += (size_t)dead;
        for (i = 0; i < n_tiers && !dead; i++) {
            if (!rc->pair[i][j])
                continue;
            snprintf(want, sizeof want, "tier %s overlaps the earlier tier %s in %zu cell%s,",
                     tiers[j], tiers[i], rc->pair[i][j], rc->pair[i][j] == 1 ? "" : "s");
            if (!strstr(report, want))
                fail_msg("missing \"%s\" in\n%s", want, report);
            pairs++;
        }
    }
    for (s = report; (s = strstr(s, "[overlap]")) != NULL; s++)
        lines++;
    assert_int_equal(lines, pairs);
    for (lines = 0, s = report; (s = strstr(s, "[unreachable-tier]")) != NULL; s++)
        lines++;
    assert_int_equal(lines, unreached);
    if (rc->uncovered) {
        snprintf(want, sizeof want, "%zu of %zu cells match no rule", rc->uncovered, cells);
        assert_non_null(strstr(report, want));
    } else {
        assert_null(strstr(report, "[uncovered]"));
    }
}

/* Lints DIR/NAME.policy (origin "NAME.policy") and compares with DIR/NAME.expect. */
static char *lint_file(const char *dir, const char *name)
{
    char path[4096], origin[256];
    char *text, *want, *got;
    size_t len;
    snprintf(path, sizeof path, "%s%s.policy", dir, name);
    text = tst_read_file(path, &len);
    snprintf(path, sizeof path, "%s%s.expect", dir, name);
    want = tst_read_file(path, &len);
    snprintf(origin, sizeof origin, "%s.policy", name);
    got = lint_text(text, origin, NULL, NULL);
    expect_text(got, want);
    test_free(text);
    test_free(want);
    return got;
}

/* The 11-segment map of the blogs, over R and FM = (F + M) / 2, i.e. F + M in twice the range. */
static void test_lint_rfm11_blog_map(void **state)
{
    static const char *const tiers[] = {"champions",      "loyal",     "potential_loyalist",
                                        "new_customers",  "promising", "need_attention",
                                        "about_to_sleep", "at_risk",   "cant_lose",
                                        "hibernating",    "lost"};
    static const box boxes[] = {{0, 4, 5, 8, 10}, {1, 2, 5, 6, 10}, {2, 3, 5, 2, 6},
                                {3, 4, 5, 0, 2},  {4, 3, 4, 0, 2},  {5, 2, 3, 4, 6},
                                {6, 2, 3, 0, 4},  {7, 1, 2, 4, 10}, {8, 1, 1, 8, 10},
                                {9, 1, 2, 2, 4},  {10, 1, 2, 0, 4}};
    recount rc;
    char *got = lint_file(MAPS_DIR, "rfm11");
    (void)state;
    enumerate_map(boxes, TST_COUNT(boxes), 1, &rc);
    /* What the recount says about the map, as documented in the .expect file. */
    assert_int_equal(rc.uncovered, 0);
    assert_int_equal(rc.pair[0][1], 12);
    assert_false(rc.reached[3] || rc.reached[4] || rc.reached[8] || rc.reached[10]);
    expect_recount(got, &rc, tiers, TST_COUNT(tiers), 125);
    test_free(got);
}

static void test_lint_rf10_map_is_clean(void **state)
{
    static const char *const tiers[] = {
        "champions",      "loyal_customers", "potential_loyalists", "new_customers", "promising",
        "need_attention", "about_to_sleep",  "cant_lose_them",      "at_risk",       "hibernating"};
    static const box boxes[] = {{0, 5, 5, 4, 5}, {1, 3, 4, 4, 5}, {2, 4, 5, 2, 3}, {3, 5, 5, 1, 1},
                                {4, 4, 4, 1, 1}, {5, 3, 3, 3, 3}, {6, 3, 3, 1, 2}, {7, 1, 2, 5, 5},
                                {8, 1, 2, 3, 4}, {9, 1, 2, 1, 2}};
    recount rc;
    char *got = lint_file(MAPS_DIR, "rf10");
    (void)state;
    enumerate_map(boxes, TST_COUNT(boxes), 0, &rc);
    expect_recount(got, &rc, tiers, TST_COUNT(tiers), 25);
    expect_text(got, "");
    test_free(got);
}

static void test_lint_defective_map(void **state)
{
    static const char *const tiers[] = {"best", "good", "lapsing", "ghost", "lost"};
    /* good's third rule (a label no cell has) and ghost's rule (r = 6) match nothing. */
    static const box boxes[] = {{0, 4, 5, 4, 5}, {1, 4, 5, 1, 5}, {1, 5, 5, 5, 5}, {1, 9, 0, 0, 0},
                                {2, 1, 2, 3, 5}, {3, 6, 6, 1, 5}, {4, 1, 1, 1, 2}};
    recount rc;
    char *got = lint_file(MAPS_DIR, "defective");
    (void)state;
    enumerate_map(boxes, TST_COUNT(boxes), 0, &rc);
    assert_int_equal(rc.uncovered, 7);
    assert_int_equal(rc.pair[0][1], 4);
    expect_recount(got, &rc, tiers, TST_COUNT(tiers), 25);
    assert_non_null(strstr(got, "rule \"top corner\" of tier good is shadowed"));
    assert_non_null(strstr(got, "rule \"champion label\" of tier good never holds"));
    test_free(got);
}

/* With 10 bins every one of the 1000 cells is checked: the policy leaves out the cells where
 * r + f + m is 24, counted here. */
static void test_lint_counts_all_1000_cells_of_ten_bins(void **state)
{
    static const char text[] = "libtier-policy 1\n"
                               "model rfm = rfm (bins = 10)\n"
                               "let sum = rfm.r_score + rfm.f_score + rfm.m_score\n"
                               "tier top {\n"
                               "    rule \"top\" when sum >= 25\n"
                               "}\n"
                               "tier rest {\n"
                               "    rule \"rest\" when sum < 24\n"
                               "}\n";
    char want[128], *got;
    size_t n = 0;
    int r, f, m;
    (void)state;
    for (r = 1; r <= 10; r++)
        for (f = 1; f <= 10; f++)
            for (m = 1; m <= 10; m++)
                n += r + f + m == 24;
    got = lint_text(text, "p.policy", NULL, NULL);
    snprintf(want, sizeof want, "%zu of 1000 cells match no rule", n);
    assert_non_null(strstr(got, want));
    assert_non_null(strstr(got, "r=4 f=10 m=10, r=5 f=9 m=10, r=5 f=10 m=9, r=6 f=8 m=10, ..."));
    test_free(got);
}

/* More cells than lint enumerates (11^3 x 3 x 6 x 6 x 4 x 27 with missing values): a note, and
 * constants are still checked. */
static void test_lint_too_many_cells(void **state)
{
    static const char text[] =
        "libtier-policy 1\n"
        "model rfm = rfm (bins = 10)\n"
        "model p = pareto\n"
        "model card = scorecard (preset = \"b2b\")\n"
        "model lc = lifecycle\n"
        "window a = revenue over all\n"
        "window b = margin over all\n"
        "window c = purchases over all\n"
        "tier S {\n"
        "    rule \"all\" when rfm.r_score + rfm.f_score + rfm.m_score > 3 and p.class == \"A\" "
        "and card.grade == \"A\" and lc.stage == \"new\" and lc.onboarding == \"none\" and "
        "abc(a) == \"A\" and abc(b) == \"A\" and abc(c) == \"A\"\n"
        "    rule \"off\" when false\n"
        "}\n";
    char *got;
    (void)state;
    got = lint_text(text, "p.policy", NULL, NULL);
    expect_text(got, "p.policy:0:0: note: too many cells to enumerate (10 values read): only "
                     "rules that read no score or label are checked [cells]\n"
                     "p.policy:11:5: warning: rule \"off\" of tier S never holds: its condition "
                     "is always false [never-matches]\n");
    test_free(got);
}

/* ---- one policy per check ---------------------------------------------------------------- */

/* tests/data/policy/lint/NAME.policy gives exactly the report of NAME.expect. */
static void run_case(void **state)
{
    char *got = lint_file(LINT_DIR, *state);
    test_free(got);
}

#define LINT_CASE(name) TST_CASE(#name, run_case, #name)
#define LINT_CASES                                                                                 \
    LINT_CASE(clean_b2b_example), LINT_CASE(model_kind), LINT_CASE(model_option_unknown),          \
        LINT_CASE(model_option_refused), LINT_CASE(model_option_type),                             \
        LINT_CASE(scorecard_without_factors), LINT_CASE(unknown_output), LINT_CASE(unknown_label), \
        LINT_CASE(type_text_against_number), LINT_CASE(type_when_not_a_test),                      \
        LINT_CASE(attribute_used_as_two_types), LINT_CASE(attribute_misspelt),                     \
        LINT_CASE(unused_window_and_let), LINT_CASE(unused_entitlement), LINT_CASE(empty_tier),    \
        LINT_CASE(cap_criterion_text), LINT_CASE(cap_of_all), LINT_CASE(never_matches),            \
        LINT_CASE(catch_all_shadows_what_follows), LINT_CASE(same_condition_twice),                \
        LINT_CASE(abc_classes_are_cells), LINT_CASE(grades_missing_are_not_uncovered),             \
        LINT_CASE(segments_come_from_the_scores), LINT_CASE(segments_with_three_bins),             \
        LINT_CASE(scores_cover_every_cell), LINT_CASE(lifecycle_stages), LINT_CASE(no_tiers),      \
        LINT_CASE(routing_and_hierarchy_read_attributes), LINT_CASE(hold_when_not_a_test),         \
        LINT_CASE(hold_without_rules), LINT_CASE(cells_arithmetic), LINT_CASE(option_types),       \
        LINT_CASE(cap_count_zero), LINT_CASE(cap_full_share), LINT_CASE(holds_without_rules),      \
        LINT_CASE(bool_constants), LINT_CASE(unknown_refs), LINT_CASE(rfm_many_bins),              \
        LINT_CASE(let_arithmetic), LINT_CASE(attribute_types_from_calls)

/* ---- by calls and by changing the tree ----------------------------------------------------- */

/* A policy built by calls: origin <policy>, line 0; rfm.* is taken as the default rfm model. */
static void test_lint_policy_built_by_calls(void **state)
{
    tier_policy *p;
    size_t t, r;
    char *got;
    (void)state;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "S", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "recent", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "rfm.r_score", TIER_OP_GE, 4), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "impossible", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "rfm.r_score", TIER_OP_GT, 5), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "A", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "class", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "pareto.class", TIER_OP_EQ, "D"), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "own model", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "mine.x", TIER_OP_GT, 1), TIER_OK);
    got = lint_policy(p, NULL, NULL, NULL);
    expect_text(got, "<policy>:0:0: warning: pareto.class never has the label \"D\"; its labels: "
                     "A, B, C [unknown-label]\n"
                     "<policy>:0:0: warning: rule \"impossible\" of tier S never holds for any "
                     "value of the scores and labels it reads [never-matches]\n"
                     "<policy>:0:0: warning: rule \"class\" of tier A never holds for any value "
                     "of the scores and labels it reads [never-matches]\n");
    test_free(got);
    tier_policy_free(p);
}

static char *dup_text(tier_policy *p, const char *s)
{
    char *c = tier__strdup(&p->alloc, s);
    assert_non_null(c);
    return c;
}

/* Entitlements of a policy built by calls (the parser refuses these in files). */
static void test_lint_entitlements_of_a_tree(void **state)
{
    tier_policy *p;
    tier__ptier *t;
    tier__pol *pol;
    char *got;
    size_t ne, nw, i;
    (void)state;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "S", NULL), TIER_OK);
    pol = &p->pol;
    pol->entdecls = tier__calloc(&p->alloc, 2, sizeof *pol->entdecls);
    assert_non_null(pol->entdecls);
    pol->n_entdecls = 2;
    pol->entdecls[0].name = dup_text(p, "sla_hours");
    pol->entdecls[0].type = TIER__PT_NUMBER;
    pol->entdecls[1].name = dup_text(p, "unset");
    pol->entdecls[1].type = TIER__PT_BOOL;
    t = &pol->tiers[0];
    t->ents = tier__calloc(&p->alloc, 3, sizeof *t->ents);
    assert_non_null(t->ents);
    t->n_ents = 3;
    t->ents[0].name = dup_text(p, "sla_hours");
    t->ents[0].value.type = TIER__PT_TEXT;
    t->ents[0].value.text = dup_text(p, "4");
    t->ents[1].name = dup_text(p, "coverage");
    t->ents[1].value.type = TIER__PT_TEXT;
    t->ents[1].value.text = dup_text(p, "full");
    t->ents[2].name = dup_text(p, "sla_hours");
    t->ents[2].value.type = TIER__PT_NUMBER;
    t->ents[2].value.num = 4;
    for (i = 0; i < 1; i++)
        assert_int_equal(tier_policy_add_rule(p, 0, "all", NULL), TIER_OK);
    got = lint_policy(p, NULL, &ne, &nw);
    expect_text(got, "<policy>:0:0: error: entitlement sla_hours is declared a number at 0:0, "
                     "tier S sets a text [entitlement]\n"
                     "<policy>:0:0: error: tier S sets entitlement coverage, which is not "
                     "declared (entitlement NAME TYPE) [entitlement]\n"
                     "<policy>:0:0: error: tier S sets entitlement sla_hours twice "
                     "[entitlement]\n"
                     "<policy>:0:0: warning: entitlement unset is declared but no tier sets it "
                     "[unused]\n");
    assert_int_equal(ne, 3);
    assert_int_equal(nw, 1);
    test_free(got);
    tier_policy_free(p);
}

/* Expressions the parser refuses in files, made by changing a loaded tree: an unknown function,
 * a call with the wrong number of arguments, `tier` in a rule, a model declared twice. */
static void test_lint_expressions_of_a_tree(void **state)
{
    static const char text[] = "libtier-policy 1\n"
                               "model rfm = rfm\n"
                               "model p = pareto\n"
                               "window rev = revenue over all\n"
                               "tier S {\n"
                               "    rule \"fn\" when abs(rev) > 1\n"
                               "    rule \"args\" when abc(rev) == \"A\"\n"
                               "    rule \"tier\" when rev > 2\n"
                               "}\n";
    tier_policy *p = load(text, "p.policy");
    tier__ptier *t = &p->pol.tiers[0];
    tier__pexpr *call = t->rules[0].when->args[0], *abc = t->rules[1].when->args[0];
    tier__pexpr *ref = t->rules[2].when->args[0];
    char *got;
    (void)state;
    tier__free(&p->alloc, call->text);
    call->text = dup_text(p, "median");
    abc->n_args = 0; /* abc() of nothing (its argument stays owned by the tree) */
    tier__free(&p->alloc, ref->text);
    ref->text = dup_text(p, "tier");
    tier__free(&p->alloc, p->pol.models[1].name);
    p->pol.models[1].name = dup_text(p, "rfm");
    got = lint_policy(p, NULL, NULL, NULL);
    abc->n_args = 1;
    expect_text(got, "p.policy:3:7: error: a model named rfm is already declared at 2:7 "
                     "[duplicate]\n"
                     "p.policy:6:20: error: unknown function median(); the functions are abc, "
                     "pct_rank, min, max, abs, coalesce [unknown-function]\n"
                     "p.policy:7:22: error: abc() takes 1 or 3 arguments (x, a, b), got 0 "
                     "[call]\n"
                     "p.policy:8:22: error: 'tier' is known only in flags and routing, after the "
                     "tiers are placed [unknown-ref]\n");
    test_free(got);
    tier_policy_free(p);
}

/* Caps the parser refuses, made by changing a loaded tree. */
typedef struct cap_case {
    int kind;
    double amount;
    const char *overflow; /* NULL: none */
    size_t tier;          /* which tier of "S, A, B" gets the cap */
    const char *want;
} cap_case;

static void run_cap_case(void **state)
{
    const cap_case *c = *state;
    static const char text[] = "libtier-policy 1\n"
                               "window rev = revenue over all\n"
                               "tier S {\n"
                               "    rule \"big\" when rev > 100\n"
                               "    cap 10% by rev overflow A\n"
                               "}\n"
                               "tier A {\n"
                               "    rule \"some\" when rev > 10\n"
                               "}\n"
                               "tier B {\n"
                               "    rule \"rest\" when rev > 0\n"
                               "}\n";
    tier_policy *p = load(text, "p.policy");
    tier__pcap *cap = &p->pol.tiers[c->tier].cap;
    char *got;
    if (c->tier != 0) {
        *cap = p->pol.tiers[0].cap;
        cap->line = 5;
        cap->col = 5;
        memset(&p->pol.tiers[0].cap, 0, sizeof p->pol.tiers[0].cap);
    }
    cap->kind = c->kind;
    cap->amount = c->amount;
    tier__free(&p->alloc, cap->overflow);
    cap->overflow = c->overflow ? dup_text(p, c->overflow) : NULL;
    got = lint_policy(p, NULL, NULL, NULL);
    expect_text(got, c->want);
    test_free(got);
    tier_policy_free(p);
}

static const cap_case cap_zero = {
    TIER__PCAP_SHARE, 0, "A", 0,
    "p.policy:5:5: error: the cap of tier S is 0%: a share must be above 0% and at most 100% "
    "[cap]\n"};
static const cap_case cap_over_all = {
    TIER__PCAP_SHARE, 1.5, "A", 0,
    "p.policy:5:5: error: the cap of tier S is 150%: a share must be above 0% and at most 100% "
    "[cap]\n"};
static const cap_case cap_count_fraction = {
    TIER__PCAP_COUNT, 2.5, "A", 0,
    "p.policy:5:5: error: the cap of tier S keeps 2.5 customers: a count must be a whole number "
    "of at least 1 [cap]\n"};
static const cap_case cap_no_overflow = {
    TIER__PCAP_SHARE, 0.1, NULL, 0,
    "p.policy:5:5: error: the overflow tier of tier S's cap is missing [cap]\n"};
static const cap_case cap_unknown_overflow = {
    TIER__PCAP_SHARE, 0.1, "Z", 0,
    "p.policy:5:5: error: the overflow tier of tier S's cap names no tier: 'Z' [cap]\n"};
static const cap_case cap_overflow_earlier = {
    TIER__PCAP_SHARE, 0.1, "S", 1,
    "p.policy:5:5: error: the overflow tier S of tier A's cap is an earlier tier: it must come "
    "later [cap]\n"};
static const cap_case cap_overflow_itself = {
    TIER__PCAP_SHARE, 0.1, "A", 1,
    "p.policy:5:5: error: the overflow tier A of tier A's cap is the tier itself: it must come "
    "later [cap]\n"};
static const cap_case cap_on_last_tier = {
    TIER__PCAP_COUNT, 10, "A", 2,
    "p.policy:5:5: error: tier B is the last tier: its cap has nowhere to send the customers "
    "over it [cap]\n"};

/* A registered kind whose scorecards have weights of 90 in all. */
static int card90(tier_model **out, const char *name, const tier_allocator *alloc, void *ud)
{
    int rc = tier_scorecard_new(out, name, alloc);
    (void)ud;
    if (rc == TIER_OK)
        rc = tier_scorecard_add_factor(
            *out, "spend", "rfm.m", 60, TIER_SCORECARD_EXPLICIT, TIER_SCORECARD_NORM_PERCENTILE,
            TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_ZERO, NULL);
    if (rc == TIER_OK)
        rc = tier_scorecard_add_factor(
            *out, "often", "rfm.f", 30, TIER_SCORECARD_EXPLICIT, TIER_SCORECARD_NORM_PERCENTILE,
            TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_ZERO, NULL);
    if (rc != TIER_OK) {
        tier_model_free(*out);
        *out = NULL;
    }
    return rc;
}

static void test_lint_registered_kinds(void **state)
{
    static const char text[] = "libtier-policy 1\n"
                               "model card = card90\n"
                               "model rfm = rfm\n"
                               "tier S {\n"
                               "    rule \"A\" when card.grade == \"A\"\n"
                               "}\n";
    tier_registry *reg;
    tier_policy *p;
    char *got;
    (void)state;
    assert_int_equal(tier_registry_new(&reg, TST_ALLOC), TIER_OK);
    p = load(text, "p.policy");
    /* Without the registry the kind is unknown, and card.grade is not checked. */
    got = lint_policy(p, NULL, NULL, NULL);
    expect_text(
        got,
        "p.policy:2:7: error: unknown model kind 'card90' for model card; known "
        "kinds: rfm, pareto, scorecard, clv, needs, lifecycle, subscription, sbg [model-kind]\n");
    test_free(got);
    assert_int_equal(tier_registry_add(reg, "card90", card90, NULL), TIER_OK);
    got = lint_policy(p, reg, NULL, NULL);
    expect_text(got, "p.policy:2:7: error: scorecard card cannot be fitted: factor weights sum "
                     "to 90, not 100 [scorecard-weights]\n");
    test_free(got);
    tier_policy_free(p);
    tier_registry_free(reg);
}

static void test_lint_refuses_null_and_appends(void **state)
{
    tier_text *t;
    tier_policy *p = load("libtier-policy 1\ntier S {\n}\n", "p.policy");
    size_t ne = 7, nw = 7;
    (void)state;
    assert_int_equal(tier_policy_lint(NULL, NULL, NULL, &ne, &nw), TIER_EINVAL);
    assert_int_equal(ne, 0);
    assert_int_equal(nw, 0);
    assert_int_equal(tier_policy_lint(p, NULL, NULL, &ne, &nw), TIER_OK);
    assert_int_equal(nw, 1);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_append(t, "before\n", 7), TIER_OK);
    assert_int_equal(tier_policy_lint(p, NULL, t, NULL, NULL), TIER_OK);
    expect_text(tier_text_data(t), "before\np.policy:2:1: warning: tier S has no rules and no "
                                   "cap overflows into it: it never gets a customer "
                                   "[empty-tier]\n");
    tier_text_free(t);
    tier_policy_free(p);
}

/* ---- out of memory ------------------------------------------------------------------------- */

/* Lints the defective map and a policy with a finding of most kinds; on failure the report is
 * untouched. */
static int oom_lint(const tier_allocator *alloc, void *ud)
{
    const char *const *texts = ud;
    size_t i;
    int rc = TIER_OK;
    for (i = 0; texts[i] && rc == TIER_OK; i++) {
        tier_policy *p = NULL;
        tier_text *t = NULL;
        size_t ne, nw;
        rc = tier_policy_new(&p, alloc);
        if (rc == TIER_OK)
            rc = tier_policy_load_string(p, texts[i], strlen(texts[i]), "p.policy");
        if (rc == TIER_OK)
            rc = tier_text_new(&t, alloc);
        if (rc == TIER_OK) {
            rc = tier_policy_lint(p, NULL, t, &ne, &nw);
            if (rc != TIER_OK)
                assert_int_equal(tier_text_length(t), 0);
            else
                assert_true(nw > 0);
        }
        tier_text_free(t);
        tier_policy_free(p);
    }
    return rc;
}

/* One case file of LINT_DIR under a failing allocator: a failed lint appends nothing, a
 * successful one gives exactly the file's report. */
typedef struct lint_oom_file {
    const char *text, *want, *origin;
} lint_oom_file;

static int oom_lint_file(const tier_allocator *alloc, void *ud)
{
    const lint_oom_file *f = ud;
    tier_policy *p = NULL;
    tier_text *t = NULL;
    int rc = tier_policy_new(&p, alloc);
    if (rc == TIER_OK)
        rc = tier_policy_load_string(p, f->text, strlen(f->text), f->origin);
    if (rc == TIER_OK)
        rc = tier_text_new(&t, alloc);
    if (rc == TIER_OK) {
        rc = tier_policy_lint(p, NULL, t, NULL, NULL);
        if (rc != TIER_OK)
            assert_int_equal(tier_text_length(t), 0);
        else
            expect_text(tier_text_data(t), f->want);
    }
    tier_text_free(t);
    tier_policy_free(p);
    return rc;
}

/* Every case file of LINT_DIR (under valgrind one in eight) linted under every failed
 * allocation. */
static void test_lint_of_every_case_survives_every_failed_allocation(void **state)
{
    size_t n, i, walked = 0;
    char **names = tst_list_files(LINT_DIR, ".policy", &n);
    (void)state;
    for (i = 0; i < n; i += tst_under_valgrind() ? 8 : 1) {
        char path[4096], origin[256];
        size_t len, stem = strlen(names[i]) - strlen(".policy");
        lint_oom_file f;
        char *text, *want;
        snprintf(path, sizeof path, "%s%s", LINT_DIR, names[i]);
        text = tst_read_file(path, &len);
        snprintf(path, sizeof path, "%s%.*s.expect", LINT_DIR, (int)stem, names[i]);
        want = tst_read_file(path, &len);
        snprintf(origin, sizeof origin, "%s", names[i]);
        f.text = text;
        f.want = want;
        f.origin = origin;
        if (tst_oom_walk(oom_lint_file, &f) < 5)
            fail_msg("%s: fewer than 5 allocations", names[i]);
        walked++;
        test_free(text);
        test_free(want);
    }
    assert_true(walked >= 5);
    tst_free_names(names, n);
}

static void test_lint_survives_every_failed_allocation(void **state)
{
    size_t len;
    char *map = tst_read_file(MAPS_DIR "defective.policy", &len);
    const char *texts[3];
    (void)state;
    texts[0] = map;
    texts[1] =
        "libtier-policy 1\n"
        "model rfm = rfm (binz = 3)\n"
        "model p = pareto\n"
        "window rev = revenue over all\n"
        "window unused = revenue over all\n"
        "entitlement sla number\n"
        "tier S {\n"
        "    rule \"x\" when abc(rev) == \"A\" and p.class == \"D\" and attr.industy == \"x\"\n"
        "    rule \"y\" when attr.industry == \"it\" or attr.industry == \"de\"\n"
        "    rule \"t\" when rfm.segment == 3\n"
        "    cap 10% by rev overflow B\n"
        "}\n"
        "tier B {\n"
        "    rule \"all\" when true\n"
        "}\n"
        "tier C {\n"
        "    rule \"never\" when rev > 1\n"
        "}\n";
    texts[2] = NULL;
    assert_true(tst_oom_walk(oom_lint, texts) > 50);
    test_free(map);
}

TST_MAIN(cmocka_unit_test(test_lint_rfm11_blog_map), cmocka_unit_test(test_lint_rf10_map_is_clean),
         cmocka_unit_test(test_lint_defective_map),
         cmocka_unit_test(test_lint_counts_all_1000_cells_of_ten_bins),
         cmocka_unit_test(test_lint_too_many_cells), LINT_CASES,
         cmocka_unit_test(test_lint_policy_built_by_calls),
         cmocka_unit_test(test_lint_entitlements_of_a_tree),
         cmocka_unit_test(test_lint_expressions_of_a_tree),
         TST_CASE("cap_zero", run_cap_case, &cap_zero),
         TST_CASE("cap_over_all", run_cap_case, &cap_over_all),
         TST_CASE("cap_count_fraction", run_cap_case, &cap_count_fraction),
         TST_CASE("cap_no_overflow", run_cap_case, &cap_no_overflow),
         TST_CASE("cap_unknown_overflow", run_cap_case, &cap_unknown_overflow),
         TST_CASE("cap_overflow_earlier", run_cap_case, &cap_overflow_earlier),
         TST_CASE("cap_overflow_itself", run_cap_case, &cap_overflow_itself),
         TST_CASE("cap_on_last_tier", run_cap_case, &cap_on_last_tier),
         cmocka_unit_test(test_lint_registered_kinds),
         cmocka_unit_test(test_lint_refuses_null_and_appends),
         cmocka_unit_test(test_lint_survives_every_failed_allocation),
         cmocka_unit_test(test_lint_of_every_case_survives_every_failed_allocation))
