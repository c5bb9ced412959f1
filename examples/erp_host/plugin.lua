-- SPDX-License-Identifier: MIT
-- The ERP plug-in of examples/erp_host (docs/guide-lua.md): when an invoice is posted it adds the
-- invoice to the customer book, re-tiers that one customer through libtier's incremental path
-- (a retier: the nightly run frozen, nothing else recomputed) and checks the invoice's terms
-- against the entitlements of the customer's tier: the discount against `discount_max` (percent)
-- and the payment terms against `credit_days`. An invoice asking for more is refused with a
-- message naming the customer, the tier, the limit and what was asked, and is not booked: the
-- invoice is tried inside a savepoint of the book, rolled back on refusal, and the customer is
-- re-tiered again so that the retier holds its tier before the invoice.
--
-- The host calls plugin.start(config) once and plugin.post(invoice) per posted invoice.
local tier = require "libtier"

local plugin = {}

local book, policy, retier, fallback_tier

-- config: invoices (the customer history, CSV customer_id,date,amount,margin), policy (a policy
-- file with the entitlements discount_max and credit_days), as_of (the end of the period the
-- postings fall in: the policy's trailing windows end there).
function plugin.start(config)
    book = tier.book()
    assert(book:read_csv(config.invoices, {margin = "margin"}))
    policy = assert(tier.policy_file(config.policy))
    local result = assert(tier.run(book, policy, nil, {as_of = config.as_of}))
    retier = assert(result:retier())
    -- A customer new since the run is tiered by the next batch run; until then the terms of the
    -- policy's last tier apply.
    local tiers = policy:tiers()
    fallback_tier = tiers[#tiers]
    return #book
end

-- Re-tiers the invoice's customer; returns its tier and whether the retier placed it (false for a
-- customer new since the run, or one no rule places: the last tier's terms apply).
local function tier_after(index)
    local t, reason, code = retier:customer(index)
    if t == nil and code ~= "TIER_ENOTFOUND" then
        error(reason)
    end
    if not t then
        return fallback_tier, false
    end
    return t, true
end

local function limits(t, index, placed)
    if placed then
        return retier:entitlement(index, "discount_max"), retier:entitlement(index, "credit_days")
    end
    return policy:entitlement(t, "discount_max"), policy:entitlement(t, "credit_days")
end

-- invoice: id, customer, date ("YYYY-MM-DD"), amount (before discount), discount (percent),
-- terms (days). Returns accepted (boolean) and a message.
function plugin.post(invoice)
    local net = invoice.amount * (1 - invoice.discount / 100)
    assert(book:savepoint())
    local index = assert(book:add_txn(invoice.customer, invoice.date, net))
    local t, placed = tier_after(index)
    local ceiling, credit = limits(t, index, placed)
    local who = string.format("customer %s (tier %s%s)", invoice.customer, t,
        placed and "" or ", not tiered before the next run")
    local refusal
    if invoice.discount > ceiling then
        refusal = string.format("%s may get at most %g%% discount, asked %g%%", who, ceiling,
            invoice.discount)
    elseif invoice.terms > credit then
        refusal = string.format("%s has credit terms of at most %d days, asked %d days", who,
            credit, invoice.terms)
    end
    if refusal then
        -- Not booked: the book as before the invoice, and the customer re-tiered on it again
        -- (the same book gives the same tier as before the invoice). A customer the invoice
        -- created is gone with it.
        assert(book:rollback())
        if index <= #book then
            tier_after(index)
        end
        return false, refusal
    end
    assert(book:release())
    return true, string.format("%s: discount %g%% within %g%%, %d days within %d", who,
        invoice.discount, ceiling, invoice.terms, credit)
end

return plugin
