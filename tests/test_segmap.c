/* SPDX-License-Identifier: MIT */
/* Segment maps: the built-in maps are exact partitions, the text format parses and rejects what
 * it should with a line number, and the check finds overlapping, shadowed and uncovered cells. */
#include <stdio.h>
#include <string.h>

#include "support.h"

static tier_segmap *parse_ok(const char *text)
{
    tier_segmap *map = NULL;
    assert_int_equal(tier_segmap_parse(&map, text, strlen(text), TST_ALLOC, NULL), TIER_OK);
    assert_non_null(map);
    return map;
}

static int find_segment(const tier_segmap *map, const char *name)
{
    size_t i;
    for (i = 0; i < tier_segmap_count(map); i++)
        if (strcmp(tier_segmap_name(map, i), name) == 0)
            return (int)i;
    return -1;
}

static void test_segmap_rf10_is_an_exact_partition_of_the_25_cells(void **s)
{
    tier_segmap *map = NULL;
    size_t over = 9, shadow = 9, unc = 9, cells[10] = {0};
    int r, f, i;
    /* Expected segment per cell, rows r = 1..5, columns f = 1..5 (written out by hand). */
    static const char *const grid[5][5] = {
        {"hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"},
        {"hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"},
        {"about_to_sleep", "about_to_sleep", "need_attention", "loyal_customers",
         "loyal_customers"},
        {"promising", "potential_loyalists", "potential_loyalists", "loyal_customers",
         "loyal_customers"},
        {"new_customers", "potential_loyalists", "potential_loyalists", "champions", "champions"},
    };
    (void)s;
    assert_int_equal(tier_segmap_new_builtin(&map, TIER_SEGMAP_RF10, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_segmap_count(map), 10);
    for (r = 1; r <= 5; r++) {
        for (f = 1; f <= 5; f++) {
            int got = tier_segmap_lookup(map, r, f, 0);
            assert_true(got >= 0);
            assert_string_equal(tier_segmap_name(map, (size_t)got), grid[r - 1][f - 1]);
            cells[got]++;
            /* The map leaves M open: any M score gives the same segment. */
            assert_int_equal(tier_segmap_lookup(map, r, f, 3), got);
        }
    }
    for (i = 0; i < 10; i++)
        assert_true(cells[i] > 0);
    assert_int_equal(tier_segmap_check(map, 5, &over, &shadow, &unc, NULL), TIER_OK);
    assert_int_equal(over, 0);
    assert_int_equal(shadow, 0);
    assert_int_equal(unc, 0);
    /* An unscored R (0) matches no RF10 segment. */
    assert_int_equal(tier_segmap_lookup(map, 0, 5, 0), -1);
    tier_segmap_free(map);
}

static void test_segmap_rfm8_has_no_defects_and_high_means_three_or_more(void **s)
{
    static const struct {
        int r, f, m;
        const char *segment;
    } cells[] = {{5, 5, 5, "important_value"}, {3, 2, 3, "important_develop"},
                 {2, 3, 4, "important_keep"},  {1, 1, 3, "important_retain"},
                 {3, 3, 2, "general_value"},   {4, 1, 1, "general_develop"},
                 {2, 5, 2, "general_keep"},    {1, 2, 1, "general_retain"}};
    tier_segmap *map = NULL;
    tier_text *report = NULL;
    size_t over = 9, shadow = 9, unc = 9, i;
    (void)s;
    assert_int_equal(tier_segmap_new_builtin(&map, TIER_SEGMAP_RFM8, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&report, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_segmap_count(map), 8);
    assert_int_equal(tier_segmap_check(map, 5, &over, &shadow, &unc, report), TIER_OK);
    assert_int_equal(over, 0);
    assert_int_equal(shadow, 0);
    assert_int_equal(unc, 0);
    assert_non_null(strstr(tier_text_data(report), "checked 125 cells"));
    for (i = 0; i < TST_COUNT(cells); i++) {
        int got = tier_segmap_lookup(map, cells[i].r, cells[i].f, cells[i].m);
        if (got < 0 || strcmp(tier_segmap_name(map, (size_t)got), cells[i].segment) != 0)
            fail_msg("r=%d f=%d m=%d: got %s, want %s", cells[i].r, cells[i].f, cells[i].m,
                     got < 0 ? "no segment" : tier_segmap_name(map, (size_t)got), cells[i].segment);
    }
    /* M unscored: no class. */
    assert_int_equal(tier_segmap_lookup(map, 5, 5, 0), -1);
    tier_text_free(report);
    tier_segmap_free(map);
}

static void test_segmap_check_finds_overlap_shadow_and_gaps_in_a_public_style_map(void **s)
{
    /* Written like the maps found in blog posts: overlapping boxes, a segment hidden behind an
     * earlier one, and a hole. Hand count on the 5 x 5 grid:
     *   overlapping: champions/loyal at r=4-5 f=4-5 (4 cells), at_risk/cant_lose at r=1 f=5 (1)
     *   shadowed:    cant_lose (its only cell is taken by at_risk)
     *   uncovered:   r=3 f=1, r=3 f=2, r=4 f=1, r=4 f=2, r=5 f=2 (5 cells) */
    static const char text[] = "# a defective map\n"
                               "\n"
                               "libtier-segmap 1\n"
                               "champions: r=4-5 f=4-5\n"
                               "loyal:     r=3-5 f=3-5   # overlaps champions\n"
                               "new:       r=5 f=1\n"
                               "at_risk:   r=1-2 f=3-5\n"
                               "cant_lose: r=1 f=5\n"
                               "hibernating: r=1-2 f=1-2\n";
    tier_segmap *map = parse_ok(text);
    tier_text *report = NULL;
    size_t over = 0, shadow = 0, unc = 0;
    static const char *const found[] = {"overlapping r=1 f=5: at_risk, cant_lose",
                                        "overlapping r=5 f=5: champions, loyal",
                                        "shadowed cant_lose",
                                        "uncovered r=3 f=1\n",
                                        "uncovered r=5 f=2\n",
                                        "5 overlapping, 1 shadowed, 5 uncovered"};
    (void)s;
    assert_int_equal(tier_segmap_count(map), 6);
    assert_int_equal(tier_text_new(&report, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_segmap_check(map, 5, &over, &shadow, &unc, report), TIER_OK);
    assert_int_equal(over, 5);
    assert_int_equal(shadow, 1);
    assert_int_equal(unc, 5);
    tst_expect_parts(tier_text_data(report), found, TST_COUNT(found));
    assert_null(strstr(tier_text_data(report), "uncovered r=5 f=1"));
    /* First match wins. */
    assert_int_equal(tier_segmap_lookup(map, 5, 5, 0), find_segment(map, "champions"));
    assert_int_equal(tier_segmap_lookup(map, 1, 5, 0), find_segment(map, "at_risk"));
    assert_int_equal(tier_segmap_lookup(map, 4, 1, 0), -1);
    tier_text_free(report);
    tier_segmap_free(map);
}

static void test_segmap_check_uses_three_dimensions_when_a_segment_names_m(void **s)
{
    tier_segmap *map = parse_ok("libtier-segmap 1\nbig: m=4-5\nrest: r=1-5 f=1-5 m=1-3\n");
    size_t over = 9, shadow = 9, unc = 9;
    (void)s;
    assert_int_equal(tier_segmap_check(map, 5, &over, &shadow, &unc, NULL), TIER_OK);
    assert_int_equal(over, 0);
    assert_int_equal(shadow, 0);
    assert_int_equal(unc, 0);
    assert_int_equal(tier_segmap_check(map, 1, NULL, NULL, NULL, NULL), TIER_ERANGE);
    assert_int_equal(tier_segmap_check(map, 11, NULL, NULL, NULL, NULL), TIER_ERANGE);
    /* With 6 scores: m=6, and r=6 or f=6 with m=1-3, are covered by nobody. */
    assert_int_equal(tier_segmap_check(map, 6, &over, &shadow, &unc, NULL), TIER_OK);
    assert_int_equal(unc, 6 * 6 * 6 - 6 * 6 * 2 - 5 * 5 * 3);
    tier_segmap_free(map);
}

static void test_segmap_parse_accepts_comments_crlf_and_open_dimensions(void **s)
{
    tier_segmap *map =
        parse_ok("  # leading comment\r\n\r\nlibtier-segmap   1 # header\r\nvip : f=5\r\nall:\r\n");
    (void)s;
    assert_int_equal(tier_segmap_count(map), 2);
    assert_string_equal(tier_segmap_name(map, 0), "vip");
    assert_string_equal(tier_segmap_name(map, 1), "all");
    assert_null(tier_segmap_name(map, 2));
    assert_int_equal(tier_segmap_lookup(map, 1, 5, 1), 0);
    assert_int_equal(tier_segmap_lookup(map, 0, 4, 0), 1);
    tier_segmap_free(map);
}

/* Maps the parser refuses, with the status and a part of the message (which names the line). */
static const struct {
    const char *text;
    int status;
    const char *message;
} malformed[] = {
    {"", TIER_EPARSE, "line 1: empty map"},
    {"# only a comment\n", TIER_EPARSE, "empty map"},
    {"champions: r=5\n", TIER_EPARSE, "line 1: expected the header"},
    {"libtier-segmap 2\n", TIER_EPARSE, "line 1: unsupported segment map version"},
    {"libtier-segmap\n", TIER_EPARSE, "line 1:"},
    {"libtier-segmap 1\nChampions: r=5\n", TIER_EPARSE, "line 2: segment name"},
    {"libtier-segmap 1\nchamp-ions: r=5\n", TIER_EPARSE, "line 2: segment name"},
    {"libtier-segmap 1\nchampions r=5\n", TIER_EPARSE, "line 2: expected ':'"},
    {"libtier-segmap 1\nchampions\n", TIER_EPARSE, "line 2: expected ':'"},
    {"libtier-segmap 1\n\na: r=4-2\n", TIER_EPARSE, "line 3: range runs backwards"},
    {"libtier-segmap 1\na: r=11\n", TIER_EPARSE, "line 2: scores must lie in 1..10"},
    {"libtier-segmap 1\na: r=0-3\n", TIER_EPARSE, "scores must lie in 1..10"},
    {"libtier-segmap 1\na: r=1 r=2\n", TIER_EPARSE, "line 2: dimension given twice"},
    {"libtier-segmap 1\na: x=1\n", TIER_EPARSE, "line 2: expected r=, f= or m="},
    {"libtier-segmap 1\na: r=\n", TIER_EPARSE, "expected a score after '='"},
    {"libtier-segmap 1\na: r=1-\n", TIER_EPARSE, "expected a score after '-'"},
    {"libtier-segmap 1\na: r=1x\n", TIER_EPARSE, "unexpected text"},
    {"libtier-segmap 1\na: r=1\na: f=2\n", TIER_EPARSE, "line 3: duplicate segment name"},
    {"libtier-segmap 1\n"
     "a234567890123456789012345678901234567890123456789012345678901234x: r=1\n",
     TIER_EPARSE, "longer than 64"},
    {"libtier-segmap 1\na: r=99999\n", TIER_EPARSE, "line 2: scores must lie in 1..10"},
    {"libtier-segmap 1\na: r=1-11\n", TIER_EPARSE, "line 2: scores must lie in 1..10"},
    {"libtier-segmap 1\na: r\n", TIER_EPARSE, "line 2: expected r=, f= or m="},
    {"libtier-segmap 1\na: rx1\n", TIER_EPARSE, "line 2: expected r=, f= or m="},
    {"libtier-segmap 1\na.b: r=1\n", TIER_EPARSE, "line 2: segment name"},
    {"libtier-segmap 1\n:r=1\n", TIER_EPARSE, "line 2: segment name"},
    {"libtier-segmapx 1\n", TIER_EPARSE, "line 1: expected the header"},
    {"libtier-segmap 1 2\n", TIER_EPARSE, "line 1: unsupported segment map version"},
    {"libtier-segmap 12\n", TIER_EPARSE, "line 1: unsupported segment map version"}};

static void test_segmap_parse_rejects_malformed_maps_naming_the_line(void **s)
{
    tier_text *err = NULL;
    size_t i;
    (void)s;
    assert_int_equal(tier_text_new(&err, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(malformed); i++) {
        tier_segmap *map = (tier_segmap *)TST_ALLOC; /* must be reset to NULL */
        int rc;
        tier_text_clear(err);
        rc = tier_segmap_parse(&map, malformed[i].text, strlen(malformed[i].text), TST_ALLOC, err);
        if (rc != malformed[i].status || map || !strstr(tier_text_data(err), malformed[i].message))
            fail_msg("map %lu: got %s \"%s\"%s, want %s and \"%s\"", (unsigned long)i,
                     tier_status_name(rc), tier_text_data(err), map ? " and a map" : "",
                     tier_status_name(malformed[i].status), malformed[i].message);
    }
    tier_text_free(err);
}

/* Tabs and carriage returns are blanks; the last line needs no newline; text without bytes. */
static void test_segmap_parse_takes_blanks_and_a_last_line_without_newline(void **s)
{
    static const char text[] = "libtier-segmap\t1\r\n\ttop :\tr=4-5 f=5\r\nrest: r=1-3";
    tier_segmap *map = parse_ok(text), *none = (tier_segmap *)TST_ALLOC;
    tier_text *err = NULL;
    (void)s;
    assert_int_equal(tier_segmap_count(map), 2);
    assert_string_equal(tier_segmap_name(map, 0), "top");
    assert_int_equal(tier_segmap_lookup(map, 5, 5, 1), 0);
    assert_int_equal(tier_segmap_lookup(map, 2, 1, 1), 1);
    assert_int_equal(tier_segmap_lookup(map, 4, 1, 1), -1);
    tier_segmap_free(map);
    assert_int_equal(tier_text_new(&err, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_segmap_parse(&none, NULL, 4, TST_ALLOC, err), TIER_EPARSE);
    assert_null(none);
    assert_string_equal(tier_text_data(err), "line 1: no text");
    tier_text_free(err);
}

static void test_segmap_parse_reports_a_nul_byte(void **s)
{
    static const char text[] = "libtier-segmap 1\na: r=1\0\n";
    tier_segmap *map = NULL;
    (void)s;
    assert_int_equal(tier_segmap_parse(&map, text, sizeof text - 1, TST_ALLOC, NULL), TIER_EPARSE);
    assert_null(map);
}

static void test_segmap_parse_limits_the_number_of_segments(void **s)
{
    tier_segmap *map = NULL;
    size_t cap = 20 + 1100 * 16, len, i;
    char *text = test_malloc(cap);
    (void)s;
    len = (size_t)snprintf(text, cap, "libtier-segmap 1\n");
    for (i = 0; i < 1025; i++)
        len += (size_t)snprintf(text + len, cap - len, "s%lu: r=1\n", (unsigned long)i);
    assert_int_equal(tier_segmap_parse(&map, text, len, TST_ALLOC, NULL), TIER_ERANGE);
    assert_null(map);
    test_free(text);
}

static void test_segmap_builtin_rejects_an_unknown_id(void **s)
{
    tier_segmap *map = NULL;
    (void)s;
    assert_int_equal(tier_segmap_new_builtin(&map, 3, TST_ALLOC), TIER_EINVAL);
    assert_null(map);
    assert_int_equal(tier_segmap_new_builtin(NULL, TIER_SEGMAP_RF10, TST_ALLOC), TIER_EINVAL);
    assert_int_equal(tier_segmap_count(NULL), 0);
    assert_int_equal(tier_segmap_lookup(NULL, 1, 1, 1), -1);
    tier_segmap_free(NULL);
}

static int oom_segmap(const tier_allocator *alloc, void *ud)
{
    static const char text[] = "libtier-segmap 1\na: r=1-2 f=5\nb: r=1 f=5\nc: f=1-4\n";
    tier_segmap *map = NULL, *rf10 = NULL;
    tier_text *report = NULL;
    size_t over = 0;
    int rc;
    (void)ud;
    rc = tier_segmap_parse(&map, text, strlen(text), alloc, NULL);
    if (rc == TIER_OK)
        rc = tier_segmap_new_builtin(&rf10, TIER_SEGMAP_RF10, alloc);
    if (rc == TIER_OK)
        rc = tier_text_new(&report, alloc);
    if (rc == TIER_OK) {
        rc = tier_segmap_check(map, 5, &over, NULL, NULL, report);
        if (rc == TIER_OK) {
            assert_int_equal(over, 1);
        } else {
            /* All or nothing: nothing was appended. */
            assert_int_equal(tier_text_length(report), 0);
        }
    }
    tier_text_free(report);
    tier_segmap_free(rf10);
    tier_segmap_free(map);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_segmap_rf10_is_an_exact_partition_of_the_25_cells),
         cmocka_unit_test(test_segmap_rfm8_has_no_defects_and_high_means_three_or_more),
         cmocka_unit_test(test_segmap_check_finds_overlap_shadow_and_gaps_in_a_public_style_map),
         cmocka_unit_test(test_segmap_check_uses_three_dimensions_when_a_segment_names_m),
         cmocka_unit_test(test_segmap_parse_accepts_comments_crlf_and_open_dimensions),
         cmocka_unit_test(test_segmap_parse_rejects_malformed_maps_naming_the_line),
         cmocka_unit_test(test_segmap_parse_takes_blanks_and_a_last_line_without_newline),
         cmocka_unit_test(test_segmap_parse_reports_a_nul_byte),
         cmocka_unit_test(test_segmap_parse_limits_the_number_of_segments),
         cmocka_unit_test(test_segmap_builtin_rejects_an_unknown_id),
         TST_OOM_WALK(test_segmap_survives_every_failed_allocation, oom_segmap, NULL, 3))
