package lending

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/engine/internal/field"
)

func TestReadBookCSV(t *testing.T) {
	in := "\uFEFFdebt_usd, wallet ,id,collateral\n" +
		"1000,0xabc,7,2.5\n" +
		" 250.5 ,0xdef, 3 ,1e-1\n" +
		"\n" + // blank lines are skipped
		"0,0x123,-4,10\n"
	b, err := ReadBookCSV(strings.NewReader(in), "snap.csv", 0.8)
	if err != nil {
		t.Fatal(err)
	}
	want := []Position{ // risk order: ratios 2505, 400, 0
		{ID: 3, Collateral: 0.1, ScaledDebt: 250.5},
		{ID: 7, Collateral: 2.5, ScaledDebt: 1000},
		{ID: -4, Collateral: 10, ScaledDebt: 0},
	}
	if b.Len() != len(want) {
		t.Fatalf("len %d", b.Len())
	}
	for i, p := range want {
		if b.At(i) != p {
			t.Errorf("position %d = %+v, want %+v", i, b.At(i), p)
		}
	}
	if b.LiquidationThreshold() != 0.8 {
		t.Errorf("lt %v", b.LiquidationThreshold())
	}
}

func TestReadBookCSVErrors(t *testing.T) {
	const h = "id,collateral,debt_usd\n"
	cases := []struct {
		name, in string
		want     []string // one per reported error
	}{
		{"empty file", "", []string{"f.csv:1: header: expected id,collateral,debt_usd, got an empty file"}},
		{"header only", h, []string{"f.csv:2: id: expected at least one position"}},
		{"missing columns", "id,debt\n1,2\n", []string{
			`f.csv:1: collateral: expected a column named "collateral"`,
			`f.csv:1: debt_usd: expected a column named "debt_usd"`,
		}},
		{"repeated column", "id,id,collateral,debt_usd\n", []string{"f.csv:1: id: expected the column once"}},
		{"bad number", h + "1,abc,2\n", []string{`f.csv:2: collateral: expected a number ≥ 0 (units), got "abc"`}},
		{"huge bad field", h + "1,1," + strings.Repeat("x", 1<<20) + "\n", []string{`f.csv:2: debt_usd: expected a number ≥ 0 (USD), got "` + strings.Repeat("x", 60) + `… (1048576 bytes)"`}},
		{"NaN", h + "1,1,NaN\n", []string{`f.csv:2: debt_usd: expected a finite number ≥ 0 (USD), got "NaN"`}},
		{"Inf", h + "1,+Inf,1\n", []string{`f.csv:2: collateral: expected a finite number`}},
		{"overflow", h + "1,1,1e400\n", []string{`f.csv:2: debt_usd: expected a finite number`}},
		{"negative", h + "1,1,-5\n", []string{`f.csv:2: debt_usd: expected a number ≥ 0 (USD), got "-5"`}},
		{"bad id", h + "x1,1,1\n", []string{`f.csv:2: id: expected an integer id, got "x1"`}},
		{"duplicate id", h + "1,1,1\n2,1,1\n1,3,3\n", []string{"f.csv:4: id: expected a unique id, 1 is also on line 2"}},
		{"short row", h + "1,1\n", []string{"f.csv:2: debt_usd: expected a number ≥ 0 (USD), the field is missing"}},
		{"several", h + "1,-1,1\n2,1,1\n3,1,x\n", []string{"f.csv:2: collateral: ", "f.csv:4: debt_usd: "}},
		{"syntax", h + "1,\"1,1\n", []string{"f.csv:2: csv: expected valid CSV"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := ReadBookCSV(strings.NewReader(c.in), "f.csv", 0.8)
			if err == nil {
				t.Fatalf("no error, book of %d", b.Len())
			}
			leaves := field.Leaves(err)
			if len(leaves) != len(c.want) {
				t.Fatalf("errors %q, want %d", leaves, len(c.want))
			}
			for i, e := range leaves {
				if !strings.HasPrefix(e.Error(), c.want[i]) {
					t.Errorf("error %q, want prefix %q", e, c.want[i])
				}
			}
		})
	}
	if _, err := ReadBookCSV(strings.NewReader("id,collateral,debt_usd\n1,1,1\n"), "f.csv", 1); err == nil ||
		!strings.HasPrefix(err.Error(), "f.csv: liquidation_threshold: ") {
		t.Errorf("lt 1: %v", err)
	}
	var many strings.Builder
	many.WriteString("id,collateral,debt_usd\n")
	for range 100 {
		many.WriteString("1,x,1\n")
	}
	if leaves := field.Leaves(errOf(ReadBookCSV(strings.NewReader(many.String()), "f.csv", 0.8))); len(leaves) != maxCSVErrors+1 {
		t.Errorf("%d errors for 100 bad rows, want %d", len(leaves), maxCSVErrors+1)
	}
}

func errOf(_ *Book, err error) error { return err }

// csvErrorShape is the shape of every ReadBookCSV error: name:line: column: what.
var csvErrorShape = regexp.MustCompile(`^f\.csv(:\d+: [a-z_]+: .+|: .+)$`)

func FuzzReadBookCSV(f *testing.F) {
	f.Add("id,collateral,debt_usd\n1,2,3\n2,0,5\n")
	f.Add("debt_usd,x,id,collateral\n1,a,1,1\n")
	f.Add("id,collateral,debt_usd\n1,NaN,3\n1,2,3\n")
	f.Add("id,collateral,debt_usd\n\"1\",\"2\",\"3e-300\"\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		b, err := ReadBookCSV(strings.NewReader(in), "f.csv", 0.8)
		if err != nil {
			for _, e := range field.Leaves(err) {
				if !csvErrorShape.MatchString(e.Error()) {
					t.Fatalf("error %q does not read name:line: column: what", e)
				}
			}
			return
		}
		if b.Len() == 0 {
			t.Fatal("empty book without error")
		}
		seen := map[int]bool{}
		var debt float64
		for i := range b.Len() {
			p := b.At(i)
			if seen[p.ID] || !finiteNonNegative(p.Collateral) || !finiteNonNegative(p.ScaledDebt) {
				t.Fatalf("invalid position %+v", p)
			}
			seen[p.ID] = true
			debt += p.ScaledDebt
			if i > 0 && riskier(p.Ratio(), p.ID, b.At(i-1).Ratio(), b.At(i-1).ID) {
				t.Fatalf("positions %d and %d out of order", i-1, i)
			}
		}
		if math.Abs(debt-b.TotalScaledDebt()) > 1e-9*debt {
			t.Fatalf("total %v, sum %v", b.TotalScaledDebt(), debt)
		}
	})
}
