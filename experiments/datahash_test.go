package experiments

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/stochastic"
)

// presetHashes are the presets' SHA-256 as computed before data files were
// hashed (commit d3dcb82): a scenario without data files keeps its hash, so
// earlier outputs stay resumable and mergeable. A preset edited on purpose
// changes its line here.
var presetHashes = map[string]string{
	"baseline":             "7d5e903c7ee7fec58ce3b18bc35ef7f3030ebbfdd0390f80dedaab097bc53f6a",
	"baseline-fat-tails":   "20a86cf880a9d18aa8b203a17faeed6ad67d697a08fc8c81d195410bbd8d2599",
	"bench":                "5abc480ca593a72561205840ff20a6b68b843f34a26fda43bf58c35f370718cd",
	"black-thursday-2020":  "5bca745709daa2af6009c585b8305340f34550666d7c4026d4a793add92a0bc1",
	"black-thursday-pause": "0519596abc5b240100d7a955aeafac1931408a3ef93407772810bc7b22a185d5",
	"bonus-depth-sweep":    "dd726fbee57e61719514525f9227fd9928f1fa048544eb704cf335eb5c431d39",
	"pause-sweep":          "6ad37a5a7085a888fe3fd4e6d655b16009851357143293ae9468e91d657ac1ae",
	"usdc-svb-2023":        "a03b18ee064fb3b9c596710383774a56748f457378a7e47a27bc63c3b6814582",
	"ust-luna-2022":        "ed76c4f1dfcf661c9dcbc1bde2d966204986652bc0dc0be1db481f58da1fc1a8",
}

func TestPresetHashesUnchanged(t *testing.T) {
	presets := List()
	if len(presets) != len(presetHashes) {
		t.Errorf("%d presets, %d known hashes: add the new preset's hash", len(presets), len(presetHashes))
	}
	for _, p := range presets {
		s, err := Load(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		if files := s.DataFiles(); files != nil {
			t.Errorf("%s reads data files %v", p.Name, files)
		}
		if got := s.SHA256(); got != presetHashes[p.Name] {
			t.Errorf("%s: SHA256 %s, was %s", p.Name, got, presetHashes[p.Name])
		}
		if strings.Contains(string(s.Resolved()), "# data files") {
			t.Errorf("%s: resolved text lists data files", p.Name)
		}
	}
}

// dataScenario is the minimal scenario with a bootstrapped price history
// (under a scripted shock) and a position book, both files in dir.
const dataScenario = `name: data
paths: 10
horizon: 1d
step: 1h
market:
  price:
    model: scripted
    base: {model: bootstrap, file: prices.csv, initial: 2000}
    points: [{at: 12h, level: 0.8}]
pool:
  deposits: 1e6
  utilization: 0.5
  rate_model: {model: jump_rate, multiplier: 0.05, jump_multiplier: 2, kink: 0.8}
positions: {file: book.csv, liquidation_threshold: 0.8}
liquidators: {capacity_usd: 1e6, dex: {depth_usd: 0}}
depositors:
  withdrawals: {model: self_exciting, baseline: 0.01}
`

const bookCSV = "id,collateral,debt_usd\n1,150,200000\n2,40,50000\n"

// dataDirWith writes the test data files (prices.csv, book.csv) and the
// extra files into a new directory.
func dataDirWith(t *testing.T, extra map[string]string) string {
	t.Helper()
	files := map[string]string{"prices.csv": hourlyPrices(40), "book.csv": bookCSV}
	for k, v := range extra {
		files[k] = v
	}
	return writeFiles(t, files)
}

func mustParseIn(t *testing.T, dir, src string) *Scenario {
	t.Helper()
	s, err := parseIn(t, dir, src)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sha(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// editFile replaces old by new in dir/name (once; it must be there).
func editFile(t *testing.T, dir, name, old, new string) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The data files are listed in the scenario's order with the digest and
// size of their contents, and the resolved text ends with them.
func TestDataFilesListed(t *testing.T) {
	dir := dataDirWith(t, nil)
	s := mustParseIn(t, dir, dataScenario)
	want := []DataFile{
		{Field: "market.price.base.file", Path: "prices.csv", SHA256: sha(hourlyPrices(40)), Size: int64(len(hourlyPrices(40)))},
		{Field: "positions.file", Path: "book.csv", SHA256: sha(bookCSV), Size: int64(len(bookCSV))},
	}
	if got := s.DataFiles(); !reflect.DeepEqual(got, want) {
		t.Errorf("DataFiles\n%+v\nwant\n%+v", got, want)
	}
	resolved := string(s.Resolved())
	tail := "# data files: the scenario's sha256 covers their contents\n" +
		"#   - {field: market.price.base.file, path: prices.csv, sha256: " + want[0].SHA256 + ", size_bytes: " + strconv.FormatInt(want[0].Size, 10) + "}\n" +
		"#   - {field: positions.file, path: book.csv, sha256: " + want[1].SHA256 + ", size_bytes: " + strconv.FormatInt(want[1].Size, 10) + "}\n"
	if !strings.HasSuffix(resolved, tail) {
		t.Errorf("resolved text does not end with\n%s\n%s", tail, resolved)
	}
	if s.SHA256() != sha(resolved) {
		t.Error("SHA256 is not the hash of the resolved text")
	}
	// Without the comment, the text is the scenario's as before.
	if got := string(encode(s)); got != strings.TrimSuffix(resolved, tail) {
		t.Errorf("resolved text before the comment:\n%s\nwant\n%s", resolved, got)
	}
	checkRoundTrip(t, s)

	// A path that needs quoting stays on its line.
	odd := writeFiles(t, map[string]string{"my prices #1.csv": hourlyPrices(40)})
	q := mustParseIn(t, odd, withPrice("  price: {model: historical, file: \"my prices #1.csv\"}\n"))
	if !strings.Contains(string(q.Resolved()), `path: "my prices #1.csv", sha256: `) {
		t.Errorf("quoted path:\n%s", q.Resolved())
	}
	checkRoundTrip(t, q)
}

// One changed byte in a data file changes the hash; restoring the file
// restores it.
func TestDataFileContentsChangeTheHash(t *testing.T) {
	for _, tc := range []struct{ file, old, new string }{
		{"prices.csv", ",101\n", ",102\n"},
		{"book.csv", "40,50000", "40,50001"},
	} {
		dir := dataDirWith(t, nil)
		before := mustParseIn(t, dir, dataScenario).SHA256()
		if again := mustParseIn(t, dir, dataScenario).SHA256(); again != before {
			t.Fatalf("%s: the same files give %s then %s", tc.file, before, again)
		}
		editFile(t, dir, tc.file, tc.old, tc.new)
		changed := mustParseIn(t, dir, dataScenario)
		if changed.SHA256() == before {
			t.Errorf("%s: changing one byte leaves the hash %s", tc.file, before)
		}
		editFile(t, dir, tc.file, tc.new, tc.old)
		if got := mustParseIn(t, dir, dataScenario).SHA256(); got != before {
			t.Errorf("%s: restored file gives %s, was %s", tc.file, got, before)
		}
	}
}

// The path as written is part of the scenario: the same contents under
// another name give another hash. The same path resolved against another
// directory (a shared folder mounted elsewhere) gives the same hash.
func TestDataFilePathInTheHash(t *testing.T) {
	dir := dataDirWith(t, map[string]string{"copy.csv": hourlyPrices(40)})
	a := mustParseIn(t, dir, dataScenario)
	b := mustParseIn(t, dir, strings.Replace(dataScenario, "file: prices.csv", "file: copy.csv", 1))
	if a.SHA256() == b.SHA256() {
		t.Error("another path with the same contents has the same hash")
	}
	if a.DataFiles()[0].SHA256 != b.DataFiles()[0].SHA256 {
		t.Error("the same contents have different digests")
	}
	elsewhere := mustParseIn(t, dataDirWith(t, nil), dataScenario)
	if elsewhere.SHA256() != a.SHA256() {
		t.Errorf("the same files in another directory: %s, was %s", elsewhere.SHA256(), a.SHA256())
	}
}

// A data file is read once: a scenario keeps the data it was parsed (and
// hashed) from, and its hash, when the file changes afterwards.
func TestDataFileReadOnce(t *testing.T) {
	dir := dataDirWith(t, nil)
	s := mustParseIn(t, dir, dataScenario)
	hash := s.SHA256()
	series := s.Market.Price.Spec.(*Scripted).Base.Spec.(*Bootstrap).series
	editFile(t, dir, "prices.csv", ",101\n", ",102\n")
	editFile(t, dir, "book.csv", "40,50000", "40,50001")
	cfg := mustConfig(t, s)
	if got := cfg.Price.(stochastic.Scripted).Base.(stochastic.Bootstrap).LogReturns; !reflect.DeepEqual(got, series.LogReturns()) {
		t.Error("Config read the changed price file")
	}
	if got := cfg.Liquidation.Book.TotalScaledDebt(); got != 250000 {
		t.Errorf("Config read the changed book: debt %v", got)
	}
	if s.SHA256() != hash {
		t.Error("the hash changed with the file after parsing")
	}
}

// The variants of a sweep read the data their sweep was hashed with: a
// price history is parsed once for all of them; a book read again must not
// have changed.
func TestSweepVariantsShareTheData(t *testing.T) {
	dir := dataDirWith(t, nil)
	s := mustParseIn(t, dir, dataScenario+"sweep:\n  axes:\n    positions.liquidation_threshold: [0.7, 0.8]\n")
	hash := s.SHA256()
	if err := s.CheckVariants(); err != nil {
		t.Fatal(err)
	}
	editFile(t, dir, "prices.csv", ",101\n", ",102\n")
	vs := s.Variants()
	v, err := s.Variant(vs[2]) // liquidation threshold 0.8, as the base: the same book
	if err != nil {
		t.Fatal(err)
	}
	base := s.Market.Price.Spec.(*Scripted).Base.Spec.(*Bootstrap).series
	if got := v.Market.Price.Spec.(*Scripted).Base.Spec.(*Bootstrap).series; got != base {
		t.Error("a variant parsed the price file again")
	}
	if v.SHA256() == hash || !strings.Contains(string(v.Resolved()), sha(hourlyPrices(40))) {
		t.Errorf("variant's resolved text:\n%s", v.Resolved())
	}
	editFile(t, dir, "book.csv", "40,50000", "40,50001")
	_, err = s.Variant(vs[1]) // threshold 0.7: the book is read again
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "book.csv changed while spiral was using it: sha256 "+sha(bookCSV)[:12]+"… (47 bytes) when first read, ") ||
		!strings.Contains(err.Error(), "positions.file") {
		t.Errorf("variant after the book changed: %v", err)
	}
	if s.SHA256() != hash {
		t.Error("the sweep's hash changed")
	}
}

// A sweep over the file key reads each variant's own file (it used to keep
// the base's prices under the variant's file name), and the sweep's hash
// covers every file its axes name.
func TestSweepOverDataFiles(t *testing.T) {
	other := strings.ReplaceAll(hourlyPrices(40), ",10", ",20")
	dir := dataDirWith(t, map[string]string{"other.csv": other, "book2.csv": "id,collateral,debt_usd\n1,10,100\n"})
	src := dataScenario + `sweep:
  axes:
    market.price.base.file: [prices.csv, other.csv]
    positions:
      - {file: book.csv, liquidation_threshold: 0.8}
      - {file: book2.csv, liquidation_threshold: 0.8}
`
	s := mustParseIn(t, dir, src)
	want := []DataFile{
		{Field: "market.price.base.file", Path: "prices.csv", SHA256: sha(hourlyPrices(40)), Size: int64(len(hourlyPrices(40)))},
		{Field: "positions.file", Path: "book.csv", SHA256: sha(bookCSV), Size: int64(len(bookCSV))},
		{Field: "market.price.base.file", Path: "other.csv", SHA256: sha(other), Size: int64(len(other))},
		{Field: "positions.file", Path: "book2.csv", SHA256: sha("id,collateral,debt_usd\n1,10,100\n"), Size: 32},
	}
	if got := s.DataFiles(); !reflect.DeepEqual(got, want) {
		t.Errorf("DataFiles\n%+v\nwant\n%+v", got, want)
	}
	if err := s.CheckVariants(); err != nil {
		t.Fatal(err)
	}
	otherSeries := readSeries(t, other)
	for _, v := range s.Variants() {
		vs, err := s.Variant(v)
		if err != nil {
			t.Fatal(err)
		}
		boot := vs.Market.Price.Spec.(*Scripted).Base.Spec.(*Bootstrap)
		wantPrices := boot.File == "other.csv"
		if got := reflect.DeepEqual(boot.series.Prices, otherSeries.Prices); got != wantPrices {
			t.Errorf("%s: file %s, prices of other.csv: %v", v.Name, boot.File, got)
		}
		cfg := mustConfig(t, vs)
		if n := cfg.Liquidation.Book.Len(); (n == 1) != (vs.Positions.File == "book2.csv") {
			t.Errorf("%s: book %s has %d positions", v.Name, vs.Positions.File, n)
		}
	}
	hash := s.SHA256()
	for _, name := range []string{"other.csv", "book2.csv"} {
		old := ",20"
		if name == "book2.csv" {
			old = "10,100"
		}
		editFile(t, dir, name, old, old+"1")
		if mustParseIn(t, dir, src).SHA256() == hash {
			t.Errorf("changing %s, named only by a sweep axis, leaves the hash", name)
		}
		editFile(t, dir, name, old+"1", old)
	}
	if got := mustParseIn(t, dir, src).SHA256(); got != hash {
		t.Errorf("restored files: hash %s, was %s", got, hash)
	}
}

// A file that a sweep axis names and that cannot be read is a problem at
// its value.
func TestSweepAxisFileProblems(t *testing.T) {
	dir := dataDirWith(t, nil)
	src := dataScenario + "sweep:\n  axes:\n    positions.file: [book.csv, missing.csv]\n"
	_, err := parseIn(t, dir, src)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse: %v", err)
	}
	checkProblems(t, e.Problems, []want{
		{20, 32, "positions.file", "cannot read " + filepath.Join(dir, "missing.csv") + ": no such file or directory (a value of the axis positions.file)"},
	})
	if t.Failed() {
		t.Log(err)
	}
}

// Every model that reads a data file is one whose file the hash lists:
// a new fileLoader must be added to valueFiles (files.go).
func TestEveryFileLoaderIsHashed(t *testing.T) {
	loaders := 0
	for _, e := range priceModels.entries {
		params := e.new()
		if _, ok := params.(fileLoader); !ok {
			continue
		}
		loaders++
		reflect.ValueOf(params).Elem().FieldByName("File").SetString("x.csv")
		var got []string
		valueFiles(reflect.ValueOf(PriceModel{Model: e.Name, Spec: params}), "market.price", func(field, file string) {
			got = append(got, field+"="+file)
		})
		if len(got) != 1 || got[0] != "market.price.file=x.csv" {
			t.Errorf("price model %s reads a file, but valueFiles lists %v", e.Name, got)
		}
	}
	if loaders != 2 {
		t.Errorf("%d price models read a file, want 2 (historical, bootstrap)", loaders)
	}
	others := append(append(newParams(rateModels), newParams(withdrawalModels)...), newParams(backingModels)...)
	for _, params := range others {
		if _, ok := params.(fileLoader); ok {
			t.Errorf("%T reads a data file, but valueFiles does not look for it", params)
		}
	}
}

// newParams returns a default parameter struct of every entry of reg.
func newParams[S any](reg *registry[S]) []any {
	var out []any
	for _, e := range reg.entries {
		out = append(out, e.new())
	}
	return out
}
