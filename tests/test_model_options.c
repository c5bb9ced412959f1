/* SPDX-License-Identifier: MIT */
/* Model vtable version 2 seen from a user's model: version-1 vtables of exactly their own size,
 * an outputs table, options by name and type (all or nothing, messages naming the option),
 * saving and loading through the one state text format (round trip, damaged and cut-off text,
 * another kind), the registry of kinds, and the writer/reader calls themselves. */
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* ---- a version-2 user model: one number, one text and one list option, a fitted mean -------- */

typedef struct user_state {
    int destroyed;
    double scale;     /* option "scale", (0, 100] */
    char label[32];   /* option "label", 1..31 bytes */
    char tags[4][16]; /* option "tags", 0..4 items */
    size_t ntags;
    double mean; /* fitted: mean net amount */
    int fits;
    char err[128];
} user_state;

static const tier_model_output user_outputs[] = {{"value", TIER_VALUE_NUMBER}};

static const tier_model_option user_options[] = {
    {"scale", TIER_OPTION_NUMBER, "multiplier, (0, 100]", TIER_OPTION_FORGETS_FIT},
    {"label", TIER_OPTION_TEXT, "a name", 0},
    {"tags", TIER_OPTION_LIST, "up to four tags", 0},
};

static int user_fit(void *st, const tier_book *book, const tier_frame *inputs)
{
    user_state *u = st;
    size_t i, n = tier_book_customer_count(book);
    double sum = 0, v;
    (void)inputs;
    for (i = 0; i < n; i++)
        if (tier_book_customer_stat(book, i, TIER_BOOK_STAT_NET_AMOUNT, &v) == TIER_OK)
            sum += v;
    u->mean = n ? sum / (double)n : 0;
    u->fits++;
    return TIER_OK;
}

static int user_score(void *st, const tier_book *book, tier_frame *frame)
{
    const user_state *u = st;
    double *v;
    size_t i;
    int rc = tier_frame_add_numbers(frame, "value", &v);
    for (i = 0; !rc && i < tier_book_customer_count(book); i++)
        v[i] = u->mean * u->scale;
    return rc;
}

static void user_destroy(void *st)
{
    ((user_state *)st)->destroyed++;
}

static const char *user_last_error(void *st)
{
    return ((user_state *)st)->err;
}

static int user_set_option(void *st, const char *name, const tier_value *v)
{
    user_state *u = st;
    size_t i, n;
    if (strcmp(name, "scale") == 0) {
        double x = tier_value_number(v);
        if (!(x > 0 && x <= 100)) {
            strcpy(u->err, "must be in (0, 100]");
            return TIER_ERANGE;
        }
        u->scale = x;
    } else if (strcmp(name, "label") == 0) {
        const char *t = tier_value_text(v);
        if (!t[0] || strlen(t) >= sizeof u->label) {
            strcpy(u->err, "must be 1 to 31 bytes");
            return TIER_EINVAL;
        }
        strcpy(u->label, t);
    } else {
        n = tier_value_list_count(v);
        if (n > 4) {
            strcpy(u->err, "at most four tags");
            return TIER_ERANGE;
        }
        for (i = 0; i < n; i++)
            if (strlen(tier_value_list_item(v, i)) >= sizeof u->tags[0]) {
                strcpy(u->err, "a tag is too long");
                return TIER_EINVAL;
            }
        for (i = 0; i < n; i++)
            strcpy(u->tags[i], tier_value_list_item(v, i));
        u->ntags = n;
    }
    u->err[0] = '\0';
    return TIER_OK;
}

static int user_get_option(void *st, const char *name, tier_value *out)
{
    const user_state *u = st;
    const char *items[4];
    size_t i;
    if (strcmp(name, "scale") == 0)
        return tier_value_set_number(out, u->scale);
    if (strcmp(name, "label") == 0)
        return tier_value_set_text(out, u->label);
    for (i = 0; i < u->ntags; i++)
        items[i] = u->tags[i];
    return tier_value_set_list(out, items, u->ntags);
}

static int user_save(void *st, tier_state_writer *w)
{
    const user_state *u = st;
    size_t i;
    tier_state_write_key(w, "scale");
    tier_state_write_number(w, u->scale);
    tier_state_write_key(w, "label");
    tier_state_write_text(w, u->label);
    tier_state_write_key(w, "tags");
    for (i = 0; i < u->ntags; i++)
        tier_state_write_text(w, u->tags[i]);
    tier_state_write_key(w, "mean");
    return tier_state_write_number(w, u->mean);
}

/* Reads everything into a copy and commits only at the end: a failed load changes nothing. */
static int user_load(void *st, tier_state_reader *r)
{
    user_state *u = st, tmp = *u;
    const char *key, *t;
    size_t i;
    int rc, seen = 0;
    while ((rc = tier_state_read_next(r, &key)) == 1) {
        if (strcmp(key, "scale") == 0) {
            if ((rc = tier_state_read_numbers(r, &tmp.scale, 1)) != TIER_OK)
                return rc;
            if (!(tmp.scale > 0 && tmp.scale <= 100))
                return tier_state_read_fail(r, "scale out of range");
        } else if (strcmp(key, "label") == 0) {
            if ((rc = tier_state_read_text(r, 0, &t)) != TIER_OK)
                return rc;
            if (!t[0] || strlen(t) >= sizeof tmp.label)
                return tier_state_read_fail(r, "bad label");
            strcpy(tmp.label, t);
        } else if (strcmp(key, "tags") == 0) {
            if (tier_state_read_count(r) > 4)
                return tier_state_read_fail(r, "too many tags");
            for (i = 0; i < tier_state_read_count(r); i++) {
                if ((rc = tier_state_read_text(r, i, &t)) != TIER_OK)
                    return rc;
                if (strlen(t) >= sizeof tmp.tags[0])
                    return tier_state_read_fail(r, "tag too long");
                strcpy(tmp.tags[i], t);
            }
            tmp.ntags = tier_state_read_count(r);
        } else if (strcmp(key, "mean") == 0) {
            if ((rc = tier_state_read_numbers(r, &tmp.mean, 1)) != TIER_OK)
                return rc;
            seen = 1;
        } else {
            return tier_state_read_fail(r, "unknown record");
        }
    }
    if (rc < 0)
        return rc;
    if (!seen)
        return tier_state_read_fail(r, "no mean");
    tmp.destroyed = u->destroyed;
    *u = tmp;
    return TIER_OK;
}

static tier_model_vtable user_vtable(void)
{
    tier_model_vtable vt = tst_vtable("user", NULL, NULL, user_fit, user_score);
    vt.destroy = user_destroy;
    vt.last_error = user_last_error;
    vt.outputs = user_outputs;
    vt.n_outputs = 1;
    vt.options = user_options;
    vt.n_options = 3;
    vt.set_option = user_set_option;
    vt.get_option = user_get_option;
    vt.save = user_save;
    vt.load = user_load;
    return vt;
}

static void user_init(user_state *u)
{
    memset(u, 0, sizeof *u);
    u->scale = 1;
    strcpy(u->label, "plain");
}

static tier_book *small_book(const tier_allocator *a)
{
    static const tst_txn rows[] = {{"x", 10, 4}, {"y", 20, 8}};
    return tst_book_of(a, rows, TST_COUNT(rows));
}

/* ---- version 1 ------------------------------------------------------------------------------ */

typedef struct v1_state {
    int destroyed;
} v1_state;

static size_t v1_count(void *st)
{
    (void)st;
    return 1;
}

static int v1_info(void *st, size_t i, const char **name, int *type)
{
    (void)st;
    (void)i;
    *name = "one";
    *type = TIER_VALUE_NUMBER;
    return TIER_OK;
}

static int v1_score(void *st, const tier_book *book, tier_frame *frame)
{
    double *v;
    size_t i;
    int rc = tier_frame_add_numbers(frame, "one", &v);
    (void)st;
    for (i = 0; !rc && i < tier_book_customer_count(book); i++)
        v[i] = 1;
    return rc;
}

static void v1_destroy(void *st)
{
    ((v1_state *)st)->destroyed++;
}

/* The vtable as a program compiled against 0.1 declares it: version 1 ends at last_error. */
typedef struct v1_vtable {
    unsigned int version;
    const char *kind;
    size_t (*output_count)(void *state);
    int (*output_info)(void *state, size_t i, const char **name, int *type);
    int (*fit)(void *state, const tier_book *book, const tier_frame *inputs);
    int (*score)(void *state, const tier_book *book, tier_frame *frame);
    int (*explain)(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                   tier_text *out);
    void (*destroy)(void *state);
    const char *(*last_error)(void *state);
} v1_vtable;

static void test_a_version_1_vtable_of_its_own_size_keeps_working(void **state)
{
    /* Allocated at exactly the version-1 size, so ASan and valgrind catch any read past it. */
    v1_vtable old;
    void *heap = malloc(sizeof old);
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_frame *f = NULL;
    tier_text *t = NULL;
    v1_state s = {0};
    double v;
    (void)state;
    assert_int_equal(sizeof old, offsetof(tier_model_vtable, outputs));
    assert_non_null(heap);
    memset(&old, 0, sizeof old);
    old.version = 1;
    old.kind = "old";
    old.output_count = v1_count;
    old.output_info = v1_info;
    old.score = v1_score;
    old.destroy = v1_destroy;
    memcpy(heap, &old, sizeof old);
    assert_int_equal(tier_model_new(&m, (const tier_model_vtable *)heap, &s, "old", TST_ALLOC),
                     TIER_OK);
    memset(heap, 0xff, sizeof old); /* copied: the library never reads it again */
    free(heap);
    assert_true(tier_model_is_fitted(m));
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_OK);
    assert_int_equal(tier_frame_column_count(f), 1);
    /* No options and no saved state in version 1. */
    assert_int_equal(tier_model_option_count(m), 0);
    assert_int_equal(tier_model_set_number(m, "x", 1), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_model_last_error(m), "has no options"));
    assert_int_equal(tier_model_get_number(m, "x", &v), TIER_ENOTFOUND);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(m, t), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "cannot be saved"));
    assert_int_equal(tier_model_load(m, "x", 1), TIER_EINVAL);
    tier_text_free(t);
    tier_frame_free(f);
    tier_model_free(m);
    assert_int_equal(s.destroyed, 1);
    tier_book_free(book);
}

static void test_vtables_that_cannot_work_are_refused(void **state)
{
    tier_allocator a = tst_allocator();
    tier_model_vtable vt;
    tier_model_option dup[2] = {{"a", TIER_OPTION_NUMBER, NULL, 0},
                                {"a", TIER_OPTION_TEXT, NULL, 0}};
    tier_model_option badtype = {"b", 7, NULL, 0};
    user_state u;
    tier_model *m = NULL;
    (void)state;
    user_init(&u);
    vt = user_vtable();
    vt.version = TIER_MODEL_VTABLE_VERSION + 1;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", &a), TIER_EVERSION);
    assert_int_equal(u.destroyed, 1);
    vt = user_vtable();
    vt.n_outputs = 0;
    vt.outputs = NULL;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", &a), TIER_OK); /* no outputs is allowed */
    tier_model_free(m);
    vt = user_vtable();
    vt.outputs = NULL; /* n_outputs 1 without a table */
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", &a), TIER_EINVAL);
    vt = user_vtable();
    vt.set_option = NULL;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", &a), TIER_EINVAL);
    vt = user_vtable();
    vt.options = dup;
    vt.n_options = 2;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", &a), TIER_EINVAL);
    vt.options = &badtype;
    vt.n_options = 1;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", &a), TIER_EINVAL);
    vt = user_vtable();
    vt.output_count = v1_count; /* one of the pair without the other */
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", &a), TIER_EINVAL);
    /* A version-1 vtable must have the output callbacks: the table is version 2. */
    vt = user_vtable();
    vt.version = 1;
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", &a), TIER_EINVAL);
    assert_int_equal(u.destroyed, 8);
    assert_null(m);
}

/* ---- options -------------------------------------------------------------------------------- */

static void test_options_are_set_and_read_by_name_and_type(void **state)
{
    static const char *const tags[] = {"a b", "c"};
    tier_model_vtable vt = user_vtable();
    tier_model *m = NULL;
    tier_text *t = NULL;
    tier_value *v = NULL;
    user_state u;
    const char *name, *doc;
    int type;
    double x;
    (void)state;
    user_init(&u);
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_value_new(&v, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_option_count(m), 3);
    assert_int_equal(tier_model_option_info(m, 2, &name, &type, &doc), TIER_OK);
    assert_string_equal(name, "tags");
    assert_int_equal(type, TIER_OPTION_LIST);
    assert_string_equal(doc, "up to four tags");
    assert_int_equal(tier_model_option_info(m, 3, &name, &type, &doc), TIER_ERANGE);

    assert_int_equal(tier_model_set_number(m, "scale", 2.5), TIER_OK);
    assert_true(u.scale == 2.5);
    assert_int_equal(tier_model_set_option(m, "scale", "1e-3"), TIER_OK);
    assert_int_equal(tier_model_get_number(m, "scale", &x), TIER_OK);
    assert_true(x == 0.001);
    assert_int_equal(tier_model_get_option(m, "scale", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "0.001");
    assert_int_equal(tier_model_set_text(m, "label", "sp\"ecial"), TIER_OK);
    assert_int_equal(tier_model_get_option(m, "label", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "sp\"ecial");
    assert_int_equal(tier_model_set_list(m, "tags", tags, 2), TIER_OK);
    assert_int_equal(tier_model_get_option(m, "tags", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "a b,c");
    assert_int_equal(tier_model_get_value(m, "tags", v), TIER_OK);
    assert_int_equal(tier_value_get_type(v), TIER_OPTION_LIST);
    assert_int_equal(tier_value_list_count(v), 2);
    assert_string_equal(tier_value_list_item(v, 0), "a b");
    assert_int_equal(tier_model_set_option(m, "tags", "x,y,z"), TIER_OK);
    assert_int_equal(u.ntags, 3);
    assert_string_equal(u.tags[2], "z");
    assert_int_equal(tier_model_set_option(m, "tags", ""), TIER_OK);
    assert_int_equal(u.ntags, 0);

    /* Unknown names list the valid ones; wrong types and refused values change nothing. */
    assert_int_equal(tier_model_set_number(m, "scal", 1), TIER_ENOTFOUND);
    assert_string_equal(tier_model_last_error(m),
                        "model \"u\" (user) has no option \"scal\"; its options are scale, label, "
                        "tags");
    assert_int_equal(tier_model_get_option(m, "nope", t), TIER_ENOTFOUND);
    assert_int_equal(tier_model_set_text(m, "scale", "2"), TIER_EINVAL);
    assert_string_equal(tier_model_last_error(m),
                        "model \"u\": option \"scale\" is a number, not a text");
    assert_int_equal(tier_model_set_option(m, "scale", "two"), TIER_EINVAL);
    assert_string_equal(tier_model_last_error(m),
                        "model \"u\": option \"scale\": \"two\" is not a number");
    assert_int_equal(tier_model_set_option(m, "scale", " 2"), TIER_EINVAL);
    assert_int_equal(tier_model_set_number(m, "scale", 500), TIER_ERANGE);
    assert_string_equal(tier_model_last_error(m),
                        "model \"u\": option \"scale\": must be in (0, 100]");
    assert_true(u.scale == 0.001);
    assert_int_equal(tier_model_set_option(m, "tags", "a,b,c,d,e"), TIER_ERANGE);
    assert_int_equal(u.ntags, 0);
    assert_int_equal(tier_model_set_text(m, "label", "\xff"), TIER_EINVAL); /* not UTF-8 */
    assert_int_equal(tier_model_set_text(m, "label", NULL), TIER_EINVAL);
    assert_string_equal(u.label, "sp\"ecial");
    assert_int_equal(tier_model_set_option(m, "scale", "nan"), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(NULL, "scale", 1), TIER_EINVAL);
    /* A success clears the last error. */
    assert_int_equal(tier_model_set_number(m, "scale", 3), TIER_OK);
    assert_string_equal(tier_model_last_error(m), "");

    tier_value_free(v);
    tier_text_free(t);
    tier_model_free(m);
}

static void test_an_option_that_forgets_the_fit_does_so_only_when_it_changes(void **state)
{
    tier_model_vtable vt = user_vtable();
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m = NULL;
    user_state u;
    (void)state;
    user_init(&u);
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", TST_ALLOC), TIER_OK);
    assert_false(tier_model_is_fitted(m));
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_true(tier_model_is_fitted(m));
    assert_int_equal(tier_model_set_number(m, "scale", 1), TIER_OK); /* same value */
    assert_true(tier_model_is_fitted(m));
    assert_int_equal(tier_model_set_text(m, "label", "other"), TIER_OK); /* not flagged */
    assert_true(tier_model_is_fitted(m));
    assert_int_equal(tier_model_set_number(m, "scale", 2), TIER_OK);
    assert_false(tier_model_is_fitted(m));
    tier_model_free(m);
    tier_book_free(book);
}

/* ---- save and load -------------------------------------------------------------------------- */

static tier_model *fitted_user(user_state *u, const tier_allocator *a, const tier_book *book)
{
    static const char *const tags[] = {"q\"uote", "back\\slash", "new\nline\t\x01"};
    tier_model_vtable vt = user_vtable();
    tier_model *m = NULL;
    user_init(u);
    assert_int_equal(tier_model_new(&m, &vt, u, "u", a), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "scale", 0.1), TIER_OK);
    assert_int_equal(tier_model_set_text(m, "label", "caf\xc3\xa9"), TIER_OK);
    assert_int_equal(tier_model_set_list(m, "tags", tags, 3), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    return m;
}

static void test_save_writes_the_documented_text_and_load_reads_it_back(void **state)
{
    static const char want[] = "tier-model-state 1\n"
                               "kind \"user\"\n"
                               "name \"u\"\n"
                               "scale 0.1\n"
                               "label \"caf\xc3\xa9\"\n"
                               "tags \"q\\\"uote\" \"back\\\\slash\" \"new\\nline\\t\\x01\"\n"
                               "mean 6\n"
                               "end\n";
    tier_book *book = small_book(TST_ALLOC);
    tier_model_vtable vt = user_vtable();
    tier_model *m, *n = NULL;
    tier_text *t1 = NULL, *t2 = NULL;
    user_state u, w;
    (void)state;
    m = fitted_user(&u, TST_ALLOC, book);
    assert_int_equal(tier_text_new(&t1, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_append(t1, "old", 3), TIER_OK);
    assert_int_equal(tier_model_save(m, t1), TIER_OK);
    assert_string_equal(tier_text_data(t1), want);

    user_init(&w);
    assert_int_equal(tier_model_new(&n, &vt, &w, "v", TST_ALLOC), TIER_OK);
    assert_false(tier_model_is_fitted(n));
    assert_int_equal(tier_model_save(n, t2), TIER_ESTATE);
    /* Loading marks the model fitted through the public path; saving it again gives the same
     * bytes (but its own name). */
    assert_int_equal(tier_model_load(n, tier_text_data(t1), tier_text_length(t1)), TIER_OK);
    assert_true(tier_model_is_fitted(n));
    assert_int_equal(w.fits, 0);
    assert_true(w.mean == 6 && w.scale == 0.1);
    assert_string_equal(w.tags[2], "new\nline\t\x01");
    assert_int_equal(tier_model_save(n, t2), TIER_OK);
    assert_non_null(strstr(tier_text_data(t2), "name \"v\"\n"));
    tier_model_free(n);
    user_init(&w);
    vt = user_vtable();
    assert_int_equal(tier_model_new(&n, &vt, &w, "u", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(n, tier_text_data(t1), tier_text_length(t1)), TIER_OK);
    assert_int_equal(tier_model_save(n, t2), TIER_OK);
    assert_string_equal(tier_text_data(t1), tier_text_data(t2));
    /* Hand-written text: comments, blank lines, CRLF, tabs and no final newline are read. */
    {
        static const char hand[] = "# by hand\r\n\r\ntier-model-state 1\r\nkind \"user\"\r\n"
                                   "name\t\"x\"\r\n  # indented comment\nmean\t 2.5e1\r\nend";
        assert_int_equal(tier_model_load(n, hand, sizeof hand - 1), TIER_OK);
        assert_true(w.mean == 25 && w.scale == 0.1);
    }
    tier_text_free(t1);
    tier_text_free(t2);
    tier_model_free(n);
    tier_model_free(m);
    tier_book_free(book);
}

static void expect_refused(tier_model *m, const user_state *u, const char *text, int status,
                           const char *message)
{
    user_state before = *u;
    int fitted = tier_model_is_fitted(m);
    assert_int_equal(tier_model_load(m, text, strlen(text)), status);
    if (message)
        assert_string_equal(tier_model_last_error(m), message);
    assert_memory_equal(&before, u, offsetof(user_state, err));
    assert_int_equal(tier_model_is_fitted(m), fitted);
}

static void test_foreign_damaged_and_cut_off_text_is_refused_with_its_line(void **state)
{
#define H "tier-model-state 1\nkind \"user\"\nname \"u\"\n"
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m;
    tier_text *t = NULL;
    user_state u;
    char *saved;
    size_t len, i;
    (void)state;
    m = fitted_user(&u, TST_ALLOC, book);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(m, t), TIER_OK);
    saved = tst_text_copy(t);
    len = strlen(saved);

    expect_refused(m, &u, "", TIER_ECORRUPT,
                   "model \"u\" (user): load failed: line 1: not a libtier model state (expected "
                   "\"tier-model-state 1\")");
    expect_refused(m, &u, "libtier-rfm 1\nbins 5\n", TIER_ECORRUPT, NULL);
    expect_refused(m, &u, "tier-model-state 2\nkind \"user\"\n", TIER_EVERSION,
                   "model \"u\" (user): load failed: line 1: state format version 2 is newer than "
                   "this library's (1)");
    expect_refused(m, &u, "tier-model-state 1\nkind \"rfm\"\nname \"u\"\nend\n", TIER_ECORRUPT,
                   "model \"u\" (user): load failed: line 2: the state is of kind \"rfm\", the "
                   "model of kind \"user\"");
    expect_refused(m, &u, H "mean 1\n", TIER_ECORRUPT,
                   "model \"u\" (user): load failed: line 5: the text ends before the \"end\" "
                   "record (cut off?)");
    expect_refused(m, &u, H "mean 1\nend\nmean 2\n", TIER_ECORRUPT, NULL);
    expect_refused(m, &u, H "mean \"1\"\nend\n", TIER_ECORRUPT,
                   "model \"u\" (user): load failed: line 4: value 1 of record \"mean\" is not a "
                   "number");
    expect_refused(m, &u, H "mean 1 2\nend\n", TIER_ECORRUPT, NULL);
    expect_refused(m, &u, H "mean 0x10\nend\n", TIER_ECORRUPT,
                   "model \"u\" (user): load failed: line 4: \"0x10\" is neither a number nor a "
                   "quoted text");
    expect_refused(m, &u, H "label \"open\nend\n", TIER_ECORRUPT, NULL);
    expect_refused(m, &u, H "label \"bad \\q\"\nmean 1\nend\n", TIER_ECORRUPT, NULL);
    expect_refused(m, &u, H "label \"\\x00\"\nmean 1\nend\n", TIER_ECORRUPT, NULL);
    expect_refused(m, &u, H "label \"\xc3\"\nmean 1\nend\n", TIER_ECORRUPT, NULL);
    expect_refused(m, &u, H "scale 500\nmean 1\nend\n", TIER_ECORRUPT,
                   "model \"u\" (user): load failed: line 4: scale out of range");
    expect_refused(m, &u, H "9lives 1\nend\n", TIER_ECORRUPT, NULL);
    expect_refused(m, &u, H "colour 1\nmean 1\nend\n", TIER_ECORRUPT,
                   "model \"u\" (user): load failed: line 4: unknown record");
    expect_refused(m, &u, H " mean 1\nend\n", TIER_ECORRUPT, NULL);
    expect_refused(m, &u, H "mean 1\nend 1\n", TIER_ECORRUPT, NULL);
    expect_refused(m, &u, H "mean 1\0\nend\n", TIER_ECORRUPT, NULL);
    assert_int_equal(tier_model_load(m, NULL, 3), TIER_EINVAL);

    /* Every cut of the saved text is refused (the last newline aside) and changes nothing. */
    for (i = 0; i + 1 < len; i++) {
        user_state before = u;
        assert_int_not_equal(tier_model_load(m, saved, i), TIER_OK);
        assert_memory_equal(&before, &u, offsetof(user_state, err));
    }
    assert_int_equal(tier_model_load(m, saved, len - 1), TIER_OK);
    test_free(saved);
    tier_text_free(t);
    tier_model_free(m);
    tier_book_free(book);
#undef H
}

/* A save callback that writes a malformed key fails the save; the text is left as it was. */
static int bad_save(void *st, tier_state_writer *w)
{
    (void)st;
    tier_state_write_key(w, "has space");
    return tier_state_write_number(w, 1);
}

static void test_a_save_that_writes_a_bad_record_fails_and_keeps_the_text(void **state)
{
    tier_model_vtable vt = user_vtable();
    tier_model *m = NULL;
    tier_text *t = NULL;
    user_state u;
    (void)state;
    user_init(&u);
    vt.save = bad_save;
    vt.fit = NULL; /* fitted from the start */
    assert_int_equal(tier_model_new(&m, &vt, &u, "u", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_append(t, "kept", 4), TIER_OK);
    assert_int_equal(tier_model_save(m, t), TIER_EINVAL);
    assert_string_equal(tier_text_data(t), "kept");
    assert_non_null(strstr(tier_model_last_error(m), "malformed"));
    tier_text_free(t);
    tier_model_free(m);
}

static int oom_save_load(const tier_allocator *alloc, void *ud)
{
    const tier_book *book = ud;
    tier_model_vtable vt = user_vtable();
    tier_model *m = NULL, *n = NULL;
    user_state u, w;
    int rc;
    user_init(&u);
    user_init(&w);
    rc = tier_model_new(&m, &vt, &u, "u", alloc);
    if (!rc)
        rc = tier_model_set_option(m, "tags", "a,b");
    if (!rc)
        rc = tier_model_fit(m, book, NULL);
    if (!rc)
        rc = tier_model_new(&n, &vt, &w, "u", alloc);
    if (!rc)
        rc = tst_oom_save_load(m, n, alloc);
    tier_model_free(n);
    tier_model_free(m);
    return rc;
}

/* ---- the registry --------------------------------------------------------------------------- */

static int user_factory(tier_model **out, const char *name, const tier_allocator *alloc, void *ud)
{
    tier_model_vtable vt = user_vtable();
    user_state *u = ud;
    user_init(u);
    return tier_model_new(out, &vt, u, name, alloc);
}

static int failing_factory(tier_model **out, const char *name, const tier_allocator *alloc,
                           void *ud)
{
    (void)out;
    (void)name;
    (void)alloc;
    (void)ud;
    return TIER_EUSER;
}

static void test_kinds_are_made_by_name_from_the_builtins_and_a_registry(void **state)
{
    static const char *const builtins[] = {"rfm",   "pareto",    "scorecard",    "clv",
                                           "needs", "lifecycle", "subscription", "sbg"};
    const size_t nb = TST_COUNT(builtins);
    tier_registry *reg = NULL;
    tier_model *m = NULL;
    user_state u;
    size_t i;
    (void)state;
    assert_int_equal(tier_registry_kind_count(NULL), nb);
    for (i = 0; i < nb; i++) {
        assert_string_equal(tier_registry_kind(NULL, i), builtins[i]);
        assert_int_equal(tier_model_new_kind(&m, NULL, builtins[i], NULL, TST_ALLOC), TIER_OK);
        assert_string_equal(tier_model_kind(m), builtins[i]);
        assert_string_equal(tier_model_name(m), builtins[i]);
        assert_true(tier_model_option_count(m) > 0);
        tier_model_free(m);
    }
    assert_null(tier_registry_kind(NULL, nb));
    assert_int_equal(tier_model_new_kind(&m, NULL, "rfm", "mine", TST_ALLOC), TIER_OK);
    assert_string_equal(tier_model_name(m), "mine");
    tier_model_free(m);
    assert_int_equal(tier_model_new_kind(&m, NULL, "user", NULL, TST_ALLOC), TIER_ENOTFOUND);
    assert_null(m);
    assert_int_equal(tier_model_new_kind(&m, NULL, "rfm", "bad name", TST_ALLOC), TIER_EINVAL);
    assert_int_equal(tier_model_new_kind(&m, NULL, NULL, NULL, TST_ALLOC), TIER_EINVAL);

    assert_int_equal(tier_registry_new(&reg, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_registry_add(reg, "user", user_factory, &u), TIER_OK);
    assert_int_equal(tier_registry_add(reg, "user", user_factory, &u), TIER_EINVAL);
    assert_string_equal(tier_registry_last_error(reg), "kind \"user\" is already known");
    assert_int_equal(tier_registry_add(reg, "rfm", user_factory, &u), TIER_EINVAL);
    assert_int_equal(tier_registry_add(reg, "bad kind", user_factory, &u), TIER_EINVAL);
    assert_int_equal(tier_registry_add(reg, "nofactory", NULL, &u), TIER_EINVAL);
    assert_int_equal(tier_registry_add(reg, "broken", failing_factory, NULL), TIER_OK);
    assert_int_equal(tier_registry_kind_count(reg), nb + 2);
    assert_string_equal(tier_registry_kind(reg, nb), "user");
    assert_string_equal(tier_registry_kind(reg, nb + 1), "broken");
    assert_int_equal(tier_model_new_kind(&m, reg, "user", "mine", TST_ALLOC), TIER_OK);
    assert_string_equal(tier_model_kind(m), "user");
    assert_int_equal(tier_model_set_number(m, "scale", 4), TIER_OK);
    assert_true(u.scale == 4);
    tier_model_free(m);
    assert_int_equal(u.destroyed, 1);
    assert_int_equal(tier_model_new_kind(&m, reg, "broken", NULL, TST_ALLOC), TIER_EUSER);
    assert_null(m);
    assert_int_equal(tier_model_new_kind(&m, reg, "pareto", NULL, TST_ALLOC),
                     TIER_OK); /* built-ins too */
    tier_model_free(m);
    tier_registry_free(reg);
    tier_registry_free(NULL);
}

static int oom_registry(const tier_allocator *alloc, void *ud)
{
    tier_registry *reg = NULL;
    tier_model *m = NULL;
    user_state u;
    int rc = tier_registry_new(&reg, alloc);
    (void)ud;
    if (!rc)
        rc = tier_registry_add(reg, "user", user_factory, &u);
    if (!rc)
        rc = tier_registry_add(reg, "other", user_factory, &u);
    if (!rc)
        rc = tier_model_new_kind(&m, reg, "other", NULL, alloc);
    if (!rc) /* the built-ins, then the two added */
        assert_int_equal(tier_registry_kind_count(reg), tier_registry_kind_count(NULL) + 2);
    tier_model_free(m);
    tier_registry_free(reg);
    return rc;
}

/* ---- values --------------------------------------------------------------------------------- */

static void test_values_hold_one_type_at_a_time(void **state)
{
    static const char *const items[] = {"x", "y"};
    tier_value *v = NULL;
    (void)state;
    assert_int_equal(tier_value_new(&v, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_value_get_type(v), 0);
    assert_true(isnan(tier_value_number(v)));
    assert_null(tier_value_text(v));
    assert_int_equal(tier_value_set_text(v, "t"), TIER_OK);
    assert_int_equal(tier_value_get_type(v), TIER_OPTION_TEXT);
    assert_string_equal(tier_value_text(v), "t");
    assert_int_equal(tier_value_set_text(v, "\xc0\x80"), TIER_EINVAL); /* overlong: not UTF-8 */
    assert_string_equal(tier_value_text(v), "t");
    assert_int_equal(tier_value_set_list(v, items, 2), TIER_OK);
    assert_null(tier_value_text(v));
    assert_int_equal(tier_value_list_count(v), 2);
    assert_null(tier_value_list_item(v, 2));
    assert_int_equal(tier_value_set_list(v, NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_value_set_number(v, -0.0), TIER_OK);
    assert_int_equal(tier_value_list_count(v), 0);
    assert_true(tier_value_number(v) == 0);
    assert_int_equal(tier_value_get_type(NULL), 0);
    tier_value_free(v);
    tier_value_free(NULL);
}

/* ---- locale ---------------------------------------------------------------------------------- */

static const char *const comma_locales[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE",
                                            "fr_FR.UTF-8", "fr_FR.utf8", "fr_FR",
                                            "nl_NL.UTF-8", "ru_RU.UTF-8"};

static void test_state_text_and_option_text_ignore_a_comma_decimal_locale(void **state)
{
    tier_book *book;
    tier_model *m, *n = NULL;
    tier_model_vtable vt = user_vtable();
    tier_text *t = NULL, *t2 = NULL;
    user_state u, w;
    size_t i;
    int found = 0;
    (void)state;
    for (i = 0; i < sizeof comma_locales / sizeof comma_locales[0] && !found; i++)
        found = setlocale(LC_NUMERIC, comma_locales[i]) &&
                strcmp(localeconv()->decimal_point, ",") == 0;
    if (!found) {
        setlocale(LC_NUMERIC, "C");
        skip(); /* no comma-decimal locale installed (tests/locale.cmake builds one) */
        return;
    }
    book = small_book(TST_ALLOC);
    m = fitted_user(&u, TST_ALLOC, book);
    assert_int_equal(tier_model_set_option(m, "scale", "0.25"), TIER_OK);
    assert_true(u.scale == 0.25);
    assert_int_equal(tier_model_set_option(m, "scale", "0,25"), TIER_EINVAL);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK); /* scale forgets the fit */
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_get_option(m, "scale", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "0.25");
    assert_int_equal(tier_model_save(m, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "\nscale 0.25\n"));
    user_init(&w);
    assert_int_equal(tier_model_new(&n, &vt, &w, "u", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(n, tier_text_data(t), tier_text_length(t)), TIER_OK);
    assert_true(w.scale == 0.25 && w.mean == 6);
    assert_int_equal(tier_model_save(n, t2), TIER_OK);
    assert_string_equal(tier_text_data(t), tier_text_data(t2));
    setlocale(LC_NUMERIC, "C");
    tier_text_free(t);
    tier_text_free(t2);
    tier_model_free(n);
    tier_model_free(m);
    tier_book_free(book);
}

TST_MAIN(cmocka_unit_test(test_a_version_1_vtable_of_its_own_size_keeps_working),
         cmocka_unit_test(test_vtables_that_cannot_work_are_refused),
         cmocka_unit_test(test_options_are_set_and_read_by_name_and_type),
         cmocka_unit_test(test_an_option_that_forgets_the_fit_does_so_only_when_it_changes),
         cmocka_unit_test(test_save_writes_the_documented_text_and_load_reads_it_back),
         cmocka_unit_test(test_foreign_damaged_and_cut_off_text_is_refused_with_its_line),
         cmocka_unit_test(test_a_save_that_writes_a_bad_record_fails_and_keeps_the_text),
         TST_OOM_WALK(test_options_save_and_load_fail_cleanly_at_every_allocation, oom_save_load,
                      small_book, 5),
         cmocka_unit_test(test_kinds_are_made_by_name_from_the_builtins_and_a_registry),
         TST_OOM_WALK(test_the_registry_fails_cleanly_at_every_allocation, oom_registry, NULL, 3),
         cmocka_unit_test(test_values_hold_one_type_at_a_time),
         cmocka_unit_test(test_state_text_and_option_text_ignore_a_comma_decimal_locale))
