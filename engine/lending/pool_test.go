package lending

import (
	"math"
	"strings"
	"testing"
)

func testParams() *Params {
	return &Params{
		Deposits:      100e6,
		Utilization:   0.8,
		Reserves:      1e6,
		Rates:         Kinked{Base: 0, Slope1: 0.04, Slope2: 0.6, Optimal: 0.9},
		ReserveFactor: 0.1,
	}
}

func TestPoolInitialState(t *testing.T) {
	p := NewPool(testParams(), 10)
	if got := p.Utilization(); math.Abs(got-0.8) > 1e-15 {
		t.Fatalf("initial utilization %v, want 0.8", got)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if p.Cash != 101e6*0.2 || p.Borrows != 101e6*0.8 {
		t.Fatalf("cash %v borrows %v", p.Cash, p.Borrows)
	}
}

func TestAccrueSplitsInterest(t *testing.T) {
	p := NewPool(testParams(), 10)
	dt := 1.0 / 365
	rate := p.BorrowRate()
	b0, d0, r0 := p.Borrows, p.Deposits, p.Reserves
	interest := p.Accrue(dt)
	want := b0 * rate * dt
	if math.Abs(interest-want) > 1e-9 {
		t.Fatalf("interest %v, want %v", interest, want)
	}
	if math.Abs(p.Reserves-r0-0.1*want) > 1e-6 || math.Abs(p.Deposits-d0-0.9*want) > 1e-6 {
		t.Fatalf("reserves +%v deposits +%v of interest %v", p.Reserves-r0, p.Deposits-d0, want)
	}
	if math.Abs(p.BorrowIndex-(1+rate*dt)) > 1e-15 {
		t.Fatalf("borrow index %v", p.BorrowIndex)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestWithdrawalsFirstComeFirstServed(t *testing.T) {
	p := NewPool(testParams(), 4)
	cash := p.Cash // 20.2e6
	p.Request(15e6, 1)
	p.Request(10e6, 2)
	p.Request(5e6, 2)
	if got := p.Queued(); got != 30e6 {
		t.Fatalf("queued %v", got)
	}
	paid, wait := p.Settle(3)
	if paid != cash {
		t.Fatalf("paid %v, want all cash %v", paid, cash)
	}
	// 15e6 waited 2 steps, the remaining cash (5.2e6) went to the second
	// request, which waited 1 step; the third is untouched.
	if want := 15e6*2 + (cash-15e6)*1; math.Abs(wait-want) > 1e-6 {
		t.Fatalf("wait %v, want %v", wait, want)
	}
	if p.Cash != 0 || math.Abs(p.Queued()-(30e6-cash)) > 1e-6 {
		t.Fatalf("cash %v queued %v", p.Cash, p.Queued())
	}
	if want := (10e6-(cash-15e6))*2 + 5e6*2; math.Abs(p.PendingWait(4)-want) > 1e-6 {
		t.Fatalf("pending wait %v, want %v", p.PendingWait(4), want)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	// Nothing can be borrowed while the queue is unpaid.
	if got := p.Borrow(1e6); got != 0 {
		t.Fatalf("borrowed %v from cash owed to the queue", got)
	}
	p.Repay(40e6)
	paid, _ = p.Settle(5)
	if math.Abs(paid-(30e6-cash)) > 1e-6 || p.Queued() != 0 {
		t.Fatalf("second settlement paid %v, queue %v", paid, p.Queued())
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for range 5 {
		if p.Request(1, 6) {
			accepted++
		}
	}
	if accepted != 4 {
		t.Fatalf("queue of capacity 4 accepted %d of 5 requests", accepted)
	}
}

func TestCaps(t *testing.T) {
	params := testParams()
	params.SupplyCap = 110e6
	params.BorrowCap = 81e6
	if err := params.Validate(); err != nil {
		t.Fatal(err)
	}
	p := NewPool(params, 2)
	if got := p.Deposit(20e6); got != 10e6 {
		t.Fatalf("deposit accepted %v, want 10e6 up to the cap", got)
	}
	if got := p.Borrow(5e6); math.Abs(got-(81e6-80.8e6)) > 1e-6 {
		t.Fatalf("borrowed %v, want up to the cap", got)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestParamsValidate(t *testing.T) {
	bad := []func(*Params){
		func(p *Params) { p.Deposits = 0 },
		func(p *Params) { p.Deposits = math.NaN() },
		func(p *Params) { p.Utilization = 1 },
		func(p *Params) { p.Utilization = math.Inf(1) },
		func(p *Params) { p.Reserves = -1 },
		func(p *Params) { p.ReserveFactor = 1 },
		func(p *Params) { p.SupplyCap = 50e6 },
		func(p *Params) { p.BorrowCap = math.Inf(1) },
		func(p *Params) { p.Rates = nil },
		func(p *Params) { p.Rates = Kinked{Optimal: 1} },
	}
	for i, f := range bad {
		p := testParams()
		f(p)
		if err := p.Validate(); err == nil {
			t.Errorf("case %d: %+v accepted", i, p)
		}
	}
	if err := testParams().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestPoolDoesNotAllocate(t *testing.T) {
	p := NewPool(testParams(), 100)
	allocs := testing.AllocsPerRun(100, func() {
		p.Reset()
		for s := 1; s < 50; s++ {
			p.Accrue(1.0 / 8760)
			p.Request(1e6, s)
			p.Deposit(1e5)
			p.Borrow(1e4)
			p.Repay(1e4)
			p.Settle(s)
		}
		_ = p.Check()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}

func TestBadDebtWaterfall(t *testing.T) {
	p := NewPool(testParams(), 4) // reserves 1e6, borrows 80.8e6
	p.Request(30e6, 1)            // more than the cash: the rest stays queued and is haircut too
	p.Settle(1)
	if p.Queued() == 0 {
		t.Fatal("nothing left queued")
	}
	if got := p.WriteOff(3e6); got != 1e6 {
		t.Fatalf("reserves absorbed %v, want all 1e6", got)
	}
	if p.Reserves != 0 || p.Deficit != 2e6 || p.Borrows != 80.8e6-3e6 {
		t.Fatalf("after write-off: %+v", p)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if got := p.Cover(0.5e6); got != 0.5e6 || p.Deficit != 1.5e6 {
		t.Fatalf("cover applied %v, deficit %v", got, p.Deficit)
	}
	deposits, queued := p.Deposits, p.Queued()
	share := p.Haircut(1.5e6)
	if math.Abs(share-1.5e6/deposits) > 1e-15 || p.Deficit != 0 {
		t.Fatalf("haircut share %v deficit %v", share, p.Deficit)
	}
	if math.Abs(p.Queued()-queued*(1-share)) > 1e-6 {
		t.Fatalf("queue %v, want %v after the haircut", p.Queued(), queued*(1-share))
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if p.Cover(1) != 0 || p.Haircut(1) != 0 {
		t.Fatal("cover or haircut without a deficit")
	}
}

// Check accepts a sound pool (also with a balance a rounding error below
// zero) and names the balance that is NaN, infinite or negative, or the
// broken identity.
func TestCheckNamesWhatIsWrong(t *testing.T) {
	tol := 1e-9 * testParams().Deposits
	for _, tc := range []struct {
		name string
		edit func(p *Pool)
		want string // "" for no error
	}{
		{"sound", func(p *Pool) {}, ""},
		{"rounding below zero", func(p *Pool) { p.Deficit = -tol / 2; p.Cash -= tol / 2 }, ""},
		{"cash NaN", func(p *Pool) { p.Cash = math.NaN() }, "cash is NaN"},
		{"borrows +Inf", func(p *Pool) { p.Borrows = math.Inf(1) }, "borrows is +Inf"},
		{"deposits -Inf", func(p *Pool) { p.Deposits = math.Inf(-1) }, "deposits is -Inf"},
		{"reserves negative", func(p *Pool) { p.Reserves = -2 * tol }, "reserves is"},
		{"deficit NaN", func(p *Pool) { p.Deficit = math.NaN() }, "deficit is NaN"},
		{"queue +Inf", func(p *Pool) { p.queue.total = math.Inf(1) }, "queue is +Inf"},
		{"identity", func(p *Pool) { p.Cash += 1e6 }, "identity broken"},
		{"huge but sound", func(p *Pool) { p.Cash += 1e308; p.Deposits += 1e308 }, ""},
	} {
		p := NewPool(testParams(), 10)
		tc.edit(p)
		err := p.Check()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
