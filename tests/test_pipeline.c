/* SPDX-License-Identifier: MIT */
/* The whole path a nightly job takes — CSV ingest, RFM and Pareto fit and score, the default
 * policy, output — run with the Nth allocation failing for every N, once and from then on. */
#include <math.h>
#include <string.h>

#include "support.h"

typedef struct sink {
    size_t bytes;
    unsigned long hash;
} sink;

static int to_sink(void *ud, const char *data, size_t len)
{
    sink *s = ud;
    size_t i;
    for (i = 0; i < len; i++)
        s->hash = s->hash * 31 + (unsigned char)data[i];
    s->bytes += len;
    return 0;
}

typedef struct pipeline_run {
    const char *csv_text;
    size_t csv_len;
    sink out;
} pipeline_run;

static int pipeline(const tier_allocator *a, void *ud)
{
    pipeline_run *p = ud;
    tier_book *book = NULL;
    tier_csv *csv = NULL;
    tier_model *models[2] = {NULL, NULL};
    tier_policy *policy = NULL;
    tier_result *result = NULL;
    int rc;
    memset(&p->out, 0, sizeof p->out);
    if ((rc = tier_book_new(&book, a)) != 0 || (rc = tier_csv_new(&csv, a)) != 0)
        goto done;
    if ((rc = tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE)) != 0 ||
        (rc = tier_csv_set_header(csv, 0)) != 0 ||
        (rc = tier_csv_set_column_names(csv, "customer_id,sample,date,cds,amount")) != 0)
        goto done;
    rc = tier_csv_read_buffer(csv, book, p->csv_text, p->csv_len);
    if (rc) {
        assert_int_equal(tier_book_customer_count(book), 0); /* all or nothing */
        goto done;
    }
    if ((rc = tier_rfm_new(&models[0], NULL, a)) != 0 || (rc = tier_pareto_new(&models[1], NULL, a)) != 0 ||
        (rc = tier_policy_new_builtin(&policy, NULL, a)) != 0 || (rc = tier_result_new(&result, a)) != 0)
        goto done;
    rc = tier_result_run(result, book, models, 2, policy);
    if (rc) {
        assert_null(tier_result_frame(result));
        goto done;
    }
    rc = tier_result_write(result, book, NULL, TIER_OUTPUT_CSV, to_sink, &p->out);
done:
    tier_result_free(result);
    tier_policy_free(policy);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
    tier_csv_free(csv);
    tier_book_free(book);
    return rc;
}

static void test_pipeline_fails_cleanly_at_every_allocation(void **state)
{
    pipeline_run p, reference;
    size_t len, cut, lines = 0;
    char *text = tst_read_file(tst_data_path("CDNOW_sample.txt"), &len);
    long points;
    (void)state;
    /* The first 800 lines keep the walk quick while crossing every path. */
    for (cut = 0; cut < len && lines < 800; cut++)
        lines += text[cut] == '\n';
    memset(&p, 0, sizeof p);
    p.csv_text = text;
    p.csv_len = cut;
    reference = p;
    assert_int_equal(pipeline(NULL, &reference), TIER_OK);
    assert_true(reference.out.bytes > 1000);
    points = tst_oom_walk(pipeline, &p);
    assert_true(points > 40);
    /* After all the failures, a clean run writes exactly the same output. */
    assert_int_equal(pipeline(NULL, &p), TIER_OK);
    assert_int_equal(p.out.bytes, reference.out.bytes);
    assert_true(p.out.hash == reference.out.hash);
    test_free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_fails_cleanly_at_every_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
