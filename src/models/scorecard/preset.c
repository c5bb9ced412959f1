/* SPDX-License-Identifier: MIT */
/* Scorecard: the built-in cards a model can start from (option "preset"), as data: "none" (no
 * factor), "b2b", the B2B default card of docs/scorecard.md, and "b2b-subscriptions", the same
 * card with the lifetime value in its potential group. */
#include <math.h>
#include <string.h>

#include "models/scorecard/scorecard_internal.h"

/* One factor of a preset card, with its caps (min-max) or bands. */
typedef struct preset_factor {
    const char *name, *column;
    double weight;
    int group, norm, dir, missing;
    double cap_lo, cap_hi; /* min-max factors (NaN: fitted) */
    size_t nbands;         /* bands factors: edges and fractions */
    const double *edges, *fractions;
} preset_factor;

/* One penalty (grade NULL) or veto (points 0) of a preset card. */
typedef struct preset_cond {
    const char *name, *column;
    int op;
    double threshold, points;
    const char *grade;
} preset_cond;

/* A card: its factors in three parts (explicit, potential, growth), then its conditions. */
typedef struct preset_card {
    const preset_factor *factors[3];
    size_t nfactors[3];
    const preset_cond *conds;
    size_t nconds;
} preset_card;

enum {
    PCT = TIER_SCORECARD_NORM_PERCENTILE,
    MINMAX = TIER_SCORECARD_NORM_MINMAX,
    BANDS = TIER_SCORECARD_NORM_BANDS,
    UP = TIER_SCORECARD_HIGHER_IS_BETTER,
    REWEIGHT = TIER_SCORECARD_MISSING_REWEIGHT,
    IMPUTE = TIER_SCORECARD_MISSING_IMPUTE,
    ZERO = TIER_SCORECARD_MISSING_ZERO,
    EXPL = TIER_SCORECARD_EXPLICIT,
    POT = TIER_SCORECARD_POTENTIAL,
    GROW = TIER_SCORECARD_GROWTH
};

static const double growth_edges[3] = {0.0, 0.10, 0.25};
static const double growth_fr[4] = {0.0, 0.4, 0.7, 1.0};
static const double referral_edges[2] = {1, 3};
static const double referral_fr[3] = {0.0, 0.6, 1.0};

/* The B2B default: explicit value 45 (what the account pays now), potential value 25 (what it
 * could pay), growth value 30 (how fast it grows and how close the relationship is). */
static const preset_factor b2b_explicit[] = {
    {"contract_arr", "attr.contract_arr", 20, EXPL, PCT, UP, ZERO, NAN, NAN, 0, NULL, NULL},
    {"gross_margin", "attr.gross_margin", 10, EXPL, MINMAX, UP, IMPUTE, 0.0, 0.5, 0, NULL, NULL},
    {"spend", "rfm.m", 15, EXPL, PCT, UP, ZERO, NAN, NAN, 0, NULL, NULL}};
static const preset_factor b2b_potential[] = {
    {"employees", "attr.employees", 15, POT, PCT, UP, REWEIGHT, NAN, NAN, 0, NULL, NULL},
    {"modules_used", "attr.modules_used", 10, POT, MINMAX, UP, ZERO, 0.0, NAN, 0, NULL, NULL}};
static const preset_factor b2b_growth[] = {{"growth_rate", "attr.growth_rate", 15, GROW, BANDS, UP,
                                            REWEIGHT, NAN, NAN, 3, growth_edges, growth_fr},
                                           {"years_cooperation", "attr.years_cooperation", 10, GROW,
                                            MINMAX, UP, REWEIGHT, 0.0, 10.0, 0, NULL, NULL},
                                           {"referrals", "attr.referrals", 5, GROW, BANDS, UP, ZERO,
                                            NAN, NAN, 2, referral_edges, referral_fr}};

/* "b2b-subscriptions", for a book with both kinds of customer: the potential value (still 25)
 * also counts the customer's lifetime value, whichever applies - the contractual CLV of the sBG
 * model (sbg.clv) for a customer under contract, else the non-contractual CLV (clv.clv) - ranked
 * among both as one money figure (docs/scorecard.md, "Sources with alternatives"). */
static const preset_factor subscription_potential[] = {
    {"employees", "attr.employees", 10, POT, PCT, UP, REWEIGHT, NAN, NAN, 0, NULL, NULL},
    {"modules_used", "attr.modules_used", 5, POT, MINMAX, UP, ZERO, 0.0, NAN, 0, NULL, NULL},
    {"lifetime_value", "sbg.clv|clv.clv", 10, POT, PCT, UP, REWEIGHT, NAN, NAN, 0, NULL, NULL}};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const preset_cond b2b_conds[] = {
    {"defaults", "attr.defaults", TIER_OP_GT, 0, -15, NULL},
    {"support_load", "attr.support_tickets", TIER_OP_GT, 24, -5, NULL},
    {"poor_payment", "attr.payment_score", TIER_OP_LT, 50, -10, NULL},
    {"arrears", "attr.arrears_days", TIER_OP_GT, 90, 0, "C"}};

static const preset_card cards[SC_PRESET_COUNT] = {
    {{NULL, NULL, NULL}, {0, 0, 0}, NULL, 0},
    {{b2b_explicit, b2b_potential, b2b_growth},
     {COUNT(b2b_explicit), COUNT(b2b_potential), COUNT(b2b_growth)},
     b2b_conds,
     COUNT(b2b_conds)},
    {{b2b_explicit, subscription_potential, b2b_growth},
     {COUNT(b2b_explicit), COUNT(subscription_potential), COUNT(b2b_growth)},
     b2b_conds,
     COUNT(b2b_conds)}};

const char *const tier__sc_preset_names[SC_PRESET_COUNT] = {"none", "b2b", "b2b-subscriptions"};

int tier__sc_fill_preset(sc_state *tmp, int preset)
{
    const preset_card *card = &cards[preset];
    size_t part, i, k;
    int rc = TIER_OK;
    for (part = 0; part < 3; part++)
        for (i = 0; i < card->nfactors[part] && !rc; i++) {
            const preset_factor *f = &card->factors[part][i];
            rc = tier__sc_add_factor(tmp, f->name, f->column, f->weight, f->group, f->norm, f->dir,
                                     f->missing, &k);
            if (!rc && f->norm == MINMAX)
                rc = tier__sc_set_caps(tmp, k, f->cap_lo, f->cap_hi);
            if (!rc && f->norm == BANDS)
                rc = tier__sc_set_bands(tmp, k, f->edges, f->nbands, f->fractions);
        }
    for (i = 0; i < card->nconds && !rc; i++) {
        const preset_cond *c = &card->conds[i];
        rc = c->grade
                 ? tier__sc_add_veto(tmp, c->name, c->column, c->op, c->threshold, c->grade)
                 : tier__sc_add_penalty(tmp, c->name, c->column, c->op, c->threshold, c->points);
    }
    return rc;
}
