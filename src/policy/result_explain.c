/* SPDX-License-Identifier: MIT */
/* Explaining one customer's tier (tier_result_explain): the policy is applied again over the
 * result's frame with a trace of that customer, and everything it saw is written as text or JSON:
 * model outputs and the models' own explanations (from the states the run kept), windows, lets,
 * every rule tried, caps, flags, entitlements and the route. */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "policy/apply.h"
#include "policy/policy_internal.h"
#include "policy/result_internal.h"
#include "util/buf.h"

typedef struct ex {
    tier__buf *b;
    int json;
    int first; /* JSON: no comma before the next member */
} ex;

static void json_str(tier__buf *b, const char *s)
{
    tier__buf_json(b, s, strlen(s));
}

static void number(ex *x, double v)
{
    if (isnan(v) || isinf(v))
        tier__buf_puts(x->b, x->json ? "null" : "missing");
    else
        tier__buf_number(x->b, v, 0);
}

static void text(ex *x, const char *s)
{
    if (!s)
        tier__buf_puts(x->b, x->json ? "null" : "missing");
    else if (x->json)
        json_str(x->b, s);
    else
        tier__buf_puts(x->b, s);
}

/* JSON: `"key":` after a comma when needed; text: "  key = ". */
static void key(ex *x, const char *k)
{
    if (x->json) {
        if (!x->first)
            tier__buf_putc(x->b, ',');
        json_str(x->b, k);
        tier__buf_putc(x->b, ':');
    } else {
        tier__buf_printf(x->b, "  %s = ", k);
    }
    x->first = 0;
}

static void end_item(ex *x)
{
    if (!x->json)
        tier__buf_putc(x->b, '\n');
}

/* A section: JSON `"name":{` ... `}`; text "name:\n" and indented lines. */
static void open_section(ex *x, const char *name, int array)
{
    if (x->json) {
        if (!x->first)
            tier__buf_putc(x->b, ',');
        json_str(x->b, name);
        tier__buf_puts(x->b, array ? ":[" : ":{");
    } else {
        tier__buf_printf(x->b, "%s:\n", name);
    }
    x->first = 1;
}

static void close_section(ex *x, int array)
{
    if (x->json)
        tier__buf_putc(x->b, array ? ']' : '}');
    x->first = 0;
}

static void model_outputs(ex *x, const tier_result *res, size_t lead)
{
    const tier_frame *f = tier_result_frame(res);
    size_t c, nc = tier_frame_column_count(f);
    open_section(x, "outputs", 0);
    for (c = 0; c < nc; c++) {
        const char *name = tier_frame_column_name(f, c);
        if (!strchr(name, '.'))
            continue; /* the result's own columns (tier, reason, ...) */
        key(x, name);
        if (tier_frame_column_type(f, c) == TIER_VALUE_LABEL) {
            int32_t code = tier_frame_labels(f, c)[lead];
            text(x, code < 0 ? NULL : tier_frame_label_text(f, c, code));
        } else {
            number(x, tier_frame_numbers(f, c)[lead]);
        }
        end_item(x);
    }
    close_section(x, 0);
}

/* Each model's own explanation, from the state the run kept (built-in kinds only). */
static int model_texts(ex *x, const tier_result *res, const tier_book *book, size_t lead)
{
    const tier_allocator *a = tier__result_allocator(res);
    tier_text *t = NULL;
    size_t m;
    const char *name, *kind, *state;
    size_t len;
    int rc = tier_text_new(&t, a);
    if (rc)
        return rc;
    open_section(x, "models", 0);
    for (m = 0; (name = tier__result_model(res, m, &kind, &state, &len)) != NULL; m++) {
        tier_model *model = NULL;
        const char *why = NULL;
        tier_text_clear(t);
        if (!state) {
            why = "its state could not be kept";
        } else {
            rc = tier_model_new_kind(&model, NULL, kind, name, a);
            if (rc == TIER_ENOMEM)
                break;
            if (rc)
                why = "its kind is not built in";
            else if ((rc = tier_model_load(model, state, len)) != TIER_OK)
                why = "its state could not be loaded";
            else if ((rc = tier_model_explain(model, book, tier_result_frame(res), lead, t)) !=
                     TIER_OK)
                why = tier_model_last_error(model);
            tier_model_free(model);
            if (rc == TIER_ENOMEM)
                break;
            rc = TIER_OK;
        }
        key(x, name);
        if (why) {
            tier__buf_puts(x->b, x->json ? "null" : "(no explanation: ");
            if (!x->json)
                tier__buf_printf(x->b, "%s)", why);
        } else if (x->json) {
            json_str(x->b, tier_text_data(t));
        } else {
            /* The model's lines, indented under its name. */
            const char *p = tier_text_data(t), *e;
            tier__buf_putc(x->b, '\n');
            while (*p) {
                e = strchr(p, '\n');
                if (!e)
                    e = p + strlen(p);
                tier__buf_puts(x->b, "    ");
                tier__buf_append(x->b, p, (size_t)(e - p));
                tier__buf_putc(x->b, '\n');
                p = *e ? e + 1 : e;
            }
            x->first = 0;
            continue;
        }
        end_item(x);
    }
    close_section(x, 0);
    tier_text_free(t);
    return rc;
}

static void windows_lets(ex *x, const tier__pol *pol, const tier__trace *tr)
{
    size_t k;
    open_section(x, "windows", 0);
    for (k = 0; k < pol->n_windows; k++) {
        key(x, pol->windows[k].name);
        number(x, tr->window[k]);
        end_item(x);
    }
    close_section(x, 0);
    open_section(x, "lets", 0);
    for (k = 0; k < pol->n_lets; k++) {
        key(x, pol->lets[k].name);
        if (tr->let_type[k] == TIER__PT_TEXT)
            text(x, tr->let_text[k]);
        else if (tr->let_type[k] == TIER__PT_BOOL)
            tier__buf_puts(x->b, tr->let_num[k] != 0 ? "true" : "false");
        else
            number(x, tr->let_num[k]);
        end_item(x);
    }
    close_section(x, 0);
}

static void rules(ex *x, const tier__pol *pol, const tier__trace *tr)
{
    size_t t, k, g = 0;
    open_section(x, "rules", 1);
    for (t = 0; t < pol->n_tiers; t++) {
        for (k = 0; k < pol->tiers[t].n_rules; k++, g++) {
            int value = tr->rule_value[g];
            int matched = tr->matched_tier == (int32_t)t && tr->matched_rule == (int32_t)k;
            if (x->json) {
                if (!x->first)
                    tier__buf_putc(x->b, ',');
                tier__buf_puts(x->b, "{\"tier\":");
                json_str(x->b, pol->tiers[t].name);
                tier__buf_puts(x->b, ",\"rule\":");
                json_str(x->b, pol->tiers[t].rules[k].name);
                tier__buf_printf(x->b, ",\"value\":%s,\"matched\":%s}", value ? "true" : "false",
                                 matched ? "true" : "false");
            } else {
                tier__buf_printf(x->b, "  tier %s, rule \"%s\": %s%s\n", pol->tiers[t].name,
                                 pol->tiers[t].rules[k].name, value ? "true" : "false",
                                 matched ? "  <- matched (first match wins)" : "");
            }
            x->first = 0;
        }
    }
    close_section(x, 1);
}

static void caps(ex *x, const tier__pol *pol, const tier__trace *tr)
{
    size_t k;
    open_section(x, "caps", 1);
    for (k = 0; k < tr->n_caps; k++) {
        const tier__trace_cap *c = &tr->caps[k];
        const tier__ptier *t = &pol->tiers[c->tier];
        if (x->json) {
            if (!x->first)
                tier__buf_putc(x->b, ',');
            tier__buf_puts(x->b, "{\"tier\":");
            json_str(x->b, t->name);
            tier__buf_printf(x->b,
                             ",\"rank\":%zu,\"candidates\":%zu,\"limit\":%zu,\"value\":", c->rank,
                             c->candidates, c->limit);
            number(x, c->value);
            tier__buf_printf(x->b, ",\"kept\":%s,\"overflow\":", c->kept ? "true" : "false");
            json_str(x->b, t->cap.overflow ? t->cap.overflow : "");
            tier__buf_putc(x->b, '}');
        } else {
            tier__buf_printf(x->b, "  cap of %s: rank %zu of %zu candidates (criterion ", t->name,
                             c->rank, c->candidates);
            number(x, c->value);
            tier__buf_printf(x->b, "), %zu stay: ", c->limit);
            if (c->kept)
                tier__buf_puts(x->b, "kept\n");
            else
                tier__buf_printf(x->b, "moved to %s\n", t->cap.overflow ? t->cap.overflow : "");
        }
        x->first = 0;
    }
    close_section(x, 1);
}

static void flags_ents_route(ex *x, const tier_result *res, const tier__pol *pol,
                             const tier__trace *tr, size_t i)
{
    size_t k;
    int tier = tier_result_tier(res, i);
    open_section(x, "flags", 0);
    for (k = 0; k < pol->n_flags; k++) {
        key(x, pol->flags[k].name);
        tier__buf_puts(x->b, tr->flag_value[k] ? "true" : "false");
        end_item(x);
    }
    if (tr->route_overflow) {
        key(x, "route_overflow");
        tier__buf_puts(x->b, "true");
        end_item(x);
    }
    close_section(x, 0);
    open_section(x, "entitlements", 0);
    for (k = 0; k < tier__result_ent_count(res); k++) {
        int type = 0, idx;
        double v = 0;
        const char *t = NULL, *name = tier__result_ent_name(res, k);
        idx = tier__result_ent_find(res, name, &type);
        key(x, name);
        if (tier < 0 || !tier__result_ent_value(res, idx, (size_t)tier, &v, &t))
            tier__buf_puts(x->b, x->json ? "null" : "missing");
        else if (type == TIER__PT_TEXT)
            text(x, t ? t : "");
        else if (type == TIER__PT_BOOL)
            tier__buf_puts(x->b, v != 0 ? "true" : "false");
        else
            number(x, v);
        end_item(x);
    }
    close_section(x, 0);
    if (x->json) {
        key(x, "route");
        text(x,
             pol->route.present && *tier_result_route(res, i) ? tier_result_route(res, i) : NULL);
    } else if (pol->route.present) {
        tier__buf_printf(x->b, "route: %s\n",
                         *tier_result_route(res, i) ? tier_result_route(res, i) : "(not routed)");
    }
}

int tier_result_explain(const tier_result *result, const tier_book *book, const tier_policy *policy,
                        size_t i, int format, tier_text *out)
{
    const tier_allocator *a;
    char *err;
    tier__apply_in in;
    tier__applied ap;
    tier__trace tr;
    tier__buf b;
    ex x;
    size_t idlen = 0;
    const char *id;
    int rc, t;
    if (!result)
        return TIER_EINVAL;
    err = tier__result_errbuf(result);
    a = tier__result_allocator(result);
    if (!book || !policy || !out || (format != TIER_EXPLAIN_TEXT && format != TIER_EXPLAIN_JSON)) {
        tier__errorf(err, "explain needs the book, the policy, a text and a format (1 or 2)");
        return TIER_EINVAL;
    }
    if (!tier_result_frame(result)) {
        tier__errorf(err, "nothing to explain: the result has not been run");
        return TIER_ESTATE;
    }
    if (i >= tier_result_customer_count(result)) {
        tier__errorf(err, "no customer %zu (the result has %zu)", i,
                     tier_result_customer_count(result));
        return TIER_ERANGE;
    }
    if (tier_book_customer_count(book) != tier_result_customer_count(result) ||
        policy->pol.n_tiers != tier_result_tier_count(result)) {
        tier__errorf(err, "explain needs the book and the policy of the last run");
        return TIER_EINVAL;
    }
    memset(&tr, 0, sizeof tr);
    tr.customer = i;
    memset(&in, 0, sizeof in);
    in.pol = &policy->pol;
    in.origin = policy->origin;
    in.book = book;
    in.frame = tier_result_frame(result);
    in.as_of = tier__result_as_of(result);
    in.ref = NULL;
    rc = tier__policy_apply(&in, a, &ap, &tr, err);
    if (rc)
        return rc;
    tier__applied_free(a, &ap);
    if (tier__result_finalized(result)) {
        /* After a history the flags and the route are those of the final tier, as in the
         * result's columns: the trace's flags are evaluated again over the final tiers. */
        rc = tier__policy_flags(&in, tier__result_tiers(result), a, &ap, &tr, err);
        if (rc) {
            tier__trace_free(a, &tr);
            return rc;
        }
        tier__applied_free(a, &ap);
    }

    tier__buf_init(&b, a);
    x.b = &b;
    x.json = format == TIER_EXPLAIN_JSON;
    x.first = 1;
    id = tier_book_customer_id(book, i, &idlen);
    t = tier_result_tier(result, i);
    if (x.json) {
        tier__buf_putc(&b, '{');
        key(&x, "customer");
        json_str(&b, id ? id : "");
        key(&x, "tier");
        text(&x, t < 0 ? NULL : tier_result_tier_name(result, (size_t)t));
        key(&x, "reason");
        text(&x, tier_result_reason(result, i));
        if (tr.lead != i) {
            size_t ll;
            const char *lid = tier_book_customer_id(book, tr.lead, &ll);
            key(&x, "lead");
            json_str(&b, lid ? lid : "");
        }
    } else {
        tier__buf_printf(&b, "customer %.*s: tier %s", (int)idlen, id ? id : "",
                         t < 0 ? "(none)" : tier_result_tier_name(result, (size_t)t));
        if (*tier_result_reason(result, i))
            tier__buf_printf(&b, " (%s)", tier_result_reason(result, i));
        tier__buf_putc(&b, '\n');
        if (tr.lead != i) {
            size_t ll;
            const char *lid = tier_book_customer_id(book, tr.lead, &ll);
            tier__buf_printf(&b, "values of its group's row, led by %.*s\n", (int)ll,
                             lid ? lid : "");
        }
    }
    model_outputs(&x, result, tr.lead);
    rc = model_texts(&x, result, book, tr.lead);
    if (rc == TIER_OK) {
        windows_lets(&x, &policy->pol, &tr);
        rules(&x, &policy->pol, &tr);
        caps(&x, &policy->pol, &tr);
        flags_ents_route(&x, result, &policy->pol, &tr, i);
        if (x.json)
            tier__buf_puts(&b, "}\n");
        rc = tier__buf_status(&b);
    }
    tier__trace_free(a, &tr);
    /* One append keeps `out` unchanged when memory runs out. */
    if (rc == TIER_OK)
        rc = tier_text_append(out, tier__buf_data(&b), tier__buf_len(&b));
    tier__buf_free(&b);
    if (rc == TIER_ENOMEM)
        tier__errorf(err, "out of memory explaining customer %zu", i);
    return rc;
}
