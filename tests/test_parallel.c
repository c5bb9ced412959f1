/* SPDX-License-Identifier: MIT */
/* Work spread over the host's threads: the executor checks of tier_book_set_executor, the
 * internal task runner (util/par.h) with every kind of executor, and books made in parallel that
 * are identical, byte for byte, to books made on one thread. */
#include <string.h>

#include "support.h"
#include "util/par.h"

static void test_book_set_executor_checks_the_table(void **state)
{
    tier_book *b = NULL;
    tst_exec e;
    tier_executor bad;
    (void)state;
    tst_exec_init(&e, TST_EXEC_THREADS, 0);
    assert_int_equal(tier_book_set_executor(NULL, &e.ex), TIER_EINVAL);
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
    assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
    bad = e.ex;
    bad.version = 0;
    assert_int_equal(tier_book_set_executor(b, &bad), TIER_EVERSION);
    assert_string_equal(tier_book_last_error(b), "executor version 0: set it to 2");
    bad.version = TIER_EXECUTOR_VERSION + 1;
    assert_int_equal(tier_book_set_executor(b, &bad), TIER_EVERSION);
    bad = e.ex;
    bad.wait = NULL;
    assert_int_equal(tier_book_set_executor(b, &bad), TIER_EINVAL);
    assert_non_null(strstr(tier_book_last_error(b), "both hooks"));
    tier_book_free(b);
}

typedef struct counts {
    unsigned ran[TIER__PAR_MAX + 8];
} counts;

static void count_task(void *arg, size_t i)
{
    counts *c = arg;
    c->ran[i]++;
}

/* Every task runs exactly once, whatever the executor does with it. */
static void test_par_run_runs_every_task_once(void **state)
{
    static const int modes[] = {0, TST_EXEC_THREADS, TST_EXEC_DEFERRED, TST_EXEC_REFUSING};
    static const size_t sizes[] = {0, 1, 2, 3, 8, TIER__PAR_MAX, TIER__PAR_MAX + 8};
    size_t m, k, i;
    (void)state;
    for (m = 0; m < TST_COUNT(modes); m++) {
        for (k = 0; k < TST_COUNT(sizes); k++) {
            counts c;
            tst_exec e;
            memset(&c, 0, sizeof c);
            tst_exec_init(&e, modes[m] ? modes[m] : TST_EXEC_THREADS, k % 2 ? 2 : 0);
            tier__par_run(modes[m] ? &e.ex : NULL, sizes[k], count_task, &c);
            for (i = 0; i < TST_COUNT(c.ran); i++)
                assert_int_equal(c.ran[i], i < sizes[k] ? 1 : 0);
            assert_int_equal(e.started, e.waited);
            if (modes[m] == TST_EXEC_REFUSING && sizes[k] > 1)
                assert_true(e.refused > 0);
        }
    }
}

TST_MAIN(cmocka_unit_test(test_book_set_executor_checks_the_table),
         cmocka_unit_test(test_par_run_runs_every_task_once))
