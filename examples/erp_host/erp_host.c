/* SPDX-License-Identifier: MIT */
/* A small ERP host (docs/guide-lua.md): it embeds Lua, loads the plug-in plugin.lua, which uses
 * libtier's Lua module (require "libtier"), and hands it each posted invoice. The plug-in
 * re-tiers the invoice's customer and accepts or refuses the invoice by its tier's entitlements;
 * the host prints each decision and, given an expected file, checks them line by line.
 *
 * usage: erp_host CPATH PLUGIN INVOICES POLICY AS_OF POSTINGS [EXPECTED]
 *   CPATH     where the module is, as a package.cpath entry (".../?.so")
 *   PLUGIN    the plug-in (plugin.lua)
 *   INVOICES  the customer history (CSV customer_id,date,amount,margin)
 *   POLICY    the policy file (entitlements discount_max and credit_days)
 *   AS_OF     the end of the posting period (YYYY-MM-DD)
 *   POSTINGS  CSV invoice,customer,date,amount,discount_pct,terms_days (one posting per line)
 *   EXPECTED  the decisions expected, one line each: exit status 1 when any differs */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

enum { MAX_LINE = 1024, N_FIELDS = 6 };

/* Splits a CSV line without quotes into exactly N_FIELDS fields (in place). */
static int split(char *line, char **fields)
{
    int n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < N_FIELDS) {
        fields[n++] = p;
        p = strchr(p, ',');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n == N_FIELDS && !p ? 0 : -1;
}

/* Sets field `key` of the table on top of the stack to the text `value`. */
static void set_text(lua_State *L, const char *key, const char *value)
{
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
}

/* Calls plugin.start{invoices =, policy =, as_of =}; the plug-in table is at index 1. */
static int start(lua_State *L, char **argv)
{
    lua_getfield(L, 1, "start");
    lua_createtable(L, 0, 3);
    set_text(L, "invoices", argv[3]);
    set_text(L, "policy", argv[4]);
    set_text(L, "as_of", argv[5]);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        fprintf(stderr, "erp_host: plugin start: %s\n", lua_tostring(L, -1));
        return -1;
    }
    printf("plugin started: %lld customers\n", (long long)lua_tointeger(L, -1));
    lua_pop(L, 1);
    return 0;
}

/* The whole of a non-empty field as a number; 0 when it is one. */
static int number(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return *end || !*s ? -1 : 0;
}

/* Hands one posting to plugin.post and writes the decision line into `out`. */
static int post(lua_State *L, char **f, char *out, size_t size)
{
    double amount, discount, terms;
    if (number(f[3], &amount) || number(f[4], &discount) || number(f[5], &terms))
        return -1;
    lua_getfield(L, 1, "post");
    lua_createtable(L, 0, 6);
    set_text(L, "id", f[0]);
    set_text(L, "customer", f[1]);
    set_text(L, "date", f[2]);
    lua_pushnumber(L, amount);
    lua_setfield(L, -2, "amount");
    lua_pushnumber(L, discount);
    lua_setfield(L, -2, "discount");
    lua_pushinteger(L, (lua_Integer)terms);
    lua_setfield(L, -2, "terms");
    if (lua_pcall(L, 1, 2, 0) != LUA_OK) {
        snprintf(out, size, "%s error: %s", f[0], lua_tostring(L, -1));
        lua_pop(L, 1);
        return 1;
    }
    snprintf(out, size, "%s %s: %s", f[0], lua_toboolean(L, -2) ? "accepted" : "refused",
             lua_tostring(L, -1) ? lua_tostring(L, -1) : "(no message)");
    lua_pop(L, 2);
    return 0;
}

/* Compares a decision with the next line of the expected file; 0 when equal. */
static int expect(FILE *want, const char *got, long line)
{
    char buf[MAX_LINE];
    if (!want)
        return 0;
    if (!fgets(buf, sizeof buf, want)) {
        fprintf(stderr, "erp_host: posting %ld: not in the expected file: %s\n", line, got);
        return 1;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    if (strcmp(buf, got) != 0) {
        fprintf(stderr, "erp_host: posting %ld:\n  want %s\n  got  %s\n", line, buf, got);
        return 1;
    }
    return 0;
}

static int run(lua_State *L, int argc, char **argv)
{
    char line[MAX_LINE], decision[2 * MAX_LINE], *fields[N_FIELDS];
    FILE *in = NULL, *want = NULL;
    long n = 0;
    int bad = 0;
    /* package.cpath = CPATH .. ";" .. package.cpath: require finds the module built here. */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "cpath");
    lua_pushfstring(L, "%s;%s", argv[1], lua_tostring(L, -1));
    lua_setfield(L, -3, "cpath");
    lua_pop(L, 2);
    if (luaL_dofile(L, argv[2]) != LUA_OK || !lua_istable(L, -1)) {
        fprintf(stderr, "erp_host: %s: %s\n", argv[2],
                lua_isstring(L, -1) ? lua_tostring(L, -1) : "the plug-in returns no table");
        return 2;
    }
    if (start(L, argv) != 0)
        return 2;
    if (!(in = fopen(argv[6], "r")) || (argc > 7 && !(want = fopen(argv[7], "r")))) {
        perror(in ? argv[7] : argv[6]);
        if (in)
            fclose(in);
        return 2;
    }
    if (!fgets(line, sizeof line, in)) /* the header line */
        bad = 1;
    while (!bad && fgets(line, sizeof line, in)) {
        n++;
        if (split(line, fields) != 0 || post(L, fields, decision, sizeof decision) < 0) {
            fprintf(stderr,
                    "erp_host: %s: posting %ld: expected %d fields "
                    "invoice,customer,date,amount,discount_pct,terms_days\n",
                    argv[6], n, N_FIELDS);
            bad = 2;
            break;
        }
        printf("%s\n", decision);
        bad |= expect(want, decision, n);
    }
    if (want && !bad && fgets(line, sizeof line, want)) {
        fprintf(stderr, "erp_host: the expected file has more lines than there were postings\n");
        bad = 1;
    }
    fclose(in);
    if (want)
        fclose(want);
    if (!bad && want)
        printf("all %ld decisions as expected\n", n);
    return bad;
}

int main(int argc, char **argv)
{
    lua_State *L;
    int rc;
    if (argc < 7 || argc > 8) {
        fprintf(stderr, "usage: erp_host CPATH PLUGIN INVOICES POLICY AS_OF POSTINGS [EXPECTED]\n");
        return 2;
    }
    L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "erp_host: cannot create a Lua state\n");
        return 2;
    }
    luaL_openlibs(L);
    rc = run(L, argc, argv);
    lua_close(L); /* every libtier handle the plug-in made is freed here */
    return rc;
}
