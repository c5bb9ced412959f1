/* SPDX-License-Identifier: MIT */
/* The built-in lifecycle model, made through the public model vtable: stages from tenure,
 * inactivity, the spend trend between two windows and (when present) P(alive), plus onboarding
 * progress from two attributes. One classify function serves scoring and explaining, so an
 * explanation always names the rule that produced the stage. docs/lifecycle.md has the rules. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "core/model_internal.h"
#include "models/model_common.h"
#include "models/options.h"

#define LC_MAX_DAYS 36500.0
#define LC_OPT_COUNT 15 /* number options are 1..14; slot 0 unused */

/* The number options, indexes of lc_state.opt. */
enum {
    LC_OPT_AS_OF = 1,
    LC_OPT_RECENT_WINDOW,
    LC_OPT_PREVIOUS_WINDOW,
    LC_OPT_TREND_EPSILON,
    LC_OPT_CHURN_DAYS,
    LC_OPT_CHURN_P_ALIVE,
    LC_OPT_DORMANT_DAYS,
    LC_OPT_NEW_DAYS,
    LC_OPT_GROWTH_TREND,
    LC_OPT_DECLINE_TREND,
    LC_OPT_DECLINE_P_ALIVE,
    LC_OPT_ROLLOUT_PROGRESS,
    LC_OPT_STABLE_PROGRESS,
    LC_OPT_STABLE_USERS
};
#define LC_NO_DAY INT32_MIN

enum { OUT_STAGE, OUT_ONBOARDING, OUT_TREND, OUT_INACTIVE, OUT_TENURE, OUT_COUNT };

static const char *const stage_labels[6] = {"new",       "growing", "mature",
                                            "declining", "dormant", "churned"};
static const char *const onboarding_labels[4] = {"handover", "internal_rollout", "stable_use",
                                                 "none"};

/* Bounds per option: [lo, hi], whole days or not, NaN allowed or not (as_of), and the name used in
 * messages. */
static const tier__opt_rule opt_rules[LC_OPT_COUNT] = {
    {0, 0, 0, 0, 0, ""},
    {TIER_DAY_MIN, TIER_DAY_MAX, NAN, 1, 1, "as_of"},
    {1, LC_MAX_DAYS, 180, 1, 0, "recent_window"},
    {1, LC_MAX_DAYS, 180, 1, 0, "previous_window"},
    {0, 1e12, 1, 0, 0, "trend_epsilon"}, /* lower bound exclusive */
    {0, LC_MAX_DAYS, 365, 1, 0, "churn_days"},
    {0, 1, 0.1, 0, 0, "churn_p_alive"},
    {0, LC_MAX_DAYS, 180, 1, 0, "dormant_days"},
    {0, LC_MAX_DAYS, 90, 1, 0, "new_days"},
    {-1e6, 1e6, 0.2, 0, 0, "growth_trend"},
    {-1e6, 1e6, -0.2, 0, 0, "decline_trend"},
    {0, 1, 0.5, 0, 0, "decline_p_alive"},
    {0, 1, 0.5, 0, 0, "rollout_progress"},
    {0, 1, 0.9, 0, 0, "stable_progress"},
    {0, 1, 0.6, 0, 0, "stable_users"}};

/* Why a stage was chosen, in the order the rules are tried. */
enum {
    RULE_NO_PURCHASE,
    RULE_CHURN_INACTIVE,
    RULE_CHURN_P_ALIVE,
    RULE_DORMANT,
    RULE_NEW,
    RULE_DECLINE_TREND,
    RULE_DECLINE_P_ALIVE,
    RULE_GROWING,
    RULE_MATURE,
    RULE_COUNT
};

/* The inputs a rule compares (members of lc_inputs). */
enum { IN_NONE, IN_TENURE, IN_INACTIVE, IN_TREND, IN_P_ALIVE };

/* One rule: the stage it gives and, for every rule between "no purchase" and "mature", the
 * comparison "input > option" (above) or "input < option" that makes it hold, with the
 * explanation's text of it (printf of the input and the option's value). */
typedef struct lc_rule {
    int stage;
    int input, above, option;
    const char *text;
} lc_rule;

static const lc_rule lc_rules[RULE_COUNT] = {
    {TIER_LIFECYCLE_NEW, IN_NONE, 0, 0, NULL},
    {TIER_LIFECYCLE_CHURNED, IN_INACTIVE, 1, LC_OPT_CHURN_DAYS,
     "inactive %.0f days > churn_days %.0f (rule 2: churned)"},
    {TIER_LIFECYCLE_CHURNED, IN_P_ALIVE, 0, LC_OPT_CHURN_P_ALIVE,
     "P(alive) %.3f < churn_p_alive %g (rule 2: churned)"},
    {TIER_LIFECYCLE_DORMANT, IN_INACTIVE, 1, LC_OPT_DORMANT_DAYS,
     "inactive %.0f days > dormant_days %.0f (rule 3: dormant)"},
    {TIER_LIFECYCLE_NEW, IN_TENURE, 0, LC_OPT_NEW_DAYS,
     "first purchase %.0f days ago < new_days %.0f (rule 4: new)"},
    {TIER_LIFECYCLE_DECLINING, IN_TREND, 0, LC_OPT_DECLINE_TREND,
     "spend trend %+.3f < decline_trend %g (rule 5: declining)"},
    /* the early warning wins over a growing trend */
    {TIER_LIFECYCLE_DECLINING, IN_P_ALIVE, 0, LC_OPT_DECLINE_P_ALIVE,
     "P(alive) %.3f < decline_p_alive %g (rule 5: declining)"},
    {TIER_LIFECYCLE_GROWING, IN_TREND, 1, LC_OPT_GROWTH_TREND,
     "spend trend %+.3f > growth_trend %g (rule 6: growing)"},
    {TIER_LIFECYCLE_MATURE, IN_NONE, 0, 0, NULL}};

typedef struct lc_state {
    tier__model_head h; /* allocator and last error: first, for the shared callbacks */
    char *name;         /* model name, to find its columns when explaining */
    double opt[LC_OPT_COUNT];
    char *p_alive_col; /* NULL: P(alive) not used */
    char *attr[2];     /* progress, users */
} lc_state;

/* What the rules look at for one customer. */
typedef struct lc_inputs {
    int has_purchase;
    double tenure, inactive, trend, p_alive;
} lc_inputs;

static const tier_model_output tier__lc_outputs[OUT_COUNT] = {{"stage", TIER_VALUE_LABEL},
                                                              {"onboarding", TIER_VALUE_LABEL},
                                                              {"trend", TIER_VALUE_NUMBER},
                                                              {"inactive_days", TIER_VALUE_NUMBER},
                                                              {"tenure_days", TIER_VALUE_NUMBER}};

/* The number options in the order of opt_rules (entry k - 1 is option k), then the texts. */
static const tier_model_option tier__lc_options[] = {
    {"as_of", TIER_OPTION_NUMBER,
     "as-of day number; nan (default): the day after the book's last transaction", 0},
    {"recent_window", TIER_OPTION_NUMBER, "days of the recent spend window, 1..36500 (default 180)",
     0},
    {"previous_window", TIER_OPTION_NUMBER, "days of the window before it, 1..36500 (default 180)",
     0},
    {"trend_epsilon", TIER_OPTION_NUMBER,
     "smallest denominator of the trend in currency units, (0, 1e12] (default 1)", 0},
    {"churn_days", TIER_OPTION_NUMBER,
     "churned when inactive for more days than this, 0..36500 (default 365)", 0},
    {"churn_p_alive", TIER_OPTION_NUMBER,
     "churned when P(alive) is below this, [0, 1] (default 0.1)", 0},
    {"dormant_days", TIER_OPTION_NUMBER,
     "dormant when inactive for more days than this, 0..churn_days (default 180)", 0},
    {"new_days", TIER_OPTION_NUMBER,
     "new while the first purchase is fewer days ago than this, 0..36500 (default 90)", 0},
    {"growth_trend", TIER_OPTION_NUMBER, "growing when the trend is above this (default 0.2)", 0},
    {"decline_trend", TIER_OPTION_NUMBER,
     "declining when the trend is below this, below growth_trend (default -0.2)", 0},
    {"decline_p_alive", TIER_OPTION_NUMBER,
     "declining when P(alive) is below this, [churn_p_alive, 1] (default 0.5)", 0},
    {"rollout_progress", TIER_OPTION_NUMBER,
     "onboarding: handover while progress is below this, [0, 1] (default 0.5)", 0},
    {"stable_progress", TIER_OPTION_NUMBER,
     "onboarding: stable use needs at least this progress, [rollout_progress, 1] (default 0.9)", 0},
    {"stable_users", TIER_OPTION_NUMBER,
     "onboarding: stable use needs at least this share of active users, [0, 1] (default 0.6)", 0},
    {"p_alive_column", TIER_OPTION_TEXT,
     "input column read for P(alive) when present (default \"clv.p_alive\"; \"\": not used)", 0},
    {"progress_attribute", TIER_OPTION_TEXT,
     "number attribute of implementation progress (default \"implementation_progress\")", 0},
    {"users_attribute", TIER_OPTION_TEXT,
     "number attribute of the share of active users (default \"active_users_share\")", 0},
};

#define N_OPTIONS (sizeof tier__lc_options / sizeof tier__lc_options[0])

/* ---- rules -------------------------------------------------------------------------------- */

static double rule_input(const lc_inputs *in, int input)
{
    switch (input) {
    case IN_TENURE:
        return in->tenure;
    case IN_INACTIVE:
        return in->inactive;
    case IN_TREND:
        return in->trend;
    default:
        return in->p_alive;
    }
}

/* The stage of a customer and (rule != NULL) the rule that gave it: the first that holds. NaN
 * compares false, so a missing P(alive) or trend never makes its rule hold. */
static int classify(const double *opt, const lc_inputs *in, int *rule)
{
    int r = RULE_NO_PURCHASE;
    if (in->has_purchase) {
        for (r = RULE_NO_PURCHASE + 1; r < RULE_MATURE; r++) {
            const lc_rule *k = &lc_rules[r];
            double x = rule_input(in, k->input);
            if (k->above ? x > opt[k->option] : x < opt[k->option])
                break;
        }
    }
    if (rule)
        *rule = r;
    return lc_rules[r].stage;
}

/* NaN comparisons are false: a missing active-user share never makes use stable. */
static int onboarding_of(const double *opt, double progress, double users)
{
    if (isnan(progress))
        return TIER_LIFECYCLE_ONBOARDING_NONE;
    if (progress < opt[LC_OPT_ROLLOUT_PROGRESS])
        return TIER_LIFECYCLE_HANDOVER;
    if (progress >= opt[LC_OPT_STABLE_PROGRESS] && users >= opt[LC_OPT_STABLE_USERS])
        return TIER_LIFECYCLE_STABLE_USE;
    return TIER_LIFECYCLE_INTERNAL_ROLLOUT;
}

static double attribute(const tier_book *book, size_t i, const char *name)
{
    double v;
    return tier_book_get_number(book, i, name, &v) == TIER_OK ? v : NAN;
}

static int check_options(const double *o, char *err)
{
    if (o[LC_OPT_DORMANT_DAYS] > o[LC_OPT_CHURN_DAYS]) {
        tier__errorf(err, "dormant_days (%g) must not exceed churn_days (%g)",
                     o[LC_OPT_DORMANT_DAYS], o[LC_OPT_CHURN_DAYS]);
        return TIER_EINVAL;
    }
    if (!(o[LC_OPT_DECLINE_TREND] < o[LC_OPT_GROWTH_TREND])) {
        tier__errorf(err, "decline_trend (%g) must be below growth_trend (%g)",
                     o[LC_OPT_DECLINE_TREND], o[LC_OPT_GROWTH_TREND]);
        return TIER_EINVAL;
    }
    if (o[LC_OPT_CHURN_P_ALIVE] > o[LC_OPT_DECLINE_P_ALIVE]) {
        tier__errorf(err, "churn_p_alive (%g) must not exceed decline_p_alive (%g)",
                     o[LC_OPT_CHURN_P_ALIVE], o[LC_OPT_DECLINE_P_ALIVE]);
        return TIER_EINVAL;
    }
    if (o[LC_OPT_ROLLOUT_PROGRESS] > o[LC_OPT_STABLE_PROGRESS]) {
        tier__errorf(err, "rollout_progress (%g) must not exceed stable_progress (%g)",
                     o[LC_OPT_ROLLOUT_PROGRESS], o[LC_OPT_STABLE_PROGRESS]);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

static int32_t day_minus(int32_t day, double days)
{
    double d = (double)day - days;
    return d < (double)INT32_MIN ? INT32_MIN : (int32_t)d;
}

/* The P(alive) column of the frame: NULL when unused or absent; TIER_EINVAL for a label column. */
static int p_alive_values(const lc_state *st, const tier_frame *frame, const double **out,
                          char *err)
{
    size_t col;
    *out = NULL;
    if (!st->p_alive_col || tier_frame_find(frame, st->p_alive_col, &col) != TIER_OK)
        return TIER_OK;
    *out = tier_frame_numbers(frame, col);
    if (!*out) {
        tier__errorf(err, "P(alive) column \"%s\" is not a number column", st->p_alive_col);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* ---- vtable ------------------------------------------------------------------------------- */

static int tier__lc_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    lc_state *st = state;
    const double *p;
    int rc;
    (void)book;
    /* Nothing to learn: the thresholds are options. */
    if ((rc = check_options(st->opt, st->h.err)) != TIER_OK)
        return rc;
    if (inputs && (rc = p_alive_values(st, inputs, &p, st->h.err)) != TIER_OK)
        return rc;
    st->h.err[0] = '\0';
    return TIER_OK;
}

/* What one customer's outputs are computed from: its first and last purchase before the as-of
 * day d (LC_NO_DAY: none) and its net amounts in the recent and the previous window. */
typedef struct lc_figures {
    int32_t first_day, last_day;
    int64_t recent, previous;
} lc_figures;

/* The days of the windows: [*from, d) recent, [*prev_from, *from) previous. */
static void lc_windows(const double *o, int32_t d, int32_t *from, int32_t *prev_from)
{
    *from = day_minus(d, o[LC_OPT_RECENT_WINDOW]);
    *prev_from = day_minus(*from, o[LC_OPT_PREVIOUS_WINDOW]);
}

/* One customer's outputs (v[OUT_TREND..OUT_COUNT), stage and onboarding codes) from its figures
 * (NULL: no as-of day, so no purchase counts), P(alive) and attributes: the one computation of
 * score and score_row. */
static void lc_row(const lc_state *st, int32_t d, const lc_figures *g, double p_alive,
                   double progress, double users, double *v, int *stage, int *onboarding)
{
    const double *o = st->opt;
    lc_inputs in;
    v[OUT_TREND] = v[OUT_INACTIVE] = v[OUT_TENURE] = NAN;
    if (g && g->first_day != LC_NO_DAY) {
        double prev = tier__fixed_to_double(g->previous), eps = o[LC_OPT_TREND_EPSILON], diff;
        int64_t d64;
        v[OUT_TENURE] = (double)d - (double)g->first_day;
        v[OUT_INACTIVE] = (double)d - (double)g->last_day;
        /* recent - previous exactly in fixed point (so 120 vs 100 gives exactly 0.2), in
         * doubles only if that would overflow. */
        if (g->previous != INT64_MIN && tier__add_i64(g->recent, -g->previous, &d64) == TIER_OK)
            diff = tier__fixed_to_double(d64);
        else
            diff = tier__fixed_to_double(g->recent) - prev;
        v[OUT_TREND] = diff / (prev > eps ? prev : eps);
    }
    in.has_purchase = !isnan(v[OUT_TENURE]);
    in.tenure = v[OUT_TENURE];
    in.inactive = v[OUT_INACTIVE];
    in.trend = v[OUT_TREND];
    in.p_alive = p_alive;
    *stage = classify(o, &in, NULL);
    *onboarding = onboarding_of(o, progress, users);
}

static int windows_failed(int rc, const char *why, char *err)
{
    tier__errorf(err, "cannot compute the lifecycle windows: %s", why[0] ? why : tier_strerror(rc));
    return rc;
}

static int tier__lc_score(void *state, const tier_book *book, tier_frame *frame)
{
    const lc_state *st = state;
    const double *o = st->opt, *p_alive;
    char *err = tier__frame_error(frame), why[TIER__ERR_SIZE];
    double *out[OUT_COUNT];
    int32_t *stage, *onboarding, d = 0, from, prev_from;
    tier__figures *fig = NULL;
    lc_figures *g = NULL;
    size_t n = tier_book_customer_count(book), i;
    int rc, have_day;

    /* Scoring never writes the state (several threads may score at once): failures are
     * described in the frame's error text. */
    if ((rc = check_options(st->opt, err)) != TIER_OK)
        return rc;
    if ((rc = p_alive_values(st, frame, &p_alive, err)) != TIER_OK)
        return rc;
    have_day = tier__model_as_of(book, o[LC_OPT_AS_OF], &d);
    fig = tier__malloc_n(&st->h.alloc, n, sizeof *fig);
    g = tier__malloc_n(&st->h.alloc, n, sizeof *g);
    if (!fig || !g) {
        tier__errorf(err, "out of memory for the figures of %lu customers", (unsigned long)n);
        rc = TIER_ENOMEM;
        goto done;
    }
    rc = tier_frame_add_labels(frame, tier__lc_outputs[OUT_STAGE].name, stage_labels, 6, &stage);
    if (rc == TIER_OK)
        rc = tier_frame_add_labels(frame, tier__lc_outputs[OUT_ONBOARDING].name, onboarding_labels,
                                   4, &onboarding);
    for (i = OUT_TREND; i < OUT_COUNT && rc == TIER_OK; i++)
        rc = tier_frame_add_numbers(frame, tier__lc_outputs[i].name, &out[i]);
    if (rc)
        goto done; /* the frame's error says why; model.c drops the columns added */

    if (have_day) {
        /* Three passes over the book: all history before D, the recent and the previous
         * window. Partial windows need the kept transactions (TIER_ESTATE otherwise). */
        lc_windows(o, d, &from, &prev_from);
        why[0] = '\0';
        rc = tier__book_figures(book, INT32_MIN, d, fig, why);
        for (i = 0; rc == TIER_OK && i < n; i++) {
            g[i].first_day = fig[i].first_day;
            g[i].last_day = fig[i].last_day;
        }
        if (rc == TIER_OK)
            rc = tier__book_figures(book, from, d, fig, why);
        for (i = 0; rc == TIER_OK && i < n; i++)
            g[i].recent = fig[i].net;
        if (rc == TIER_OK)
            rc = tier__book_figures(book, prev_from, from, fig, why);
        for (i = 0; rc == TIER_OK && i < n; i++)
            g[i].previous = fig[i].net;
        if (rc) {
            windows_failed(rc, why, err);
            goto done;
        }
    }
    for (i = 0; i < n; i++) {
        double v[OUT_COUNT];
        int s, b, k;
        lc_row(st, d, have_day ? &g[i] : NULL, p_alive ? p_alive[i] : NAN,
               attribute(book, i, st->attr[0]), attribute(book, i, st->attr[1]), v, &s, &b);
        for (k = OUT_TREND; k < OUT_COUNT; k++)
            out[k][i] = v[k];
        stage[i] = s;
        onboarding[i] = b;
    }
done:
    tier__free(&st->h.alloc, fig);
    tier__free(&st->h.alloc, g);
    return rc;
}

/* One customer re-scored: its own figures over the same three ranges (the running figures, or
 * its transactions), P(alive) from the frame's row, its attributes. */
static int tier__lc_score_row(void *state, const tier_book *book, const tier_frame *frame,
                              size_t customer, double *numbers, const char **labels)
{
    const lc_state *st = state;
    const double *o = st->opt, *p_alive;
    char *err = tier__model_row_error(frame), why[TIER__ERR_SIZE];
    tier__figures f;
    lc_figures g;
    int32_t d = 0, from, prev_from;
    int rc, have_day, s, b;
    if ((rc = check_options(o, err)) != TIER_OK ||
        (rc = p_alive_values(st, frame, &p_alive, err)) != TIER_OK)
        return rc;
    have_day = tier__model_as_of(book, o[LC_OPT_AS_OF], &d);
    if (have_day) {
        lc_windows(o, d, &from, &prev_from);
        why[0] = '\0';
        rc = tier__book_customer_figures(book, customer, INT32_MIN, d, &f, why);
        g.first_day = f.first_day;
        g.last_day = f.last_day;
        if (rc == TIER_OK)
            rc = tier__book_customer_figures(book, customer, from, d, &f, why);
        g.recent = f.net;
        if (rc == TIER_OK)
            rc = tier__book_customer_figures(book, customer, prev_from, from, &f, why);
        g.previous = f.net;
        if (rc)
            return windows_failed(rc, why, err);
    }
    lc_row(st, d, have_day ? &g : NULL, p_alive ? p_alive[customer] : NAN,
           attribute(book, customer, st->attr[0]), attribute(book, customer, st->attr[1]), numbers,
           &s, &b);
    labels[OUT_STAGE] = stage_labels[s];
    labels[OUT_ONBOARDING] = onboarding_labels[b];
    return TIER_OK;
}

/* ---- explain ------------------------------------------------------------------------------ */

static int tier__lc_explain(void *state, const tier_book *book, const tier_frame *frame,
                            size_t customer, tier_text *out)
{
    const lc_state *st = state;
    const double *o = st->opt, *num[OUT_COUNT], *p_alive = NULL;
    const int32_t *codes;
    char buf[1024], day[16], pa[48], err[TIER__ERR_SIZE];
    const char *label;
    size_t col[OUT_COUNT], i;
    lc_inputs in;
    int32_t d = 0;
    int rule, stage, n, rc;
    double progress, users;

    if (!frame || !out)
        return TIER_EINVAL;
    for (i = 0; i < OUT_COUNT; i++) {
        if (tier__model_column(frame, st->name, tier__lc_outputs[i].name, &col[i]) != TIER_OK)
            return TIER_ENOTFOUND; /* the model was not scored into this frame */
        num[i] = tier_frame_numbers(frame, col[i]);
    }
    if (customer >= tier_frame_rows(frame))
        return TIER_ERANGE;
    if (p_alive_values(st, frame, &p_alive, err) != TIER_OK)
        p_alive = NULL;
    in.tenure = num[OUT_TENURE] ? num[OUT_TENURE][customer] : NAN;
    in.inactive = num[OUT_INACTIVE] ? num[OUT_INACTIVE][customer] : NAN;
    in.trend = num[OUT_TREND] ? num[OUT_TREND][customer] : NAN;
    in.p_alive = p_alive ? p_alive[customer] : NAN;
    in.has_purchase = !isnan(in.tenure);
    stage = classify(o, &in, &rule);
    if (!tier__model_as_of(book, o[LC_OPT_AS_OF], &d) ||
        tier_date_format_iso(day, sizeof day, d) != TIER_OK)
        snprintf(day, sizeof day, "(no as-of day)");
    if (isnan(in.p_alive))
        snprintf(pa, sizeof pa, "P(alive) not used");
    else
        snprintf(pa, sizeof pa, "P(alive) %.3f", in.p_alive);

    codes = tier_frame_labels(frame, col[OUT_STAGE]);
    label = codes ? tier_frame_label_text(frame, col[OUT_STAGE], codes[customer]) : NULL;
    n = snprintf(buf, sizeof buf, "stage %s as of %s: ", label ? label : "?", day);
    if ((rc = tier__model_append(out, buf, sizeof buf, n)) != TIER_OK)
        return rc;
    if (rule == RULE_NO_PURCHASE)
        n = snprintf(buf, sizeof buf, "no purchase before the as-of day (rule 1: new)");
    else if (rule == RULE_MATURE)
        n = snprintf(buf, sizeof buf,
                     "no other rule holds: spend trend %+.3f within [%g, %g] (rule 7: mature)",
                     in.trend, o[LC_OPT_DECLINE_TREND], o[LC_OPT_GROWTH_TREND]);
    else
        n = snprintf(buf, sizeof buf, lc_rules[rule].text, rule_input(&in, lc_rules[rule].input),
                     o[lc_rules[rule].option]);
    if ((rc = tier__model_append(out, buf, sizeof buf, n)) != TIER_OK)
        return rc;
    if (in.has_purchase)
        n = snprintf(buf, sizeof buf,
                     "; tenure %.0f days, inactive %.0f days, spend trend %+.3f (last %.0f days "
                     "vs the %.0f before), %s",
                     in.tenure, in.inactive, in.trend, o[LC_OPT_RECENT_WINDOW],
                     o[LC_OPT_PREVIOUS_WINDOW], pa);
    else
        n = snprintf(buf, sizeof buf, "; %s", pa);
    if ((rc = tier__model_append(out, buf, sizeof buf, n)) != TIER_OK)
        return rc;
    if (label && strcmp(label, stage_labels[stage]) != 0) {
        n = snprintf(buf, sizeof buf, " (the options changed since scoring: now %s)",
                     stage_labels[stage]);
        if ((rc = tier__model_append(out, buf, sizeof buf, n)) != TIER_OK)
            return rc;
    }

    progress = attribute(book, customer, st->attr[0]);
    users = attribute(book, customer, st->attr[1]);
    switch (onboarding_of(o, progress, users)) {
    case TIER_LIFECYCLE_ONBOARDING_NONE:
        n = snprintf(buf, sizeof buf, ". Onboarding none: no numeric \"%.100s\"", st->attr[0]);
        break;
    case TIER_LIFECYCLE_HANDOVER:
        n = snprintf(buf, sizeof buf, ". Onboarding handover: %.100s %g < rollout_progress %g",
                     st->attr[0], progress, o[LC_OPT_ROLLOUT_PROGRESS]);
        break;
    case TIER_LIFECYCLE_STABLE_USE:
        n = snprintf(buf, sizeof buf,
                     ". Onboarding stable_use: %.100s %g >= %g and %.100s %g >= %g", st->attr[0],
                     progress, o[LC_OPT_STABLE_PROGRESS], st->attr[1], users,
                     o[LC_OPT_STABLE_USERS]);
        break;
    default:
        n = snprintf(buf, sizeof buf,
                     ". Onboarding internal_rollout: %.100s %g >= %g but not (>= %g with %.100s "
                     "%g >= %g)",
                     st->attr[0], progress, o[LC_OPT_ROLLOUT_PROGRESS], o[LC_OPT_STABLE_PROGRESS],
                     st->attr[1], users, o[LC_OPT_STABLE_USERS]);
        break;
    }
    return tier__model_append(out, buf, sizeof buf, n);
}

static void tier__lc_destroy(void *state)
{
    lc_state *st = state;
    if (st) {
        tier__free(&st->h.alloc, st->name);
        tier__free(&st->h.alloc, st->p_alive_col);
        tier__free(&st->h.alloc, st->attr[0]);
        tier__free(&st->h.alloc, st->attr[1]);
    }
    tier__model_state_free(st);
}

/* The text options' defaults: the p_alive column, the progress and the users attributes. */
static const char *const text_defaults[3] = {"clv.p_alive", "implementation_progress",
                                             "active_users_share"};

static char **text_slot(lc_state *st, int k)
{
    return k == 0 ? &st->p_alive_col : &st->attr[k - 1];
}

/* ---- options and saved state (docs/lifecycle.md, docs/model-state-format.md) --------------- */

/* What the options set: the numbers and the three names (owned by whoever holds it). */
typedef struct lc_config {
    double opt[LC_OPT_COUNT];
    char *text[3]; /* p_alive column (NULL: unused), progress and users attributes */
} lc_config;

/* Index of a text option (0..2) from its position in tier__lc_options. */
static int text_index(const char *name)
{
    size_t i;
    for (i = LC_OPT_COUNT - 1; i < N_OPTIONS; i++)
        if (strcmp(tier__lc_options[i].name, name) == 0)
            return (int)(i - (LC_OPT_COUNT - 1));
    return -1;
}

/* Checks a value for option `name` alone. A number goes into c->opt; a text is copied into
 * *copy (NULL for an empty p_alive column). */
static int check_value(lc_state *st, const char *name, const tier_value *v, double *opt,
                       char **copy, char *err)
{
    int k = text_index(name);
    *copy = NULL;
    if (k >= 0) {
        const char *t = tier_value_text(v);
        if (!t[0]) {
            if (k == 0)
                return TIER_OK;
            tier__errorf(err, "must name an attribute, not be empty");
            return TIER_EINVAL;
        }
        *copy = tier__strdup(&st->h.alloc, t);
        if (!*copy) {
            tier__errorf(err, "out of memory");
            return TIER_ENOMEM;
        }
        return TIER_OK;
    } else {
        const tier__opt_rule *r;
        double x = tier_value_number(v);
        k = tier__opt_rule_find(opt_rules, LC_OPT_COUNT, name);
        r = &opt_rules[k];
        if (r->nan_ok && isnan(x)) {
            opt[k] = NAN;
            return TIER_OK;
        }
        if (!(x >= r->lo && x <= r->hi) || (r->whole && x != floor(x)) ||
            (k == LC_OPT_TREND_EPSILON && !(x > 0))) {
            tier__errorf(err, "%g is out of range: need %s%s%g, %g]%s", x,
                         r->whole ? "a whole number in " : "",
                         k == LC_OPT_TREND_EPSILON ? "(" : "[", r->lo, r->hi,
                         r->nan_ok ? " or nan" : "");
            return TIER_ERANGE;
        }
        opt[k] = x;
        return TIER_OK;
    }
}

static int tier__lc_set_option(void *state, const char *name, const tier_value *value)
{
    lc_state *st = state;
    double opt[LC_OPT_COUNT];
    char *copy;
    int k = text_index(name), rc;
    memcpy(opt, st->opt, sizeof opt);
    rc = check_value(st, name, value, opt, &copy, st->h.err);
    if (rc)
        return rc;
    if (k >= 0) {
        char **slot = text_slot(st, k);
        tier__free(&st->h.alloc, *slot);
        *slot = copy;
    } else {
        memcpy(st->opt, opt, sizeof opt);
    }
    st->h.err[0] = '\0';
    return TIER_OK;
}

static int tier__lc_get_option(void *state, const char *name, tier_value *out)
{
    lc_state *st = state;
    int k = text_index(name);
    if (k >= 0) {
        const char *t = *text_slot(st, k);
        return tier_value_set_text(out, t ? t : "");
    }
    return tier_value_set_number(out, st->opt[tier__opt_rule_find(opt_rules, LC_OPT_COUNT, name)]);
}

/* Nothing is learnt from the book: the state is the options. */
static int tier__lc_save(void *state, tier_state_writer *w)
{
    lc_state *st = state;
    return tier__opt_save(w, tier__lc_options, N_OPTIONS, st, tier__lc_get_option, &st->h.alloc);
}

/* What a load has read so far; the model takes it only once every record is read. */
typedef struct lc_loading {
    lc_state *st;
    lc_config c;
} lc_loading;

static int load_option(void *ctx, const char *name, const tier_value *v, char *why)
{
    lc_loading *L = ctx;
    char *copy;
    int k, rc = check_value(L->st, name, v, L->c.opt, &copy, why);
    if (rc == TIER_OK && (k = text_index(name)) >= 0) {
        tier__free(&L->st->h.alloc, L->c.text[k]);
        L->c.text[k] = copy;
    }
    return rc;
}

static int tier__lc_load(void *state, tier_state_reader *r)
{
    lc_state *st = state;
    lc_loading L;
    char why[TIER__ERR_SIZE];
    int rc = TIER_OK, k;
    memset(&L, 0, sizeof L);
    L.st = st;
    tier__opt_rule_defaults(L.c.opt, opt_rules, LC_OPT_COUNT);
    L.c.opt[0] = 0;
    for (k = 0; k < 3; k++)
        if (!(L.c.text[k] = tier__strdup(&st->h.alloc, text_defaults[k])))
            rc = TIER_ENOMEM;
    if (!rc)
        rc = tier__opt_load(r, tier__lc_options, N_OPTIONS, &st->h.alloc, load_option, NULL, &L);
    if (rc == 0 && check_options(L.c.opt, why) != TIER_OK)
        rc = tier_state_read_fail(r, why);
    if (rc < 0) {
        for (k = 0; k < 3; k++)
            tier__free(&st->h.alloc, L.c.text[k]);
        return rc;
    }
    memcpy(st->opt, L.c.opt, sizeof L.c.opt);
    for (k = 0; k < 3; k++) {
        char **slot = text_slot(st, k);
        tier__free(&st->h.alloc, *slot);
        *slot = L.c.text[k];
    }
    st->h.err[0] = '\0';
    return TIER_OK;
}

/* ---- public API --------------------------------------------------------------------------- */

static const tier_model_vtable lc_vtable =
    TIER__BUILTIN_VTABLE("lifecycle", tier__lc, NULL, tier__lc_score_row);

int tier_lifecycle_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    int k, rc;
    lc_state *st = tier__model_state_new(out, &name, "lifecycle", alloc, sizeof(lc_state), &rc);
    if (!st)
        return rc;
    tier__opt_rule_defaults(st->opt, opt_rules, LC_OPT_COUNT);
    st->name = tier__strdup(&st->h.alloc, name);
    for (k = 0; k < 3; k++)
        *text_slot(st, k) = tier__strdup(&st->h.alloc, text_defaults[k]);
    return tier__model_finish(out, &lc_vtable, st, name, alloc,
                              st->name && st->p_alive_col && st->attr[0] && st->attr[1]);
}
