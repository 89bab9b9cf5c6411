// check.mjs reads a spiral output directory with DuckDB, independently of the
// Go code that wrote it, and prints what it found as one JSON object.
// Usage: node check.mjs <out>
import { DuckDBInstance } from '@duckdb/node-api';

const out = process.argv[2];
if (!out) {
  console.error('usage: node check.mjs <out>');
  process.exit(2);
}
const q = (s) => s.replaceAll('$OUT', out.replaceAll("'", "''"));
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
async function rows(sql) {
  const reader = await db.runAndReadAll(q(sql));
  return reader.getRowObjectsJson();
}
const summary = `read_parquet('$OUT/summary/*/*.parquet', hive_partitioning=true)`;
const series = `read_parquet('$OUT/series/*/*.parquet', hive_partitioning=true)`;
const result = {
  summary: (await rows(`SELECT count(*) AS rows, count(DISTINCT path) AS paths, min(path) AS min_path,
      max(path) AS max_path, any_value(variant) AS variant, count(DISTINCT variant) AS variants,
      count(DISTINCT seed) AS seeds, any_value(seed) AS seed,
      avg(stuck_share) AS mean_stuck_share, quantile_cont(stuck_share, 0.95) AS p95_stuck_share,
      quantile_cont(stuck_share, 0.99) AS p99_stuck_share,
      avg(max_utilization) AS mean_max_utilization, quantile_cont(max_utilization, 0.5) AS p50_max_utilization,
      stddev_samp(max_utilization) AS sd_max_utilization,
      count(first_unmet_withdrawal_hour) AS paths_with_unmet_withdrawals
    FROM ${summary}`))[0],
  columns: (await rows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${summary})`)),
  series: (await rows(`SELECT count(*) AS rows, count(DISTINCT path) AS paths, max(step) AS max_step,
      min(utilization) AS min_utilization, max(utilization) AS max_utilization FROM ${series}`))[0],
  metadata: (await rows(`SELECT decode(key) AS key, decode(value) AS value
      FROM parquet_kv_metadata('$OUT/summary/*/*.parquet') WHERE decode(key) LIKE 'spiral.%' ORDER BY key`)),
};
console.log(JSON.stringify(result));
