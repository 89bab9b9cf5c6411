// Package report turns the engine's results into a run's output directory
// (DESIGN §6): Parquet parts, aggregate statistics, charts and a manifest.
//
// # Layout
//
//	<out>/summary/variant=<v>/part-<shard>.parquet  one row per path: variant, path, seed, engine.SummaryColumns
//	<out>/series/variant=<v>/part-<shard>.parquet   one row per (traced path, recorded step): variant, path, engine.SeriesColumns
//	<out>/aggregate.parquet, aggregate.json         per variant and metric: n, mean, sd, se, CIs, min, max, quantiles, ES
//	<out>/plots/<name>.png and <name>.pdf           FanCharts and HistogramCharts
//	<out>/manifest.json                             what ran, where, when, rows and files written
//	<out>/_SUCCESS                                  written last; without it the run is incomplete
//
// <shard> is the shard index as %05d. The series part exists even when no
// path is traced (zero rows), so every shard has the same files.
//
// # Use
//
//	out, err := report.Create(dir, meta, overwrite)
//	... engine run with out.Sink() ...
//	if err != nil { out.Abort(); return err }
//	if err := out.Finish(); err != nil { out.Abort(); return err }
//
// Every file is written under a temporary name in its final directory
// (".<name>.tmp-<random>", which globs such as *.parquet do not match),
// fsynced and renamed when complete, so a reader never sees half a file.
// After an error or Abort nothing half-written remains; parts already
// committed stay, and _SUCCESS is absent. Errors name the file.
//
// # Sharded runs
//
// With Meta.Shards > 1 each process writes its own parts and
// manifest-shard-<shard>.json and nothing else: no aggregate, plots or
// _SUCCESS. Combining the shards (checking every shard manifest, computing
// aggregates and charts from the parts, writing _SUCCESS) is the job of
// `spiral merge`, a later issue.
//
// # Parquet
//
// Columns are REQUIRED except the Nullable metric columns, whose NaN ("never
// happened") is written as null; a NaN or ±Inf anywhere else is an error
// naming the path and column. Int columns are int64, Bool columns boolean,
// seed is uint64. Rows are buffered in Arrow builders reused across batches
// and written as a row group every RowGroupRows rows and at the end; zstd
// compression; dictionary encoding only for string columns (DESIGN §13). Key
// value metadata in every file: spiral.schema_version, spiral.scenario (the
// resolved YAML), spiral.scenario_sha256, spiral.seed, spiral.version,
// spiral.variant and spiral.shard ("i/n").
//
// The hive partition key variant=<v> repeats the variant column inside the
// files. DuckDB's read_parquet('<out>/summary/*/*.parquet',
// hive_partitioning=true) reads them; the file's column and the partition
// value are equal by construction.
//
// # Aggregates
//
// For every summary metric (Bool columns as 0/1, so their mean is a
// probability), over the non-null values of the paths:
//
//   - n (non-null count) and nulls;
//   - mean, sample sd (n−1), standard error sd/√n, and the confidence
//     interval mean ± t(n−1)·se (Student t quantile at (1+c)/2);
//   - min and max;
//   - p50, p95, p99 by QuantileCont, DuckDB's quantile_cont convention: linear
//     interpolation between order statistics at h = (n−1)·p (numpy
//     "linear", R type 7), each with a distribution-free confidence interval
//     from order statistics (QuantileCI): the number of draws below the true
//     quantile is Binomial(n, p), so [X₍l₎, X₍u₎] with F(l−1) ≤ (1−c)/2 and
//     F(u−1) ≥ (1+c)/2 (F the binomial CDF from gonum distuv) covers it with
//     probability F(u−1) − F(l−1) ≥ c, which is reported; a bound is null
//     when n is too small for that tail (e.g. p99's upper bound below 368
//     paths);
//   - ES at 95 % and 99 %: the mean of the worst 1 − p share of the values
//     (Acerbi–Tasche; ties at the quantile are split, not all included).
//
// The confidence level c is Confidence (0.95); aggregate.json states it, the
// horizon in hours and the number of paths, and describes each method.
//
// Memory: the aggregates keep every path's value of every metric in memory
// (8 bytes × paths × metrics, about 200 MB for 1M paths and 25 metrics).
// Streaming quantile sketches or an external sort will replace this for
// million-path runs.
//
// # Charts
//
// gonum/plot, as PNG (ChartDPI) and vector PDF, solid colours only (gonum's
// PDF backend darkens translucent fills, DESIGN §8). A chart is one entry in
// FanCharts (quantile bands of a series column over time across traced paths)
// or HistogramCharts (a summary column across paths with marked quantiles).
// A chart without data (no traced paths, no non-null values) is skipped with
// a note in the manifest.
package report
