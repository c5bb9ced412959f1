-- SPDX-License-Identifier: MIT
-- What one posted invoice costs a Lua plug-in (docs/guide-lua.md): book:add_txn, then
-- retier:customer and retier:entitlement, on the B2B example book frozen with b2b-sabc.
-- usage: LUA_CPATH='build/bindings/lua/?.so' lua5.4 tests/bench/lua_retier.lua [ROOT [N]]
local tier = require "libtier"
local root, n = arg[1] or ".", tonumber(arg[2] or "20000")
local book = tier.book()
assert(book:read_csv(root .. "/examples/data/b2b_invoices.csv", {margin = "margin"}))
local res = assert(tier.run(book, "b2b-sabc", nil, {as_of = "2025-08-01"}))
local rt = assert(res:retier())
local t0 = os.clock()
for k = 1, n do
    local i = (k * 7919) % #book + 1
    assert(book:add_txn(i, "2025-07-15", 100))
    assert(rt:customer(i))
    assert(rt:entitlement(i, "discount_max"))
end
print(string.format("%d invoices over %d customers: %.2f us each (CPU time)", n, #book,
    (os.clock() - t0) / n * 1e6))
