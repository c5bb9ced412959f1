/* SPDX-License-Identifier: MIT */
/* The model state writer and reader (docs/model-state-format.md) as a user model's save and load
 * callbacks see them, beyond test_model_options.c: every escape a text can need round-trips;
 * a writer misused (a value before any key, NULL numbers, text that is not UTF-8, the reserved key
 * "end") fails the save with TIER_EINVAL and keeps the caller's text; a reader asked for a value
 * that is not there or of the other type fails the load with the line and the record, after which
 * every reader call returns that failure; a load that stops early is refused; damaged texts name
 * their line and what is wrong. A refused load never changes the model. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* What the probe's callbacks do. */
enum {
    SAVE_GOOD,
    SAVE_VALUE_FIRST,
    SAVE_NULL_NUMBERS,
    SAVE_NUMBERS_FIRST,
    SAVE_BAD_UTF8,
    SAVE_END
};
enum { LOAD_GOOD, LOAD_WRONG_TYPE, LOAD_MISSING_TEXT, LOAD_COUNT, LOAD_EARLY, LOAD_FAIL_NULL };

typedef struct probe {
    int save_mode, load_mode;
    char text[64];
    double num[2];
} probe;

/* The text with every character the writer escapes: quote, backslash, LF, CR, tab, a control
 * byte and DEL, next to plain UTF-8. */
static const char ESCAPES[] = "a\"b\\c\nd\re\tf\001g\177h \xc3\xa9";

static int probe_save(void *st, tier_state_writer *w)
{
    const probe *p = st;
    static const double two[] = {1.5, -2};
    switch (p->save_mode) {
    case SAVE_VALUE_FIRST:
        assert_int_equal(tier_state_write_number(w, 1), TIER_EINVAL);
        /* the failure is kept */
        assert_int_equal(tier_state_write_key(w, "t"), TIER_EINVAL);
        return tier_state_write_text(w, "x");
    case SAVE_NULL_NUMBERS:
        assert_int_equal(tier_state_write_key(w, "n"), TIER_OK);
        assert_int_equal(tier_state_write_numbers(w, NULL, 0), TIER_OK);
        assert_int_equal(tier_state_write_numbers(w, NULL, 2), TIER_EINVAL);
        return tier_state_write_numbers(w, two, 2);
    case SAVE_NUMBERS_FIRST:
        return tier_state_write_numbers(w, two, 2);
    case SAVE_BAD_UTF8:
        assert_int_equal(tier_state_write_key(w, "t"), TIER_OK);
        assert_int_equal(tier_state_write_text(w, "\xc3("), TIER_EINVAL);
        return tier_state_write_number(w, 1);
    case SAVE_END:
        return tier_state_write_key(w, "end");
    default:
        tier_state_write_key(w, "t");
        tier_state_write_text(w, p->text);
        tier_state_write_key(w, "n");
        return tier_state_write_numbers(w, p->num, 2);
    }
}

static int probe_load(void *st, tier_state_reader *r)
{
    probe *p = st, tmp = *p;
    const char *key, *t;
    double x;
    int rc;
    while ((rc = tier_state_read_next(r, &key)) == 1) {
        if (p->load_mode == LOAD_WRONG_TYPE) {
            assert_int_equal(tier_state_read_number(r, 0, &x), TIER_ECORRUPT);
            /* after a failure: every call gives it, the record looks empty */
            assert_int_equal(tier_state_read_count(r), 0);
            assert_int_equal(tier_state_read_type(r, 0), 0);
            assert_int_equal(tier_state_read_text(r, 0, &t), TIER_ECORRUPT);
            assert_int_equal(tier_state_read_numbers(r, &x, 1), TIER_ECORRUPT);
            assert_int_equal(tier_state_read_fail(r, "ignored"), TIER_ECORRUPT);
            return tier_state_read_next(r, &key);
        }
        if (p->load_mode == LOAD_MISSING_TEXT)
            return tier_state_read_text(r, 3, &t);
        if (p->load_mode == LOAD_FAIL_NULL)
            return tier_state_read_fail(r, NULL);
        if (p->load_mode == LOAD_EARLY)
            return TIER_OK;
        if (strcmp(key, "t") == 0) {
            assert_int_equal(tier_state_read_count(r), 1);
            assert_int_equal(tier_state_read_type(r, 0), TIER_OPTION_TEXT);
            assert_int_equal(tier_state_read_type(r, 1), 0);
            if ((rc = tier_state_read_text(r, 0, &t)) != TIER_OK)
                return rc;
            if (strlen(t) >= sizeof tmp.text)
                return tier_state_read_fail(r, "text too long");
            strcpy(tmp.text, t);
        } else if (strcmp(key, "n") == 0) {
            if ((rc = tier_state_read_numbers(r, tmp.num, p->load_mode == LOAD_COUNT ? 3 : 2)))
                return rc;
        } else {
            return tier_state_read_fail(r, "unknown record");
        }
    }
    if (rc == 0)
        *p = tmp;
    return rc;
}

static int probe_score(void *st, const tier_book *book, tier_frame *frame)
{
    const probe *p = st;
    double *v;
    size_t i;
    int rc = tier_frame_add_numbers(frame, "v", &v);
    for (i = 0; !rc && i < tier_book_customer_count(book); i++)
        v[i] = p->num[0];
    return rc;
}

static tier_model *probe_model(probe *p)
{
    tier_model_vtable vt = tst_vtable("probe", NULL, NULL, NULL, probe_score);
    static const tier_model_output outs[] = {{"v", TIER_VALUE_NUMBER}};
    tier_model *m = NULL;
    vt.outputs = outs;
    vt.n_outputs = 1;
    vt.save = probe_save;
    vt.load = probe_load;
    memset(p, 0, sizeof *p);
    assert_int_equal(tier_model_new(&m, &vt, p, "p", TST_ALLOC), TIER_OK);
    return m;
}

static void test_every_escape_round_trips(void **state)
{
    probe p, q;
    tier_model *m = probe_model(&p), *n = probe_model(&q);
    tier_text *t = NULL;
    char *saved;
    (void)state;
    strcpy(p.text, ESCAPES);
    p.num[0] = 0.1;
    p.num[1] = -INFINITY;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(m, t), TIER_OK);
    saved = tst_text_copy(t);
    assert_non_null(strstr(saved, "t \"a\\\"b\\\\c\\nd\\re\\tf\\x01g\\x7fh \xc3\xa9\"\n"
                                  "n 0.1 -inf\nend\n"));
    assert_int_equal(tier_model_load(n, saved, strlen(saved)), TIER_OK);
    assert_string_equal(q.text, ESCAPES);
    assert_true(q.num[0] == 0.1 && q.num[1] == -INFINITY);
    test_free(saved);
    /* escapes in upper-case hex read as well */
    assert_int_equal(tier_model_load(n,
                                     "tier-model-state 1\nkind \"probe\"\nname \"p\"\n"
                                     "t \"\\x4A\\x4b\"\t\nn 1 2\nend\n",
                                     64),
                     TIER_OK);
    assert_string_equal(q.text, "JK");
    tier_text_free(t);
    tier_model_free(m);
    tier_model_free(n);
}

static void test_a_misused_writer_fails_the_save_and_keeps_the_text(void **state)
{
    static const int modes[] = {SAVE_VALUE_FIRST, SAVE_NULL_NUMBERS, SAVE_NUMBERS_FIRST,
                                SAVE_BAD_UTF8, SAVE_END};
    probe p;
    tier_model *m = probe_model(&p);
    tier_text *t = NULL;
    size_t i;
    (void)state;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(modes); i++) {
        assert_int_equal(tier_text_append(t, "kept", 4), TIER_OK);
        p.save_mode = modes[i];
        if (tier_model_save(m, t) != TIER_EINVAL)
            fail_msg("save mode %d: %s", modes[i], tier_model_last_error(m));
        assert_string_equal(tier_text_data(t), "kept");
        tier_text_clear(t);
    }
    /* the calls themselves refuse a NULL writer or reader */
    assert_int_equal(tier_state_write_key(NULL, "k"), TIER_EINVAL);
    assert_int_equal(tier_state_write_number(NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_state_write_numbers(NULL, NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_state_write_text(NULL, "x"), TIER_EINVAL);
    assert_int_equal(tier_state_read_next(NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_state_read_count(NULL), 0);
    assert_int_equal(tier_state_read_type(NULL, 0), 0);
    assert_int_equal(tier_state_read_number(NULL, 0, NULL), TIER_EINVAL);
    assert_int_equal(tier_state_read_numbers(NULL, NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_state_read_text(NULL, 0, NULL), TIER_EINVAL);
    assert_int_equal(tier_state_read_fail(NULL, "x"), TIER_ECORRUPT);
    assert_int_equal(tier_state_read_line(NULL), 0);
    tier_text_free(t);
    tier_model_free(m);
}

#define H "tier-model-state 1\nkind \"probe\"\nname \"p\"\n"
#define GOOD H "t \"x\"\nn 1 2\nend\n"

/* The load of `text` with the probe's load mode fails with `status` and the message `why` after
 * the model's prefix, and leaves the probe as it was. */
static void expect_refused(tier_model *m, probe *p, int mode, const char *text, int status,
                           const char *why)
{
    probe before = *p;
    char want[512];
    p->load_mode = mode;
    before.load_mode = mode;
    assert_int_equal(tier_model_load(m, text, strlen(text)), status);
    snprintf(want, sizeof want, "model \"p\" (probe): load failed: %s", why);
    assert_string_equal(tier_model_last_error(m), want);
    assert_memory_equal(&before, p, sizeof before);
}

static void test_a_reader_asked_wrongly_fails_the_load_with_the_line(void **state)
{
    probe p;
    tier_model *m = probe_model(&p);
    (void)state;
    strcpy(p.text, "old");
    expect_refused(m, &p, LOAD_WRONG_TYPE, GOOD, TIER_ECORRUPT,
                   "line 4: value 1 of record \"t\" is not a number");
    expect_refused(m, &p, LOAD_MISSING_TEXT, GOOD, TIER_ECORRUPT,
                   "line 4: record \"t\" has 1 value, not 4 or more");
    expect_refused(m, &p, LOAD_COUNT, GOOD, TIER_ECORRUPT,
                   "line 5: record \"n\" has 2 values, not 3");
    expect_refused(m, &p, LOAD_EARLY, GOOD, TIER_ECORRUPT, "line 5: unexpected record \"n\"");
    expect_refused(m, &p, LOAD_FAIL_NULL, GOOD, TIER_ECORRUPT, "line 4: bad record");
    /* damaged texts, refused before the callback sees a record */
    expect_refused(m, &p, LOAD_GOOD, H "t \"x\"y\nend\n", TIER_ECORRUPT,
                   "line 4: no space after a text");
    expect_refused(m, &p, LOAD_GOOD, H "t \"a\tb\"\nend\n", TIER_ECORRUPT,
                   "line 4: control character in a text");
    expect_refused(m, &p, LOAD_GOOD, H "t \"\\xg1\"\nend\n", TIER_ECORRUPT,
                   "line 4: bad \\x escape in a text");
    expect_refused(m, &p, LOAD_GOOD, H "t \"\\x4\nend\n", TIER_ECORRUPT,
                   "line 4: bad \\x escape in a text");
    expect_refused(m, &p, LOAD_GOOD, H "t \"ab\\\nend\n", TIER_ECORRUPT,
                   "line 4: unterminated text");
    expect_refused(m, &p, LOAD_GOOD, H "t \"\\xff\"\nend\n", TIER_ECORRUPT,
                   "line 4: a text is not valid UTF-8");
    expect_refused(m, &p, LOAD_GOOD, H "t \"a\rb\"\nend\n", TIER_ECORRUPT,
                   "line 4: control character in the text");
    expect_refused(m, &p, LOAD_GOOD,
                   H "k1234567890123456789012345678901234567890123456789012345678901234 1\nend\n",
                   TIER_ECORRUPT, "line 4: key longer than 64 bytes");
    expect_refused(m, &p, LOAD_GOOD, "tier-model-state 1\nkind \"probe\"\nend\n", TIER_ECORRUPT,
                   "line 3: expected the name record (name \"...\")");
    expect_refused(m, &p, LOAD_GOOD, "tier-model-state 1\n", TIER_ECORRUPT,
                   "line 2: expected the kind record (kind \"...\")");
    expect_refused(m, &p, LOAD_GOOD, "tier-model-state 1.5\n", TIER_ECORRUPT,
                   "line 1: not a libtier model state (expected \"tier-model-state 1\")");
    expect_refused(m, &p, LOAD_GOOD, "\n# a comment\n", TIER_ECORRUPT,
                   "line 2: not a libtier model state (expected \"tier-model-state 1\")");
    /* a good one is taken */
    p.load_mode = LOAD_GOOD;
    {
        static const char good[] = GOOD "\n# trailing comment\n";
        assert_int_equal(tier_model_load(m, good, strlen(good)), TIER_OK);
    }
    assert_string_equal(p.text, "x");
    assert_true(p.num[0] == 1 && p.num[1] == 2);
    tier_model_free(m);
}

TST_MAIN(cmocka_unit_test(test_every_escape_round_trips),
         cmocka_unit_test(test_a_misused_writer_fails_the_save_and_keeps_the_text),
         cmocka_unit_test(test_a_reader_asked_wrongly_fails_the_load_with_the_line))
