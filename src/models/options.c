/* SPDX-License-Identifier: MIT */
/* Option checks and option records shared by the built-in models. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/options.h"
#include "util/numtext.h"

/* "from 2 to 10" with shortest number texts. */
static void range_text(char *dst, size_t cap, double lo, double hi)
{
    char a[TIER__NUM_SIZE], b[TIER__NUM_SIZE];
    tier__num_format(a, lo, TIER__NUM_SHORT_EXP);
    tier__num_format(b, hi, TIER__NUM_SHORT_EXP);
    snprintf(dst, cap, "from %s to %s", a, b);
}

int tier__opt_number(const tier_value *v, double lo, double hi, int nan_ok, double *out, char *err)
{
    double x = tier_value_number(v);
    char range[2 * TIER__NUM_SIZE + 16], got[TIER__NUM_SIZE];
    if ((isnan(x) && nan_ok) || (x >= lo && x <= hi)) {
        *out = x;
        return TIER_OK;
    }
    range_text(range, sizeof range, lo, hi);
    tier__num_format(got, x, TIER__NUM_SHORT_EXP);
    tier__errorf(err, "must be a number %s%s, not %s", range, nan_ok ? " (or nan)" : "", got);
    return TIER_ERANGE;
}

int tier__opt_int(const tier_value *v, double lo, double hi, int nan_ok, int32_t *out, char *err)
{
    double x = tier_value_number(v);
    char range[2 * TIER__NUM_SIZE + 16], got[TIER__NUM_SIZE];
    if (isnan(x) && nan_ok) {
        *out = 0;
        return TIER_OK;
    }
    if (x >= lo && x <= hi && x == floor(x)) {
        *out = (int32_t)x;
        return TIER_OK;
    }
    range_text(range, sizeof range, lo, hi);
    tier__num_format(got, x, TIER__NUM_SHORT_EXP);
    tier__errorf(err, "must be an integer %s%s, not %s", range, nan_ok ? " (or nan)" : "", got);
    return TIER_ERANGE;
}

int tier__opt_choice(const tier_value *v, const char *const *names, int n, int *out, char *err)
{
    const char *t = tier_value_text(v);
    char list[256], q[TIER__QUOTE_MAX * 4 + 16];
    size_t len = 0;
    int i;
    for (i = 0; t && i < n; i++)
        if (strcmp(t, names[i]) == 0) {
            *out = i;
            return TIER_OK;
        }
    list[0] = '\0';
    for (i = 0; i < n && len + strlen(names[i]) + 8 < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s\"%s\"",
                                i == 0       ? ""
                                : i == n - 1 ? " or "
                                             : ", ",
                                names[i]);
    tier__errorf(err, "must be %s, not %s", list,
                 tier__quote_text(q, sizeof q, t ? t : "", t ? strlen(t) : 0));
    return TIER_EINVAL;
}

int tier__opt_save(tier_state_writer *w, const tier_model_option *opts, size_t n, void *state,
                   int (*get)(void *state, const char *name, tier_value *out),
                   const tier_allocator *alloc)
{
    tier_value v;
    size_t i, j;
    int rc = TIER_OK;
    tier__value_init(&v, alloc);
    for (i = 0; i < n && !rc; i++) {
        rc = get(state, opts[i].name, &v);
        if (rc)
            break;
        rc = tier_state_write_key(w, opts[i].name);
        if (v.type == TIER_OPTION_NUMBER)
            rc = tier_state_write_number(w, v.number);
        else if (v.type == TIER_OPTION_TEXT)
            rc = tier_state_write_text(w, v.text);
        else
            for (j = 0; j < v.n_items && !rc; j++)
                rc = tier_state_write_text(w, v.items[j]);
    }
    tier__value_clear(&v);
    return rc;
}

int tier__opt_read(tier_state_reader *r, const char *key, const tier_model_option *opts, size_t n,
                   tier_value *val, const tier_model_option **opt)
{
    size_t i, j, count = tier_state_read_count(r);
    char msg[200];
    for (i = 0; i < n; i++)
        if (strcmp(opts[i].name, key) == 0)
            break;
    if (i == n)
        return 0;
    *opt = &opts[i];
    if (opts[i].type == TIER_OPTION_NUMBER) {
        double x;
        if (count != 1 || tier_state_read_number(r, 0, &x))
            goto bad;
        return tier_value_set_number(val, x) ? TIER_ENOMEM : 1;
    }
    for (j = 0; j < count; j++)
        if (tier_state_read_type(r, j) != TIER_OPTION_TEXT)
            goto bad;
    if (opts[i].type == TIER_OPTION_TEXT) {
        const char *t;
        int rc;
        if (count != 1 || tier_state_read_text(r, 0, &t))
            goto bad;
        rc = tier_value_set_text(val, t);
        return rc ? rc : 1;
    } else {
        const char *items[64], **many = items;
        int rc;
        if (count > sizeof items / sizeof items[0]) {
            many = tier__calloc(&val->alloc, count, sizeof *many);
            if (!many)
                return TIER_ENOMEM;
        }
        for (j = 0; j < count; j++)
            tier_state_read_text(r, j, &many[j]);
        rc = tier_value_set_list(val, many, count);
        if (many != items)
            tier__free(&val->alloc, many);
        return rc ? rc : 1;
    }
bad:
    snprintf(msg, sizeof msg, "option \"%s\" needs %s", key,
             opts[i].type == TIER_OPTION_NUMBER ? "one number"
             : opts[i].type == TIER_OPTION_TEXT ? "one quoted text"
                                                : "quoted texts");
    return tier_state_read_fail(r, msg);
}

int tier__opt_refuse(tier_state_reader *r, const char *option, const char *why, int rc)
{
    char msg[TIER__ERR_SIZE + 80];
    if (rc == TIER_ENOMEM)
        return rc;
    snprintf(msg, sizeof msg, "option \"%.64s\" %s", option, why);
    return tier_state_read_fail(r, msg);
}

int tier__opt_load(tier_state_reader *r, const tier_model_option *opts, size_t n,
                   const tier_allocator *alloc, tier__opt_take_cb option, tier__record_cb record,
                   void *ctx)
{
    const char *key;
    char why[TIER__ERR_SIZE];
    tier_value val;
    int rc;
    tier__value_init(&val, alloc);
    while ((rc = tier_state_read_next(r, &key)) == 1) {
        const tier_model_option *o = NULL;
        rc = tier__opt_read(r, key, opts, n, &val, &o);
        if (rc == 1) {
            why[0] = '\0';
            if ((rc = option(ctx, o->name, &val, why)) != TIER_OK)
                rc = tier__opt_refuse(r, o->name, why, rc);
        } else if (rc == 0) {
            rc = record ? record(ctx, r, key) : 0;
            if (rc == 0) {
                snprintf(why, sizeof why, "unknown record \"%s\"", key);
                rc = tier_state_read_fail(r, why);
            } else if (rc > 0) {
                rc = TIER_OK;
            }
        }
        if (rc < 0)
            break;
    }
    tier__value_clear(&val);
    return rc;
}

int tier__opt_write_numbers(tier_state_writer *w, const char *key, const double *v, size_t n)
{
    tier_state_write_key(w, key);
    return tier_state_write_numbers(w, v, n);
}

void tier__opt_rule_defaults(double *opt, const tier__opt_rule *rules, int n)
{
    int k;
    for (k = 1; k < n; k++)
        opt[k] = rules[k].def;
}

int tier__opt_rule_find(const tier__opt_rule *rules, int n, const char *name)
{
    int k;
    for (k = 1; k < n && strcmp(rules[k].name, name) != 0; k++)
        ;
    return k;
}
