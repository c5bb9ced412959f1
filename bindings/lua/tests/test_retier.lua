-- SPDX-License-Identifier: MIT
-- libtier.Retier: a run frozen, one customer re-tiered after each new invoice through the
-- incremental path, the same tiers as the batch recompute, with a history, from a pipeline,
-- its errors and lifetimes. Skipped (77) when the module was built without retier.h.
local T = require "support"
local tier = T.tier
if not tier.retier then
    print("the module was built without include/tier/retier.h: skipped")
    os.exit(77)
end

local book = tier.book()
assert(book:read_csv(T.data .. "b2b_invoices.csv", {margin = "margin"}))
local res = assert(tier.run(book, "b2b-sabc"))
local rt = assert(res:retier())
local rt2 = assert(tier.retier(res))
T.ok(tostring(rt):find("libtier.Retier"), "tostring")

-- ACC00027 is C (band C); invoices move it up, and its entitlements follow
local id = "ACC00027"
T.eq(rt:tier(id), "C", "frozen tier")
T.eq(rt:entitlement(id, "discount_max"), 0, "C discount ceiling")
local _, last = book:day_range()
assert(book:add_txn(id, last, 20000))
local t, reason = rt:customer(id)
T.eq(t, "B", "re-tiered into B")
T.eq(reason, "revenue band A/B, low engagement", "with the rule as its reason")
T.eq(rt:tier(id), "B", "tier after re-tiering")
T.eq(rt:reason(id), reason, "reason after re-tiering")
T.eq(rt:entitlement(id, "discount_max"), 5, "B discount ceiling")
T.eq(rt:entitlement(id, "events"), false, "a bool entitlement")
T.eq(rt2:tier(id), "C", "another retier of the run is not affected until it re-tiers")
assert(book:add_txn(book:find(id), last, 200000))
T.eq((rt:customer(book:find(id))), "S", "by index: S")
local ents = rt:entitlements(id)
T.eq(ents.discount_max, 15, "S discount ceiling")
T.eq(ents.coverage, "dedicated account manager", "text entitlement")
T.eq(type(rt:flags(id)), "table", "flags")
T.eq(rt:route(id), nil, "b2b-sabc routes no one")
T.ok(rt:number(id, "rfm.r") ~= nil, "a model output")
T.fails("TIER_ENOTFOUND", nil, rt.number, rt, id, "rfm.nope")
T.fails("TIER_ENOTFOUND", 'no entitlement "fee"', rt.entitlement, rt, id, "fee")

-- the incremental path gives what the batch recompute gives, customer by customer
local batch = assert(rt:batch())
T.eq(#batch, #res, "batch covers the book")
local differ = 0
for i = 1, #batch do
    if batch:tier(i) ~= rt:tier(i) then differ = differ + 1 end
end
T.eq(differ, 0, "incremental == batch for every customer")
T.eq(batch:tier(id), "S", "batch agrees on the re-tiered customer")
T.eq(batch:entitlement(id, "credit_days"), 60, "the batch result reads entitlements")

-- errors: a customer added after the freeze, an index beyond the book, a wrong argument
assert(book:add_txn("NEWCO", last, 5))
T.fails("TIER_ENOTFOUND", "after the freeze", rt.customer, rt, "NEWCO")
T.fails("TIER_ERANGE", "out of range", rt.customer, rt, 99999)
T.fails("TIER_ENOTFOUND", 'no customer "ghost"', rt.tier, rt, "ghost")

-- what a retier froze cannot change under it: its policy and models refuse changes until it goes
local frozen_policy, frozen_model = res:policy(), res:models()[1]
T.fails("TIER_ESTATE", "in use by a retier", frozen_policy.load_string, frozen_policy,
    tier.builtin_policy_text("rfm-10"))
T.fails("TIER_ESTATE", "in use by a retier", frozen_model.set, frozen_model, "bins", 4)
T.fails("TIER_ESTATE", nil, frozen_model.load, frozen_model, frozen_model:save())
T.fails("TIER_ESTATE", nil, frozen_model.fit, frozen_model, book)
T.fails("TIER_ESTATE", nil, frozen_policy.load_file, frozen_policy, T.root .. "/policies/rfm-8.policy")
rt2:close()
T.fails("TIER_ESTATE", nil, frozen_model.set, frozen_model, "bins", 4)
local kept = rt
rt = nil
kept:close()
T.ok(frozen_model:set("bins", 5), "changeable once its retiers are closed (a result does not freeze)")

-- with a history: hysteresis decides as the next run would
local hold = assert(tier.policy_string([[
libtier-policy 1
name "hold"
model rfm = rfm
window revenue_12m = revenue over 12 months
tier S {
    rule "big" when revenue_12m >= 5000
    demote after 2 runs
}
tier C {
    rule "rest" when true
}
]]))
local small = T.small_book()
local h = tier.history()
local r1 = assert(tier.run(small, hold))
assert(h:apply(r1))
local hrt = assert(r1:retier(h))
T.eq(hrt:tier("mid"), "C", "mid starts in C")
assert(small:add_txn("mid", "2024-12-01", 9000)) -- before the frozen as-of day
T.eq((hrt:customer("mid")), "S", "mid rises to S")
T.eq(hrt:tier("big"), "S", "big stays S")

-- routing (b2b-full): a key account keeps its team when it buys more (frozen capacities)
local full_book = tier.book()
assert(full_book:read_csv(T.data .. "b2b_invoices.csv", {margin = "margin"}))
assert(full_book:read_attributes(T.data .. "b2b_accounts.csv"))
local full = assert(tier.run(full_book, "b2b-full"))
local frt = assert(full:retier())
local key
for i = 1, #full_book do
    if frt:route(i) then key = i break end
end
T.ok(key ~= nil, "b2b-full routes key accounts")
local team = frt:route(key)
T.eq(team, full:route(key), "the run's team")
assert(full_book:add_txn(key, last, 1000))
T.eq((frt:customer(key)), "S", "still S")
T.eq(frt:route(key), team, "keeps its place in the team")

-- a run the library cannot freeze: the message is the library's own reason
local own = assert(tier.policy_string([[
libtier-policy 1
name "own"
hierarchy parent = attr.parent children = own
tier A {
    rule "all" when true
}
]]))
local ores = assert(tier.run(T.small_book(), own))
T.fails("TIER_EINVAL", "cannot freeze the run: the policy's hierarchy gives children their own rows",
    tier.retier, ores)

-- lifetimes: the retier keeps the run's book, models and policy alive
do
    local b <close> = T.small_book()
    local r <close> = assert(tier.run(b, "pareto-sabc"))
    rt = assert(r:retier())
end
res, batch, book = nil, nil, nil
collectgarbage()
T.eq(rt:tier("big"), "S", "a retier outlives its closed result and book")
T.ok(rt:customer("small"), "and re-tiers")

-- a pipeline's retier, invoices through the pipeline's book
local p = assert(tier.pipeline{input = T.data .. "b2b_invoices.csv"})
assert(p:run())
T.raises("a result of tier.run expected", tier.retier, p:result())
local prt = assert(p:retier())
local pbook = assert(p:book())
T.eq(prt:tier(id), "C", "the pipeline's run")
assert(pbook:add_txn(id, last, 250000))
T.eq((prt:customer(id)), "S", "re-tiered through the pipeline")
T.eq(prt:entitlement(id, "discount_max"), 15, "entitlement without the policy object")
assert(p:run())
T.raises("earlier run of its pipeline", prt.tier, prt, id)
T.done()
