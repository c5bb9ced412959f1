// duckdb_w1.mjs - DuckDB peer for benchmark workload W1 (tests/bench/README.md).
//
//   node duckdb_w1.mjs INPUT.csv OUTPUT.csv [THREADS] [AS_OF]
//
// THREADS defaults to $DUCKDB_THREADS, else 2.  AS_OF defaults to 2025-01-01.
// F counts rows (COUNT(*)); with W1_FREQ=days it counts distinct purchase days instead (the
// runner's check of libtier --frequency days).
// Writes customer_id,r,f,m,tenure,r_score,f_score,m_score,pareto_class
// (one row per customer, any order).  M is summed as DECIMAL (exact to the
// cent); the Pareto comparisons are done in integer cents.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output, threadsArg, asOfArg] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node duckdb_w1.mjs INPUT.csv OUTPUT.csv [THREADS] [AS_OF]');
  process.exit(2);
}
const threads = String(parseInt(threadsArg || process.env.DUCKDB_THREADS || '2', 10));
const asOf = asOfArg || '2025-01-01';
if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) {
  console.error(`bad as-of date: ${asOf}`);
  process.exit(2);
}
const fExpr = process.env.W1_FREQ === 'days' ? 'count(DISTINCT date)' : 'count(*)';
const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;
// The scores shared with sqlite_w1.sh (comment lines dropped).
const ranked = readFileSync(new URL('./w1_ranked.sql', import.meta.url), 'utf8')
  .split('\n').filter((line) => !line.startsWith('--')).join('\n');

const sql = `
COPY (
  WITH tx AS (
    SELECT * FROM read_csv(${lit(input)},
      header = true, delim = ',', quote = '"',
      columns = {'customer_id': 'VARCHAR', 'date': 'DATE', 'amount': 'DECIMAL(18,2)'})
  ),
  totals AS (
    SELECT customer_id,
           DATE ${lit(asOf)} - max(date) AS r,
           ${fExpr}                      AS f,
           sum(amount)                   AS m,
           DATE ${lit(asOf)} - min(date) AS tenure
    FROM tx
    GROUP BY customer_id
  ),
  agg AS (
    SELECT *, CAST(m * 100 AS BIGINT) AS mc FROM totals
  ),
  ${ranked}
  SELECT customer_id, r, f, m, tenure, r_score, f_score, m_score,
         CASE WHEN cum_before * 100 < total * 80 THEN 'A'
              WHEN cum_before * 100 < total * 95 THEN 'B'
              ELSE 'C' END AS pareto_class
  FROM ranked
) TO ${lit(output)} (FORMAT csv, HEADER true, DELIMITER ',');
`;

const instance = await DuckDBInstance.create(':memory:', {
  threads,
  preserve_insertion_order: 'false',
});
const connection = await instance.connect();
await connection.run(sql);
connection.closeSync?.();
instance.closeSync?.();
