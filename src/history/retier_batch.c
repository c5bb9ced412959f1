/* SPDX-License-Identifier: MIT */
/* The batch recompute under a retier's frozen models and figures (tier_retier_batch): what every
 * customer's tier is, column-wise, with the same engine as the one-row path. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "history/retier_internal.h"
#include "policy/result_internal.h"
#include "util/buf.h"

static int to_buf(void *ud, const char *data, size_t len)
{
    return tier__buf_append(ud, data, len) != TIER_OK;
}

/* A copy of the history through its own snapshot bytes, so that the decision is tier_history_apply
 * itself without changing the retier's history. */
static int history_copy(tier_retier *r, tier_history **out)
{
    tier__buf b;
    int rc;
    *out = NULL;
    tier__buf_init(&b, &r->alloc);
    rc = tier_history_write(r->history, to_buf, &b);
    if (tier__buf_status(&b)) /* the buffer's growth failed: the write stopped for want of room */
        rc = TIER_ENOMEM;
    if (rc == TIER_OK && (rc = tier_history_new(out, &r->alloc)) == TIER_OK &&
        (rc = tier_history_load_bytes(*out, tier__buf_data(&b), tier__buf_len(&b),
                                      "the frozen history")) != TIER_OK) {
        tier__errorf(r->err, "copying the history: %s", tier_history_last_error(*out));
        tier_history_free(*out);
        *out = NULL;
    } else if (rc) {
        tier__errorf(r->err, "out of memory copying the history");
    }
    tier__buf_free(&b);
    return rc;
}

int tier_retier_batch(tier_retier *r, const tier_book *book, tier_result *out)
{
    tier_frame *frame = NULL;
    tier_history *h = NULL;
    size_t m, n;
    int rc;
    if (!r)
        return TIER_EINVAL;
    if (r->failed)
        return TIER_ESTATE;
    if (!out || book != r->book) {
        tier__errorf(r->err, "%s",
                     !out ? "the result is NULL" : "not the book the retier was made with");
        return TIER_EINVAL;
    }
    n = tier_book_customer_count(book);
    if (n != r->n) {
        tier__errorf(r->err,
                     "%zu customers were added to the book after the freeze: the next batch run "
                     "tiers them",
                     n - r->n);
        return TIER_ENOTFOUND;
    }
    /* The history is copied first: once the run is in `out`, only its decision can fail. */
    if (r->history && (rc = history_copy(r, &h)) != TIER_OK)
        return rc;
    if ((rc = tier_frame_new(&frame, n, &r->alloc)) != TIER_OK) {
        tier__errorf(r->err, "out of memory for the frame");
        goto done;
    }
    for (m = 0; m < r->n_models; m++) {
        if (r->population[m]) {
            char prefix[TIER__ERR_SIZE];
            snprintf(prefix, sizeof prefix, "%s.", tier_model_name(r->models[m]));
            rc = tier__retier_copy_columns(&r->alloc, frame, r->frame, prefix, r->err);
        } else if ((rc = tier_model_score(r->models[m], book, frame)) != TIER_OK) {
            tier__errorf(r->err, "%s", tier_frame_last_error(frame));
        }
        if (rc) {
            tier_frame_free(frame);
            goto done;
        }
    }
    if (!isnan(r->as_of) && (rc = tier_result_set_as_of(out, r->as_of)) != TIER_OK) {
        tier_frame_free(frame);
        tier__errorf(r->err, "the frozen as-of day does not fit the result");
        goto done;
    }
    rc = tier__result_run_scored(out, book, r->models, r->n_models, r->policy, frame, &r->ref);
    if (rc) {
        tier__errorf(r->err, "%s", tier_result_last_error(out));
    } else if (h && (rc = tier_history_apply(h, out, book, r->policy)) != TIER_OK) {
        tier__errorf(r->err, "%s", tier_history_last_error(h));
        tier__result_drop_run(out); /* never a run without the history's decision */
    }
done:
    tier_history_free(h);
    tier__result_forget_ref(out); /* the result outlives nothing of the retier */
    return rc;
}
