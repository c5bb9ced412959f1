/* SPDX-License-Identifier: MIT */
/* The pipeline handle: settings by key and value, the model list, host hooks, and the getters of
 * the last successful run. The run itself is in run.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io_internal.h"
#include "core/text_internal.h"
#include "pipeline/pipeline_internal.h"
#include "util/par.h"

/* The settings: name, for the `flag` key style the placeholder of its value, and for a setting
 * kept as text the offset of its `char *` in the pipeline (0 for the others). */
typedef struct key_info {
    const char *name;
    const char *metavar;
    size_t text;
} key_info;

#define TEXT(member) offsetof(tier_pipeline, member)

static const key_info keys[TIER__KEY_COUNT] = {
    {"input", "FILE", TEXT(input)},
    {"delimiter", "C", 0},
    {"header", NULL, 0},
    {"columns", "a,b,c", TEXT(columns)},
    {"id", "COL", TEXT(id)},
    {"date", "COL", TEXT(date)},
    {"amount", "COL", TEXT(amount)},
    {"margin", "COL", TEXT(margin)},
    {"date_format", "FORMAT", 0},
    {"as_of", "YYYY-MM-DD", 0},
    {"frequency", "rows|days", 0},
    {"accounts", "FILE", TEXT(accounts)},
    {"account_id", "COL", TEXT(account_id)},
    {"contracts", "FILE", TEXT(contracts)},
    {"models", "LIST", 0},
    {"policy", "NAME|FILE", TEXT(policy_name)},
    {"produce", "WHAT", 0},
    {"out", "FILE", TEXT(out)},
    {"format", "FORMAT", 0},
    {"output_columns", "LIST", TEXT(output_columns)},
    {"split_min_bytes", "N", 0},
    {"threads", "N", 0},
    {"key_style", "STYLE", 0},
    {"customer", "ID", TEXT(customer)},
    {"state", "FILE", TEXT(state)},
    {"ledger", "PREFIX", TEXT(ledger)},
    {"override_tier", "T", TEXT(override_tier)},
    {"override_reason", "TEXT", TEXT(override_reason)},
    {"override_author", "NAME", TEXT(override_author)},
    {"override_until", "YYYY-MM-DD", 0},
    {"against", "NAME|FILE", TEXT(against)},
    {"against_state", "FILE", TEXT(against_state)},
};

/* The text setting of key k (keys[k].text is not 0). */
static char **text_slot(tier_pipeline *p, int k)
{
    return (char **)(void *)((char *)p + keys[k].text);
}

const char *tier__pipeline_key_text(const tier_pipeline *p, int k)
{
    return *(char *const *)(const void *)((const char *)p + keys[k].text);
}

int tier__pipeline_fail(tier_pipeline *p, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, sizeof p->err, fmt, ap);
    va_end(ap);
    return rc;
}

unsigned tier__pipeline_threads(const tier_pipeline *p)
{
    if (!p->has_executor || p->threads == 1)
        return 1;
    return p->threads ? p->threads : tier__par_width(&p->executor);
}

int tier__pipeline_report(tier_pipeline *p, int stage, uint64_t done, uint64_t total)
{
    if (p->progress && p->progress(p->progress_ud, stage, done, total) != 0)
        return tier__pipeline_fail(p, TIER_EUSER, "stopped by the progress callback");
    return TIER_OK;
}

int tier__write_sink_put(void *ud, const char *data, size_t len)
{
    tier__write_sink *s = ud;
    if (s->p->write_cb(s->p->write_ud, data, len) != 0)
        return 1;
    s->bytes += len;
    if (tier__pipeline_report(s->p, TIER_PIPELINE_STAGE_WRITE, s->bytes, 0) != TIER_OK) {
        s->stopped = 1;
        return 1;
    }
    return 0;
}

const char *tier__pipeline_label(const tier_pipeline *p, const char *key, char *buf)
{
    size_t k, n;
    if (p->key_style != TIER__KEYS_FLAG)
        return key;
    if (strcmp(key, "header") == 0)
        return "--no-header";
    /* `tier override add` spells the override's settings without the prefix: --tier, --until */
    if (strncmp(key, "override_", 9) == 0)
        key += 9;
    n = (size_t)snprintf(buf, 64, "--%s", key);
    for (k = 2; k < n && k < 63; k++)
        if (buf[k] == '_')
            buf[k] = '-';
    return buf;
}

const char *tier__pipeline_key_label(const tier_pipeline *p, int k, int metavar, char *buf)
{
    const char *l = tier__pipeline_label(p, keys[k].name, buf);
    if (metavar && l == buf && keys[k].metavar) {
        size_t n = strlen(buf);
        snprintf(buf + n, 64 - n, " %s", keys[k].metavar);
    }
    return l;
}

void tier__run_free(const tier_allocator *a, tier__run *r)
{
    size_t i;
    tier_retier_free(r->retier);
    tier_result_free(r->result);
    for (i = 0; i < r->n_models; i++)
        tier_model_free(r->models[i]);
    tier__free(a, r->models);
    for (i = 0; i < r->n_warnings; i++)
        tier__free(a, r->warnings[i]);
    tier__free(a, r->warnings);
    tier_book_free(r->book);
    tier__policy_hold_unref(a, r->hold);
    tier__free(a, r->lint_origin);
    tier_history_free(r->history);
    tier__free(a, r->note);
    tier__diff_run_free(a, r->diff);
    memset(r, 0, sizeof *r);
}

int tier__run_warn(const tier_allocator *a, tier__run *r, const char *text)
{
    char **w = tier__realloc_n(a, r->warnings, r->n_warnings + 1, sizeof *w);
    if (!w)
        return TIER_ENOMEM;
    r->warnings = w;
    w[r->n_warnings] = tier__strdup(a, text);
    if (!w[r->n_warnings])
        return TIER_ENOMEM;
    r->n_warnings++;
    return TIER_OK;
}

static void spec_free(const tier_allocator *a, tier__model_spec *s)
{
    size_t i;
    for (i = 0; i < s->n_opts; i++) {
        tier__free(a, s->opts[i].name);
        tier__free(a, s->opts[i].text);
        tier_value_free(s->opts[i].value);
    }
    tier__free(a, s->opts);
    tier__free(a, s->kind);
    tier__free(a, s->name);
    memset(s, 0, sizeof *s);
}

void tier__pipeline_specs_free(const tier_allocator *a, tier__model_spec *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        spec_free(a, &v[i]);
    tier__free(a, v);
}

int tier_pipeline_new(tier_pipeline **out, const tier_allocator *alloc)
{
    tier_pipeline *p;
    int rc = TIER__HANDLE_CREATE(out, tier_pipeline, alloc);
    if (rc)
        return rc;
    p = *out;
    p->header = 1;
    p->date_format = TIER_DATE_AUTO;
    p->produce = TIER__PRODUCE_TIERS;
    p->format = TIER_OUTPUT_CSV;
    p->io = *tier_io_default();
    p->split_min_bytes = TIER__SPLIT_MIN_BYTES;
    return TIER_OK;
}

void tier_pipeline_free(tier_pipeline *p)
{
    const tier_allocator *a;
    int k;
    if (!p)
        return;
    a = &p->alloc;
    tier__run_free(a, &p->last);
    tier__policy_hold_unref(a, p->policy);
    tier__policy_hold_unref(a, p->against_policy);
    tier__pipeline_specs_free(a, p->models, p->n_models);
    for (k = 0; k < TIER__KEY_COUNT; k++)
        if (keys[k].text)
            tier__free(a, *text_slot(p, k));
    tier__free(a, p);
}

int tier__pipeline_copy(tier_pipeline **out, const tier_pipeline *p)
{
    const tier_allocator *a = &p->alloc;
    tier_pipeline *c = TIER__HANDLE_NEW(tier_pipeline, a);
    size_t i, j;
    int k;
    *out = NULL;
    if (!c)
        return TIER_ENOMEM;
    /* The settings and the (borrowed) host hooks; no error text, no results. Then what the
     * settings own is copied, so that freeing `c` frees exactly its own copies. */
    *c = *p;
    tier__policy_hold_ref(c->policy); /* released by tier_pipeline_free(c) */
    tier__policy_hold_ref(c->against_policy);
    c->err[0] = '\0';
    c->has_run = 0;
    memset(&c->last, 0, sizeof c->last);
    for (k = 0; k < TIER__KEY_COUNT; k++)
        if (keys[k].text)
            *text_slot(c, k) = NULL;
    c->models = NULL;
    c->n_models = c->cap_models = 0;
    for (k = 0; k < TIER__KEY_COUNT; k++)
        if (keys[k].text && tier__pipeline_key_text(p, k) &&
            !(*text_slot(c, k) = tier__strdup(a, tier__pipeline_key_text(p, k))))
            goto nomem;
    if (p->n_models && !(c->models = tier__calloc(a, p->n_models, sizeof *c->models)))
        goto nomem;
    c->n_models = c->cap_models = p->n_models; /* zeroed specs free as empty ones */
    for (i = 0; i < p->n_models; i++) {
        const tier__model_spec *from = &p->models[i];
        tier__model_spec *to = &c->models[i];
        if (!(to->kind = tier__strdup(a, from->kind)) || !(to->name = tier__strdup(a, from->name)))
            goto nomem;
        if (from->n_opts && !(to->opts = tier__calloc(a, from->n_opts, sizeof *to->opts)))
            goto nomem;
        to->n_opts = to->cap_opts = from->n_opts;
        for (j = 0; j < from->n_opts; j++)
            if (!(to->opts[j].name = tier__strdup(a, from->opts[j].name)) ||
                !(to->opts[j].text = tier__strdup(a, from->opts[j].text)))
                goto nomem;
    }
    *out = c;
    return TIER_OK;
nomem:
    tier_pipeline_free(c);
    return TIER_ENOMEM;
}

void tier__pipeline_take_settings(tier_pipeline *p, tier_pipeline *from)
{
    tier_pipeline old = *p;
    /* `from` was made by tier__pipeline_copy(p) and changed only by settings: its hooks are
     * p's. p keeps its error text and results; `from` leaves with p's old settings. */
    *p = *from;
    memcpy(p->err, old.err, sizeof p->err);
    p->has_run = old.has_run;
    p->last = old.last;
    old.has_run = 0;
    memset(&old.last, 0, sizeof old.last);
    *from = old;
    tier_pipeline_free(from);
}

const char *tier_pipeline_last_error(const tier_pipeline *p)
{
    return p ? p->err : "";
}

static int find_key(const char *key)
{
    int k;
    for (k = 0; k < TIER__KEY_COUNT; k++)
        if (strcmp(keys[k].name, key) == 0)
            return k;
    return -1;
}

/* Replaces *slot with a copy of value (NULL: none). */
static int set_string(tier_pipeline *p, char **slot, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = tier__strdup(&p->alloc, value)))
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    tier__free(&p->alloc, *slot);
    *slot = copy;
    return TIER_OK;
}

/* Index of the model named `name` in the list, or n_models. */
static size_t find_model(const tier_pipeline *p, const char *name)
{
    size_t i;
    for (i = 0; i < p->n_models && strcmp(p->models[i].name, name) != 0; i++)
        ;
    return i;
}

/* A model list: kinds separated by ',' (one trailing ',' allowed), each at most once. */
static int set_models(tier_pipeline *p, const char *list, const char *lbl)
{
    tier__model_spec *v = NULL;
    size_t n = 0, i;
    const char *s = list;
    while (*s) {
        size_t len = strcspn(s, ",");
        char *kind = tier__strndup(&p->alloc, s, len);
        tier__model_spec *nv;
        if (!kind)
            goto nomem;
        if (!tier__pipeline_kind_known(p, kind) || len == 0) {
            char kinds[512];
            tier__pipeline_kind_list(p, kinds, sizeof kinds);
            tier__pipeline_fail(p, TIER_EINVAL, "%s: unknown model \"%s\" (%s)", lbl, kind, kinds);
            tier__free(&p->alloc, kind);
            tier__pipeline_specs_free(&p->alloc, v, n);
            return TIER_EINVAL;
        }
        for (i = 0; i < n && strcmp(v[i].kind, kind) != 0; i++)
            ;
        if (i < n) {
            tier__pipeline_fail(p, TIER_EINVAL, "%s: \"%s\" is listed twice", lbl, kind);
            tier__free(&p->alloc, kind);
            tier__pipeline_specs_free(&p->alloc, v, n);
            return TIER_EINVAL;
        }
        nv = tier__realloc_n(&p->alloc, v, n + 1, sizeof *v);
        if (!nv) {
            tier__free(&p->alloc, kind);
            goto nomem;
        }
        v = nv;
        memset(&v[n], 0, sizeof v[n]);
        v[n].kind = kind;
        v[n].name = tier__strdup(&p->alloc, kind);
        n++;
        if (!v[n - 1].name)
            goto nomem;
        s += len;
        if (*s == ',')
            s++;
    }
    tier__pipeline_specs_free(&p->alloc, p->models, p->n_models);
    p->models = v;
    p->n_models = p->cap_models = n;
    p->models_set = 1;
    return TIER_OK;
nomem:
    tier__pipeline_specs_free(&p->alloc, v, n);
    return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
}

/* "yes"/"no" and their usual spellings; -1 for anything else. */
static int parse_bool(const char *v)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
        return 1;
    if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
        return 0;
    return -1;
}

/* A date setting: "" clears it (*has = 0); else the date in `format`. */
static int set_date(tier_pipeline *p, int k, const char *value, int format, int32_t *slot, int *has)
{
    char buf[64];
    int32_t day;
    if (!value || !*value) {
        *has = 0;
        return TIER_OK;
    }
    if (tier_date_parse(&day, value, strlen(value), format) != TIER_OK)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s: \"%s\" is not a date (YYYY-MM-DD)",
                                   tier__pipeline_key_label(p, k, 0, buf), value);
    *slot = day;
    *has = 1;
    return TIER_OK;
}

static int set_choice(tier_pipeline *p, int k, const char *value, const char *const *names,
                      const int *values, int dflt, int *slot, const char *expect)
{
    char buf[64];
    size_t i;
    if (!value) {
        *slot = dflt;
        return TIER_OK;
    }
    for (i = 0; names[i]; i++) {
        if (strcmp(names[i], value) == 0) {
            *slot = values[i];
            return TIER_OK;
        }
    }
    return tier__pipeline_fail(p, TIER_EINVAL, "%s must be %s, not \"%s\"",
                               tier__pipeline_key_label(p, k, 0, buf), expect, value);
}

int tier_pipeline_set(tier_pipeline *p, const char *key, const char *value)
{
    static const char *const date_names[] = {"auto", "iso", "yyyymmdd", NULL};
    static const int date_values[] = {TIER_DATE_AUTO, TIER_DATE_ISO, TIER_DATE_YYYYMMDD};
    static const char *const format_names[] = {"csv", "json", "text", NULL};
    static const int format_values[] = {TIER_OUTPUT_CSV, TIER_OUTPUT_JSON, TIER__FORMAT_TEXT};
    static const char *const produce_names[] = {
        "tiers",        "scores",          "fit",           "explain", "lint",   "policies",
        "override_add", "override_remove", "override_list", "diff",    "report", NULL};
    static const int produce_values[] = {TIER__PRODUCE_TIERS,         TIER__PRODUCE_SCORES,
                                         TIER__PRODUCE_FIT,           TIER__PRODUCE_EXPLAIN,
                                         TIER__PRODUCE_LINT,          TIER__PRODUCE_POLICIES,
                                         TIER__PRODUCE_OVERRIDE_ADD,  TIER__PRODUCE_OVERRIDE_REMOVE,
                                         TIER__PRODUCE_OVERRIDE_LIST, TIER__PRODUCE_DIFF,
                                         TIER__PRODUCE_REPORT};
    static const char *const freq_names[] = {"days", "rows", NULL};
    static const int freq_values[] = {TIER__FREQ_DAYS, TIER__FREQ_ROWS};
    static const char *const style_names[] = {"name", "flag", NULL};
    static const int style_values[] = {TIER__KEYS_NAME, TIER__KEYS_FLAG};
    char buf[64];
    int k;
    if (!p)
        return TIER_EINVAL;
    if (!key)
        return tier__pipeline_fail(p, TIER_EINVAL, "the setting's name is NULL");
    k = find_key(key);
    if (k < 0)
        return tier__pipeline_fail(p, TIER_ENOTFOUND, "unknown setting \"%s\"", key);
    switch (k) {
    case TIER__KEY_OUTPUT_COLUMNS:
        return set_string(p, text_slot(p, k), value && *value ? value : NULL);
    case TIER__KEY_DELIMITER:
        if (!value || strcmp(value, "auto") == 0)
            p->delimiter = 0;
        else if (strcmp(value, "ws") == 0)
            p->delimiter = TIER_CSV_WHITESPACE;
        else if (strcmp(value, "tab") == 0)
            p->delimiter = '\t';
        else if (strlen(value) == 1 && !strchr("\"\r\n", value[0]))
            p->delimiter = (unsigned char)value[0];
        else
            return tier__pipeline_fail(p, TIER_EINVAL,
                                       "%s must be one character other than '\"', CR and LF, or "
                                       "ws, tab or auto, not \"%s\"",
                                       tier__pipeline_key_label(p, k, 0, buf), value);
        return TIER_OK;
    case TIER__KEY_HEADER: {
        int b = value ? parse_bool(value) : 1;
        if (b < 0)
            return tier__pipeline_fail(p, TIER_EINVAL, "%s must be yes or no, not \"%s\"",
                                       keys[k].name, value);
        p->header = b;
        return TIER_OK;
    }
    case TIER__KEY_DATE_FORMAT:
        return set_choice(p, k, value, date_names, date_values, TIER_DATE_AUTO, &p->date_format,
                          "iso, yyyymmdd or auto");
    case TIER__KEY_AS_OF:
        return set_date(p, k, value, TIER_DATE_AUTO, &p->as_of, &p->has_as_of);
    case TIER__KEY_FREQUENCY:
        return set_choice(p, k, value, freq_names, freq_values, TIER__FREQ_DEFAULT, &p->frequency,
                          "rows or days");
    case TIER__KEY_OVERRIDE_UNTIL:
        return set_date(p, k, value, TIER_DATE_ISO, &p->until, &p->has_until);
    case TIER__KEY_STATE:
    case TIER__KEY_AGAINST_STATE:
    case TIER__KEY_LEDGER:
    case TIER__KEY_OVERRIDE_TIER:
    case TIER__KEY_OVERRIDE_REASON:
    case TIER__KEY_OVERRIDE_AUTHOR:
        if (value && !*value)
            return tier__pipeline_fail(p, TIER_EINVAL, "%s must not be empty",
                                       tier__pipeline_key_label(p, k, 0, buf));
        return set_string(p, text_slot(p, k), value);
    case TIER__KEY_MODELS:
        if (!value) {
            tier__pipeline_specs_free(&p->alloc, p->models, p->n_models);
            p->models = NULL;
            p->n_models = p->cap_models = 0;
            p->models_set = 0;
            return TIER_OK;
        }
        return set_models(p, value, tier__pipeline_key_label(p, k, 0, buf));
    case TIER__KEY_POLICY:
    case TIER__KEY_AGAINST: {
        /* Loaded now, so that a bad file is reported at once; kept until replaced. */
        tier__policy_hold *hold = NULL,
                          **slot = k == TIER__KEY_POLICY ? &p->policy : &p->against_policy;
        int rc = value ? tier__pipeline_load_policy(p, value, &hold) : TIER_OK;
        if (!rc)
            rc = set_string(p, text_slot(p, k), value);
        if (rc) {
            tier__policy_hold_unref(&p->alloc, hold);
            return rc;
        }
        tier__policy_hold_unref(&p->alloc, *slot);
        *slot = hold;
        return TIER_OK;
    }
    case TIER__KEY_PRODUCE:
        return set_choice(p, k, value, produce_names, produce_values, TIER__PRODUCE_TIERS,
                          &p->produce,
                          "tiers, scores, fit, explain, lint, policies, override_add, "
                          "override_remove, override_list or diff");
    case TIER__KEY_FORMAT:
        return set_choice(p, k, value, format_names, format_values, TIER_OUTPUT_CSV, &p->format,
                          "csv, json or text");
    case TIER__KEY_SPLIT_MIN_BYTES: {
        uint64_t n = 0;
        const char *s = value;
        if (!value) {
            p->split_min_bytes = TIER__SPLIT_MIN_BYTES;
            return TIER_OK;
        }
        for (; *s >= '0' && *s <= '9' && n <= (UINT64_MAX - 9) / 10; s++)
            n = n * 10 + (uint64_t)(*s - '0');
        if (s == value || *s)
            return tier__pipeline_fail(p, TIER_EINVAL,
                                       "%s must be a whole number of bytes, not \"%s\"",
                                       tier__pipeline_key_label(p, k, 0, buf), value);
        p->split_min_bytes = n;
        return TIER_OK;
    }
    case TIER__KEY_THREADS: {
        unsigned n = 0;
        const char *s = value;
        for (; s && *s >= '0' && *s <= '9' && n <= TIER__PAR_MAX; s++)
            n = n * 10 + (unsigned)(*s - '0');
        if (value && (s == value || *s || n > TIER__PAR_MAX))
            return tier__pipeline_fail(p, TIER_EINVAL,
                                       "%s must be a whole number from 0 (the default) to %u, "
                                       "not \"%s\"",
                                       tier__pipeline_key_label(p, k, 0, buf),
                                       (unsigned)TIER__PAR_MAX, value);
        p->threads = n;
        return TIER_OK;
    }
    case TIER__KEY_KEY_STYLE:
        return set_choice(p, k, value, style_names, style_values, TIER__KEYS_NAME, &p->key_style,
                          "name or flag");
    default: /* the other settings kept as text */
        return keys[k].text ? set_string(p, text_slot(p, k), value) : TIER_EINVAL;
    }
}

/* The kinds of the list the next run uses: the list set, else the models of the policy (the
 * setting's, the host's or the default one), else the default list. */
static void put_models(const tier_pipeline *p, tier__buf *out)
{
    static const char *const plain[] = {"rfm", "pareto", NULL};
    static const char *const accounts[] = {"rfm",       "pareto", "lifecycle",
                                           "scorecard", "needs",  NULL};
    size_t i, n = 0;
    if (!p->models_set &&
        (p->produce == TIER__PRODUCE_TIERS || p->produce == TIER__PRODUCE_EXPLAIN ||
         p->produce == TIER__PRODUCE_DIFF || p->produce == TIER__PRODUCE_REPORT)) {
        tier_policy *loaded = NULL;
        const tier_policy *policy = p->policy_ref ? p->policy_ref
                                    : p->policy   ? p->policy->policy
                                                  : NULL;
        if (!policy && tier_policy_new_builtin(&loaded, tier__pipeline_default_policy(p),
                                               &p->alloc) != TIER_OK) {
            if (out->status == TIER_OK) /* out of memory: tier_pipeline_get() reports it */
                out->status = TIER_ENOMEM;
            return;
        }
        if (!policy)
            policy = loaded;
        n = tier_policy_model_count(policy);
        for (i = 0; i < n; i++) {
            const char *kind = NULL;
            if (tier_policy_model(policy, i, NULL, &kind, NULL) == TIER_OK)
                tier__buf_printf(out, "%s%s", i ? "," : "", kind);
        }
        tier_policy_free(loaded);
        if (n)
            return;
    }
    if (!p->models_set) {
        const char *const *v = p->accounts ? accounts : plain;
        for (i = 0; v[i]; i++)
            tier__buf_printf(out, "%s%s", i ? "," : "", v[i]);
        if (p->contracts)
            tier__buf_puts(out, ",subscription");
        return;
    }
    for (i = 0; i < p->n_models; i++)
        tier__buf_printf(out, "%s%s", i ? "," : "", p->models[i].kind);
}

static void get_into(const tier_pipeline *p, int k, tier__buf *out)
{
    static const char *const date_names[] = {"iso", "yyyymmdd", "auto"};
    const char *s = NULL;
    char day[16];
    switch (k) {
    case TIER__KEY_DELIMITER:
        if (p->delimiter == 0)
            s = "auto";
        else if (p->delimiter == TIER_CSV_WHITESPACE)
            s = "ws";
        else if (p->delimiter == '\t')
            s = "tab";
        else {
            day[0] = (char)p->delimiter;
            day[1] = '\0';
            s = day;
        }
        break;
    case TIER__KEY_HEADER:
        s = p->header ? "yes" : "no";
        break;
    case TIER__KEY_DATE_FORMAT:
        s = p->date_format >= 0 && p->date_format <= 2 ? date_names[p->date_format] : "auto";
        break;
    case TIER__KEY_AS_OF:
        if (p->has_as_of && tier_date_format_iso(day, sizeof day, p->as_of) == TIER_OK)
            s = day;
        break;
    case TIER__KEY_FREQUENCY:
        s = p->frequency == TIER__FREQ_ROWS ? "rows" : "days";
        break;
    case TIER__KEY_OVERRIDE_UNTIL:
        if (p->has_until && tier_date_format_iso(day, sizeof day, p->until) == TIER_OK)
            s = day;
        break;
    case TIER__KEY_MODELS:
        put_models(p, out);
        break;
    case TIER__KEY_POLICY:
        s = p->policy_name ? p->policy_name : tier__pipeline_default_policy(p);
        break;
    case TIER__KEY_PRODUCE: {
        static const char *const names[] = {
            "tiers",        "scores",          "fit",           "explain", "lint",  "policies",
            "override_add", "override_remove", "override_list", "diff",    "report"};
        s = p->produce >= 1 && p->produce <= 11 ? names[p->produce - 1] : "tiers";
        break;
    }
    case TIER__KEY_FORMAT:
        s = p->format == TIER_OUTPUT_JSON    ? "json"
            : p->format == TIER__FORMAT_TEXT ? "text"
                                             : "csv";
        break;
    case TIER__KEY_SPLIT_MIN_BYTES:
        tier__buf_printf(out, "%llu", (unsigned long long)p->split_min_bytes);
        break;
    case TIER__KEY_THREADS:
        tier__buf_printf(out, "%u", p->threads);
        break;
    case TIER__KEY_KEY_STYLE:
        s = p->key_style == TIER__KEYS_FLAG ? "flag" : "name";
        break;
    default:
        s = keys[k].text ? tier__pipeline_key_text(p, k) : NULL;
        break; /* the other text settings */
    }
    if (s)
        tier__buf_puts(out, s);
}

int tier_pipeline_get(const tier_pipeline *p, const char *key, tier_text *out)
{
    tier__buf b;
    int k, rc;
    /* A failure says why on the pipeline, a handle no other thread may use meanwhile. */
    if (!p)
        return TIER_EINVAL;
    if (!key || !out)
        return tier__pipeline_fail((tier_pipeline *)p, TIER_EINVAL, "get: the %s is NULL",
                                   key ? "text" : "setting's name");
    k = find_key(key);
    if (k < 0)
        return tier__pipeline_fail((tier_pipeline *)p, TIER_ENOTFOUND, "get: no setting \"%s\"",
                                   key);
    /* Built aside so that `out` is unchanged on failure. */
    tier__buf_init(&b, &p->alloc);
    get_into(p, k, &b);
    rc = tier__buf_status(&b);
    if (!rc)
        rc = tier__text_replace(out, tier__buf_data(&b), tier__buf_len(&b));
    tier__buf_free(&b);
    return rc ? tier__pipeline_fail((tier_pipeline *)p, rc, "get: out of memory") : TIER_OK;
}

int tier_pipeline_add_model(tier_pipeline *p, const char *kind, const char *name)
{
    tier__model_spec s;
    if (!p)
        return TIER_EINVAL;
    if (!kind)
        return tier__pipeline_fail(p, TIER_EINVAL, "the model kind is NULL");
    if (!name)
        name = kind;
    if (!tier__pipeline_kind_known(p, kind)) {
        char kinds[512];
        tier__pipeline_kind_list(p, kinds, sizeof kinds);
        return tier__pipeline_fail(p, TIER_ENOTFOUND, "unknown model kind \"%s\" (%s)", kind,
                                   kinds);
    }
    /* Letters, digits and '_', not empty: the prefix of its columns. */
    if (!tier__name_valid(name, 0, TIER__NAME_UPPER))
        return tier__pipeline_fail(p, TIER_EINVAL, "model name \"%s\": use letters, digits and '_'",
                                   name);
    if (p->models_set && find_model(p, name) < p->n_models)
        return tier__pipeline_fail(p, TIER_EINVAL, "model name \"%s\" is taken", name);
    if (!p->models_set) {
        tier__pipeline_specs_free(&p->alloc, p->models, p->n_models);
        p->models = NULL;
        p->n_models = p->cap_models = 0;
    }
    if (tier__grow(&p->alloc, (void **)&p->models, &p->cap_models, p->n_models + 1,
                   sizeof *p->models))
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    memset(&s, 0, sizeof s);
    s.kind = tier__strdup(&p->alloc, kind);
    s.name = tier__strdup(&p->alloc, name);
    if (!s.kind || !s.name) {
        spec_free(&p->alloc, &s);
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    }
    p->models[p->n_models++] = s;
    p->models_set = 1;
    return TIER_OK;
}

int tier_pipeline_set_model_option(tier_pipeline *p, const char *model, const char *option,
                                   const char *text)
{
    tier__model_spec *s;
    tier__model_option o;
    size_t i;
    int rc;
    if (!p)
        return TIER_EINVAL;
    if (!model || !option || !text)
        return tier__pipeline_fail(p, TIER_EINVAL,
                                   "a model option needs a model, a name and a value");
    i = find_model(p, model);
    if (!p->models_set || i == p->n_models)
        return tier__pipeline_fail(p, TIER_ENOTFOUND, "no model named \"%s\" in the list", model);
    s = &p->models[i];
    rc = tier__pipeline_check_option(p, s->kind, option, text);
    if (rc)
        return rc;
    if (tier__grow(&p->alloc, (void **)&s->opts, &s->cap_opts, s->n_opts + 1, sizeof *s->opts))
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    o.name = tier__strdup(&p->alloc, option);
    o.text = tier__strdup(&p->alloc, text);
    o.value = NULL; /* a text option: parsed when the model is made */
    if (!o.name || !o.text) {
        tier__free(&p->alloc, o.name);
        tier__free(&p->alloc, o.text);
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    }
    s->opts[s->n_opts++] = o;
    return TIER_OK;
}

int tier_pipeline_set_registry(tier_pipeline *p, const tier_registry *registry)
{
    if (!p)
        return TIER_EINVAL;
    p->err[0] = '\0';
    p->registry = registry;
    return TIER_OK;
}

int tier_pipeline_set_policy_ref(tier_pipeline *p, const tier_policy *policy)
{
    if (!p)
        return TIER_EINVAL;
    p->err[0] = '\0';
    p->policy_ref = policy;
    return TIER_OK;
}

int tier_pipeline_set_progress(tier_pipeline *p, tier_pipeline_progress_cb cb, void *ud)
{
    if (!p)
        return TIER_EINVAL;
    p->err[0] = '\0';
    p->progress = cb;
    p->progress_ud = cb ? ud : NULL;
    return TIER_OK;
}

int tier_pipeline_set_executor(tier_pipeline *p, const tier_executor *ex)
{
    char why[TIER__ERR_SIZE];
    int rc;
    if (!p)
        return TIER_EINVAL;
    if ((rc = tier__executor_check(ex, why)) != TIER_OK)
        return tier__pipeline_fail(p, rc, "%s", why);
    p->err[0] = '\0';
    p->has_executor = ex != NULL;
    if (ex)
        tier__executor_copy(&p->executor, ex);
    return TIER_OK;
}

int tier_pipeline_set_io(tier_pipeline *p, const tier_io *io)
{
    char why[TIER__ERR_SIZE];
    int rc;
    if (!p)
        return TIER_EINVAL;
    p->err[0] = '\0';
    rc = tier__io_set(&p->io, io, TIER__IO_NEEDS_READ, why);
    return rc ? tier__pipeline_fail(p, rc, "%s", why) : TIER_OK;
}

int tier_pipeline_set_output(tier_pipeline *p, tier_write_cb cb, void *ud)
{
    if (!p)
        return TIER_EINVAL;
    p->err[0] = '\0';
    p->write_cb = cb;
    p->write_ud = cb ? ud : NULL;
    return TIER_OK;
}

const tier_book *tier_pipeline_book(const tier_pipeline *p)
{
    return p && p->has_run ? p->last.book : NULL;
}

size_t tier_pipeline_model_count(const tier_pipeline *p)
{
    return p && p->has_run ? p->last.n_models : 0;
}

const tier_model *tier_pipeline_model(const tier_pipeline *p, size_t i)
{
    return p && p->has_run && i < p->last.n_models ? p->last.models[i] : NULL;
}

const tier_result *tier_pipeline_result(const tier_pipeline *p)
{
    return p && p->has_run ? p->last.result : NULL;
}

uint64_t tier_pipeline_rows_read(const tier_pipeline *p)
{
    return p && p->has_run ? p->last.rows : 0;
}

size_t tier_pipeline_warning_count(const tier_pipeline *p)
{
    return p && p->has_run ? p->last.n_warnings : 0;
}

const char *tier_pipeline_warning(const tier_pipeline *p, size_t i)
{
    return p && p->has_run && i < p->last.n_warnings ? p->last.warnings[i] : NULL;
}

int tier_pipeline_retier(tier_pipeline *p, tier_retier **out)
{
    int rc;
    if (out)
        *out = NULL;
    if (!p)
        return TIER_EINVAL;
    p->err[0] = '\0';
    if (!out)
        return tier__pipeline_fail(p, TIER_EINVAL, "retier: no place for the handle (NULL)");
    if (!p->has_run || !p->last.result || !p->last.policy)
        return tier__pipeline_fail(p, TIER_ESTATE,
                                   "retier: no run that tiered customers yet (run the pipeline)");
    if (!p->last.retier) {
        rc = tier_retier_new(&p->last.retier, p->last.result, p->last.book, p->last.models,
                             p->last.n_models, p->last.policy, p->last.history, &p->alloc);
        if (rc) {
            rc = tier__pipeline_fail(p, rc, "retier: %s",
                                     p->last.retier ? tier_retier_last_error(p->last.retier)
                                                    : "out of memory freezing the run");
            tier_retier_free(p->last.retier);
            p->last.retier = NULL;
            return rc;
        }
    }
    *out = p->last.retier;
    return TIER_OK;
}
