/* SPDX-License-Identifier: MIT */
/* The decision of one customer's final tier (docs/history.md): override, new, same, promotion,
 * demotion held by dwell, demote when and demote after. Shared by tier_history_apply (apply.c)
 * and incremental re-tiering (retier.c), which decides as the next run would. */
#include <string.h>

#include "history/history_internal.h"
#include "policy/lang/ast.h"
#include "util/buf.h"

static void put_day(tier__buf *b, int32_t day)
{
    char text[16];
    if (tier_date_format_iso(text, sizeof text, day) == TIER_OK)
        tier__buf_puts(b, text);
    else
        tier__buf_printf(b, "day %ld", (long)day);
}

static const char *tier_of(const tier__hdecide *R, int32_t t)
{
    return t >= 0 && (size_t)t < R->nt ? R->names[t] : "";
}

static int32_t mapped(const tier__hdecide *R, int32_t old)
{
    return old >= 0 && (size_t)old < R->n_old ? R->map[old] : -1;
}

static const tier__hoverride *find_override(const tier__hoverride *v, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v[mid].id, id);
        if (c == 0)
            return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void override_text(tier__buf *b, const char *lead, const tier__hoverride *o)
{
    tier__buf_printf(b, "%s: %s (%s, until ", lead, o->reason, o->author);
    put_day(b, o->expires);
    tier__buf_putc(b, ')');
}

/* What happened to a customer whose placement falls below its previous tier. */
enum { D_IMMEDIATE = 0, D_HELD, D_RELEASED };

/* The placed tier's reason after "placed in ": "A: rule" or "no tier". */
static void placed_text(tier__buf *b, const tier__hdecide *R, int32_t placed, const char *why)
{
    if (placed < 0)
        tier__buf_puts(b, "placed in no tier");
    else
        tier__buf_printf(b, "placed in %s: %s", tier_of(R, placed), why);
}

static const char *or_none(const char *why)
{
    return *why ? why : "no rule holds";
}

/* Hysteresis of tier `prev` (of the policy) for a customer placed in `placed` (later, or none):
 * held, released, or demoted at once; the final reason goes to R->b. */
static int demotion(const tier__hdecide *R, tier__buf *b, const tier__hentry *p, int32_t prev,
                    int32_t placed, const char *why, uint32_t *failing)
{
    const tier__ptier *t = &R->pol->tiers[prev];
    const tier__phold *hold = &t->hold;
    uint32_t f = p->failing < UINT32_MAX ? p->failing + 1 : UINT32_MAX;
    int64_t inside = (int64_t)R->as_of - (int64_t)p->since;
    *failing = 0;
    if (hold->dwell_days && inside < hold->dwell_days) {
        tier__buf_printf(b, "held in %s: minimum dwell of %d day%s (since ", t->name,
                         hold->dwell_days, hold->dwell_days == 1 ? "" : "s");
        put_day(b, p->since);
        tier__buf_putc(b, ')');
        *failing = f;
        return D_HELD;
    }
    if (hold->when && R->demote(R->demote_ud, (size_t)prev) == 1) {
        tier__buf_printf(b, "released from %s: ", t->name);
        tier__pexpr_describe(hold->when, b);
        tier__buf_puts(b, " holds");
        return D_RELEASED;
    }
    if (hold->after_runs && f >= (uint32_t)hold->after_runs) {
        tier__buf_printf(b, "released from %s after %d failed run%s: %s", t->name, hold->after_runs,
                         hold->after_runs == 1 ? "" : "s", or_none(why));
        return D_RELEASED;
    }
    if (hold->after_runs) {
        tier__buf_printf(b, "held in %s: its rules failed %lu of %d runs (", t->name,
                         (unsigned long)f, hold->after_runs);
        placed_text(b, R, placed, why);
        tier__buf_putc(b, ')');
        *failing = f;
        return D_HELD;
    }
    if (hold->when) {
        tier__buf_printf(b, "held in %s: ", t->name);
        tier__pexpr_describe(hold->when, b);
        tier__buf_puts(b, " does not hold (");
        placed_text(b, R, placed, why);
        tier__buf_putc(b, ')');
        *failing = f;
        return D_HELD;
    }
    if (hold->dwell_days && p->failing > 0) {
        tier__buf_printf(b, "released from %s after the minimum dwell of %d day%s: %s", t->name,
                         hold->dwell_days, hold->dwell_days == 1 ? "" : "s", or_none(why));
        return D_RELEASED;
    }
    tier__buf_puts(b, why);
    return D_IMMEDIATE;
}

int tier__history_decide(const tier__hdecide *R, const char *id, const tier__hentry *p,
                         int32_t placed, const char *why, const char *cap, tier__buf *b,
                         tier__buf *d, tier__hchoice *out)
{
    const int32_t prev = p ? mapped(R, p->tier) : -1; /* in the new state's tiers */
    const tier__hoverride *o = find_override(R->overrides, R->n_overrides, id);
    const tier__hoverride *x = find_override(R->expired, R->n_expired, id);
    int32_t fin = placed, code = 0;
    uint32_t failing = 0;
    int held = 0;
    tier__buf_reset(b);
    tier__buf_reset(d);
    if (o) {
        size_t t;
        for (t = 0; t < R->npol && strcmp(R->pol->tiers[t].name, o->tier) != 0; t++)
            ;
        if (t == R->npol) {
            char shown[80];
            tier__errorf(R->err,
                         "the override of customer %s pins tier '%s', which the policy does not "
                         "have: remove or replace the override",
                         tier__quote_text(shown, sizeof shown, id, strlen(id)), o->tier);
            return TIER_EINVAL;
        }
        fin = (int32_t)t;
        override_text(b, "override", o);
        code = TIER__MOVE_OVERRIDE;
        tier__buf_puts(d, tier__buf_data(b));
    } else if (x && p && prev >= 0 && strcmp(tier_of(R, prev), x->tier) == 0) {
        /* The override that pinned it ended: the policy places it at once (the pin, not its
         * rules, kept it in that tier, so no hysteresis holds it there). */
        tier__buf_puts(b, why);
        code = TIER__MOVE_OVERRIDE_EXPIRED;
        override_text(d, "override expired", x);
    } else if (!p) {
        tier__buf_puts(b, why);
        code = TIER__MOVE_NEW;
        tier__buf_puts(d, or_none(why));
    } else if (placed >= 0 && placed == prev) {
        tier__buf_puts(b, why);
    } else if (prev >= 0 && (size_t)prev < R->npol && (placed < 0 || placed > prev)) {
        int how = demotion(R, b, p, prev, placed, why, &failing);
        if (how == D_HELD) {
            fin = prev;
            held = 1;
        }
        code = how == D_RELEASED ? TIER__MOVE_RELEASE : cap ? TIER__MOVE_CAP : TIER__MOVE_RULE;
        tier__buf_puts(d, how == D_RELEASED ? tier__buf_data(b) : cap ? cap : or_none(why));
    } else {
        /* A promotion, a first tier, or a previous tier the policy no longer has: at once. */
        tier__buf_puts(b, why);
        code = cap ? TIER__MOVE_CAP : TIER__MOVE_RULE;
        tier__buf_puts(d, cap ? cap : or_none(why));
    }
    if (tier__buf_status(b) || tier__buf_status(d)) {
        tier__errorf(R->err, "out of memory writing a reason");
        return TIER_ENOMEM;
    }
    out->fin = fin;
    out->prev = prev;
    out->code = code;
    out->failing = failing;
    out->held = held;
    return TIER_OK;
}
