package engine

import (
	"math"
	"testing"
	"time"
)

// The oracle publishes the market price only when it moved more than the
// deviation threshold or the heartbeat elapsed, and with a delay it
// publishes the price of that long ago. A position that never becomes
// liquidatable keeps the market free of impact, so the market price is the
// scripted price.
func TestOracleDeviationHeartbeatDelay(t *testing.T) {
	prices := []float64{1009, 1015, 1040, 1045, 1046, 1047, 1048, 1049}
	cases := []struct {
		name   string
		oracle Oracle
		want   []float64 // oracle price at the end of steps 1..8
	}{
		// 1 % deviation, no heartbeat within the horizon: 1009 is 0.9 % off
		// 1000, 1015 is 1.5 % off → update; 1040 is 2.5 % off 1015 →
		// update; 1045..1049 stay within 1 % of 1040.
		{"deviation", Oracle{Deviation: 0.01, Heartbeat: 7 * 24 * time.Hour},
			[]float64{1000, 1015, 1040, 1040, 1040, 1040, 1040, 1040}},
		// The same with a 3 h heartbeat: 3 steps after the update at step 3
		// the oracle publishes again (step 6: 1047).
		{"heartbeat", Oracle{Deviation: 0.01, Heartbeat: 3 * time.Hour},
			[]float64{1000, 1015, 1040, 1040, 1040, 1047, 1047, 1047}},
		// No threshold, 2 h delay: the price of two steps ago.
		{"delay", Oracle{Deviation: 0, Delay: 2 * time.Hour},
			[]float64{1000, 1000, 1009, 1015, 1040, 1045, 1046, 1047}},
	}
	for _, c := range cases {
		cfg := quietConfig(onePosition(t, 100, 1000), steps{Initial: 1000, Prices: prices}, len(prices))
		cfg.Liquidation.Oracle = c.oracle
		_, series := runOne(t, cfg)
		for i, p := range series {
			if p.MarketPrice != prices[i] {
				t.Fatalf("%s: market price %v at step %d, want the scripted %v", c.name, p.MarketPrice, i+1, prices[i])
			}
			if p.OraclePrice != c.want[i] {
				t.Errorf("%s: oracle %v at step %d, want %v", c.name, p.OraclePrice, i+1, c.want[i])
			}
		}
	}
}

// Bad debt beyond the reserves is paid by the backstop exactly its payout
// delay later; until then it is a deficit.
func TestBackstopPaysAfterItsDelay(t *testing.T) {
	const c, d, p = 10.0, 15000.0, 1200.0 // exhausted at 1,200: bad debt 15,000 − 12,000/1.05
	cfg := quietConfig(onePosition(t, c, d), steps{Initial: 2000, Prices: []float64{p}}, 6)
	cfg.Liquidation.DEX.DepthUSD = 0
	cfg.Liquidation.Backstop = Backstop{CapacityUSD: 1e6, PayoutDelay: 3 * time.Hour}
	s, series := runOne(t, cfg)
	bad := d - c*p/1.05
	beyondReserves := bad - 1000 // reserves are 1,000
	if math.Abs(s.BackstopUsedUSD-beyondReserves) > 1e-9 || s.Insolvent || s.DeficitUSD != 0 {
		t.Fatalf("%+v", s)
	}
	// The loss happens in step 1; the deficit shows in the pool until the
	// payout at step 4, visible as cash: deposits + reserves − borrows − cash
	// is the deficit.
	for i, pt := range series {
		deficit := pt.DepositsUSD + pt.ReservesUSD - pt.BorrowsUSD - pt.CashUSD
		want := 0.0
		if step := i + 1; step >= 1 && step < 4 {
			want = beyondReserves
		}
		if math.Abs(deficit-want) > 1e-6 {
			t.Errorf("step %d: deficit %v, want %v", i+1, deficit, want)
		}
	}
}

// DEX depth thins with the 24 h fall of the market price, never below 5 %.
func TestDepthShrinksUnderStress(t *testing.T) {
	cfg := quietConfig(onePosition(t, 1, 1), steps{Initial: 100, Prices: []float64{100}}, 48)
	cfg.Liquidation.DEX = DEX{DepthUSD: 1e6, DepthStress: 2, HalfLife: time.Hour}
	m := newMarket(cfg.Liquidation, cfg)
	m.reset(100)
	for _, c := range []struct{ exo, depth float64 }{
		{100, 1e6},              // no fall
		{80, 1e6 * (1 - 2*0.2)}, // 20 % below the 24 h high
		{10, 0.05 * 1e6},        // 90 % below: the floor
	} {
		m.step(c.exo)
		if m.poolOpen || m.stressKnown {
			t.Fatalf("price %v: the step set the DEX pool or depth before any use", c.exo)
		}
		m.openPool()
		if math.Abs(m.depth-c.depth) > 1e-6 || m.poolAsset != m.depth || math.Abs(m.poolAsset/m.poolCol-m.price) > 1e-9 {
			t.Fatalf("price %v: depth %v (pool %v / %v), want %v centred on the price", c.exo, m.depth, m.poolAsset, m.poolCol, c.depth)
		}
	}
	// 24 hourly steps later the high of 100 has left the window.
	for range 24 {
		m.step(10)
	}
	m.stress()
	if m.fall24h != 0 || m.depth != 1e6 {
		t.Fatalf("after a day at 10: fall %v, depth %v", m.fall24h, m.depth)
	}
}
