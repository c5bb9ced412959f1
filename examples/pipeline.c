/* SPDX-License-Identifier: MIT */
/* The whole `tier run` in one object: read the B2B invoices and account attributes, fit RFM,
 * Pareto, lifecycle and the B2B scorecard (one option changed by name), tier with the built-in
 * policy pareto-sabc, write the tiers to a file and print the summary.
 * usage: pipeline INVOICES.csv ACCOUNTS.csv OUT.csv */
#include <stdio.h>
#include <tier.h>

int main(int argc, char **argv)
{
    tier_pipeline *p = NULL;
    tier_text *summary = NULL;
    int rc = argc == 4 ? TIER_OK : TIER_EINVAL;
    if (rc == TIER_OK)
        rc = tier_pipeline_new(&p, NULL);
    if (rc == TIER_OK)
        rc = tier_pipeline_set(p, "input", argv[1]); /* delimiter and columns are sniffed */
    if (rc == TIER_OK)
        rc = tier_pipeline_set(p, "accounts", argv[2]);
    if (rc == TIER_OK)
        rc = tier_pipeline_add_model(p, "rfm", NULL);
    if (rc == TIER_OK)
        rc = tier_pipeline_add_model(p, "pareto", NULL);
    if (rc == TIER_OK)
        rc = tier_pipeline_add_model(p, "lifecycle", NULL);
    if (rc == TIER_OK)
        rc = tier_pipeline_add_model(p, "scorecard", NULL); /* the B2B card: preset=b2b */
    if (rc == TIER_OK)
        rc = tier_pipeline_set_model_option(p, "rfm", "bins", "4"); /* quartiles, not quintiles */
    if (rc == TIER_OK) /* S/A/B/C over the Pareto classes of these models (policies/) */
        rc = tier_pipeline_set(p, "policy", "pareto-sabc");
    if (rc == TIER_OK)
        rc = tier_pipeline_set(p, "out", argv[3]); /* written atomically, nothing on failure */
    if (rc == TIER_OK)
        rc = tier_pipeline_run(p);
    if (rc == TIER_OK)
        rc = tier_text_new(&summary, NULL);
    if (rc == TIER_OK)
        rc = tier_pipeline_summary(p, summary);
    if (rc == TIER_OK)
        fwrite(tier_text_data(summary), 1, tier_text_length(summary), stdout);
    else
        fprintf(stderr, "pipeline: %s: %s\n", tier_strerror(rc),
                p ? tier_pipeline_last_error(p) : "usage: pipeline INVOICES ACCOUNTS OUT");
    tier_text_free(summary);
    tier_pipeline_free(p);
    return rc == TIER_OK ? 0 : 1;
}
