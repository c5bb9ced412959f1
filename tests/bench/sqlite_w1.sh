#!/usr/bin/env bash
# sqlite_w1.sh - sqlite3 CLI peer for benchmark workload W1 (tests/bench/README.md).
#
#   bash sqlite_w1.sh INPUT.csv OUTPUT.csv [AS_OF]
#
# In-memory database: .import the CSV, aggregate with GROUP BY, score with
# NTILE(5) windows, Pareto class from a cumulative SUM window.  Amounts are
# summed as integer cents, so M and the Pareto comparisons are exact.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: sqlite_w1.sh INPUT.csv OUTPUT.csv [AS_OF]" >&2
  exit 2
fi
in=$1 out=$2 asof=${3:-2025-01-01}
[[ $asof =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || { echo "bad as-of date: $asof" >&2; exit 2; }
[[ -r $in ]] || { echo "cannot read $in" >&2; exit 1; }
# dot-commands take the file name as a (double-quoted) argument
[[ $in != *'"'* && $out != *'"'* ]] || { echo "file names must not contain '\"'" >&2; exit 2; }
# the scores shared with duckdb_w1.mjs (comment lines dropped)
ranked=$(grep -v '^--' "$(dirname "${BASH_SOURCE[0]}")/w1_ranked.sql")

sqlite3 -bail :memory: <<SQL
PRAGMA temp_store = MEMORY;
CREATE TABLE tx (customer_id TEXT, date TEXT, amount TEXT);
.mode csv
.import --skip 1 "$in" tx
CREATE TABLE agg AS
  SELECT customer_id,
         CAST(julianday('$asof') - julianday(max(date)) AS INTEGER) AS r,
         count(*) AS f,
         sum(CAST(round(CAST(amount AS REAL) * 100) AS INTEGER)) AS mc,
         CAST(julianday('$asof') - julianday(min(date)) AS INTEGER) AS tenure
  FROM tx
  GROUP BY customer_id;
DROP TABLE tx;
.headers on
.output "$out"
WITH $ranked
SELECT customer_id, r, f,
       printf('%d.%02d', mc / 100, mc % 100) AS m,
       tenure, r_score, f_score, m_score,
       CASE WHEN cum_before * 100 < total * 80 THEN 'A'
            WHEN cum_before * 100 < total * 95 THEN 'B'
            ELSE 'C' END AS pareto_class
FROM ranked;
.output stdout
SQL
