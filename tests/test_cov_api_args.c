/* SPDX-License-Identifier: MIT */
/* Argument checks of the public functions: a NULL handle, a NULL output or input pointer, an
 * index out of range, an unknown option, side or format. Each call must return the documented
 * status (TIER_EINVAL for a missing argument, TIER_ERANGE or TIER_ENOTFOUND where the header says
 * so) or the documented neutral value (0, "", NULL) and change nothing: the handles' contents are
 * checked again after the refusals. Nothing here may crash. */
#include <math.h>
#include <string.h>

#include "support.h"

static int write_nothing(void *ud, const char *data, size_t len)
{
    (void)ud;
    (void)data;
    (void)len;
    return 0;
}

static const tst_txn ROWS[] = {{"a", 19000, 10}, {"a", 19010, 20}, {"b", 19005, 5}};

static void test_book_and_record_refuse_missing_arguments(void **state)
{
    tier_book *book = tst_book_of(TST_ALLOC, ROWS, TST_COUNT(ROWS));
    tier_record *rec = NULL;
    int64_t opt;
    int32_t first, last, day;
    double v, amount, margin;
    size_t idx;
    const char *text;
    int type;
    (void)state;
    /* books */
    assert_int_equal(tier_book_set_option(NULL, TIER_BOOK_OPT_KEEP_TRANSACTIONS, 1), TIER_EINVAL);
    assert_int_equal(tier_book_get_option(NULL, TIER_BOOK_OPT_KEEP_TRANSACTIONS, &opt),
                     TIER_EINVAL);
    assert_int_equal(tier_book_get_option(book, TIER_BOOK_OPT_KEEP_TRANSACTIONS, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_book_add_txn(NULL, "x", 1, 19000, 1, NAN), TIER_EINVAL);
    assert_int_equal(tier_book_add_txns(NULL, 0, "", NULL, NULL, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_book_add_txns(book, 1, NULL, NULL, NULL, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_book_merge(NULL, book), TIER_EINVAL);
    assert_int_equal(tier_book_merge(book, NULL), TIER_EINVAL);
    assert_int_equal(tier_book_merge(book, book), TIER_EINVAL);
    assert_int_equal(tier_book_add_customer(NULL, "x", 1, &idx), TIER_EINVAL);
    assert_int_equal(tier_book_find(NULL, "a", 1, &idx), TIER_ENOTFOUND);
    assert_int_equal(tier_book_find(book, NULL, 1, &idx), TIER_ENOTFOUND);
    assert_int_equal(tier_book_customer_count(NULL), 0);
    assert_int_equal(tier_book_txn_count(NULL), 0);
    assert_null(tier_book_customer_id(NULL, 0, &idx));
    assert_null(tier_book_customer_id(book, 2, NULL));
    assert_int_equal(tier_book_customer_stat(NULL, 0, 1, &v), TIER_EINVAL);
    assert_int_equal(tier_book_customer_stat(book, 0, 1, NULL), TIER_EINVAL);
    assert_int_equal(tier_book_txn(NULL, 0, &idx, &day, &amount, &margin), TIER_ERANGE);
    assert_int_equal(tier_book_txn(book, 3, &idx, &day, &amount, &margin), TIER_ERANGE);
    assert_int_equal(tier_book_day_range(NULL, &first, &last), TIER_ENOTFOUND);
    assert_int_equal(tier_book_set_number(NULL, 0, "n", 1), TIER_EINVAL);
    assert_int_equal(tier_book_set_text(NULL, 0, "t", "x"), TIER_EINVAL);
    assert_int_equal(tier_book_get_number(NULL, 0, "n", &v), TIER_EINVAL);
    assert_int_equal(tier_book_get_text(NULL, 0, "t", &text), TIER_EINVAL);
    assert_int_equal(tier_book_attribute_count(NULL), 0);
    assert_null(tier_book_attribute_name(NULL, 0, &type));
    assert_null(tier_book_attribute_name(book, 0, &type));
    assert_int_equal(tier_book_savepoint(NULL), TIER_EINVAL);
    assert_int_equal(tier_book_rollback(NULL), TIER_EINVAL);
    assert_int_equal(tier_book_release(NULL), TIER_EINVAL);
    assert_int_equal(tier_book_savepoint_depth(NULL), 0);
    assert_int_equal(tier_book_release(book), TIER_ESTATE);
    assert_int_equal(tier_book_contract_count(NULL, 0), 0);
    assert_int_equal(tier_book_contract_total(NULL), 0);
    assert_int_equal(tier_book_contract(NULL, 0, 0, NULL), TIER_EINVAL);
    assert_int_equal(tier_book_add_contract(NULL, "a", 1, NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_book_add_contract(book, "a", 1, NULL, 0), TIER_EINVAL);
    assert_int_equal(
        tier_book_add_contracts(NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0),
        TIER_EINVAL);
    assert_string_equal(tier_book_last_error(NULL), "");

    /* records */
    assert_int_equal(tier_record_new(&rec, TST_ALLOC), TIER_OK);
    tier_record_clear(NULL);
    assert_string_equal(tier_record_last_error(NULL), "");
    assert_int_equal(tier_record_set_id(NULL, "a", 1), TIER_EINVAL);
    assert_int_equal(tier_record_set_id(rec, NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_record_set_id(rec, "a", 0), TIER_EINVAL);
    assert_int_equal(tier_record_set_id(rec, "\xff", 1), TIER_EINVAL);
    assert_string_equal(tier_record_last_error(rec), "customer id is empty or not valid UTF-8");
    assert_string_equal(tier_record_id(NULL, &idx), "");
    assert_int_equal(idx, 0);
    assert_string_equal(tier_record_id(rec, NULL), "");
    assert_int_equal(tier_record_add_txn(NULL, 19000, 1, NAN), TIER_EINVAL);
    assert_int_equal(tier_record_add_txn(rec, TIER_DAY_MAX + 1, 1, NAN), TIER_ERANGE);
    assert_int_equal(tier_record_txn_count(NULL), 0);
    assert_int_equal(tier_record_txn_count(rec), 0);
    assert_int_equal(tier_record_txn(NULL, 0, &day, &amount, &margin), TIER_ERANGE);
    assert_int_equal(tier_record_add_txn(rec, 19000, 1.5, NAN), TIER_OK);
    assert_int_equal(tier_record_txn(rec, 1, &day, &amount, &margin), TIER_ERANGE);
    /* every output is optional */
    assert_int_equal(tier_record_txn(rec, 0, NULL, NULL, NULL), TIER_OK);
    assert_int_equal(tier_record_txn(rec, 0, &day, &amount, &margin), TIER_OK);
    assert_int_equal(day, 19000);
    assert_true(amount == 1.5 && isnan(margin));
    assert_int_equal(tier_record_set_number(NULL, "n", 1), TIER_EINVAL);
    assert_int_equal(tier_record_set_number(rec, NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_record_set_number(rec, "", 1), TIER_EINVAL);
    assert_int_equal(tier_record_set_number(rec, "n", INFINITY), TIER_EINVAL);
    assert_int_equal(tier_record_set_text(rec, "t", "\xc3"), TIER_EINVAL);
    assert_string_equal(tier_record_last_error(rec),
                        "attribute name or value is empty, not UTF-8 or infinite");
    assert_int_equal(tier_record_get_number(NULL, "n", &v), TIER_EINVAL);
    assert_int_equal(tier_record_get_number(rec, NULL, &v), TIER_EINVAL);
    assert_int_equal(tier_record_get_number(rec, "n", NULL), TIER_EINVAL);
    assert_int_equal(tier_record_get_text(rec, "n", NULL), TIER_EINVAL);
    /* set, read as the other type, clear */
    assert_int_equal(tier_record_set_number(rec, "n", 2), TIER_OK);
    assert_int_equal(tier_record_get_text(rec, "n", &text), TIER_ENOTFOUND);
    assert_int_equal(tier_record_set_number(rec, "n", NAN), TIER_OK);
    assert_int_equal(tier_record_get_number(rec, "n", &v), TIER_ENOTFOUND);
    assert_int_equal(tier_record_set_text(rec, "gone", NULL), TIER_OK); /* clearing nothing */
    assert_int_equal(tier_book_add_record(NULL, rec, &idx), TIER_EINVAL);
    assert_int_equal(tier_book_add_record(book, NULL, &idx), TIER_EINVAL);
    assert_int_equal(tier_book_get_record(NULL, 0, rec), TIER_EINVAL);
    assert_int_equal(tier_book_get_record(book, 0, NULL), TIER_EINVAL);
    /* the refusals changed nothing */
    assert_int_equal(tier_record_txn_count(rec), 1);
    assert_int_equal(tier_book_customer_count(book), 2);
    assert_int_equal(tier_book_txn_count(book), 3);
    tier_record_free(rec);
    tier_book_free(book);
}

static void test_frame_text_and_value_refuse_missing_arguments(void **state)
{
    tier_frame *f = NULL;
    tier_text *t = NULL;
    tier_value *val = NULL;
    double *num;
    int32_t *codes;
    size_t col;
    static const char *const labels[] = {"x"};
    (void)state;
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_set_error(NULL, "x"), TIER_EINVAL);
    assert_int_equal(tier_frame_set_error(f, NULL), TIER_EINVAL);
    assert_string_equal(tier_frame_last_error(NULL), "");
    assert_int_equal(tier_frame_rows(NULL), 0);
    assert_int_equal(tier_frame_column_count(NULL), 0);
    assert_null(tier_frame_column_name(f, 0));
    assert_int_equal(tier_frame_find(NULL, "x", &col), TIER_ENOTFOUND);
    assert_int_equal(tier_frame_find(f, NULL, &col), TIER_ENOTFOUND);
    assert_null(tier_frame_numbers(NULL, 0));
    assert_null(tier_frame_labels(NULL, 0));
    assert_int_equal(tier_frame_label_count(NULL, 0), 0);
    assert_null(tier_frame_label_text(NULL, 0, 0));
    assert_int_equal(tier_frame_add_numbers(NULL, "x", &num), TIER_EINVAL);
    assert_int_equal(tier_frame_add_numbers(f, "x", NULL), TIER_EINVAL);
    assert_int_equal(tier_frame_add_labels(NULL, "x", labels, 1, &codes), TIER_EINVAL);
    assert_int_equal(tier_frame_add_labels(f, "x", labels, 1, NULL), TIER_EINVAL);
    assert_int_equal(tier_frame_add_labels(f, "x", NULL, 1, &codes), TIER_EINVAL);
    assert_int_equal(tier_frame_add_labels(f, "k", labels, 1, &codes), TIER_OK);
    assert_null(tier_frame_label_text(f, 0, -1));
    assert_null(tier_frame_label_text(f, 0, 1));
    assert_null(tier_frame_label_text(f, 1, 0));
    assert_string_equal(tier_frame_label_text(f, 0, 0), "x");
    assert_int_equal(tier_frame_column_count(f), 1);
    tier_frame_free(f);

    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_append(NULL, "x", 1), TIER_EINVAL);
    assert_int_equal(tier_text_append(t, NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_text_append(t, NULL, 0), TIER_OK);
    assert_int_equal(tier_text_length(t), 0);
    assert_int_equal(tier_text_length(NULL), 0);
    assert_string_equal(tier_text_data(NULL), "");
    tier_text_clear(NULL);
    tier_text_free(t);

    assert_int_equal(tier_value_new(&val, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_value_set_number(NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_value_set_text(NULL, "x"), TIER_EINVAL);
    assert_int_equal(tier_value_set_text(val, NULL), TIER_EINVAL);
    assert_int_equal(tier_value_set_text(val, "\xff"), TIER_EINVAL);
    assert_int_equal(tier_value_set_list(NULL, labels, 1), TIER_EINVAL);
    assert_int_equal(tier_value_set_list(val, NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_value_get_type(NULL), 0);
    assert_true(isnan(tier_value_number(NULL)));
    assert_null(tier_value_list_item(NULL, 0));
    assert_int_equal(tier_value_list_count(NULL), 0);
    tier_value_free(val);
}

static void test_models_refuse_missing_arguments(void **state)
{
    tier_book *book = tst_book_of(TST_ALLOC, ROWS, TST_COUNT(ROWS));
    tier_model *m = NULL, *none = NULL;
    tier_frame *f = NULL;
    tier_text *t = NULL;
    tier_value *val = NULL;
    const char *name, *doc;
    double v;
    int type;
    (void)state;
    assert_int_equal(tier_rfm_new(&m, "rfm", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_value_new(&val, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_new(&none, NULL, NULL, "x", TST_ALLOC), TIER_EINVAL);
    assert_null(none);
    assert_string_equal(tier_model_last_error(NULL), "");
    assert_int_equal(tier_model_is_fitted(NULL), 0);
    assert_null(tier_model_state(NULL));
    assert_int_equal(tier_model_fit(NULL, book, NULL), TIER_EINVAL);
    assert_int_equal(tier_model_fit(m, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_model_score(NULL, book, f), TIER_EINVAL);
    assert_int_equal(tier_model_score(m, NULL, f), TIER_EINVAL);
    assert_int_equal(tier_model_score(m, book, NULL), TIER_EINVAL);
    assert_int_equal(tier_model_score_row(NULL, book, f, 0), TIER_EINVAL);
    assert_int_equal(tier_model_explain(NULL, book, f, 0, t), TIER_EINVAL);
    assert_int_equal(tier_model_explain(m, NULL, f, 0, t), TIER_EINVAL);
    assert_int_equal(tier_model_explain(m, book, NULL, 0, t), TIER_EINVAL);
    assert_int_equal(tier_model_explain(m, book, f, 0, NULL), TIER_EINVAL);
    assert_int_equal(tier_model_option_count(NULL), 0);
    assert_int_equal(tier_model_option_info(NULL, 0, &name, &type, &doc), TIER_EINVAL);
    assert_int_equal(tier_model_option_info(m, 999, &name, &type, &doc), TIER_ERANGE);
    assert_int_equal(tier_model_set_option(NULL, "bins", "5"), TIER_EINVAL);
    assert_int_equal(tier_model_set_option(m, "bins", NULL), TIER_EINVAL);
    assert_int_equal(tier_model_set_number(NULL, "bins", 5), TIER_EINVAL);
    assert_int_equal(tier_model_set_text(NULL, "bins", "5"), TIER_EINVAL);
    assert_int_equal(tier_model_set_list(NULL, "bins", NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_model_get_option(NULL, "bins", t), TIER_EINVAL);
    assert_int_equal(tier_model_get_number(NULL, "bins", &v), TIER_EINVAL);
    assert_int_equal(tier_model_get_value(NULL, "bins", val), TIER_EINVAL);
    assert_int_equal(tier_model_save(NULL, t), TIER_EINVAL);
    assert_int_equal(tier_model_save(m, NULL), TIER_EINVAL);
    assert_int_equal(tier_model_load(NULL, "x", 1), TIER_EINVAL);
    assert_int_equal(tier_model_load(m, NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_model_new_kind(NULL, NULL, "rfm", "r", TST_ALLOC), TIER_EINVAL);
    /* nothing changed: the model is still unfitted, its options as they were */
    assert_int_equal(tier_model_is_fitted(m), 0);
    assert_int_equal(tier_frame_column_count(f), 0);
    assert_int_equal(tier_text_length(t), 0);
    tier_value_free(val);
    tier_text_free(t);
    tier_frame_free(f);
    tier_model_free(m);
    tier_book_free(book);
}

static void test_csv_history_and_diff_refuse_missing_arguments(void **state)
{
    tier_csv *csv = NULL;
    tier_history *h = NULL;
    tier_diff *d = NULL;
    tier_history_entry e;
    tier_override_entry o;
    tier_diff_mover mv;
    size_t n, n2;
    double v, v2;
    int type;
    (void)state;
    assert_string_equal(tier_csv_last_error(NULL), "");
    assert_int_equal(tier_csv_error_line(NULL), 0);
    assert_int_equal(tier_csv_error_column(NULL), 0);
    assert_int_equal(tier_csv_rows_read(NULL), 0);
    assert_int_equal(tier_csv_set_delimiter(NULL, ','), TIER_EINVAL);
    assert_int_equal(tier_csv_set_header(NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_csv_set_column_names(NULL, "a,b"), TIER_EINVAL);
    assert_int_equal(tier_csv_set_column(NULL, TIER_CSV_DATE, "d"), TIER_EINVAL);
    assert_int_equal(tier_csv_set_date_format(NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_csv_set_limit(NULL, TIER_CSV_LIMIT_ROWS, 1), TIER_EINVAL);
    assert_int_equal(tier_csv_set_progress(NULL, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_csv_set_io(NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_csv_new(&csv, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_csv_set_limit(csv, 99, 1), TIER_EINVAL);
    assert_int_equal(tier_csv_set_column(csv, 99, "d"), TIER_EINVAL);
    assert_int_equal(tier_csv_read_buffer(csv, NULL, "a", 1), TIER_EINVAL);
    assert_int_equal(tier_csv_read_file(csv, NULL, "a"), TIER_EINVAL);
    assert_int_equal(tier_csv_read_attributes_buffer(csv, NULL, "a", 1), TIER_EINVAL);
    assert_int_equal(tier_csv_read_contracts_buffer(csv, NULL, "a", 1), TIER_EINVAL);
    tier_csv_free(csv);

    assert_string_equal(tier_history_last_error(NULL), "");
    assert_int_equal(tier_history_runs(NULL), 0);
    assert_true(isnan(tier_history_as_of(NULL)));
    assert_int_equal(tier_history_customer_count(NULL), 0);
    assert_int_equal(tier_history_override_count(NULL), 0);
    assert_int_equal(tier_history_entry_get(NULL, "a", 0, &e), TIER_EINVAL);
    assert_int_equal(tier_history_override_add(NULL, "a", "S", "r", "x", 20000), TIER_EINVAL);
    assert_int_equal(tier_history_override_remove(NULL, "a"), TIER_EINVAL);
    assert_int_equal(tier_history_override_get(NULL, 0, &o), TIER_EINVAL);
    assert_int_equal(tier_history_ledger_write(NULL, TIER_LEDGER_CSV, write_nothing, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_history_matrix_write(NULL, write_nothing, NULL), TIER_EINVAL);
    assert_int_equal(tier_history_apply(NULL, NULL, NULL, NULL), TIER_EINVAL);
    h = tst_history_new();
    assert_int_equal(tier_history_override_remove(h, NULL), TIER_EINVAL);
    assert_int_equal(tier_history_override_get(h, 0, &o), TIER_ERANGE);
    assert_int_equal(tier_history_apply(h, NULL, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_history_runs(h), 0);
    tier_history_free(h);

    assert_string_equal(tier_diff_last_error(NULL), "");
    assert_int_equal(tier_diff_set_labels(NULL, "a", "b"), TIER_EINVAL);
    assert_null(tier_diff_label(NULL, TIER_DIFF_BEFORE));
    assert_int_equal(tier_diff_customer_count(NULL), 0);
    assert_int_equal(tier_diff_tier_count(NULL, TIER_DIFF_BEFORE), 0);
    assert_null(tier_diff_tier_name(NULL, TIER_DIFF_BEFORE, 0));
    assert_int_equal(tier_diff_cell(NULL, 0, 0, &n, &v), TIER_EINVAL);
    assert_int_equal(tier_diff_total(NULL, TIER_DIFF_BEFORE, 0, &n, &v), TIER_EINVAL);
    assert_int_equal(tier_diff_moved(NULL, TIER_DIFF_MOVE_UP, &n, &v), TIER_EINVAL);
    assert_int_equal(tier_diff_mover_count(NULL), 0);
    assert_int_equal(tier_diff_mover_get(NULL, 0, &mv), TIER_EINVAL);
    assert_int_equal(tier_diff_entitlement_count(NULL), 0);
    assert_null(tier_diff_entitlement_name(NULL, 0, &type));
    assert_int_equal(tier_diff_entitlement_total(NULL, 0, TIER_DIFF_BEFORE, &v), TIER_EINVAL);
    assert_int_equal(tier_diff_entitlement_value_count(NULL, 0), 0);
    assert_null(tier_diff_entitlement_value(NULL, 0, 0, &n, &n2));
    assert_int_equal(tier_diff_team_count(NULL), 0);
    assert_null(tier_diff_team(NULL, 0, &n, &n2, &v, &v2));
    assert_int_equal(tier_diff_write(NULL, TIER_DIFF_TEXT, write_nothing, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_save(NULL, TIER_DIFF_TEXT, "x", NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_results(NULL, NULL, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_new(&d, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_diff_results(d, NULL, NULL, NULL), TIER_EINVAL);
    assert_null(tier_diff_label(d, 7));
    assert_null(tier_diff_tier_name(d, 7, 0));
    assert_null(tier_diff_tier_name(d, TIER_DIFF_AFTER, 0));
    assert_int_equal(tier_diff_total(d, 7, 0, &n, &v), TIER_EINVAL);
    assert_int_equal(tier_diff_moved(d, -1, &n, &v), TIER_EINVAL);
    assert_int_equal(tier_diff_moved(d, 0, &n, &v), TIER_OK); /* every move: none */
    assert_int_equal(n, 0);
    assert_int_equal(tier_diff_moved(d, TIER_DIFF_MOVE_ACROSS + 1, &n, &v), TIER_EINVAL);
    assert_int_equal(tier_diff_mover_get(d, 0, NULL), TIER_EINVAL);
    assert_int_equal(tier_diff_entitlement_total(d, 0, TIER_DIFF_BEFORE, NULL), TIER_EINVAL);
    assert_null(tier_diff_entitlement_value(d, 0, 0, &n, &n2));
    assert_null(tier_diff_team(d, 0, &n, &n2, &v, &v2));
    assert_int_equal(tier_diff_customer_count(d), 0);
    tier_diff_free(d);
}

static void test_policies_results_and_pipelines_refuse_missing_arguments(void **state)
{
    tier_book *book = tst_book_of(TST_ALLOC, ROWS, TST_COUNT(ROWS));
    tier_policy *pol = NULL;
    tier_result *res = NULL;
    tier_pipeline *p = NULL;
    tier_retier *rt = NULL;
    tier_text *t = NULL;
    tier_value *val = NULL;
    const char *name, *kind, *text;
    size_t n, idx;
    double v;
    int type;
    unsigned flags;
    (void)state;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_value_new(&val, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_policy_last_error(NULL), "");
    assert_int_equal(tier_policy_add_tier(NULL, "S", &idx), TIER_EINVAL);
    assert_int_equal(tier_policy_add_rule(NULL, 0, "r", &idx), TIER_EINVAL);
    assert_int_equal(tier_policy_where_number(NULL, 0, "m.x", TIER_OP_GE, 1), TIER_EINVAL);
    assert_int_equal(tier_policy_where_label(NULL, 0, "m.k", TIER_OP_EQ, "x"), TIER_EINVAL);
    assert_int_equal(tier_policy_tier_count(NULL), 0);
    assert_int_equal(tier_policy_rule_count(NULL), 0);
    assert_null(tier_policy_tier_name(NULL, 0));
    assert_null(tier_policy_rule_name(NULL, 0));
    assert_int_equal(tier_policy_describe(NULL, t), TIER_EINVAL);
    assert_int_equal(tier_policy_load_string(NULL, "x", 1, "o"), TIER_EINVAL);
    assert_int_equal(tier_policy_load_file(NULL, "x", NULL), TIER_EINVAL);
    assert_null(tier_policy_builtin_text("no-such-policy"));
    assert_null(tier_policy_builtin_text(NULL));
    assert_null(tier_policy_builtin_name(tier_policy_builtin_count()));
    assert_int_equal(tier_policy_model_count(NULL), 0);
    assert_int_equal(tier_policy_model(NULL, 0, &name, &kind, &n), TIER_EINVAL);
    assert_int_equal(tier_policy_model_option(NULL, 0, 0, &name, val), TIER_EINVAL);
    assert_int_equal(tier_policy_entitlement_count(NULL), 0);
    assert_null(tier_policy_entitlement_name(NULL, 0, &type));
    assert_int_equal(tier_policy_entitlement(NULL, 0, "k", val), TIER_EINVAL);
    assert_int_equal(tier_policy_new_builtin(&pol, "b2b-sabc", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_describe(pol, NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_entitlement(pol, 0, NULL, val), TIER_EINVAL);
    assert_null(tier_policy_entitlement_name(pol, tier_policy_entitlement_count(pol), &type));
    assert_int_equal(tier_policy_model(pol, tier_policy_model_count(pol), &name, &kind, &n),
                     TIER_ERANGE);
    assert_int_equal(tier_policy_add_rule(pol, 99, "r", &idx), TIER_ERANGE);

    assert_string_equal(tier_result_last_error(NULL), "");
    assert_int_equal(tier_result_customer_count(NULL), 0);
    assert_int_equal(tier_result_tier_count(NULL), 0);
    assert_int_equal(tier_result_tier(NULL, 0), -1);
    assert_null(tier_result_tier_name(NULL, 0));
    assert_null(tier_result_frame(NULL));
    assert_int_equal(tier_result_summary(NULL, 0, &n, &v), TIER_EINVAL);
    assert_int_equal(tier_result_entitlement(NULL, 0, "k", val), TIER_EINVAL);
    assert_int_equal(tier_result_set_as_of(NULL, 19000), TIER_EINVAL);
    assert_int_equal(tier_result_notice_count(NULL), 0);
    assert_null(tier_result_notice(NULL, 0));
    assert_int_equal(tier_result_write(NULL, book, NULL, TIER_OUTPUT_CSV, write_nothing, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_result_save(NULL, book, NULL, TIER_OUTPUT_CSV, "x", NULL), TIER_EINVAL);
    assert_int_equal(tier_result_explain(NULL, book, pol, 0, TIER_EXPLAIN_TEXT, t), TIER_EINVAL);
    assert_int_equal(tier_result_run(NULL, book, NULL, 0, pol), TIER_EINVAL);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    /* a result that never ran */
    assert_int_equal(tier_result_tier(res, 0), -1);
    assert_null(tier_result_tier_name(res, 0));
    assert_int_equal(tier_result_entitlement(res, 0, NULL, val), TIER_EINVAL);
    assert_int_equal(tier_result_entitlement(res, 0, "k", NULL), TIER_EINVAL);
    assert_int_equal(tier_result_explain(res, NULL, pol, 0, TIER_EXPLAIN_TEXT, t), TIER_EINVAL);
    assert_int_equal(tier_result_explain(res, book, NULL, 0, TIER_EXPLAIN_TEXT, t), TIER_EINVAL);
    assert_int_equal(tier_result_explain(res, book, pol, 0, TIER_EXPLAIN_TEXT, NULL), TIER_EINVAL);
    assert_int_equal(tier_result_explain(res, book, pol, 0, 99, t), TIER_EINVAL);

    assert_string_equal(tier_pipeline_last_error(NULL), "");
    assert_int_equal(tier_pipeline_set(NULL, "input", "x"), TIER_EINVAL);
    assert_int_equal(tier_pipeline_get(NULL, "input", t), TIER_EINVAL);
    assert_int_equal(tier_pipeline_add_model(NULL, "rfm", NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_model_option(NULL, "rfm", "bins", "5"), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_registry(NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_policy_ref(NULL, pol), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_progress(NULL, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_executor(NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_io(NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_output(NULL, write_nothing, NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_check(NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_run(NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_retier(NULL, &rt), TIER_EINVAL);
    assert_int_equal(tier_pipeline_summary(NULL, t), TIER_EINVAL);
    assert_int_equal(tier_pipeline_explain(NULL, "a", TIER_EXPLAIN_TEXT, t), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_command(NULL, "run", 0, NULL, &flags), TIER_EINVAL);
    assert_null(tier_pipeline_book(NULL));
    assert_null(tier_pipeline_result(NULL));
    assert_null(tier_pipeline_diff(NULL));
    assert_null(tier_pipeline_model(NULL, 0));
    assert_int_equal(tier_pipeline_model_count(NULL), 0);
    assert_int_equal(tier_pipeline_rows_read(NULL), 0);
    assert_int_equal(tier_pipeline_warning_count(NULL), 0);
    assert_null(tier_pipeline_warning(NULL, 0));
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, NULL, "x"), TIER_EINVAL);
    assert_int_equal(tier_pipeline_get(p, NULL, t), TIER_EINVAL);
    assert_int_equal(tier_pipeline_get(p, "input", NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_add_model(p, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_model_option(p, NULL, "bins", "5"), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_model_option(p, "rfm", NULL, "5"), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_model_option(p, "rfm", "bins", NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_retier(p, NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_summary(p, NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_explain(p, NULL, TIER_EXPLAIN_TEXT, t), TIER_EINVAL);
    assert_int_equal(tier_pipeline_explain(p, "a", TIER_EXPLAIN_TEXT, NULL), TIER_EINVAL);
    assert_null(tier_pipeline_warning(p, 0));
    assert_null(tier_pipeline_model(p, 0));
    /* the refusals set nothing */
    assert_string_equal(tst_pipeline_get(p, "input"), "");
    tier_pipeline_free(p);

    assert_string_equal(tier_retier_last_error(NULL), "");
    assert_int_equal(tier_retier_new(&rt, NULL, book, NULL, 0, pol, NULL, TST_ALLOC), TIER_EINVAL);
    assert_null(rt);
    assert_int_equal(tier_retier_customer(NULL, book, 0), TIER_EINVAL);
    assert_int_equal(tier_retier_tier(NULL, 0), -1);
    assert_string_equal(tier_retier_tier_name(NULL, 0), "");
    assert_string_equal(tier_retier_reason(NULL, 0), "");
    assert_string_equal(tier_retier_flags(NULL, 0), "");
    assert_string_equal(tier_retier_route(NULL, 0), "");
    assert_int_equal(tier_retier_entitlement(NULL, 0, "k", &v, &text), TIER_EINVAL);
    assert_int_equal(tier_retier_number(NULL, 0, "rfm.r", &v), TIER_EINVAL);
    assert_int_equal(tier_retier_batch(NULL, book, res), TIER_EINVAL);

    tier_result_free(res);
    tier_policy_free(pol);
    tier_value_free(val);
    tier_text_free(t);
    tier_book_free(book);
}

/* tier_result_run's own checks: the model list, and a run's later questions out of range. */
static void test_result_runs_refuse_bad_model_lists_and_days(void **state)
{
    tier_book *book = tst_book_of(TST_ALLOC, ROWS, TST_COUNT(ROWS));
    tier_policy *pol = NULL;
    tier_result *res = NULL;
    tier_model *m[2] = {NULL, NULL};
    tier_value *val = NULL;
    size_t n;
    double v;
    (void)state;
    assert_int_equal(tier_value_new(&val, TST_ALLOC), TIER_OK);
    static const char text[] = "libtier-policy 1\nmodel pareto = pareto\n"
                               "tier A {\n    rule \"a\" when pareto.class == \"A\"\n}\n"
                               "tier C {\n    rule \"rest\"\n}\n";
    assert_int_equal(tier_policy_new(&pol, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(pol, text, strlen(text), "p.policy"), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(res, book, NULL, 1, pol), TIER_EINVAL);
    assert_string_equal(tier_result_last_error(res), "models is NULL but model_count is 1");
    assert_int_equal(tier_result_run(res, book, m, 1, pol), TIER_EINVAL);
    assert_string_equal(tier_result_last_error(res), "model 0 is NULL");
    assert_int_equal(tier_pareto_new(&m[0], NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pareto_new(&m[1], NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(res, book, m, 2, pol), TIER_EINVAL);
    assert_string_equal(tier_result_last_error(res),
                        "two models are named 'pareto' (their columns would clash)");
    assert_int_equal(tier_result_customer_count(res), 0);
    /* as-of days: whole days in range, or NaN */
    assert_int_equal(tier_result_set_as_of(res, 19000.5), TIER_ERANGE);
    assert_int_equal(tier_result_set_as_of(res, (double)TIER_DAY_MAX + 1), TIER_ERANGE);
    assert_int_equal(tier_result_set_as_of(res, INFINITY), TIER_ERANGE);
    assert_int_equal(tier_result_set_as_of(res, NAN), TIER_OK);
    /* a run, then questions out of range */
    if (tier_result_run(res, book, m, 1, pol) != TIER_OK)
        fail_msg("run: %s", tier_result_last_error(res));
    assert_int_equal(tier_result_customer_count(res), 2);
    assert_int_equal(tier_result_tier(res, 2), -1);
    assert_string_equal(tier_result_reason(res, 2), "");
    assert_string_equal(tier_result_flags(res, 2), "");
    assert_string_equal(tier_result_route(res, 2), "");
    assert_null(tier_result_tier_name(res, tier_result_tier_count(res)));
    assert_int_equal(tier_result_summary(res, tier_result_tier_count(res), &n, &v), TIER_ERANGE);
    assert_int_equal(tier_result_entitlement(res, 0, "no_such", val), TIER_ENOTFOUND);
    assert_null(tier_result_notice(res, tier_result_notice_count(res)));
    tier_model_free(m[0]);
    tier_model_free(m[1]);
    tier_result_free(res);
    tier_policy_free(pol);
    tier_value_free(val);
    tier_book_free(book);
}

/* Every book option reads back what was set; values out of range, unknown options and changes
 * to a book that holds customers are refused and leave the value. */
static void test_book_options_read_back_and_refuse_out_of_range(void **state)
{
    static const struct {
        int option;
        int64_t value;
    } set[] = {
        {TIER_BOOK_OPT_KEEP_TRANSACTIONS, 0},  {TIER_BOOK_OPT_IGNORE_FROM_DAY, 19500},
        {TIER_BOOK_LIMIT_ID_LENGTH, 64},       {TIER_BOOK_LIMIT_CUSTOMERS, 1000},
        {TIER_BOOK_LIMIT_ROWS_PER_CALL, 5000}, {TIER_BOOK_LIMIT_ATTRIBUTES, 16},
        {TIER_BOOK_LIMIT_TEXT_LENGTH, 4096},
    };
    tier_book *book = NULL;
    int64_t v;
    size_t i;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(set); i++) {
        assert_int_equal(tier_book_set_option(book, set[i].option, set[i].value), TIER_OK);
        assert_int_equal(tier_book_get_option(book, set[i].option, &v), TIER_OK);
        assert_true(v == set[i].value);
    }
    assert_int_equal(tier_book_set_option(book, TIER_BOOK_OPT_KEEP_TRANSACTIONS, 2), TIER_ERANGE);
    assert_string_equal(tier_book_last_error(book), "keep-transactions must be 0 or 1, not 2");
    assert_int_equal(tier_book_set_option(book, TIER_BOOK_OPT_IGNORE_FROM_DAY, (int64_t)1 << 40),
                     TIER_ERANGE);
    assert_string_equal(tier_book_last_error(book),
                        "ignore-from day 1099511627776 is out of range");
    assert_int_equal(tier_book_set_option(book, TIER_BOOK_LIMIT_ATTRIBUTES, 0), TIER_ERANGE);
    assert_int_equal(tier_book_set_option(book, 77, 1), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(book), "unknown book option 77");
    assert_int_equal(tier_book_get_option(book, 77, &v), TIER_EINVAL);
    assert_int_equal(tier_book_add_txn(book, "a", 1, 19000, 1, NAN), TIER_OK);
    assert_int_equal(tier_book_set_option(book, TIER_BOOK_OPT_IGNORE_FROM_DAY, 1), TIER_ESTATE);
    assert_string_equal(tier_book_last_error(book),
                        "ignore-from can only change while the book is empty");
    for (i = 0; i < TST_COUNT(set); i++) {
        assert_int_equal(tier_book_get_option(book, set[i].option, &v), TIER_OK);
        assert_true(v == set[i].value);
    }
    tier_book_free(book);
}

static void test_small_handles_refuse_missing_arguments(void **state)
{
    tier_sbg *sbg = NULL;
    tier_registry *reg = NULL;
    tier_segmap *map = NULL;
    tier_text *t = NULL;
    double a, b;
    size_t n1, n2, n3;
    (void)state;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_sbg_last_error(NULL), "");
    assert_int_equal(tier_sbg_fit(NULL, NULL, NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_sbg_fit_customers(NULL, NULL, NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_sbg_set_params(NULL, 1, 1), TIER_EINVAL);
    assert_int_equal(tier_sbg_params(NULL, &a, &b), TIER_EINVAL);
    assert_int_equal(tier_sbg_new(&sbg, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_sbg_params(sbg, &a, &b), TIER_ESTATE);
    tier_sbg_free(sbg);

    assert_string_equal(tier_registry_last_error(NULL), "");
    assert_int_equal(tier_registry_add(NULL, "k", NULL, NULL), TIER_EINVAL);
    /* a NULL registry is the built-in kinds */
    assert_int_equal(tier_registry_kind_count(NULL), 8);
    assert_string_equal(tier_registry_kind(NULL, 0), "rfm");
    assert_null(tier_registry_kind(NULL, 8));
    assert_int_equal(tier_registry_new(&reg, TST_ALLOC), TIER_OK);
    assert_null(tier_registry_kind(reg, tier_registry_kind_count(reg)));
    tier_registry_free(reg);

    assert_int_equal(tier_segmap_parse(NULL, "x", 1, TST_ALLOC, t), TIER_EINVAL);
    assert_int_equal(tier_segmap_count(NULL), 0);
    assert_null(tier_segmap_name(NULL, 0));
    assert_int_equal(tier_segmap_check(NULL, 5, &n1, &n2, &n3, t), TIER_EINVAL);
    assert_int_equal(tier_segmap_new_builtin(&map, TIER_SEGMAP_RF10, TST_ALLOC), TIER_OK);
    assert_null(tier_segmap_name(map, tier_segmap_count(map)));
    tier_segmap_free(map);

    assert_int_equal(tier_pareto_summary(NULL, "pareto", 1, &n1, &a, &b, &a), TIER_EINVAL);
    assert_int_equal(tier_subscription_fit_stat(NULL, TIER_SUBSCRIPTION_STAT_MRR, &a), TIER_EINVAL);
    tier_text_free(t);
}

TST_MAIN(cmocka_unit_test(test_book_and_record_refuse_missing_arguments),
         cmocka_unit_test(test_frame_text_and_value_refuse_missing_arguments),
         cmocka_unit_test(test_models_refuse_missing_arguments),
         cmocka_unit_test(test_csv_history_and_diff_refuse_missing_arguments),
         cmocka_unit_test(test_policies_results_and_pipelines_refuse_missing_arguments),
         cmocka_unit_test(test_result_runs_refuse_bad_model_lists_and_days),
         cmocka_unit_test(test_book_options_read_back_and_refuse_out_of_range),
         cmocka_unit_test(test_small_handles_refuse_missing_arguments))
