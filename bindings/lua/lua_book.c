/* SPDX-License-Identifier: MIT */
/* libtier.Book: customers, transactions and attributes (book.h, record.h), and the CSV reader
 * (csv.h) as book methods. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua_tier.h"

static void free_book(void *p)
{
    tier_book_free((tier_book *)p);
}

static void free_csv(void *p)
{
    tier_csv_free((tier_csv *)p);
}

static void free_record(void *p)
{
    tier_record_free((tier_record *)p);
}

static tier_book *check_book(lua_State *L)
{
    return (tier_book *)lt_check(L, 1, LT_BOOK);
}

static int fail_book(lua_State *L, const tier_book *book, int rc)
{
    return lt_fail(L, rc, tier_book_last_error(book));
}

/* Pushes the 1-based index of customer `id` (known to be in the book). */
static void push_index_of(lua_State *L, const tier_book *book, const char *id, size_t len)
{
    size_t i = 0;
    if (tier_book_find(book, id, len, &i) == TIER_OK)
        lua_pushinteger(L, (lua_Integer)i + 1);
    else
        lua_pushnil(L);
}

static const struct {
    const char *name;
    int option;
} book_options[] = {
    {"keep_transactions", TIER_BOOK_OPT_KEEP_TRANSACTIONS},
    {"ignore_from_day", TIER_BOOK_OPT_IGNORE_FROM_DAY},
    {"limit_id_length", TIER_BOOK_LIMIT_ID_LENGTH},
    {"limit_customers", TIER_BOOK_LIMIT_CUSTOMERS},
    {"limit_rows_per_call", TIER_BOOK_LIMIT_ROWS_PER_CALL},
    {"limit_attributes", TIER_BOOK_LIMIT_ATTRIBUTES},
    {"limit_text_length", TIER_BOOK_LIMIT_TEXT_LENGTH},
};

static int check_book_option(lua_State *L, int idx)
{
    const char *name = luaL_checkstring(L, idx);
    size_t i;
    for (i = 0; i < sizeof book_options / sizeof book_options[0]; i++)
        if (strcmp(book_options[i].name, name) == 0)
            return book_options[i].option;
    return luaL_argerror(L, idx,
                         lua_pushfstring(L,
                                         "no book option \"%s\" (keep_transactions, "
                                         "ignore_from_day, limit_id_length, limit_customers, "
                                         "limit_rows_per_call, limit_attributes, "
                                         "limit_text_length)",
                                         name));
}

/* An option value: a boolean, an integer or (ignore_from_day) a date. */
static int64_t check_option_value(lua_State *L, int idx, int option)
{
    if (lua_isboolean(L, idx))
        return lua_toboolean(L, idx);
    if (option == TIER_BOOK_OPT_IGNORE_FROM_DAY)
        return lt_check_day(L, idx);
    return (int64_t)luaL_checkinteger(L, idx);
}

/* book:set_option(name, value) -> true | nil, message, code */
static int book_set_option(lua_State *L)
{
    tier_book *book = check_book(L);
    int option = check_book_option(L, 2);
    int rc = tier_book_set_option(book, option, check_option_value(L, 3, option));
    if (rc != TIER_OK)
        return fail_book(L, book, rc);
    lua_pushboolean(L, 1);
    return 1;
}

/* book:get_option(name) -> integer */
static int book_get_option(lua_State *L)
{
    tier_book *book = check_book(L);
    int64_t v = 0;
    int rc = tier_book_get_option(book, check_book_option(L, 2), &v);
    if (rc != TIER_OK)
        return fail_book(L, book, rc);
    lua_pushinteger(L, (lua_Integer)v);
    return 1;
}

/* tier.book([{keep_transactions = bool, ignore_from = day}]) -> Book */
int lt_book_new(lua_State *L)
{
    lt_box *box;
    tier_book *book = NULL;
    int rc;
    if (!lua_isnoneornil(L, 1))
        luaL_checktype(L, 1, LUA_TTABLE);
    box = lt_push_box(L, LT_BOOK, NULL, free_book);
    if (tier_book_new(&book, NULL) != TIER_OK)
        return luaL_error(L, "not enough memory");
    box->ptr = book;
    if (lua_istable(L, 1)) {
        lua_getfield(L, 1, "keep_transactions");
        if (!lua_isnil(L, -1) && (rc = tier_book_set_option(book, TIER_BOOK_OPT_KEEP_TRANSACTIONS,
                                                            lua_toboolean(L, -1))) != TIER_OK)
            return fail_book(L, book, rc);
        lua_getfield(L, 1, "ignore_from");
        if (!lua_isnil(L, -1) && (rc = tier_book_set_option(book, TIER_BOOK_OPT_IGNORE_FROM_DAY,
                                                            lt_check_day(L, -1))) != TIER_OK)
            return fail_book(L, book, rc);
        lua_pop(L, 2);
    }
    return 1;
}

static double opt_margin(lua_State *L, int idx)
{
    return lua_isnoneornil(L, idx) ? (double)NAN : (double)luaL_checknumber(L, idx);
}

/* book:add_txn(customer, day, amount [, margin]) -> customer index | nil, message, code. The
 * customer is an id (a new one is added) or the index of a customer of the book. */
static int book_add_txn(lua_State *L)
{
    tier_book *book = check_book(L);
    size_t len = 0, i;
    const char *id;
    if (lua_type(L, 2) == LUA_TNUMBER) {
        if (lt_customer(L, 2, book, tier_book_customer_count(book), &i) != 0)
            return 3;
        id = tier_book_customer_id(book, i, &len);
    } else {
        id = luaL_checklstring(L, 2, &len);
    }
    int32_t day = lt_check_day(L, 3);
    double amount = (double)luaL_checknumber(L, 4);
    int rc = tier_book_add_txn(book, id, len, day, amount, opt_margin(L, 5));
    if (rc != TIER_OK)
        return fail_book(L, book, rc);
    push_index_of(L, book, id, len);
    return 1;
}

/* Reads field `k` of the row table at `row` as a day; raises naming the row. */
static int32_t row_day(lua_State *L, int row, lua_Integer r, int k)
{
    int32_t day = 0;
    size_t len;
    const char *s;
    int isnum = 0;
    lua_Integer n;
    lua_geti(L, row, k);
    if (lua_type(L, -1) == LUA_TNUMBER) {
        n = lua_tointegerx(L, -1, &isnum);
        if (isnum && n >= TIER_DAY_MIN && n <= TIER_DAY_MAX)
            day = (int32_t)n;
    } else if ((s = lua_tolstring(L, -1, &len)) != NULL) {
        isnum = tier_date_parse(&day, s, len, TIER_DATE_AUTO) == TIER_OK;
    }
    if (!isnum)
        luaL_error(L, "bad row %I: field %d: date expected (\"YYYY-MM-DD\" or a day number)", r, k);
    lua_pop(L, 1);
    return day;
}

static double row_number(lua_State *L, int row, lua_Integer r, int k, int optional)
{
    double v = (double)NAN;
    lua_geti(L, row, k);
    if (lua_type(L, -1) == LUA_TNUMBER)
        v = (double)lua_tonumber(L, -1);
    else if (!(optional && lua_isnil(L, -1)))
        luaL_error(L, "bad row %I: field %d: number expected, got %s", r, k, luaL_typename(L, -1));
    lua_pop(L, 1);
    return v;
}

/* book:add_txns({{id, day, amount [, margin]}, ...}) -> rows added | nil, message, code.
 * All or nothing: on failure no row is added and the message names the first bad row (1-based). */
static int book_add_txns(lua_State *L)
{
    tier_book *book = check_book(L);
    lua_Integer n, r;
    size_t total = 0, len, *offsets;
    int32_t *days;
    double *amounts, *margins;
    char *ids;
    unsigned char *block;
    int rc;
    luaL_checktype(L, 2, LUA_TTABLE);
    n = luaL_len(L, 2);
    for (r = 1; r <= n; r++) {
        if (lua_geti(L, 2, r) != LUA_TTABLE)
            return luaL_error(L, "bad row %I: table {id, day, amount [, margin]} expected", r);
        if (lua_geti(L, -1, 1) != LUA_TSTRING)
            return luaL_error(L, "bad row %I: field 1: customer id (string) expected", r);
        lua_tolstring(L, -1, &len);
        total += len;
        lua_pop(L, 2);
    }
    /* One scratch block, freed by the collector: offsets, days, amounts, margins, ids. */
    block = (unsigned char *)lua_newuserdatauv(
        L,
        ((size_t)n + 1) * sizeof *offsets + (size_t)n * (sizeof *days + 2 * sizeof *amounts) +
            total + 1,
        0);
    offsets = (size_t *)(void *)block;
    amounts = (double *)(void *)(offsets + n + 1);
    margins = amounts + n;
    days = (int32_t *)(void *)(margins + n);
    ids = (char *)(days + n);
    offsets[0] = 0;
    for (r = 1; r <= n; r++) {
        const char *id;
        lua_geti(L, 2, r);
        lua_geti(L, -1, 1);
        id = lua_tolstring(L, -1, &len);
        memcpy(ids + offsets[r - 1], id, len);
        offsets[r] = offsets[r - 1] + len;
        lua_pop(L, 1);
        days[r - 1] = row_day(L, lua_gettop(L), r, 2);
        amounts[r - 1] = row_number(L, lua_gettop(L), r, 3, 0);
        margins[r - 1] = row_number(L, lua_gettop(L), r, 4, 1);
        lua_pop(L, 1);
    }
    rc = tier_book_add_txns(book, (size_t)n, ids, offsets, days, amounts, margins);
    if (rc != TIER_OK)
        return lt_failf(L, rc, "%s (rows count from 0)", tier_book_last_error(book));
    lua_pushinteger(L, n);
    return 1;
}

/* Fills `rec` from a Lua table of attributes at `idx` (name -> number or string). */
static void set_record_attributes(lua_State *L, int idx, tier_record *rec)
{
    int rc = TIER_OK;
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *name;
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "attribute names must be strings");
        name = lua_tostring(L, -2);
        if (lua_type(L, -1) == LUA_TNUMBER)
            rc = tier_record_set_number(rec, name, (double)lua_tonumber(L, -1));
        else if (lua_type(L, -1) == LUA_TSTRING)
            rc = tier_record_set_text(rec, name, lua_tostring(L, -1));
        else
            luaL_error(L, "attribute \"%s\": number or string expected, got %s", name,
                       luaL_typename(L, -1));
        if (rc == TIER_ENOMEM)
            luaL_error(L, "not enough memory");
        if (rc != TIER_OK)
            luaL_error(L, "attribute \"%s\": %s", name, tier_record_last_error(rec));
        lua_pop(L, 1);
    }
}

static tier_record *scratch_record(lua_State *L)
{
    lt_box *box = lt_push_box(L, LT_SCRATCH, NULL, free_record);
    tier_record *rec = NULL;
    if (tier_record_new(&rec, NULL) != TIER_OK)
        luaL_error(L, "not enough memory");
    box->ptr = rec;
    return rec;
}

static int add_record(lua_State *L, tier_book *book, tier_record *rec)
{
    size_t index = 0;
    int rc = tier_book_add_record(book, rec, &index);
    if (rc != TIER_OK)
        return fail_book(L, book, rc);
    lua_pushinteger(L, (lua_Integer)index + 1);
    return 1;
}

/* book:add_customer(id [, attributes]) -> index | nil, message, code (all or nothing) */
static int book_add_customer(lua_State *L)
{
    tier_book *book = check_book(L);
    size_t len;
    const char *id = luaL_checklstring(L, 2, &len);
    tier_record *rec;
    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TTABLE);
    rec = scratch_record(L);
    if (tier_record_set_id(rec, id, len) != TIER_OK)
        return lt_fail(L, TIER_EINVAL, tier_record_last_error(rec));
    if (lua_istable(L, 3))
        set_record_attributes(L, 3, rec);
    return add_record(L, book, rec);
}

/* book:add_record{id = ..., attributes = {...}, transactions = {{day, amount [, margin]}, ...}}
 * -> index | nil, message, code (all or nothing) */
static int book_add_record(lua_State *L)
{
    tier_book *book = check_book(L);
    tier_record *rec;
    size_t len;
    const char *id;
    lua_Integer n, r;
    int rc;
    luaL_checktype(L, 2, LUA_TTABLE);
    rec = scratch_record(L);
    lua_getfield(L, 2, "id");
    id = lua_tolstring(L, -1, &len);
    if (lua_type(L, -1) != LUA_TSTRING)
        return luaL_argerror(L, 2, "field id (string) expected");
    if ((rc = tier_record_set_id(rec, id, len)) != TIER_OK)
        return lt_fail(L, rc, tier_record_last_error(rec));
    if (lua_getfield(L, 2, "attributes") == LUA_TTABLE)
        set_record_attributes(L, -1, rec);
    else if (!lua_isnil(L, -1))
        return luaL_argerror(L, 2, "field attributes: table expected");
    if (lua_getfield(L, 2, "transactions") == LUA_TTABLE) {
        int t = lua_gettop(L);
        n = luaL_len(L, t);
        for (r = 1; r <= n; r++) {
            int32_t day;
            double amount, margin;
            if (lua_geti(L, t, r) != LUA_TTABLE)
                return luaL_error(L, "bad transaction %I: table {day, amount [, margin]} expected",
                                  r);
            day = row_day(L, lua_gettop(L), r, 1);
            amount = row_number(L, lua_gettop(L), r, 2, 0);
            margin = row_number(L, lua_gettop(L), r, 3, 1);
            if ((rc = tier_record_add_txn(rec, day, amount, margin)) != TIER_OK)
                return lt_failf(L, rc, "transaction %I: %s", r, tier_record_last_error(rec));
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        return luaL_argerror(L, 2, "field transactions: table expected");
    }
    return add_record(L, book, rec);
}

/* book:find(id) -> index | nil, message, "TIER_ENOTFOUND" */
static int book_find(lua_State *L)
{
    tier_book *book = check_book(L);
    size_t i;
    luaL_checkstring(L, 2);
    if (lt_customer(L, 2, book, tier_book_customer_count(book), &i) != 0)
        return 3;
    lua_pushinteger(L, (lua_Integer)i + 1);
    return 1;
}

static int book_count(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)tier_book_customer_count(check_book(L)));
    return 1;
}

static int book_txn_count(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)tier_book_txn_count(check_book(L)));
    return 1;
}

/* book:id(customer) -> id */
static int book_id(lua_State *L)
{
    tier_book *book = check_book(L);
    size_t i, len = 0;
    const char *id;
    if (lt_customer(L, 2, book, tier_book_customer_count(book), &i) != 0)
        return 3;
    id = tier_book_customer_id(book, i, &len);
    lua_pushlstring(L, id, len);
    return 1;
}

static const char *const stat_names[] = {"first_purchase", "last_purchase", "purchase_days",
                                         "purchases",      "refunds",       "net_amount",
                                         "net_margin",     "ignored_rows",  NULL};

/* book:stat(customer, name) -> number (nil when not defined, e.g. no purchase yet) */
static int book_stat(lua_State *L)
{
    tier_book *book = check_book(L);
    size_t i;
    int stat = luaL_checkoption(L, 3, NULL, stat_names) + 1;
    double v = 0;
    int rc;
    if (lt_customer(L, 2, book, tier_book_customer_count(book), &i) != 0)
        return 3;
    if ((rc = tier_book_customer_stat(book, i, stat, &v)) != TIER_OK)
        return fail_book(L, book, rc);
    lt_push_number(L, v);
    return 1;
}

/* book:stats(customer) -> {first_purchase = .., ..., net_margin = ..} */
static int book_stats(lua_State *L)
{
    tier_book *book = check_book(L);
    size_t i;
    int k;
    double v = 0;
    if (lt_customer(L, 2, book, tier_book_customer_count(book), &i) != 0)
        return 3;
    lua_newtable(L);
    for (k = 0; k < 7; k++) {
        if (tier_book_customer_stat(book, i, k + 1, &v) != TIER_OK)
            continue;
        lt_push_number(L, v);
        lua_setfield(L, -2, stat_names[k]);
    }
    return 1;
}

/* book:txn(t) -> customer index, day, amount, margin (t from 1 to txn_count()) */
static int book_txn(lua_State *L)
{
    tier_book *book = check_book(L);
    lua_Integer t = luaL_checkinteger(L, 2);
    size_t customer = 0;
    int32_t day = 0;
    double amount = 0, margin = 0;
    if (t < 1 || tier_book_txn(book, (size_t)(t - 1), &customer, &day, &amount, &margin) != 0)
        return lt_failf(L, TIER_ERANGE, "transaction %I out of range (1 .. %I)", t,
                        (lua_Integer)tier_book_txn_count(book));
    lua_pushinteger(L, (lua_Integer)customer + 1);
    lua_pushinteger(L, day);
    lt_push_number(L, amount);
    lt_push_number(L, margin);
    return 4;
}

/* book:day_range() -> first day, last day | nil, message, "TIER_ENOTFOUND" (empty book) */
static int book_day_range(lua_State *L)
{
    tier_book *book = check_book(L);
    int32_t first = 0, last = 0;
    int rc = tier_book_day_range(book, &first, &last);
    if (rc != TIER_OK)
        return lt_fail(L, rc, "the book has no transactions");
    lua_pushinteger(L, first);
    lua_pushinteger(L, last);
    return 2;
}

/* The type of attribute `name`, 0 when the book has none of that name. */
static int attribute_type(const tier_book *book, const char *name)
{
    size_t i, n = tier_book_attribute_count(book);
    int type = 0;
    for (i = 0; i < n; i++)
        if (strcmp(tier_book_attribute_name(book, i, &type), name) == 0)
            return type;
    return 0;
}

/* book:set(customer, name, value) -> true | nil, message, code. A number or a string sets the
 * attribute (its type is fixed by its first value); nil clears it. */
static int book_set(lua_State *L)
{
    tier_book *book = check_book(L);
    const char *name = luaL_checkstring(L, 3);
    size_t i;
    int rc = TIER_OK, type;
    if (lua_type(L, 4) != LUA_TNUMBER && lua_type(L, 4) != LUA_TSTRING && !lua_isnoneornil(L, 4))
        return luaL_typeerror(L, 4, "number, string or nil");
    if (lt_customer(L, 2, book, tier_book_customer_count(book), &i) != 0)
        return 3;
    if (lua_type(L, 4) == LUA_TNUMBER) {
        rc = tier_book_set_number(book, i, name, (double)lua_tonumber(L, 4));
    } else if (lua_type(L, 4) == LUA_TSTRING) {
        rc = tier_book_set_text(book, i, name, lua_tostring(L, 4));
    } else if ((type = attribute_type(book, name)) == TIER_ATTR_NUMBER) {
        rc = tier_book_set_number(book, i, name, (double)NAN);
    } else if (type == TIER_ATTR_TEXT) {
        rc = tier_book_set_text(book, i, name, NULL);
    }
    if (rc != TIER_OK)
        return fail_book(L, book, rc);
    lua_pushboolean(L, 1);
    return 1;
}

/* Pushes attribute `name` of customer `i` (nil when unset). */
static void push_attribute(lua_State *L, const tier_book *book, size_t i, const char *name,
                           int type)
{
    double v = 0;
    const char *s = NULL;
    if (type == TIER_ATTR_NUMBER && tier_book_get_number(book, i, name, &v) == TIER_OK)
        lt_push_number(L, v);
    else if (type == TIER_ATTR_TEXT && tier_book_get_text(book, i, name, &s) == TIER_OK)
        lua_pushstring(L, s);
    else
        lua_pushnil(L);
}

/* book:get(customer, name) -> number | string | nil (unset) */
static int book_get(lua_State *L)
{
    tier_book *book = check_book(L);
    const char *name = luaL_checkstring(L, 3);
    size_t i;
    if (lt_customer(L, 2, book, tier_book_customer_count(book), &i) != 0)
        return 3;
    push_attribute(L, book, i, name, attribute_type(book, name));
    return 1;
}

/* book:attributes() -> {name = "number" | "text", ...} */
static int book_attributes(lua_State *L)
{
    tier_book *book = check_book(L);
    size_t i, n = tier_book_attribute_count(book);
    int type = 0;
    lua_createtable(L, 0, (int)n);
    for (i = 0; i < n; i++) {
        const char *name = tier_book_attribute_name(book, i, &type);
        lua_pushstring(L, type == TIER_ATTR_NUMBER ? "number" : "text");
        lua_setfield(L, -2, name);
    }
    return 1;
}

/* book:record(customer) -> {id =, attributes = {...}, transactions = {{day, amount, margin}}} */
static int book_record(lua_State *L)
{
    tier_book *book = check_book(L);
    tier_record *rec;
    size_t i, k, n, len = 0;
    int rc, type = 0;
    const char *id;
    if (lt_customer(L, 2, book, tier_book_customer_count(book), &i) != 0)
        return 3;
    rec = scratch_record(L);
    if ((rc = tier_book_get_record(book, i, rec)) != TIER_OK)
        return fail_book(L, book, rc);
    lua_createtable(L, 0, 3);
    id = tier_record_id(rec, &len);
    lua_pushlstring(L, id, len);
    lua_setfield(L, -2, "id");
    lua_newtable(L);
    for (k = 0; k < tier_book_attribute_count(book); k++) {
        const char *name = tier_book_attribute_name(book, k, &type);
        push_attribute(L, book, i, name, type);
        lua_setfield(L, -2, name);
    }
    lua_setfield(L, -2, "attributes");
    n = tier_record_txn_count(rec);
    lua_createtable(L, (int)n, 0);
    for (k = 0; k < n; k++) {
        int32_t day = 0;
        double amount = 0, margin = 0;
        (void)tier_record_txn(rec, k, &day, &amount, &margin);
        lua_createtable(L, 3, 0);
        lua_pushinteger(L, day);
        lua_rawseti(L, -2, 1);
        lt_push_number(L, amount);
        lua_rawseti(L, -2, 2);
        lt_push_number(L, margin);
        lua_rawseti(L, -2, 3);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "transactions");
    return 1;
}

/* book:merge(other) -> true | nil, message, code */
static int book_merge(lua_State *L)
{
    tier_book *book = check_book(L);
    tier_book *other = (tier_book *)lt_check(L, 2, LT_BOOK);
    int rc = tier_book_merge(book, other);
    if (rc != TIER_OK)
        return fail_book(L, book, rc);
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- savepoints ---- */

/* book:savepoint() -> the number of open savepoints | nil, message, code: a host tries changes
 * (an invoice) and undoes them with book:rollback() or keeps them with book:release(). */
static int book_savepoint(lua_State *L)
{
    tier_book *book = check_book(L);
    int rc = tier_book_savepoint(book);
    if (rc != TIER_OK)
        return fail_book(L, book, rc);
    lua_pushinteger(L, (lua_Integer)tier_book_savepoint_depth(book));
    return 1;
}

/* book:rollback() / book:release() -> true | nil, message, TIER_ESTATE (no open savepoint) */
static int book_close_savepoint(lua_State *L, int (*close)(tier_book *))
{
    tier_book *book = check_book(L);
    int rc = close(book);
    if (rc != TIER_OK)
        return fail_book(L, book, rc);
    lua_pushboolean(L, 1);
    return 1;
}

static int book_rollback(lua_State *L)
{
    return book_close_savepoint(L, tier_book_rollback);
}

static int book_release(lua_State *L)
{
    return book_close_savepoint(L, tier_book_release);
}

/* book:savepoints() -> the number of open savepoints */
static int book_savepoints(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)tier_book_savepoint_depth(check_book(L)));
    return 1;
}

/* ---- CSV ---- */

/* Pushes option `key` of the options table `opts` (0: none, then nil); returns its type. */
static int opt_get(lua_State *L, int opts, const char *key)
{
    if (!opts) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    return lua_getfield(L, opts, key);
}

static void csv_check(lua_State *L, tier_csv *csv, int rc, const char *option)
{
    if (rc == TIER_ENOMEM)
        luaL_error(L, "not enough memory");
    if (rc != TIER_OK)
        luaL_error(L, "option %s: %s", option, tier_csv_last_error(csv));
}

/* Pushes a reader configured by the options table at `opts` (0: none); raises on a bad option
 * (a usage error). `attributes`: the reader loads attributes, so a missing `id` is sniffed from
 * `head` by the pipeline's rules (account_id, customer_id, customer, id). */
static tier_csv *configured_csv(lua_State *L, int opts, const char *head, size_t head_len,
                                int attributes)
{
    static const char *const date_formats[] = {"iso", "yyyymmdd", "auto", NULL};
    static const struct {
        const char *key;
        int role;
    } roles[] = {{"id", TIER_CSV_ID},
                 {"date", TIER_CSV_DATE},
                 {"amount", TIER_CSV_AMOUNT},
                 {"margin", TIER_CSV_MARGIN}};
    lt_box *box = lt_push_box(L, LT_SCRATCH, NULL, free_csv);
    tier_csv *csv = NULL;
    int delimiter = ',';
    size_t i;
    const char *column = NULL;
    if (tier_csv_new(&csv, NULL) != TIER_OK)
        luaL_error(L, "not enough memory");
    box->ptr = csv;
    if (opt_get(L, opts, "delimiter") != LUA_TNIL) {
        const char *d = luaL_checkstring(L, -1);
        if (strcmp(d, "ws") == 0)
            delimiter = TIER_CSV_WHITESPACE;
        else if (strcmp(d, "tab") == 0)
            delimiter = '\t';
        else if (strlen(d) == 1)
            delimiter = (unsigned char)d[0];
        else
            luaL_error(L, "option delimiter: one byte, \"tab\" or \"ws\" expected, got \"%s\"", d);
    }
    lua_pop(L, 1);
    csv_check(L, csv, tier_csv_set_delimiter(csv, delimiter), "delimiter");
    if (opt_get(L, opts, "header") != LUA_TNIL)
        csv_check(L, csv, tier_csv_set_header(csv, lua_toboolean(L, -1)), "header");
    lua_pop(L, 1);
    if (opt_get(L, opts, "columns") != LUA_TNIL)
        csv_check(L, csv, tier_csv_set_column_names(csv, luaL_checkstring(L, -1)), "columns");
    lua_pop(L, 1);
    if (opt_get(L, opts, "date_format") != LUA_TNIL)
        csv_check(L, csv,
                  tier_csv_set_date_format(csv, luaL_checkoption(L, -1, NULL, date_formats)),
                  "date_format");
    lua_pop(L, 1);
    for (i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (opt_get(L, opts, roles[i].key) != LUA_TNIL)
            csv_check(L, csv, tier_csv_set_column(csv, roles[i].role, luaL_checkstring(L, -1)),
                      roles[i].key);
        else if (roles[i].role == TIER_CSV_ID && attributes && head &&
                 tier_pipeline_sniff(head, head_len, TIER_PIPELINE_ROLE_ACCOUNT_ID, &delimiter,
                                     &column, NULL) == TIER_OK)
            csv_check(L, csv, tier_csv_set_column(csv, TIER_CSV_ID, column), "id");
        lua_pop(L, 1);
    }
    return csv;
}

/* Reads up to 64 KiB of the head of `path` for sniffing; NULL when it cannot be read (the load
 * itself then reports why). The buffer is a scratch userdata pushed on the stack. */
static const char *file_head(lua_State *L, const char *path, size_t *len)
{
    enum { HEAD = 65536 };
    char *buf = (char *)lua_newuserdatauv(L, HEAD, 0);
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f)
        return NULL;
    *len = fread(buf, 1, HEAD, f);
    fclose(f);
    return buf;
}

enum { READ_FILE = 0, READ_TEXT = 1, READ_TXNS = 0, READ_ATTRS = 2 };

/* The four readers: book:read_csv(path [, opts]), book:read_csv_text(text [, opts]),
 * book:read_attributes(path [, opts]), book:read_attributes_text(text [, opts])
 * -> rows read | nil, message, code. All or nothing; the message names line and column. */
static int book_read(lua_State *L, int how)
{
    tier_book *book = check_book(L);
    size_t len = 0, head_len = 0;
    const char *src = luaL_checklstring(L, 2, &len), *head = NULL;
    int opts = lua_isnoneornil(L, 3) ? 0 : 3, rc;
    tier_csv *csv;
    if (opts)
        luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    if (how & READ_ATTRS)
        head = (how & READ_TEXT) ? src : file_head(L, src, &head_len);
    if (how & READ_TEXT)
        head_len = len;
    csv = configured_csv(L, opts, head, head_len, how & READ_ATTRS);
    switch (how) {
    case READ_FILE | READ_TXNS:
        rc = tier_csv_read_file(csv, book, src);
        break;
    case READ_TEXT | READ_TXNS:
        rc = tier_csv_read_buffer(csv, book, src, len);
        break;
    case READ_FILE | READ_ATTRS:
        rc = tier_csv_read_attributes_file(csv, book, src);
        break;
    default:
        rc = tier_csv_read_attributes_buffer(csv, book, src, len);
        break;
    }
    if (rc != TIER_OK)
        return lt_fail(L, rc, tier_csv_last_error(csv));
    lua_pushinteger(L, (lua_Integer)tier_csv_rows_read(csv));
    return 1;
}

static int book_read_csv(lua_State *L)
{
    return book_read(L, READ_FILE | READ_TXNS);
}

static int book_read_csv_text(lua_State *L)
{
    return book_read(L, READ_TEXT | READ_TXNS);
}

static int book_read_attributes(lua_State *L)
{
    return book_read(L, READ_FILE | READ_ATTRS);
}

static int book_read_attributes_text(lua_State *L)
{
    return book_read(L, READ_TEXT | READ_ATTRS);
}

static int book_describe(lua_State *L)
{
    tier_book *book = (tier_book *)lt_check(L, 1, LT_BOOK);
    lua_pushfstring(L, "%I customers, %I transactions", (lua_Integer)tier_book_customer_count(book),
                    (lua_Integer)tier_book_txn_count(book));
    return 1;
}

void lt_open_book(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"set_option", book_set_option},
        {"get_option", book_get_option},
        {"add_txn", book_add_txn},
        {"add_txns", book_add_txns},
        {"add_customer", book_add_customer},
        {"add_record", book_add_record},
        {"find", book_find},
        {"count", book_count},
        {"txn_count", book_txn_count},
        {"id", book_id},
        {"stat", book_stat},
        {"stats", book_stats},
        {"txn", book_txn},
        {"day_range", book_day_range},
        {"set", book_set},
        {"get", book_get},
        {"attributes", book_attributes},
        {"record", book_record},
        {"merge", book_merge},
        {"savepoint", book_savepoint},
        {"rollback", book_rollback},
        {"release", book_release},
        {"savepoints", book_savepoints},
        {"read_csv", book_read_csv},
        {"read_csv_text", book_read_csv_text},
        {"read_attributes", book_read_attributes},
        {"read_attributes_text", book_read_attributes_text},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {{"__len", book_count}, {NULL, NULL}};
    lt_register(L, LT_BOOK, methods, meta, book_describe);
}
