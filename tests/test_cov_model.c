/* SPDX-License-Identifier: MIT */
/* The model handle's edges as a user model meets them (include/tier/model.h): vtables that cannot
 * work are refused at creation; a model without `fit` is fitted from the start; output names that
 * are missing or too long fail the score with the model named and the frame unchanged; an
 * explanation needs a fitted model, a customer in range, and says so when the model gives none; a
 * get_option callback that fails or answers with another type is reported; list options forget the
 * fit only when their items change; an unknown option lists the options there are. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#include "util/internal.h"

typedef struct user {
    int get_rc;       /* status get_option returns */
    int get_wrong;    /* 1: get_option answers with a number whatever the type */
    char items[3][8]; /* the list option "tags" */
    size_t n_items;
    int fits;
    const char *out_name; /* output_info's name (NULL: none); the score writes "v" */
} user;

static const tier_model_option OPTIONS[] = {
    {"tags", TIER_OPTION_LIST, "up to three tags", TIER_OPTION_FORGETS_FIT},
    {"weight", TIER_OPTION_NUMBER, "a weight", 0},
    {"label", TIER_OPTION_TEXT, "a label", 0},
};

static size_t user_count(void *st)
{
    (void)st;
    return 1;
}

static int user_info(void *st, size_t i, const char **name, int *type)
{
    const user *u = st;
    (void)i;
    *name = u->out_name;
    *type = TIER_VALUE_NUMBER;
    return TIER_OK;
}

static int user_fit(void *st, const tier_book *book, const tier_frame *inputs)
{
    (void)book;
    (void)inputs;
    ((user *)st)->fits++;
    return TIER_OK;
}

static int user_score(void *st, const tier_book *book, tier_frame *frame)
{
    double *v;
    size_t i;
    int rc = tier_frame_add_numbers(frame, "v", &v);
    (void)st;
    for (i = 0; !rc && i < tier_book_customer_count(book); i++)
        v[i] = 1;
    return rc;
}

static int user_set(void *st, const char *name, const tier_value *v)
{
    user *u = st;
    size_t i;
    if (strcmp(name, "tags") != 0)
        return TIER_OK;
    if (tier_value_list_count(v) > 3)
        return TIER_ERANGE;
    u->n_items = tier_value_list_count(v);
    for (i = 0; i < u->n_items; i++)
        snprintf(u->items[i], sizeof u->items[i], "%s", tier_value_list_item(v, i));
    return TIER_OK;
}

static int user_get(void *st, const char *name, tier_value *out)
{
    const user *u = st;
    const char *items[3];
    size_t i;
    if (u->get_rc)
        return u->get_rc;
    if (u->get_wrong || strcmp(name, "weight") == 0)
        return tier_value_set_number(out, 2);
    if (strcmp(name, "label") == 0)
        return tier_value_set_text(out, "l");
    for (i = 0; i < u->n_items; i++)
        items[i] = u->items[i];
    return tier_value_set_list(out, items, u->n_items);
}

static tier_model_vtable user_vtable(int with_fit)
{
    tier_model_vtable vt =
        tst_vtable("user", user_count, user_info, with_fit ? user_fit : NULL, user_score);
    vt.options = OPTIONS;
    vt.n_options = TST_COUNT(OPTIONS);
    vt.set_option = user_set;
    vt.get_option = user_get;
    return vt;
}

static tier_model *user_model(user *u, int with_fit)
{
    tier_model_vtable vt = user_vtable(with_fit);
    tier_model *m = NULL;
    memset(u, 0, sizeof *u);
    u->out_name = "v";
    assert_int_equal(tier_model_new(&m, &vt, u, "u", TST_ALLOC), TIER_OK);
    return m;
}

static void test_vtables_that_cannot_work_are_refused(void **state)
{
    static const tier_model_output bad_type[] = {{"v", 7}}, no_name[] = {{NULL, 1}};
    static const tier_model_option bad_opt[] = {{"Weight", TIER_OPTION_NUMBER, "", 0}},
                                   bad_opt_type[] = {{"w", 9, "", 0}},
                                   twice[] = {{"w", TIER_OPTION_NUMBER, "", 0},
                                              {"w", TIER_OPTION_TEXT, "", 0}};
    tier_model_vtable vt;
    tier_model *m = NULL;
    user u;
    (void)state;
    memset(&u, 0, sizeof u);
    vt = tst_vtable("user", NULL, NULL, NULL, user_score);
    vt.outputs = bad_type;
    vt.n_outputs = 1;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", TST_ALLOC), TIER_EINVAL);
    vt.outputs = no_name;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", TST_ALLOC), TIER_EINVAL);
    vt = user_vtable(1);
    vt.get_option = NULL;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", TST_ALLOC), TIER_EINVAL);
    vt = user_vtable(1);
    vt.options = bad_opt;
    vt.n_options = 1;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", TST_ALLOC), TIER_EINVAL);
    vt.options = bad_opt_type;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", TST_ALLOC), TIER_EINVAL);
    vt.options = twice;
    vt.n_options = 2;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", TST_ALLOC), TIER_EINVAL);
    vt.version = 0;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", TST_ALLOC), TIER_EVERSION);
    assert_null(m);
}

static void test_outputs_without_a_usable_name_fail_the_score(void **state)
{
    static const tst_txn rows[] = {{"a", 19000, 1}, {"b", 19001, 2}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_frame *f = NULL;
    char longname[300];
    user u;
    tier_model *m = user_model(&u, 0);
    (void)state;
    /* no fit callback: fitted from the start, and a fit changes nothing */
    assert_int_equal(tier_model_is_fitted(m), 1);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_model_is_fitted(m), 1);
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    u.out_name = NULL;
    assert_int_equal(tier_model_score(m, book, f), TIER_EINVAL);
    assert_string_equal(tier_frame_last_error(f), "model \"u\": output 0 has no name");
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    u.out_name = longname;
    assert_int_equal(tier_model_score(m, book, f), TIER_EINVAL);
    assert_string_equal(tier_frame_last_error(f), "model \"u\": output name too long");
    assert_int_equal(tier_frame_column_count(f), 0);
    u.out_name = "v";
    assert_int_equal(tier_model_score(m, book, f), TIER_OK);
    assert_int_equal(tier_frame_column_count(f), 1);
    tst_release(f, m, book);
}

static void test_explanations_need_a_fitted_model_and_a_customer(void **state)
{
    static const tst_txn rows[] = {{"a", 19000, 1}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_frame *f = NULL;
    tier_text *t = NULL;
    user u;
    tier_model *m = user_model(&u, 1);
    (void)state;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 1, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 0, t), TIER_ESTATE);
    tst_fit(m, book, NULL);
    assert_int_equal(u.fits, 1);
    assert_int_equal(tier_model_explain(m, book, f, 1, t), TIER_ERANGE);
    assert_int_equal(tier_text_length(t), 0);
    assert_int_equal(tier_model_explain(m, book, f, 0, t), TIER_OK);
    assert_string_equal(tier_text_data(t), "(this model gives no explanation)");
    /* the user model has no score_row: one customer cannot be re-scored alone */
    tst_score_into(m, book, f);
    assert_int_equal(tier_model_score_row(m, book, f, 0), TIER_ESTATE);
    assert_non_null(strstr(tier_frame_last_error(f), "is a population model"));
    tier_text_free(t);
    tst_release(f, m, book);
}

static void test_option_callbacks_that_fail_are_reported(void **state)
{
    static const tst_txn rows[] = {{"a", 19000, 1}};
    static const char *const ab[] = {"a", "b"}, *const ac[] = {"a", "c"};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_value *v = NULL;
    tier_text *t = NULL;
    double x;
    user u;
    tier_model *m = user_model(&u, 1);
    (void)state;
    assert_int_equal(tier_value_new(&v, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    /* a list option that forgets the fit: the same items keep it, other items drop it */
    assert_int_equal(tier_model_set_list(m, "tags", ab, 2), TIER_OK);
    tst_fit(m, book, NULL);
    assert_int_equal(tier_model_set_list(m, "tags", ab, 2), TIER_OK);
    assert_int_equal(tier_model_is_fitted(m), 1);
    assert_int_equal(tier_model_set_list(m, "tags", ab, 1), TIER_OK);
    assert_int_equal(tier_model_is_fitted(m), 0);
    tst_fit(m, book, NULL);
    assert_int_equal(tier_model_set_list(m, "tags", ac, 1), TIER_OK); /* "a" again */
    assert_int_equal(tier_model_is_fitted(m), 1);
    assert_int_equal(tier_model_set_list(m, "tags", ac, 2), TIER_OK);
    assert_int_equal(tier_model_is_fitted(m), 0);
    assert_int_equal(tier_model_get_value(m, "tags", v), TIER_OK);
    assert_int_equal(tier_value_list_count(v), 2);
    assert_string_equal(tier_value_list_item(v, 1), "c");
    assert_int_equal(tier_model_get_option(m, "tags", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "a,c");
    assert_int_equal(tier_model_get_value(m, "label", v), TIER_OK);
    assert_string_equal(tier_value_text(v), "l");
    /* get_option fails, or gives another type */
    u.get_rc = TIER_EIO;
    assert_int_equal(tier_model_get_number(m, "weight", &x), TIER_EIO);
    assert_non_null(strstr(tier_model_last_error(m), "model \"u\": option \"weight\": "));
    u.get_rc = 0;
    u.get_wrong = 1;
    assert_int_equal(tier_model_get_value(m, "label", v), TIER_EINVAL);
    assert_string_equal(tier_model_last_error(m),
                        "model \"u\": option \"label\": get_option gave no value of its type");
    assert_string_equal(tier_value_text(v), "l"); /* the value is left as it was */
    /* an unknown option lists the options there are */
    assert_int_equal(tier_model_set_number(m, "weigth", 1), TIER_ENOTFOUND);
    assert_string_equal(
        tier_model_last_error(m),
        "model \"u\" (user) has no option \"weigth\"; its options are tags, weight, "
        "label");
    tier_text_free(t);
    tier_value_free(v);
    tst_release(NULL, m, book);
}

/* 64 options of 40-byte names: the list of an unknown option's error is cut, marked "...". */
static void test_a_long_option_list_is_cut_and_names_are_checked(void **state)
{
    static tier_model_option many[64];
    static char names[64][48];
    tier_model_vtable vt = user_vtable(1);
    tier_model *m = NULL;
    const char *name = NULL, *doc = NULL;
    char longname[80];
    double x = 7;
    size_t i;
    int type = 0;
    user u;
    (void)state;
    memset(&u, 0, sizeof u);
    u.out_name = "v";
    for (i = 0; i < TST_COUNT(many); i++) {
        snprintf(names[i], sizeof names[i], "option_with_a_rather_long_name_number_%02u",
                 (unsigned)i);
        many[i].name = names[i];
        many[i].type = TIER_OPTION_NUMBER;
        many[i].doc = i ? "a number" : NULL;
        many[i].flags = 0;
    }
    vt.options = many;
    vt.n_options = TST_COUNT(many);
    /* model names: 1 to 64 letters, digits and '_' */
    memset(longname, 'm', 65);
    longname[65] = '\0';
    assert_int_equal(tier_model_new(&m, &vt, &u, longname, TST_ALLOC), TIER_EINVAL);
    assert_int_equal(tier_model_new(&m, &vt, &u, "a-b", TST_ALLOC), TIER_EINVAL);
    assert_int_equal(tier_model_new(&m, &vt, &u, "", TST_ALLOC), TIER_EINVAL);
    longname[64] = '\0';
    assert_int_equal(tier_model_new(&m, &vt, &u, longname, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_model_name(m), longname);
    tier_model_free(m);
    assert_int_equal(tier_model_new(&m, &vt, &u, "Upper_9", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "nope", 1), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_model_last_error(m), "has no option \"nope\"; its options are "
                                                     "option_with_a_rather_long_name_number_00, "));
    assert_int_equal(strlen(tier_model_last_error(m)), TIER__ERR_SIZE - 1);
    assert_memory_equal(tier_model_last_error(m) + TIER__ERR_SIZE - 4, "...", 3);
    /* option_info: range, optional outputs, an empty doc */
    assert_int_equal(tier_model_option_info(NULL, 0, &name, &type, &doc), TIER_EINVAL);
    assert_int_equal(tier_model_option_info(m, 64, &name, &type, &doc), TIER_ERANGE);
    assert_int_equal(tier_model_option_info(m, 0, NULL, NULL, NULL), TIER_OK);
    assert_int_equal(tier_model_option_info(m, 0, &name, &type, &doc), TIER_OK);
    assert_string_equal(name, names[0]);
    assert_int_equal(type, TIER_OPTION_NUMBER);
    assert_string_equal(doc, "");
    assert_int_equal(tier_model_option_count(NULL), 0);
    assert_int_equal(tier_model_option_count(m), 64);
    /* getters: a missing model, a missing place */
    assert_int_equal(tier_model_get_number(NULL, "x", &x), TIER_EINVAL);
    assert_int_equal(tier_model_get_number(m, names[0], NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no place for the option's value (NULL)"));
    assert_true(x == 7);
    assert_null(tier_model_name(NULL));
    assert_null(tier_model_kind(NULL));
    tier_model_free(m);
}

TST_MAIN(cmocka_unit_test(test_vtables_that_cannot_work_are_refused),
         cmocka_unit_test(test_outputs_without_a_usable_name_fail_the_score),
         cmocka_unit_test(test_explanations_need_a_fitted_model_and_a_customer),
         cmocka_unit_test(test_option_callbacks_that_fail_are_reported),
         cmocka_unit_test(test_a_long_option_list_is_cut_and_names_are_checked))
