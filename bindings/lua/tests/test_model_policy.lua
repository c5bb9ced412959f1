-- SPDX-License-Identifier: MIT
-- libtier.Model (kinds, options, fit, save/load) and libtier.Policy (built-ins, files, strings,
-- models, entitlements, lint), with their errors.
local T = require "support"
local tier = T.tier

-- kinds and models
local kinds = tier.kinds()
T.eq(kinds[1], "rfm", "first built-in kind")
T.eq(#kinds, 8, "eight built-in kinds")
T.eq(kinds[8], "sbg", "the last built-in kind")
local rfm = assert(tier.model("rfm"))
T.eq(rfm:name(), "rfm", "default name is the kind")
T.eq(rfm:kind(), "rfm", "kind")
T.eq(rfm:fitted(), false, "not fitted yet")
local named = assert(tier.model("rfm", "r4", {bins = 4}))
T.eq(named:name(), "r4", "given name")
T.eq(named:get("bins"), 4, "option set at creation")
local opts = assert(tier.model("pareto", {threshold_a = 0.7}))
T.eq(opts:name(), "pareto", "options without a name")
T.eq(opts:get("threshold_a"), 0.7, "number option")
T.fails("TIER_ENOTFOUND", 'no model kind "nope"', tier.model, "nope")
T.fails("TIER_ERANGE", nil, tier.model, "rfm", {bins = 1000})
T.fails("TIER_EINVAL", nil, tier.model, "rfm", "bad name!")
T.raises("model name or options table", tier.model, "rfm", 5)

local options = rfm:options()
T.ok(#options > 0, "rfm declares options")
local seen = {}
for _, o in ipairs(options) do
    seen[o.name] = o.type
    T.ok(type(o.doc) == "string", "option doc is a string")
end
T.eq(seen.bins, "number", "bins is a number option")
T.ok(rfm:set("bins", 4), "set a number")
T.eq(rfm:get("bins"), 4, "get it back")
T.ok(rfm:set("bins", "3"), "set from text")
T.eq(rfm:get("bins"), 3, "text parsed by the option's type")
T.ok(rfm:set{bins = 5}, "set from a table")
T.eq(rfm:get("bins"), 5, "table set")
T.fails("TIER_ENOTFOUND", "colour", rfm.set, rfm, "colour", 1)
T.fails("TIER_ENOTFOUND", nil, rfm.get, rfm, "colour")
T.fails("TIER_EINVAL", nil, rfm.set, rfm, "bins", "many")
T.eq(rfm:get("bins"), 5, "a refused value changes nothing")
T.raises("number, string, boolean or list expected", rfm.set, rfm, "bins", print)

-- a list option (the needs model's features)
local needs = assert(tier.model("needs"))
local list_name
for _, o in ipairs(needs:options()) do
    if o.type == "list" then list_name = list_name or o.name end
end
T.ok(list_name ~= nil, "needs has a list option")
T.ok(needs:set(list_name, {"module_crm", "module_erp"}), "set a list")
local got = needs:get(list_name)
T.eq(type(got), "table", "a list reads back as a table")
T.eq(got[2], "module_erp", "list item")
T.raises("item 2 of the list is not a string", needs.set, needs, list_name, {"a", 5})

-- fit, save, load
local book = T.small_book()
T.fails("TIER_ESTATE", nil, rfm.save, rfm)
T.ok(rfm:fit(book), "fit on a book")
T.eq(rfm:fitted(), true, "fitted")
local state = assert(rfm:save())
T.ok(state:find("rfm"), "saved state names its kind")
local copy = assert(tier.model("rfm"))
T.ok(copy:load(state), "load the state into a fresh model")
T.eq(copy:fitted(), true, "loaded model is fitted")
T.eq(copy:save(), state, "save(load(save)) is byte-identical")
T.fails("TIER_ECORRUPT", nil, copy.load, copy, "garbage")
T.eq(copy:save(), state, "a failed load changes nothing")
T.ok(tostring(copy):find("rfm %(rfm%), fitted"), "tostring")

-- built-in policies
local names = tier.builtin_policies()
T.ok(#names >= 7, "built-in policies listed")
local has = {}
for _, n in ipairs(names) do has[n] = true end
T.ok(has["b2b-sabc"] and has["pareto-sabc"], "the defaults are built in")
local sabc = assert(tier.policy())
T.eq(sabc:name(), "b2b-sabc", "tier.policy() is b2b-sabc")
T.ok(sabc:description():find("S = top"), "description")
local tiers = sabc:tiers()
T.eq(table.concat(tiers, ","), "S,A,B,C", "tiers")
T.eq(#sabc:rules(), 5, "rules")
T.eq(sabc:rules()[1], "top revenue over the trailing 12 months", "first rule")
local models = sabc:models()
T.eq(models[1].name, "rfm", "declared model")
T.eq(models[1].kind, "rfm", "declared kind")
local ents = sabc:entitlements()
T.eq(ents[2].name, "discount_max", "entitlement name")
T.eq(ents[2].type, "number", "entitlement type")
T.eq(ents[6].type, "bool", "bool entitlement")
T.eq(sabc:entitlement("S", "discount_max"), 15, "S discount")
T.eq(sabc:entitlement(4, "credit_days"), 30, "C credit days by index")
T.eq(sabc:entitlement("A", "events"), true, "a bool entitlement is a boolean")
T.eq(sabc:entitlement("A", "coverage"), "named account manager", "a text entitlement")
T.fails("TIER_ENOTFOUND", 'no tier "Z"', sabc.entitlement, sabc, "Z", "sla_hours")
T.fails("TIER_ERANGE", "tier index 5", sabc.entitlement, sabc, 5, "sla_hours")
T.fails("TIER_ENOTFOUND", 'no entitlement "fee"', sabc.entitlement, sabc, "S", "fee")
T.ok(sabc:describe():find("tier S"), "describe")
local report, errors, warnings = sabc:lint()
T.eq(type(report), "string", "lint report")
T.eq(errors, 0, "a built-in lints without errors")
T.eq(type(warnings), "number", "lint warnings")
T.fails("TIER_ENOTFOUND", 'no built-in policy "gold"', tier.policy, "gold")
T.eq(tier.builtin_policy_text("b2b-sabc"), T.read(T.root .. "/policies/b2b-sabc.policy"),
    "a built-in's text is its file")
T.fails("TIER_ENOTFOUND", nil, tier.builtin_policy_text, "gold")

-- files and strings: errors name origin, line and column
local pf = assert(tier.policy_file(T.root .. "/policies/b2b-full.policy"))
T.eq(pf:name(), "b2b-full", "policy file")
T.fails("TIER_EIO", "/nonexistent.policy", tier.policy_file, "/nonexistent.policy")
local text = [[
libtier-policy 1
name "two"
model rfm = rfm
tier hi {
    rule "recent" when rfm.r_score >= 4
}
tier lo {
    rule "rest" when true
}
]]
local two = assert(tier.policy_string(text, "two.policy"))
T.eq(table.concat(two:tiers(), ","), "hi,lo", "policy from a string")
T.fails("TIER_EPARSE", "bad.policy:2:", tier.policy_string, "libtier-policy 1\ntier {\n", "bad.policy")
T.fails("TIER_EPARSE", "<string>", tier.policy_string, "nonsense")
T.fails("TIER_EPARSE", nil, two.load_string, two, "libtier-policy 1\nbroken")
T.eq(two:name(), "two", "a failed load changes nothing")
T.ok(two:load_file(T.root .. "/policies/rfm-8.policy"), "load_file replaces the policy")
T.eq(two:name(), "rfm-8", "replaced")
T.ok(two:load_string(text), "load_string")
T.fails("TIER_EIO", nil, two.load_file, two, "/nonexistent.policy")
T.ok(tostring(two):find("two %(2 tiers%)"), "tostring")
T.done()
