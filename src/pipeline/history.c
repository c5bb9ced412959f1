/* SPDX-License-Identifier: MIT */
/* Tiers over time in the pipeline (docs/history.md): the `state` setting's snapshot is loaded
 * before a run, applied after the policy (tier_history_apply()), and saved after the output; the
 * `ledger` setting's files are written between the two. The override runs (`produce`
 * override_add, override_remove, override_list) work on the snapshot alone. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/io_internal.h"
#include "pipeline/pipeline_internal.h"

/* ---- small writers ------------------------------------------------------------------------- */

static void day_text(char *buf, size_t size, double day)
{
    if (!isfinite(day) || tier_date_format_iso(buf, size, (int32_t)day) != TIER_OK)
        buf[0] = '\0';
}

/* A CSV field: quoted when it holds a delimiter, a quote or a line break. */
static void put_csv(tier__buf *b, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")]) {
        tier__buf_puts(b, s);
        return;
    }
    tier__buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            tier__buf_putc(b, '"');
        tier__buf_putc(b, *s);
    }
    tier__buf_putc(b, '"');
}

/* A JSON string (the texts are UTF-8: only quotes, backslashes and control bytes are escaped). */
static void put_json(tier__buf *b, const char *s)
{
    tier__buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            tier__buf_printf(b, "\\%c", c);
        else if (c == '\n')
            tier__buf_puts(b, "\\n");
        else if (c < 0x20)
            tier__buf_printf(b, "\\u%04x", c);
        else
            tier__buf_putc(b, (char)c);
    }
    tier__buf_putc(b, '"');
}

static int buf_sink(void *ud, const char *data, size_t len)
{
    return tier__buf_append(ud, data, len) == TIER_OK ? 0 : 1;
}

static int count_sink(void *ud, const char *data, size_t len)
{
    size_t *lines = ud, i;
    for (i = 0; i < len; i++)
        *lines += data[i] == '\n';
    return 0;
}

/* ---- loading ------------------------------------------------------------------------------- */

static int load_file(tier_pipeline *p, const char *path, int create, tier_history **out)
{
    tier_history *h = NULL;
    int rc = tier_history_new(&h, &p->alloc);
    *out = NULL;
    if (rc)
        return tier__pipeline_fail(p, rc, "out of memory");
    rc = tier_history_load(h, path, &p->io);
    if (rc == TIER_ENOTFOUND && create) {
        /* The first run: nothing to load. A fresh handle, in case the failed load left traces. */
        tier_history_free(h);
        h = NULL;
        rc = tier_history_new(&h, &p->alloc);
        if (rc)
            return tier__pipeline_fail(p, rc, "out of memory");
    } else if (rc == TIER_ENOTFOUND) {
        tier_history_free(h);
        return tier__pipeline_fail(p, rc, "%s: no such state file (tier run --state creates it)",
                                   path);
    } else if (rc) {
        const char *why = tier_history_last_error(h);
        tier__pipeline_fail(p, rc, "state %s: %s", path, *why ? why : tier_strerror(rc));
        tier_history_free(h);
        return rc;
    }
    *out = h;
    return TIER_OK;
}

int tier__pipeline_state_load(tier_pipeline *p, int create, tier_history **out)
{
    return load_file(p, p->state, create, out);
}

int tier__pipeline_history_load(tier_pipeline *p, const char *path, tier_history **out)
{
    return load_file(p, path, 0, out);
}

/* ---- a run with a state -------------------------------------------------------------------- */

int tier__pipeline_state_apply(tier_pipeline *p, tier__run *r, tier_history *h)
{
    tier_history_entry e;
    int rc;
    r->history = h;
    if (p->produce == TIER__PRODUCE_EXPLAIN && p->customer &&
        tier_history_entry_get(h, p->customer, 0, &e) == TIER_OK) {
        /* The tier before this run, for the explanation (the entry changes with the apply). */
        r->note = tier__strdup(&p->alloc, e.tier ? e.tier : "");
        if (!r->note)
            return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    }
    rc = tier_history_apply(h, r->result, r->book, r->policy);
    if (rc) {
        const char *why = tier_history_last_error(h);
        return tier__pipeline_fail(p, rc, "state %s: %s", p->state, *why ? why : tier_strerror(rc));
    }
    return tier__pipeline_state_count(p, r);
}

int tier__pipeline_state_count(tier_pipeline *p, tier__run *r)
{
    size_t lines = 0;
    int rc = tier_history_ledger_write(r->history, TIER_LEDGER_CSV, count_sink, &lines);
    if (rc)
        return tier__pipeline_fail(p, rc, "ledger: %s", tier_history_last_error(r->history));
    r->n_moves = lines ? lines - 1 : 0; /* the header line */
    return TIER_OK;
}

/* One ledger file in memory. */
typedef struct ledger_file {
    const char *suffix;
    tier__buf bytes;
} ledger_file;

static int put_bytes(void *ud, tier__io_put_fn put, void *put_ud)
{
    const tier__buf *b = ud;
    return put(put_ud, tier__buf_data(b), tier__buf_len(b)) ? TIER_EIO : TIER_OK;
}

/* The three ledger files, made in memory first (so that nothing is written when one cannot be
 * made), then each written atomically. */
static int write_ledger(tier_pipeline *p, tier__run *r)
{
    ledger_file f[3] = {{".csv", {0}}, {"-matrix.csv", {0}}, {".json", {0}}};
    char why[TIER__ERR_SIZE];
    tier__buf path;
    size_t i;
    int rc = TIER_OK;
    tier__buf_init(&path, &p->alloc);
    for (i = 0; i < 3; i++)
        tier__buf_init(&f[i].bytes, &p->alloc);
    for (i = 0; i < 3 && !rc; i++) {
        rc = i == 1 ? tier_history_matrix_write(r->history, buf_sink, &f[i].bytes)
                    : tier_history_ledger_write(r->history,
                                                i == 0 ? TIER_LEDGER_CSV : TIER_LEDGER_JSON,
                                                buf_sink, &f[i].bytes);
        if (rc == TIER_EUSER) /* our sink failed: out of memory */
            rc = TIER_ENOMEM;
        if (rc)
            tier__pipeline_fail(p, rc, "ledger: %s",
                                rc == TIER_ENOMEM ? "out of memory"
                                                  : tier_history_last_error(r->history));
    }
    for (i = 0; i < 3 && !rc; i++) {
        tier__buf_reset(&path);
        tier__buf_printf(&path, "%s%s", p->ledger, f[i].suffix);
        if (tier__buf_status(&path)) {
            rc = tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
            break;
        }
        rc = tier__io_write_atomic(&p->io, &p->alloc, tier__buf_data(&path), put_bytes, &f[i].bytes,
                                   why);
        if (rc)
            tier__pipeline_fail(p, rc, "cannot write the ledger: %s", why);
    }
    for (i = 0; i < 3; i++)
        tier__buf_free(&f[i].bytes);
    tier__buf_free(&path);
    return rc;
}

int tier__pipeline_state_commit(tier_pipeline *p, tier__run *r)
{
    int rc = TIER_OK;
    if (!r->history)
        return TIER_OK;
    if (p->ledger)
        rc = write_ledger(p, r);
    if (!rc) {
        rc = tier_history_save(r->history, p->state, &p->io);
        if (rc)
            tier__pipeline_fail(p, rc, "cannot save the state %s: %s", p->state,
                                tier_history_last_error(r->history));
    }
    return rc;
}

/* ---- explain ------------------------------------------------------------------------------- */

/* The customer's active override (after the run: expired ones are gone), or 0. */
static int find_override(const tier_history *h, const char *id, tier_override_entry *o)
{
    size_t i;
    for (i = 0; i < tier_history_override_count(h); i++)
        if (tier_history_override_get(h, i, o) == TIER_OK && strcmp(o->id, id) == 0)
            return 1;
    return 0;
}

int tier__pipeline_explain_history(tier_pipeline *p, const tier__run *r, int json, tier__buf *out)
{
    tier_history_entry e;
    tier_override_entry o;
    char since[16], moved[16], until[16], as_of[16];
    const char *before = r->note ? r->note : "";
    double dwell;
    int has_entry, has_override;
    if (!r->history)
        return TIER_OK;
    has_entry = tier_history_entry_get(r->history, p->customer, 0, &e) == TIER_OK;
    has_override = find_override(r->history, p->customer, &o);
    day_text(as_of, sizeof as_of, tier_history_as_of(r->history));
    if (has_entry) {
        day_text(since, sizeof since, e.since);
        day_text(moved, sizeof moved, e.moved);
        dwell = tier_history_as_of(r->history) - e.since;
    } else {
        since[0] = moved[0] = '\0';
        dwell = NAN;
    }
    if (has_override)
        day_text(until, sizeof until, o.expires);
    if (json) {
        /* `"history":{...}` goes in before the explanation's closing brace. */
        size_t n = tier__buf_len(out);
        const char *d = tier__buf_data(out);
        while (n && d[n - 1] != '}')
            n--;
        if (!n)
            return TIER_OK;
        tier__buf_truncate(out, n - 1);
        tier__buf_puts(out, ",\"history\":{\"state\":");
        put_json(out, p->state);
        tier__buf_printf(
            out, ",\"run\":%llu,\"as_of\":", (unsigned long long)tier_history_runs(r->history));
        put_json(out, as_of);
        tier__buf_puts(out, ",\"tier_before\":");
        put_json(out, before);
        if (has_entry) {
            tier__buf_puts(out, ",\"tier\":");
            put_json(out, e.tier ? e.tier : "");
            tier__buf_puts(out, ",\"since\":");
            put_json(out, since);
            tier__buf_printf(out, ",\"dwell_days\":%.0f,\"runs_in_tier\":%lu,\"failing\":%lu",
                             isfinite(dwell) ? dwell : 0.0, (unsigned long)e.runs,
                             (unsigned long)e.failing);
            tier__buf_puts(out, ",\"previous_tier\":");
            put_json(out, e.previous ? e.previous : "");
            tier__buf_puts(out, ",\"moved\":");
            if (moved[0])
                put_json(out, moved);
            else
                tier__buf_puts(out, "null");
            tier__buf_puts(out, ",\"last_move_reason\":");
            put_json(out, e.reason ? e.reason : "");
        }
        tier__buf_puts(out, ",\"override\":");
        if (has_override) {
            tier__buf_puts(out, "{\"tier\":");
            put_json(out, o.tier);
            tier__buf_puts(out, ",\"until\":");
            put_json(out, until);
            tier__buf_puts(out, ",\"reason\":");
            put_json(out, o.reason);
            tier__buf_puts(out, ",\"author\":");
            put_json(out, o.author);
            tier__buf_putc(out, '}');
        } else {
            tier__buf_puts(out, "null");
        }
        tier__buf_puts(out, "}}\n");
        return tier__buf_status(out);
    }
    tier__buf_printf(out, "history (state %s, run %llu as of %s):\n", p->state,
                     (unsigned long long)tier_history_runs(r->history), as_of);
    tier__buf_printf(out, "  before this run: %s\n",
                     *before ? before : "no tier (not in the state)");
    if (has_entry) {
        tier__buf_printf(out, "  tier: %s since %s (dwell %.0f days, %lu %s in the tier)\n",
                         e.tier && *e.tier ? e.tier : "none", since, isfinite(dwell) ? dwell : 0.0,
                         (unsigned long)e.runs, e.runs == 1 ? "run" : "runs");
        tier__buf_printf(out, "  failing: %lu consecutive %s its tier's rules failed\n",
                         (unsigned long)e.failing, e.failing == 1 ? "run" : "runs");
        if (moved[0])
            tier__buf_printf(out, "  last move: on %s, from %s: %s\n", moved,
                             e.previous && *e.previous ? e.previous : "no tier",
                             e.reason && *e.reason ? e.reason : "-");
        else
            tier__buf_printf(out, "  last move: none (%s)\n",
                             e.reason && *e.reason ? e.reason : "in this tier from the start");
    }
    if (has_override)
        tier__buf_printf(out, "  override: %s until %s (%s, by %s)\n", o.tier, until, o.reason,
                         o.author);
    else
        tier__buf_puts(out, "  override: none\n");
    return tier__buf_status(out);
}

/* ---- override runs ------------------------------------------------------------------------- */

static int list_overrides(tier_pipeline *p, const tier_history *h)
{
    tier__buf b;
    tier_override_entry o;
    char until[16], created[16];
    size_t i;
    int rc;
    tier__buf_init(&b, &p->alloc);
    tier__buf_puts(&b, "customer_id,tier,until,reason,author,created\n");
    for (i = 0; i < tier_history_override_count(h); i++) {
        if (tier_history_override_get(h, i, &o) != TIER_OK)
            continue;
        day_text(until, sizeof until, o.expires);
        day_text(created, sizeof created, o.created);
        put_csv(&b, o.id);
        tier__buf_putc(&b, ',');
        put_csv(&b, o.tier);
        tier__buf_printf(&b, ",%s,", until);
        put_csv(&b, o.reason);
        tier__buf_putc(&b, ',');
        put_csv(&b, o.author);
        tier__buf_printf(&b, ",%s\n", created);
    }
    rc = tier__buf_status(&b);
    if (rc)
        rc = tier__pipeline_fail(p, rc, "out of memory");
    else if (p->write_cb && p->write_cb(p->write_ud, tier__buf_data(&b), tier__buf_len(&b)) != 0)
        rc = tier__pipeline_fail(p, TIER_EUSER, "cannot write the output");
    else
        rc = tier__pipeline_report(p, TIER_PIPELINE_STAGE_WRITE, tier__buf_len(&b), 0);
    tier__buf_free(&b);
    return rc;
}

/* The run's summary line. */
static int note(tier_pipeline *p, tier__run *r, const char *fmt, ...) TIER__PRINTF(3, 4);
static int note(tier_pipeline *p, tier__run *r, const char *fmt, ...)
{
    tier__buf b;
    va_list ap;
    tier__buf_init(&b, &p->alloc);
    va_start(ap, fmt);
    tier__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    r->note = tier__buf_take(&b, NULL);
    tier__buf_free(&b);
    return r->note ? TIER_OK : tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
}

static int add_override(tier_pipeline *p, tier__run *r, tier_history *h)
{
    char until[16], last[16];
    double as_of = tier_history_as_of(h);
    size_t n;
    int rc;
    day_text(until, sizeof until, p->until);
    if (isfinite(as_of) && (double)p->until <= as_of) {
        char b[64];
        day_text(last, sizeof last, as_of);
        return tier__pipeline_fail(p, TIER_EINVAL,
                                   "%s %s is not after the state's last run (as of %s): the "
                                   "override would never apply",
                                   tier__pipeline_label(p, "override_until", b), until, last);
    }
    rc = tier_history_override_add(h, p->customer, p->override_tier, p->override_reason,
                                   p->override_author, (double)p->until);
    if (rc)
        return tier__pipeline_fail(p, rc, "override: %s",
                                   *tier_history_last_error(h) ? tier_history_last_error(h)
                                                               : tier_strerror(rc));
    n = tier_history_override_count(h);
    return note(p, r, "override of %s: %s until %s (%zu %s in %s)", p->customer, p->override_tier,
                until, n, n == 1 ? "override" : "overrides", p->state);
}

static int remove_override(tier_pipeline *p, tier__run *r, tier_history *h)
{
    size_t n;
    int rc = tier_history_override_remove(h, p->customer);
    if (rc == TIER_ENOTFOUND)
        return tier__pipeline_fail(p, rc, "customer %s has no override in %s", p->customer,
                                   p->state);
    if (rc)
        return tier__pipeline_fail(p, rc, "override: %s", tier_history_last_error(h));
    n = tier_history_override_count(h);
    return note(p, r, "override of %s removed (%zu %s left in %s)", p->customer, n,
                n == 1 ? "override" : "overrides", p->state);
}

int tier__pipeline_overrides(tier_pipeline *p, tier__run *r)
{
    tier_history *h = NULL;
    int rc = tier__pipeline_state_load(p, p->produce == TIER__PRODUCE_OVERRIDE_ADD, &h);
    if (rc)
        return rc;
    if (p->produce == TIER__PRODUCE_OVERRIDE_LIST) {
        /* The summary is made first: a run that fails writes nothing. */
        size_t n = tier_history_override_count(h);
        rc = note(p, r, "%zu %s in %s", n, n == 1 ? "override" : "overrides", p->state);
        if (!rc)
            rc = list_overrides(p, h);
    } else {
        rc = p->produce == TIER__PRODUCE_OVERRIDE_ADD ? add_override(p, r, h)
                                                      : remove_override(p, r, h);
        if (!rc) {
            rc = tier_history_save(h, p->state, &p->io);
            if (rc)
                tier__pipeline_fail(p, rc, "cannot save the state %s: %s", p->state,
                                    tier_history_last_error(h));
        }
    }
    tier_history_free(h);
    return rc;
}
