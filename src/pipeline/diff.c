/* SPDX-License-Identifier: MIT */
/* A `diff` run (setting produce = diff): the input is read once, then the `policy` (before) and
 * the `against` policy (after) each run with their own models on that one book, and the
 * tier_diff of the two runs (include/tier/diff.h) is written. The pipeline keeps the run of the
 * `against` policy as its result (tier_pipeline_result()) and the before run and the diff in
 * r->diff, for the summary. */
#include <stdio.h>
#include <string.h>

#include "pipeline/pipeline_internal.h"
#include "util/numtext.h"

struct tier__diff_run {
    tier__run before; /* its book is the after run's (borrowed: NULL here) */
    tier_diff *diff;
    /* A diff of two snapshots: each side's run count and as-of day, for the summary. */
    int of_states;
    uint64_t runs[2];
    double as_of[2];
};

void tier__diff_run_free(const tier_allocator *a, tier__diff_run *d)
{
    if (!d)
        return;
    tier__run_free(a, &d->before);
    tier_diff_free(d->diff);
    tier__free(a, d);
}

/* One side: its policy, the hold that keeps it, its model list. */
typedef struct side {
    const tier_policy *policy;
    tier__policy_hold *hold;
    const tier__model_spec *specs;
    tier__model_spec *owned;
    size_t n;
} side;

static void side_free(const tier_allocator *a, side *s)
{
    tier__policy_hold_unref(a, s->hold);
    tier__pipeline_specs_free(a, s->owned, s->owned ? s->n : 0);
}

/* Reads the input and runs both sides; TIER_ESTATE without an error when a model needs the
 * transactions and keep_txns was 0 (the caller reads again, keeping them). */
static int attempt(tier_pipeline *p, side *sides, int keep_txns, tier__run *after,
                   tier__run *before)
{
    int rc = tier__pipeline_read(p, keep_txns, &after->book, &after->rows);
    if (!rc)
        rc = tier__pipeline_report(p, TIER_PIPELINE_STAGE_MODELS, 0, 2);
    if (rc)
        return rc;
    before->book = after->book; /* borrowed for the run */
    rc = tier__pipeline_run_policy(p, sides[0].specs, sides[0].n, sides[0].policy, !keep_txns,
                                   before);
    before->book = NULL;
    if (!rc)
        rc = tier__pipeline_report(p, TIER_PIPELINE_STAGE_MODELS, 1, 2);
    if (!rc)
        rc = tier__pipeline_run_policy(p, sides[1].specs, sides[1].n, sides[1].policy, !keep_txns,
                                       after);
    if (!rc)
        rc = tier__pipeline_report(p, TIER_PIPELINE_STAGE_MODELS, 2, 2);
    return rc;
}

/* The before run's warnings join the after run's, each side's named by its label. */
static int merge_warnings(tier_pipeline *p, tier__run *after, const tier__run *before,
                          const tier_diff *d)
{
    char **mine = after->warnings;
    size_t n = after->n_warnings, i;
    char text[TIER__PIPELINE_ERR_SIZE];
    int rc = TIER_OK;
    after->warnings = NULL;
    after->n_warnings = 0;
    for (i = 0; i < before->n_warnings && !rc; i++) {
        snprintf(text, sizeof text, "%s: %s", tier_diff_label(d, TIER_DIFF_BEFORE),
                 before->warnings[i]);
        rc = tier__run_warn(&p->alloc, after, text);
    }
    for (i = 0; i < n && !rc; i++) {
        snprintf(text, sizeof text, "%s: %s", tier_diff_label(d, TIER_DIFF_AFTER), mine[i]);
        rc = tier__run_warn(&p->alloc, after, text);
    }
    tier__free_strings(&p->alloc, mine, n);
    return rc ? tier__pipeline_fail(p, rc, "out of memory") : TIER_OK;
}

static int diff_format(int format)
{
    return format == TIER_OUTPUT_JSON    ? TIER_DIFF_JSON
           : format == TIER__FORMAT_TEXT ? TIER_DIFF_TEXT
                                         : TIER_DIFF_CSV;
}

static int write_diff(tier_pipeline *p, const tier_diff *d)
{
    tier__write_sink s;
    int rc;
    if (p->out) {
        rc = tier_diff_save(d, diff_format(p->format), p->out, &p->io);
        return rc ? tier__pipeline_fail(p, rc, "cannot write %s: %s", p->out,
                                        tier_diff_last_error(d))
                  : TIER_OK;
    }
    if (!p->write_cb)
        return TIER_OK;
    memset(&s, 0, sizeof s);
    s.p = p;
    rc = tier_diff_write(d, diff_format(p->format), tier__write_sink_put, &s);
    if (s.stopped)
        return TIER_EUSER; /* the error is set */
    return rc ? tier__pipeline_fail(p, rc, "cannot write the output: %s", tier_diff_last_error(d))
              : TIER_OK;
}

/* Compares the two runs, names the sides after their policies, writes the diff. */
static int compare(tier_pipeline *p, tier__run *after, tier__diff_run *dr)
{
    const char *names[2];
    int rc = tier_diff_new(&dr->diff, &p->alloc);
    if (rc)
        return tier__pipeline_fail(p, rc, "out of memory");
    names[0] = p->policy_ref    ? "the host's policy"
               : p->policy_name ? p->policy_name
                                : tier__pipeline_default_policy(p);
    names[1] = p->against;
    if (names[1] && strcmp(names[0], names[1]) == 0) {
        names[0] = "before";
        names[1] = "after";
    }
    rc = tier_diff_set_labels(dr->diff, names[0], names[1]);
    if (!rc)
        rc = tier_diff_results(dr->diff, dr->before.result, after->result, after->book);
    if (rc)
        return tier__pipeline_fail(p, rc, "diff: %s", tier_diff_last_error(dr->diff));
    rc = merge_warnings(p, after, &dr->before, dr->diff);
    return rc ? rc : write_diff(p, dr->diff);
}

/* A diff of two snapshots: `state` (before) against `against_state` (after), each loaded
 * through the pipeline's I/O; with `input` the data is read for the revenue, with `policy` (or
 * the host's) its tiers' entitlements are counted. The pipeline keeps no result. */
static int diff_states(tier_pipeline *p)
{
    const char *paths[2];
    tier_history *h[2] = {NULL, NULL};
    tier_book *book = NULL;
    const tier_policy *policy = NULL;
    tier__policy_hold *hold = NULL;
    uint64_t rows = 0;
    tier__run r;
    tier__diff_run *dr;
    int rc = TIER_OK, s;
    memset(&r, 0, sizeof r);
    paths[0] = p->state;
    paths[1] = p->against_state;
    dr = tier__calloc(&p->alloc, 1, sizeof *dr);
    if (!dr)
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    r.diff = dr;
    dr->of_states = 1;
    for (s = 0; s < 2 && !rc; s++)
        rc = tier__pipeline_history_load(p, paths[s], &h[s]);
    if (!rc && (p->policy || p->policy_ref))
        rc = tier__pipeline_choose_policy(p, &policy, &hold);
    if (!rc && p->input)
        rc = tier__pipeline_read(p, 0, &book, &rows);
    if (!rc)
        rc = tier_diff_new(&dr->diff, &p->alloc);
    if (!rc) {
        int same = strcmp(paths[0], paths[1]) == 0;
        rc = tier_diff_set_labels(dr->diff, same ? "before" : paths[0], same ? "after" : paths[1]);
        if (!rc)
            rc = tier_diff_histories_book(dr->diff, h[0], h[1], book, policy);
        if (rc)
            tier__pipeline_fail(p, rc, "diff: %s",
                                *tier_diff_last_error(dr->diff) ? tier_diff_last_error(dr->diff)
                                                                : tier_strerror(rc));
    } else if (rc == TIER_ENOMEM) {
        tier__pipeline_fail(p, rc, "out of memory");
    }
    for (s = 0; s < 2 && !rc; s++) {
        dr->runs[s] = tier_history_runs(h[s]);
        dr->as_of[s] = tier_history_as_of(h[s]);
    }
    tier_history_free(h[0]);
    tier_history_free(h[1]);
    tier_book_free(book);
    tier__policy_hold_unref(&p->alloc, hold);
    if (!rc)
        rc = write_diff(p, dr->diff);
    if (rc) {
        tier__run_free(&p->alloc, &r);
        return rc;
    }
    tier__pipeline_keep_run(p, &r);
    return TIER_OK;
}

int tier__pipeline_diff(tier_pipeline *p)
{
    side sides[2];
    tier__run r;
    tier__diff_run *dr;
    size_t i;
    int rc, s, keep_txns = 0;
    if (p->against_state)
        return diff_states(p);
    memset(sides, 0, sizeof sides);
    memset(&r, 0, sizeof r);
    dr = tier__calloc(&p->alloc, 1, sizeof *dr);
    if (!dr)
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    rc = tier__pipeline_choose_policy(p, &sides[0].policy, &sides[0].hold);
    if (!rc) {
        sides[1].hold = tier__policy_hold_ref(p->against_policy);
        sides[1].policy = sides[1].hold->policy;
    }
    for (s = 0; s < 2 && !rc; s++)
        rc = tier__pipeline_model_list(p, sides[s].policy, &sides[s].specs, &sides[s].n,
                                       &sides[s].owned);
    for (s = 0; s < 2 && !rc; s++) {
        for (i = 0; i < sides[s].n; i++)
            keep_txns |= tier__pipeline_kind_needs_txns(sides[s].specs[i].kind);
        keep_txns |= tier__pipeline_policy_needs_txns(sides[s].policy);
    }
    if (!rc) {
        rc = attempt(p, sides, keep_txns, &r, &dr->before);
        if (rc == TIER_ESTATE && !keep_txns) {
            /* A model needs the transactions (rows out of date order): read again, keeping
             * them. */
            tier__run_free(&p->alloc, &r);
            tier__run_free(&p->alloc, &dr->before);
            rc = attempt(p, sides, 1, &r, &dr->before);
        }
    }
    if (!rc)
        rc = compare(p, &r, dr);
    /* The runs keep their policies' references (for explanations of either side). */
    r.policy = sides[1].policy;
    r.hold = sides[1].hold;
    dr->before.policy = sides[0].policy;
    dr->before.hold = sides[0].hold;
    sides[0].hold = sides[1].hold = NULL;
    r.diff = dr;
    for (s = 0; s < 2; s++)
        side_free(&p->alloc, &sides[s]);
    if (rc) {
        tier__run_free(&p->alloc, &r);
        return rc;
    }
    tier__pipeline_keep_run(p, &r);
    return TIER_OK;
}

static void put_fixed(tier__buf *b, double v, int decimals)
{
    tier__buf_fixed(b, v, decimals, "nan");
}

/* "a.state (run 3, as of 2024-09-01)" */
static void put_state(tier__buf *b, const char *label, uint64_t runs, double as_of)
{
    char day[16];
    if (!(as_of == as_of) || tier_date_format_iso(day, sizeof day, (int32_t)as_of) != TIER_OK)
        strcpy(day, "-");
    tier__buf_printf(b, "%s (run %llu, as of %s)", label, (unsigned long long)runs, day);
}

void tier__pipeline_diff_summary(const tier__run *r, tier__buf *b)
{
    const tier_diff *d = r->diff->diff;
    size_t n = tier_diff_customer_count(d), moved = 0, up = 0, down = 0, across = 0;
    double revenue = 0, total = 0, part;
    int32_t first, last, as_of;
    char day[16];
    int t;
    if (r->diff->of_states) {
        /* Snapshots keep no revenue: the moves are counted in customers only. */
        (void)tier_diff_moved(d, 0, &moved, NULL);
        (void)tier_diff_moved(d, TIER_DIFF_MOVE_UP, &up, NULL);
        (void)tier_diff_moved(d, TIER_DIFF_MOVE_DOWN, &down, NULL);
        (void)tier_diff_moved(d, TIER_DIFF_MOVE_ACROSS, &across, NULL);
        tier__buf_printf(b, "%zu customers, state ", n);
        put_state(b, tier_diff_label(d, TIER_DIFF_BEFORE), r->diff->runs[0], r->diff->as_of[0]);
        tier__buf_puts(b, " against ");
        put_state(b, tier_diff_label(d, TIER_DIFF_AFTER), r->diff->runs[1], r->diff->as_of[1]);
        tier__buf_printf(b, "\n  moved: %zu customers (", moved);
        put_fixed(b, tier__pipeline_percent((double)moved, (double)n), 1);
        if (across)
            tier__buf_puts(b, "%), between different tiers\n");
        else
            tier__buf_printf(b, "%%): %zu up, %zu down\n", up, down);
        return;
    }
    as_of = r->has_as_of                                             ? r->as_of
            : tier_book_day_range(r->book, &first, &last) == TIER_OK ? last + 1
                                                                     : 0;
    if (tier_date_format_iso(day, sizeof day, as_of) != TIER_OK)
        strcpy(day, "?");
    (void)tier_diff_moved(d, 0, &moved, &revenue);
    (void)tier_diff_moved(d, TIER_DIFF_MOVE_UP, &up, NULL);
    (void)tier_diff_moved(d, TIER_DIFF_MOVE_DOWN, &down, NULL);
    (void)tier_diff_moved(d, TIER_DIFF_MOVE_ACROSS, &across, NULL);
    for (t = -1; t < (int)tier_diff_tier_count(d, TIER_DIFF_BEFORE); t++)
        if (tier_diff_total(d, TIER_DIFF_BEFORE, t, NULL, &part) == TIER_OK)
            total += part;
    tier__buf_printf(b, "%zu customers, %llu transactions, as of %s: %s against %s\n", n,
                     (unsigned long long)r->rows, day, tier_diff_label(d, TIER_DIFF_BEFORE),
                     tier_diff_label(d, TIER_DIFF_AFTER));
    tier__buf_printf(b, "  moved: %zu customers (", moved);
    put_fixed(b, tier__pipeline_percent((double)moved, (double)n), 1);
    tier__buf_puts(b, "%), revenue ");
    put_fixed(b, revenue, 2);
    tier__buf_puts(b, " (");
    put_fixed(b, tier__pipeline_percent(revenue, total), 1);
    if (across)
        tier__buf_printf(b, "%%), between different tiers\n");
    else
        tier__buf_printf(b, "%%): %zu up, %zu down\n", up, down);
}

const tier_diff *tier_pipeline_diff(const tier_pipeline *p)
{
    return p && p->has_run && p->last.diff ? p->last.diff->diff : NULL;
}
