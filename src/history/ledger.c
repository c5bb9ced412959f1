/* SPDX-License-Identifier: MIT */
/* Writing the ledger of the last run applied (docs/history.md, "The ledger"): the moves as CSV,
 * the from->to matrix as CSV, everything as one JSON object. Texts are encoded by the result
 * writer's encoders (policy/result_internal.h); numbers by util/numtext. The whole text is built
 * first, so the callback sees it only when it is complete. */
#include <math.h>
#include <string.h>

#include "history/history_internal.h"
#include "policy/result_internal.h"
#include "util/buf.h"
#include "util/numtext.h"

static const char *const codes[] = {"",    "new",     "gone",     "rule",
                                    "cap", "release", "override", "override_expired"};

static void sink(void *ctx, const char *s, size_t n)
{
    tier__buf_append(ctx, s, n);
}

static const char *code_name(int code)
{
    return code >= 1 && code <= TIER__MOVE_OVERRIDE_EXPIRED ? codes[code] : "";
}

static const char *tier_name(const tier_history *h, int32_t t)
{
    return t >= 0 && (size_t)t < h->n_tiers ? h->tiers[t] : "";
}

static void csv(tier__buf *b, const char *s)
{
    tier__csv_field(sink, b, s, strlen(s));
}

static void json(tier__buf *b, const char *s)
{
    tier__json_string(sink, b, s, strlen(s));
}

/* A member after the first of a JSON object: "key" and the text. */
static void json_member(tier__buf *b, const char *key, const char *s)
{
    tier__buf_printf(b, ",\"%s\":", key);
    json(b, s);
}

/* A tier by its index as JSON: its name, or null for none (t < 0). */
static void json_tier(tier__buf *b, const tier_history *h, int32_t t)
{
    if (t >= 0)
        json(b, tier_name(h, t));
    else
        tier__buf_puts(b, "null");
}

static void number(tier__buf *b, double v)
{
    if (isfinite(v))
        tier__buf_number(b, v, TIER__NUM_SHORT_EXP);
    else
        tier__buf_puts(b, "null");
}

static void day(tier__buf *b, int32_t d, int quoted)
{
    char text[16];
    if (tier_date_format_iso(text, sizeof text, d) != TIER_OK) {
        tier__buf_puts(b, quoted ? "null" : "");
        return;
    }
    if (quoted)
        tier__buf_putc(b, '"');
    tier__buf_puts(b, text);
    if (quoted)
        tier__buf_putc(b, '"');
}

static void moves_csv(const tier_history *h, tier__buf *b)
{
    size_t i;
    tier__buf_puts(b, "customer_id,from,to,code,detail\n");
    for (i = 0; i < h->n_moves; i++) {
        const tier__hmove *m = &h->moves[i];
        csv(b, m->id);
        tier__buf_putc(b, ',');
        csv(b, tier_name(h, m->from));
        tier__buf_putc(b, ',');
        csv(b, tier_name(h, m->to));
        tier__buf_putc(b, ',');
        tier__buf_puts(b, code_name(m->code));
        tier__buf_putc(b, ',');
        csv(b, m->detail ? m->detail : "");
        tier__buf_putc(b, '\n');
    }
}

/* The cells of the matrix that hold customers, from-major in the state's tier order with "none"
 * (no tier) first. Calls cell(b, from, to, customers, revenue) for each. */
static void cells(const tier_history *h, tier__buf *b, int json_form)
{
    size_t f, t, w = h->n_tiers + 1, k = 0;
    if (!h->matrix_count)
        return;
    for (f = 0; f < w; f++)
        for (t = 0; t < w; t++) {
            uint64_t n = h->matrix_count[f * w + t];
            if (!n)
                continue;
            if (json_form) {
                tier__buf_puts(b, k++ ? ",\n    {\"from\":" : "\n    {\"from\":");
                json_tier(b, h, (int32_t)f - 1);
                tier__buf_puts(b, ",\"to\":");
                json_tier(b, h, (int32_t)t - 1);
                tier__buf_printf(b, ",\"customers\":%llu,\"revenue\":", (unsigned long long)n);
                number(b, h->matrix_revenue[f * w + t]);
                tier__buf_putc(b, '}');
            } else {
                csv(b, f ? h->tiers[f - 1] : "");
                tier__buf_putc(b, ',');
                csv(b, t ? h->tiers[t - 1] : "");
                tier__buf_printf(b, ",%llu,", (unsigned long long)n);
                number(b, h->matrix_revenue[f * w + t]);
                tier__buf_putc(b, '\n');
            }
        }
}

static void override_json(tier__buf *b, const tier__hoverride *o)
{
    tier__buf_puts(b, "{\"customer_id\":");
    json(b, o->id);
    json_member(b, "tier", o->tier);
    json_member(b, "reason", o->reason);
    json_member(b, "author", o->author);
    tier__buf_puts(b, ",\"expires\":");
    day(b, o->expires, 1);
    tier__buf_puts(b, ",\"created\":");
    if (o->created == INT32_MIN)
        tier__buf_puts(b, "null");
    else
        day(b, o->created, 1);
    tier__buf_putc(b, '}');
}

static void ledger_json(const tier_history *h, tier__buf *b)
{
    size_t i;
    tier__buf_printf(b, "{\"run\":%llu,\"as_of\":", (unsigned long long)h->runs);
    day(b, h->as_of, 1);
    tier__buf_puts(b, ",\"policy\":");
    json(b, h->policy_name ? h->policy_name : "");
    tier__buf_printf(b, ",\"policy_hash\":\"%08lx\",\n  \"matrix\":[",
                     (unsigned long)h->policy_hash);
    cells(h, b, 1);
    tier__buf_puts(b, "],\n  \"moves\":[");
    for (i = 0; i < h->n_moves; i++) {
        const tier__hmove *m = &h->moves[i];
        tier__buf_puts(b, i ? ",\n    {\"customer_id\":" : "\n    {\"customer_id\":");
        json(b, m->id);
        tier__buf_puts(b, ",\"from\":");
        json_tier(b, h, m->from);
        tier__buf_puts(b, ",\"to\":");
        json_tier(b, h, m->to);
        tier__buf_printf(b, ",\"code\":\"%s\",\"detail\":", code_name(m->code));
        json(b, m->detail ? m->detail : "");
        tier__buf_putc(b, '}');
    }
    tier__buf_puts(b, "],\n  \"expired\":[");
    for (i = 0; i < h->n_expired; i++) {
        tier__buf_puts(b, i ? ",\n    " : "\n    ");
        override_json(b, &h->expired[i]);
    }
    tier__buf_puts(b, "]}\n");
}

/* Hands the built text to the callback. */
static int deliver(tier_history *h, tier__buf *b, tier_write_cb cb, void *ud)
{
    int rc = tier__buf_status(b);
    if (rc) {
        tier__buf_free(b);
        tier__errorf(h->err, "out of memory writing the ledger");
        return TIER_ENOMEM;
    }
    rc = cb(ud, tier__buf_data(b), tier__buf_len(b)) ? TIER_EUSER : TIER_OK;
    tier__buf_free(b);
    if (rc)
        tier__errorf(h->err, "the output callback stopped the write");
    return rc;
}

static int check(const tier_history *history, tier_write_cb cb)
{
    char *err = (char *)history->err; /* the error text is the only thing a const call changes */
    if (!cb) {
        tier__errorf(err, "the output callback is NULL");
        return TIER_EINVAL;
    }
    if (!history->runs || !history->has_as_of) {
        tier__errorf(err, "no ledger: the history has no run applied");
        return TIER_ESTATE;
    }
    return TIER_OK;
}

int tier_history_ledger_write(const tier_history *history, int format, tier_write_cb cb, void *ud)
{
    tier__buf b;
    int rc;
    if (!history)
        return TIER_EINVAL;
    if (format != TIER_LEDGER_CSV && format != TIER_LEDGER_JSON) {
        tier__errorf((char *)history->err, "unknown ledger format %d", format);
        return TIER_EINVAL;
    }
    if ((rc = check(history, cb)) != TIER_OK)
        return rc;
    tier__buf_init(&b, &history->alloc);
    if (format == TIER_LEDGER_CSV)
        moves_csv(history, &b);
    else
        ledger_json(history, &b);
    return deliver((tier_history *)history, &b, cb, ud);
}

int tier_history_matrix_write(const tier_history *history, tier_write_cb cb, void *ud)
{
    tier__buf b;
    int rc;
    if (!history)
        return TIER_EINVAL;
    if ((rc = check(history, cb)) != TIER_OK)
        return rc;
    tier__buf_init(&b, &history->alloc);
    tier__buf_puts(&b, "from,to,customers,revenue\n");
    cells(history, &b, 0);
    return deliver((tier_history *)history, &b, cb, ud);
}
