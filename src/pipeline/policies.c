/* SPDX-License-Identifier: MIT */
/* The pipeline's policies: the `policy` setting names a built-in or a policy file, loaded when
 * set; the models a policy declares become the model list of a run that has none; the columns a
 * policy adds to the output; and the runs about policies themselves: lint, the list of the
 * built-ins, and explaining one customer's tier after a run. */
#include <stdio.h>
#include <string.h>

#include "pipeline/pipeline_internal.h"
#include "policy/policy_internal.h"

tier__policy_hold *tier__policy_hold_ref(tier__policy_hold *h)
{
    if (h)
        h->refs++;
    return h;
}

void tier__policy_hold_unref(const tier_allocator *a, tier__policy_hold *h)
{
    if (!h || --h->refs > 0)
        return;
    tier_policy_free(h->policy);
    tier__free(a, h);
}

const char *tier__pipeline_default_policy(const tier_pipeline *p)
{
    return p->accounts ? TIER__POLICY_ACCOUNTS : TIER__POLICY_PLAIN;
}

/* The built-in names joined by ", " into dst (cap bytes). */
static void builtin_list(char *dst, size_t cap)
{
    size_t i, n = 0;
    dst[0] = '\0';
    for (i = 0; i < tier_policy_builtin_count() && n < cap; i++)
        n += (size_t)snprintf(dst + n, cap - n, "%s%s", i ? ", " : "", tier_policy_builtin_name(i));
}

/* 1 when `value` can only be a file: it has a '/' or ends in ".policy". */
static int looks_like_file(const char *value)
{
    size_t n = strlen(value);
    return strchr(value, '/') != NULL || (n >= 7 && strcmp(value + n - 7, ".policy") == 0);
}

int tier__pipeline_load_policy(tier_pipeline *p, const char *value, tier__policy_hold **out)
{
    tier__policy_hold *h;
    char names[512];
    int rc, file = looks_like_file(value);
    *out = NULL;
    h = tier__calloc(&p->alloc, 1, sizeof *h);
    if (!h)
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    h->refs = 1;
    if (!file && tier_policy_builtin_text(value)) {
        rc = tier_policy_new_builtin(&h->policy, value, &p->alloc);
        if (rc)
            tier__pipeline_fail(p, rc, "policy \"%s\": %s", value, tier_strerror(rc));
    } else {
        rc = tier_policy_new(&h->policy, &p->alloc);
        if (rc)
            tier__pipeline_fail(p, rc, "out of memory");
        else
            rc = tier_policy_load_file(h->policy, value, &p->io);
        builtin_list(names, sizeof names);
        if (rc == TIER_EIO && !file)
            /* A plain name that is neither: say both, the system's reason included. */
            tier__pipeline_fail(p, TIER_EINVAL,
                                "unknown policy \"%s\": not a built-in policy (%s) and not a "
                                "policy file (%s)",
                                value, names, tier_policy_last_error(h->policy));
        else if (rc && h->policy)
            tier__pipeline_fail(p, rc, "%s",
                                tier_policy_last_error(h->policy)[0]
                                    ? tier_policy_last_error(h->policy)
                                    : tier_strerror(rc));
        if (rc == TIER_EIO && !file)
            rc = TIER_EINVAL;
    }
    if (rc) {
        tier__policy_hold_unref(&p->alloc, h);
        return rc;
    }
    *out = h;
    return TIER_OK;
}

/* ---- the models of a policy ---------------------------------------------------------------- */

/* Option j of model i of the policy into o: a text as text (parsed by the option's type, as
 * tier_pipeline_set_model_option() does: a number option also takes an ISO date), a number or a
 * list as the typed value. */
static int take_option(tier_pipeline *p, const tier_policy *policy, size_t i, size_t j,
                       tier__model_option *o)
{
    const char *name = NULL;
    tier_value *v = NULL;
    int rc = tier_value_new(&v, &p->alloc);
    if (!rc)
        rc = tier_policy_model_option(policy, i, j, &name, v);
    if (!rc && !(o->name = tier__strdup(&p->alloc, name)))
        rc = TIER_ENOMEM;
    if (!rc && tier_value_get_type(v) == TIER_OPTION_TEXT) {
        if (!(o->text = tier__strdup(&p->alloc, tier_value_text(v))))
            rc = TIER_ENOMEM;
        tier_value_free(v);
        v = NULL;
    }
    o->value = v;
    return rc;
}

int tier__pipeline_policy_specs(tier_pipeline *p, const tier_policy *policy, tier__model_spec **out,
                                size_t *n)
{
    size_t count = policy ? tier_policy_model_count(policy) : 0, i, j;
    tier__model_spec *v;
    int rc = TIER_OK;
    *out = NULL;
    *n = 0;
    if (!count)
        return TIER_OK;
    v = tier__calloc(&p->alloc, count, sizeof *v);
    if (!v)
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    for (i = 0; i < count && !rc; i++) {
        const char *name = NULL, *kind = NULL;
        size_t nopt = 0;
        rc = tier_policy_model(policy, i, &name, &kind, &nopt);
        if (rc)
            break;
        if (!(v[i].name = tier__strdup(&p->alloc, name)) ||
            !(v[i].kind = tier__strdup(&p->alloc, kind)) ||
            (nopt && !(v[i].opts = tier__calloc(&p->alloc, nopt, sizeof *v[i].opts)))) {
            rc = TIER_ENOMEM;
            break;
        }
        v[i].n_opts = v[i].cap_opts = nopt; /* zeroed options free as empty ones */
        for (j = 0; j < nopt && !rc; j++)
            rc = take_option(p, policy, i, j, &v[i].opts[j]);
    }
    if (rc) {
        tier__pipeline_specs_free(&p->alloc, v, count);
        return tier__pipeline_fail(p, rc, "%s",
                                   rc == TIER_ENOMEM ? "out of memory"
                                                     : "cannot read the models of the policy");
    }
    *out = v;
    *n = count;
    return TIER_OK;
}

int tier__pipeline_policy_needs_txns(const tier_policy *policy)
{
    return policy &&
           (policy->pol.n_windows > 0 || policy->pol.hier.present || policy->pol.route.present);
}

void tier__pipeline_policy_columns(const tier_policy *policy, tier__buf *out)
{
    size_t k, n;
    if (!policy)
        return;
    if (policy->pol.n_flags)
        tier__buf_puts(out, ",flags");
    if (policy->pol.route.present)
        tier__buf_puts(out, ",route");
    n = tier_policy_entitlement_count(policy);
    for (k = 0; k < n; k++)
        tier__buf_printf(out, ",ent.%s", tier_policy_entitlement_name(policy, k, NULL));
}

/* ---- lint and the list of built-ins ---------------------------------------------------------- */

/* Sends the buffer to the output callback; sets the error. */
static int emit(tier_pipeline *p, tier__buf *b)
{
    if (tier__buf_status(b))
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    if (p->write_cb && tier__buf_len(b) &&
        p->write_cb(p->write_ud, tier__buf_data(b), tier__buf_len(b)) != 0)
        return tier__pipeline_fail(p, TIER_EUSER, "cannot write the output");
    return tier__pipeline_report(p, TIER_PIPELINE_STAGE_WRITE, tier__buf_len(b), 0);
}

/* What messages call the policy of the settings. */
static const char *policy_label(const tier_pipeline *p)
{
    return p->policy_ref || !p->policy_name ? "policy" : p->policy_name;
}

int tier__pipeline_lint(tier_pipeline *p, tier__run *r)
{
    const tier_policy *policy = p->policy_ref ? p->policy_ref : p->policy->policy;
    tier_text *report = NULL;
    tier__buf b;
    size_t errors = 0, warnings = 0;
    int rc = tier_text_new(&report, &p->alloc);
    if (!rc)
        rc = tier_policy_lint(policy, p->registry, report, &errors, &warnings);
    if (rc) {
        tier_text_free(report);
        return tier__pipeline_fail(p, rc, "%s: cannot lint: %s", policy_label(p),
                                   rc == TIER_ENOMEM ? "out of memory" : tier_strerror(rc));
    }
    tier__buf_init(&b, &p->alloc);
    tier__buf_append(&b, tier_text_data(report), tier_text_length(report));
    if (tier_text_length(report) && tier_text_data(report)[tier_text_length(report) - 1] != '\n')
        tier__buf_putc(&b, '\n'); /* one finding per line, the last one too */
    tier_text_free(report);
    /* Everything the run keeps is made before the report is written: a run that fails writes
     * nothing. */
    if (!(r->lint_origin = tier__strdup(&p->alloc, policy_label(p)))) {
        tier__buf_free(&b);
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    }
    rc = emit(p, &b);
    tier__buf_free(&b);
    if (rc)
        return rc;
    r->has_lint = 1;
    r->lint_errors = errors;
    r->lint_warnings = warnings;
    if (errors)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s: %zu %s, %zu %s", policy_label(p), errors,
                                   errors == 1 ? "error" : "errors", warnings,
                                   warnings == 1 ? "warning" : "warnings");
    return TIER_OK;
}

int tier__pipeline_list_policies(tier_pipeline *p)
{
    tier__buf b;
    size_t i, n = tier_policy_builtin_count(), width = 0;
    int rc = TIER_OK;
    tier__buf_init(&b, &p->alloc);
    if (p->policy_name && !p->policy_ref) {
        /* One policy: a built-in as shipped, another in its canonical form. */
        const char *text = tier_policy_builtin_text(p->policy_name);
        if (text && !looks_like_file(p->policy_name))
            tier__buf_puts(&b, text);
        else
            rc = tier__pol_describe(&p->policy->policy->pol, &b);
    } else {
        for (i = 0; i < n; i++)
            if (strlen(tier_policy_builtin_name(i)) > width)
                width = strlen(tier_policy_builtin_name(i));
        for (i = 0; i < n && !rc; i++) {
            const char *name = tier_policy_builtin_name(i);
            tier_policy *policy = NULL;
            rc = tier_policy_new_builtin(&policy, name, &p->alloc);
            if (rc && rc != TIER_ENOMEM)
                tier__pipeline_fail(p, rc, "built-in policy %s does not load: %s", name,
                                    tier_strerror(rc));
            if (!rc)
                tier__buf_printf(&b, "%-*s  %s\n", (int)width, name,
                                 tier_policy_description(policy));
            tier_policy_free(policy);
        }
    }
    if (rc) {
        tier__buf_free(&b);
        return rc == TIER_ENOMEM ? tier__pipeline_fail(p, rc, "out of memory") : rc;
    }
    rc = emit(p, &b);
    tier__buf_free(&b);
    return rc;
}

/* ---- explain ----------------------------------------------------------------------------- */

int tier_pipeline_explain(tier_pipeline *p, const char *customer_id, int format, tier_text *out)
{
    size_t i;
    int rc;
    if (!p)
        return TIER_EINVAL;
    if (!customer_id || !out)
        return tier__pipeline_fail(p, TIER_EINVAL, "explain needs a customer id and a text");
    if (format != TIER_EXPLAIN_TEXT && format != TIER_EXPLAIN_JSON)
        return tier__pipeline_fail(p, TIER_EINVAL, "explain: unknown format %d", format);
    if (!p->has_run || !p->last.result || !p->last.policy)
        return tier__pipeline_fail(p, TIER_ESTATE, "explain: no run has tiered customers yet");
    rc = tier_book_find(p->last.book, customer_id, strlen(customer_id), &i);
    if (rc == TIER_ENOTFOUND) {
        char q[TIER__QUOTE_MAX * 4 + 16];
        return tier__pipeline_fail(p, rc, "customer %s is not in %s",
                                   tier__quote_text(q, sizeof q, customer_id, strlen(customer_id)),
                                   p->input ? p->input : "the book");
    }
    if (rc)
        return tier__pipeline_fail(p, rc, "explain: %s", tier_strerror(rc));
    rc = tier_result_explain(p->last.result, p->last.book, p->last.policy, i, format, out);
    if (rc)
        return tier__pipeline_fail(p, rc, "explain: %s",
                                   tier_result_last_error(p->last.result)[0]
                                       ? tier_result_last_error(p->last.result)
                                       : tier_strerror(rc));
    return TIER_OK;
}
