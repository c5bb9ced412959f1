/* SPDX-License-Identifier: MIT */
/* libFuzzer target for every built-in model's state loader, through the generic call
 * tier_model_load() (include/tier/model.h, docs/model-state-format.md). The first byte picks the
 * kind (bits 0-2: rfm, pareto, scorecard, clv, needs, lifecycle, subscription, sbg) and the mode
 * (bit 3: load the text once first, so that a second, failing load is seen to keep a fitted
 * model as it was); the rest is the saved text. Whatever the bytes, the load returns TIER_OK,
 * TIER_ECORRUPT, TIER_EVERSION, TIER_EINVAL or TIER_ENOMEM; a failure says why and leaves the
 * model exactly as it was (its options, whether it is fitted, its saved text). A text that loads
 * saves, that save loads into a fresh model of the kind, and saving that gives the same bytes
 * (save(load(save(x))) == save(x)); anything else aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[8] = {"rfm",   "pareto",    "scorecard",    "clv",
                                     "needs", "lifecycle", "subscription", "sbg"};

/* Everything the public API shows of a model, as one text (NULL when out of memory). */
static char *picture(const tier_model *m)
{
    tier_text *t = NULL, *all = NULL;
    size_t i;
    char *out = NULL;
    if (tier_text_new(&t, NULL) || tier_text_new(&all, NULL))
        goto done;
    for (i = 0; i < tier_model_option_count(m); i++) {
        const char *name = NULL, *doc = NULL;
        int type = 0;
        tier_text_clear(t);
        if (tier_model_option_info(m, i, &name, &type, &doc) || tier_model_get_option(m, name, t) ||
            tier_text_append(all, name, strlen(name)) || tier_text_append(all, "=", 1) ||
            tier_text_append(all, tier_text_data(t), tier_text_length(t)) ||
            tier_text_append(all, "\n", 1))
            goto done;
    }
    if (tier_model_is_fitted(m)) {
        if (tier_model_save(m, t) != TIER_OK ||
            tier_text_append(all, tier_text_data(t), tier_text_length(t)))
            goto done;
    }
    out = malloc(tier_text_length(all) + 1);
    if (out)
        memcpy(out, tier_text_data(all), tier_text_length(all) + 1);
done:
    tier_text_free(t);
    tier_text_free(all);
    return out;
}

static char *saved(const tier_model *m)
{
    tier_text *t = NULL;
    char *out = NULL;
    if (tier_text_new(&t, NULL) == TIER_OK && tier_model_save(m, t) == TIER_OK) {
        out = malloc(tier_text_length(t) + 1);
        if (out)
            memcpy(out, tier_text_data(t), tier_text_length(t) + 1);
    }
    tier_text_free(t);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tier_model *m = NULL, *again = NULL;
    const char *kind, *text;
    char *before = NULL, *after = NULL, *one = NULL, *two = NULL;
    size_t len;
    int rc;
    if (size < 1)
        return 0;
    kind = kinds[data[0] & 7];
    text = (const char *)data + 1;
    len = size - 1;
    if (tier_model_new_kind(&m, NULL, kind, NULL, NULL) != TIER_OK)
        abort();
    if (data[0] & 8)
        (void)tier_model_load(m, text, len);
    before = picture(m);
    if (!before)
        abort();
    rc = tier_model_load(m, text, len);
    if (rc != TIER_OK) {
        if ((rc != TIER_ECORRUPT && rc != TIER_EVERSION && rc != TIER_EINVAL &&
             rc != TIER_ENOMEM) ||
            !tier_model_last_error(m)[0]) {
            fprintf(stderr, "%s: status %s, message \"%s\"\n", kind, tier_status_name(rc),
                    tier_model_last_error(m));
            abort();
        }
        after = picture(m);
        if (!after || strcmp(before, after) != 0) {
            fprintf(stderr, "%s: a failed load changed the model:\n%s\n---\n%s\n", kind, before,
                    after ? after : "(none)");
            abort();
        }
        goto done;
    }
    if (!tier_model_is_fitted(m))
        abort();
    one = saved(m);
    if (!one) {
        fprintf(stderr, "%s: a loaded model does not save: %s\n", kind, tier_model_last_error(m));
        abort();
    }
    if (tier_model_new_kind(&again, NULL, kind, NULL, NULL) != TIER_OK)
        abort();
    rc = tier_model_load(again, one, strlen(one));
    if (rc != TIER_OK) {
        fprintf(stderr, "%s: a saved state does not load: %s\n%s", kind,
                tier_model_last_error(again), one);
        abort();
    }
    two = saved(again);
    if (!two || strcmp(one, two) != 0) {
        fprintf(stderr, "%s: save(load(save(x))) differs from save(x):\n%s---\n%s", kind, one,
                two ? two : "(none)");
        abort();
    }
done:
    free(before);
    free(after);
    free(one);
    free(two);
    tier_model_free(again);
    tier_model_free(m);
    return 0;
}
