/* SPDX-License-Identifier: MIT */
/* The Lua 5.4 module `libtier` (docs/guide-lua.md): what its source files share.
 *
 * Every libtier handle is a "box": a full userdata holding the handle's pointer. A box that uses
 * another one (a result its book, policy and models; a retier its result; a pipeline its
 * policy) keeps it in a uservalue, so the Lua object stays alive, and counts itself in the
 * other's `refs`, so the C object stays alive: close() or __gc on a box marks it closed (no more
 * direct use) and frees its handle only once no other box uses it, whatever order the garbage
 * collector finalizes them in. A box borrowed from a pipeline (its result or retier) has no free
 * function and checks at each use that the pipeline has not run again since. */
#ifndef TIER_LUA_TIER_H
#define TIER_LUA_TIER_H

#include <stddef.h>

#include <lauxlib.h>
#include <lua.h>

#include <tier.h>

/* Metatable names (registry keys). */
#define LT_BOOK "libtier.Book"
#define LT_MODEL "libtier.Model"
#define LT_POLICY "libtier.Policy"
#define LT_RESULT "libtier.Result"
#define LT_HISTORY "libtier.History"
#define LT_PIPELINE "libtier.Pipeline"
#define LT_RETIER "libtier.Retier"
#define LT_SCRATCH "libtier.scratch"

/* Fixed dependency slots (uservalues 1..LT_SLOTS); the models of a result are uservalue
 * LT_SLOTS + 1, a table. */
enum { LT_DEP_BOOK = 0, LT_DEP_POLICY = 1, LT_DEP_OWNER = 2, LT_DEP_HISTORY = 3, LT_SLOTS = 4 };
/* A pipeline's slot LT_DEP_HISTORY: the policy of its last successful run, which that run's
 * result, explanations and retier still read after set_policy() replaced it. */
#define LT_DEP_RUN_POLICY LT_DEP_HISTORY

typedef struct lt_box {
    void *ptr;               /* the handle; NULL once freed */
    void (*free_fn)(void *); /* NULL for a borrowed handle */
    const char *tname;       /* metatable name, for messages */
    int refs;                /* boxes that use this one */
    int frozen;              /* of those, boxes that need it unchanged (retier, pipeline) */
    int closed;              /* close() or __gc ran */
    unsigned long gen;       /* pipeline: successful runs; borrowed box: the run it is of */
    struct lt_box *dep[LT_SLOTS];
    struct lt_box **models; /* a result's or retier's models (malloc'd array) */
    size_t n_models;
} lt_box;

/* What a libtier.Pipeline box holds: the pipeline and the text its output goes to when no `out`
 * file is set. */
typedef struct lt_pipeline {
    tier_pipeline *p;
    tier_text *out;
} lt_pipeline;

/* ---- boxes (lua_module.c) ---- */

/* Pushes a new box of type `tname` holding `ptr` (freed with `free_fn` when the box is done).
 * Making the userdata can raise a memory error: push the box with `ptr` NULL first, then make
 * the handle and store it into the box, so that no handle can leak. */
lt_box *lt_push_box(lua_State *L, const char *tname, void *ptr, void (*free_fn)(void *));
/* The box at `idx` of type `tname` (an argument error otherwise), open and, for a borrowed box,
 * still current. */
lt_box *lt_check_box(lua_State *L, int idx, const char *tname);
/* lt_check_box(...), refusing (nil, message, TIER_ESTATE pushed: returns NULL) a box that a
 * Retier or a Pipeline needs unchanged. */
lt_box *lt_check_changeable(lua_State *L, int idx, const char *tname);
/* lt_check_box(...)->ptr. */
void *lt_check(lua_State *L, int idx, const char *tname);
/* The box at `idx` when it is of type `tname` (not checked for being open), else NULL. */
lt_box *lt_test_box(lua_State *L, int idx, const char *tname);
/* Makes box `bidx` use box `didx` (or nobody when `didx` is 0) in slot `slot`. */
void lt_set_dep(lua_State *L, int bidx, int slot, int didx);
/* Makes box `bidx` use the models at stack [first, first + n) (boxes of LT_MODEL), stored as
 * a table in the last uservalue. */
void lt_set_models(lua_State *L, int bidx, int first, size_t n);
/* Registers a metatable `tname` with `methods` (its __index), __gc, __close, close and
 * __tostring (the type and what `describe` pushes, when given), then `meta` (may be NULL). */
void lt_register(lua_State *L, const char *tname, const luaL_Reg *methods, const luaL_Reg *meta,
                 lua_CFunction describe);

/* Scratch objects freed by the garbage collector (so a Lua error can never leak them). */
tier_text *lt_scratch_text(lua_State *L);
tier_value *lt_scratch_value(lua_State *L);

/* ---- conventions ---- */

/* Pushes nil, the message (`detail` or, when empty, the status's text) and the status name;
 * returns 3. */
int lt_fail(lua_State *L, int status, const char *detail);
/* Pushes a formatted message the same way. */
int lt_failf(lua_State *L, int status, const char *fmt, ...);
/* Pushes a number as an integer when it is one (NaN: nil). */
void lt_push_number(lua_State *L, double v);
/* Pushes a tier_value: number, text or list (a sequence); `boolean` pushes a number as a
 * boolean. Nothing set: nil. */
void lt_push_value(lua_State *L, const tier_value *v, int boolean);
/* Pushes text `t` as a Lua string. */
void lt_push_text(lua_State *L, const tier_text *t);
/* A day argument: an integer day number or "YYYY-MM-DD" (argument error otherwise). */
int32_t lt_check_day(lua_State *L, int idx);
/* The customer argument `idx` of `book`: a 1-based index or an id. Returns 0 with `*out` (0-based)
 * set, or pushes nil, message, code and returns 3. `count` bounds the index (the book's or a
 * result's customer count). */
int lt_customer(lua_State *L, int idx, const tier_book *book, size_t count, size_t *out);
/* Output format names: "csv"/"json" (or "text"/"json" for explanations). */
int lt_check_format(lua_State *L, int idx, int text_default);
/* A write callback appending to a tier_text (`ud`). */
int lt_append_cb(void *ud, const char *data, size_t len);

/* ---- per-object registration and shared entry points ---- */
void lt_open_book(lua_State *L);
void lt_open_model(lua_State *L);
void lt_open_run(lua_State *L);
void lt_open_history(lua_State *L);
void lt_open_pipeline(lua_State *L);
void lt_open_retier(lua_State *L);

/* Module functions (the table at -1 gets them). */
int lt_book_new(lua_State *L);
int lt_model_new(lua_State *L);
int lt_model_kinds(lua_State *L);
int lt_policy_builtin(lua_State *L);
int lt_policy_file(lua_State *L);
int lt_policy_string(lua_State *L);
int lt_policy_builtins(lua_State *L);
int lt_policy_builtin_text(lua_State *L);
int lt_run(lua_State *L);
int lt_history_new(lua_State *L);
int lt_history_load(lua_State *L);
int lt_history_from_string(lua_State *L);
int lt_pipeline_new(lua_State *L);
int lt_retier_new(lua_State *L);

/* Internal helpers shared between files. */
/* Pushes a new, empty result box and returns its result. */
tier_result *lt_push_result(lua_State *L);
/* The book a result was run on (its own or its pipeline's). */
const tier_book *lt_result_book(lua_State *L, lt_box *res);
/* Pushes a box of type `tname` borrowing `ptr` from the pipeline box at `pidx` (valid until the
 * pipeline runs again or is freed). */
void lt_push_borrowed(lua_State *L, const char *tname, const void *ptr, int pidx);
/* Pushes a new policy box loaded from a Lua argument: a Policy box (pushed again), a built-in
 * name or a file path. Returns 1, or 3 for nil, message, code. */
int lt_policy_arg(lua_State *L, int idx);
/* Pushes `n` new model boxes for the models `policy` declares, with their options, as the pipeline
 * makes them for `book` (rfm and pareto when the policy declares none). Returns 0, or pushes nil,
 * message, code and returns 3 (nothing else left on the stack). */
int lt_models_of_policy(lua_State *L, const tier_policy *policy, const tier_book *book, size_t *n);
/* The ::tier_entitlement_type policy `pol` declares for `key`, 0 when it declares none. */
int lt_entitlement_type(const tier_policy *pol, const char *key);
/* 0 when policy `pol` (NULL: unknown, anything goes) declares entitlement `key`; otherwise pushes
 * nil, message, "TIER_ENOTFOUND" and returns 3. */
int lt_check_entitlement(lua_State *L, const tier_policy *pol, const char *key);
/* Pushes a ';'-joined list (flags) as a sequence. */
void lt_push_split(lua_State *L, const char *s);
/* Pushes the value of an entitlement of policy `pol`, typed (a bool entitlement as a boolean). */
void lt_push_entitlement(lua_State *L, const tier_policy *pol, const char *key,
                         const tier_value *v);

#endif
