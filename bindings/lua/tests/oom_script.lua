-- SPDX-License-Identifier: MIT
-- The workload oom_host runs again and again with a Lua allocator that fails after 0, 1, 2, ...
-- allocations: every call of the module below must then raise "not enough memory" (or return
-- nil, message, code), never crash, and leak nothing once the state is closed.
local tier = require "libtier"
local book = tier.book()
for m = 1, 6 do
    assert(book:add_txn("big", string.format("2024-%02d-10", m), 1000, 300))
    assert(book:add_txn("mid", string.format("2024-%02d-12", m), 150))
end
assert(book:add_customer("small", {industry = "retail", employees = 3}))
assert(book:add_record{id = "rec", attributes = {industry = "energy"},
    transactions = {{"2024-03-01", 70, 7}}})
assert(book:add_txns{{"x", "2024-05-01", 10}, {"y", "2024-05-02", 20, 5}})
assert(book:read_csv_text("customer_id,date,amount\nz,2024-04-04,44\n"))
assert(book:read_attributes_text("customer_id,region\nz,North\n"))
local rec = book:record("rec")
local policy = assert(tier.policy_string(tier.builtin_policy_text("b2b-sabc"), "sabc"))
local _ = policy:tiers(), policy:models(), policy:entitlements(), policy:describe()
local rfm = assert(tier.model("rfm", {bins = 4}))
local res = assert(tier.run(book, policy, {rfm}))
local _ = res:summary(), res:explain("big"), res:entitlements("mid"), res:to_string(), rec
local h = tier.history()
assert(h:apply(res))
assert(h:override_add("mid", "S", "pinned", "ops", "2026-01-01"))
local copy = assert(tier.history_from_string(h:to_string()))
local _ = copy:entries(), h:ledger("json"), h:matrix(), rfm:save(), rfm:options()
if tier.retier then
    local rt = assert(res:retier(h))
    assert(book:add_txn("small", "2024-06-01", 9000))
    assert(rt:customer("small"))
    local _ = rt:entitlements("small"), rt:flags("small"), assert(rt:batch())
end
local p = assert(tier.pipeline{policy = "pareto-sabc"})
local _ = p:get("policy"), tostring(p), tostring(book)
return "done"
