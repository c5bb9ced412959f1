-- SPDX-License-Identifier: MIT
-- libtier.Pipeline: settings, models and their options, a host policy, runs with output to a
-- string or a file, summary, explain, warnings, the borrowed result and book, and errors.
local T = require "support"
local tier = T.tier

local cdnow = {input = T.data .. "CDNOW_sample.txt", delimiter = "ws", header = false,
    columns = "customer_id,sample,date,cds,amount"}
local p = assert(tier.pipeline(cdnow))
T.eq(p:get("header"), "no", "a boolean setting becomes no/yes")
T.eq(p:get("policy"), "b2b-sabc", "the default policy")
T.fails("TIER_ENOTFOUND", nil, p.get, p, "colour")
T.fails("TIER_ENOTFOUND", nil, p.set, p, "colour", "red")
T.fails("TIER_EINVAL", "date_format", p.set, p, "date_format", "roman")
T.fails("TIER_EIO", nil, p.set, p, "policy", "/nonexistent/x.policy")
T.fails("TIER_ESTATE", "no successful", p.result, p)
T.fails("TIER_ESTATE", nil, p.book, p)
T.fails("TIER_ESTATE", nil, p.summary, p)
T.ok(p:set("policy", "pareto-sabc"), "set")
T.ok(p:check(), "check")
T.ok(p:add_model("rfm"), "add_model")
T.ok(p:add_model("pareto"), "add_model")
T.ok(p:set_model_option("rfm", "bins", 4), "set_model_option (a number)")
T.fails("TIER_ENOTFOUND", nil, p.set_model_option, p, "clv", "horizon", "1")
T.fails("TIER_ENOTFOUND", nil, p.add_model, p, "astrology")
T.raises("value expected", p.set_model_option, p, "rfm", "bins", nil)
T.raises("string, number, boolean or nil expected", p.set, p, "out", {})

local ok, out = p:run()
T.eq(ok, true, "run")
T.ok(out:find("^customer_id,tier,"), "output to a string when no out file is set")
local summary = assert(p:summary())
T.ok(summary:find("customers, .* transactions"), "summary")
T.ok(p:rows_read() > 0, "rows_read")
T.eq(table.concat(p:models(), ","), "rfm,pareto", "models of the run")
T.eq(type(p:warnings()), "table", "warnings")
local explained = assert(p:explain("00004"))
T.ok(explained:find("customer 00004", 1, true), "explain")
T.eq(p:explain("00004", "json"):sub(1, 1), "{", "explain json")
T.fails("TIER_ENOTFOUND", "nobody", p.explain, p, "nobody")

-- the borrowed result and book: readable until the next run
local res = assert(p:result())
local book = assert(p:book())
T.eq(#res, #book, "result and book of the run")
T.ok(res:tier("00004") ~= nil, "the pipeline's result answers")
T.eq(res:value("00004", "rfm.r_score") <= 4, true, "bins = 4 applied")
T.fails("TIER_EINVAL", "pipeline:explain()", res.explain, res, 1)
T.raises("a book of tier.book expected", tier.run, book, "pareto-sabc")
local n_before = #book
assert(p:run())
T.raises("earlier run of its pipeline", res.tier, res, 1)
T.raises("earlier run of its pipeline", book.count, book)
T.eq(#assert(p:book()), n_before, "a fresh borrow works")

-- a host policy (kept alive by the pipeline) and an output file
local pol = assert(tier.policy("pareto-sabc"))
T.ok(p:set_policy(pol), "set_policy")
T.fails("TIER_ESTATE", "in use by a retier or a pipeline", pol.load_string, pol, "x")
pol = nil
collectgarbage()
local path = T.tmpname()
T.ok(p:set("out", path), "out file")
ok, out = p:run()
T.eq(ok, true, "run with a host policy after its variable was dropped")
T.eq(out, "", "nothing to the string when writing a file")
T.ok(T.read(path):find("^customer_id,tier,"), "the file was written")
os.remove(path)
T.ok(p:set_policy(nil), "back to the setting")
collectgarbage()
T.ok(p:explain("00004"):find("customer 00004", 1, true),
    "the last run's host policy outlives set_policy(nil) for that run's explanations")
T.ok(p:result():tier("00004"), "and for its result")
T.ok(p:set("out", nil), "nil restores a default")

-- a failed run changes nothing and writes nothing
T.ok(p:set("input", "/nonexistent/in.csv"), "a missing input is found at run time")
T.fails("TIER_EIO", "/nonexistent/in.csv", p.run, p)
T.ok(p:result() ~= nil, "the last successful run stays")
local bad = tier.pipeline()
T.fails("TIER_EINVAL", "input", bad.run, bad)
T.fails("TIER_ENOTFOUND", nil, tier.pipeline, {colour = "red"})
T.raises("setting names must be strings", tier.pipeline, {"input"})
T.ok(tostring(p):find("libtier.Pipeline: 3 runs"), "tostring")
T.done()
