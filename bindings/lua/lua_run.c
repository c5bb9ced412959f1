/* SPDX-License-Identifier: MIT */
/* tier.run and libtier.Result (result.h): one run of models and a policy over a book, with each
 * customer's tier, reason, flags, route, entitlements and explanation. */
#include <string.h>

#include "lua_tier.h"

static void free_result(void *p)
{
    tier_result_free((tier_result *)p);
}

void lt_push_borrowed(lua_State *L, const char *tname, const void *ptr, int pidx)
{
    lt_box *owner = (lt_box *)lua_touserdata(L, pidx);
    lt_box *box;
    pidx = lua_absindex(L, pidx);
    box = lt_push_box(L, tname, NULL, NULL);
    box->gen = owner->gen;
    lt_set_dep(L, -1, LT_DEP_OWNER, pidx);
    box->ptr = (void *)(size_t)ptr; /* read only: a borrowed box has no call that changes it */
}

tier_result *lt_push_result(lua_State *L)
{
    lt_box *box = lt_push_box(L, LT_RESULT, NULL, free_result);
    tier_result *res = NULL;
    if (tier_result_new(&res, NULL) != TIER_OK)
        luaL_error(L, "not enough memory");
    box->ptr = res;
    return res;
}

const tier_book *lt_result_book(lua_State *L, lt_box *res)
{
    lt_box *owner = res->dep[LT_DEP_OWNER];
    (void)L;
    if (res->dep[LT_DEP_BOOK])
        return (const tier_book *)res->dep[LT_DEP_BOOK]->ptr;
    return owner ? tier_pipeline_book(((lt_pipeline *)owner->ptr)->p) : NULL;
}

/* tier.run(book, policy [, models] [, {as_of = day}]) -> Result | nil, message, code.
 * `policy` is a Policy, a built-in name or a policy file; `models` a sequence of Models (default:
 * the models the policy declares, with their options; rfm and pareto when it declares none). */
int lt_run(lua_State *L)
{
    lt_box *book_box = lt_check_box(L, 1, LT_BOOK);
    tier_book *book = (tier_book *)book_box->ptr;
    tier_result *res;
    tier_model **models;
    size_t i, n = 0;
    int pol, first, rc;
    /* A result keeps its book; a pipeline's book lives only until the pipeline's next run. */
    if (!book_box->free_fn)
        return luaL_argerror(L, 1,
                             "a book of tier.book expected (a pipeline's book is read by "
                             "the pipeline's own result)");
    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TTABLE);
    if (!lua_isnoneornil(L, 4))
        luaL_checktype(L, 4, LUA_TTABLE);
    lua_settop(L, 4);
    if (lt_policy_arg(L, 2) != 1)
        return 3;
    pol = lua_gettop(L);
    first = pol + 1;
    if (lua_istable(L, 3)) {
        n = (size_t)luaL_len(L, 3);
        luaL_checkstack(L, (int)n + 8, "too many models");
        for (i = 0; i < n; i++) {
            lua_geti(L, 3, (lua_Integer)i + 1);
            if (!lt_test_box(L, -1, LT_MODEL))
                return luaL_error(L, "bad argument #3 to 'run' (item %d is not a libtier.Model)",
                                  (int)i + 1);
            lt_check(L, -1, LT_MODEL);
        }
    } else if (lt_models_of_policy(L, (tier_policy *)lt_check(L, pol, LT_POLICY), book, &n) != 0) {
        return 3;
    }
    models = (tier_model **)lua_newuserdatauv(L, (n ? n : 1) * sizeof *models, 0);
    for (i = 0; i < n; i++)
        models[i] = (tier_model *)((lt_box *)lua_touserdata(L, first + (int)i))->ptr;
    res = lt_push_result(L);
    if (lua_istable(L, 4)) {
        lua_getfield(L, 4, "as_of");
        if (!lua_isnil(L, -1) &&
            (rc = tier_result_set_as_of(res, (double)lt_check_day(L, -1))) != TIER_OK)
            return lt_fail(L, rc, tier_result_last_error(res));
        lua_pop(L, 1);
    }
    rc = tier_result_run(res, book, models, n, (tier_policy *)lt_check(L, pol, LT_POLICY));
    if (rc != TIER_OK)
        return lt_fail(L, rc, tier_result_last_error(res));
    lt_set_dep(L, -1, LT_DEP_BOOK, 1);
    lt_set_dep(L, -1, LT_DEP_POLICY, pol);
    lt_set_models(L, -1, first, n);
    return 1;
}

/* ---- results ---- */

static lt_box *check_res(lua_State *L)
{
    return lt_check_box(L, 1, LT_RESULT);
}

static const tier_result *res_of(lt_box *b)
{
    return (const tier_result *)b->ptr;
}

/* Customer argument 2 of a result method; returns 0 or 3 (nil, message, code pushed). */
static int res_customer(lua_State *L, lt_box *b, size_t *i)
{
    return lt_customer(L, 2, lt_result_book(L, b), tier_result_customer_count(res_of(b)), i);
}

static int res_count(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)tier_result_customer_count(res_of(check_res(L))));
    return 1;
}

/* result:tier(customer) -> tier name | false (no rule placed it) */
static int res_tier(lua_State *L)
{
    lt_box *b = check_res(L);
    size_t i;
    int t;
    if (res_customer(L, b, &i) != 0)
        return 3;
    t = tier_result_tier(res_of(b), i);
    if (t < 0)
        lua_pushboolean(L, 0);
    else
        lua_pushstring(L, tier_result_tier_name(res_of(b), (size_t)t));
    return 1;
}

/* result:reason(customer) -> the rule (or cap, hold, override) that placed it; "" when none */
static int res_reason(lua_State *L)
{
    lt_box *b = check_res(L);
    size_t i;
    if (res_customer(L, b, &i) != 0)
        return 3;
    lua_pushstring(L, tier_result_reason(res_of(b), i));
    return 1;
}

/* result:flags(customer) -> {flag names} */
static int res_flags(lua_State *L)
{
    lt_box *b = check_res(L);
    size_t i;
    if (res_customer(L, b, &i) != 0)
        return 3;
    lt_push_split(L, tier_result_flags(res_of(b), i));
    return 1;
}

/* result:route(customer) -> team | nil (not routed) */
static int res_route(lua_State *L)
{
    lt_box *b = check_res(L);
    size_t i;
    const char *route;
    if (res_customer(L, b, &i) != 0)
        return 3;
    route = tier_result_route(res_of(b), i);
    if (*route)
        lua_pushstring(L, route);
    else
        lua_pushnil(L);
    return 1;
}

static const tier_policy *res_policy(lt_box *b)
{
    return b->dep[LT_DEP_POLICY] ? (const tier_policy *)b->dep[LT_DEP_POLICY]->ptr : NULL;
}

/* result:entitlement(customer, key) -> value (nil: its tier sets none) | nil, message, code */
static int res_entitlement(lua_State *L)
{
    lt_box *b = check_res(L);
    const char *key = luaL_checkstring(L, 3);
    const tier_policy *pol = res_policy(b);
    tier_value *v;
    size_t i;
    int rc;
    if (res_customer(L, b, &i) != 0 || lt_check_entitlement(L, pol, key) != 0)
        return 3;
    v = lt_scratch_value(L);
    rc = tier_result_entitlement(res_of(b), i, key, v);
    if (rc == TIER_ENOTFOUND) {
        lua_pushnil(L);
        return 1;
    }
    if (rc != TIER_OK)
        return lt_fail(L, rc, tier_result_last_error(res_of(b)));
    if (pol)
        lt_push_entitlement(L, pol, key, v);
    else
        lt_push_value(L, v, 0);
    return 1;
}

/* result:entitlements(customer) -> {name = value} of its tier */
static int res_entitlements(lua_State *L)
{
    lt_box *b = check_res(L);
    const tier_policy *pol = res_policy(b);
    tier_value *v;
    size_t i, k, n = pol ? tier_policy_entitlement_count(pol) : 0;
    if (res_customer(L, b, &i) != 0)
        return 3;
    v = lt_scratch_value(L);
    lua_createtable(L, 0, (int)n);
    for (k = 0; k < n; k++) {
        const char *key = tier_policy_entitlement_name(pol, k, NULL);
        if (tier_result_entitlement(res_of(b), i, key, v) != TIER_OK)
            continue;
        lt_push_entitlement(L, pol, key, v);
        lua_setfield(L, -2, key);
    }
    return 1;
}

/* result:explain(customer [, "text" | "json"]) -> text | nil, message, code */
static int res_explain(lua_State *L)
{
    lt_box *b = check_res(L);
    int format = lt_check_format(L, 3, 1), rc;
    const tier_policy *pol = res_policy(b);
    tier_text *t;
    size_t i;
    if (!pol)
        return lt_fail(L, TIER_EINVAL, "a pipeline's result is explained by pipeline:explain()");
    if (res_customer(L, b, &i) != 0)
        return 3;
    t = lt_scratch_text(L);
    rc = tier_result_explain(res_of(b), lt_result_book(L, b), pol, i, format, t);
    if (rc != TIER_OK)
        return lt_fail(L, rc, tier_result_last_error(res_of(b)));
    lt_push_text(L, t);
    return 1;
}

/* result:tiers() -> {tier names of the policy} */
static int res_tiers(lua_State *L)
{
    const tier_result *r = res_of(check_res(L));
    size_t t, n = tier_result_tier_count(r);
    lua_createtable(L, (int)n, 0);
    for (t = 0; t < n; t++) {
        lua_pushstring(L, tier_result_tier_name(r, t));
        lua_rawseti(L, -2, (lua_Integer)t + 1);
    }
    return 1;
}

/* result:summary() -> {{tier =, customers =, revenue =}, ...} */
static int res_summary(lua_State *L)
{
    const tier_result *r = res_of(check_res(L));
    size_t t, n = tier_result_tier_count(r), customers = 0;
    double revenue = 0;
    lua_createtable(L, (int)n, 0);
    for (t = 0; t < n; t++) {
        (void)tier_result_summary(r, t, &customers, &revenue);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, tier_result_tier_name(r, t));
        lua_setfield(L, -2, "tier");
        lua_pushinteger(L, (lua_Integer)customers);
        lua_setfield(L, -2, "customers");
        lt_push_number(L, revenue);
        lua_setfield(L, -2, "revenue");
        lua_rawseti(L, -2, (lua_Integer)t + 1);
    }
    return 1;
}

/* result:columns() -> {frame column names} */
static int res_columns(lua_State *L)
{
    const tier_frame *f = tier_result_frame(res_of(check_res(L)));
    size_t c, n = f ? tier_frame_column_count(f) : 0;
    lua_createtable(L, (int)n, 0);
    for (c = 0; c < n; c++) {
        lua_pushstring(L, tier_frame_column_name(f, c));
        lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    return 1;
}

/* result:value(customer, column) -> number | label | nil (missing) | nil, message, code */
static int res_value(lua_State *L)
{
    lt_box *b = check_res(L);
    const char *column = luaL_checkstring(L, 3);
    const tier_frame *f = tier_result_frame(res_of(b));
    size_t i, c = 0;
    if (res_customer(L, b, &i) != 0)
        return 3;
    if (!f || tier_frame_find(f, column, &c) != TIER_OK)
        return lt_failf(L, TIER_ENOTFOUND, "no column \"%s\" in the result", column);
    if (tier_frame_column_type(f, c) == TIER_VALUE_NUMBER) {
        lt_push_number(L, tier_frame_numbers(f, c)[i]);
    } else {
        int32_t code = tier_frame_labels(f, c)[i];
        if (code < 0)
            lua_pushnil(L);
        else
            lua_pushstring(L, tier_frame_label_text(f, c, code));
    }
    return 1;
}

/* result:notices() -> {notices of the run} */
static int res_notices(lua_State *L)
{
    const tier_result *r = res_of(check_res(L));
    size_t k, n = tier_result_notice_count(r);
    lua_createtable(L, (int)n, 0);
    for (k = 0; k < n; k++) {
        lua_pushstring(L, tier_result_notice(r, k));
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

/* Reads {columns = "...", format = "csv" | "json"} at `idx`. */
static void write_options(lua_State *L, int idx, const char **columns, int *format)
{
    *columns = NULL;
    *format = TIER_OUTPUT_CSV;
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_getfield(L, idx, "columns");
    *columns = luaL_optstring(L, -1, NULL);
    lua_getfield(L, idx, "format");
    *format = lt_check_format(L, lua_gettop(L), 0);
    lua_pop(L, 1); /* the columns string stays referenced by the table */
    lua_pop(L, 1);
}

/* result:write(path [, {columns =, format =}]) -> true | nil, message, code (atomic) */
static int res_write(lua_State *L)
{
    lt_box *b = check_res(L);
    const char *path = luaL_checkstring(L, 2), *columns;
    int format, rc;
    write_options(L, 3, &columns, &format);
    rc = tier_result_save(res_of(b), lt_result_book(L, b), columns, format, path, NULL);
    if (rc != TIER_OK)
        return lt_fail(L, rc, tier_result_last_error(res_of(b)));
    lua_pushboolean(L, 1);
    return 1;
}

/* result:to_string([{columns =, format =}]) -> text | nil, message, code */
static int res_to_string(lua_State *L)
{
    lt_box *b = check_res(L);
    const char *columns;
    int format, rc;
    tier_text *t;
    write_options(L, 2, &columns, &format);
    t = lt_scratch_text(L);
    rc = tier_result_write(res_of(b), lt_result_book(L, b), columns, format, lt_append_cb, t);
    if (rc != TIER_OK)
        return lt_fail(L, rc, tier_result_last_error(res_of(b)));
    lt_push_text(L, t);
    return 1;
}

/* result:book(), result:policy() -> the objects of the run (nil for a pipeline's result);
 * result:models() -> {Models} */
static int res_uservalue(lua_State *L, int n)
{
    check_res(L);
    lua_getiuservalue(L, 1, n);
    return 1;
}

static int res_book(lua_State *L)
{
    return res_uservalue(L, LT_DEP_BOOK + 1);
}

static int res_policy_of(lua_State *L)
{
    return res_uservalue(L, LT_DEP_POLICY + 1);
}

static int res_models(lua_State *L)
{
    int n = res_uservalue(L, LT_SLOTS + 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
    return n;
}

static int res_describe(lua_State *L)
{
    const tier_result *r = res_of(lt_check_box(L, 1, LT_RESULT));
    lua_pushfstring(L, "%I customers, %I tiers", (lua_Integer)tier_result_customer_count(r),
                    (lua_Integer)tier_result_tier_count(r));
    return 1;
}

void lt_open_run(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"count", res_count},
        {"tier", res_tier},
        {"reason", res_reason},
        {"flags", res_flags},
        {"route", res_route},
        {"entitlement", res_entitlement},
        {"entitlements", res_entitlements},
        {"explain", res_explain},
        {"tiers", res_tiers},
        {"summary", res_summary},
        {"columns", res_columns},
        {"value", res_value},
        {"notices", res_notices},
        {"write", res_write},
        {"to_string", res_to_string},
        {"book", res_book},
        {"policy", res_policy_of},
        {"models", res_models},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {{"__len", res_count}, {NULL, NULL}};
    lt_register(L, LT_RESULT, methods, meta, res_describe);
}
