package lending

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/engine/internal/field"
	"github.com/spiralrisk/spiral/stochastic"
)

var testBookParams = BookParams{
	Positions:            20_000,
	TotalDebt:            2e9,
	Price:                3000,
	LiquidationThreshold: 0.83,
	SizeAlpha:            1.3,
	MedianHealth:         1.8,
	HealthSpread:         0.8,
}

func TestGenerateBookStatistics(t *testing.T) {
	const seed = 20240501
	g := testBookParams
	b, err := GenerateBook(g, stochastic.NewSource(seed, stochastic.StreamPositions))
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != g.Positions || b.LiquidationThreshold() != g.LiquidationThreshold {
		t.Fatalf("len %d lt %v", b.Len(), b.LiquidationThreshold())
	}
	if d := b.TotalScaledDebt(); math.Abs(d-g.TotalDebt) > 1e-9*g.TotalDebt {
		t.Fatalf("seed %d: total debt %v, want %v", seed, d, g.TotalDebt)
	}
	margins := make([]float64, 0, b.Len()) // ln(HF − 1)
	debts := make([]float64, 0, b.Len())
	ids := make([]int, 0, b.Len())
	for i := range b.Len() {
		p := b.At(i)
		hf := p.Health(g.Price, 1, g.LiquidationThreshold)
		if !(hf > 1) || !(p.ScaledDebt > 0) {
			t.Fatalf("seed %d: position %+v has health %v", seed, p, hf)
		}
		margins = append(margins, math.Log(hf-1))
		debts = append(debts, p.ScaledDebt)
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	if ids[0] != 1 || ids[len(ids)-1] != g.Positions {
		t.Fatalf("ids from %d to %d", ids[0], ids[len(ids)-1])
	}

	// Median of ln(HF − 1) is ln(MedianHealth − 1); the sample median of a
	// normal has SE ≈ 1.2533·σ/√n. Allow 4 SE.
	slices.Sort(margins)
	n := float64(len(margins))
	med := (margins[len(margins)/2-1] + margins[len(margins)/2]) / 2
	se := 1.2533 * g.HealthSpread / math.Sqrt(n)
	if want := math.Log(g.MedianHealth - 1); math.Abs(med-want) > 4*se {
		t.Errorf("seed %d: median ln(HF−1) %v, want %v ± %v", seed, med, want, 4*se)
	}
	// The spread: the interquartile range of a normal is 1.349σ; the sample
	// IQR's SE is below 1.6σ/√n (≈ 0.009 here), so 5 % is about 6 SE.
	iqr := margins[int(0.75*n)] - margins[int(0.25*n)]
	if want := 1.349 * g.HealthSpread; math.Abs(iqr-want) > 0.05*want {
		t.Errorf("seed %d: IQR of ln(HF−1) %v, want %v", seed, iqr, want)
	}

	// Tail index by Hill's estimator over the top k sizes (scale-free, so
	// the normalisation to TotalDebt does not matter); SE ≈ α/√k.
	slices.Sort(debts)
	const k = 1000
	var sum float64
	for _, d := range debts[len(debts)-k:] {
		sum += math.Log(d / debts[len(debts)-k-1])
	}
	alpha := k / sum
	t.Logf("seed %d: median ln(HF−1) %.4f (want %.4f), IQR %.4f (want %.4f), Hill α %.3f (want %v)",
		seed, med, math.Log(g.MedianHealth-1), iqr, 1.349*g.HealthSpread, alpha, g.SizeAlpha)
	if se := g.SizeAlpha / math.Sqrt(k); math.Abs(alpha-g.SizeAlpha) > 4*se {
		t.Errorf("seed %d: Hill tail index %v, want %v ± %v", seed, alpha, g.SizeAlpha, 4*se)
	}
}

func TestGenerateBookDeterministic(t *testing.T) {
	g := testBookParams
	g.Positions = 500
	gen := func(seed uint64) *Book {
		b, err := GenerateBook(g, stochastic.NewSource(seed, stochastic.StreamPositions))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := gen(1), gen(1), gen(2)
	same := func(x, y *Book) bool {
		for i := range x.Len() {
			if x.At(i) != y.At(i) {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Fatal("same seed, different books")
	}
	if same(a, c) {
		t.Fatal("different seeds, same book")
	}
	// No spread: every position starts at the median health factor.
	g.HealthSpread = 0
	b0, err := GenerateBook(g, stochastic.NewSource(3, stochastic.StreamPositions))
	if err != nil {
		t.Fatal(err)
	}
	for i := range b0.Len() {
		if hf := b0.At(i).Health(g.Price, 1, g.LiquidationThreshold); math.Abs(hf-g.MedianHealth) > 1e-12 {
			t.Fatalf("health %v, want %v", hf, g.MedianHealth)
		}
	}
}

func TestBookParamsValidate(t *testing.T) {
	if err := testBookParams.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := BookParams{
		Positions: 0, TotalDebt: math.Inf(1), Price: -1, LiquidationThreshold: 0,
		SizeAlpha: 0.1, MedianHealth: 1, HealthSpread: math.NaN(),
	}
	want := []string{"positions: ", "total_debt: ", "price: ", "liquidation_threshold: ", "size_alpha: ", "median_health: ", "health_spread: "}
	leaves := field.Leaves(bad.Validate())
	if len(leaves) != len(want) {
		t.Fatalf("errors %v, want %d", leaves, len(want))
	}
	for i, e := range leaves {
		if !strings.HasPrefix(e.Error(), want[i]) || !field.Named(e.Error()) {
			t.Errorf("error %q, want prefix %q", e, want[i])
		}
	}
	if _, err := GenerateBook(bad, stochastic.NewSource(1, stochastic.StreamPositions)); err == nil {
		t.Fatal("GenerateBook accepted invalid parameters")
	}
	if _, err := GenerateBook(testBookParams, nil); err == nil {
		t.Fatal("GenerateBook accepted a nil source")
	}
}
