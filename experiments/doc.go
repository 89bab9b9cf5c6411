// Package experiments reads scenario files and turns them into an
// [engine.Config].
//
// A scenario is a YAML file (DESIGN §5). It is decoded strictly: the file is
// parsed to an AST and walked against the Go types of [Scenario], so that
// every problem is reported at once with its file, line, column and dotted
// field path — syntax errors, unknown keys (with the closest known key),
// duplicate keys, wrong types, NaN and ±Inf, missing required keys, keys not
// supported yet — followed by the range checks of [engine.Config.Validate],
// each mapped back to the line of the offending field. Problems come back as
// an [*Error].
//
// Polymorphic parts (the price process, the rate model, the withdrawal
// behaviour) select their type with a `model:` key; each model is one entry
// in a registry (see models.go), so adding a process is adding an entry.
// depositors.withdrawals may also be a list of behaviours acting together.
// The optional sections positions, liquidators and oracle configure the
// liquidation spiral ([engine.Liquidation]); the position book is generated
// once from the scenario's seed or read from a CSV snapshot. Data files
// (price histories, snapshots) are read at parse time, relative to the
// scenario file's directory ([Scenario.Dir]).
//
// Durations are written 90m, 1h, 7d or 1d12h ([Duration]). Numbers accept
// 1e9 forms, also for integer fields when the value is integral.
//
// The embedded presets (this directory's *.yaml) are listed by [List] and
// loaded by [Load]; every preset's description says what it represents and
// where its numbers came from. [Scenario.Resolved] prints a scenario with
// every default filled in; its SHA-256 identifies a run.
package experiments
