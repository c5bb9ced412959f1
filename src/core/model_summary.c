/* SPDX-License-Identifier: MIT */
/* Fits from mergeable summaries (vtable version 4): a model writes what its fit reads from the
 * population as records of the state format, sealed with a check sum (util/state.c); the union
 * of the summaries of a population's parts fits as the whole population does. The calls here
 * open, check and seal the texts; the model's callbacks read and write the records. */
#include <stdio.h>
#include <string.h>

#include "core/model_impl.h"
#include "core/text_internal.h"
#include "util/state.h"

#define SUMMARY_MAGIC "tier-fit-summary"
#define SUMMARY_WHAT "fit summary"

/* TIER_OK when the model can summarise; else TIER_EINVAL with the model's error set. */
static int can_summarise(tier_model *m)
{
    if (m->vt.fit_summary)
        return TIER_OK;
    tier__errorf(m->err,
                 "model \"%s\" (%s) has no fit summary (its vtable has no fit_summary): fit it "
                 "on the whole book",
                 m->name, m->kind);
    return TIER_EINVAL;
}

/* With rc TIER_OK, ends the text the writer holds (begun by the sealed header), seals it and
 * copies it into `out`; frees the writer either way. Returns the status. */
static int finish_into(tier_model *m, tier_state_writer *w, int rc, tier_text *out)
{
    if (!rc && (rc = tier__state_writer_finish(w)) == TIER_OK) {
        tier__state_writer_seal(w);
        rc = tier__text_replace(out, tier__buf_data(&w->buf), tier__buf_len(&w->buf));
    }
    if (rc == TIER_ENOMEM)
        tier__errorf(m->err, "model \"%s\": out of memory", m->name);
    tier__state_writer_free(w);
    return rc;
}

int tier_model_fit_summary(tier_model *m, const tier_book *book, const tier_frame *inputs,
                           tier_text *out)
{
    tier_state_writer w;
    tier_frame *empty = NULL;
    int rc;
    if (!m)
        return TIER_EINVAL;
    m->err[0] = '\0';
    if (!book || !out) {
        tier__errorf(m->err, "model \"%s\": a fit summary needs a book and a text", m->name);
        return TIER_EINVAL;
    }
    if ((rc = can_summarise(m)) != TIER_OK)
        return rc;
    if (!inputs) {
        if ((rc = tier_frame_new(&empty, tier_book_customer_count(book), &m->alloc)) != TIER_OK) {
            tier__errorf(m->err, "model \"%s\": out of memory", m->name);
            return rc;
        }
        inputs = empty;
    }
    tier__state_writer_init(&w, &m->alloc);
    rc = tier__state_write_header_sealed(&w, SUMMARY_MAGIC, m->kind, m->name);
    if (!rc) {
        rc = tier__model_from_callback(m->vt.fit_summary(m->state, book, inputs, &w));
        if (!rc)
            rc = w.status;
        if (rc)
            tier__errorf(m->err, "model \"%s\" (%s): fit summary failed: %s", m->name, m->kind,
                         rc == TIER_EINVAL && w.status == TIER_EINVAL
                             ? "a record key or text is malformed"
                             : tier__model_callback_error(m, rc));
    }
    tier_frame_free(empty);
    return finish_into(m, &w, rc, out);
}

/* Opens the n summaries and hands them to the callback (merged NULL: fit). The model's error
 * names the summary a failure comes from. */
static int with_summaries(tier_model *m, const char *const *texts, const size_t *lens, size_t n,
                          tier_state_writer *merged)
{
    tier_state_reader *r = NULL, **rp = NULL;
    size_t i, opened = 0;
    int rc;
    m->err[0] = '\0';
    if ((rc = can_summarise(m)) != TIER_OK)
        return rc;
    if (!n || !texts || !lens) {
        tier__errorf(m->err, "model \"%s\": no summaries to fit from", m->name);
        return TIER_EINVAL;
    }
    for (i = 0; i < n; i++)
        if (!texts[i] && lens[i]) {
            tier__errorf(m->err, "model \"%s\": summary %lu is NULL", m->name,
                         (unsigned long)i + 1);
            return TIER_EINVAL;
        }
    r = tier__calloc(&m->alloc, n, sizeof *r);
    rp = tier__calloc(&m->alloc, n, sizeof *rp);
    if (!r || !rp) {
        rc = TIER_ENOMEM;
        goto done;
    }
    for (i = 0; i < n && !rc; i++, opened++) {
        rp[i] = &r[i];
        rc = tier__state_reader_open_sealed(&r[i], &m->alloc, texts[i], lens[i], SUMMARY_MAGIC,
                                            SUMMARY_WHAT, m->kind);
    }
    if (!rc) {
        rc = tier__model_from_callback(m->vt.fit_summaries(m->state, rp, n, merged));
        if (!rc && merged)
            rc = merged->status;
        for (i = 0; i < n && !rc; i++)
            rc = tier__state_reader_check_end(&r[i]); /* records the callback did not read */
    }
    if (rc && rc != TIER_ENOMEM) {
        const char *why = NULL;
        for (i = 0; i < opened && !why; i++)
            if (r[i].status) {
                tier__errorf(m->err, "model \"%s\" (%s): summary %lu: %s", m->name, m->kind,
                             (unsigned long)i + 1, r[i].err);
                why = m->err;
            }
        if (!why)
            tier__errorf(m->err, "model \"%s\" (%s): %s failed: %s", m->name, m->kind,
                         merged ? "merging summaries" : "fit from summaries",
                         tier__model_callback_error(m, rc));
    }
done:
    if (rc == TIER_ENOMEM)
        tier__errorf(m->err, "model \"%s\": out of memory", m->name);
    for (i = 0; i < opened; i++)
        tier__state_reader_close(&r[i]);
    tier__free(&m->alloc, rp);
    tier__free(&m->alloc, r);
    return rc;
}

int tier_model_fit_summaries(tier_model *m, const char *const *texts, const size_t *lens, size_t n)
{
    int rc;
    if (!m)
        return TIER_EINVAL;
    rc = with_summaries(m, texts, lens, n, NULL);
    if (!rc)
        m->fitted = 1;
    return rc;
}

int tier_model_merge_summaries(tier_model *m, const char *const *texts, const size_t *lens,
                               size_t n, tier_text *out)
{
    tier_state_writer w;
    int rc;
    if (!m)
        return TIER_EINVAL;
    if (!out) {
        tier__errorf(m->err, "model \"%s\": no text to merge into (NULL)", m->name);
        return TIER_EINVAL;
    }
    tier__state_writer_init(&w, &m->alloc);
    rc = tier__state_write_header_sealed(&w, SUMMARY_MAGIC, m->kind, m->name);
    if (!rc)
        rc = with_summaries(m, texts, lens, n, &w);
    return finish_into(m, &w, rc, out); /* (a header that failed: out of memory) */
}
