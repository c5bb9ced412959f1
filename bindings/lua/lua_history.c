/* SPDX-License-Identifier: MIT */
/* libtier.History (history.h: snapshots, hysteresis, overrides, the ledger) and
 * libtier.Pipeline (pipeline.h: the `tier` command's job in one object). */
#include <stdlib.h>
#include <string.h>

#include "lua_tier.h"

static void free_history(void *p)
{
    tier_history_free((tier_history *)p);
}

static void free_pipeline(void *p)
{
    lt_pipeline *lp = (lt_pipeline *)p;
    tier_pipeline_free(lp->p);
    tier_text_free(lp->out);
    free(lp);
}

/* ---- history ---- */

static tier_history *check_history(lua_State *L)
{
    return (tier_history *)lt_check(L, 1, LT_HISTORY);
}

static int fail_history(lua_State *L, const tier_history *h, int rc)
{
    return lt_fail(L, rc, tier_history_last_error(h));
}

static tier_history *push_history(lua_State *L)
{
    lt_box *box = lt_push_box(L, LT_HISTORY, NULL, free_history);
    tier_history *h = NULL;
    if (tier_history_new(&h, NULL) != TIER_OK)
        luaL_error(L, "not enough memory");
    box->ptr = h;
    return h;
}

/* tier.history() -> an empty History (no run yet) */
int lt_history_new(lua_State *L)
{
    push_history(L);
    return 1;
}

/* tier.history_load(path) -> History | nil, message, code (TIER_ENOTFOUND when the file does
 * not exist: a first run starts from tier.history()) */
int lt_history_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    tier_history *h = push_history(L);
    int rc = tier_history_load(h, path, NULL);
    if (rc != TIER_OK)
        return fail_history(L, h, rc);
    return 1;
}

/* tier.history_from_string(bytes [, origin]) -> History | nil, message, code */
int lt_history_from_string(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    const char *origin = luaL_optstring(L, 2, "<string>");
    tier_history *h = push_history(L);
    int rc = tier_history_load_bytes(h, data, len, origin);
    if (rc != TIER_OK)
        return fail_history(L, h, rc);
    return 1;
}

static int ok_or_fail(lua_State *L, const tier_history *h, int rc)
{
    if (rc != TIER_OK)
        return fail_history(L, h, rc);
    lua_pushboolean(L, 1);
    return 1;
}

/* history:load(path) / history:save(path) -> true | nil, message, code (all or nothing; save
 * is atomic) */
static int history_load(lua_State *L)
{
    tier_history *h = check_history(L);
    return ok_or_fail(L, h, tier_history_load(h, luaL_checkstring(L, 2), NULL));
}

static int history_save(lua_State *L)
{
    tier_history *h = check_history(L);
    return ok_or_fail(L, h, tier_history_save(h, luaL_checkstring(L, 2), NULL));
}

/* history:to_string() -> the snapshot's bytes */
static int history_to_string(lua_State *L)
{
    tier_history *h = check_history(L);
    tier_text *t = lt_scratch_text(L);
    int rc = tier_history_write(h, lt_append_cb, t);
    if (rc != TIER_OK)
        return fail_history(L, h, rc);
    lt_push_text(L, t);
    return 1;
}

/* history:apply(result) -> true | nil, message, code: holds customers by the policy's
 * hysteresis, dwell and overrides, changing the result's tiers and reasons, and advances the
 * history to this run (all or nothing). The result must come from tier.run. */
static int history_apply(lua_State *L)
{
    tier_history *h = check_history(L);
    lt_box *res = lt_check_box(L, 2, LT_RESULT);
    if (!res->free_fn || !res->dep[LT_DEP_POLICY])
        return luaL_argerror(L, 2,
                             "a result of tier.run expected (a pipeline applies its own "
                             "state: setting \"state\")");
    return ok_or_fail(L, h,
                      tier_history_apply(h, (tier_result *)res->ptr,
                                         (const tier_book *)res->dep[LT_DEP_BOOK]->ptr,
                                         (const tier_policy *)res->dep[LT_DEP_POLICY]->ptr));
}

static int history_runs(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)tier_history_runs(check_history(L)));
    return 1;
}

static int history_as_of(lua_State *L)
{
    lt_push_number(L, tier_history_as_of(check_history(L)));
    return 1;
}

static int history_policy_name(lua_State *L)
{
    lua_pushstring(L, tier_history_policy_name(check_history(L)));
    return 1;
}

static int history_policy_hash(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)tier_history_policy_hash(check_history(L)));
    return 1;
}

static int history_count(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)tier_history_customer_count(check_history(L)));
    return 1;
}

static void push_entry(lua_State *L, const tier_history_entry *e)
{
    lua_createtable(L, 0, 8);
    lua_pushstring(L, e->id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, e->tier);
    lua_setfield(L, -2, "tier");
    lt_push_number(L, e->since);
    lua_setfield(L, -2, "since");
    lua_pushinteger(L, e->runs);
    lua_setfield(L, -2, "runs");
    lua_pushinteger(L, e->failing);
    lua_setfield(L, -2, "failing");
    lua_pushstring(L, e->reason);
    lua_setfield(L, -2, "reason");
    lt_push_number(L, e->moved);
    lua_setfield(L, -2, "moved");
    lua_pushstring(L, e->previous);
    lua_setfield(L, -2, "previous");
}

/* history:entry(id) -> {id, tier, since, runs, failing, reason, moved, previous} | nil, message,
 * "TIER_ENOTFOUND" */
static int history_entry(lua_State *L)
{
    tier_history *h = check_history(L);
    const char *id = luaL_checkstring(L, 2);
    tier_history_entry e;
    if (tier_history_entry_get(h, id, 0, &e) != TIER_OK)
        return lt_failf(L, TIER_ENOTFOUND, "no customer \"%s\" in the history", id);
    push_entry(L, &e);
    return 1;
}

/* history:entries() -> {entries in snapshot order} */
static int history_entries(lua_State *L)
{
    tier_history *h = check_history(L);
    size_t i, n = tier_history_customer_count(h);
    tier_history_entry e;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        if (tier_history_entry_get(h, NULL, i, &e) != TIER_OK)
            break;
        push_entry(L, &e);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* history:override_add(id, tier, reason, author, until) -> true | nil, message, code; `until`
 * is the first day the override no longer applies (a day number or "YYYY-MM-DD") */
static int history_override_add(lua_State *L)
{
    tier_history *h = check_history(L);
    const char *id = luaL_checkstring(L, 2), *tier = luaL_checkstring(L, 3);
    const char *reason = luaL_checkstring(L, 4), *author = luaL_checkstring(L, 5);
    int32_t until = lt_check_day(L, 6);
    return ok_or_fail(L, h, tier_history_override_add(h, id, tier, reason, author, until));
}

/* history:override_remove(id) -> true | nil, message, "TIER_ENOTFOUND" */
static int history_override_remove(lua_State *L)
{
    tier_history *h = check_history(L);
    const char *id = luaL_checkstring(L, 2);
    if (tier_history_override_remove(h, id) != TIER_OK)
        return lt_failf(L, TIER_ENOTFOUND, "no override for customer \"%s\"", id);
    lua_pushboolean(L, 1);
    return 1;
}

/* history:overrides() -> {{id, tier, reason, author, expires, created}, ...} */
static int history_overrides(lua_State *L)
{
    tier_history *h = check_history(L);
    size_t i, n = tier_history_override_count(h);
    tier_override_entry o;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        if (tier_history_override_get(h, i, &o) != TIER_OK)
            break;
        lua_createtable(L, 0, 6);
        lua_pushstring(L, o.id);
        lua_setfield(L, -2, "id");
        lua_pushstring(L, o.tier);
        lua_setfield(L, -2, "tier");
        lua_pushstring(L, o.reason);
        lua_setfield(L, -2, "reason");
        lua_pushstring(L, o.author);
        lua_setfield(L, -2, "author");
        lt_push_number(L, o.expires);
        lua_setfield(L, -2, "expires");
        lt_push_number(L, o.created);
        lua_setfield(L, -2, "created");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* history:ledger(["csv" | "json"]) / history:matrix() -> text | nil, message, code */
static int history_ledger(lua_State *L)
{
    tier_history *h = check_history(L);
    int format = lt_check_format(L, 2, 0);
    tier_text *t = lt_scratch_text(L);
    int rc = tier_history_ledger_write(h, format, lt_append_cb, t);
    if (rc != TIER_OK)
        return fail_history(L, h, rc);
    lt_push_text(L, t);
    return 1;
}

static int history_matrix(lua_State *L)
{
    tier_history *h = check_history(L);
    tier_text *t = lt_scratch_text(L);
    int rc = tier_history_matrix_write(h, lt_append_cb, t);
    if (rc != TIER_OK)
        return fail_history(L, h, rc);
    lt_push_text(L, t);
    return 1;
}

static int history_describe(lua_State *L)
{
    tier_history *h = (tier_history *)lt_check(L, 1, LT_HISTORY);
    lua_pushfstring(L, "%I runs, %I customers", (lua_Integer)tier_history_runs(h),
                    (lua_Integer)tier_history_customer_count(h));
    return 1;
}

/* ---- pipeline ---- */

static lt_pipeline *check_pipeline(lua_State *L)
{
    return (lt_pipeline *)lt_check(L, 1, LT_PIPELINE);
}

static int fail_pipeline(lua_State *L, const lt_pipeline *lp, int rc)
{
    return lt_fail(L, rc, tier_pipeline_last_error(lp->p));
}

/* A setting's value as text: a string, a number, a boolean ("yes"/"no") or nil (default). */
static const char *setting_text(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TNONE:
        return NULL;
    case LUA_TBOOLEAN:
        return lua_toboolean(L, idx) ? "yes" : "no";
    case LUA_TNUMBER:
    case LUA_TSTRING:
        return lua_tostring(L, idx);
    default:
        luaL_typeerror(L, idx, "string, number, boolean or nil");
        return NULL;
    }
}

/* tier.pipeline([{key = value, ...}]) -> Pipeline | nil, message, code */
int lt_pipeline_new(lua_State *L)
{
    lt_box *box;
    lt_pipeline *lp;
    int rc;
    if (!lua_isnoneornil(L, 1))
        luaL_checktype(L, 1, LUA_TTABLE);
    box = lt_push_box(L, LT_PIPELINE, NULL, free_pipeline);
    lp = (lt_pipeline *)calloc(1, sizeof *lp);
    if (!lp || tier_pipeline_new(&lp->p, NULL) != TIER_OK || tier_text_new(&lp->out, NULL)) {
        if (lp)
            free_pipeline(lp);
        return luaL_error(L, "not enough memory");
    }
    box->ptr = lp;
    (void)tier_pipeline_set_output(lp->p, lt_append_cb, lp->out);
    if (lua_istable(L, 1)) {
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                return luaL_argerror(L, 1, "setting names must be strings");
            if ((rc = tier_pipeline_set(lp->p, lua_tostring(L, -2), setting_text(L, -1))) !=
                TIER_OK)
                return fail_pipeline(L, lp, rc);
            lua_pop(L, 1);
        }
    }
    return 1;
}

static int pipeline_ok(lua_State *L, const lt_pipeline *lp, int rc)
{
    if (rc != TIER_OK)
        return fail_pipeline(L, lp, rc);
    lua_pushboolean(L, 1);
    return 1;
}

/* pipeline:set(key, value) -> true | nil, message, code */
static int pipeline_set(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    const char *key = luaL_checkstring(L, 2);
    return pipeline_ok(L, lp, tier_pipeline_set(lp->p, key, setting_text(L, 3)));
}

/* pipeline:get(key) -> text | nil, message, code */
static int pipeline_get(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    const char *key = luaL_checkstring(L, 2);
    tier_text *t = lt_scratch_text(L);
    int rc = tier_pipeline_get(lp->p, key, t);
    if (rc != TIER_OK)
        return fail_pipeline(L, lp, rc);
    lt_push_text(L, t);
    return 1;
}

/* pipeline:add_model(kind [, name]) -> true | nil, message, code */
static int pipeline_add_model(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    const char *kind = luaL_checkstring(L, 2);
    return pipeline_ok(L, lp, tier_pipeline_add_model(lp->p, kind, luaL_optstring(L, 3, NULL)));
}

/* pipeline:set_model_option(model, option, value) -> true | nil, message, code */
static int pipeline_set_model_option(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    const char *model = luaL_checkstring(L, 2), *option = luaL_checkstring(L, 3);
    const char *text = setting_text(L, 4);
    if (!text)
        return luaL_argerror(L, 4, "value expected");
    return pipeline_ok(L, lp, tier_pipeline_set_model_option(lp->p, model, option, text));
}

/* pipeline:set_policy(policy | nil) -> true: runs use this Policy (kept alive by the pipeline)
 * instead of the `policy` setting */
static int pipeline_set_policy(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    tier_policy *pol = lua_isnoneornil(L, 2) ? NULL : (tier_policy *)lt_check(L, 2, LT_POLICY);
    int rc = tier_pipeline_set_policy_ref(lp->p, pol);
    if (rc != TIER_OK)
        return fail_pipeline(L, lp, rc);
    lt_set_dep(L, 1, LT_DEP_POLICY, pol ? 2 : 0);
    lua_pushboolean(L, 1);
    return 1;
}

/* pipeline:check() -> true | nil, message, code */
static int pipeline_check(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    return pipeline_ok(L, lp, tier_pipeline_check(lp->p));
}

/* pipeline:run() -> true, output | nil, message, code. The output is what the run wrote when
 * no `out` file is set ("" otherwise). Results, retiers borrowed from an earlier run become
 * invalid once a run succeeds. */
static int pipeline_run(lua_State *L)
{
    lt_box *box = lt_check_box(L, 1, LT_PIPELINE);
    lt_pipeline *lp = (lt_pipeline *)box->ptr;
    int rc;
    tier_text_clear(lp->out);
    rc = tier_pipeline_run(lp->p);
    if (rc != TIER_OK) {
        tier_text_clear(lp->out);
        return fail_pipeline(L, lp, rc);
    }
    box->gen++;
    /* The run's result, explanations and retier read the run's policy: keep it alive (and
     * unchanged) until the next successful run, whatever set_policy() does meanwhile. */
    lua_getiuservalue(L, 1, LT_DEP_POLICY + 1);
    lt_set_dep(L, 1, LT_DEP_RUN_POLICY, lua_isnil(L, -1) ? 0 : lua_gettop(L));
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
    lt_push_text(L, lp->out);
    tier_text_clear(lp->out);
    return 2;
}

/* pipeline:summary() -> text | nil, message, code */
static int pipeline_summary(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    tier_text *t = lt_scratch_text(L);
    int rc = tier_pipeline_summary(lp->p, t);
    if (rc != TIER_OK)
        return fail_pipeline(L, lp, rc);
    lt_push_text(L, t);
    return 1;
}

/* pipeline:explain(id [, "text" | "json"]) -> text | nil, message, code */
static int pipeline_explain(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    const char *id = luaL_checkstring(L, 2);
    int format = lt_check_format(L, 3, 1);
    tier_text *t = lt_scratch_text(L);
    int rc = tier_pipeline_explain(lp->p, id, format, t);
    if (rc != TIER_OK)
        return fail_pipeline(L, lp, rc);
    lt_push_text(L, t);
    return 1;
}

/* pipeline:warnings() -> {warnings of the last run} */
static int pipeline_warnings(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    size_t i, n = tier_pipeline_warning_count(lp->p);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, tier_pipeline_warning(lp->p, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int pipeline_rows_read(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)tier_pipeline_rows_read(check_pipeline(L)->p));
    return 1;
}

/* pipeline:models() -> {model names of the last run} */
static int pipeline_models(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    size_t i, n = tier_pipeline_model_count(lp->p);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, tier_model_name(tier_pipeline_model(lp->p, i)));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* pipeline:result() -> the Result of the last run (read only; valid until the next run) | nil,
 * message, "TIER_ESTATE" */
static int pipeline_result(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    const tier_result *r = tier_pipeline_result(lp->p);
    if (!r)
        return lt_fail(L, TIER_ESTATE, "the pipeline has no result: no successful tiers run yet");
    lt_push_borrowed(L, LT_RESULT, r, 1);
    return 1;
}

/* pipeline:book() -> the Book of the last run (valid until the next run): a host adds invoices
 * to it for pipeline:retier() | nil, message, "TIER_ESTATE" */
static int pipeline_book(lua_State *L)
{
    lt_pipeline *lp = check_pipeline(L);
    const tier_book *book = tier_pipeline_book(lp->p);
    if (!book)
        return lt_fail(L, TIER_ESTATE, "the pipeline has no book: no successful run yet");
    lt_push_borrowed(L, LT_BOOK, book, 1);
    return 1;
}

static int pipeline_describe(lua_State *L)
{
    lt_box *box = lt_check_box(L, 1, LT_PIPELINE);
    lua_pushfstring(L, "%I runs", (lua_Integer)box->gen);
    return 1;
}

void lt_open_history(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"load", history_load},
        {"save", history_save},
        {"to_string", history_to_string},
        {"apply", history_apply},
        {"runs", history_runs},
        {"as_of", history_as_of},
        {"policy_name", history_policy_name},
        {"policy_hash", history_policy_hash},
        {"count", history_count},
        {"entry", history_entry},
        {"entries", history_entries},
        {"override_add", history_override_add},
        {"override_remove", history_override_remove},
        {"overrides", history_overrides},
        {"ledger", history_ledger},
        {"matrix", history_matrix},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {{"__len", history_count}, {NULL, NULL}};
    lt_register(L, LT_HISTORY, methods, meta, history_describe);
}

void lt_open_pipeline(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"set", pipeline_set},
        {"get", pipeline_get},
        {"add_model", pipeline_add_model},
        {"set_model_option", pipeline_set_model_option},
        {"set_policy", pipeline_set_policy},
        {"check", pipeline_check},
        {"run", pipeline_run},
        {"summary", pipeline_summary},
        {"explain", pipeline_explain},
        {"warnings", pipeline_warnings},
        {"rows_read", pipeline_rows_read},
        {"models", pipeline_models},
        {"result", pipeline_result},
        {"book", pipeline_book},
        {NULL, NULL},
    };
    lt_register(L, LT_PIPELINE, methods, NULL, pipeline_describe);
}
