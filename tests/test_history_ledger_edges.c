/* SPDX-License-Identifier: MIT */
/* The ledger and the matrix of a history in states a run rarely leaves, beyond test_history.c: a
 * move without detail text, a move code and a tier index this version does not know, a cell of
 * revenue that is not a number, an expired override whose day cannot be written, a history
 * without a policy name, one without a matrix, and one with runs but no as-of day (refused). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "support.h"

#include "history/history_internal.h"

static char *text_of(const tier_history *h, int which)
{
    tst_sink s = {0};
    int rc = which == 0   ? tier_history_ledger_write(h, TIER_LEDGER_CSV, tst_sink_write, &s)
             : which == 1 ? tier_history_ledger_write(h, TIER_LEDGER_JSON, tst_sink_write, &s)
                          : tier_history_matrix_write(h, tst_sink_write, &s);
    if (rc != TIER_OK)
        fail_msg("ledger %d: %s: %s", which, tier_status_name(rc), tier_history_last_error(h));
    assert_non_null(s.data);
    return s.data;
}

static void test_ledger_of_unusual_moves_and_cells(void **state)
{
    static const char *const json_parts[] = {
        "\"policy\":\"\",",
        "{\"from\":null,\"to\":null,\"customers\":1,\"revenue\":null}",
        ("{\"customer_id\":\"C001\",\"from\":\"Silver\",\"to\":\"Gold\",\"code\":\"\",\"detail\":"
         "\"\"}"),
        "{\"customer_id\":\"C002\",\"from\":null,\"to\":\"\",\"code\":\"new\",\"detail\":\"\"}",
        "\"author\":\"carl\",\"expires\":null,\"created\":",
    };
    tier_history *h = tst_history_of(0);
    char *text;
    (void)state;
    tier__free(&h->alloc, h->policy_name);
    h->policy_name = NULL;
    tier__free(&h->alloc, h->moves[0].detail);
    h->moves[0].detail = NULL;
    h->moves[0].code = 99; /* a code of a newer version */
    h->moves[1].to = 7;    /* a tier the state does not list */
    h->matrix_revenue[0] = NAN;
    h->expired[0].expires = INT32_MAX;
    text = text_of(h, 0);
    assert_non_null(
        strstr(text, "customer_id,from,to,code,detail\nC001,Silver,Gold,,\nC002,,,new,\n"));
    test_free(text);
    text = text_of(h, 1);
    tst_expect_parts(text, json_parts, TST_COUNT(json_parts));
    test_free(text);
    text = text_of(h, 2);
    assert_non_null(strstr(text, "from,to,customers,revenue\n,,1,null\n,Gold,4,-0.75\n"));
    test_free(text);
    tier_history_free(h);
}

static void test_ledger_without_matrix_or_as_of(void **state)
{
    tier_history *h = tst_history_of(0);
    tst_sink s = {0};
    char *text;
    (void)state;
    tier__free(&h->alloc, h->matrix_count);
    h->matrix_count = NULL;
    text = text_of(h, 2);
    assert_string_equal(text, "from,to,customers,revenue\n");
    test_free(text);
    text = text_of(h, 1);
    assert_non_null(strstr(text, "\"matrix\":[],\n  \"moves\":["));
    test_free(text);
    /* runs, but no as-of day: no ledger, nothing written */
    h->has_as_of = 0;
    assert_int_equal(tier_history_ledger_write(h, TIER_LEDGER_CSV, tst_sink_write, &s),
                     TIER_ESTATE);
    assert_string_equal(tier_history_last_error(h), "no ledger: the history has no run applied");
    assert_int_equal(tier_history_matrix_write(h, tst_sink_write, &s), TIER_ESTATE);
    assert_int_equal(s.calls, 0);
    tier_history_free(h);
}

TST_MAIN(cmocka_unit_test(test_ledger_of_unusual_moves_and_cells),
         cmocka_unit_test(test_ledger_without_matrix_or_as_of))
