/* SPDX-License-Identifier: MIT */
/* tier_pipeline_run(): read, fit, score, tier, write; everything is staged in a tier__run that
 * replaces the pipeline's results only when the whole run has succeeded. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/text_internal.h"
#include "pipeline/pipeline_internal.h"

/* The default model lists, when the caller has not chosen one. */
static tier__model_spec default_plain[] = {
    {(char *)"rfm", (char *)"rfm", NULL, 0, 0},
    {(char *)"pareto", (char *)"pareto", NULL, 0, 0},
};
static tier__model_spec default_accounts[] = {
    {(char *)"rfm", (char *)"rfm", NULL, 0, 0},
    {(char *)"pareto", (char *)"pareto", NULL, 0, 0},
    {(char *)"lifecycle", (char *)"lifecycle", NULL, 0, 0},
    {(char *)"scorecard", (char *)"scorecard", NULL, 0, 0},
    {(char *)"needs", (char *)"needs", NULL, 0, 0},
};

static const tier__model_spec *default_list(const tier_pipeline *p, size_t *n);

/* The default lists with the subscription model last, when contracts are read. */
static tier__model_spec default_plain_contracts[] = {
    {(char *)"rfm", (char *)"rfm", NULL, 0, 0},
    {(char *)"pareto", (char *)"pareto", NULL, 0, 0},
    {(char *)"subscription", (char *)"subscription", NULL, 0, 0},
};
static tier__model_spec default_accounts_contracts[] = {
    {(char *)"rfm", (char *)"rfm", NULL, 0, 0},
    {(char *)"pareto", (char *)"pareto", NULL, 0, 0},
    {(char *)"lifecycle", (char *)"lifecycle", NULL, 0, 0},
    {(char *)"scorecard", (char *)"scorecard", NULL, 0, 0},
    {(char *)"needs", (char *)"needs", NULL, 0, 0},
    {(char *)"subscription", (char *)"subscription", NULL, 0, 0},
};

/* The model list of a run: the caller's, else the one the policy declares (in *owned, to be
 * freed), else the default one. */
static int model_list(tier_pipeline *p, const tier_policy *policy, const tier__model_spec **out,
                      size_t *n, tier__model_spec **owned)
{
    int rc;
    *owned = NULL;
    if (p->models_set) {
        *n = p->n_models;
        *out = p->models;
        return TIER_OK;
    }
    if (policy && (p->produce == TIER__PRODUCE_TIERS || p->produce == TIER__PRODUCE_EXPLAIN ||
                   p->produce == TIER__PRODUCE_DIFF || p->produce == TIER__PRODUCE_REPORT)) {
        rc = tier__pipeline_policy_specs(p, policy, owned, n);
        if (rc || *n) {
            *out = *owned;
            return rc;
        }
    }
    *out = default_list(p, n);
    return TIER_OK;
}

static const tier__model_spec *default_list(const tier_pipeline *p, size_t *n)
{
    if (p->accounts && p->contracts) {
        *n = sizeof default_accounts_contracts / sizeof default_accounts_contracts[0];
        return default_accounts_contracts;
    }
    if (p->contracts) {
        *n = sizeof default_plain_contracts / sizeof default_plain_contracts[0];
        return default_plain_contracts;
    }
    if (p->accounts) {
        *n = sizeof default_accounts / sizeof default_accounts[0];
        return default_accounts;
    }
    *n = sizeof default_plain / sizeof default_plain[0];
    return default_plain;
}

/* One tier holding everyone: a `scores` run writes the models' columns only. */
static int everyone_policy(const tier_allocator *a, tier_policy **out)
{
    size_t t;
    int rc = tier_policy_new(out, a);
    if (!rc)
        rc = tier_policy_add_tier(*out, "all", &t);
    if (!rc)
        rc = tier_policy_add_rule(*out, t, "all", NULL);
    return rc;
}

static int make_models(tier_pipeline *p, const tier__model_spec *specs, size_t n, tier__run *r)
{
    size_t i;
    r->models = tier__calloc(&p->alloc, n ? n : 1, sizeof *r->models);
    if (!r->models)
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        int rc = tier__pipeline_make_model(p, &specs[i], r->book, &r->models[i]);
        if (rc)
            return rc;
        r->n_models++;
    }
    return TIER_OK;
}

/* Fits the models one by one (each on the columns of the ones before it), for `scores` and `fit`
 * runs, which report a failed fit by the model's name. */
static int fit_each(tier_pipeline *p, tier__run *r)
{
    tier_frame *inputs = NULL;
    size_t i;
    int rc = tier_frame_new(&inputs, tier_book_customer_count(r->book), &p->alloc);
    if (rc)
        return tier__pipeline_fail(p, rc, "out of memory");
    for (i = 0; i < r->n_models && !rc; i++) {
        tier_model *m = r->models[i];
        rc = tier_model_fit(m, r->book, inputs);
        if (rc) {
            tier__pipeline_fail(p, rc, "%s: %s", tier_model_name(m), tier_model_last_error(m));
            break;
        }
        rc = tier__pipeline_fit_warnings(&p->alloc, m, r);
        if (rc) {
            tier__pipeline_fail(p, rc, "out of memory");
            break;
        }
        if (i + 1 < r->n_models) {
            rc = tier_model_score(m, r->book, inputs);
            if (rc)
                tier__pipeline_fail(p, rc, "%s: %s", tier_model_name(m),
                                    tier_frame_last_error(inputs));
        }
        if (!rc)
            rc = tier__pipeline_report(p, TIER_PIPELINE_STAGE_MODELS, i + 1, r->n_models + 1);
    }
    tier_frame_free(inputs);
    return rc;
}

/* One warning for each attribute the policy reads (`attr.NAME` outside its texts, in the policy's
 * own description) that no customer of the book has: every condition on it is missing for every
 * customer, which silently matches nobody. */
static int warn_missing_attributes(tier_pipeline *p, tier__run *r, const tier_policy *policy)
{
    tier_text *t = NULL;
    const char *s, *end;
    int rc = tier_text_new(&t, &p->alloc), quoted = 0;
    if (!rc)
        rc = tier_policy_describe(policy, t);
    if (rc) {
        tier_text_free(t);
        return rc;
    }
    s = tier_text_data(t);
    end = s + tier_text_length(t);
    for (; !rc && s < end; s++) {
        const char *name;
        char msg[320];
        size_t n;
        if (quoted) { /* inside a text: "\"" and "\\" are escapes */
            if (*s == '\\')
                s++;
            else if (*s == '"')
                quoted = 0;
            continue;
        }
        if (*s == '"') {
            quoted = 1;
            continue;
        }
        if (end - s < 6 || strncmp(s, "attr.", 5) != 0 ||
            (s > tier_text_data(t) && (isalnum((unsigned char)s[-1]) || s[-1] == '_')))
            continue;
        name = s + 5;
        for (n = 0; name + n < end && (isalnum((unsigned char)name[n]) || name[n] == '_' ||
                                       name[n] == '.' || name[n] == '-');
             n++)
            ;
        s = name + n - 1;
        if (n == 0 || n >= 256)
            continue;
        memcpy(msg, name, n);
        msg[n] = '\0';
        if (tier__book_attr_type(r->book, msg) != 0)
            continue;
        snprintf(msg, sizeof msg,
                 "the policy reads attr.%.*s, which no customer has: every condition on it is "
                 "missing for everyone (%s)",
                 (int)n, name,
                 p->accounts ? "not a column of the accounts file" : "no --accounts file");
        /* Once per attribute. */
        {
            size_t k;
            int seen = 0;
            for (k = 0; k < r->n_warnings && !seen; k++)
                seen = strcmp(r->warnings[k], msg) == 0;
            if (!seen)
                rc = tier__run_warn(&p->alloc, r, msg);
        }
    }
    tier_text_free(t);
    return rc;
}

/* Scores (and for `tiers`, fits) the models and applies the policy. */
static int run_models(tier_pipeline *p, tier__run *r, const tier_policy *policy, int quiet_estate)
{
    int rc = tier_result_new(&r->result, &p->alloc);
    if (rc)
        return tier__pipeline_fail(p, rc, "out of memory");
    /* The policy's windows end where the models measure: the as-of day, or by default the day
     * after the book's last transaction. */
    rc = tier_result_set_as_of(r->result, p->has_as_of ? (double)p->as_of : NAN);
    if (rc)
        return tier__pipeline_fail(p, rc, "%s", tier_result_last_error(r->result));
    rc = tier_result_run(r->result, r->book, r->models, r->n_models, policy);
    if (rc == TIER_ESTATE && quiet_estate)
        return rc;
    if (rc) {
        /* A scores run is about its model: name it, as for a failed fit. */
        if (p->produce == TIER__PRODUCE_SCORES && r->n_models == 1)
            return tier__pipeline_fail(p, rc, "%s: %s", tier_model_name(r->models[0]),
                                       tier_result_last_error(r->result));
        return tier__pipeline_fail(p, rc, "%s", tier_result_last_error(r->result));
    }
    if (p->produce != TIER__PRODUCE_SCORES) {
        size_t i;
        for (i = 0; i < r->n_models && !rc; i++)
            rc = tier__pipeline_fit_warnings(&p->alloc, r->models[i], r);
        if (!rc)
            rc = warn_missing_attributes(p, r, policy);
        if (rc)
            return tier__pipeline_fail(p, rc, "out of memory");
    }
    return TIER_OK;
}

/* The run's notices (a routing team over its capacity) are warnings of the job: taken once the
 * tiers are final (after a history, which routes the final tiers again). */
static int add_notices(tier_pipeline *p, tier__run *r)
{
    size_t i;
    int rc = TIER_OK;
    if (p->produce == TIER__PRODUCE_SCORES || p->produce == TIER__PRODUCE_FIT)
        return TIER_OK;
    for (i = 0; i < tier_result_notice_count(r->result) && !rc; i++)
        rc = tier__run_warn(&p->alloc, r, tier_result_notice(r->result, i));
    return rc ? tier__pipeline_fail(p, rc, "out of memory") : TIER_OK;
}

/* The output columns when the setting gives none: for `tiers` the kinds' columns between
 * customer_id,tier and reason, for `scores` every model output (under its own name). */
static void default_columns(tier_pipeline *p, const tier__model_spec *specs, size_t n,
                            const tier__run *r, tier__buf *out)
{
    const tier_frame *f = tier_result_frame(r->result);
    size_t i, c;
    if (p->produce == TIER__PRODUCE_TIERS) {
        tier__buf_puts(out, "customer_id,tier");
        if (r->history) /* the columns tier_history_apply() adds */
            tier__buf_puts(out, ",previous_tier,move,since");
        for (i = 0; i < n; i++) {
            size_t plen = strlen(specs[i].name), k = 0;
            tier__buf_putc(out, ',');
            if (tier__pipeline_kind_columns(&specs[i], out) == TIER_OK)
                continue;
            /* A kind without a column list: all of its outputs. */
            for (c = 0; c < tier_frame_column_count(f); c++) {
                const char *name = tier_frame_column_name(f, c);
                if (strncmp(name, specs[i].name, plen) == 0 && name[plen] == '.')
                    tier__buf_printf(out, "%s%s", k++ ? "," : "", name);
            }
        }
        tier__pipeline_policy_columns(r->policy, out);
        tier__buf_puts(out, ",reason");
        return;
    }
    tier__buf_puts(out, "customer_id");
    for (c = 0; c < tier_frame_column_count(f); c++) {
        const char *name = tier_frame_column_name(f, c), *dot = strchr(name, '.');
        if (dot)
            tier__buf_printf(out, ",%s=%s", dot + 1, name);
    }
}

static int write_rows(tier_pipeline *p, const tier__model_spec *specs, size_t n, tier__run *r)
{
    const char *columns = p->output_columns;
    tier__write_sink sink;
    tier__buf cols;
    int rc;
    if (!p->out && !p->write_cb)
        return TIER_OK;
    tier__buf_init(&cols, &p->alloc);
    if (!columns) {
        default_columns(p, specs, n, r, &cols);
        if (tier__buf_status(&cols)) {
            tier__buf_free(&cols);
            return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
        }
        columns = tier__buf_data(&cols);
    }
    if (p->out) {
        rc = tier_result_save(r->result, r->book, columns, p->format, p->out, &p->io);
        if (rc)
            tier__pipeline_fail(p, rc, "cannot write %s: %s", p->out,
                                tier_result_last_error(r->result));
    } else {
        memset(&sink, 0, sizeof sink);
        sink.p = p;
        rc = tier_result_write(r->result, r->book, columns, p->format, tier__write_sink_put, &sink);
        if (sink.stopped)
            rc = TIER_EUSER; /* the error is set */
        else if (rc)
            tier__pipeline_fail(p, rc, "cannot write the output: %s",
                                tier_result_last_error(r->result));
    }
    tier__buf_free(&cols);
    return rc;
}

static int write_reports(tier_pipeline *p, tier__run *r)
{
    tier__buf b;
    size_t i;
    int rc = TIER_OK;
    if (!p->write_cb)
        return TIER_OK;
    tier__buf_init(&b, &p->alloc);
    for (i = 0; i < r->n_models && !rc; i++)
        rc = tier__pipeline_fit_report(r->models[i], &b);
    if (rc)
        rc = tier__pipeline_fail(p, rc, "out of memory");
    else if (p->write_cb(p->write_ud, tier__buf_data(&b), tier__buf_len(&b)) != 0)
        rc = tier__pipeline_fail(p, TIER_EUSER, "cannot write the output");
    else
        rc = tier__pipeline_report(p, TIER_PIPELINE_STAGE_WRITE, tier__buf_len(&b), 0);
    tier__buf_free(&b);
    return rc;
}

/* An `explain` run: the explanation of the `customer` setting's customer, to the callback. */
static int write_explanation(tier_pipeline *p, tier__run *r)
{
    tier_text *t = NULL;
    size_t i;
    int rc = tier_text_new(&t, &p->alloc);
    if (rc)
        return tier__pipeline_fail(p, rc, "out of memory");
    tier__buf extra;
    tier__buf_init(&extra, &p->alloc);
    rc = tier_book_find(r->book, p->customer, strlen(p->customer), &i);
    if (rc == TIER_ENOTFOUND) {
        char q[TIER__QUOTE_MAX * 4 + 16];
        rc = tier__pipeline_fail(p, rc, "customer %s is not in %s",
                                 tier__quote_text(q, sizeof q, p->customer, strlen(p->customer)),
                                 p->input);
    } else if (!rc) {
        rc = tier_result_explain(
            r->result, r->book, r->policy, i,
            p->format == TIER_OUTPUT_JSON ? TIER_EXPLAIN_JSON : TIER_EXPLAIN_TEXT, t);
        if (rc)
            tier__pipeline_fail(p, rc, "explain: %s",
                                tier_result_last_error(r->result)[0]
                                    ? tier_result_last_error(r->result)
                                    : tier_strerror(rc));
    }
    if (!rc && r->history) {
        /* With a state: what the history says about the customer, after the explanation. */
        rc = tier__buf_append(&extra, tier_text_data(t), tier_text_length(t));
        if (!rc)
            rc = tier__pipeline_explain_history(p, r, p->format == TIER_OUTPUT_JSON, &extra);
        if (!rc)
            rc = tier__text_replace(t, tier__buf_data(&extra), tier__buf_len(&extra));
        if (rc)
            rc = tier__pipeline_fail(p, rc, "out of memory");
    }
    tier__buf_free(&extra);
    if (!rc && p->write_cb && p->write_cb(p->write_ud, tier_text_data(t), tier_text_length(t)) != 0)
        rc = tier__pipeline_fail(p, TIER_EUSER, "cannot write the output");
    if (!rc)
        rc = tier__pipeline_report(p, TIER_PIPELINE_STAGE_WRITE, tier_text_length(t), 0);
    tier_text_free(t);
    return rc;
}

/* Reads, makes the models and runs them. keep_txns: keep every transaction; without, a model
 * that needs them makes this return TIER_ESTATE quietly (the caller reads again, keeping them). */
static int attempt(tier_pipeline *p, const tier__model_spec *specs, size_t n,
                   const tier_policy *policy, int keep_txns, tier__run *r)
{
    /* A fit from options alone (sbg on survivor counts) without an input: an empty book. */
    int rc;
    if (!p->input && tier__pipeline_fit_without_input(p)) {
        rc = tier_book_new(&r->book, &p->alloc);
        if (rc)
            tier__pipeline_fail(p, rc, "out of memory");
        else /* the host's threads, as for a book read from the input (checked when set) */
            (void)tier_book_set_executor(r->book, p->has_executor ? &p->executor : NULL);
    } else {
        rc = tier__pipeline_read(p, keep_txns, &r->book, &r->rows);
    }
    if (!rc)
        rc = make_models(p, specs, n, r);
    if (!rc)
        rc = tier__pipeline_report(p, TIER_PIPELINE_STAGE_MODELS, 0,
                                   p->produce == TIER__PRODUCE_TIERS ||
                                           p->produce == TIER__PRODUCE_EXPLAIN ||
                                           p->produce == TIER__PRODUCE_REPORT
                                       ? 1
                                       : n + 1);
    if (rc)
        return rc;
    if (p->produce == TIER__PRODUCE_SCORES || p->produce == TIER__PRODUCE_FIT) {
        rc = fit_each(p, r);
        if (rc == TIER_ESTATE && !keep_txns)
            return rc;
        if (rc || p->produce == TIER__PRODUCE_FIT)
            return rc;
    }
    rc = run_models(p, r, policy, !keep_txns);
    if (!rc)
        rc = p->produce == TIER__PRODUCE_TIERS || p->produce == TIER__PRODUCE_REPORT
                 ? tier__pipeline_report(p, TIER_PIPELINE_STAGE_MODELS, 1, 1)
             : p->produce == TIER__PRODUCE_EXPLAIN
                 ? tier__pipeline_report(p, TIER_PIPELINE_STAGE_MODELS, 1, 1)
                 : tier__pipeline_report(p, TIER_PIPELINE_STAGE_MODELS, n + 1, n + 1);
    return rc;
}

/* The runs about the policy itself or the state's overrides: nothing is read. */
static int run_policy_only(tier_pipeline *p)
{
    tier__run r;
    int rc;
    memset(&r, 0, sizeof r);
    rc = p->produce == TIER__PRODUCE_LINT        ? tier__pipeline_lint(p, &r)
         : TIER__PRODUCE_IS_OVERRIDE(p->produce) ? tier__pipeline_overrides(p, &r)
                                                 : tier__pipeline_list_policies(p);
    if (rc) {
        tier__run_free(&p->alloc, &r);
        return rc;
    }
    r.produce = p->produce;
    tier__run_free(&p->alloc, &p->last);
    p->last = r;
    p->has_run = 1;
    return TIER_OK;
}

/* The policy of a `tiers` or `explain` run: the host's, the setting's, or the default one
 * (loaded into *hold; a reference the run keeps for explain). */
static int choose_policy(tier_pipeline *p, const tier_policy **policy, tier__policy_hold **hold)
{
    int rc;
    *policy = NULL;
    *hold = NULL;
    if (p->policy_ref) {
        *policy = p->policy_ref;
        return TIER_OK;
    }
    if (p->policy) {
        *hold = tier__policy_hold_ref(p->policy);
    } else {
        rc = tier__pipeline_load_policy(p, tier__pipeline_default_policy(p), hold);
        if (rc)
            return rc;
    }
    *policy = (*hold)->policy;
    return TIER_OK;
}

int tier_pipeline_run(tier_pipeline *p)
{
    const tier__model_spec *specs;
    tier__model_spec *owned_specs = NULL;
    tier_policy *owned = NULL;
    const tier_policy *policy = NULL;
    tier__policy_hold *hold = NULL;
    tier_history *history = NULL, *previous = NULL;
    tier__run r;
    size_t n = 0, i;
    int rc, keep_txns = 0;
    if (!p)
        return TIER_EINVAL;
    rc = tier_pipeline_check(p);
    if (rc)
        return rc;
    p->err[0] = '\0';
    if (p->produce == TIER__PRODUCE_LINT || p->produce == TIER__PRODUCE_POLICIES ||
        TIER__PRODUCE_IS_OVERRIDE(p->produce))
        return run_policy_only(p);
    if (p->produce == TIER__PRODUCE_DIFF)
        return tier__pipeline_diff(p);
    if (p->state) {
        /* Loaded first: a damaged state fails the run before the input is read. */
        rc = tier__pipeline_state_load(p, p->produce != TIER__PRODUCE_REPORT, &history);
        /* A report compares the state before the run with the one after: a copy, loaded
         * again (the run changes `history`). */
        if (!rc && p->produce == TIER__PRODUCE_REPORT)
            rc = tier__pipeline_state_load(p, 0, &previous);
        if (rc) {
            tier_history_free(history);
            return rc;
        }
    }
    if (p->produce == TIER__PRODUCE_SCORES)
        rc = everyone_policy(&p->alloc, &owned);
    else if (p->produce != TIER__PRODUCE_FIT)
        rc = choose_policy(p, &policy, &hold);
    if (rc) {
        tier_policy_free(owned);
        tier_history_free(history);
        tier_history_free(previous);
        return rc == TIER_ENOMEM ? tier__pipeline_fail(p, rc, "out of memory") : rc;
    }
    if (owned)
        policy = owned;
    rc = model_list(p, owned ? NULL : policy, &specs, &n, &owned_specs);
    if (rc) {
        tier_policy_free(owned);
        tier__policy_hold_unref(&p->alloc, hold);
        tier_history_free(history);
        tier_history_free(previous);
        return rc;
    }
    for (i = 0; i < n; i++)
        keep_txns |= tier__pipeline_kind_needs_txns(specs[i].kind);
    if (!owned)
        keep_txns |= tier__pipeline_policy_needs_txns(policy);
    memset(&r, 0, sizeof r);
    r.policy = owned ? NULL : policy;
    r.hold = hold; /* the run owns the reference from here */
    rc = attempt(p, specs, n, policy, keep_txns, &r);
    if (rc == TIER_ESTATE && !keep_txns) {
        /* A model needs the transactions (rows out of date order): read again keeping them. */
        tier__policy_hold *keep = tier__policy_hold_ref(r.hold);
        tier__run_free(&p->alloc, &r);
        r.policy = owned ? NULL : policy;
        r.hold = keep;
        rc = attempt(p, specs, n, policy, 1, &r);
    }
    if (history) {
        /* The run takes the history over, applied or not. */
        if (!rc)
            rc = tier__pipeline_state_apply(p, &r, history);
        else
            tier_history_free(history);
        history = NULL;
    }
    if (!rc)
        rc = add_notices(p, &r);
    if (!rc)
        rc = p->produce == TIER__PRODUCE_FIT       ? write_reports(p, &r)
             : p->produce == TIER__PRODUCE_EXPLAIN ? write_explanation(p, &r)
             : p->produce == TIER__PRODUCE_REPORT  ? tier__pipeline_html_report(p, &r, previous)
                                                   : write_rows(p, specs, n, &r);
    tier_history_free(previous);
    /* The ledger, then the state: after the output, so that a failed run changes neither. */
    if (!rc && p->produce == TIER__PRODUCE_TIERS)
        rc = tier__pipeline_state_commit(p, &r);
    tier_policy_free(owned);
    tier__pipeline_specs_free(&p->alloc, owned_specs, owned_specs ? n : 0);
    if (rc) {
        tier__run_free(&p->alloc, &r);
        return rc;
    }
    tier__pipeline_keep_run(p, &r);
    return TIER_OK;
}

void tier__pipeline_keep_run(tier_pipeline *p, tier__run *r)
{
    r->produce = p->produce;
    r->has_as_of = p->has_as_of;
    r->as_of = p->as_of;
    tier__run_free(&p->alloc, &p->last);
    p->last = *r;
    p->has_run = 1;
}

/* ---- for a diff run (diff.c) --------------------------------------------------------------- */

int tier__pipeline_choose_policy(tier_pipeline *p, const tier_policy **policy,
                                 tier__policy_hold **hold)
{
    int rc = choose_policy(p, policy, hold);
    return rc == TIER_ENOMEM ? tier__pipeline_fail(p, rc, "out of memory") : rc;
}

int tier__pipeline_model_list(tier_pipeline *p, const tier_policy *policy,
                              const tier__model_spec **out, size_t *n, tier__model_spec **owned)
{
    return model_list(p, policy, out, n, owned);
}

int tier__pipeline_run_policy(tier_pipeline *p, const tier__model_spec *specs, size_t n,
                              const tier_policy *policy, int quiet_estate, tier__run *r)
{
    int rc = make_models(p, specs, n, r);
    if (!rc)
        rc = run_models(p, r, policy, quiet_estate);
    return rc ? rc : add_notices(p, r);
}
