-- SPDX-License-Identifier: MIT
-- Shared helpers of the Lua module's tests (bindings/lua/tests/test_*.lua, run by ctest with
-- LUA_CPATH at the built module and TIER_SOURCE_DIR at the repository).
local M = {}

M.tier = require "libtier"
M.root = assert(os.getenv("TIER_SOURCE_DIR"), "TIER_SOURCE_DIR is not set")
M.data = M.root .. "/examples/data/"
M.under_valgrind = os.getenv("TIER_UNDER_VALGRIND") == "1"

local failures, checks = 0, 0

local function where(level)
    local info = debug.getinfo(level + 1, "Sl")
    return info.short_src .. ":" .. info.currentline
end

function M.eq(got, want, what)
    checks = checks + 1
    if got ~= want then
        failures = failures + 1
        io.stderr:write(string.format("%s: %s: got %s, want %s\n", where(2), what or "value",
            tostring(got), tostring(want)))
    end
    return got == want
end

function M.ok(cond, what)
    checks = checks + 1
    if not cond then
        failures = failures + 1
        io.stderr:write(string.format("%s: %s\n", where(2), what or "check failed"))
    end
    return cond
end

-- The nil, message, code convention: `fn(...)` returns exactly nil, a message matching
-- `pattern` (plain text) and the status name `code`.
function M.fails(code, pattern, fn, ...)
    local r = table.pack(fn(...))
    local n, a, msg, got = r.n, r[1], r[2], r[3]
    checks = checks + 1
    local good = n == 3 and a == nil and type(msg) == "string" and got == code
        and (pattern == nil or msg:find(pattern, 1, true) ~= nil)
        and M.tier.status[got] ~= nil
    if not good then
        failures = failures + 1
        io.stderr:write(string.format("%s: want nil, \"...%s...\", %s; got %d values: %s, %s, %s\n",
            where(2), tostring(pattern), code, n, tostring(a), tostring(msg), tostring(got)))
    end
    return msg
end

-- A Lua error (an argument error: a misuse, not a failure) whose message contains `pattern`.
function M.raises(pattern, fn, ...)
    local ok, err = pcall(fn, ...)
    checks = checks + 1
    if ok or not tostring(err):find(pattern, 1, true) then
        failures = failures + 1
        io.stderr:write(string.format("%s: want an error with \"%s\", got %s\n", where(2),
            pattern, ok and "no error" or tostring(err)))
    end
end

function M.tmpname()
    local name = os.tmpname()
    os.remove(name)
    return name
end

function M.read(path)
    local f = assert(io.open(path, "rb"))
    local s = f:read("a")
    f:close()
    return s
end

-- A small book of three customers: "big" buys much and often, "mid" some, "small" once.
function M.small_book()
    local tier = M.tier
    local book = tier.book()
    for m = 1, 12 do
        assert(book:add_txn("big", string.format("2024-%02d-10", m), 1000, 300))
        if m % 3 == 0 then assert(book:add_txn("mid", string.format("2024-%02d-12", m), 200)) end
    end
    assert(book:add_txn("small", "2023-02-01", 15))
    return book
end

function M.done()
    collectgarbage()
    collectgarbage()
    if failures > 0 then
        io.stderr:write(string.format("%d of %d checks failed\n", failures, checks))
        os.exit(1)
    end
    print(string.format("%d checks passed", checks))
    os.exit(0, true) -- close the state: every finalizer runs (valgrind sees no leak)
end

return M
