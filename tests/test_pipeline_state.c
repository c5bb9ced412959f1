/* SPDX-License-Identifier: MIT */
/* A pipeline run with a state (docs/history.md, "What a run writes, in which order") through a
 * replaceable I/O layer: the previous state is loaded, the run applies it (hysteresis and an
 * override), then the output, the ledger's three files and last the new state are written, each
 * atomically. Walked over every failed allocation, over every I/O operation failing once (EIO,
 * ENOSPC, a short transfer, EINTR) and over a crash after every I/O operation (writes kept,
 * dropped or torn): a failure is a clean status and leaves the previous state bit for bit, with
 * no descriptor or temporary file left; after a crash the state is the old or the new one
 * exactly, the new one only with the new output and ledger beside it, and running the same job
 * again gives exactly what the run that was not interrupted gives. */
#include <stdio.h>
#include <string.h>

#include "support.h"

/* Room for a pipeline's error text. */
#define ERR_SIZE 2048

/* The files of the job; the first is only read. */
enum { F_INPUT, F_STATE, F_OUT, F_LEDGER, F_MATRIX, F_LEDGER_JSON, N_FILES };
static const char *const FILES[N_FILES] = {"d/in.csv", "d/state",        "d/out.csv",
                                           "d/l.csv",  "d/l-matrix.csv", "d/l.json"};

/* Four customers over two months: in February acme is S, bolt A, cory C; in March acme's
 * revenue falls (held in S by `demote after 2 runs`), bolt is pinned to A by an override, dune
 * is new. */
#define INPUT tst_history_log

static const char POLICY[] = "libtier-policy 1\n"
                             "name \"state-walk\"\n"
                             "window rev = revenue over 1 months\n"
                             "flag key when tier == \"S\"\n"
                             "tier S {\n"
                             "    rule \"top\" when rev >= 1000\n"
                             "    demote after 2 runs\n"
                             "}\n"
                             "tier A {\n"
                             "    rule \"mid\" when rev >= 500\n"
                             "    dwell 60 days\n"
                             "}\n"
                             "tier C {\n"
                             "    rule \"rest\"\n"
                             "}\n";

/* The bytes of every file before the run (old) and after a run that was not interrupted (new). */
typedef struct image {
    unsigned char *data;
    size_t len;
} image;

typedef struct fixture {
    tier_policy *policy;
    image old[N_FILES], new_[N_FILES];
    long ops; /* I/O operations of the run */
} fixture;

/* The run under test (as of 2025-03-01) on fs, with `alloc`; the error text into err. */
static int run_job(tst_faultfs *fs, const tier_policy *policy, const char *as_of,
                   const tier_allocator *alloc, char *err, size_t cap)
{
    tier_io io = tst_faultfs_io(fs);
    tier_pipeline *p = NULL;
    int rc = tier_pipeline_new(&p, alloc);
    if (rc) {
        snprintf(err, cap, "out of memory making the pipeline");
        return rc;
    }
    if (!(rc = tier_pipeline_set_io(p, &io)) && !(rc = tier_pipeline_set_policy_ref(p, policy)) &&
        !(rc = tier_pipeline_set(p, "input", FILES[F_INPUT])) &&
        !(rc = tier_pipeline_set(p, "models", "rfm")) &&
        !(rc = tier_pipeline_set(p, "as_of", as_of)) &&
        !(rc = tier_pipeline_set(p, "state", FILES[F_STATE])) &&
        !(rc = tier_pipeline_set(p, "ledger", "d/l")) &&
        !(rc = tier_pipeline_set(p, "out", FILES[F_OUT])))
        rc = tier_pipeline_run(p);
    snprintf(err, cap, "%s", tier_pipeline_last_error(p));
    tier_pipeline_free(p);
    return rc;
}

/* The override of bolt, added to the state on fs as `tier override add` does. */
static void add_override(tst_faultfs *fs)
{
    tier_io io = tst_faultfs_io(fs);
    tier_pipeline *p = NULL;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "produce", "override_add"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "state", FILES[F_STATE]), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "customer", "bolt"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "override_tier", "A"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "override_reason", "renewal"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "override_author", "ana"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "override_until", "2025-06-01"), TIER_OK);
    if (tier_pipeline_run(p) != TIER_OK)
        fail_msg("override add: %s", tier_pipeline_last_error(p));
    tier_pipeline_free(p);
}

static void take(const tst_faultfs *fs, image *img)
{
    size_t i;
    for (i = 0; i < N_FILES; i++) {
        const unsigned char *d = tst_faultfs_get(fs, FILES[i], &img[i].len);
        assert_non_null(d);
        img[i].data = test_malloc(img[i].len + 1);
        memcpy(img[i].data, d, img[i].len);
    }
}

/* A file system holding the files as they are before the run (all durable). */
static void fixture_fs(const fixture *fx, tst_faultfs *fs)
{
    size_t i;
    tst_faultfs_init(fs);
    for (i = 0; i < N_FILES; i++)
        tst_faultfs_put(fs, FILES[i], fx->old[i].data, fx->old[i].len);
}

static void fixture_make(fixture *fx)
{
    char err[ERR_SIZE];
    tst_faultfs fs;
    memset(fx, 0, sizeof *fx);
    assert_int_equal(tier_policy_new(&fx->policy, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(fx->policy, POLICY, strlen(POLICY), "walk.policy"),
                     TIER_OK);
    /* The first run (as of February) makes the state, the output and the ledger; then bolt's
     * override. */
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, FILES[F_INPUT], INPUT, strlen(INPUT));
    if (run_job(&fs, fx->policy, "2025-02-01", TST_ALLOC, err, sizeof err) != TIER_OK)
        fail_msg("first run: %s", err);
    add_override(&fs);
    take(&fs, fx->old);
    tst_faultfs_clear(&fs);
    /* The run of March, not interrupted. */
    fixture_fs(fx, &fs);
    if (run_job(&fs, fx->policy, "2025-03-01", TST_ALLOC, err, sizeof err) != TIER_OK)
        fail_msg("second run: %s", err);
    fx->ops = fs.ops;
    take(&fs, fx->new_);
    assert_int_equal(tst_faultfs_count(&fs), N_FILES);
    tst_faultfs_clear(&fs);
}

static void fixture_free(fixture *fx)
{
    size_t i;
    for (i = 0; i < N_FILES; i++) {
        test_free(fx->old[i].data);
        test_free(fx->new_[i].data);
    }
    tier_policy_free(fx->policy);
}

/* 0 when file i on fs is its old image, 1 the new one; fails the test otherwise, naming `what`. */
static int which(const fixture *fx, const tst_faultfs *fs, size_t i, const char *what)
{
    size_t len;
    const unsigned char *d = tst_faultfs_get(fs, FILES[i], &len);
    if (!d)
        fail_msg("%s: %s is gone", what, FILES[i]);
    if (len == fx->old[i].len && memcmp(d, fx->old[i].data, len) == 0)
        return 0;
    if (len == fx->new_[i].len && memcmp(d, fx->new_[i].data, len) == 0)
        return 1;
    fail_msg("%s: %s is neither the old nor the new file (%zu bytes)", what, FILES[i], len);
    return -1;
}

/* Every file is the old or the new one; returns the state's (0 old, 1 new). With `all_new`, every
 * file must be the new one. */
static int expect_files(const fixture *fx, const tst_faultfs *fs, int all_new, const char *what)
{
    size_t i;
    int state = which(fx, fs, F_STATE, what);
    for (i = F_INPUT + 1; i < N_FILES; i++)
        if (which(fx, fs, i, what) != 1 && (all_new || state == 1))
            fail_msg("%s: %s is the old file%s", what, FILES[i],
                     all_new ? "" : " beside the new state (the state must be written last)");
    return state;
}

/* ---- the fixture itself ---------------------------------------------------------------------- */

static void test_pipeline_state_run_applies_the_history_and_writes_five_files(void **state)
{
    static const char *const out[] = {"acme,S,S,same,", "held in S: its rules failed 1 of 2 runs",
                                      "bolt,A,A,same,", "override: renewal (ana, until 2025-06-01)",
                                      "dune,A,C,up,"};
    static const char *const ledger[] = {"dune,C,A,rule,mid", "C,C,1,70"};
    fixture fx;
    char *text;
    (void)state;
    fixture_make(&fx);
    text = test_calloc(1, fx.new_[F_OUT].len + 1);
    memcpy(text, fx.new_[F_OUT].data, fx.new_[F_OUT].len);
    tst_expect_parts(text, out, TST_COUNT(out));
    assert_non_null(strstr(text, ",key,")); /* acme's flag: that of S, where it is held */
    test_free(text);
    text = test_calloc(1, fx.new_[F_LEDGER].len + fx.new_[F_MATRIX].len + 1);
    memcpy(text, fx.new_[F_LEDGER].data, fx.new_[F_LEDGER].len);
    memcpy(text + fx.new_[F_LEDGER].len, fx.new_[F_MATRIX].data, fx.new_[F_MATRIX].len);
    tst_expect_parts(text, ledger, TST_COUNT(ledger));
    test_free(text);
    /* Every written file changed: a run that wrote nothing would pass the walks below. */
    assert_true(fx.new_[F_STATE].len != fx.old[F_STATE].len ||
                memcmp(fx.new_[F_STATE].data, fx.old[F_STATE].data, fx.old[F_STATE].len) != 0);
    assert_true(fx.new_[F_OUT].len != fx.old[F_OUT].len ||
                memcmp(fx.new_[F_OUT].data, fx.old[F_OUT].data, fx.old[F_OUT].len) != 0);
    fixture_free(&fx);
}

/* ---- (a) out of memory ------------------------------------------------------------------------
 */

static int oom_run(const tier_allocator *alloc, void *ud)
{
    const fixture *fx = ud;
    char err[ERR_SIZE];
    tst_faultfs fs;
    int rc;
    fixture_fs(fx, &fs);
    rc = run_job(&fs, fx->policy, "2025-03-01", alloc, err, sizeof err);
    assert_int_equal(fs.open_fds, 0);
    assert_int_equal(tst_faultfs_count(&fs), N_FILES); /* no temporary file left */
    if (rc == TIER_OK) {
        expect_files(fx, &fs, 1, "a run that succeeded");
    } else {
        tst_expect_oom(rc, err);
        if (expect_files(fx, &fs, 0, err) != 0)
            fail_msg("a run out of memory changed the state: %s", err);
    }
    tst_faultfs_clear(&fs);
    return rc;
}

static void test_pipeline_state_run_survives_every_failed_allocation(void **state)
{
    fixture fx;
    (void)state;
    fixture_make(&fx);
    assert_true(tst_oom_walk(oom_run, &fx) > 200);
    fixture_free(&fx);
}

/* ---- (b) I/O faults ---------------------------------------------------------------------------
 */

static void test_pipeline_state_run_survives_every_failed_operation(void **state)
{
    static const int kinds[] = {TST_FAULT_EIO, TST_FAULT_ENOSPC, TST_FAULT_SHORT, TST_FAULT_EINTR};
    char err[ERR_SIZE], what[ERR_SIZE + 160];
    fixture fx;
    size_t k;
    long n, failed = 0, tolerated = 0;
    (void)state;
    fixture_make(&fx);
    for (k = 0; k < TST_COUNT(kinds); k++) {
        for (n = 1; n <= fx.ops; n++) {
            tst_faultfs fs;
            const char *op;
            int rc, st;
            fixture_fs(&fx, &fs);
            fs.fail_at = n;
            fs.fail_kind = kinds[k];
            rc = run_job(&fs, fx.policy, "2025-03-01", TST_ALLOC, err, sizeof err);
            op = tst_fault_outcome(&fs, n, kinds[k], rc, err, what, sizeof what);
            if (tst_faultfs_count(&fs) != N_FILES)
                fail_msg("%s: %d files left, want %d", what, tst_faultfs_count(&fs), N_FILES);
            if (kinds[k] == TST_FAULT_SHORT || kinds[k] == TST_FAULT_EINTR) {
                /* Continued or retried: the run succeeds. */
                if (rc != TIER_OK)
                    fail_msg("%s: want a completed run", what);
                expect_files(&fx, &fs, 1, what);
            } else if (rc == TIER_OK) {
                /* Only the input's size may be unknown (it serves the progress report), and a
                 * file that was read may fail to close: nothing is lost. */
                if (strcmp(op, "size") != 0 &&
                    !(strcmp(op, "close") == 0 && strcmp(tst_faultfs_op(&fs, n - 1), "read") == 0))
                    fail_msg("%s: the failure went unnoticed", what);
                expect_files(&fx, &fs, 1, what);
                tolerated++;
            } else {
                failed++;
                if (rc != TIER_EIO)
                    fail_msg("%s: want TIER_EIO", what);
                /* (Whatever the case of the cause's first letter.) */
                if (!strstr(err, "d/") ||
                    !strstr(err, kinds[k] == TST_FAULT_EIO ? "nput/output error"
                                                           : "o space left on device"))
                    fail_msg("%s: the message names no file or no cause", what);
                st = expect_files(&fx, &fs, 0, what);
                /* Only a failed sync of the state's directory, after its rename, leaves the new
                 * state, and says so. */
                if (st == 1 && !(strcmp(op, "sync_dir") == 0 && n == fx.ops))
                    fail_msg("%s: the previous state was replaced", what);
                if (st == 1 && !strstr(err, "the new file is in place"))
                    fail_msg("%s: the new state is in place without saying so", what);
            }
            tst_faultfs_clear(&fs);
        }
    }
    /* Every operation failed both ways; the tolerated ones are the few reads' size and close. */
    assert_true(failed + tolerated == 2 * fx.ops && tolerated <= 2 * 6);
    fixture_free(&fx);
}

/* ---- (c) crashes ------------------------------------------------------------------------------
 */

static void test_pipeline_state_run_crashed_after_every_operation(void **state)
{
    char err[ERR_SIZE], what[ERR_SIZE + 160];
    fixture fx;
    long n, seen[2] = {0, 0}, output_first = 0;
    int mode;
    (void)state;
    fixture_make(&fx);
    for (mode = TST_CRASH_KEEP; mode <= TST_CRASH_TORN; mode++) {
        for (n = 0; n <= fx.ops; n++) {
            tst_faultfs fs;
            int rc, st;
            fixture_fs(&fx, &fs);
            fs.dead_after = n ? n : -1; /* n = 0: the machine dies before the first call */
            rc = run_job(&fs, fx.policy, "2025-03-01", TST_ALLOC, err, sizeof err);
            assert_int_equal(rc, n == fx.ops ? TIER_OK : TIER_EIO);
            tst_faultfs_crash(&fs, mode);
            snprintf(what, sizeof what, "crash after operation %ld (%s), writes %s", n,
                     n ? tst_faultfs_op(&fs, n) : "none", tst_crash_name(mode));
            /* The state is the old or the new one exactly, the new one only beside the new
             * output and ledger (they are written first). */
            st = expect_files(&fx, &fs, 0, what);
            if (n == fx.ops && st != 1)
                fail_msg("%s: a completed run's state did not survive", what);
            seen[st]++;
            if (st == 0) {
                size_t len;
                const unsigned char *out = tst_faultfs_get(&fs, FILES[F_OUT], &len);
                output_first +=
                    len == fx.new_[F_OUT].len && memcmp(out, fx.new_[F_OUT].data, len) == 0;
                /* The same job again reads the old state and writes exactly what the run that
                 * was not interrupted wrote. */
                rc = run_job(&fs, fx.policy, "2025-03-01", TST_ALLOC, err, sizeof err);
                if (rc != TIER_OK)
                    fail_msg("%s: the run again: %s", what, err);
                expect_files(&fx, &fs, 1, what);
            }
            assert_int_equal(fs.open_fds, 0);
            /* A crash may leave one temporary file, never more. */
            assert_true(tst_faultfs_count(&fs) <= N_FILES + 1);
            tst_faultfs_clear(&fs);
        }
    }
    /* Both outcomes happen, and some crashes come after the new output but before the state. */
    assert_true(seen[0] > 0 && seen[1] > 0 && output_first > 0);
    fixture_free(&fx);
}

TST_MAIN(cmocka_unit_test(test_pipeline_state_run_applies_the_history_and_writes_five_files),
         cmocka_unit_test(test_pipeline_state_run_survives_every_failed_allocation),
         cmocka_unit_test(test_pipeline_state_run_survives_every_failed_operation),
         cmocka_unit_test(test_pipeline_state_run_crashed_after_every_operation))
