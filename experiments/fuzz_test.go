package experiments

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. It must not panic; every input
// it accepts must resolve to text that parses to the same configuration and
// resolves to the same text. `go test` runs the seed corpus below.
func FuzzParse(f *testing.F) {
	for _, file := range []string{"baseline.yaml", "testdata/invalid.yaml", "testdata/syntax.yaml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	for _, s := range []string{
		"", "---", "a: *b", "&a [*a]", "- 1", "name: [", "\t", "? x : y", "<<: {a: 1}",
		"paths: 1e999", "seed: 18446744073709551616", "seed: -9223372036854775808",
		"horizon: 9999999999d", "horizon: 1d1d", "market: {price: {model: [gbm]}}",
		"market: {price: &p {model: gbm}}\npool: *p", "name: !!str 1", "description: |\n  a\n\n  b\n",
		"paths: 0x7fffffffffffffff", "paths: -0", "step: 1m\nhorizon: 3650d",
		"---\na: 1\n---\nb: 2", "{", "name: \"\\xff\"", "name: a\nname: b\nname: c",
	} {
		f.Add([]byte(s))
		f.Add([]byte(minimal + s))
	}
	f.Add([]byte(strings.Replace(minimal, "withdrawals: {", "withdrawals: {utilization: {level: 1, weight: 100}, ", 1)))
	// The liquidation sections, lists of withdrawal models and models that
	// read files (relative to this directory: the fuzz file is fuzz.yaml).
	f.Add([]byte(minimal + generated))
	if data, err := os.ReadFile("testdata/spiral.yaml"); err == nil {
		text := strings.NewReplacer("file: book.csv", "file: testdata/book.csv", "file: prices.csv", "file: testdata/prices.csv").Replace(string(data))
		f.Add([]byte(text))
	}
	f.Add([]byte(withPrice("  price: {model: bridge, at: 1d, level: 0.5, base: {model: historical, file: testdata/prices.csv}}\n")))
	f.Add([]byte(withWithdrawals("  withdrawals: [{model: whales, rate: 1, min_size: 0.1, alpha: 1}, {model: thresholds, weights: {}, threshold_mean: 1}]\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			if s != nil {
				t.Fatal("scenario returned with an error")
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		cfg, err := s.Config()
		if err != nil {
			t.Fatalf("parsed scenario does not configure: %v", err)
		}
		resolved := s.Resolved()
		again, err := Parse("resolved.yaml", resolved)
		if err != nil {
			t.Fatalf("resolved scenario does not parse: %v\n%s", err, resolved)
		}
		if got := again.Resolved(); string(got) != string(resolved) {
			t.Fatalf("Resolved not stable:\n%s\nthen\n%s", resolved, got)
		}
		cfg2, err := again.Config()
		if err != nil || !reflect.DeepEqual(cfg, cfg2) {
			t.Fatalf("config changed through Resolved: %v", err)
		}
	})
}
