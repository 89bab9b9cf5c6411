// Package report turns the engine's results into a run's output directory
// (DESIGN §6): Parquet parts, aggregate statistics, charts and a manifest.
//
// # Layout
//
//	<out>/summary/variant=<v>/part-<first>.parquet  one row per path: variant, path, seed, engine.SummaryColumns
//	<out>/series/variant=<v>/part-<first>.parquet   one row per (traced path, recorded step): variant, path, engine.SeriesColumns
//	<out>/aggregate.parquet, aggregate.json         per variant and metric: n, mean, sd, se, CIs, min, max, quantiles, ES with CIs
//	<out>/plots/<name>.png and <name>.pdf           FanCharts, HistogramCharts, ScatterCharts and convergence
//	<out>/report.md, report.pdf                     the human report (see Report)
//	<out>/manifest.json                             what ran, where, when, rows and files written
//	<out>/manifest-shard-<i>.json                   one per shard of a sharded run: its parts
//	<out>/_SUCCESS                                  written last; without it the run is incomplete
//
// # Parts
//
// The paths are written in parts of Meta.PartPaths consecutive paths
// (DefaultPartPaths, one row group), named by their first path as %010d so
// that names sort by path; each shard starts its parts at its first path.
// The series part of the same paths exists for every summary part (empty
// when none of them is traced) and is committed first, so a summary part
// on disk means its paths are complete. A crash loses at most the part
// being written.
//
// # Use
//
//	out, err := report.Create(dir, meta, report.Fresh) // or Overwrite, Resume
//	for _, r := range out.Todo() { ... engine.Run over r with out.Sink() ... }
//	interrupted: out.Stop()   failed: out.Abort()   done: out.Finish()
//
// Every file is written under a temporary name in its final directory
// (".<name>.tmp-<random>", which globs such as *.parquet do not match),
// fsynced and renamed when complete, so a reader never sees half a file.
// After a write error or Abort nothing half-written remains; parts already
// committed stay, and _SUCCESS is absent. Stop (Ctrl-C) commits the part in
// flight with the paths received so far. Errors name the final file (a
// full disk reads "report: write <out>/series/variant=base/part-…parquet:
// no space left on device").
//
// Create with Resume keeps the complete parts of the shard's paths that
// belong to the same run (scenario SHA-256, seed, paths, spiral version,
// schema version: ErrOtherRun otherwise), removes temporary files and
// series parts left by a killed process, and Todo returns the paths still
// missing. Fresh refuses a directory with parts of the same paths
// (ErrEarlierRun); Overwrite removes them. The caller keeps other
// processes from writing the same paths at the same time (cmd/spiral holds
// a record lock on <out>/.spiral.lock).
//
// # Sharded runs and Merge
//
// With Meta.Shards > 1 each process writes its own parts and
// manifest-shard-<shard>.json and nothing else: no aggregate, plots or
// _SUCCESS. Merge checks that the summary parts of every variant tile the
// paths [0, paths) exactly, each with its series part, and that every part
// carries the same scenario SHA-256, seed, paths, spiral version and schema
// version (a *CheckError lists every problem, naming the missing shards),
// then aggregates exactly as the Finish of a single process: the values
// are read back in path order, so one process, any shard split and any
// resume point give the same aggregates, bit for bit.
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
//     (Acerbi–Tasche; ties at the quantile are split, not all included),
//     each with a percentile bootstrap confidence interval (es95_ci_low,
//     es95_ci_high, ...): ESResamples (1,000) ordinary resamples of all n
//     values, the (1−c)/2 and (1+c)/2 quantiles of their ES. The random
//     source is a PCG seeded from the FNV-1a hash of the metric name
//     (ESBootstrapSource), never the time, so equal values give an equal
//     interval in every run. The interval is null when the tail holds fewer
//     than ESMinTail (10) values: ES99 needs 1,000 paths.
//
// The bootstrap is exact but builds only the top of each resample
// (ExpectedShortfallCI): the draws are placed from the largest value down
// in blocks, the number landing in a block being binomial given the draws
// left, so a resample costs O(n(1−p)) instead of O(n) and the values are
// sorted once. Bootstrapping the sorted tail alone would not be valid (the
// number of resampled draws in the tail varies), and the tests check the
// construction against full resamples. Measured: ES95 and ES99 of one
// metric of 1M paths take about 0.5 s on one core
// (BenchmarkExpectedShortfallCI); the metrics are aggregated in parallel,
// and a metric with one value on every path costs nothing. Coverage of the true ES, measured over 1,000
// samples: exponential n = 2,000: 94 % (ES95, a tail of 100 values) and
// 91 % (ES99, 20 values); normal 93 % (ES95); Pareto α = 3: 91 % (ES95,
// n = 2,000) and 93 % (ES99, n = 20,000). The percentile bootstrap
// undercovers slightly in thin tails, as is known; the tests also check
// the mean width against the asymptotic variance of the empirical ES
// (Brazauskas et al. 2008).
//
// The confidence level c is Confidence (0.95); aggregate.json states it, the
// horizon in hours and the number of paths, and describes each method
// (methods.es_ci for the ES intervals).
//
// Memory: nothing is kept per path while the paths are written. Finish
// (and Merge) read the summary parts back one column at a time, straight
// from the Parquet pages (readColumn), and aggregate up to GOMAXPROCS
// metrics at once, fewer when a column is large (AggregateMemory): about
// 16 bytes a path per metric in flight (the values and a histogram's
// sorted copy). The scatter charts read their three columns together (24
// bytes a path); the fan charts read the traced paths' series (bounded by
// MaxFanValues). Quantiles are exact, as DuckDB's.
//
// # Risk metrics
//
// Each variant's aggregates hold a headline risk metric pack (RiskMetric,
// aggregate.json "risk", the rows of kind "risk" in aggregate.parquet),
// each with its name, convention, horizon, level, value, confidence
// interval, interval method and number of paths:
//
//   - VaR95/VaR99 and ES95/ES99 of bad_debt_usd (Gauntlet: the quantile
//     over paths of the loss over the whole horizon) and of
//     worst_24h_bad_debt_usd (Chaos Labs: the same for the worst 24 hours
//     of each path; realized bad debt only); LaR95/LaR99, the quantiles of
//     liquidated_debt_usd. These need a liquidation model.
//   - P(insolvency): the share of paths with insolvent set; P(run): the
//     share whose max_queue_usd exceeded RunThreshold (1 %) of the pool's
//     initial deposits; P(> 1 % of debt under-collateralized) (Kao et al.
//     2020): the share whose bad_debt_usd exceeded 1 % of the position
//     book's initial debt. Kao et al. count the debt of the positions whose
//     collateral is worth less than their debt; the summary has the
//     uncovered part of it instead (realized bad debt plus the shortfall of
//     open positions at the final oracle price), a lower bound, so this
//     probability is a lower bound too. Deposits and book debt are each
//     variant's own, from its parts' metadata (spiral.deposits_usd,
//     spiral.book_debt_usd; Meta.RiskBase): a generated book's debt is
//     debt_share × utilization × (deposits + reserves), a book read from
//     positions.file has the sum of its debts. Parts written before those
//     keys fall back to the resolved scenario (spiral.scenario): the
//     base's values for every variant of a sweep, and the pool's initial
//     borrows for a book read from a file (said in the metric's note).
//     Probabilities have exact Clopper–Pearson intervals.
//   - stuck-share p50, p95, p99 and ES99 at the horizon.
//
// Quantiles and ES carry the intervals of the column's aggregate (order
// statistics, percentile bootstrap). A metric whose column the parts lack
// is left out: the metric columns are those of the parts' schema, so
// parts of a build with more or fewer summary columns aggregate too.
//
// # Early warning
//
// Each indicator that is on is scored against each event (first unmet
// withdrawal, first bad debt) from the aggregates of its warn_* columns:
// hit rate, median lead and false-alarm rate with their intervals, ranked
// per event (WarningStats, warning.go). aggregate.json has them as
// early_warning; aggregate.parquet as rows of kind "warning", written from
// the same values under the same names (the indicator in metric), in
// WarningColumns that only those rows use.
//
// # Convergence
//
// VaR99 and ES99 of bad_debt_usd (stuck_share without a liquidation
// model) on the first 1 %, 2 %, …, 100 % of the paths in path order, the
// VaR with its order-statistic interval, the ES with the normal
// approximation of its standard error (Brazauskas et al. 2008); the
// prefixes are nested, so each sorted block is merged into the sorted
// prefix (O(100·n)). Drawn as plots/convergence. The verdict uses the full
// run's intervals from the aggregates: the paths are enough when half the
// interval is within ConvergenceTolerance (10 %) of the estimate;
// otherwise about n·(relative half-width / 10 %)² paths would be (the
// width shrinks as 1/√n), rounded up to two digits. A zero estimate with a
// non-zero interval cannot be extrapolated and says so; an estimate
// without a two-sided interval names the paths it needs (368 for VaR99,
// 1,000 for ES99).
//
// # Report
//
// report.md and report.pdf hold the same content: a title page with the
// run's facts (paths, seed, horizon, step, traced paths, variants, spiral
// version, scenario SHA-256), the headline risk table and the convergence
// verdict; the scenario's description (its line breaks kept); every
// chart; the table of all metrics (n, mean, p50, p95, p99 with their
// intervals); the methods and the notes: skipped charts, and a cascade
// cap (liquidators.max_rounds, spiral.max_rounds in the parts) reached on
// at least 1 % of a variant's paths (cascade.go; also Aggregate.Notes,
// which the CLI prints). Nothing in them
// depends on when or how the run was made (no times, command line or
// shard count), so one process, merged shards and Recompute give the same
// report.md byte for byte. With several variants each gets its sections,
// and a comparison section holds a side-by-side risk table. A sweep
// (Meta.Sweep; sweep.go) details its baseline only and compares the
// variants in a sweep section instead: the variants table with each one's
// paired difference from the baseline, the paired differences of the main
// metrics, the heatmaps over pairs of axes and the tornado chart of
// sensitivities (sweepdoc.go, sweepchart.go; docs/sweeps.md).
//
// report.pdf is A4, vector only (charts drawn as in plots/*.pdf, solid
// colours, no raster image), laid out by a small flowing layout (pdf.go):
// tables break across pages and repeat their header, a chart never
// splits. vgpdf writes text in code page 1252, so other characters are
// spelt out (≥ as >=). vgpdf names every embedded font file alike, which
// makes a second embedded font draw with the first one's glyphs: the
// regular face is embedded, the bold one referenced by name with its
// metrics (Liberation Sans is metric-compatible with Arial/Helvetica).
// The PDFs carry their creation time; nothing else in the derived files
// differs between two runs of the same parts.
//
// Recompute (spiral report <out>) rebuilds aggregate.*, plots, report.*,
// manifest.json and _SUCCESS from the parts alone, after the checks of
// Merge (no shard manifest needed; an incomplete directory is refused
// with a *CheckError and left as it was). It keeps the start, end and
// command line of a manifest.json of the same run, so it is idempotent.
//
// # Charts
//
// gonum/plot, as PNG (ChartDPI) and vector PDF, solid colours only (gonum's
// PDF backend darkens translucent fills, DESIGN §8). A chart is one entry in
// FanCharts (quantile bands of a series column over time across traced
// paths), HistogramCharts (a summary column across paths with marked
// quantiles and expected shortfalls) or ScatterCharts (one summary column
// against another, coloured by a third). Entries marked Liquidations are
// drawn only when Meta.Liquidations is set (the run has a liquidation
// model): market_price_fan, bad_debt_hist and liquidations_vs_drawdown.
// A chart without data (no traced paths, no non-null values) is skipped with
// a note in the manifest.
//
// Titles name the scenario, what is shown, the horizon ("bad debt over
// 30 d": a total over the horizon; "stuck share after 10 d": the state at
// its end) and the number of paths. Dollar amounts read $950, $1.2k, $35M,
// $2.5B.
//
// Histograms of tail risks (bad_debt_hist, stuck_share_hist). In most runs
// most paths have no bad debt and nothing stuck, and a histogram of all
// values is one bar at 0. What a risk researcher needs from the chart is
// the share of paths with a loss, the shape and size of the losses when
// they happen, and the tail measures. So the chart:
//
//   - states the zeros in the title ("9,812 of 10,000 paths without bad
//     debt (not shown)") and draws bars for the positive values only, with
//     the y axis "paths (bad debt > 0)";
//   - bins the positive values on a log x axis when their bulk spans more
//     than two decades (p95/p5 > 100), as bad debt usually does (dust of a
//     few dollars to nine-figure failures), and on a linear axis from 0
//     otherwise;
//   - marks VaR95/VaR99 (quantile_cont, solid) and ES95/ES99 (dashed, one
//     colour per level) over all paths, zeros included, as in the
//     aggregates, and names their values in a legend headed "over all N
//     paths"; a mark at $0 cannot sit on a log axis and is listed "(off
//     axis)";
//   - when every path is 0, draws the single bar and says "all N paths
//     without bad debt".
//
// liquidations_vs_drawdown puts every path at (max drawdown of the market
// price, liquidated debt), red when the path ended with bad debt > 0 and
// drawn on top, steel blue otherwise, with the count of each group in the
// legend. For million-path runs, of the points of one colour that fall in
// the same cell of a 600 × 400 grid over the data area (about a quarter of
// a marker) only the first (lowest path) is drawn: the picture is the same
// and the PDF stays small (about 1 MB for 1M paths).
package report
