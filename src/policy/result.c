/* SPDX-License-Identifier: MIT */
/* One run: fit and score each model into a new frame, apply the policy (policy/apply.h), add the
 * "tier" and "reason" columns (and "flags", "route" when the policy has them), keep the
 * entitlements, the models' states for explanations and the per-tier summary; the new state
 * replaces the old only on success. */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "policy/apply.h"
#include "policy/policy_internal.h"
#include "policy/population.h"
#include "policy/result_internal.h"
#include "util/par_tasks.h"

/* An entitlement's value for one tier. */
typedef struct rent {
    int set;
    double num;
    char *text;
} rent;

/* A model of the run, kept for explanations. */
typedef struct rmodel {
    char *name, *kind;
    char *state; /* NULL when it could not be saved */
    size_t state_len;
} rmodel;

/* What a run keeps beside the frame: built before the swap, freed as one. */
typedef struct kept {
    size_t ntiers;
    size_t *tier_customers;
    int64_t *tier_net; /* fixed point */
    size_t n_ent;
    char **ent_name;
    int *ent_type;
    rent *ent; /* [ntiers * n_ent] */
    rmodel *models;
    size_t n_models;
    char **report;
    size_t n_report;
    /* What the policy placed (tier_history_apply reads it; the columns may change after it). */
    int32_t *placed, *placed_reason, *cap_reason; /* [customers]; reasons index, -1: none */
    char **reasons;
    size_t n_reasons;
    int32_t *demote_slot;  /* [ntiers] */
    unsigned char *demote; /* [n_demote * customers] */
    size_t n_demote;
    int finalized; /* 1 once tier__result_finalize changed the run */
} kept;

struct tier_result {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    tier_frame *frame; /* NULL before the first successful run */
    size_t customers;
    size_t tier_col, reason_col;
    const int32_t *tier_codes, *reason_codes; /* borrowed from frame */
    const int32_t *flag_codes, *route_codes;  /* NULL when the policy has none */
    size_t flag_col, route_col;
    double as_of;     /* for the next runs (NaN: default) */
    double run_as_of; /* the one the last run used */
    /* the frozen figures of a retier's batch recompute (tier__result_run_scored), borrowed until
     * tier__result_forget_ref: the final tiers' flags and routing use them too */
    struct tier__policy_ref *ref;
    struct tier__policy_ref *pop; /* tier_result_set_population (owned), NULL: none */
    int pop_ran;                  /* 1: the last run succeeded with pop, its inputs gathered */
    kept k;
};

int tier_result_new(tier_result **out, const tier_allocator *alloc)
{
    int rc = TIER__HANDLE_CREATE(out, tier_result, alloc);
    if (rc == TIER_OK)
        (*out)->as_of = (*out)->run_as_of = NAN;
    return rc;
}

static void kept_free(const tier_allocator *a, kept *k)
{
    size_t i;
    if (k->ent)
        for (i = 0; i < k->ntiers * k->n_ent; i++)
            tier__free(a, k->ent[i].text);
    tier__free_strings(a, k->ent_name, k->n_ent);
    if (k->models)
        for (i = 0; i < k->n_models; i++) {
            tier__free(a, k->models[i].name);
            tier__free(a, k->models[i].kind);
            tier__free(a, k->models[i].state);
        }
    tier__free_strings(a, k->report, k->n_report);
    tier__free_strings(a, k->reasons, k->n_reasons);
    {
        void *own[] = {k->tier_customers, k->tier_net, k->models,        k->ent,
                       k->ent_type,       k->placed,   k->placed_reason, k->cap_reason,
                       k->demote_slot,    k->demote};
        tier__free_all(a, own, sizeof own / sizeof *own);
    }
    memset(k, 0, sizeof *k);
}

void tier_result_free(tier_result *result)
{
    if (!result)
        return;
    tier_frame_free(result->frame);
    kept_free(&result->alloc, &result->k);
    tier__population_free(result->pop);
    tier__free(&result->alloc, result);
}

const char *tier_result_last_error(const tier_result *result)
{
    return result ? result->err : "";
}

char *tier__result_errbuf(const tier_result *result)
{
    /* The error text is the only thing a const call may change (as with sqlite3_errmsg). */
    return (char *)result->err;
}

const tier_allocator *tier__result_allocator(const tier_result *result)
{
    return &result->alloc;
}

static int check_models(tier_result *res, tier_model *const *models, size_t count)
{
    size_t i, j;
    if (count && !models) {
        tier__errorf(res->err, "models is NULL but model_count is %zu", count);
        return TIER_EINVAL;
    }
    for (i = 0; i < count; i++) {
        if (!models[i]) {
            tier__errorf(res->err, "model %zu is NULL", i);
            return TIER_EINVAL;
        }
        for (j = 0; j < i; j++) {
            if (models[j] && strcmp(tier_model_name(models[i]), tier_model_name(models[j])) == 0) {
                tier__errorf(res->err, "two models are named '%s' (their columns would clash)",
                             tier_model_name(models[i]));
                return TIER_EINVAL;
            }
        }
    }
    return TIER_OK;
}

static int run_models(tier_result *res, const tier_book *book, tier_model *const *models,
                      size_t count, tier_frame *frame, tier__policy_ref *ref)
{
    size_t m;
    for (m = 0; m < count; m++) {
        tier_model *model = models[m];
        int rc;
        if (!tier_model_is_fitted(model)) {
            /* The columns so far are the inputs: later models may build on earlier ones. */
            rc = tier_model_fit(model, book, frame);
            if (rc) {
                /* The model's own text already names it and the step. */
                tier__errorf(res->err, "%s", tier_model_last_error(model));
                return rc;
            }
        }
        rc = tier_model_score(model, book, frame);
        if (rc) {
            /* tier_model_score put the detail, naming the model, into the frame. */
            tier__errorf(res->err, "%s", tier_frame_last_error(frame));
            return rc;
        }
        /* With population figures a Pareto model's classes are the population's (before later
         * models read them). */
        if (ref && (rc = tier__population_pareto(ref, book, model, frame, res->err)) != TIER_OK)
            return rc;
    }
    return TIER_OK;
}

/* The models' names, kinds and saved states, so that explanations need no model later. A model
 * that cannot be saved (a user kind without `save`) keeps no state. */
static int keep_models(tier_result *res, tier_model *const *models, size_t count, kept *k)
{
    const tier_allocator *a = &res->alloc;
    tier_text *t = NULL;
    size_t m;
    k->models = tier__calloc(a, count + 1, sizeof *k->models);
    if (!k->models || tier_text_new(&t, a))
        return TIER_ENOMEM;
    for (m = 0; m < count; m++) {
        rmodel *km = &k->models[m];
        int rc;
        k->n_models = m + 1;
        km->name = tier__strdup(a, tier_model_name(models[m]));
        km->kind = tier__strdup(a, tier_model_kind(models[m]));
        if (!km->name || !km->kind) {
            tier_text_free(t);
            return TIER_ENOMEM;
        }
        tier_text_clear(t);
        rc = tier_model_save(models[m], t);
        if (rc == TIER_ENOMEM) {
            tier_text_free(t);
            return rc;
        }
        if (rc == TIER_OK) {
            km->state = tier__strndup(a, tier_text_data(t), tier_text_length(t));
            km->state_len = tier_text_length(t);
            if (!km->state) {
                tier_text_free(t);
                return TIER_ENOMEM;
            }
        }
    }
    tier_text_free(t);
    return TIER_OK;
}

/* The policy's entitlements: declarations and each tier's values, copied. */
static int keep_entitlements(tier_result *res, const tier__pol *pol, kept *k)
{
    const tier_allocator *a = &res->alloc;
    size_t d, t, e;
    k->n_ent = pol->n_entdecls;
    k->ent_name = tier__calloc(a, k->n_ent + 1, sizeof *k->ent_name);
    k->ent_type = tier__calloc(a, k->n_ent + 1, sizeof *k->ent_type);
    k->ent = tier__calloc(a, k->ntiers * k->n_ent + 1, sizeof *k->ent);
    if (!k->ent_name || !k->ent_type || !k->ent)
        return TIER_ENOMEM;
    for (d = 0; d < k->n_ent; d++) {
        if (!(k->ent_name[d] = tier__strdup(a, pol->entdecls[d].name)))
            return TIER_ENOMEM;
        k->ent_type[d] = pol->entdecls[d].type;
    }
    for (t = 0; t < pol->n_tiers; t++) {
        for (e = 0; e < pol->tiers[t].n_ents; e++) {
            const tier__pent *pe = &pol->tiers[t].ents[e];
            rent *v;
            for (d = 0; d < k->n_ent && strcmp(k->ent_name[d], pe->name) != 0; d++)
                ;
            if (d == k->n_ent)
                continue; /* not declared: the parser refuses it */
            v = &k->ent[t * k->n_ent + d];
            v->set = 1;
            v->num = pe->value.num;
            if (pe->value.type == TIER__PT_TEXT) {
                tier__free(a, v->text);
                if (!(v->text = tier__strdup(a, pe->value.text ? pe->value.text : "")))
                    return TIER_ENOMEM;
            }
        }
    }
    return TIER_OK;
}

/* Tiers summed in slices of customers at most (more: one pass on the calling thread), and
 * customers per slice at least. */
#define SUMMARY_TIERS 16
#define SUMMARY_GRAIN 32768

/* Per slice of customers: the customers and net amounts of each tier, and the sum of the
 * magnitudes of the amounts counted (saturated at UINT64_MAX). */
typedef struct summary_job {
    const int32_t *tiers;
    const tier__figures *fig;
    size_t count[TIER__PAR_TASKS][SUMMARY_TIERS];
    uint64_t net[TIER__PAR_TASKS][SUMMARY_TIERS]; /* two's complement sums */
    uint64_t mag[TIER__PAR_TASKS];
} summary_job;

static void summary_rows(void *arg, size_t k, size_t b, size_t e)
{
    summary_job *j = arg;
    size_t *count = j->count[k], i;
    uint64_t *net = j->net[k], mag = 0;
    memset(count, 0, sizeof j->count[k]);
    memset(net, 0, sizeof j->net[k]);
    for (i = b; i < e; i++) {
        const int32_t t = j->tiers[i];
        const int64_t x = j->fig[i].net;
        const uint64_t m = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
        if (t < 0)
            continue;
        count[t]++;
        net[t] += (uint64_t)x;
        mag = mag > UINT64_MAX - m ? UINT64_MAX : mag + m;
    }
    j->mag[k] = mag;
}

/* The summary in slices of customers on the book's executor. When the magnitudes of all the
 * amounts counted sum to at most INT64_MAX, no partial sum in any order leaves the range, so the
 * slices' sums added in slice order are the sums of one pass in customer order, which then could
 * not have overflowed either. Returns 1 when it filled k, 0 when the caller must make the summary
 * in one pass (many tiers, few customers, a sum that may overflow). */
static int summarize_slices(const tier_book *book, const int32_t *tiers, size_t n, kept *k)
{
    summary_job j;
    size_t tasks, s, t;
    uint64_t mag = 0;
    const tier_executor *ex = tier__book_executor(book);
    if (k->ntiers > SUMMARY_TIERS || tier__par_tasks(ex, n, SUMMARY_GRAIN) < 2)
        return 0;
    j.tiers = tiers;
    j.fig = tier__book_running(book);
    tasks = tier__par_slices(ex, n, SUMMARY_GRAIN, summary_rows, &j);
    for (s = 0; s < tasks; s++)
        mag = mag > UINT64_MAX - j.mag[s] ? UINT64_MAX : mag + j.mag[s];
    if (mag > (uint64_t)INT64_MAX)
        return 0;
    for (s = 0; s < tasks; s++)
        for (t = 0; t < k->ntiers; t++) {
            k->tier_customers[t] += j.count[s][t];
            k->tier_net[t] = (int64_t)((uint64_t)k->tier_net[t] + j.net[s][t]);
        }
    return 1;
}

/* Net amount of every customer over all of the book's transactions, exactly, summed per tier.
 * The book's running net amounts are exact whatever order the rows came in. */
static int summarize(tier_result *res, const tier_book *book, const int32_t *tiers, size_t n,
                     kept *k)
{
    const tier_allocator *a = &res->alloc;
    const tier__figures *fig = tier__book_running(book);
    size_t i;
    k->tier_customers = tier__calloc(a, k->ntiers + 1, sizeof *k->tier_customers);
    k->tier_net = tier__calloc(a, k->ntiers + 1, sizeof *k->tier_net);
    if (!k->tier_customers || !k->tier_net) {
        tier__errorf(res->err, "out of memory summarizing tiers");
        return TIER_ENOMEM;
    }
    if (summarize_slices(book, tiers, n, k))
        return TIER_OK;
    for (i = 0; i < n; i++) {
        int32_t t = tiers[i];
        if (t < 0)
            continue;
        k->tier_customers[t]++;
        if (tier__add_i64(k->tier_net[t], fig[i].net, &k->tier_net[t])) {
            tier__errorf(res->err, "net revenue of tier %d overflows", (int)t);
            return TIER_ERANGE;
        }
    }
    return TIER_OK;
}

typedef struct copy_job {
    int32_t *dst;
    const int32_t *src;
} copy_job;

static void copy_rows(void *arg, size_t k, size_t b, size_t e)
{
    const copy_job *j = arg;
    (void)k;
    memcpy(j->dst + b, j->src + b, (e - b) * sizeof *j->dst);
}

/* dst = src (n codes), in slices on the book's executor: the first writes of a new column. */
static void copy_codes(const tier_book *book, int32_t *dst, const int32_t *src, size_t n)
{
    copy_job j;
    j.dst = dst;
    j.src = src;
    tier__par_slices(tier__book_executor(book), n, SUMMARY_GRAIN, copy_rows, &j);
}

/* Adds label column `name` of texts `labels` and codes `codes` (n, the frame's rows) to the
 * frame: copy_codes writes every row. */
static int add_column(tier_result *res, const tier_book *book, tier_frame *frame, const char *name,
                      char *const *labels, size_t nlabels, const int32_t *codes, size_t n,
                      size_t *col)
{
    int32_t *dst;
    int rc = tier__frame_add_labels_unset(frame, name, (const char *const *)labels, nlabels, &dst);
    if (rc) {
        tier__errorf(res->err, "adding the %s column failed (%s): %s", name, tier_status_name(rc),
                     tier_frame_last_error(frame));
        return rc;
    }
    copy_codes(book, dst, codes, n);
    if (tier_frame_find(frame, name, col)) {
        tier__errorf(res->err, "the frame lost its %s column", name);
        return TIER_ERROR;
    }
    return TIER_OK;
}

/* A run; `given` (taken over, freed on failure): the models' columns already scored, else the
 * models score a new frame; ref: frozen population figures for the policy (NULL: none). */
static int run_with(tier_result *result, const tier_book *book, tier_model *const *models,
                    size_t model_count, const tier_policy *policy, tier_frame *given,
                    tier__policy_ref *ref)
{
    const tier_allocator *a;
    tier_frame *frame = given;
    tier__applied ap;
    tier__apply_in in;
    kept k;
    size_t n, ntiers, tcol = 0, rcol = 0, fcol = 0, ocol = 0, i;
    char **tier_names = NULL;
    int rc, with_flags;
    memset(&ap, 0, sizeof ap);
    memset(&k, 0, sizeof k);
    if (!result) {
        tier_frame_free(frame);
        return TIER_EINVAL;
    }
    a = &result->alloc;
    if (!book || !policy) {
        tier__errorf(result->err, "%s is NULL", book ? "policy" : "book");
        rc = TIER_EINVAL;
        goto fail;
    }
    rc = check_models(result, models, model_count);
    if (rc)
        goto fail;
    ntiers = policy->pol.n_tiers;
    if (ntiers == 0) {
        tier__errorf(result->err, "the policy has no tiers");
        rc = TIER_EINVAL;
        goto fail;
    }
    if (ntiers > INT32_MAX) {
        tier__errorf(result->err, "the policy has too many tiers or rules");
        rc = TIER_ERANGE;
        goto fail;
    }
    k.ntiers = ntiers;
    n = tier_book_customer_count(book);
    if (!given) {
        rc = tier_frame_new(&frame, n, a);
        if (rc) {
            tier__errorf(result->err, "out of memory creating the frame");
            goto fail;
        }
        /* The orders by value of the models and the policy share one order of the ids. */
        tier__frame_keep_id_order(frame, book);
        rc = run_models(result, book, models, model_count, frame, ref);
        if (rc)
            goto fail;
    } else if (tier_frame_rows(frame) != n) {
        tier__errorf(result->err, "the frame has %zu rows but the book %zu customers",
                     tier_frame_rows(frame), n);
        rc = TIER_EINVAL;
        goto fail;
    } else {
        tier__frame_keep_id_order(frame, book);
    }

    memset(&in, 0, sizeof in);
    in.pol = &policy->pol;
    in.origin = policy->origin;
    in.book = book;
    in.frame = frame;
    in.as_of = result->as_of;
    in.ref = ref;
    result->ref = ref;
    rc = tier__policy_apply(&in, a, &ap, NULL, result->err);
    if (rc)
        goto fail;

    /* The result's columns; added outside scoring, so their names carry no model prefix. */
    tier_names = tier__calloc(a, ntiers, sizeof *tier_names);
    if (!tier_names) {
        tier__errorf(result->err, "out of memory adding the tier columns");
        rc = TIER_ENOMEM;
        goto fail;
    }
    for (i = 0; i < ntiers; i++)
        tier_names[i] = policy->pol.tiers[i].name;
    with_flags = policy->pol.n_flags > 0 || ap.routes;
    if ((rc = add_column(result, book, frame, "tier", tier_names, ntiers, ap.tier, n, &tcol)) ||
        (rc = add_column(result, book, frame, "reason", ap.reasons, ap.n_reasons, ap.reason, n,
                         &rcol)) ||
        (with_flags && (rc = add_column(result, book, frame, "flags", ap.flag_sets, ap.n_flag_sets,
                                        ap.flags, n, &fcol))) ||
        (ap.routes &&
         (rc = add_column(result, book, frame, "route", ap.teams, ap.n_teams, ap.route, n, &ocol))))
        goto fail;

    if ((rc = summarize(result, book, ap.tier, n, &k)) != TIER_OK)
        goto fail;
    if (keep_entitlements(result, &policy->pol, &k) ||
        keep_models(result, models, model_count, &k)) {
        tier__errorf(result->err, "out of memory keeping the run's entitlements and models");
        rc = TIER_ENOMEM;
        goto fail;
    }
    k.report = ap.report;
    k.n_report = ap.n_report;
    ap.report = NULL;
    ap.n_report = 0;
    k.placed = ap.tier;
    k.placed_reason = ap.reason;
    k.cap_reason = ap.cap_reason;
    k.reasons = ap.reasons;
    k.n_reasons = ap.n_reasons;
    k.demote_slot = ap.demote_slot;
    k.demote = ap.demote;
    k.n_demote = ap.n_demote;
    ap.tier = ap.reason = ap.cap_reason = ap.demote_slot = NULL;
    ap.reasons = NULL;
    ap.n_reasons = 0;
    ap.demote = NULL;

    /* Commit: nothing below can fail. */
    tier__frame_keep_id_order(frame, NULL);
    tier_frame_free(result->frame);
    kept_free(a, &result->k);
    result->frame = frame;
    result->customers = n;
    result->tier_col = tcol;
    result->reason_col = rcol;
    result->tier_codes = tier_frame_labels(frame, tcol);
    result->reason_codes = tier_frame_labels(frame, rcol);
    result->flag_col = fcol;
    result->flag_codes = with_flags ? tier_frame_labels(frame, fcol) : NULL;
    result->route_col = ocol;
    result->route_codes = ap.routes ? tier_frame_labels(frame, ocol) : NULL;
    result->run_as_of = result->as_of;
    result->k = k;
    tier__applied_free(a, &ap);
    tier__free(a, (void *)tier_names);
    result->err[0] = '\0';
    return TIER_OK;
fail:
    tier_frame_free(frame);
    tier__applied_free(a, &ap);
    kept_free(a, &k);
    tier__free(a, (void *)tier_names);
    return rc;
}

int tier_result_run(tier_result *result, const tier_book *book, tier_model *const *models,
                    size_t model_count, const tier_policy *policy)
{
    int rc;
    if (result && result->pop && policy) {
        result->pop_ran = 0;
        rc = tier__population_prepare(result->pop, policy->pol.n_tiers, result->err);
        if (rc)
            return rc;
    }
    rc = run_with(result, book, models, model_count, policy, NULL, result ? result->pop : NULL);
    if (result && result->pop)
        result->pop_ran = rc == TIER_OK;
    return rc;
}

int tier_result_set_population(tier_result *result, const char *text, size_t len)
{
    tier__policy_ref *ref = NULL;
    int rc;
    if (!result)
        return TIER_EINVAL;
    if (text) {
        rc = tier__population_parse(&result->alloc, text, len, &ref, result->err);
        if (rc)
            return rc;
    }
    if (result->ref == result->pop)
        result->ref = NULL;
    tier__population_free(result->pop);
    result->pop = ref;
    result->pop_ran = 0;
    result->err[0] = '\0';
    return TIER_OK;
}

int tier_result_population(const tier_result *result, tier_text *out)
{
    if (!result)
        return TIER_EINVAL;
    if (!out) {
        tier__errorf(tier__result_errbuf(result), "no text to write the population inputs to");
        return TIER_EINVAL;
    }
    if (!result->pop || !result->pop_ran) {
        tier__errorf(tier__result_errbuf(result), "no population inputs: set population figures, "
                                                  "then run (successfully)");
        return TIER_ESTATE;
    }
    if (tier__population_inputs(result->pop, out) != TIER_OK) {
        tier__errorf(tier__result_errbuf(result), "out of memory writing the population inputs");
        return TIER_ENOMEM;
    }
    return TIER_OK;
}

int tier__result_run_scored(tier_result *result, const tier_book *book, tier_model *const *models,
                            size_t model_count, const tier_policy *policy, tier_frame *frame,
                            struct tier__policy_ref *ref)
{
    return run_with(result, book, models, model_count, policy, frame, ref);
}

void tier__result_forget_ref(tier_result *result)
{
    if (result)
        result->ref = NULL;
}

const tier_frame *tier_result_frame(const tier_result *result)
{
    return result ? result->frame : NULL;
}

size_t tier_result_customer_count(const tier_result *result)
{
    return result && result->frame ? result->customers : 0;
}

int tier_result_tier(const tier_result *result, size_t i)
{
    if (!result || !result->frame || i >= result->customers)
        return -1;
    return result->tier_codes[i];
}

size_t tier_result_tier_count(const tier_result *result)
{
    return result ? result->k.ntiers : 0;
}

const char *tier_result_tier_name(const tier_result *result, size_t tier)
{
    if (!result || !result->frame || tier >= result->k.ntiers)
        return NULL;
    return tier_frame_label_text(result->frame, result->tier_col, (int32_t)tier);
}

static const char *label_of(const tier_result *result, const int32_t *codes, size_t col, size_t i)
{
    const char *s;
    if (!result || !result->frame || !codes || i >= result->customers || codes[i] < 0)
        return "";
    s = tier_frame_label_text(result->frame, col, codes[i]);
    return s ? s : "";
}

const char *tier_result_reason(const tier_result *result, size_t i)
{
    return result ? label_of(result, result->reason_codes, result->reason_col, i) : "";
}

const char *tier_result_flags(const tier_result *result, size_t i)
{
    return result ? label_of(result, result->flag_codes, result->flag_col, i) : "";
}

const char *tier_result_route(const tier_result *result, size_t i)
{
    return result ? label_of(result, result->route_codes, result->route_col, i) : "";
}

int tier_result_summary(const tier_result *result, size_t tier, size_t *customers, double *revenue)
{
    if (!result)
        return TIER_EINVAL;
    if (tier >= result->k.ntiers) {
        tier__errorf(tier__result_errbuf(result), "no tier %zu (the result has %zu)", tier,
                     result->k.ntiers);
        return TIER_ERANGE;
    }
    if (customers)
        *customers = result->k.tier_customers[tier];
    if (revenue)
        *revenue = tier__fixed_to_double(result->k.tier_net[tier]);
    return TIER_OK;
}

int tier_result_set_as_of(tier_result *result, double day)
{
    if (!result)
        return TIER_EINVAL;
    result->err[0] = '\0';
    if (!isnan(day) && !(day >= TIER_DAY_MIN && day <= TIER_DAY_MAX && day == floor(day))) {
        tier__errorf(result->err, "as-of day %g is not a whole day from %d to %d", day,
                     TIER_DAY_MIN, TIER_DAY_MAX);
        return TIER_ERANGE;
    }
    result->as_of = day;
    return TIER_OK;
}

/* ---- what the writer and explanations read ------------------------------------------------ */

int tier__result_ent_find(const tier_result *result, const char *name, int *type)
{
    size_t d;
    for (d = 0; d < result->k.n_ent; d++)
        if (strcmp(result->k.ent_name[d], name) == 0) {
            if (type)
                *type = result->k.ent_type[d];
            return (int)d;
        }
    return -1;
}

int tier__result_ent_value(const tier_result *result, int k, size_t tier, double *num,
                           const char **text)
{
    const rent *v;
    if (k < 0 || (size_t)k >= result->k.n_ent || tier >= result->k.ntiers)
        return 0;
    v = &result->k.ent[tier * result->k.n_ent + (size_t)k];
    if (!v->set)
        return 0;
    *num = v->num;
    *text = v->text;
    return 1;
}

size_t tier__result_ent_count(const tier_result *result)
{
    return result->k.n_ent;
}

const char *tier__result_ent_name(const tier_result *result, size_t k)
{
    return k < result->k.n_ent ? result->k.ent_name[k] : NULL;
}

const int32_t *tier__result_tiers(const tier_result *result)
{
    return result->frame ? result->tier_codes : NULL;
}

double tier__result_as_of(const tier_result *result)
{
    return result->run_as_of;
}

const char *tier__result_model(const tier_result *result, size_t m, const char **kind,
                               const char **state, size_t *state_len)
{
    if (m >= result->k.n_models)
        return NULL;
    *kind = result->k.models[m].kind;
    *state = result->k.models[m].state;
    *state_len = result->k.models[m].state_len;
    return result->k.models[m].name;
}

size_t tier_result_notice_count(const tier_result *result)
{
    return result && result->frame ? result->k.n_report : 0;
}

const char *tier_result_notice(const tier_result *result, size_t i)
{
    return i < tier_result_notice_count(result) ? result->k.report[i] : NULL;
}

int tier_result_entitlement(const tier_result *result, size_t i, const char *key, tier_value *value)
{
    char *err;
    int k, type = 0, t;
    double num = 0;
    const char *text = NULL;
    if (!result)
        return TIER_EINVAL;
    err = tier__result_errbuf(result);
    err[0] = '\0';
    if (!key || !value) {
        tier__errorf(err, "entitlement: the %s is NULL", key ? "value" : "key");
        return TIER_EINVAL;
    }
    if (!result->frame) {
        tier__errorf(err, "no entitlements: the result has not been run");
        return TIER_ESTATE;
    }
    if (i >= result->customers) {
        tier__errorf(err, "no customer %zu (the result has %zu)", i, result->customers);
        return TIER_ERANGE;
    }
    k = tier__result_ent_find(result, key, &type);
    if (k < 0) {
        tier__errorf(err, "no entitlement '%s' in the policy of the run", key);
        return TIER_ENOTFOUND;
    }
    t = result->tier_codes[i];
    if (t < 0 || !tier__result_ent_value(result, k, (size_t)t, &num, &text)) {
        tier__errorf(err, "customer %zu has no value for entitlement '%s' (%s)", i, key,
                     t < 0 ? "no tier" : "its tier does not set it");
        return TIER_ENOTFOUND;
    }
    if (type == TIER__PT_TEXT)
        return tier_value_set_text(value, text ? text : "");
    return tier_value_set_number(value, num);
}

/* ---- what tier_history_apply reads and changes ----------------------------------------------- */

void tier__result_drop_run(tier_result *result)
{
    tier_frame_free(result->frame);
    kept_free(&result->alloc, &result->k);
    result->frame = NULL;
    result->customers = result->tier_col = result->reason_col = 0;
    result->flag_col = result->route_col = 0;
    result->tier_codes = result->reason_codes = result->flag_codes = result->route_codes = NULL;
    result->run_as_of = NAN;
}

int tier__result_has_run(const tier_result *result)
{
    return result && result->frame != NULL;
}

int tier__result_finalized(const tier_result *result)
{
    return result && result->k.finalized;
}

int tier__result_placed(const tier_result *result, size_t i, const char **reason, const char **cap)
{
    const kept *k = &result->k;
    int32_t r, c;
    if (reason)
        *reason = "";
    if (cap)
        *cap = NULL;
    if (!result->frame || i >= result->customers)
        return -1;
    r = k->placed_reason[i];
    c = k->cap_reason[i];
    if (reason && r >= 0 && (size_t)r < k->n_reasons)
        *reason = k->reasons[r];
    if (cap && c >= 0 && (size_t)c < k->n_reasons)
        *cap = k->reasons[c];
    return k->placed[i];
}

int tier__result_demote(const tier_result *result, size_t tier, size_t i)
{
    const kept *k = &result->k;
    int32_t slot;
    if (!result->frame || i >= result->customers || tier >= k->ntiers || !k->demote_slot)
        return -1;
    slot = k->demote_slot[tier];
    if (slot < 0 || (size_t)slot >= k->n_demote)
        return -1;
    return k->demote[(size_t)slot * result->customers + i] != 0;
}

int tier__result_finalize(tier_result *res, const tier_book *book, const tier__result_final *fin,
                          char *err)
{
    static const char *const moves[] = {"new", "up", "down", "same"};
    const tier_allocator *a = &res->alloc;
    const size_t n = res->customers, ntiers = res->k.ntiers;
    tier_frame *f = res->frame;
    kept sum;
    const char **names = NULL;
    size_t mark = 0, i, c_tier = 0, c_reason = 0, c_flags = 0, c_route = 0;
    tier__applied fl;
    int32_t *dst;
    double *days;
    int rc;
    if (!f || res->k.finalized) {
        tier__errorf(err, "%s",
                     !f ? "the result has no run (tier_result_run first)"
                        : "the result already went through a history: run the policy again "
                          "before applying another");
        return TIER_ESTATE;
    }
    if (!book || tier_book_customer_count(book) != n) {
        tier__errorf(err, "the book is not that of the run (%zu customers, the result has %zu)",
                     book ? tier_book_customer_count(book) : (size_t)0, n);
        return TIER_EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (fin->tier[i] < -1 || fin->tier[i] >= (int32_t)ntiers || fin->reason[i] < -1 ||
            fin->reason[i] >= (int32_t)fin->n_reasons || fin->previous[i] < -1 ||
            fin->previous[i] >= (int32_t)fin->n_previous_names || fin->move[i] < 0 ||
            fin->move[i] > TIER__RMOVE_SAME) {
            tier__errorf(err, "the final tier of customer %zu is out of range", i);
            return TIER_EINVAL;
        }
    }
    if (!fin->policy || fin->policy->pol.n_tiers != ntiers ||
        !fin->policy->pol.route.present != !res->route_codes ||
        (fin->policy->pol.n_flags > 0 || fin->policy->pol.route.present) != !!res->flag_codes) {
        tier__errorf(err, "the final tiers need the policy of the run");
        return TIER_EINVAL;
    }
    memset(&fl, 0, sizeof fl);
    if (res->flag_codes) {
        /* Flags and routing see the final tiers (`tier` in their tests, the teams' loads). */
        tier__apply_in in;
        memset(&in, 0, sizeof in);
        in.pol = &fin->policy->pol;
        in.origin = fin->policy->origin;
        in.book = book;
        in.frame = f;
        in.as_of = res->run_as_of;
        in.ref = res->ref; /* a retier's batch recompute: its frozen figures */
        if ((rc = tier__policy_flags(&in, fin->tier, a, &fl, NULL, err)) != TIER_OK)
            return rc;
    }
    memset(&sum, 0, sizeof sum);
    sum.ntiers = ntiers;
    if ((rc = summarize(res, book, fin->tier, n, &sum)) != TIER_OK) {
        tier__errorf(err, "%s", res->err);
        kept_free(a, &sum);
        tier__applied_free(a, &fl);
        return rc;
    }
    names = tier__calloc(a, ntiers + 1, sizeof *names);
    if (!names) {
        rc = TIER_ENOMEM;
        goto fail;
    }
    for (i = 0; i < ntiers; i++)
        names[i] = tier_frame_label_text(f, res->tier_col, (int32_t)i);
    mark = tier__frame_begin(f, NULL);
    /* The new tier and reason columns go under names no model can give, then swap places with
     * the old ones, which are dropped with the undo mark's columns past the kept three. */
    if ((rc = tier_frame_add_labels(f, "previous_tier", fin->previous_names, fin->n_previous_names,
                                    &dst)) != TIER_OK)
        goto fail;
    memcpy(dst, fin->previous, n * sizeof *dst);
    if ((rc = tier_frame_add_labels(f, "move", moves, 4, &dst)) != TIER_OK)
        goto fail;
    memcpy(dst, fin->move, n * sizeof *dst);
    if ((rc = tier_frame_add_numbers(f, "since", &days)) != TIER_OK)
        goto fail;
    memcpy(days, fin->since, n * sizeof *days);
    if ((rc = tier_frame_add_labels(f, "-tier-", names, ntiers, &dst)) != TIER_OK)
        goto fail;
    memcpy(dst, fin->tier, n * sizeof *dst);
    if ((rc = tier_frame_add_labels(f, "-reason-", fin->reasons, fin->n_reasons, &dst)) != TIER_OK)
        goto fail;
    memcpy(dst, fin->reason, n * sizeof *dst);
    if (res->flag_codes &&
        ((rc = tier_frame_add_labels(f, "-flags-", (const char *const *)fl.flag_sets,
                                     fl.n_flag_sets, &dst)) != TIER_OK))
        goto fail;
    if (res->flag_codes && n) /* no rows: fl.flags may be NULL, which memcpy must not get */
        memcpy(dst, fl.flags, n * sizeof *dst);
    if (res->route_codes &&
        ((rc = tier_frame_add_labels(f, "-route-", (const char *const *)fl.teams, fl.n_teams,
                                     &dst)) != TIER_OK))
        goto fail;
    if (res->route_codes && n)
        memcpy(dst, fl.route, n * sizeof *dst);
    if (tier_frame_find(f, "-tier-", &c_tier) || tier_frame_find(f, "-reason-", &c_reason) ||
        (res->flag_codes && tier_frame_find(f, "-flags-", &c_flags)) ||
        (res->route_codes && tier_frame_find(f, "-route-", &c_route))) {
        rc = TIER_ERROR;
        goto fail;
    }
    /* Commit: nothing below can fail. */
    tier__frame_swap(f, res->tier_col, c_tier);
    tier__frame_swap(f, res->reason_col, c_reason);
    if (res->flag_codes)
        tier__frame_swap(f, res->flag_col, c_flags);
    if (res->route_codes)
        tier__frame_swap(f, res->route_col, c_route);
    tier__frame_end(f, mark + 3, 0);
    res->tier_codes = tier_frame_labels(f, res->tier_col);
    res->reason_codes = tier_frame_labels(f, res->reason_col);
    if (res->flag_codes)
        res->flag_codes = tier_frame_labels(f, res->flag_col);
    if (res->route_codes) {
        res->route_codes = tier_frame_labels(f, res->route_col);
        tier__free_strings(a, res->k.report, res->k.n_report);
        res->k.report = fl.report;
        res->k.n_report = fl.n_report;
        fl.report = NULL;
        fl.n_report = 0;
    }
    tier__applied_free(a, &fl);
    tier__free(a, res->k.tier_customers);
    tier__free(a, res->k.tier_net);
    res->k.tier_customers = sum.tier_customers;
    res->k.tier_net = sum.tier_net;
    res->k.finalized = 1;
    tier__free(a, (void *)names);
    return TIER_OK;
fail:
    if (rc == TIER_ENOMEM)
        tier__errorf(err, "out of memory changing the result's tiers");
    else
        tier__errorf(err, "changing the result's tiers failed: %s", tier_frame_last_error(f));
    if (names)
        tier__frame_end(f, mark, 0);
    tier__free(a, (void *)names);
    kept_free(a, &sum);
    tier__applied_free(a, &fl);
    return rc;
}
