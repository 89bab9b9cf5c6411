// query.mjs runs one SQL query with DuckDB over a spiral output directory,
// independently of the Go code that wrote it, and prints its first row as
// JSON. $SUMMARY in the query stands for the summary table of all parts.
// Usage: node query.mjs <out> <sql>
import { DuckDBInstance } from '@duckdb/node-api';

const [out, sql] = process.argv.slice(2);
if (!out || !sql) {
  console.error('usage: node query.mjs <out> <sql>');
  process.exit(2);
}
const summary = `read_parquet('${out.replaceAll("'", "''")}/summary/*/*.parquet', hive_partitioning=true)`;
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
const reader = await db.runAndReadAll(sql.replaceAll('$SUMMARY', summary));
console.log(JSON.stringify(reader.getRowObjectsJson()[0]));
