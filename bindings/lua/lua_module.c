/* SPDX-License-Identifier: MIT */
/* The Lua module's entry point (luaopen_libtier), the boxes every handle lives in, and the
 * conventions every function follows (docs/guide-lua.md): errors as nil, message, code; customers
 * as 1-based indices or ids; days as day numbers or "YYYY-MM-DD". */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lua_tier.h"

/* ---- boxes ---- */

static void lt_destroy(lt_box *b);

/* Whether box `user` needs what it uses unchanged (a retier's frozen run, a pipeline's policy). */
static int lt_freezes(const lt_box *user)
{
    return strcmp(user->tname, LT_RETIER) == 0 || strcmp(user->tname, LT_PIPELINE) == 0;
}

static void lt_use(const lt_box *user, lt_box *b)
{
    b->refs++;
    if (lt_freezes(user))
        b->frozen++;
}

static void lt_release(const lt_box *user, lt_box *b)
{
    if (lt_freezes(user))
        b->frozen--;
    if (--b->refs == 0 && b->closed)
        lt_destroy(b);
}

/* Frees the handle, then lets go of the boxes it used (the user goes before what it uses). */
static void lt_destroy(lt_box *b)
{
    void *p = b->ptr;
    lt_box **models = b->models;
    size_t i, n = b->n_models;
    b->ptr = NULL;
    b->models = NULL;
    b->n_models = 0;
    if (p && b->free_fn)
        b->free_fn(p);
    for (i = 0; i < LT_SLOTS; i++) {
        lt_box *d = b->dep[i];
        b->dep[i] = NULL;
        if (d)
            lt_release(b, d);
    }
    for (i = 0; i < n; i++)
        lt_release(b, models[i]);
    free(models);
}

static void lt_finish(lt_box *b)
{
    if (b->closed)
        return;
    b->closed = 1;
    if (b->refs == 0)
        lt_destroy(b);
}

/* __gc and __close of every box (the value is always one of ours: only our metatables have it). */
static int lt_gc(lua_State *L)
{
    lt_box *b = (lt_box *)lua_touserdata(L, 1);
    if (b)
        lt_finish(b);
    return 0;
}

/* obj:close(): as __close, for code that does not use <close> variables. Idempotent. */
static int lt_close_method(lua_State *L)
{
    lt_finish((lt_box *)luaL_checkudata(L, 1, lua_tostring(L, lua_upvalueindex(1))));
    return 0;
}

static int lt_tostring(lua_State *L)
{
    const char *tname = lua_tostring(L, lua_upvalueindex(1));
    lt_box *b = (lt_box *)luaL_checkudata(L, 1, tname);
    if (b->closed || !b->ptr) {
        lua_pushfstring(L, "%s (closed)", tname);
    } else if (lua_isnil(L, lua_upvalueindex(2))) {
        lua_pushfstring(L, "%s: %p", tname, (void *)b);
    } else {
        lua_settop(L, 1);
        lua_pushvalue(L, lua_upvalueindex(2));
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        lua_pushfstring(L, "%s: %s", tname, lua_tostring(L, -1));
    }
    return 1;
}

lt_box *lt_push_box(lua_State *L, const char *tname, void *ptr, void (*free_fn)(void *))
{
    lt_box *b;
    size_t i;
    b = (lt_box *)lua_newuserdatauv(L, sizeof *b, LT_SLOTS + 1);
    b->ptr = ptr;
    b->free_fn = free_fn;
    b->tname = tname;
    b->refs = 0;
    b->frozen = 0;
    b->closed = 0;
    b->gen = 0;
    for (i = 0; i < LT_SLOTS; i++)
        b->dep[i] = NULL;
    b->models = NULL;
    b->n_models = 0;
    luaL_setmetatable(L, tname);
    return b;
}

lt_box *lt_test_box(lua_State *L, int idx, const char *tname)
{
    return (lt_box *)luaL_testudata(L, idx, tname);
}

lt_box *lt_check_box(lua_State *L, int idx, const char *tname)
{
    lt_box *b = (lt_box *)luaL_checkudata(L, idx, tname);
    lt_box *owner = b->dep[LT_DEP_OWNER];
    if (b->closed || !b->ptr)
        luaL_argerror(L, idx, lua_pushfstring(L, "%s is closed", tname));
    if (!b->free_fn && owner && owner->gen != b->gen)
        luaL_argerror(
            L, idx,
            lua_pushfstring(L, "%s of an earlier run of its pipeline (it ran since)", tname));
    return b;
}

lt_box *lt_check_changeable(lua_State *L, int idx, const char *tname)
{
    lt_box *b = lt_check_box(L, idx, tname);
    if (b->frozen > 0) {
        lt_failf(L, TIER_ESTATE,
                 "this %s is in use by a retier or a pipeline, which need it unchanged: make "
                 "a new one, or close them first",
                 tname);
        return NULL;
    }
    return b;
}

void *lt_check(lua_State *L, int idx, const char *tname)
{
    return lt_check_box(L, idx, tname)->ptr;
}

void lt_set_dep(lua_State *L, int bidx, int slot, int didx)
{
    lt_box *b, *d, *old;
    bidx = lua_absindex(L, bidx);
    b = (lt_box *)lua_touserdata(L, bidx);
    d = didx ? (lt_box *)lua_touserdata(L, didx) : NULL;
    if (didx)
        lua_pushvalue(L, didx);
    else
        lua_pushnil(L);
    lua_setiuservalue(L, bidx, slot + 1);
    if (d)
        lt_use(b, d);
    old = b->dep[slot];
    b->dep[slot] = d;
    if (old)
        lt_release(b, old);
}

void lt_set_models(lua_State *L, int bidx, int first, size_t n)
{
    lt_box *b, **models, **old;
    size_t i, n_old;
    bidx = lua_absindex(L, bidx);
    first = lua_absindex(L, first);
    b = (lt_box *)lua_touserdata(L, bidx);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushvalue(L, first + (int)i);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    models = n ? (lt_box **)malloc(n * sizeof *models) : NULL;
    if (n && !models)
        luaL_error(L, "not enough memory");
    lua_setiuservalue(L, bidx, LT_SLOTS + 1);
    for (i = 0; i < n; i++) {
        models[i] = (lt_box *)lua_touserdata(L, first + (int)i);
        lt_use(b, models[i]);
    }
    old = b->models;
    n_old = b->n_models;
    b->models = models;
    b->n_models = n;
    for (i = 0; i < n_old; i++)
        lt_release(b, old[i]);
    free(old);
}

void lt_register(lua_State *L, const char *tname, const luaL_Reg *methods, const luaL_Reg *meta,
                 lua_CFunction describe)
{
    luaL_newmetatable(L, tname);
    lua_pushcfunction(L, lt_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, lt_gc);
    lua_setfield(L, -2, "__close");
    lua_pushstring(L, tname);
    if (describe)
        lua_pushcfunction(L, describe);
    else
        lua_pushnil(L);
    lua_pushcclosure(L, lt_tostring, 2);
    lua_setfield(L, -2, "__tostring");
    if (meta)
        luaL_setfuncs(L, meta, 0);
    lua_newtable(L);
    if (methods)
        luaL_setfuncs(L, methods, 0);
    lua_pushstring(L, tname);
    lua_pushcclosure(L, lt_close_method, 1);
    lua_setfield(L, -2, "close");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

static void lt_free_text(void *p)
{
    tier_text_free((tier_text *)p);
}

static void lt_free_value(void *p)
{
    tier_value_free((tier_value *)p);
}

tier_text *lt_scratch_text(lua_State *L)
{
    lt_box *b = lt_push_box(L, LT_SCRATCH, NULL, lt_free_text);
    tier_text *t = NULL;
    if (tier_text_new(&t, NULL) != TIER_OK)
        luaL_error(L, "not enough memory");
    b->ptr = t;
    return t;
}

tier_value *lt_scratch_value(lua_State *L)
{
    lt_box *b = lt_push_box(L, LT_SCRATCH, NULL, lt_free_value);
    tier_value *v = NULL;
    if (tier_value_new(&v, NULL) != TIER_OK)
        luaL_error(L, "not enough memory");
    b->ptr = v;
    return v;
}

/* ---- conventions ---- */

int lt_fail(lua_State *L, int status, const char *detail)
{
    lua_pushnil(L);
    lua_pushstring(L, detail && *detail ? detail : tier_strerror(status));
    lua_pushstring(L, tier_status_name(status));
    return 3;
}

int lt_failf(lua_State *L, int status, const char *fmt, ...)
{
    va_list ap;
    lua_pushnil(L);
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_pushstring(L, tier_status_name(status));
    return 3;
}

void lt_push_number(lua_State *L, double v)
{
    if (v != v)
        lua_pushnil(L);
    else if (v >= -9007199254740992.0 && v <= 9007199254740992.0 && (double)(lua_Integer)v == v)
        lua_pushinteger(L, (lua_Integer)v);
    else
        lua_pushnumber(L, (lua_Number)v);
}

void lt_push_value(lua_State *L, const tier_value *v, int boolean)
{
    size_t i, n;
    switch (tier_value_get_type(v)) {
    case TIER_OPTION_NUMBER:
        if (boolean)
            lua_pushboolean(L, tier_value_number(v) != 0);
        else
            lt_push_number(L, tier_value_number(v));
        break;
    case TIER_OPTION_TEXT:
        lua_pushstring(L, tier_value_text(v));
        break;
    case TIER_OPTION_LIST:
        n = tier_value_list_count(v);
        lua_createtable(L, (int)n, 0);
        for (i = 0; i < n; i++) {
            lua_pushstring(L, tier_value_list_item(v, i));
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    default:
        lua_pushnil(L);
    }
}

void lt_push_split(lua_State *L, const char *s)
{
    lua_Integer k = 0;
    lua_newtable(L);
    while (s && *s) {
        const char *end = strchr(s, ';');
        lua_pushlstring(L, s, end ? (size_t)(end - s) : strlen(s));
        lua_rawseti(L, -2, ++k);
        s = end ? end + 1 : NULL;
    }
}

void lt_push_text(lua_State *L, const tier_text *t)
{
    lua_pushlstring(L, tier_text_data(t), tier_text_length(t));
}

int32_t lt_check_day(lua_State *L, int idx)
{
    int32_t day = 0;
    size_t len;
    const char *s;
    int isnum = 0;
    lua_Integer k;
    if (lua_type(L, idx) == LUA_TNUMBER) {
        k = lua_tointegerx(L, idx, &isnum);
        if (!isnum || k < TIER_DAY_MIN || k > TIER_DAY_MAX)
            luaL_argerror(L, idx, "day number out of range (1900-01-01 .. 9999-12-31)");
        return (int32_t)k;
    }
    s = lua_tolstring(L, idx, &len);
    if (!s || tier_date_parse(&day, s, len, TIER_DATE_AUTO) != TIER_OK)
        luaL_argerror(L, idx, "date expected (\"YYYY-MM-DD\" or a day number)");
    return day;
}

int lt_customer(lua_State *L, int idx, const tier_book *book, size_t count, size_t *out)
{
    size_t len, i = 0;
    const char *id;
    lua_Integer k;
    int isnum = 0;
    if (lua_type(L, idx) == LUA_TSTRING) {
        id = lua_tolstring(L, idx, &len);
        if (!book || tier_book_find(book, id, len, &i) != TIER_OK)
            return lt_failf(L, TIER_ENOTFOUND, "no customer \"%s\" in the book", id);
        if (i >= count)
            return lt_failf(L, TIER_ERANGE,
                            "customer \"%s\" came into the book after the run (%d customers)", id,
                            (int)count);
        *out = i;
        return 0;
    }
    k = lua_tointegerx(L, idx, &isnum);
    if (!isnum)
        return luaL_argerror(L, idx, "customer index (integer) or id (string) expected");
    if (k < 1 || (lua_Unsigned)k > (lua_Unsigned)count)
        return lt_failf(L, TIER_ERANGE, "customer index %I out of range (1 .. %I)", k,
                        (lua_Integer)count);
    *out = (size_t)(k - 1);
    return 0;
}

int lt_check_format(lua_State *L, int idx, int text_default)
{
    static const char *const table_formats[] = {"csv", "json", NULL};
    static const char *const explain_formats[] = {"text", "json", NULL};
    const char *const *names = text_default ? explain_formats : table_formats;
    return luaL_checkoption(L, idx, names[0], names) + 1;
}

int lt_append_cb(void *ud, const char *data, size_t len)
{
    return tier_text_append((tier_text *)ud, data, len) == TIER_OK ? 0 : 1;
}

/* ---- module functions ---- */

/* tier.day("YYYY-MM-DD") or tier.day(y, m, d) -> day number, or nil, message, code. */
static int lt_day(lua_State *L)
{
    int32_t day = 0;
    int rc;
    size_t len;
    const char *s;
    if (lua_gettop(L) >= 3) {
        rc = tier_date_from_ymd(&day, (int)luaL_checkinteger(L, 1), (int)luaL_checkinteger(L, 2),
                                (int)luaL_checkinteger(L, 3));
        if (rc != TIER_OK)
            return lt_failf(L, rc, "no such date: %d-%d-%d", (int)lua_tointeger(L, 1),
                            (int)lua_tointeger(L, 2), (int)lua_tointeger(L, 3));
    } else {
        s = luaL_checklstring(L, 1, &len);
        rc = tier_date_parse(&day, s, len, TIER_DATE_AUTO);
        if (rc != TIER_OK)
            return lt_failf(L, rc, "not a date (YYYY-MM-DD or YYYYMMDD): \"%s\"", s);
    }
    lua_pushinteger(L, day);
    return 1;
}

/* tier.iso(day) -> "YYYY-MM-DD" (nil for nil), or nil, message, code. */
static int lt_iso(lua_State *L)
{
    char buf[16];
    lua_Integer day;
    if (lua_isnoneornil(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    day = luaL_checkinteger(L, 1);
    if (day < TIER_DAY_MIN || day > TIER_DAY_MAX ||
        tier_date_format_iso(buf, sizeof buf, (int32_t)day) != TIER_OK)
        return lt_failf(L, TIER_ERANGE, "day %I is outside 1900-01-01 .. 9999-12-31", day);
    lua_pushstring(L, buf);
    return 1;
}

/* tier.strerror(code) -> text; code a number or a status name. */
static int lt_strerror(lua_State *L)
{
    int status = TIER_ERROR;
    if (lua_type(L, 1) == LUA_TSTRING) {
        lua_getfield(L, lua_upvalueindex(1), lua_tostring(L, 1));
        status = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : TIER_ERROR;
    } else {
        status = (int)luaL_checkinteger(L, 1);
    }
    lua_pushstring(L, tier_strerror(status));
    return 1;
}

static const luaL_Reg lt_functions[] = {
    {"book", lt_book_new},
    {"model", lt_model_new},
    {"kinds", lt_model_kinds},
    {"policy", lt_policy_builtin},
    {"policy_file", lt_policy_file},
    {"policy_string", lt_policy_string},
    {"builtin_policies", lt_policy_builtins},
    {"builtin_policy_text", lt_policy_builtin_text},
    {"run", lt_run},
    {"history", lt_history_new},
    {"history_load", lt_history_load},
    {"history_from_string", lt_history_from_string},
    {"pipeline", lt_pipeline_new},
    {"day", lt_day},
    {"iso", lt_iso},
    {NULL, NULL},
};

/* The status table: name -> number and number -> name, for every tier_status. */
static void lt_push_status_table(lua_State *L)
{
    int code;
    lua_newtable(L);
    for (code = 0; code >= TIER_ESTATE; code--) {
        lua_pushinteger(L, code);
        lua_setfield(L, -2, tier_status_name(code));
        lua_pushstring(L, tier_status_name(code));
        lua_rawseti(L, -2, code);
    }
}

#if defined(__GNUC__) && __GNUC__ >= 4
__attribute__((visibility("default")))
#endif
int luaopen_libtier(lua_State *L);

int luaopen_libtier(lua_State *L)
{
    luaL_checkversion(L);
    lt_register(L, LT_SCRATCH, NULL, NULL, NULL);
    lt_open_book(L);
    lt_open_model(L);
    lt_open_run(L);
    lt_open_history(L);
    lt_open_pipeline(L);
#ifdef TIER_LUA_HAVE_RETIER
    lt_open_retier(L);
#endif
    luaL_newlib(L, lt_functions);
    lt_push_status_table(L);
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, lt_strerror, 1);
    lua_setfield(L, -3, "strerror");
    lua_setfield(L, -2, "status");
#ifdef TIER_LUA_HAVE_RETIER
    lua_pushcfunction(L, lt_retier_new);
    lua_setfield(L, -2, "retier");
#endif
    lua_pushstring(L, tier_version_string());
    lua_setfield(L, -2, "version");
    lua_pushinteger(L, (lua_Integer)tier_version_number());
    lua_setfield(L, -2, "version_number");
    lua_pushliteral(L, "libtier " TIER_VERSION_STRING " (Lua module)");
    lua_setfield(L, -2, "_VERSION");
    return 1;
}
