/* SPDX-License-Identifier: MIT */
/* The shared test helpers of support.h: allocators, source files, books, frames and models.
 * The sink and the in-memory I/O layer are in support_io.c. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "util/rng.h"

#include "util/internal.h"

/* ---- allocators -------------------------------------------------------------------------- */

static int tst_should_fail(tst_failing *f)
{
    if (!f)
        return 0;
    f->calls++;
    if (f->fail_at > 0 && (f->calls == f->fail_at || (f->persistent && f->calls > f->fail_at))) {
        f->failures++;
        return 1;
    }
    return 0;
}

static void *tst_alloc(void *ud, size_t size)
{
    if (tst_should_fail((tst_failing *)ud))
        return NULL;
    return test_malloc(size);
}

static void *tst_realloc(void *ud, void *ptr, size_t size)
{
    if (tst_should_fail((tst_failing *)ud))
        return NULL;
    return test_realloc(ptr, size);
}

static void tst_free(void *ud, void *ptr)
{
    (void)ud;
    if (ptr)
        test_free(ptr);
}

tier_allocator tst_failing_allocator(tst_failing *state)
{
    tier_allocator a;
    a.alloc = tst_alloc;
    a.realloc = tst_realloc;
    a.free = tst_free;
    a.ud = state;
    return a;
}

const tier_allocator tst_cmocka_allocator = {tst_alloc, tst_realloc, tst_free, NULL};

tier_allocator tst_allocator(void)
{
    return tst_cmocka_allocator;
}

int tst_under_valgrind(void)
{
    return getenv("TIER_UNDER_VALGRIND") != NULL;
}

void tst_expect_oom(int rc, const char *err)
{
    if (rc != TIER_ENOMEM)
        fail_msg("a failed allocation gave %s: %s", tier_status_name(rc), err);
    if (!strstr(err, "out of memory"))
        fail_msg("TIER_ENOMEM without saying so: '%s'", err);
}

long tst_oom_walk(tst_oom_fn fn, void *ud)
{
    /* Under valgrind (.ci/valgrind-tests.py sets TIER_UNDER_VALGRIND) every allocation point is
     * still failed by the suite and sanitize steps; memcheck then fails the first 32 and every
     * 8th after them, which keeps the step within its time budget. */
    const long stride = tst_under_valgrind() ? 8 : 1;
    long n;
    int persistent;
    long points = 0;
    for (persistent = 0; persistent <= 1; persistent++) {
        for (n = 1;; n += n < 32 ? 1 : stride) {
            tst_failing f;
            tier_allocator a;
            int rc;
            memset(&f, 0, sizeof f);
            f.fail_at = n;
            f.persistent = persistent;
            a = tst_failing_allocator(&f);
            rc = fn(&a, ud);
            if (f.failures == 0) {
                assert_int_equal(rc, TIER_OK);
                if (n - 1 > points)
                    points = n - 1;
                break;
            }
            if (rc != TIER_OK && rc != TIER_ENOMEM)
                fail_msg("allocation %ld%s failed: got status %d (%s), want TIER_ENOMEM or TIER_OK",
                         n, persistent ? " (persistent)" : "", rc, tier_status_name(rc));
            if (n > 10000000L)
                fail_msg("out-of-memory walk does not end");
        }
    }
    return points;
}

void tst_oom_test(void **state)
{
    const tst_oom_case *c = *state;
    tier_allocator a = tst_allocator();
    tier_book *book = c->book ? c->book(&a) : NULL;
    long points = tst_oom_walk(c->fn, book);
    if (points <= c->more_than)
        fail_msg("%ld allocation points, want more than %ld", points, c->more_than);
    tier_book_free(book);
}

int tst_oom_score(const tier_model *m, const tier_book *book, const tier_allocator *alloc,
                  size_t ncols, tier_frame **frame)
{
    int rc = tier_frame_new(frame, tier_book_customer_count(book), alloc);
    if (rc == TIER_OK) {
        rc = tier_model_score(m, book, *frame);
        /* All or nothing: a failed score adds no column. */
        assert_int_equal(tier_frame_column_count(*frame), rc == TIER_OK ? ncols : 0);
    }
    return rc;
}

int tst_oom_save_load(const tier_model *m, tier_model *into, const tier_allocator *alloc)
{
    tier_text *t = NULL;
    int rc = tier_text_new(&t, alloc);
    if (rc == TIER_OK)
        rc = tier_model_save(m, t);
    if (rc == TIER_OK) {
        rc = tier_model_load(into, tier_text_data(t), tier_text_length(t));
        assert_int_equal(tier_model_is_fitted(into), rc == TIER_OK);
    }
    tier_text_free(t);
    return rc;
}

/* ---- files of the source tree ------------------------------------------------------------ */

char **tst_list_files(const char *dir, const char *suffix, size_t *n)
{
    char **names = NULL;
    size_t count = 0, cap = 0, i, j, slen = strlen(suffix);
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        fail_msg("cannot open %s", dir);
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < slen || (slen && len == slen) || strcmp(e->d_name + len - slen, suffix) != 0)
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            assert_non_null(names);
        }
        names[count] = malloc(len + 1);
        assert_non_null(names[count]);
        memcpy(names[count++], e->d_name, len + 1);
    }
    closedir(d);
    for (i = 1; i < count; i++)
        for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    *n = count;
    return names;
}

void tst_free_names(char **names, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

char *tst_policy_text(const tier_policy *p)
{
    tier_text *t = NULL;
    char *copy;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_describe(p, t), TIER_OK);
    copy = tst_text_copy(t);
    tier_text_free(t);
    return copy;
}

char *tst_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = test_malloc((size_t)size + 1);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size)
        fail_msg("cannot read %s", path);
    fclose(f);
    buf[size] = '\0';
    if (len)
        *len = (size_t)size;
    return buf;
}

const char *tst_data_path(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/examples/data/%s", TIER_SOURCE_DIR, name);
    return path;
}

int32_t tst_day(int y, int m, int d)
{
    int32_t day = 0;
    if (tier_date_from_ymd(&day, y, m, d) != TIER_OK)
        fail_msg("no such date %04d-%02d-%02d", y, m, d);
    return day;
}

tier_book *tst_cdnow_book(const tier_allocator *a, int master)
{
    const char *name = master ? "CDNOW_master.txt" : "CDNOW_sample.txt";
    tier_book *book = NULL;
    tier_csv *csv = NULL;
    assert_int_equal(tier_book_new(&book, a), TIER_OK);
    assert_int_equal(tier_csv_new(&csv, a), TIER_OK);
    assert_int_equal(tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE), TIER_OK);
    if (master) {
        assert_int_equal(tier_csv_set_column(csv, TIER_CSV_AMOUNT, "dollar_value"), TIER_OK);
    } else {
        assert_int_equal(tier_csv_set_header(csv, 0), TIER_OK);
        assert_int_equal(tier_csv_set_column_names(csv, "customer_id,sample,date,cds,amount"),
                         TIER_OK);
    }
    if (tier_csv_read_file(csv, book, tst_data_path(name)) != TIER_OK)
        fail_msg("reading %s: %s", name, tier_csv_last_error(csv));
    tier_csv_free(csv);
    assert_int_equal(tier_book_customer_count(book), master ? 23570 : 2357);
    return book;
}

/* ---- reference formulas ------------------------------------------------------------------ */

double tst_bgnbd_expected(const double *p, double t, double x, double t_x, double T)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3], c = a + b + x - 1.0;
    const double z = t / (al + T + t);
    double term = 1.0, sum = 1.0, num, den;
    int n;
    for (n = 0; n < 100000; n++) {
        term *= (r + x + n) * (b + x + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if (fabs(term) < 1e-18 * sum)
            break;
    }
    num = c / (a - 1.0) * (1.0 - pow((al + T) / (al + T + t), r + x) * sum);
    den = 1.0 + (x > 0.0 ? a / (b + x - 1.0) * pow((al + T) / (al + t_x), r + x) : 0.0);
    return num / den;
}

/* ---- books ------------------------------------------------------------------------------- */

size_t tst_mixed_id(size_t k, char *buf)
{
    switch (k % 3) {
    case 0:
        return (size_t)sprintf(buf, "c%zu", k);
    case 1:
        return (size_t)sprintf(buf, "%08zu", k);
    default:
        return (size_t)sprintf(buf, "customer-number-%zu", k);
    }
}

int tst_add_txns(tier_book *book, const tst_txn *rows, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int rc = tier_book_add_txn(book, rows[i].id, strlen(rows[i].id), rows[i].day,
                                   rows[i].amount, NAN);
        if (rc != TIER_OK)
            return rc;
    }
    return TIER_OK;
}

static tier_book *new_book(const tier_allocator *a)
{
    tier_book *book = NULL;
    assert_int_equal(tier_book_new(&book, a), TIER_OK);
    return book;
}

static void added(const tier_book *book, int rc)
{
    if (rc != TIER_OK)
        fail_msg("adding the test rows failed: %s: %s", tier_status_name(rc),
                 tier_book_last_error(book));
}

tier_book *tst_book_of(const tier_allocator *a, const tst_txn *rows, size_t n)
{
    tier_book *book = new_book(a);
    added(book, tst_add_txns(book, rows, n));
    return book;
}

tier_book *tst_book_without_txns(const tier_allocator *a, const tst_txn *rows, size_t n)
{
    tier_book *book = new_book(a);
    int rc = tier_book_set_option(book, TIER_BOOK_OPT_KEEP_TRANSACTIONS, 0);
    if (rc)
        fail_msg("setting keep_transactions to 0 failed: %s", tier_status_name(rc));
    added(book, tst_add_txns(book, rows, n));
    return book;
}

tier_book *tst_book_with_margins(const tier_allocator *a, const tst_txn_margin *rows, size_t n)
{
    tier_book *book = new_book(a);
    size_t i;
    for (i = 0; i < n; i++)
        added(book, tier_book_add_txn(book, rows[i].id, strlen(rows[i].id), rows[i].day,
                                      rows[i].amount, rows[i].margin));
    return book;
}

size_t tst_customer(const tier_book *book, const char *id)
{
    size_t i = 0;
    if (tier_book_find(book, id, strlen(id), &i) != TIER_OK)
        fail_msg("no customer %s", id);
    return i;
}

/* ---- frames ------------------------------------------------------------------------------ */

void tst_fit(tier_model *m, const tier_book *book, const tier_frame *inputs)
{
    int rc = tier_model_fit(m, book, inputs);
    if (rc)
        fail_msg("fit failed: %s: %s", tier_status_name(rc), tier_model_last_error(m));
}

void tst_score_into(const tier_model *m, const tier_book *book, tier_frame *frame)
{
    int rc = tier_model_score(m, book, frame);
    if (rc)
        fail_msg("score failed: %s: %s", tier_status_name(rc), tier_frame_last_error(frame));
}

tier_frame *tst_score(const tier_model *m, const tier_book *book, const tier_allocator *a)
{
    tier_frame *frame = NULL;
    assert_int_equal(tier_frame_new(&frame, tier_book_customer_count(book), a), TIER_OK);
    tst_score_into(m, book, frame);
    return frame;
}

tier_frame *tst_fit_score(tier_model *m, const tier_book *book, const tier_allocator *a)
{
    tst_fit(m, book, NULL);
    return tst_score(m, book, a);
}

tier_frame *tst_frame_with(const tier_book *book, const char *column, const double *v,
                           const tier_allocator *a)
{
    tier_frame *f = NULL;
    double *col;
    size_t i, n = tier_book_customer_count(book);
    assert_int_equal(tier_frame_new(&f, n, a), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, column, &col), TIER_OK);
    for (i = 0; i < n; i++)
        col[i] = v[i];
    return f;
}

static size_t column_of(const tier_frame *f, const char *column, int type)
{
    size_t col = 0;
    if (tier_frame_find(f, column, &col) != TIER_OK)
        fail_msg("no column %s", column);
    if (tier_frame_column_type(f, col) != type)
        fail_msg("column %s is not a %s column", column,
                 type == TIER_VALUE_NUMBER ? "number" : "label");
    return col;
}

const double *tst_numbers(const tier_frame *f, const char *column)
{
    const double *v = tier_frame_numbers(f, column_of(f, column, TIER_VALUE_NUMBER));
    assert_non_null(v);
    return v;
}

const int32_t *tst_codes(const tier_frame *f, const char *column)
{
    const int32_t *codes = tier_frame_labels(f, column_of(f, column, TIER_VALUE_LABEL));
    assert_non_null(codes);
    return codes;
}

const char *tst_label(const tier_frame *f, const char *column, size_t row)
{
    const int32_t *codes = tst_codes(f, column);
    size_t col = column_of(f, column, TIER_VALUE_LABEL);
    assert_true(row < tier_frame_rows(f));
    return codes[row] < 0 ? "(none)" : tier_frame_label_text(f, col, codes[row]);
}

void tst_initials(const tier_frame *f, const char *column, char *out)
{
    size_t i;
    for (i = 0; i < tier_frame_rows(f); i++) {
        const char *label = tst_label(f, column, i);
        out[i] = strcmp(label, "(none)") == 0 ? '-' : label[0];
    }
    out[i] = '\0';
}

/* Both frames' columns and values: numbers equal (bitwise: the same bytes, else ==), NaN equal
 * to NaN; labels by code, or (bitwise) by text. */
static void same_frames(const tier_frame *x, const tier_frame *y, int bitwise)
{
    size_t c, i, rows = tier_frame_rows(x);
    assert_int_equal(tier_frame_column_count(x), tier_frame_column_count(y));
    assert_int_equal(rows, tier_frame_rows(y));
    for (c = 0; c < tier_frame_column_count(x); c++) {
        const char *name = tier_frame_column_name(x, c);
        assert_string_equal(name, tier_frame_column_name(y, c));
        assert_int_equal(tier_frame_column_type(x, c), tier_frame_column_type(y, c));
        for (i = 0; i < rows; i++) {
            if (tier_frame_column_type(x, c) == TIER_VALUE_NUMBER) {
                double p = tier_frame_numbers(x, c)[i], q = tier_frame_numbers(y, c)[i];
                int same = bitwise ? memcmp(&p, &q, sizeof p) == 0 : p == q;
                if (!(same || (isnan(p) && isnan(q))))
                    fail_msg("%s row %lu: %.17g vs %.17g", name, (unsigned long)i, p, q);
            } else if (bitwise) {
                const char *p = tier_frame_label_text(x, c, tier_frame_labels(x, c)[i]);
                const char *q = tier_frame_label_text(y, c, tier_frame_labels(y, c)[i]);
                if (!(p == q || (p && q && strcmp(p, q) == 0)))
                    fail_msg("%s row %lu: label %s vs %s", name, (unsigned long)i, p ? p : "(none)",
                             q ? q : "(none)");
            } else if (tier_frame_labels(x, c)[i] != tier_frame_labels(y, c)[i]) {
                fail_msg("%s row %lu: label %d vs %d", name, (unsigned long)i,
                         (int)tier_frame_labels(x, c)[i], (int)tier_frame_labels(y, c)[i]);
            }
        }
    }
}

void tst_assert_same_frames(const tier_frame *x, const tier_frame *y)
{
    same_frames(x, y, 0);
}

void tst_assert_identical_frames(const tier_frame *x, const tier_frame *y)
{
    same_frames(x, y, 1);
}

void tst_expect_labels(const tier_frame *f, const tier_book *book, const char *column,
                       const tst_label_want *want, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const char *got = tst_label(f, column, tst_customer(book, want[i].id));
        if (strcmp(got, want[i].label) != 0)
            fail_msg("%s of customer %s: got %s, want %s", column, want[i].id, got, want[i].label);
    }
}

void tst_expect_numbers(const tier_frame *f, const tier_book *book, const char *column,
                        const tst_number_want *want, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        double got = tst_numbers(f, column)[tst_customer(book, want[i].id)];
        if (!(got == want[i].value || (isnan(got) && isnan(want[i].value))))
            fail_msg("%s of customer %s: got %.17g, want %.17g", column, want[i].id, got,
                     want[i].value);
    }
}

void tst_expect_parts(const char *text, const char *const *parts, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!strstr(text, parts[i]))
            fail_msg("no \"%s\" in:\n%s", parts[i], text);
}

void tst_expect_text(const char *text, const char *part)
{
    tst_expect_parts(text, &part, 1);
}

void tst_expect_model_error(const tier_model *m, int rc, int want, const char *says)
{
    if (rc != want)
        fail_msg("status %d, want %d (%s)", rc, want, tier_model_last_error(m));
    tst_expect_text(tier_model_last_error(m), says);
}

void tst_expect_explains(const tier_model *m, const tier_book *book, const tier_frame *f,
                         size_t row, tier_text *t, const char *want)
{
    int rc;
    tier_text_clear(t);
    rc = tier_model_explain(m, book, f, row, t);
    if (rc != TIER_OK)
        fail_msg("explaining row %lu: status %d (%s)", (unsigned long)row, rc,
                 tier_model_last_error(m));
    tst_expect_parts(tier_text_data(t), &want, 1);
}

/* ---- models ------------------------------------------------------------------------------ */

void tst_expect_set_numbers(tier_model *m, const tst_number_option *cases, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int rc = tier_model_set_number(m, cases[i].name, cases[i].value);
        if (rc != cases[i].status)
            fail_msg("option %s = %.17g: got %s, want %s (%s)", cases[i].name, cases[i].value,
                     tier_status_name(rc), tier_status_name(cases[i].status),
                     tier_model_last_error(m));
    }
}

char *tst_text_copy(const tier_text *t)
{
    char *copy = test_malloc(tier_text_length(t) + 1);
    memcpy(copy, tier_text_data(t), tier_text_length(t) + 1);
    return copy;
}

char *tst_saved(const tier_model *m, const tier_allocator *a)
{
    tier_text *t = NULL;
    char *copy;
    int rc;
    assert_int_equal(tier_text_new(&t, a), TIER_OK);
    rc = tier_model_save(m, t);
    if (rc != TIER_OK)
        fail_msg("save failed: %s: %s", tier_status_name(rc), tier_model_last_error(m));
    copy = tst_text_copy(t);
    tier_text_free(t);
    return copy;
}

tst_column tst_number_column(const char *name, const double *num)
{
    tst_column c = {NULL, TIER_VALUE_NUMBER, NULL, NULL, 0, NULL};
    c.name = name;
    c.num = num;
    return c;
}

tst_column tst_label_column(const char *name, const char *const *labels, size_t nlabels,
                            const int32_t *codes)
{
    tst_column c = {NULL, TIER_VALUE_LABEL, NULL, NULL, 0, NULL};
    c.name = name;
    c.labels = labels;
    c.nlabels = nlabels;
    c.codes = codes;
    return c;
}

tier_model_vtable
tst_vtable(const char *kind, size_t (*output_count)(void *state),
           int (*output_info)(void *state, size_t i, const char **name, int *type),
           int (*fit)(void *state, const tier_book *book, const tier_frame *inputs),
           int (*score)(void *state, const tier_book *book, tier_frame *frame))
{
    tier_model_vtable vt = {.version = TIER_MODEL_VTABLE_VERSION,
                            .kind = kind,
                            .output_count = output_count,
                            .output_info = output_info,
                            .fit = fit,
                            .score = score};
    return vt;
}

void tst_fixed_init(tst_fixed *state, const tst_column *outs, size_t nout)
{
    memset(state, 0, sizeof *state);
    state->outs = outs;
    state->nout = nout;
}

static size_t fixed_output_count(void *state)
{
    return ((tst_fixed *)state)->nout;
}

static int fixed_output_info(void *state, size_t i, const char **name, int *type)
{
    tst_fixed *s = state;
    *name = s->outs[i].name;
    *type = s->outs[i].type;
    return TIER_OK;
}

static int fixed_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    tst_fixed *s = state;
    size_t col;
    (void)book;
    s->fits++;
    if (s->need)
        s->need_seen = tier_frame_find(inputs, s->need, &col) == TIER_OK;
    return s->fit_rc;
}

static int fixed_score(void *state, const tier_book *book, tier_frame *frame)
{
    tst_fixed *s = state;
    size_t n = tier_book_customer_count(book), k, i;
    if (s->score_rc)
        return s->score_rc;
    for (k = 0; k < s->nout; k++) {
        const tst_column *o = &s->outs[k];
        int rc;
        if (o->type == TIER_VALUE_NUMBER) {
            double *v;
            if ((rc = tier_frame_add_numbers(frame, o->name, &v)) != 0)
                return rc;
            for (i = 0; i < n; i++)
                v[i] = o->num[i];
        } else {
            int32_t *c;
            if ((rc = tier_frame_add_labels(frame, o->name, o->labels, o->nlabels, &c)) != 0)
                return rc;
            for (i = 0; i < n; i++)
                c[i] = o->codes[i];
        }
    }
    return TIER_OK;
}

static const char *fixed_last_error(void *state)
{
    tst_fixed *s = state;
    return s->why ? s->why : "";
}

tier_model *tst_fixed_model(const char *name, tst_fixed *state, int with_fit,
                            const tier_allocator *a)
{
    tier_model_vtable vt = tst_vtable("fixed", fixed_output_count, fixed_output_info,
                                      with_fit ? fixed_fit : NULL, fixed_score);
    tier_model *m = NULL;
    vt.last_error = fixed_last_error;
    if (tier_model_new(&m, &vt, state, name, a) != TIER_OK)
        return NULL;
    return m;
}

tier_model *tst_fixed_model_ok(const char *name, tst_fixed *state, int with_fit)
{
    tier_allocator a = tst_allocator();
    tier_model *m = tst_fixed_model(name, state, with_fit, &a);
    assert_non_null(m);
    return m;
}

void tst_release(tier_frame *f, tier_model *m, tier_book *book)
{
    tier_frame_free(f);
    tier_model_free(m);
    tier_book_free(book);
}

tier_allocator tst_internal_allocator(const tier_allocator *src)
{
    tier_allocator a;
    tier__alloc_init(&a, src);
    return a;
}

int tst_oom_model_walk(const tier_allocator *alloc, const tier_book *book, const tst_model_walk *w)
{
    tier_model *m = NULL, *copy = NULL;
    tier_frame *f = NULL;
    tier_text *t = NULL;
    int rc = w->make(&m, w->name, alloc);
    if (rc == TIER_OK && w->setup)
        rc = w->setup(m);
    if (rc == TIER_OK) {
        rc = tier_model_fit(m, book, NULL);
        assert_int_equal(tier_model_is_fitted(m), rc == TIER_OK);
    }
    if (rc == TIER_OK)
        rc = tst_oom_score(m, book, alloc, w->ncols, &f);
    if (rc == TIER_OK && w->more) {
        rc = tier_text_new(&t, alloc);
        if (rc == TIER_OK)
            rc = w->more(m, book, f, t);
    }
    if (rc == TIER_OK && w->reload)
        rc = w->make(&copy, w->name, alloc);
    if (rc == TIER_OK && w->reload)
        rc = tst_oom_save_load(m, copy, alloc);
    tier_text_free(t);
    tier_model_free(copy);
    tst_release(f, m, NULL);
    return rc;
}

/* ---- dedupe4b ---- */

const char *tst_take_text(tier_text *t, char *value, size_t cap)
{
    assert_true(tier_text_length(t) < cap);
    memcpy(value, tier_text_data(t), tier_text_length(t) + 1);
    tier_text_free(t);
    return value;
}

const char *tst_pipeline_get(const tier_pipeline *p, const char *key)
{
    static char value[512];
    tier_text *t = NULL;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    if (tier_pipeline_get(p, key, t) != TIER_OK)
        fail_msg("get %s: %s", key, tier_pipeline_last_error(p));
    return tst_take_text(t, value, sizeof value);
}

/* ---- generated books --------------------------------------------------------------------- */

/* The attributes of tst_generated_book, with the chance (in 1/16) that a customer has none. */
static const struct {
    const char *name;
    double lo, hi;
    int integer, unset16;
} generated_attrs[] = {{"contract_arr", 0, 200000, 0, 2},
                       {"gross_margin", -0.1, 0.6, 0, 1},
                       {"employees", 1, 5000, 1, 3},
                       {"modules_used", 0, 12, 1, 1},
                       {"growth_rate", -0.5, 0.8, 0, 2},
                       {"years_cooperation", 0, 15, 1, 1},
                       {"referrals", 0, 6, 1, 1},
                       {"defaults", 0, 2, 1, 4},
                       {"support_tickets", 0, 40, 1, 2},
                       {"payment_score", 0, 100, 1, 2},
                       {"arrears_days", 0, 150, 1, 3},
                       {"need_a", 0, 10, 0, 1},
                       {"need_b", 0, 10, 0, 1},
                       {"need_c", 0, 10, 0, 2},
                       {"implementation_progress", 0, 1, 0, 3},
                       {"active_users_share", 0, 1, 0, 3}};

void tst_set_generated_attributes(tier_book *book, size_t customer, uint64_t seed)
{
    tier__rng r;
    size_t a;
    tier__rng_init(&r, seed, 2, customer, 0);
    for (a = 0; a < TST_COUNT(generated_attrs); a++) {
        double v = generated_attrs[a].lo +
                   (generated_attrs[a].hi - generated_attrs[a].lo) * tier__rng_unit(&r);
        if (generated_attrs[a].integer)
            v = floor(v);
        if (tier__rng_below(&r, 16) < (uint64_t)generated_attrs[a].unset16)
            v = NAN;
        assert_int_equal(tier_book_set_number(book, customer, generated_attrs[a].name, v), TIER_OK);
    }
}

tier_book *tst_generated_book(const tier_allocator *a, size_t customers, uint64_t seed)
{
    const int32_t first = tst_day(2022, 1, 1), span = 3 * 365;
    tier_book *book = NULL;
    char id[16];
    size_t c;
    assert_int_equal(tier_book_new(&book, a), TIER_OK);
    for (c = 0; c < customers; c++) {
        tier__rng r;
        int32_t day;
        double ticket;
        uint64_t k, t;
        int len = snprintf(id, sizeof id, "G%06lu", (unsigned long)c);
        tier__rng_init(&r, seed, 1, c, 0);
        day = first + (int32_t)tier__rng_below(&r, (uint64_t)span);
        ticket = 20 + 400 * tier__rng_unit(&r) * tier__rng_unit(&r);
        k = 1 + tier__rng_below(&r, 12);
        for (t = 0; t < k && day < first + span; t++) {
            double amount = floor(ticket * (0.5 + tier__rng_unit(&r)) * 100) / 100;
            double margin = tier__rng_below(&r, 4) == 0 ? NAN : floor(amount * 30) / 100;
            if (tier__rng_below(&r, 20) == 0)
                amount = -floor(amount * 50) / 100; /* a refund */
            assert_int_equal(tier_book_add_txn(book, id, (size_t)len, day, amount, margin),
                             TIER_OK);
            day += 1 + (int32_t)tier__rng_below(&r, 120);
        }
        tst_set_generated_attributes(book, c, seed);
    }
    /* The last day of the range is a purchase of its own, so that the as-of day stays put when
     * a test adds transactions inside the range. */
    assert_int_equal(tier_book_add_txn(book, "G999999", 7, first + span, 10, NAN), TIER_OK);
    assert_int_equal(tier_book_customer_count(book), customers + 1);
    return book;
}
