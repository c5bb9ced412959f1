-- SPDX-License-Identifier: MIT
-- libtier.History: apply (hysteresis), overrides, entries, the ledger, snapshots saved, loaded
-- and written to a string, with their errors.
local T = require "support"
local tier = T.tier

local policy = assert(tier.policy_string([[
libtier-policy 1
name "hold"
model rfm = rfm
window revenue_12m = revenue over 12 months
tier S "big spenders" {
    rule "big" when revenue_12m >= 5000
    demote after 2 runs
}
tier C "the rest" {
    rule "rest" when true
}
]], "hold.policy"))
local book = T.small_book() -- "big" spends 12,000 in 2024
local h = tier.history()
T.eq(h:runs(), 0, "a new history")
T.eq(h:as_of(), nil, "no as-of before a run")
T.eq(#h, 0, "no customers")

local function run(as_of)
    local r = assert(tier.run(book, policy, nil, {as_of = as_of}))
    assert(h:apply(r))
    return r
end

local r1 = run("2025-01-01")
T.eq(h:runs(), 1, "one run")
T.eq(tier.iso(h:as_of()), "2025-01-01", "as_of")
T.eq(h:policy_name(), "hold", "policy name kept")
T.ok(h:policy_hash() > 0, "policy hash")
T.eq(r1:tier("big"), "S", "big is S")
T.eq(r1:value("big", "move"), "new", "first run: new")
T.eq(h:count(), 3, "three customers in the state")
local e = h:entry("big")
T.eq(e.tier, "S", "entry tier")
T.eq(e.runs, 1, "entry runs")
T.eq(e.failing, 0, "entry failing")
T.eq(tier.iso(e.moved), "2025-01-01", "moved in (new) at the first run")
T.eq(h:entries()[1].id, "big", "entries in order")
T.fails("TIER_ENOTFOUND", 'no customer "nobody"', h.entry, h, "nobody")
T.ok(h:ledger():find("big"), "ledger csv lists the new customer")
T.eq(h:ledger("json"):sub(1, 1), "{", "ledger json")
T.ok(h:matrix():find("^from,to,customers,revenue"), "matrix")

-- a year without revenue: placed in C, held in S by `demote after 2 runs`
local r2 = run("2026-01-01")
T.eq(r2:tier("big"), "S", "held in S")
T.ok(r2:reason("big"):find("held in S", 1, true), "the hold is the reason")
T.eq(h:entry("big").failing, 1, "failing counter")
local r3 = run("2026-02-01")
T.eq(r3:tier("big"), "C", "released after two failed runs")
T.eq(r3:value("big", "move"), "down", "move down")
T.eq(r3:value("big", "previous_tier"), "S", "previous tier")

-- overrides
T.ok(h:override_add("small", "S", "strategic account", "ana", "2027-01-01"), "override_add")
T.fails("TIER_ENOTFOUND", nil, h.override_add, h, "small", "Z", "typo", "ana", "2027-01-01")
T.fails("TIER_EINVAL", nil, h.override_add, h, "small", "S", "", "ana", "2027-01-01")
T.raises("date expected", h.override_add, h, "small", "S", "r", "ana", "soon")
local ov = h:overrides()
T.eq(#ov, 1, "one override")
T.eq(ov[1].id, "small", "override id")
T.eq(ov[1].author, "ana", "override author")
T.eq(tier.iso(ov[1].expires), "2027-01-01", "override expiry")
T.eq(tier.iso(ov[1].created), "2026-02-01", "override created")
local r4 = run("2026-03-01")
T.eq(r4:tier("small"), "S", "pinned by the override")
T.ok(r4:reason("small"):find("override: strategic account", 1, true), "override reason")
T.ok(h:override_remove("small"), "override_remove")
T.fails("TIER_ENOTFOUND", 'no override for customer "small"', h.override_remove, h, "small")

-- snapshots: save and load are exact, damage is reported
local path = T.tmpname()
T.ok(h:save(path), "save")
local loaded = assert(tier.history_load(path))
T.eq(loaded:runs(), 4, "loaded runs")
T.eq(loaded:to_string(), h:to_string(), "save(load(x)) == x")
local copy = assert(tier.history_from_string(h:to_string(), "copy"))
T.eq(copy:entry("big").tier, "C", "from_string")
local other = tier.history()
T.ok(other:load(path), "history:load")
T.eq(other:runs(), 4, "loaded into an existing history")
os.remove(path)
T.fails("TIER_ENOTFOUND", "no-such.state", tier.history_load, "/nonexistent/no-such.state")
T.fails("TIER_ECORRUPT", "damaged", tier.history_from_string, "not a snapshot", "damaged")
T.fails("TIER_ENOTFOUND", "cannot open", other.load, other, "/nonexistent/x.state")
T.eq(other:runs(), 4, "a failed load changes nothing")
T.fails("TIER_EIO", nil, h.save, h, "/nonexistent/dir/x.state")

-- apply takes a result of tier.run (a pipeline keeps its own state)
local p = assert(tier.pipeline{input = T.data .. "CDNOW_sample.txt", delimiter = "ws",
    header = "no", columns = "customer_id,sample,date,cds,amount"})
assert(p:run())
T.raises("a result of tier.run expected", h.apply, h, p:result())
T.ok(tostring(h):find("4 runs, 3 customers"), "tostring")
T.done()
