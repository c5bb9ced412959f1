/* SPDX-License-Identifier: MIT */
/* tier_diff (include/tier/diff.h): two policies on a hand-made book whose moves are worked out by
 * hand (the matrix in customers and revenue, the totals, the moves up and down, the entitlement
 * totals of a number, a yes/no and a text entitlement, the accounts routed per team, the movers
 * with both reasons), the CSV and JSON output byte for byte, tiers that are not one ladder and
 * customers without a tier, the errors and the all-or-nothing promise, out-of-memory walks, and
 * a diff run of the pipeline on the CDNOW sample checked against two separate runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* ---- fixtures ------------------------------------------------------------------------------- */

/* Six customers, net revenue a 100, b 50, c 30, d 20, e 10, f 5; a and c in Oslo, b in Bergen. */
static tier_book *six_book(const tier_allocator *a)
{
    static const tst_txn rows[] = {{"a", 100, 60},  {"a", 101, 40},  {"b", 100, 50},
                                   {"c", 102, 30},  {"d", 100, 20},  {"e", 103, 10},
                                   {"f", 100, 7.5}, {"f", 104, -2.5}};
    static const char *const city[] = {"Oslo", "Bergen", "Oslo", "Oslo", "Bergen", "Oslo"};
    tier_book *book = tst_book_of(a, rows, TST_COUNT(rows));
    size_t i;
    for (i = 0; i < 6; i++)
        assert_int_equal(tier_book_set_text(book, i, "city", city[i]), TIER_OK);
    return book;
}

#define POLICY_HEAD                                      \
    "libtier-policy 1\n"                                 \
    "window rev = revenue over all\n"                    \
    "entitlement sla number \"first response, hours\"\n" \
    "entitlement events bool \"invited to events\"\n"    \
    "entitlement coverage text \"who looks after it\"\n"
/* Before: S when rev >= 50 (a, b), A when rev >= 20 (c, d), C the rest (e, f). */
static const char before_text[] =
    POLICY_HEAD "tier S {\n    rule \"big\" when rev >= 50\n    entitle sla = 4\n"
                "    entitle events = true\n    entitle coverage = \"dedicated\"\n}\n"
                "tier A {\n    rule \"mid\" when rev >= 20\n    entitle sla = 8\n"
                "    entitle events = false\n    entitle coverage = \"named\"\n}\n"
                "tier C {\n    rule \"rest\" when true\n    entitle sla = 48\n"
                "    entitle events = false\n    entitle coverage = \"pool\"\n}\n"
                "routing {\n    accounts when tier == \"S\"\n    city = attr.city\n"
                "    team local \"sales {city}\"\n}\n";

/* After: S when rev >= 60 or 30 <= rev < 50 (a, c), A when rev >= 10 (b, d, e), C (f). So b
 * moves down S -> A, c up A -> S, e up C -> A; the others stay. */
static const char after_text[] =
    POLICY_HEAD "tier S {\n    rule \"big\" when rev >= 60 or (rev >= 30 and rev < 50)\n"
                "    entitle sla = 2\n    entitle events = true\n"
                "    entitle coverage = \"dedicated\"\n}\n"
                "tier A {\n    rule \"mid\" when rev >= 10\n    entitle sla = 8\n"
                "    entitle events = true\n    entitle coverage = \"named\"\n}\n"
                "tier C {\n    rule \"rest\" when true\n    entitle sla = 48\n"
                "    entitle events = false\n    entitle coverage = \"pool\"\n}\n"
                "routing {\n    accounts when tier == \"S\"\n    city = attr.city\n"
                "    team local \"sales {city}\"\n}\n";

/* Other tiers (not one ladder with the others), and no catch-all: d, e, f get no tier. */
static const char other_text[] = "libtier-policy 1\n"
                                 "window rev = revenue over all\n"
                                 "tier X {\n    rule \"x\" when rev >= 50\n}\n"
                                 "tier S {\n    rule \"s\" when rev >= 30\n}\n";

static tier_policy *policy_of(const char *text, const tier_allocator *a)
{
    tier_policy *p = NULL;
    assert_int_equal(tier_policy_new(&p, a), TIER_OK);
    if (tier_policy_load_string(p, text, strlen(text), "test.policy") != TIER_OK)
        fail_msg("policy: %s", tier_policy_last_error(p));
    return p;
}

static tier_result *run_of(const tier_book *book, const char *text, const tier_allocator *a)
{
    tier_policy *p = policy_of(text, a);
    tier_result *r = NULL;
    assert_int_equal(tier_result_new(&r, a), TIER_OK);
    if (tier_result_run(r, book, NULL, 0, p) != TIER_OK)
        fail_msg("run: %s", tier_result_last_error(r));
    tier_policy_free(p);
    return r;
}

/* The book and the runs of the before and after policies, and a diff of them. */
typedef struct fixture {
    tier_book *book;
    tier_result *before, *after;
    tier_diff *diff;
} fixture;

static void fixture_init(fixture *f, const char *after)
{
    tier_allocator a = tst_allocator();
    memset(f, 0, sizeof *f);
    f->book = six_book(&a);
    f->before = run_of(f->book, before_text, &a);
    f->after = run_of(f->book, after, &a);
    assert_int_equal(tier_diff_new(&f->diff, &a), TIER_OK);
    if (tier_diff_results(f->diff, f->before, f->after, f->book) != TIER_OK)
        fail_msg("diff: %s", tier_diff_last_error(f->diff));
}

static void fixture_free(fixture *f)
{
    tier_diff_free(f->diff);
    tier_result_free(f->before);
    tier_result_free(f->after);
    tier_book_free(f->book);
}

/* The customers and revenue of cell a -> b of the matrix, or (total) of side a's tier b. */
static void expect_figures(const tier_diff *d, int total, int a, int b, size_t customers,
                           double revenue)
{
    size_t n = 99;
    double r = -1;
    assert_int_equal(total ? tier_diff_total(d, a, b, &n, &r) : tier_diff_cell(d, a, b, &n, &r),
                     TIER_OK);
    if (n != customers || r != revenue) {
        char what[48];
        snprintf(what, sizeof what, total ? "side %d tier %d" : "cell %d -> %d", a, b);
        fail_msg("%s: %zu customers, revenue %g; want %zu, %g", what, n, r, customers, revenue);
    }
}

static void expect_cell(const tier_diff *d, int from, int to, size_t customers, double revenue)
{
    expect_figures(d, 0, from, to, customers, revenue);
}

static void expect_total(const tier_diff *d, int side, int tier, size_t customers, double revenue)
{
    expect_figures(d, 1, side, tier, customers, revenue);
}

static void expect_cell_count(const tier_diff *d, int from, int to, size_t customers)
{
    size_t n = 99;
    assert_int_equal(tier_diff_cell(d, from, to, &n, NULL), TIER_OK);
    if (n != customers)
        fail_msg("cell %d -> %d: %zu customers; want %zu", from, to, n, customers);
}

/* Entitlement k is `name` of `type`, totalling `before` and `after` on the two sides. */
static void expect_entitlement(const tier_diff *d, size_t k, const char *name, int type,
                               double before, double after)
{
    double t = 0;
    int got = 0;
    assert_string_equal(tier_diff_entitlement_name(d, k, &got), name);
    assert_int_equal(got, type);
    assert_int_equal(tier_diff_entitlement_total(d, k, TIER_DIFF_BEFORE, &t), TIER_OK);
    if (t != before)
        fail_msg("%s before: %g, want %g", name, t, before);
    assert_int_equal(tier_diff_entitlement_total(d, k, TIER_DIFF_AFTER, &t), TIER_OK);
    if (t != after)
        fail_msg("%s after: %g, want %g", name, t, after);
}

/* Value v of text entitlement k is `value`, held by `before` and `after` customers. */
static void expect_text_value(const tier_diff *d, size_t k, size_t v, const char *value,
                              size_t before, size_t after)
{
    size_t b = 0, a = 0;
    assert_string_equal(tier_diff_entitlement_value(d, k, v, &b, &a), value);
    assert_int_equal(b, before);
    assert_int_equal(a, after);
}

static char *write_diff(const tier_diff *d, int format)
{
    tst_sink s;
    memset(&s, 0, sizeof s);
    if (tier_diff_write(d, format, tst_sink_write, &s) != TIER_OK)
        fail_msg("write: %s", tier_diff_last_error(d));
    return s.data;
}

/* Fails unless d written as `format` is exactly `want`. */
static void expect_written(const tier_diff *d, int format, const char *want)
{
    char *out = write_diff(d, format);
    assert_string_equal(out, want);
    test_free(out);
}

/* ---- the comparison ------------------------------------------------------------------------- */

static void test_diff_matrix_counts_customers_and_revenue_from_tier_to_tier(void **state)
{
    fixture f;
    int from, to;
    /* By hand: a S->S 100, b S->A 50, c A->S 30, d A->A 20, e C->A 10, f C->C 5. */
    static const size_t want_n[3][3] = {{1, 1, 0}, {1, 1, 0}, {0, 1, 1}};
    static const double want_r[3][3] = {{100, 50, 0}, {30, 20, 0}, {0, 10, 5}};
    (void)state;
    fixture_init(&f, after_text);
    assert_int_equal(tier_diff_customer_count(f.diff), 6);
    assert_int_equal(tier_diff_tier_count(f.diff, TIER_DIFF_BEFORE), 3);
    assert_string_equal(tier_diff_tier_name(f.diff, TIER_DIFF_AFTER, 1), "A");
    assert_null(tier_diff_tier_name(f.diff, TIER_DIFF_AFTER, 3));
    for (from = 0; from < 3; from++)
        for (to = 0; to < 3; to++)
            expect_cell(f.diff, from, to, want_n[from][to], want_r[from][to]);
    /* Nobody is without a tier. */
    expect_cell(f.diff, -1, 0, 0, 0);
    expect_cell(f.diff, 2, -1, 0, 0);
    expect_total(f.diff, TIER_DIFF_BEFORE, 0, 2, 150);
    expect_total(f.diff, TIER_DIFF_BEFORE, 1, 2, 50);
    expect_total(f.diff, TIER_DIFF_BEFORE, 2, 2, 15);
    expect_total(f.diff, TIER_DIFF_AFTER, 0, 2, 130);
    expect_total(f.diff, TIER_DIFF_AFTER, 1, 3, 80);
    expect_total(f.diff, TIER_DIFF_AFTER, 2, 1, 5);
    expect_total(f.diff, TIER_DIFF_AFTER, -1, 0, 0);
    assert_int_equal(tier_diff_cell(f.diff, 3, 0, NULL, NULL), TIER_ERANGE);
    assert_int_equal(tier_diff_cell(f.diff, 0, -2, NULL, NULL), TIER_ERANGE);
    assert_int_equal(tier_diff_total(f.diff, 2, 0, NULL, NULL), TIER_EINVAL);
    fixture_free(&f);
}

static void test_diff_moves_are_up_or_down_on_one_ladder_with_their_revenue(void **state)
{
    fixture f;
    size_t n = 0;
    double r = 0;
    (void)state;
    fixture_init(&f, after_text);
    assert_int_equal(tier_diff_moved(f.diff, 0, &n, &r), TIER_OK);
    assert_int_equal(n, 3);
    assert_true(r == 90);
    assert_int_equal(tier_diff_moved(f.diff, TIER_DIFF_MOVE_UP, &n, &r), TIER_OK);
    assert_int_equal(n, 2);
    assert_true(r == 40);
    assert_int_equal(tier_diff_moved(f.diff, TIER_DIFF_MOVE_DOWN, &n, &r), TIER_OK);
    assert_int_equal(n, 1);
    assert_true(r == 50);
    assert_int_equal(tier_diff_moved(f.diff, TIER_DIFF_MOVE_ACROSS, &n, &r), TIER_OK);
    assert_int_equal(n, 0);
    assert_int_equal(tier_diff_moved(f.diff, 4, &n, &r), TIER_EINVAL);
    fixture_free(&f);
}

static void test_diff_lists_the_movers_with_both_reasons_in_book_order(void **state)
{
    static const struct {
        const char *id, *from, *to, *why_before, *why_after;
        double revenue;
        int move;
    } want[] = {{"b", "S", "A", "big", "mid", 50, TIER_DIFF_MOVE_DOWN},
                {"c", "A", "S", "mid", "big", 30, TIER_DIFF_MOVE_UP},
                {"e", "C", "A", "rest", "mid", 10, TIER_DIFF_MOVE_UP}};
    fixture f;
    tier_diff_mover m;
    size_t i;
    (void)state;
    fixture_init(&f, after_text);
    assert_int_equal(tier_diff_mover_count(f.diff), 3);
    for (i = 0; i < TST_COUNT(want); i++) {
        assert_int_equal(tier_diff_mover_get(f.diff, i, &m), TIER_OK);
        assert_int_equal(m.id_len, 1);
        assert_memory_equal(m.id, want[i].id, 1);
        assert_int_equal(m.customer, tst_customer(f.book, want[i].id));
        assert_string_equal(m.from_name, want[i].from);
        assert_string_equal(m.to_name, want[i].to);
        assert_string_equal(m.reason_before, want[i].why_before);
        assert_string_equal(m.reason_after, want[i].why_after);
        assert_true(m.revenue == want[i].revenue);
        assert_int_equal(m.move, want[i].move);
    }
    assert_int_equal(tier_diff_mover_get(f.diff, 3, &m), TIER_ERANGE);
    fixture_free(&f);
}

static void test_diff_totals_number_bool_and_text_entitlements(void **state)
{
    fixture f;
    double t = 0;
    size_t b = 0, a = 0;
    int type = 0;
    (void)state;
    fixture_init(&f, after_text);
    assert_int_equal(tier_diff_entitlement_count(f.diff), 3);
    /* sla: before 2*4 + 2*8 + 2*48 = 120; after 2*2 + 3*8 + 1*48 = 76. */
    expect_entitlement(f.diff, 0, "sla", TIER_ENTITLEMENT_NUMBER, 120, 76);
    /* events: before S only (2); after S and A (2 + 3). */
    expect_entitlement(f.diff, 1, "events", TIER_ENTITLEMENT_BOOL, 2, 5);
    /* coverage: dedicated 2 -> 2, named 2 -> 3, pool 2 -> 1. */
    assert_string_equal(tier_diff_entitlement_name(f.diff, 2, &type), "coverage");
    assert_int_equal(type, TIER_ENTITLEMENT_TEXT);
    assert_int_equal(tier_diff_entitlement_value_count(f.diff, 2), 3);
    expect_text_value(f.diff, 2, 0, "dedicated", 2, 2);
    expect_text_value(f.diff, 2, 1, "named", 2, 3);
    expect_text_value(f.diff, 2, 2, "pool", 2, 1);
    assert_null(tier_diff_entitlement_value(f.diff, 2, 3, &b, &a));
    assert_int_equal(tier_diff_entitlement_value_count(f.diff, 0), 0);
    assert_null(tier_diff_entitlement_name(f.diff, 3, &type));
    assert_int_equal(tier_diff_entitlement_total(f.diff, 3, 0, &t), TIER_ERANGE);
    fixture_free(&f);
}

static void test_diff_counts_the_accounts_routed_to_each_team(void **state)
{
    fixture f;
    size_t nb = 9, na = 9;
    double rb = -1, ra = -1;
    (void)state;
    fixture_init(&f, after_text);
    /* Before S = a (Oslo), b (Bergen); after S = a, c (both Oslo). Sorted by name. */
    assert_int_equal(tier_diff_team_count(f.diff), 2);
    assert_string_equal(tier_diff_team(f.diff, 0, &nb, &na, &rb, &ra), "sales Bergen");
    assert_int_equal(nb, 1);
    assert_int_equal(na, 0);
    assert_true(rb == 50 && ra == 0);
    assert_string_equal(tier_diff_team(f.diff, 1, &nb, &na, &rb, &ra), "sales Oslo");
    assert_int_equal(nb, 1);
    assert_int_equal(na, 2);
    assert_true(rb == 100 && ra == 130);
    assert_null(tier_diff_team(f.diff, 2, NULL, NULL, NULL, NULL));
    fixture_free(&f);
}

/* ---- output --------------------------------------------------------------------------------- */

static void test_diff_csv_lists_the_movers_exactly(void **state)
{
    fixture f;
    (void)state;
    fixture_init(&f, after_text);
    expect_written(f.diff, TIER_DIFF_CSV,
                   "customer_id,from,to,move,revenue,reason_before,reason_after\n"
                   "b,S,A,down,50,big,mid\n"
                   "c,A,S,up,30,mid,big\n"
                   "e,C,A,up,10,rest,mid\n");
    fixture_free(&f);
}

static void test_diff_json_has_everything_exactly(void **state)
{
    fixture f;
    (void)state;
    fixture_init(&f, after_text);
    assert_int_equal(tier_diff_set_labels(f.diff, "old \"p\"", "new"), TIER_OK);
    expect_written(
        f.diff, TIER_DIFF_JSON,
        "{\"before\":{\"label\":\"old \\\"p\\\"\",\"tiers\":[\"S\",\"A\",\"C\"]},"
        "\"after\":{\"label\":\"new\",\"tiers\":[\"S\",\"A\",\"C\"]},"
        "\"customers\":6,\"revenue\":215,\"ladder\":true,"
        "\"moved\":{\"customers\":3,\"revenue\":90,\"up\":{\"customers\":2,\"revenue\":40},"
        "\"down\":{\"customers\":1,\"revenue\":50},\"across\":{\"customers\":0,\"revenue\":0}},"
        "\"tiers\":[{\"tier\":\"S\",\"before\":{\"customers\":2,\"revenue\":150},"
        "\"after\":{\"customers\":2,\"revenue\":130}},"
        "{\"tier\":\"A\",\"before\":{\"customers\":2,\"revenue\":50},"
        "\"after\":{\"customers\":3,\"revenue\":80}},"
        "{\"tier\":\"C\",\"before\":{\"customers\":2,\"revenue\":15},"
        "\"after\":{\"customers\":1,\"revenue\":5}}],"
        "\"matrix\":[{\"from\":\"S\",\"to\":\"S\",\"customers\":1,\"revenue\":100},"
        "{\"from\":\"S\",\"to\":\"A\",\"customers\":1,\"revenue\":50},"
        "{\"from\":\"A\",\"to\":\"S\",\"customers\":1,\"revenue\":30},"
        "{\"from\":\"A\",\"to\":\"A\",\"customers\":1,\"revenue\":20},"
        "{\"from\":\"C\",\"to\":\"A\",\"customers\":1,\"revenue\":10},"
        "{\"from\":\"C\",\"to\":\"C\",\"customers\":1,\"revenue\":5}],"
        "\"entitlements\":[{\"name\":\"sla\",\"type\":\"number\",\"before\":120,\"after\":76},"
        "{\"name\":\"events\",\"type\":\"bool\",\"before\":2,\"after\":5},"
        "{\"name\":\"coverage\",\"type\":\"text\",\"before\":6,\"after\":6,\"values\":["
        "{\"value\":\"dedicated\",\"before\":2,\"after\":2},"
        "{\"value\":\"named\",\"before\":2,\"after\":3},"
        "{\"value\":\"pool\",\"before\":2,\"after\":1}]}],"
        "\"teams\":[{\"team\":\"sales Bergen\",\"before\":{\"accounts\":1,\"revenue\":50},"
        "\"after\":{\"accounts\":0,\"revenue\":0}},"
        "{\"team\":\"sales Oslo\",\"before\":{\"accounts\":1,\"revenue\":100},"
        "\"after\":{\"accounts\":2,\"revenue\":130}}],"
        "\"movers\":[{\"customer_id\":\"b\",\"from\":\"S\",\"to\":\"A\",\"move\":\"down\","
        "\"revenue\":50,\"reason_before\":\"big\",\"reason_after\":\"mid\"},"
        "{\"customer_id\":\"c\",\"from\":\"A\",\"to\":\"S\",\"move\":\"up\",\"revenue\":30,"
        "\"reason_before\":\"mid\",\"reason_after\":\"big\"},"
        "{\"customer_id\":\"e\",\"from\":\"C\",\"to\":\"A\",\"move\":\"up\",\"revenue\":10,"
        "\"reason_before\":\"rest\",\"reason_after\":\"mid\"}]}\n");
    fixture_free(&f);
}

static void test_diff_text_shows_summary_matrix_entitlements_teams_and_movers(void **state)
{
    static const char *const parts[] = {
        "before: p1\nafter:  p2\n",
        "customers: 6, revenue 215.00\n",
        "moved: 3 customers (50.0%), revenue 90.00 (41.9%): 2 up, 1 down\n",
        "tier  p1  revenue  p2  revenue  change  revenue change\n"
        "S      2   150.00   2   130.00       0          -20.00\n"
        "A      2    50.00   3    80.00      +1          +30.00\n"
        "C      2    15.00   1     5.00      -1          -10.00\n",
        "customers from p1 (rows) to p2 (columns):\n"
        "   S  A  C\n"
        "S  1  1  0\n"
        "A  1  1  0\n"
        "C  0  1  1\n",
        "revenue from p1 (rows) to p2 (columns):\n",
        "C    0.00  10.00  5.00\n",
        "entitlement            p1  p2  change\n"
        "sla                   120  76     -44\n"
        "events                  2   5      +3\n"
        "coverage = dedicated    2   2       0\n"
        "coverage = named        2   3      +1\n"
        "coverage = pool         2   1      -1\n",
        "team          p1  revenue  p2  revenue  change\n"
        "sales Bergen   1    50.00   0     0.00      -1\n"
        "sales Oslo     1   100.00   2   130.00      +1\n",
        "movers (3):\n"
        "customer  p1  p2  move  revenue  reason in p1  reason in p2\n"
        "b         S   A   down    50.00  big           mid\n"};
    fixture f;
    char *text;
    (void)state;
    fixture_init(&f, after_text);
    assert_int_equal(tier_diff_set_labels(f.diff, "p1", NULL), TIER_OK);
    assert_int_equal(tier_diff_set_labels(f.diff, NULL, "p2"), TIER_OK);
    assert_string_equal(tier_diff_label(f.diff, TIER_DIFF_BEFORE), "p1");
    text = write_diff(f.diff, TIER_DIFF_TEXT);
    tst_expect_parts(text, parts, TST_COUNT(parts));
    test_free(text);
    fixture_free(&f);
}

static void test_diff_save_writes_the_file_atomically(void **state)
{
    fixture f;
    tst_memfs fs;
    tier_io io;
    tst_memfile *file;
    char *csv;
    (void)state;
    fixture_init(&f, after_text);
    memset(&fs, 0, sizeof fs);
    io = tst_memfs_io(&fs);
    assert_int_equal(tier_diff_save(f.diff, TIER_DIFF_CSV, "moves.csv", &io), TIER_OK);
    file = tst_memfs_find(&fs, "moves.csv");
    assert_non_null(file);
    csv = write_diff(f.diff, TIER_DIFF_CSV);
    assert_string_equal(file->data, csv);
    test_free(csv);
    /* A failed rename leaves the file as it was and no temporary file. */
    fs.fail_rename = 1;
    assert_int_equal(tier_diff_save(f.diff, TIER_DIFF_JSON, "moves.csv", &io), TIER_EIO);
    assert_int_equal(tst_memfs_count(&fs), 1);
    assert_string_equal(tst_memfs_find(&fs, "moves.csv")->data,
                        "customer_id,from,to,move,revenue,reason_before,reason_after\n"
                        "b,S,A,down,50,big,mid\nc,A,S,up,30,mid,big\ne,C,A,up,10,rest,mid\n");
    tst_memfs_clear(&fs);
    fixture_free(&f);
}

/* ---- other tiers, no tier ------------------------------------------------------------------- */

static void test_diff_of_other_tiers_moves_across_and_counts_customers_without_a_tier(void **state)
{
    fixture f;
    size_t n = 0;
    double r = 0, t = 0;
    tier_diff_mover m;
    char *json;
    (void)state;
    /* After: X = a, b (rev >= 50); S = c (rev >= 30); d, e, f no tier. Before: S = a, b. So a, b
     * move S -> X, c A -> S, d A -> none, e and f C -> none: all of them, across. */
    fixture_init(&f, other_text);
    assert_int_equal(tier_diff_moved(f.diff, 0, &n, &r), TIER_OK);
    assert_int_equal(n, 6);
    assert_true(r == 215);
    assert_int_equal(tier_diff_moved(f.diff, TIER_DIFF_MOVE_ACROSS, &n, NULL), TIER_OK);
    assert_int_equal(n, 6);
    expect_cell(f.diff, 0, 0, 2, 150);
    expect_cell(f.diff, 1, 1, 1, 30);
    expect_cell(f.diff, 1, -1, 1, 20);
    expect_cell(f.diff, 2, -1, 2, 15);
    expect_total(f.diff, TIER_DIFF_AFTER, -1, 3, 35);
    assert_int_equal(tier_diff_mover_get(f.diff, 3, &m), TIER_OK);
    assert_memory_equal(m.id, "d", 1);
    assert_int_equal(m.to, -1);
    assert_string_equal(m.to_name, "");
    assert_string_equal(m.reason_after, "");
    /* The after policy declares no entitlements: they are missing on its side. */
    assert_int_equal(tier_diff_entitlement_total(f.diff, 0, TIER_DIFF_AFTER, &t), TIER_ENOTFOUND);
    assert_true(isnan(t));
    json = write_diff(f.diff, TIER_DIFF_JSON);
    {
        static const char *const parts[] = {
            "\"ladder\":false",
            "{\"tier\":\"X\",\"before\":null,\"after\":{\"customers\":2,\"revenue\":150}}",
            ("{\"tier\":null,\"before\":{\"customers\":0,\"revenue\":0},"
             "\"after\":{\"customers\":3,\"revenue\":35}}"),
            "{\"from\":\"C\",\"to\":null,\"customers\":2,\"revenue\":15}",
            "{\"name\":\"sla\",\"type\":\"number\",\"before\":120,\"after\":null}",
            "{\"value\":\"pool\",\"before\":2,\"after\":null}",
            "{\"customer_id\":\"d\",\"from\":\"A\",\"to\":null,\"move\":\"across\""};
        tst_expect_parts(json, parts, TST_COUNT(parts));
    }
    test_free(json);
    fixture_free(&f);
}

/* ---- two histories -------------------------------------------------------------------------- */

/* A history after one run of `text` on `book`. */
static tier_history *history_of(const tier_book *book, const char *text)
{
    tier_allocator a = tst_allocator();
    tier_policy *p = policy_of(text, &a);
    tier_result *r = run_of(book, text, &a);
    tier_history *h = NULL;
    assert_int_equal(tier_history_new(&h, &a), TIER_OK);
    if (tier_history_apply(h, r, book, p) != TIER_OK)
        fail_msg("apply: %s", tier_history_last_error(h));
    tier_result_free(r);
    tier_policy_free(p);
    return h;
}

static void test_diff_of_two_histories_compares_each_customers_tier_by_id(void **state)
{
    static const tst_txn five[] = {{"a", 100, 100}, {"b", 100, 50}, {"c", 102, 30},
                                   {"d", 100, 20},  {"e", 103, 10}, {"g", 100, 1}};
    tier_allocator a = tst_allocator();
    tier_book *book = six_book(&a), *next = tst_book_of(&a, five, TST_COUNT(five));
    tier_history *old = history_of(book, before_text), *now = history_of(next, after_text);
    tier_diff *d = NULL;
    tier_diff_mover m;
    size_t n = 0;
    double r = 0;
    char *text;
    static const char *const parts[] = {
        "customers: 7\n", "moved: 5 customers (71.4%): 3 up, 2 down\n",
        "A            2        -      3        -      +1               -\n",
        "f         C       (none)  down        -  rest\n"};
    (void)state;
    /* f is gone (C -> none), g is new (none -> C); b, c, e move as between the two runs. */
    assert_int_equal(tier_diff_new(&d, &a), TIER_OK);
    assert_int_equal(tier_diff_histories(d, old, now), TIER_OK);
    assert_int_equal(tier_diff_customer_count(d), 7);
    assert_int_equal(tier_diff_moved(d, 0, &n, &r), TIER_OK);
    assert_int_equal(n, 5);
    assert_true(isnan(r));
    assert_int_equal(tier_diff_moved(d, TIER_DIFF_MOVE_UP, &n, NULL), TIER_OK);
    assert_int_equal(n, 3);
    expect_cell_count(d, 2, -1, 1);
    expect_cell_count(d, -1, 2, 1);
    expect_cell_count(d, 0, 1, 1);
    assert_int_equal(tier_diff_mover_get(d, 4, &m), TIER_OK);
    assert_memory_equal(m.id, "g", 1);
    assert_int_equal(m.from, -1);
    assert_string_equal(m.to_name, "C");
    assert_int_equal(m.move, TIER_DIFF_MOVE_UP);
    assert_int_equal(tier_diff_entitlement_count(d), 0);
    assert_int_equal(tier_diff_team_count(d), 0);
    expect_written(d, TIER_DIFF_CSV,
                   "customer_id,from,to,move,revenue,reason_before,reason_after\n"
                   "b,S,A,down,,big,mid\n"
                   "c,A,S,up,,mid,big\n"
                   "e,C,A,up,,rest,mid\n"
                   "f,C,,down,,rest,\n"
                   "g,,C,up,,,rest\n");
    text = write_diff(d, TIER_DIFF_TEXT);
    tst_expect_parts(text, parts, TST_COUNT(parts));
    assert_null(strstr(text, "revenue from"));
    test_free(text);
    assert_int_equal(tier_diff_histories(d, NULL, now), TIER_EINVAL);
    tier_diff_free(d);
    tier_history_free(old);
    tier_history_free(now);
    tier_book_free(book);
    tier_book_free(next);
}

/* Tiers S and A of before_text with sla only, and no C. */
static const char no_c_text[] =
    "libtier-policy 1\n"
    "window rev = revenue over all\n"
    "entitlement sla number \"first response, hours\"\n"
    "tier S {\n    rule \"big\" when rev >= 50\n    entitle sla = 4\n}\n"
    "tier A {\n    rule \"mid\" when true\n    entitle sla = 8\n}\n";

static void
test_diff_of_two_histories_takes_revenue_from_a_book_and_entitlements_from_a_policy(void **state)
{
    static const tst_txn five[] = {{"a", 100, 100}, {"b", 100, 50}, {"c", 102, 30},
                                   {"d", 100, 20},  {"e", 103, 10}, {"g", 100, 1}};
    tier_allocator a = tst_allocator();
    tier_book *book = six_book(&a), *next = tst_book_of(&a, five, TST_COUNT(five));
    tier_history *old = history_of(book, before_text), *now = history_of(next, after_text);
    tier_policy *pol = policy_of(before_text, &a), *no_c = policy_of(no_c_text, &a);
    tier_diff *d = NULL;
    tier_diff_mover m;
    size_t n = 0;
    double r = 0, t = 0;
    char *text;
    static const char *const parts[] = {
        "customers: 7, revenue 211.00 (1 not in the book: no revenue)\n",
        "moved: 5 customers (71.4%), revenue 91.00 (43.1%): 3 up, 2 down\n", "revenue from before",
        "sla                      120     80     -40\n"};
    static const char *const gaps[] = {
        "sla              24     32      +8\n",
        "note: the policy has no tier \"C\" (before: 2 customers): they count for no entitlement\n",
        "note: the policy has no tier \"C\" (after: 1 customers): they count for no entitlement\n"};
    (void)state;
    assert_int_equal(tier_diff_new(&d, &a), TIER_OK);
    /* The book of the second snapshot: a 100, b 50, c 30, d 20, e 10, g 1; f is not in it.
     * Before: S a b, A c d, C e f, none g; after: S a c, A b d e, C g, none f. */
    assert_int_equal(tier_diff_histories_book(d, old, now, next, pol), TIER_OK);
    assert_int_equal(tier_diff_customer_count(d), 7);
    expect_cell(d, 0, 0, 1, 100);
    expect_cell(d, 0, 1, 1, 50);
    expect_cell(d, 1, 0, 1, 30);
    expect_cell(d, 1, 1, 1, 20);
    expect_cell(d, 2, 1, 1, 10);
    expect_cell(d, 2, -1, 1, 0);
    expect_cell(d, -1, 2, 1, 1);
    expect_total(d, TIER_DIFF_BEFORE, 0, 2, 150);
    expect_total(d, TIER_DIFF_BEFORE, 2, 2, 10);
    expect_total(d, TIER_DIFF_AFTER, 1, 3, 80);
    expect_total(d, TIER_DIFF_AFTER, -1, 1, 0);
    assert_int_equal(tier_diff_moved(d, 0, &n, &r), TIER_OK);
    assert_int_equal(n, 5);
    assert_true(r == 91); /* b 50 + c 30 + e 10 + f 0 + g 1 */
    assert_int_equal(tier_diff_moved(d, TIER_DIFF_MOVE_DOWN, &n, &r), TIER_OK);
    assert_true(n == 2 && r == 50);
    assert_int_equal(tier_diff_mover_get(d, 0, &m), TIER_OK);
    assert_memory_equal(m.id, "b", 1);
    assert_true(m.revenue == 50);
    /* The policy's entitlements of each side's tier by name; no tier: nothing. */
    assert_int_equal(tier_diff_entitlement_count(d), 3);
    /* sla: before 2*4 + 2*8 + 2*48 = 120; after 2*4 + 3*8 + 1*48 = 80. */
    expect_entitlement(d, 0, "sla", TIER_ENTITLEMENT_NUMBER, 120, 80);
    expect_entitlement(d, 1, "events", TIER_ENTITLEMENT_BOOL, 2, 2);
    expect_text_value(d, 2, 0, "dedicated", 2, 2);
    expect_text_value(d, 2, 1, "named", 2, 3);
    expect_text_value(d, 2, 2, "pool", 2, 1);
    assert_int_equal(tier_diff_team_count(d), 0);
    expect_written(d, TIER_DIFF_CSV,
                   "customer_id,from,to,move,revenue,reason_before,reason_after\n"
                   "b,S,A,down,50,big,mid\n"
                   "c,A,S,up,30,mid,big\n"
                   "e,C,A,up,10,rest,mid\n"
                   "f,C,,down,0,rest,\n"
                   "g,,C,up,1,,rest\n");
    text = write_diff(d, TIER_DIFF_TEXT);
    tst_expect_parts(text, parts, TST_COUNT(parts));
    assert_null(strstr(text, "note:"));
    test_free(text);

    /* A policy without C: the customers of C count for nothing, and the text says so. */
    assert_int_equal(tier_diff_histories_book(d, old, now, next, no_c), TIER_OK);
    expect_entitlement(d, 0, "sla", TIER_ENTITLEMENT_NUMBER, 24, 32);
    text = write_diff(d, TIER_DIFF_TEXT);
    tst_expect_parts(text, gaps, TST_COUNT(gaps));
    test_free(text);

    /* Only a policy: entitlements, no revenue; only a book: revenue, no entitlements. */
    assert_int_equal(tier_diff_histories_book(d, old, now, NULL, pol), TIER_OK);
    expect_entitlement(d, 0, "sla", TIER_ENTITLEMENT_NUMBER, 120, 80);
    assert_int_equal(tier_diff_cell(d, 0, 1, &n, &r), TIER_OK);
    assert_true(isnan(r));
    assert_int_equal(tier_diff_histories_book(d, old, now, next, NULL), TIER_OK);
    assert_int_equal(tier_diff_entitlement_count(d), 0);
    expect_cell(d, 0, 1, 1, 50);

    /* NULL and NULL: tier_diff_histories(), revenue NaN and no entitlements. */
    assert_int_equal(tier_diff_histories_book(d, old, now, NULL, NULL), TIER_OK);
    assert_int_equal(tier_diff_moved(d, 0, &n, &r), TIER_OK);
    assert_true(n == 5 && isnan(r));
    assert_int_equal(tier_diff_entitlement_count(d), 0);
    assert_int_equal(tier_diff_entitlement_total(d, 0, 0, &t), TIER_ERANGE);
    assert_int_equal(tier_diff_histories_book(d, old, NULL, next, pol), TIER_EINVAL);
    assert_int_equal(tier_diff_histories_book(NULL, old, now, next, pol), TIER_EINVAL);
    assert_int_equal(tier_diff_customer_count(d), 7); /* the last diff is kept */
    tier_diff_free(d);
    tier_policy_free(pol);
    tier_policy_free(no_c);
    tier_history_free(old);
    tier_history_free(now);
    tier_book_free(book);
    tier_book_free(next);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void test_diff_refuses_runs_of_another_book_and_keeps_the_last_diff(void **state)
{
    static const tst_txn rows[] = {{"z", 100, 1}};
    tier_allocator a = tst_allocator();
    fixture f;
    tier_book *other = tst_book_of(&a, rows, 1);
    tier_result *unrun = NULL, *small = run_of(other, other_text, &a);
    (void)state;
    fixture_init(&f, after_text);
    assert_int_equal(tier_diff_results(f.diff, f.before, small, f.book), TIER_EINVAL);
    assert_non_null(strstr(tier_diff_last_error(f.diff), "has 1 customers but the book has 6"));
    assert_int_equal(tier_result_new(&unrun, &a), TIER_OK);
    assert_int_equal(tier_diff_results(f.diff, unrun, f.after, f.book), TIER_ESTATE);
    assert_int_equal(tier_diff_results(f.diff, NULL, f.after, f.book), TIER_EINVAL);
    assert_int_equal(tier_diff_results(NULL, f.before, f.after, f.book), TIER_EINVAL);
    /* The last diff is still there. */
    assert_int_equal(tier_diff_mover_count(f.diff), 3);
    assert_int_equal(tier_diff_write(f.diff, 9, tst_sink_write, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_write(f.diff, TIER_DIFF_CSV, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_set_labels(f.diff, "\xff", NULL), TIER_EINVAL);
    tier_result_free(unrun);
    tier_result_free(small);
    tier_book_free(other);
    fixture_free(&f);
}

/* Each refusal says which side is wrong; the getters take NULL for any output they fill. */
static void test_diff_names_the_side_and_takes_null_outputs(void **state)
{
    static const tst_txn rows[] = {{"z", 100, 1}};
    tier_allocator a = tst_allocator();
    fixture f;
    tier_book *other = tst_book_of(&a, rows, 1);
    tier_result *unrun = NULL, *small = run_of(other, other_text, &a);
    tier_diff_mover m;
    double t = 0;
    (void)state;
    fixture_init(&f, after_text);
    assert_int_equal(tier_result_new(&unrun, &a), TIER_OK);
    assert_int_equal(tier_diff_results(f.diff, f.before, unrun, f.book), TIER_ESTATE);
    assert_string_equal(tier_diff_last_error(f.diff), "the after result has not been run");
    assert_int_equal(tier_diff_results(f.diff, unrun, f.after, f.book), TIER_ESTATE);
    assert_string_equal(tier_diff_last_error(f.diff), "the before result has not been run");
    assert_int_equal(tier_diff_results(f.diff, small, f.after, f.book), TIER_EINVAL);
    assert_string_equal(tier_diff_last_error(f.diff),
                        "the before result has 1 customers but the book has 6: not a run of this "
                        "book");
    assert_int_equal(tier_diff_results(f.diff, f.before, f.after, NULL), TIER_EINVAL);
    assert_string_equal(tier_diff_last_error(f.diff), "a diff needs two results and their book");
    assert_int_equal(tier_diff_set_labels(f.diff, "old", "\xff"), TIER_EINVAL);
    assert_string_equal(tier_diff_last_error(f.diff), "the after label is not UTF-8 text");
    assert_string_equal(tier_diff_label(f.diff, TIER_DIFF_AFTER), "after"); /* unchanged */
    /* the last diff answers with every output pointer NULL */
    assert_int_equal(tier_diff_cell(f.diff, 0, 1, NULL, NULL), TIER_OK);
    assert_int_equal(tier_diff_total(f.diff, TIER_DIFF_AFTER, 1, NULL, NULL), TIER_OK);
    assert_int_equal(tier_diff_moved(f.diff, TIER_DIFF_MOVE_UP, NULL, NULL), TIER_OK);
    assert_string_equal(tier_diff_entitlement_name(f.diff, 0, NULL), "sla");
    assert_string_equal(tier_diff_entitlement_value(f.diff, 2, 0, NULL, NULL), "dedicated");
    assert_string_equal(tier_diff_team(f.diff, 0, NULL, NULL, NULL, NULL), "sales Bergen");
    /* and refuses what it cannot fill */
    assert_int_equal(tier_diff_mover_get(f.diff, 0, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_mover_get(NULL, 0, &m), TIER_EINVAL);
    assert_int_equal(tier_diff_entitlement_total(f.diff, 0, TIER_DIFF_BEFORE, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_entitlement_total(f.diff, 0, 2, &t), TIER_ERANGE);
    assert_int_equal(tier_diff_entitlement_total(NULL, 0, TIER_DIFF_BEFORE, &t), TIER_EINVAL);
    assert_int_equal(tier_diff_total(NULL, TIER_DIFF_BEFORE, 0, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_total(f.diff, TIER_DIFF_BEFORE, 3, NULL, NULL), TIER_ERANGE);
    assert_int_equal(tier_diff_cell(NULL, 0, 0, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_moved(NULL, TIER_DIFF_MOVE_UP, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_moved(f.diff, -1, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_tier_count(f.diff, 2), 0);
    assert_int_equal(tier_diff_tier_count(NULL, TIER_DIFF_BEFORE), 0);
    assert_null(tier_diff_tier_name(f.diff, 2, 0));
    assert_null(tier_diff_tier_name(f.diff, TIER_DIFF_BEFORE, 3));
    assert_null(tier_diff_team(NULL, 0, NULL, NULL, NULL, NULL));
    assert_int_equal(tier_diff_team_count(NULL), 0);
    assert_int_equal(tier_diff_mover_count(NULL), 0);
    assert_int_equal(tier_diff_entitlement_count(NULL), 0);
    assert_int_equal(tier_diff_entitlement_value_count(NULL, 0), 0);
    assert_null(tier_diff_entitlement_value(f.diff, 9, 0, NULL, NULL));
    assert_int_equal(tier_diff_customer_count(NULL), 0);
    tier_result_free(unrun);
    tier_result_free(small);
    tier_book_free(other);
    fixture_free(&f);
}

/* As text: a diff without movers says so; a matrix wider than 16 columns (17 tiers) is left to
 * the JSON output, and says how wide it is. */
static void test_diff_text_without_movers_and_of_a_wide_matrix(void **state)
{
    tier_allocator a = tst_allocator();
    fixture f;
    char *out, wide[2048];
    size_t k, len;
    tier_result *many;
    (void)state;
    fixture_init(&f, before_text); /* the before policy against itself */
    out = write_diff(f.diff, TIER_DIFF_TEXT);
    assert_non_null(strstr(out, "moved: 0 customers (0.0%), revenue 0.00 (0.0%): 0 up, 0 down\n"));
    assert_non_null(strstr(out, "\nno customer changes tier\n"));
    assert_null(strstr(out, "movers ("));
    test_free(out);
    /* 17 tiers, T1 for revenue >= 100 down to T17 for the rest */
    len = (size_t)snprintf(wide, sizeof wide, "libtier-policy 1\nwindow rev = revenue over all\n");
    for (k = 1; k < 17; k++)
        len += (size_t)snprintf(wide + len, sizeof wide - len,
                                "tier T%zu {\n    rule \"t\" when rev >= %zu\n}\n", k, 100 - 6 * k);
    len += (size_t)snprintf(wide + len, sizeof wide - len, "tier T17 {\n    rule \"rest\"\n}\n");
    assert_true(len < sizeof wide);
    many = run_of(f.book, wide, &a);
    assert_int_equal(tier_diff_results(f.diff, f.before, many, f.book), TIER_OK);
    out = write_diff(f.diff, TIER_DIFF_TEXT);
    assert_non_null(strstr(out, "\n(the matrix has 18 columns: see the JSON output)\n"));
    test_free(out);
    tier_result_free(many);
    fixture_free(&f);
}

static void test_diff_before_any_comparison_has_nothing_to_write(void **state)
{
    tier_allocator a = tst_allocator();
    tier_diff *d = NULL;
    tst_sink s;
    (void)state;
    memset(&s, 0, sizeof s);
    assert_int_equal(tier_diff_new(&d, &a), TIER_OK);
    assert_int_equal(tier_diff_write(d, TIER_DIFF_TEXT, tst_sink_write, &s), TIER_ESTATE);
    assert_int_equal(tier_diff_customer_count(d), 0);
    assert_int_equal(tier_diff_cell(d, 0, 0, NULL, NULL), TIER_ERANGE);
    assert_string_equal(tier_diff_label(d, TIER_DIFF_AFTER), "after");
    assert_null(tier_diff_label(d, 2));
    assert_null(s.data);
    tier_diff_free(d);
    tier_diff_free(NULL);
    assert_int_equal(tier_diff_new(NULL, &a), TIER_EINVAL);
}

static void test_diff_write_stops_when_the_callback_does(void **state)
{
    fixture f;
    tst_sink s;
    (void)state;
    fixture_init(&f, after_text);
    memset(&s, 0, sizeof s);
    s.stop_at = 1;
    assert_int_equal(tier_diff_write(f.diff, TIER_DIFF_TEXT, tst_sink_write, &s), TIER_EUSER);
    tst_sink_reset(&s);
    fixture_free(&f);
}

/* ---- out of memory -------------------------------------------------------------------------- */

/* Writes d in every format (into a sink, thrown away) while rc is TIER_OK; returns the status. */
static int write_every_format(const tier_diff *d, int rc)
{
    tst_sink s;
    int format;
    memset(&s, 0, sizeof s);
    for (format = TIER_DIFF_TEXT; format <= TIER_DIFF_JSON && !rc; format++) {
        rc = tier_diff_write(d, format, tst_sink_write, &s);
        tst_sink_reset(&s);
    }
    return rc;
}

static int oom_diff(const tier_allocator *alloc, void *ud)
{
    const fixture *f = ud;
    tier_diff *d = NULL;
    int rc = tier_diff_new(&d, alloc);
    if (!rc)
        rc = tier_diff_set_labels(d, "one", "two");
    if (!rc)
        rc = tier_diff_results(d, f->before, f->after, f->book);
    rc = write_every_format(d, rc);
    if (rc == TIER_ENOMEM && d && tier_diff_customer_count(d) == 0)
        assert_int_equal(tier_diff_mover_count(d), 0); /* nothing half-built */
    tier_diff_free(d);
    return rc;
}

static void test_diff_survives_every_failed_allocation(void **state)
{
    fixture f;
    (void)state;
    fixture_init(&f, after_text);
    assert_true(tst_oom_walk(oom_diff, &f) > 10);
    fixture_free(&f);
}

/* Two histories, and the book and policy of tier_diff_histories_book(). */
typedef struct two_histories {
    tier_history *h[2];
    tier_book *book;
    tier_policy *policy;
} two_histories;

static int oom_histories(const tier_allocator *alloc, void *ud)
{
    const two_histories *w = ud;
    tier_diff *d = NULL;
    int rc = tier_diff_new(&d, alloc);
    if (!rc)
        rc = tier_diff_histories_book(d, w->h[0], w->h[1], w->book, w->policy);
    rc = write_every_format(d, rc);
    tier_diff_free(d);
    return rc;
}

static void test_diff_of_histories_survives_every_failed_allocation(void **state)
{
    tier_allocator a = tst_allocator();
    two_histories w;
    (void)state;
    memset(&w, 0, sizeof w);
    w.book = six_book(&a);
    w.h[0] = history_of(w.book, before_text);
    w.h[1] = history_of(w.book, other_text);
    assert_true(tst_oom_walk(oom_histories, &w) > 10);
    /* With the revenue of the book and the entitlements of a policy that has no tier X. */
    w.policy = policy_of(before_text, &a);
    assert_true(tst_oom_walk(oom_histories, &w) > 10);
    tier_policy_free(w.policy);
    tier_history_free(w.h[0]);
    tier_history_free(w.h[1]);
    tier_book_free(w.book);
}

/* ---- the pipeline -----------------------------------------------------------------------------
 */

static int collect(void *ud, const char *data, size_t len)
{
    return tst_sink_write(ud, data, len);
}

/* A `tiers` run of built-in `policy` on the CDNOW sample: its customers per tier. */
static void tiers_of(const char *policy, size_t *counts, size_t n)
{
    tier_allocator a = tst_allocator();
    tier_pipeline *p = NULL;
    const tier_result *r;
    size_t t;
    assert_int_equal(tier_pipeline_new(&p, &a), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", tst_data_path("CDNOW_sample.txt")), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "header", "no"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "columns", "customer_id,sample,date,cds,amount"),
                     TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "policy", policy), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    r = tier_pipeline_result(p);
    assert_int_equal(tier_result_tier_count(r), n);
    for (t = 0; t < n; t++)
        assert_int_equal(tier_result_summary(r, t, &counts[t], NULL), TIER_OK);
    tier_pipeline_free(p);
}

static void test_diff_pipeline_reads_once_runs_both_policies_and_agrees_with_two_runs(void **state)
{
    tier_allocator a = tst_allocator();
    tier_pipeline *p = NULL;
    const tier_diff *d;
    tier_text *summary = NULL;
    tst_sink s;
    size_t before[4], after[4], t, k, n, row, col, sum;
    (void)state;
    tiers_of("b2b-sabc", before, 4);
    tiers_of("pareto-sabc", after, 4);
    memset(&s, 0, sizeof s);
    assert_int_equal(tier_pipeline_new(&p, &a), TIER_OK);
    assert_int_equal(tier_pipeline_set_output(p, collect, &s), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", tst_data_path("CDNOW_sample.txt")), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "header", "no"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "columns", "customer_id,sample,date,cds,amount"),
                     TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "produce", "diff"), TIER_OK);
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    assert_non_null(
        strstr(tier_pipeline_last_error(p), "diff needs against: the policy to compare with"));
    assert_int_equal(tier_pipeline_set(p, "against", "nope"), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set(p, "against", "pareto-sabc"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "format", "json"), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    d = tier_pipeline_diff(p);
    assert_non_null(d);
    assert_string_equal(tier_diff_label(d, TIER_DIFF_BEFORE), "b2b-sabc");
    assert_string_equal(tier_diff_label(d, TIER_DIFF_AFTER), "pareto-sabc");
    assert_int_equal(tier_diff_customer_count(d), 2357);
    /* Row sums are the tiers of the b2b-sabc run, column sums those of the pareto-sabc run. */
    for (t = 0; t < 4; t++) {
        for (k = 0, row = col = 0; k < 4; k++) {
            assert_int_equal(tier_diff_cell(d, (int)t, (int)k, &n, NULL), TIER_OK);
            row += n;
            assert_int_equal(tier_diff_cell(d, (int)k, (int)t, &n, NULL), TIER_OK);
            col += n;
        }
        assert_int_equal(row, before[t]);
        assert_int_equal(col, after[t]);
    }
    /* The movers are the off-diagonal cells. */
    for (t = 0, sum = 0; t < 4; t++) {
        assert_int_equal(tier_diff_cell(d, (int)t, (int)t, &n, NULL), TIER_OK);
        sum += n;
    }
    assert_int_equal(tier_diff_mover_count(d), 2357 - sum);
    assert_non_null(s.data);
    assert_non_null(strstr(s.data, "\"label\":\"pareto-sabc\""));
    /* The pipeline's result is the run of the `against` policy. */
    assert_int_equal(tier_result_summary(tier_pipeline_result(p), 0, &n, NULL), TIER_OK);
    assert_int_equal(n, after[0]);
    assert_int_equal(tier_text_new(&summary, &a), TIER_OK);
    assert_int_equal(tier_pipeline_summary(p, summary), TIER_OK);
    assert_non_null(strstr(tier_text_data(summary), "2357 customers, 6919 transactions"));
    assert_non_null(strstr(tier_text_data(summary), "b2b-sabc against pareto-sabc"));
    tier_text_free(summary);
    tst_sink_reset(&s);
    tier_pipeline_free(p);
}

static void test_diff_command_takes_against_and_defaults_to_text(void **state)
{
    static const char *const ok[] = {"--input", "x.csv", "--against", "rfm-8"};
    static const char *const missing[] = {"--input", "x.csv"};
    tier_allocator a = tst_allocator();
    tier_pipeline *p = NULL;
    tier_text *t = NULL;
    unsigned int flags = 0;
    (void)state;
    assert_int_equal(tier_text_new(&t, &a), TIER_OK);
    assert_int_equal(tier_pipeline_new(&p, &a), TIER_OK);
    assert_int_equal(tier_pipeline_set_command(p, "diff", 2, missing, &flags), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p),
                        "diff needs --against NAME|FILE: the policy to compare with");
    assert_int_equal(tier_pipeline_set_command(p, "diff", 4, ok, &flags), TIER_OK);
    assert_int_equal(tier_pipeline_get(p, "produce", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "diff");
    assert_int_equal(tier_pipeline_get(p, "format", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "text");
    assert_int_equal(tier_pipeline_get(p, "against", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "rfm-8");
    tier_text_clear(t);
    assert_int_equal(tier_pipeline_usage("diff", t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "usage: tier diff --input FILE --policy A"));
    tier_text_free(t);
    tier_pipeline_free(p);
}

TST_MAIN(
    cmocka_unit_test(test_diff_matrix_counts_customers_and_revenue_from_tier_to_tier),
    cmocka_unit_test(test_diff_moves_are_up_or_down_on_one_ladder_with_their_revenue),
    cmocka_unit_test(test_diff_lists_the_movers_with_both_reasons_in_book_order),
    cmocka_unit_test(test_diff_totals_number_bool_and_text_entitlements),
    cmocka_unit_test(test_diff_counts_the_accounts_routed_to_each_team),
    cmocka_unit_test(test_diff_names_the_side_and_takes_null_outputs),
    cmocka_unit_test(test_diff_text_without_movers_and_of_a_wide_matrix),
    cmocka_unit_test(test_diff_csv_lists_the_movers_exactly),
    cmocka_unit_test(test_diff_json_has_everything_exactly),
    cmocka_unit_test(test_diff_text_shows_summary_matrix_entitlements_teams_and_movers),
    cmocka_unit_test(test_diff_save_writes_the_file_atomically),
    cmocka_unit_test(test_diff_of_other_tiers_moves_across_and_counts_customers_without_a_tier),
    cmocka_unit_test(test_diff_of_two_histories_compares_each_customers_tier_by_id),
    cmocka_unit_test(
        test_diff_of_two_histories_takes_revenue_from_a_book_and_entitlements_from_a_policy),
    cmocka_unit_test(test_diff_refuses_runs_of_another_book_and_keeps_the_last_diff),
    cmocka_unit_test(test_diff_before_any_comparison_has_nothing_to_write),
    cmocka_unit_test(test_diff_write_stops_when_the_callback_does),
    cmocka_unit_test(test_diff_survives_every_failed_allocation),
    cmocka_unit_test(test_diff_of_histories_survives_every_failed_allocation),
    cmocka_unit_test(test_diff_pipeline_reads_once_runs_both_policies_and_agrees_with_two_runs),
    cmocka_unit_test(test_diff_command_takes_against_and_defaults_to_text))
