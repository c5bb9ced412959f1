-- SPDX-License-Identifier: MIT
-- The W1 scores shared by the SQL peers (sqlite_w1.sh, duckdb_w1.mjs): one common table
-- expression over agg(customer_id, r, f, mc, tenure), mc being the net amount in integer cents.
-- R/F/M scores are NTILE(5) quintiles (ties broken by id); cum_before and total give the
-- Pareto class in exact integer arithmetic.
ranked AS (
  SELECT *,
    ntile(5) OVER (ORDER BY r DESC, customer_id) AS r_score,
    ntile(5) OVER (ORDER BY f ASC, customer_id)  AS f_score,
    ntile(5) OVER (ORDER BY mc ASC, customer_id) AS m_score,
    sum(mc) OVER (ORDER BY mc DESC, customer_id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - mc AS cum_before,
    sum(mc) OVER () AS total
  FROM agg
)
