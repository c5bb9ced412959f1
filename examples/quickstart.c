/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <tier.h>
#define STEP(call) if (rc == TIER_OK) rc = (call) /* each step runs only if all before succeeded */

int main(int argc, char **argv)
{
    tier_book *book = NULL; tier_csv *csv = NULL; tier_policy *pol = NULL; tier_result *res = NULL;
    tier_model *models[2] = {NULL, NULL}; /* pareto-sabc reads "rfm" and "pareto" */
    size_t tier, n; int rc = argc == 2 ? TIER_OK : TIER_EINVAL; /* usage: quickstart FILE */
    STEP(tier_book_new(&book, NULL)); STEP(tier_csv_new(&csv, NULL));
    STEP(tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE)); /* columns separated by blanks */
    STEP(tier_csv_set_column(csv, TIER_CSV_AMOUNT, "dollar_value"));
    STEP(tier_csv_read_file(csv, book, argv[1])); STEP(tier_rfm_new(&models[0], NULL, NULL));
    STEP(tier_pareto_new(&models[1], NULL, NULL)); STEP(tier_policy_new_builtin(&pol, "pareto-sabc", NULL));
    STEP(tier_result_new(&res, NULL)); STEP(tier_result_run(res, book, models, 2, pol));
    for (tier = 0; rc == TIER_OK && tier < tier_result_tier_count(res); tier++)
        if ((rc = tier_result_summary(res, tier, &n, NULL)) == TIER_OK)
            printf("%-2s %6zu customers\n", tier_result_tier_name(res, tier), n);
    if (rc) fprintf(stderr, "quickstart: %s %s%s\n", tier_strerror(rc),
                    csv ? tier_csv_last_error(csv) : "", res ? tier_result_last_error(res) : "");
    tier_result_free(res); tier_policy_free(pol); tier_model_free(models[0]);
    tier_model_free(models[1]); tier_csv_free(csv); tier_book_free(book);
    return rc == TIER_OK ? 0 : 1;
}
