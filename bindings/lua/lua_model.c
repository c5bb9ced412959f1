/* SPDX-License-Identifier: MIT */
/* libtier.Model (models by kind with options: model.h, registry.h) and libtier.Policy (policy
 * files, strings and the built-ins: policy.h). */
#include <string.h>

#include "lua_tier.h"

static void free_model(void *p)
{
    tier_model_free((tier_model *)p);
}

static void free_policy(void *p)
{
    tier_policy_free((tier_policy *)p);
}

/* ---- models ---- */

static tier_model *check_model(lua_State *L)
{
    return (tier_model *)lt_check(L, 1, LT_MODEL);
}

/* The model argument 1 for a call that changes it: NULL (nil, message, TIER_ESTATE pushed) when
 * a retier needs it unchanged. */
static tier_model *changeable_model(lua_State *L)
{
    lt_box *b = lt_check_changeable(L, 1, LT_MODEL);
    return b ? (tier_model *)b->ptr : NULL;
}

static int fail_model(lua_State *L, const tier_model *m, int rc)
{
    return lt_fail(L, rc, tier_model_last_error(m));
}

/* Sets option `name` of `m` from the Lua value at `idx`: a number, a string (parsed by the
 * option's type, as the policy files and the command line write it), a boolean ("true" or
 * "false") or a sequence of strings (a list option). Returns a tier_status. */
static int set_option_value(lua_State *L, tier_model *m, const char *name, int idx)
{
    size_t i, n;
    const char **items;
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        return tier_model_set_number(m, name, (double)lua_tonumber(L, idx));
    case LUA_TSTRING:
        return tier_model_set_option(m, name, lua_tostring(L, idx));
    case LUA_TBOOLEAN:
        return tier_model_set_option(m, name, lua_toboolean(L, idx) ? "true" : "false");
    case LUA_TTABLE:
        idx = lua_absindex(L, idx);
        n = (size_t)luaL_len(L, idx);
        items = (const char **)lua_newuserdatauv(L, (n ? n : 1) * sizeof *items, 0);
        luaL_checkstack(L, (int)n + 1, "list option too long");
        for (i = 0; i < n; i++) { /* the items stay on the stack while they are used */
            lua_geti(L, idx, (lua_Integer)i + 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "option %s: item %d of the list is not a string", name, (int)i + 1);
            items[i] = lua_tostring(L, -1);
        }
        return tier_model_set_list(m, name, items, n);
    default:
        return luaL_error(L, "option %s: number, string, boolean or list expected, got %s", name,
                          luaL_typename(L, idx));
    }
}

/* Sets every option of the table at `idx`; returns 0, or pushes nil, message, code (3). */
static int set_options(lua_State *L, tier_model *m, int idx)
{
    int rc;
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            return luaL_error(L, "option names must be strings");
        if ((rc = set_option_value(L, m, lua_tostring(L, -2), -1)) != TIER_OK)
            return fail_model(L, m, rc);
        lua_pop(L, 1);
    }
    return 0;
}

/* Pushes a new model box of `kind` named `name` (NULL: the kind). Returns 1, or 3 for nil,
 * message, code. */
static int push_model(lua_State *L, const char *kind, const char *name)
{
    lt_box *box = lt_push_box(L, LT_MODEL, NULL, free_model);
    tier_model *m = NULL;
    int rc = tier_model_new_kind(&m, NULL, kind, name, NULL);
    if (rc == TIER_ENOTFOUND)
        return lt_failf(
            L, rc, "no model kind \"%s\" (rfm, pareto, scorecard, clv, needs, lifecycle)", kind);
    if (rc != TIER_OK)
        return lt_failf(L, rc, "model %s of kind %s: %s", name ? name : kind, kind,
                        tier_strerror(rc));
    box->ptr = m;
    return 1;
}

/* tier.model(kind [, name] [, options]) -> Model | nil, message, code */
int lt_model_new(lua_State *L)
{
    const char *kind = luaL_checkstring(L, 1);
    const char *name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    int opts = lua_istable(L, 2) ? 2 : lua_istable(L, 3) ? 3 : 0;
    if (!name && !opts && !lua_isnoneornil(L, 2))
        return luaL_typeerror(L, 2, "model name or options table");
    if (push_model(L, kind, name) != 1)
        return 3;
    if (opts && set_options(L, (tier_model *)((lt_box *)lua_touserdata(L, -1))->ptr, opts) != 0)
        return 3;
    return 1;
}

/* tier.kinds() -> {"rfm", "pareto", ...} */
int lt_model_kinds(lua_State *L)
{
    size_t i, n = tier_registry_kind_count(NULL);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, tier_registry_kind(NULL, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int model_name(lua_State *L)
{
    lua_pushstring(L, tier_model_name(check_model(L)));
    return 1;
}

static int model_kind(lua_State *L)
{
    lua_pushstring(L, tier_model_kind(check_model(L)));
    return 1;
}

static int model_fitted(lua_State *L)
{
    lua_pushboolean(L, tier_model_is_fitted(check_model(L)));
    return 1;
}

static const char *const option_types[] = {"?", "number", "text", "list"};

/* model:options() -> {{name =, type = "number" | "text" | "list", doc =}, ...} */
static int model_options(lua_State *L)
{
    tier_model *m = check_model(L);
    size_t i, n = tier_model_option_count(m);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        const char *name = NULL, *doc = NULL;
        int type = 0;
        (void)tier_model_option_info(m, i, &name, &type, &doc);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, option_types[type >= 1 && type <= 3 ? type : 0]);
        lua_setfield(L, -2, "type");
        lua_pushstring(L, doc ? doc : "");
        lua_setfield(L, -2, "doc");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* model:set(name, value) or model:set{name = value, ...} -> true | nil, message, code */
static int model_set(lua_State *L)
{
    tier_model *m = changeable_model(L);
    int rc;
    if (!m)
        return 3;
    if (lua_istable(L, 2)) {
        if (set_options(L, m, 2) != 0)
            return 3;
    } else if ((rc = set_option_value(L, m, luaL_checkstring(L, 2), 3)) != TIER_OK) {
        return fail_model(L, m, rc);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* model:get(name) -> number | string | list | nil, message, code */
static int model_get(lua_State *L)
{
    tier_model *m = check_model(L);
    const char *name = luaL_checkstring(L, 2);
    tier_value *v = lt_scratch_value(L);
    int rc = tier_model_get_value(m, name, v);
    if (rc != TIER_OK)
        return fail_model(L, m, rc);
    lt_push_value(L, v, 0);
    return 1;
}

/* model:save() -> text | nil, message, code */
static int model_save(lua_State *L)
{
    tier_model *m = check_model(L);
    tier_text *t = lt_scratch_text(L);
    int rc = tier_model_save(m, t);
    if (rc != TIER_OK)
        return fail_model(L, m, rc);
    lt_push_text(L, t);
    return 1;
}

/* model:load(text) -> true | nil, message, code */
static int model_load(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    tier_model *m = changeable_model(L);
    int rc;
    if (!m)
        return 3;
    if ((rc = tier_model_load(m, text, len)) != TIER_OK)
        return fail_model(L, m, rc);
    lua_pushboolean(L, 1);
    return 1;
}

/* model:fit(book) -> true | nil, message, code (fits on the book alone, without the columns of
 * other models; a run fits its models itself) */
static int model_fit(lua_State *L)
{
    tier_book *book = (tier_book *)lt_check(L, 2, LT_BOOK);
    tier_model *m = changeable_model(L);
    int rc;
    if (!m)
        return 3;
    if ((rc = tier_model_fit(m, book, NULL)) != TIER_OK)
        return fail_model(L, m, rc);
    lua_pushboolean(L, 1);
    return 1;
}

static int model_describe(lua_State *L)
{
    tier_model *m = (tier_model *)lt_check(L, 1, LT_MODEL);
    lua_pushfstring(L, "%s (%s)%s", tier_model_name(m), tier_model_kind(m),
                    tier_model_is_fitted(m) ? ", fitted" : "");
    return 1;
}

/* ---- policies ---- */

static tier_policy *check_policy(lua_State *L)
{
    return (tier_policy *)lt_check(L, 1, LT_POLICY);
}

static int fail_policy(lua_State *L, const tier_policy *p, int rc)
{
    return lt_fail(L, rc, tier_policy_last_error(p));
}

/* Pushes an empty policy box and returns its policy. */
static tier_policy *push_policy(lua_State *L)
{
    lt_box *box = lt_push_box(L, LT_POLICY, NULL, free_policy);
    tier_policy *p = NULL;
    if (tier_policy_new(&p, NULL) != TIER_OK)
        luaL_error(L, "not enough memory");
    box->ptr = p;
    return p;
}

/* tier.policy([name]) -> the built-in policy (default "b2b-sabc") | nil, message, code */
int lt_policy_builtin(lua_State *L)
{
    const char *name = luaL_optstring(L, 1, "b2b-sabc");
    const char *text = tier_policy_builtin_text(name);
    tier_policy *p;
    int rc;
    if (!text)
        return lt_failf(L, TIER_ENOTFOUND, "no built-in policy \"%s\" (tier.builtin_policies())",
                        name);
    p = push_policy(L);
    lua_pushfstring(L, "policies/%s.policy", name);
    if ((rc = tier_policy_load_string(p, text, strlen(text), lua_tostring(L, -1))) != TIER_OK)
        return fail_policy(L, p, rc);
    lua_pop(L, 1);
    return 1;
}

/* tier.policy_file(path) -> Policy | nil, "FILE:LINE:COL: ...", code */
int lt_policy_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    tier_policy *p = push_policy(L);
    int rc = tier_policy_load_file(p, path, NULL);
    if (rc != TIER_OK)
        return fail_policy(L, p, rc);
    return 1;
}

/* tier.policy_string(text [, origin]) -> Policy | nil, "ORIGIN:LINE:COL: ...", code */
int lt_policy_string(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *origin = luaL_optstring(L, 2, NULL);
    tier_policy *p = push_policy(L);
    int rc = tier_policy_load_string(p, text, len, origin);
    if (rc != TIER_OK)
        return fail_policy(L, p, rc);
    return 1;
}

/* tier.builtin_policies() -> {"b2b-full", ...} */
int lt_policy_builtins(lua_State *L)
{
    size_t i, n = tier_policy_builtin_count();
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, tier_policy_builtin_name(i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* tier.builtin_policy_text(name) -> text | nil, message, "TIER_ENOTFOUND" */
int lt_policy_builtin_text(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const char *text = tier_policy_builtin_text(name);
    if (!text)
        return lt_failf(L, TIER_ENOTFOUND, "no built-in policy \"%s\"", name);
    lua_pushstring(L, text);
    return 1;
}

int lt_policy_arg(lua_State *L, int idx)
{
    const char *s;
    if (lt_test_box(L, idx, LT_POLICY)) {
        lt_check(L, idx, LT_POLICY);
        lua_pushvalue(L, idx);
        return 1;
    }
    if (lua_type(L, idx) != LUA_TSTRING)
        return luaL_typeerror(L, idx, "libtier.Policy, built-in policy name or policy file");
    s = lua_tostring(L, idx);
    lua_pushcfunction(L, tier_policy_builtin_text(s) ? lt_policy_builtin : lt_policy_file);
    lua_pushvalue(L, idx);
    lua_call(L, 1, 3);
    if (lua_isnil(L, -3))
        return 3;
    lua_pop(L, 2);
    return 1;
}

/* Sets list option `name` to the items of the list value `v`. */
static int set_list_from_value(lua_State *L, tier_model *m, const char *name, const tier_value *v)
{
    size_t i, n = tier_value_list_count(v);
    const char **items = (const char **)lua_newuserdatauv(L, (n ? n : 1) * sizeof *items, 0);
    int rc;
    for (i = 0; i < n; i++)
        items[i] = tier_value_list_item(v, i);
    rc = tier_model_set_list(m, name, items, n);
    lua_pop(L, 1);
    return rc;
}

/* Leaves nil, "model NAME: DETAIL", code at base + 1 .. base + 3 (dropping what is above base). */
static int fail_above(lua_State *L, int base, int rc, const char *name, const char *detail)
{
    lua_pushnil(L);
    lua_pushfstring(L, "model %s: %s", name, detail);
    lua_pushstring(L, tier_status_name(rc));
    lua_rotate(L, base + 1, 3);
    lua_settop(L, base + 3);
    return 3;
}

/* As the pipeline does for a needs model the policy gives no options: the book's numeric
 * attributes named module_* (usage) and goal_* (goals) are its features. */
static int add_need_features(lua_State *L, tier_model *m, const tier_book *book)
{
    size_t i;
    int rc = TIER_OK, type = 0;
    for (i = 0; rc == TIER_OK && i < tier_book_attribute_count(book); i++) {
        const char *name = tier_book_attribute_name(book, i, &type);
        if (type != TIER_ATTR_NUMBER ||
            (strncmp(name, "module_", 7) != 0 && strncmp(name, "goal_", 5) != 0))
            continue;
        rc = tier_needs_add_feature(m, lua_pushfstring(L, "attr.%s", name));
        lua_pop(L, 1);
    }
    return rc;
}

int lt_models_of_policy(lua_State *L, const tier_policy *policy, const tier_book *book, size_t *n)
{
    static const char *const defaults[] = {"rfm", "pareto"};
    size_t i, j, declared = tier_policy_model_count(policy), n_opt = 0;
    int base = lua_gettop(L), rc, has_preset;
    tier_value *v = lt_scratch_value(L);
    for (i = 0; i < (declared ? declared : 2); i++) {
        const char *name = defaults[i], *kind = defaults[i], *opt = NULL;
        tier_model *m;
        n_opt = 0;
        if (declared)
            (void)tier_policy_model(policy, i, &name, &kind, &n_opt);
        if (push_model(L, kind, name) != 1) {
            lua_rotate(L, base + 1, 3); /* nil, message, code first */
            lua_settop(L, base + 3);
            return 3;
        }
        m = (tier_model *)((lt_box *)lua_touserdata(L, -1))->ptr;
        has_preset = 0;
        for (j = 0; j < n_opt; j++) {
            if ((rc = tier_policy_model_option(policy, i, j, &opt, v)) != TIER_OK)
                return luaL_error(L, "not enough memory");
            has_preset |= strcmp(opt, "preset") == 0;
            switch (tier_value_get_type(v)) {
            case TIER_OPTION_NUMBER:
                rc = tier_model_set_number(m, opt, tier_value_number(v));
                break;
            case TIER_OPTION_TEXT:
                rc = tier_model_set_text(m, opt, tier_value_text(v));
                break;
            default:
                rc = set_list_from_value(L, m, opt, v);
                break;
            }
            if (rc != TIER_OK)
                return fail_above(L, base, rc, name, tier_model_last_error(m));
        }
        if (strcmp(kind, "needs") == 0 && n_opt == 0 && (rc = add_need_features(L, m, book)) != 0)
            return fail_above(L, base, rc, name, tier_model_last_error(m));
        /* As the pipeline does: a scorecard without a preset is the B2B card. */
        if (strcmp(kind, "scorecard") == 0 && !has_preset &&
            (rc = tier_model_set_text(m, "preset", "b2b")) != TIER_OK)
            return fail_above(L, base, rc, name, tier_model_last_error(m));
    }
    lua_remove(L, base + 1); /* the scratch value */
    *n = declared ? declared : 2;
    return 0;
}

int lt_entitlement_type(const tier_policy *pol, const char *key)
{
    size_t k, n = tier_policy_entitlement_count(pol);
    int type = 0;
    for (k = 0; k < n; k++) {
        const char *name = tier_policy_entitlement_name(pol, k, &type);
        if (name && strcmp(name, key) == 0)
            return type;
    }
    return 0;
}

int lt_check_entitlement(lua_State *L, const tier_policy *pol, const char *key)
{
    if (!pol || lt_entitlement_type(pol, key) != 0)
        return 0;
    return lt_failf(L, TIER_ENOTFOUND, "policy %s declares no entitlement \"%s\"",
                    tier_policy_name(pol), key);
}

/* Pushes entitlement `key`'s value for a policy with the type the policy declares. */
void lt_push_entitlement(lua_State *L, const tier_policy *pol, const char *key, const tier_value *v)
{
    lt_push_value(L, v, lt_entitlement_type(pol, key) == TIER_ENTITLEMENT_BOOL);
}

static int policy_name(lua_State *L)
{
    lua_pushstring(L, tier_policy_name(check_policy(L)));
    return 1;
}

static int policy_description(lua_State *L)
{
    lua_pushstring(L, tier_policy_description(check_policy(L)));
    return 1;
}

/* policy:tiers() -> {"S", "A", ...} */
static int policy_tiers(lua_State *L)
{
    tier_policy *p = check_policy(L);
    size_t i, n = tier_policy_tier_count(p);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, tier_policy_tier_name(p, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* policy:rules() -> {rule names in evaluation order} */
static int policy_rules(lua_State *L)
{
    tier_policy *p = check_policy(L);
    size_t i, n = tier_policy_rule_count(p);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, tier_policy_rule_name(p, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* policy:models() -> {{name =, kind =, options = {name = value}}, ...} */
static int policy_models(lua_State *L)
{
    tier_policy *p = check_policy(L);
    size_t i, j, n = tier_policy_model_count(p), n_opt = 0;
    tier_value *v = lt_scratch_value(L);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        const char *name = NULL, *kind = NULL, *opt = NULL;
        (void)tier_policy_model(p, i, &name, &kind, &n_opt);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, kind);
        lua_setfield(L, -2, "kind");
        lua_createtable(L, 0, (int)n_opt);
        for (j = 0; j < n_opt; j++) {
            if (tier_policy_model_option(p, i, j, &opt, v) != TIER_OK)
                return luaL_error(L, "not enough memory");
            lt_push_value(L, v, 0);
            lua_setfield(L, -2, opt);
        }
        lua_setfield(L, -2, "options");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static const char *const entitlement_types[] = {"?", "number", "text", "bool"};

/* policy:entitlements() -> {{name =, type = "number" | "text" | "bool"}, ...} in declared order */
static int policy_entitlements(lua_State *L)
{
    tier_policy *p = check_policy(L);
    size_t k, n = tier_policy_entitlement_count(p);
    int type = 0;
    lua_createtable(L, (int)n, 0);
    for (k = 0; k < n; k++) {
        lua_createtable(L, 0, 2);
        lua_pushstring(L, tier_policy_entitlement_name(p, k, &type));
        lua_setfield(L, -2, "name");
        lua_pushstring(L, entitlement_types[type >= 1 && type <= 3 ? type : 0]);
        lua_setfield(L, -2, "type");
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

/* policy:entitlement(tier, key) -> value (nil when the tier does not set it) | nil, message,
 * code (no such tier or entitlement). `tier` is a name or a 1-based index. */
static int policy_entitlement(lua_State *L)
{
    tier_policy *p = check_policy(L);
    const char *key = luaL_checkstring(L, 3);
    size_t t, n = tier_policy_tier_count(p);
    tier_value *v;
    int rc, type = 0;
    if (lua_type(L, 2) == LUA_TSTRING) {
        for (t = 0; t < n; t++)
            if (strcmp(tier_policy_tier_name(p, t), lua_tostring(L, 2)) == 0)
                break;
        if (t == n)
            return lt_failf(L, TIER_ENOTFOUND, "no tier \"%s\" in policy %s", lua_tostring(L, 2),
                            tier_policy_name(p));
    } else {
        lua_Integer k = luaL_checkinteger(L, 2);
        if (k < 1 || (lua_Unsigned)k > (lua_Unsigned)n)
            return lt_failf(L, TIER_ERANGE, "tier index %I out of range (1 .. %I)", k,
                            (lua_Integer)n);
        t = (size_t)(k - 1);
    }
    if (lt_check_entitlement(L, p, key) != 0)
        return 3;
    type = lt_entitlement_type(p, key);
    v = lt_scratch_value(L);
    rc = tier_policy_entitlement(p, t, key, v);
    if (rc == TIER_ENOTFOUND) {
        lua_pushnil(L);
        return 1;
    }
    if (rc != TIER_OK)
        return fail_policy(L, p, rc);
    lt_push_value(L, v, type == TIER_ENTITLEMENT_BOOL);
    return 1;
}

/* policy:describe() -> text */
static int policy_describe(lua_State *L)
{
    tier_policy *p = check_policy(L);
    tier_text *t = lt_scratch_text(L);
    if (tier_policy_describe(p, t) != TIER_OK)
        return luaL_error(L, "not enough memory");
    lt_push_text(L, t);
    return 1;
}

/* policy:lint() -> report, errors, warnings */
static int policy_lint(lua_State *L)
{
    tier_policy *p = check_policy(L);
    tier_text *t = lt_scratch_text(L);
    size_t errors = 0, warnings = 0;
    int rc = tier_policy_lint(p, NULL, t, &errors, &warnings);
    if (rc != TIER_OK)
        return fail_policy(L, p, rc);
    lt_push_text(L, t);
    lua_pushinteger(L, (lua_Integer)errors);
    lua_pushinteger(L, (lua_Integer)warnings);
    return 3;
}

/* policy:load_string(text [, origin]) / policy:load_file(path) -> true | nil, message, code;
 * all or nothing (the policy is unchanged on failure) */
static int policy_load_string(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len), *origin = luaL_optstring(L, 3, NULL);
    lt_box *b = lt_check_changeable(L, 1, LT_POLICY);
    tier_policy *p = b ? (tier_policy *)b->ptr : NULL;
    int rc;
    if (!p)
        return 3;
    if ((rc = tier_policy_load_string(p, text, len, origin)) != TIER_OK)
        return fail_policy(L, p, rc);
    lua_pushboolean(L, 1);
    return 1;
}

static int policy_load_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 2);
    lt_box *b = lt_check_changeable(L, 1, LT_POLICY);
    tier_policy *p = b ? (tier_policy *)b->ptr : NULL;
    int rc;
    if (!p)
        return 3;
    if ((rc = tier_policy_load_file(p, path, NULL)) != TIER_OK)
        return fail_policy(L, p, rc);
    lua_pushboolean(L, 1);
    return 1;
}

static int policy_tostring(lua_State *L)
{
    tier_policy *p = (tier_policy *)lt_check(L, 1, LT_POLICY);
    lua_pushfstring(L, "%s (%I tiers)", tier_policy_name(p),
                    (lua_Integer)tier_policy_tier_count(p));
    return 1;
}

void lt_open_model(lua_State *L)
{
    static const luaL_Reg model_methods[] = {
        {"name", model_name},     {"kind", model_kind},
        {"fitted", model_fitted}, {"options", model_options},
        {"set", model_set},       {"get", model_get},
        {"save", model_save},     {"load", model_load},
        {"fit", model_fit},       {NULL, NULL},
    };
    static const luaL_Reg policy_methods[] = {
        {"name", policy_name},
        {"description", policy_description},
        {"tiers", policy_tiers},
        {"rules", policy_rules},
        {"models", policy_models},
        {"entitlements", policy_entitlements},
        {"entitlement", policy_entitlement},
        {"describe", policy_describe},
        {"lint", policy_lint},
        {"load_string", policy_load_string},
        {"load_file", policy_load_file},
        {NULL, NULL},
    };
    lt_register(L, LT_MODEL, model_methods, NULL, model_describe);
    lt_register(L, LT_POLICY, policy_methods, NULL, policy_tostring);
}
