/* SPDX-License-Identifier: MIT */
/* Runs oom_script.lua with a Lua allocator that fails the k-th growing allocation, for k = 1, 2,
 * ... until the script runs through: each run must end in a Lua error or in success, never in a
 * crash, and the state must close cleanly (under valgrind: nothing leaked, nothing freed twice).
 * This walks every memory error the module can meet inside the Lua API, which unwinds with
 * longjmp: a handle or scratch buffer held across such a call would leak.
 * usage: oom_host SCRIPT (LUA_CPATH finds the module; TIER_UNDER_VALGRIND=1 walks every 7th k) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

typedef struct failing {
    unsigned long count;   /* growing allocations so far */
    unsigned long fail_at; /* the one that fails (1-based); 0: none */
    int failed;
} failing;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    failing *f = (failing *)ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    /* Lua needs shrinking to succeed; only growing may fail. */
    if ((!ptr || nsize > osize) && ++f->count == f->fail_at) {
        f->failed = 1;
        return NULL;
    }
    return realloc(ptr, nsize);
}

static int body(lua_State *L)
{
    const char *script = (const char *)lua_touserdata(L, 1);
    luaL_openlibs(L);
    if (luaL_loadfile(L, script) != LUA_OK)
        return lua_error(L);
    lua_call(L, 0, 1);
    return 1;
}

/* One run failing at allocation `k`: 1 when the script ran through, 0 when it failed as
 * expected (a memory error), -1 on a failure that is not about memory. */
static int run_once(const char *script, unsigned long k, int verbose)
{
    failing f = {0, k, 0};
    lua_State *L = lua_newstate(failing_alloc, &f);
    int rc, ok;
    if (!L)
        return 0;
    lua_pushcfunction(L, body);
    lua_pushlightuserdata(L, (void *)(size_t)script);
    rc = lua_pcall(L, 1, 1, 0);
    ok = rc == LUA_OK && lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "done") == 0;
    if (!ok && !f.failed) {
        fprintf(stderr, "oom_host: k = %lu: %s\n", k,
                lua_isstring(L, -1) ? lua_tostring(L, -1) : "(no message)");
        lua_close(L);
        return -1;
    }
    if (verbose && rc != LUA_OK && lua_isstring(L, -1))
        printf("k = %lu: %s\n", k, lua_tostring(L, -1));
    lua_close(L);
    return ok && !f.failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *vg = getenv("TIER_UNDER_VALGRIND");
    unsigned long k, step = vg && strcmp(vg, "1") == 0 ? 7 : 1, runs = 0;
    int r;
    if (argc != 2) {
        fprintf(stderr, "usage: oom_host SCRIPT\n");
        return 2;
    }
    /* The whole script once without failures: it must work. */
    if (run_once(argv[1], 0, 1) != 1) {
        fprintf(stderr, "oom_host: the script fails without memory errors\n");
        return 1;
    }
    for (k = 1;; k += step) {
        r = run_once(argv[1], k, 0);
        runs++;
        if (r < 0)
            return 1;
        if (r == 1)
            break;
    }
    printf("oom_host: %lu runs, each failing one allocation (every %lu-th up to %lu), no crash\n",
           runs, step, k);
    return 0;
}
