-- SPDX-License-Identifier: MIT
-- tier.run and libtier.Result: tiers, reasons, flags, routes, entitlements, explanations,
-- summaries, frame values, writing; the same rows as the pipeline (the `tier` command's job).
local T = require "support"
local tier = T.tier

-- The B2B example data with the full policy: its declared models are made with their options.
local book = tier.book()
assert(book:read_csv(T.data .. "b2b_invoices.csv", {margin = "margin"}))
assert(book:read_attributes(T.data .. "b2b_accounts.csv"))
local full = assert(tier.policy("b2b-full"))
local res = assert(tier.run(book, full))
T.eq(#res, 2000, "one row per customer")
T.eq(res:count(), 2000, "count")
T.eq(table.concat(res:tiers(), ","), "S,A,B,C", "tiers")
local total = 0
local want = {S = 52, A = 318, B = 97, C = 1533} -- as `tier run --policy b2b-full` prints them
for _, s in ipairs(res:summary()) do
    T.eq(s.customers, want[s.tier], "summary " .. s.tier)
    T.ok(s.revenue > 0, "revenue " .. s.tier)
    total = total + s.customers
end
T.eq(total, 2000, "summary adds up")
local models = res:models()
T.eq(#models, 5, "the five models b2b-full declares")
T.eq(models[5]:name(), "needs", "declared order")
T.eq(models[4]:get("preset"), "b2b", "the declared scorecard preset")
T.ok(rawequal(res:book(), book), "result:book()")
T.ok(rawequal(res:policy(), full), "result:policy()")

-- per customer, by index and by id
local s_customer, routed, flagged
for i = 1, #res do
    if res:tier(i) == "S" and not s_customer then s_customer = i end
    if res:route(i) then routed = i end
    if #res:flags(i) > 0 then flagged = i end
end
T.ok(s_customer ~= nil, "someone is S")
local id = book:id(s_customer)
T.eq(res:tier(id), "S", "tier by id")
T.eq(res:entitlement(id, "discount_max"), 15, "S discount ceiling")
T.eq(res:entitlement(id, "credit_days"), 60, "S credit days")
T.eq(res:entitlement(id, "events"), true, "bool entitlement")
local ents = res:entitlements(id)
T.eq(ents.coverage, "dedicated account manager", "entitlements table")
T.eq(ents.sla_hours, 4, "entitlements number")
T.ok(res:reason(id):find("scorecard grade A"), "reason names the rule")
T.ok(routed ~= nil, "key accounts are routed")
T.ok(res:route(routed):find("KA") or res:route(routed):find("sales"), "route names a team")
T.eq(res:route("ACC00027"), nil, "a C account is not routed")
T.eq(#res:flags("ACC00027"), 0, "no flags")
if flagged then T.ok(#res:flags(flagged)[1] > 0, "a flag name") end
T.eq(res:value("ACC00027", "lifecycle.stage"), "churned", "a label column")
T.eq(res:value("ACC00027", "rfm.f"), 8, "a number column")
T.eq(res:value("ACC00027", "tier"), "C", "the tier column")
local cols = res:columns()
T.ok(#cols > 10, "columns")
T.fails("TIER_ENOTFOUND", 'no column "nope"', res.value, res, 1, "nope")
T.fails("TIER_ENOTFOUND", 'no entitlement "fee"', res.entitlement, res, 1, "fee")
T.fails("TIER_ENOTFOUND", 'no customer "ZZZ"', res.tier, res, "ZZZ")
T.fails("TIER_ERANGE", "customer index 2001 out of range (1 .. 2000)", res.tier, res, 2001)
T.raises("customer index (integer) or id (string) expected", res.tier, res, {})
T.eq(type(res:notices()), "table", "notices")

local text = assert(res:explain(id))
T.ok(text:find("customer " .. id .. ": tier S", 1, true), "explain text")
local json = assert(res:explain(id, "json"))
T.eq(json:sub(1, 1), "{", "explain json")
T.raises("invalid option 'xml'", res.explain, res, id, "xml")

-- the same rows as the pipeline writes for the same job
local columns = "customer_id,tier,r=rfm.r,p_alive=clv.p_alive,stage=lifecycle.stage,"
    .. "grade=scorecard.grade,need=needs.segment,flags,route,ent.discount_max,ent.credit_days,"
    .. "ent.events,reason"
local p = assert(tier.pipeline{input = T.data .. "b2b_invoices.csv",
    accounts = T.data .. "b2b_accounts.csv", policy = "b2b-full", margin = "margin",
    output_columns = columns})
local ok, out = p:run()
T.eq(ok, true, "pipeline run")
T.eq(res:to_string{columns = columns}, out, "tier.run gives the pipeline's rows byte for byte")
T.fails("TIER_ENOTFOUND", "pareto.class", res.to_string, res) -- the default columns need pareto
local path = T.tmpname()
T.ok(res:write(path, {columns = "customer_id,tier,reason", format = "json"}), "write json")
T.eq(T.read(path):sub(1, 1), "[", "a JSON array")
os.remove(path)
T.fails("TIER_ENOTFOUND", nil, res.to_string, res, {columns = "customer_id,nope"})
T.fails("TIER_EIO", nil, res.write, res, "/nonexistent/dir/out.csv", {columns = columns})

-- models given explicitly, a policy by name or file, as_of
local small = T.small_book()
local rfm, pareto = tier.model("rfm"), tier.model("pareto")
local r2 = assert(tier.run(small, "pareto-sabc", {rfm, pareto}))
T.eq(r2:tier("big"), "S", "the big customer is S")
T.ok(r2:to_string():find("^customer_id,tier,r,f,m"), "default columns")
T.ok(rfm:fitted(), "the run fitted the given model")
local r3 = assert(tier.run(small, T.root .. "/policies/pareto-sabc.policy"))
T.eq(r3:tier("big"), "S", "a policy file by path")
local r4 = assert(tier.run(small, tier.policy("b2b-sabc"), nil, {as_of = "2024-12-31"}))
T.eq(r4:tier("small"), "C", "as_of: a purchase over a year before is outside the window")
T.fails("TIER_EIO", nil, tier.run, small, "/nonexistent.policy")
T.fails("TIER_ENOTFOUND", nil, tier.run, small, "pareto-sabc", {tier.model("rfm")})
T.fails("TIER_EINVAL", nil, tier.run, small, "pareto-sabc", {rfm, tier.model("rfm"), pareto})
T.raises("item 1 is not a libtier.Model", tier.run, small, "pareto-sabc", {"rfm"})
T.raises("bad argument #1", tier.run, "book", "pareto-sabc")
T.raises("bad argument #2", tier.run, small, 42)
-- a model that cannot fit fails the run with nil, message, code (here: needs without features)
local _, msg, code = tier.run(small, "pareto-sabc", {tier.model("needs"), tier.model("pareto")})
T.eq(code, "TIER_EINVAL", "a failed fit's code")
T.ok(msg:find("needs"), "the message names the model")
T.ok(tostring(r2):find("3 customers, 4 tiers"), "tostring")
T.done()
