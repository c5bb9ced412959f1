/* SPDX-License-Identifier: MIT */
/* The last-error rule (include/tier/common.h): a failing call leaves a message about its own
 * failure on the handle it reports on, never an earlier call's; a call that takes the handle
 * writable and succeeds leaves no message. Each case here left an earlier message before (issue
 * 12, defect 11); tests/last_error_sweep.py checks every public call the same way. */
#include <string.h>

#include "support.h"

/* Leaves a message on the book: an amount beyond the limit. */
static void fail_book(tier_book *b, char *copy)
{
    assert_int_not_equal(tier_book_add_txn(b, "A", 1, 0, 1e300, NAN), TIER_OK);
    assert_true(tier_book_last_error(b)[0] != '\0');
    strcpy(copy, tier_book_last_error(b));
}

static void test_book_calls_report_their_own_failure(void **state)
{
    char earlier[600];
    tier_book *b = NULL, *other = NULL;
    tier_record *r = NULL;
    (void)state;
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_record_new(&r, TST_ALLOC), TIER_OK);
    fail_book(b, earlier);
    assert_int_equal(tier_book_merge(b, b), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(b), "a book cannot be merged into itself");
    fail_book(b, earlier);
    assert_int_equal(tier_book_merge(b, NULL), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(b), "the book to merge is NULL");
    fail_book(b, earlier);
    assert_int_equal(tier_book_add_record(b, NULL, NULL), TIER_EINVAL);
    assert_string_not_equal(tier_book_last_error(b), earlier);
    /* A success clears the message. */
    assert_int_equal(tier_book_new(&other, TST_ALLOC), TIER_OK);
    fail_book(b, earlier);
    assert_int_equal(tier_book_merge(b, other), TIER_OK);
    assert_string_equal(tier_book_last_error(b), "");
    /* The record a customer is copied into reports the missing customer. */
    assert_int_equal(tier_record_set_id(r, "", 0), TIER_EINVAL);
    assert_true(tier_record_last_error(r)[0] != '\0');
    assert_int_equal(tier_book_get_record(b, 5, r), TIER_ERANGE);
    assert_string_equal(tier_record_last_error(r), "no customer 5 (the book has 0)");
    tier_record_free(r);
    tier_book_free(other);
    tier_book_free(b);
}

static void test_frame_calls_report_their_own_failure(void **state)
{
    tier_frame *f = NULL;
    tier_book *b = NULL;
    tier_model *m = NULL;
    double *v;
    int32_t *codes;
    (void)state;
    assert_int_equal(tier_frame_new(&f, 0, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_rfm_new(&m, "rfm", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_set_error(f, "earlier"), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, "x", NULL), TIER_EINVAL);
    assert_string_not_equal(tier_frame_last_error(f), "earlier");
    assert_int_equal(tier_frame_set_error(f, "earlier"), TIER_OK);
    assert_int_equal(tier_frame_add_labels(f, "y", NULL, 1, &codes), TIER_EINVAL);
    assert_string_not_equal(tier_frame_last_error(f), "earlier");
    assert_int_equal(tier_frame_set_error(f, "earlier"), TIER_OK);
    assert_int_equal(tier_frame_set_error(f, NULL), TIER_EINVAL);
    assert_string_not_equal(tier_frame_last_error(f), "earlier");
    /* Scoring reports on the frame, also for a missing model. */
    assert_int_equal(tier_frame_set_error(f, "earlier"), TIER_OK);
    assert_int_equal(tier_model_score(NULL, b, f), TIER_EINVAL);
    assert_string_equal(tier_frame_last_error(f),
                        "scoring needs a model and a book (the model is NULL)");
    assert_int_equal(tier_frame_set_error(f, "earlier"), TIER_OK);
    assert_int_equal(tier_model_score_row(m, NULL, f, 0), TIER_EINVAL);
    assert_string_not_equal(tier_frame_last_error(f), "earlier");
    /* A success clears it. */
    assert_int_equal(tier_frame_set_error(f, "earlier"), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, "x", &v), TIER_OK);
    assert_string_equal(tier_frame_last_error(f), "");
    tst_release(f, m, b);
}

static int never(void *ud, const char *data, size_t len)
{
    (void)ud;
    (void)data;
    (void)len;
    return 0;
}

static void test_setters_that_succeed_clear_the_message(void **state)
{
    tier_pipeline *p = NULL;
    tier_csv *csv = NULL;
    tier_result *res = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_csv_new(&csv, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "no_such_setting", "1"), TIER_ENOTFOUND);
    assert_true(tier_pipeline_last_error(p)[0] != '\0');
    assert_int_equal(tier_pipeline_set_output(p, never, NULL), TIER_OK);
    assert_string_equal(tier_pipeline_last_error(p), "");
    /* A failed read-only call on the pipeline says why, not what failed before. */
    assert_int_equal(tier_pipeline_set(p, "no_such_setting", "1"), TIER_ENOTFOUND);
    assert_int_equal(tier_pipeline_summary(p, t), TIER_ESTATE);
    assert_string_equal(tier_pipeline_last_error(p), "summary: the pipeline has not run yet");
    assert_int_equal(tier_pipeline_get(p, "no_such_setting", t), TIER_ENOTFOUND);
    assert_string_equal(tier_pipeline_last_error(p), "get: no setting \"no_such_setting\"");
    assert_int_equal(tier_csv_set_delimiter(csv, '"'), TIER_EINVAL);
    assert_true(tier_csv_last_error(csv)[0] != '\0');
    assert_int_equal(tier_csv_set_io(csv, NULL), TIER_OK);
    assert_string_equal(tier_csv_last_error(csv), "");
    assert_int_equal(tier_result_set_as_of(res, 0.5), TIER_ERANGE);
    assert_true(tier_result_last_error(res)[0] != '\0');
    assert_int_equal(tier_result_set_as_of(res, 10), TIER_OK);
    assert_string_equal(tier_result_last_error(res), "");
    tier_text_free(t);
    tier_result_free(res);
    tier_csv_free(csv);
    tier_pipeline_free(p);
}

TST_MAIN(cmocka_unit_test(test_book_calls_report_their_own_failure),
         cmocka_unit_test(test_frame_calls_report_their_own_failure),
         cmocka_unit_test(test_setters_that_succeed_clear_the_message))
