/* SPDX-License-Identifier: MIT */
/* libtier.Retier (retier.h): a finished run frozen so that one customer at a time is re-scored
 * and re-tiered after a new invoice. Compiled only when include/tier/retier.h exists. */
#include <stdio.h>
#include <string.h>

#include <tier/retier.h>

#include "lua_tier.h"

static void free_retier(void *p)
{
    tier_retier_free((tier_retier *)p);
}

static lt_box *check_rt(lua_State *L)
{
    return lt_check_box(L, 1, LT_RETIER);
}

static tier_retier *rt_of(lt_box *b)
{
    return (tier_retier *)b->ptr;
}

/* The book the retier was made with (its own, or its pipeline's). */
static tier_book *rt_book(lt_box *b)
{
    lt_box *owner = b->dep[LT_DEP_OWNER];
    if (b->dep[LT_DEP_BOOK])
        return (tier_book *)b->dep[LT_DEP_BOOK]->ptr;
    return owner ? (tier_book *)(size_t)tier_pipeline_book(((lt_pipeline *)owner->ptr)->p) : NULL;
}

static const tier_policy *rt_policy(lt_box *b)
{
    return b->dep[LT_DEP_POLICY] ? (const tier_policy *)b->dep[LT_DEP_POLICY]->ptr : NULL;
}

/* tier.retier(result [, history]) or result:retier([history]) -> Retier | nil, message, code.
 * `result` comes from tier.run (after history:apply(result) when `history` is given); the
 * retier keeps the run's book, models, policy and history alive. */
int lt_retier_new(lua_State *L)
{
    lt_box *res = lt_check_box(L, 1, LT_RESULT), *box;
    tier_history *h = lua_isnoneornil(L, 2) ? NULL : (tier_history *)lt_check(L, 2, LT_HISTORY);
    tier_model **models;
    tier_retier *rt = NULL;
    size_t i;
    int rc;
    lua_settop(L, 2);
    if (!res->free_fn || !res->dep[LT_DEP_POLICY] || !res->dep[LT_DEP_BOOK])
        return luaL_argerror(L, 1,
                             "a result of tier.run expected (pipeline:retier() for a "
                             "pipeline's run)");
    models = (tier_model **)lua_newuserdatauv(
        L, (res->n_models ? res->n_models : 1) * sizeof *models, 0);
    for (i = 0; i < res->n_models; i++)
        models[i] = (tier_model *)res->models[i]->ptr;
    box = lt_push_box(L, LT_RETIER, NULL, free_retier);
    rc = tier_retier_new(&rt, (const tier_result *)res->ptr,
                         (const tier_book *)res->dep[LT_DEP_BOOK]->ptr, models, res->n_models,
                         (const tier_policy *)res->dep[LT_DEP_POLICY]->ptr, h, NULL);
    if (rc != TIER_OK) {
        /* On failure the library gives a handle that only tells why (NULL when not even that
         * could be allocated): its message names the reason, e.g. the rule or the model. */
        char msg[512];
        snprintf(msg, sizeof msg, "cannot freeze the run: %s",
                 rt ? tier_retier_last_error(rt) : "out of memory");
        tier_retier_free(rt);
        return lt_fail(L, rc, msg);
    }
    box->ptr = rt;
    /* The retier borrows the run's book, policy, models and the history: keep them alive. */
    lua_getiuservalue(L, 1, LT_DEP_BOOK + 1);
    lt_set_dep(L, -2, LT_DEP_BOOK, lua_gettop(L));
    lua_pop(L, 1);
    lua_getiuservalue(L, 1, LT_DEP_POLICY + 1);
    lt_set_dep(L, -2, LT_DEP_POLICY, lua_gettop(L));
    lua_pop(L, 1);
    if (h)
        lt_set_dep(L, -1, LT_DEP_HISTORY, 2);
    lua_getiuservalue(L, 1, LT_SLOTS + 1);
    luaL_checkstack(L, (int)res->n_models + 4, "too many models");
    for (i = 0; i < res->n_models; i++)
        lua_geti(L, -1 - (int)i, (lua_Integer)i + 1);
    lt_set_models(L, -2 - (int)res->n_models, -(int)res->n_models, res->n_models);
    lua_pop(L, (int)res->n_models + 1);
    return 1;
}

/* Customer argument 2: an index or an id of the book (customers added after the freeze are
 * left to the library, which refuses them with TIER_ENOTFOUND). */
static int rt_customer_arg(lua_State *L, lt_box *b, size_t *i)
{
    const tier_book *book = rt_book(b);
    return lt_customer(L, 2, book, tier_book_customer_count(book), i);
}

static void push_tier(lua_State *L, lt_box *b, size_t i)
{
    if (tier_retier_tier(rt_of(b), i) < 0)
        lua_pushboolean(L, 0);
    else
        lua_pushstring(L, tier_retier_tier_name(rt_of(b), i));
}

/* retier:customer(customer) -> tier | false, reason | nil, message, code: re-scores and
 * re-tiers one customer after its transactions or attributes changed (all or nothing). */
static int rt_customer(lua_State *L)
{
    lt_box *b = check_rt(L);
    size_t i;
    int rc;
    if (rt_customer_arg(L, b, &i) != 0)
        return 3;
    rc = tier_retier_customer(rt_of(b), rt_book(b), i);
    if (rc != TIER_OK)
        return lt_fail(L, rc, tier_retier_last_error(rt_of(b)));
    push_tier(L, b, i);
    lua_pushstring(L, tier_retier_reason(rt_of(b), i));
    return 2;
}

/* retier:tier(customer) -> its current tier | false */
static int rt_tier(lua_State *L)
{
    lt_box *b = check_rt(L);
    size_t i;
    if (rt_customer_arg(L, b, &i) != 0)
        return 3;
    push_tier(L, b, i);
    return 1;
}

static int rt_reason(lua_State *L)
{
    lt_box *b = check_rt(L);
    size_t i;
    if (rt_customer_arg(L, b, &i) != 0)
        return 3;
    lua_pushstring(L, tier_retier_reason(rt_of(b), i));
    return 1;
}

static int rt_route(lua_State *L)
{
    lt_box *b = check_rt(L);
    size_t i;
    const char *route;
    if (rt_customer_arg(L, b, &i) != 0)
        return 3;
    route = tier_retier_route(rt_of(b), i);
    if (*route)
        lua_pushstring(L, route);
    else
        lua_pushnil(L);
    return 1;
}

/* retier:flags(customer) -> {flag names} */
static int rt_flags(lua_State *L)
{
    lt_box *b = check_rt(L);
    size_t i;
    if (rt_customer_arg(L, b, &i) != 0)
        return 3;
    lt_push_split(L, tier_retier_flags(rt_of(b), i));
    return 1;
}

/* Pushes entitlement `key` of customer `i`; returns a tier_status (nothing pushed on failure). */
static int push_entitlement(lua_State *L, lt_box *b, size_t i, const char *key)
{
    const tier_policy *pol = rt_policy(b);
    double number = 0;
    const char *text = NULL;
    int rc = tier_retier_entitlement(rt_of(b), i, key, &number, &text);
    if (rc != TIER_OK)
        return rc;
    if (text)
        lua_pushstring(L, text);
    else if (pol && lt_entitlement_type(pol, key) == TIER_ENTITLEMENT_BOOL)
        lua_pushboolean(L, number != 0);
    else
        lt_push_number(L, number);
    return TIER_OK;
}

/* retier:entitlement(customer, key) -> value of its current tier (nil: none) | nil, message,
 * code (no such entitlement in the policy) */
static int rt_entitlement(lua_State *L)
{
    lt_box *b = check_rt(L);
    const char *key = luaL_checkstring(L, 3);
    size_t i;
    int rc;
    if (rt_customer_arg(L, b, &i) != 0 || lt_check_entitlement(L, rt_policy(b), key) != 0)
        return 3;
    rc = push_entitlement(L, b, i, key);
    if (rc == TIER_ENOTFOUND)
        lua_pushnil(L);
    else if (rc != TIER_OK)
        return lt_fail(L, rc, tier_retier_last_error(rt_of(b)));
    return 1;
}

/* retier:entitlements(customer) -> {name = value} of its current tier (needs the run's policy:
 * a retier of tier.run) */
static int rt_entitlements(lua_State *L)
{
    lt_box *b = check_rt(L);
    const tier_policy *pol = rt_policy(b);
    size_t i, k, n = pol ? tier_policy_entitlement_count(pol) : 0;
    if (rt_customer_arg(L, b, &i) != 0)
        return 3;
    lua_createtable(L, 0, (int)n);
    for (k = 0; k < n; k++) {
        const char *key = tier_policy_entitlement_name(pol, k, NULL);
        if (push_entitlement(L, b, i, key) == TIER_OK)
            lua_setfield(L, -2, key);
    }
    return 1;
}

/* retier:number(customer, column) -> a model output of its row as last re-scored | nil, message,
 * code */
static int rt_number(lua_State *L)
{
    lt_box *b = check_rt(L);
    const char *column = luaL_checkstring(L, 3);
    size_t i;
    double v = 0;
    int rc;
    if (rt_customer_arg(L, b, &i) != 0)
        return 3;
    rc = tier_retier_number(rt_of(b), i, column, &v);
    if (rc != TIER_OK)
        return lt_fail(L, rc, tier_retier_last_error(rt_of(b)));
    lt_push_number(L, v);
    return 1;
}

/* retier:batch() -> a Result of the whole book under the frozen figures | nil, message, code */
static int rt_batch(lua_State *L)
{
    lt_box *b = check_rt(L);
    tier_result *res;
    int rc, i;
    res = lt_push_result(L);
    rc = tier_retier_batch(rt_of(b), rt_book(b), res);
    if (rc != TIER_OK)
        return lt_fail(L, rc, tier_retier_last_error(rt_of(b)));
    for (i = 0; i < LT_SLOTS; i++) {
        if (i == LT_DEP_HISTORY)
            continue;
        lua_getiuservalue(L, 1, i + 1);
        if (!lua_isnil(L, -1))
            lt_set_dep(L, -2, i, lua_gettop(L));
        lua_pop(L, 1);
    }
    return 1;
}

/* pipeline:retier() -> the Retier of the pipeline's last run (valid until its next run) | nil,
 * message, code. Invoices go into pipeline:book(). */
static int pipeline_retier(lua_State *L)
{
    lt_pipeline *lp = (lt_pipeline *)lt_check(L, 1, LT_PIPELINE);
    tier_retier *rt = NULL;
    int rc = tier_pipeline_retier(lp->p, &rt);
    if (rc != TIER_OK)
        return lt_fail(L, rc, tier_pipeline_last_error(lp->p));
    lt_push_borrowed(L, LT_RETIER, rt, 1);
    return 1;
}

static int rt_describe(lua_State *L)
{
    check_rt(L);
    lua_pushliteral(L, "frozen run");
    return 1;
}

void lt_open_retier(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"customer", rt_customer},
        {"tier", rt_tier},
        {"reason", rt_reason},
        {"route", rt_route},
        {"flags", rt_flags},
        {"entitlement", rt_entitlement},
        {"entitlements", rt_entitlements},
        {"number", rt_number},
        {"batch", rt_batch},
        {NULL, NULL},
    };
    lt_register(L, LT_RETIER, methods, NULL, rt_describe);
    /* result:retier([history]) next to tier.retier(result [, history]) */
    luaL_getmetatable(L, LT_RESULT);
    lua_getfield(L, -1, "__index");
    lua_pushcfunction(L, lt_retier_new);
    lua_setfield(L, -2, "retier");
    lua_pop(L, 2);
    luaL_getmetatable(L, LT_PIPELINE);
    lua_getfield(L, -1, "__index");
    lua_pushcfunction(L, pipeline_retier);
    lua_setfield(L, -2, "retier");
    lua_pop(L, 2);
}
