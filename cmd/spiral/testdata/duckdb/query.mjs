// query.mjs runs one SQL query with DuckDB over a spiral output directory,
// independently of the Go code that wrote it, and prints its first row as
// JSON, or with --rows all its rows as a JSON array. $SUMMARY in the query
// stands for the summary table of all parts, $OUT for the directory.
// Usage: node query.mjs <out> <sql> [--rows]
import { DuckDBInstance } from '@duckdb/node-api';

const [out, sql, mode] = process.argv.slice(2);
if (!out || !sql || (mode !== undefined && mode !== '--rows')) {
  console.error('usage: node query.mjs <out> <sql> [--rows]');
  process.exit(2);
}
const dir = out.replaceAll("'", "''");
const summary = `read_parquet('${dir}/summary/*/*.parquet', hive_partitioning=true)`;
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
const reader = await db.runAndReadAll(sql.replaceAll('$SUMMARY', summary).replaceAll('$OUT', dir));
const rows = reader.getRowObjectsJson();
console.log(JSON.stringify(mode === '--rows' ? rows : rows[0]));
