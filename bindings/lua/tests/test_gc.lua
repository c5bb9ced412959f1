-- SPDX-License-Identifier: MIT
-- Lifetimes: handles dropped in every order with the collector run after each drop, close()
-- and <close> variables, closed handles refused, borrowers keeping what they use alive. Run
-- under valgrind (lua_gc_valgrind) this also proves that each handle is freed exactly once and
-- nothing leaks.
local T = require "support"
local tier = T.tier

-- Every order of dropping a run's five handles: what is still held keeps working.
local names = {"book", "policy", "rfm", "pareto", "result"}
local function permutations(a, n, out)
    n = n or #a
    out = out or {}
    if n <= 1 then
        out[#out + 1] = table.move(a, 1, #a, 1, {})
    else
        for i = 1, n do
            a[n], a[i] = a[i], a[n]
            permutations(a, n - 1, out)
            a[n], a[i] = a[i], a[n]
        end
    end
    return out
end

local orders = permutations(names)
T.eq(#orders, 120, "5! orders")
for _, order in ipairs(orders) do
    local h = {book = T.small_book(), policy = assert(tier.policy("pareto-sabc")),
        rfm = tier.model("rfm"), pareto = tier.model("pareto")}
    h.result = assert(tier.run(h.book, h.policy, {h.rfm, h.pareto}))
    for _, name in ipairs(order) do
        h[name] = nil
        collectgarbage()
        if h.result then
            assert(h.result:tier("big") == "S")
            assert(h.result:explain("big"):find("tier S"))
        end
        if h.book then assert(h.book:count() == 3) end
        if h.rfm then assert(h.rfm:fitted()) end
        if h.policy then assert(#h.policy:tiers() == 4) end
    end
end
T.ok(true, "120 drop orders")

-- close() and <close>: the handle is refused afterwards, its borrowers keep working
local res
do
    local book <close> = T.small_book()
    local pol <close> = assert(tier.policy("pareto-sabc"))
    res = assert(tier.run(book, pol))
    T.eq(book:count(), 3, "usable inside the block")
end
collectgarbage()
T.eq(res:tier("big"), "S", "the result outlives its closed book and policy")
T.ok(res:explain("big"):find("tier S"), "explain reads the closed book and policy")
local book = res:book()
T.raises("libtier.Book is closed", book.count, book)
T.eq(tostring(book), "libtier.Book (closed)", "tostring of a closed handle")
T.raises("libtier.Policy is closed", tier.run, book and T.small_book(), res:policy())
res:close()
T.raises("libtier.Result is closed", res.tier, res, 1)
res:close() -- idempotent
res = nil
collectgarbage()

-- closing in the opposite order: the result first, then what it used
do
    local b <close> = T.small_book()
    local r <close> = assert(tier.run(b, "pareto-sabc"))
    T.eq(r:tier("small"), "C", "inside")
end
collectgarbage()

-- an error unwinds <close> variables
local ok = pcall(function()
    local b <close> = T.small_book()
    local r <close> = assert(tier.run(b, "pareto-sabc"))
    error("unwind")
end)
T.eq(ok, false, "the error came through")
collectgarbage()

-- a pipeline's borrowed result keeps the pipeline alive; a pipeline keeps its host policy
local borrowed
do
    local p <close> = assert(tier.pipeline{input = T.data .. "CDNOW_sample.txt", delimiter = "ws",
        header = false, columns = "customer_id,sample,date,cds,amount"})
    assert(p:set_policy(assert(tier.policy("pareto-sabc"))))
    collectgarbage()
    assert(p:run())
    borrowed = assert(p:result())
end
collectgarbage()
T.ok(borrowed:tier("00004"), "a borrowed result outlives its closed pipeline")
borrowed = nil
collectgarbage()

-- history and models closed while in use elsewhere
local h = tier.history()
local b2 = T.small_book()
local m = tier.model("rfm")
local r2 = assert(tier.run(b2, "pareto-sabc", {m, tier.model("pareto")}))
m:close()
T.raises("libtier.Model is closed", m.fitted, m)
T.ok(h:apply(r2), "apply after a model of the run was closed")
h:close()
T.raises("libtier.History is closed", h.runs, h)

-- misuse: methods on the wrong type and on non-handles
T.raises("libtier.Book expected", tier.book().count, tier.model("rfm"))
T.raises("libtier.Result expected", r2.tier, {}, 1)

-- handles left alive here are finalized when the state closes (T.done), in any order
_G.keep = {b2, r2, tier.run(T.small_book(), "pareto-sabc"), tier.history(), tier.pipeline()}
T.done()
