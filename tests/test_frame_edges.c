/* SPDX-License-Identifier: MIT */
/* The frame's calls at their edges (include/tier/frame.h): every accessor answers NULL or 0 for
 * a missing frame or a column out of range, or a column of the other type; a label column
 * refuses a missing place, missing labels, a NULL label and one that is not UTF-8, and a column
 * name with other characters, each with the reason and no column added. */
#include <string.h>

#include "support.h"

static void test_accessors_of_what_is_not_there(void **state)
{
    tier_frame *f = NULL;
    double *v;
    int32_t *codes;
    const char *const labels[] = {"x", "y"};
    (void)state;
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, "n", &v), TIER_OK);
    assert_int_equal(tier_frame_add_labels(f, "l", labels, 2, &codes), TIER_OK);
    assert_null(tier_frame_column_name(NULL, 0));
    assert_null(tier_frame_column_name(f, 2));
    assert_int_equal(tier_frame_column_type(NULL, 0), 0);
    assert_int_equal(tier_frame_column_type(f, 2), 0);
    assert_null(tier_frame_numbers(NULL, 0));
    assert_null(tier_frame_numbers(f, 2));
    assert_null(tier_frame_numbers(f, 1)); /* labels, not numbers */
    assert_null(tier_frame_labels(NULL, 1));
    assert_null(tier_frame_labels(f, 2));
    assert_null(tier_frame_labels(f, 0));
    assert_int_equal(tier_frame_label_count(NULL, 1), 0);
    assert_int_equal(tier_frame_label_count(f, 2), 0);
    assert_int_equal(tier_frame_label_count(f, 0), 0);
    assert_int_equal(tier_frame_label_count(f, 1), 2);
    assert_string_equal(tier_frame_column_name(f, 1), "l");
    assert_int_equal(tier_frame_column_type(f, 0), TIER_VALUE_NUMBER);
    tier_frame_free(f);
}

static void test_label_columns_refuse_what_they_cannot_hold(void **state)
{
    const char *const with_null[] = {"x", NULL}, *const not_utf8[] = {"x", "\xc3("};
    tier_frame *f = NULL;
    int32_t *codes = NULL;
    (void)state;
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_labels(f, "l", with_null, 1, NULL), TIER_EINVAL);
    assert_int_equal(tier_frame_add_labels(f, "l", NULL, 2, &codes), TIER_EINVAL);
    assert_non_null(strstr(tier_frame_last_error(f), "the labels are NULL"));
    assert_int_equal(tier_frame_add_labels(f, "l", with_null, 2, &codes), TIER_EINVAL);
    assert_non_null(
        strstr(tier_frame_last_error(f), "label 1 of column \"l\" is NULL or not UTF-8"));
    assert_int_equal(tier_frame_add_labels(f, "l", not_utf8, 2, &codes), TIER_EINVAL);
    assert_non_null(
        strstr(tier_frame_last_error(f), "label 1 of column \"l\" is NULL or not UTF-8"));
    assert_int_equal(tier_frame_add_labels(f, "a b", with_null, 1, &codes), TIER_EINVAL);
    assert_non_null(strstr(tier_frame_last_error(f), "invalid column name \"a b\""));
    assert_int_equal(tier_frame_column_count(f), 0);
    assert_null(codes);
    /* no labels at all is a column of no label yet */
    assert_int_equal(tier_frame_add_labels(f, "l", NULL, 0, &codes), TIER_OK);
    assert_int_equal(tier_frame_label_count(f, 0), 0);
    tier_frame_free(f);
}

TST_MAIN(cmocka_unit_test(test_accessors_of_what_is_not_there),
         cmocka_unit_test(test_label_columns_refuse_what_they_cannot_hold))
