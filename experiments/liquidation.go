package experiments

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/stochastic"
)

// The liquidation spiral's sections: positions (the book), liquidators
// (rules, keepers, DEX, backstop) and oracle. They build an
// [engine.Liquidation]; without positions there is none.

// Positions is the position book: one collateral asset (the market.price
// asset) against debt in the pool's asset. It is either generated (count,
// debt_share, size_alpha, median_health, health_spread; see
// [lending.BookParams]) or read from a CSV snapshot (file); the two exclude
// each other.
//
// A generated book is drawn once per run from the random stream
// [stochastic.StreamPositions] keyed by the scenario's seed (path 0): the
// book is part of the scenario, the same for every path, and changes with
// the seed.
type Positions struct {
	// Count is the number of positions of a generated book, in [1, 1e7]
	// (the book is held in memory). Required unless file is given.
	Count int `yaml:"count"`
	// DebtShare is the book's total debt as a fraction of the pool's
	// initial borrows, in (0, 1]: total debt = debt_share × utilization ×
	// (deposits + reserves). The rest of the borrows belongs to
	// rate-sensitive borrowers who are never liquidated. Required unless
	// file is given.
	DebtShare float64 `yaml:"debt_share"`
	// SizeAlpha is the Pareto tail index of debt sizes, in [0.5, 10];
	// smaller is heavier (a few whales). Required unless file is given.
	SizeAlpha float64 `yaml:"size_alpha"`
	// MedianHealth is the median initial health factor, in (1, 100].
	// Required unless file is given.
	MedianHealth float64 `yaml:"median_health"`
	// HealthSpread is the log-sd of the initial margin HF − 1, in [0, 5].
	// Default 0 (every position at median_health).
	HealthSpread float64 `yaml:"health_spread"`
	// File is a CSV snapshot with the header id,collateral,debt_usd
	// (collateral in units of the market.price asset, debt in USD at the
	// snapshot); a relative path is relative to the scenario file's
	// directory.
	File string `yaml:"file"`
	// LiquidationThreshold is the market's liquidation threshold, in
	// (0, 1); it is both the book's and the liquidation rules'. Required.
	LiquidationThreshold float64 `yaml:"liquidation_threshold,required"`
}

// generatedKeys are the keys of a generated book, which file excludes.
var generatedKeys = []string{"count", "debt_share", "size_alpha", "median_health", "health_spread"}

// skip leaves the keys of the other kind of book out of Resolved.
func (p Positions) skip(key string) bool {
	if p.File != "" {
		return contains(generatedKeys, key)
	}
	return key == "file"
}

// Liquidators are the keepers who liquidate positions, the rules they
// follow, the DEX where they sell the collateral and the backstop behind
// the reserves; see [engine.Keepers].
type Liquidators struct {
	// Rules are the protocol's liquidation parameters. Default Aave v3's.
	Rules Rules `yaml:"rules"`
	// CapacityUSD is the debt keepers can repay per hour in calm markets,
	// USD in (0, 1e13]. Required.
	CapacityUSD float64 `yaml:"capacity_usd,required"`
	// GasUSD is the gas cost of one liquidation in calm markets, USD in
	// [0, 1e6]. Default 0.
	GasUSD float64 `yaml:"gas_usd"`
	// MinProfitUSD is the least profit after gas for which a keeper acts,
	// USD in [0, 1e9]. Default 0.
	MinProfitUSD float64 `yaml:"min_profit_usd"`
	// GasSpike is the gas-price multiplier added per unit of 24 h price
	// fall, in [0, 1e4]. Default 0 (no congestion).
	GasSpike float64 `yaml:"gas_spike"`
	// CapacityGasElasticity is how keeper capacity falls with the gas
	// multiplier, in [0, 5]. Default 0.
	CapacityGasElasticity float64 `yaml:"capacity_gas_elasticity"`
	// MaxRounds bounds the cascade rounds within one step, in [1, 1000].
	// Default 10.
	MaxRounds int `yaml:"max_rounds"`
	// DEX is where seized collateral is sold. Required (depth_usd).
	DEX DEX `yaml:"dex,required"`
	// Backstop covers bad debt after the reserves. Default none.
	Backstop Backstop `yaml:"backstop"`
}

// Rules are the liquidation rules other than the threshold (which is
// positions.liquidation_threshold), [lending.LiquidationRules]. The
// defaults are [lending.DefaultLiquidationRules]: Aave v3's close factor
// 0.5, full close below HF 0.95, protocol fee 0.10, and WETH's bonus 0.05.
type Rules struct {
	// Bonus is the liquidator's premium on seized collateral, in [0, 0.5].
	// Default 0.05.
	Bonus float64 `yaml:"bonus"`
	// CloseFactor is the largest fraction of a debt one liquidation repays,
	// in (0, 1]. Default 0.5.
	CloseFactor float64 `yaml:"close_factor"`
	// FullCloseBelow is the health factor below which the whole debt may be
	// repaid, in [0, 1]. Default 0.95.
	FullCloseBelow float64 `yaml:"full_close_below"`
	// ProtocolFee is the protocol's share of the bonus collateral, in
	// [0, 1]. Default 0.10.
	ProtocolFee float64 `yaml:"protocol_fee"`
}

// DEX is the constant-product pool where keepers sell collateral,
// [engine.DEX].
type DEX struct {
	// DepthUSD is the value on each side of the pool in calm markets, USD
	// in [0, 1e13]; 0 is infinitely deep. Required.
	DepthUSD float64 `yaml:"depth_usd,required"`
	// Fee is the swap fee, in [0, 0.1]. Default 0.003 (Uniswap v2).
	Fee float64 `yaml:"fee"`
	// PermanentShare is the fraction of price impact that never decays, in
	// [0, 1]. Default 0.5.
	PermanentShare float64 `yaml:"permanent_share"`
	// HalfLife is the half-life of the temporary impact, in [1m, 365d].
	// Default 1h.
	HalfLife Duration `yaml:"half_life"`
	// DepthStress is the depth lost per unit of 24 h price fall, in
	// [0, 20]. Default 0.
	DepthStress float64 `yaml:"depth_stress"`
}

// Backstop is a safety module or insurance cover, [engine.Backstop].
type Backstop struct {
	// CapacityUSD is the total cover, USD in [0, 1e13]. Default 0 (none).
	CapacityUSD float64 `yaml:"capacity_usd"`
	// PayoutDelay is the time from a loss to its payout, a whole number of
	// steps in [0, 365d]. Default 0.
	PayoutDelay Duration `yaml:"payout_delay"`
	// Socialize cuts depositors' claims by the loss nobody covers when
	// true; when false it stays a deficit. Default false.
	Socialize bool `yaml:"socialize"`
}

// Oracle is the protocol's price feed, [engine.Oracle]. The defaults are
// those of Chainlink's ETH/USD feed on Ethereum (deviation threshold 0.5 %,
// heartbeat 3600 s, as listed on data.chain.link).
type Oracle struct {
	// Deviation is the relative move that triggers an update, in [0, 0.5].
	// Default 0.005.
	Deviation float64 `yaml:"deviation"`
	// Heartbeat is the longest time between updates, a whole number of
	// steps in [0, 7d]; 0 updates every step. Default 1h.
	Heartbeat Duration `yaml:"heartbeat"`
	// Delay is how old the published price is, a whole number of steps in
	// [0, 1d]. Default 0.
	Delay Duration `yaml:"delay"`
}

func (l *Liquidators) setDefaults() {
	r := lending.DefaultLiquidationRules()
	*l = Liquidators{
		Rules:     Rules{Bonus: r.Bonus, CloseFactor: r.CloseFactor, FullCloseBelow: r.FullCloseBelow, ProtocolFee: r.ProtocolFee},
		MaxRounds: 10,
		DEX:       DEX{Fee: 0.003, PermanentShare: 0.5, HalfLife: Duration(time.Hour)},
	}
}

func (o *Oracle) setDefaults() {
	*o = Oracle{Deviation: 0.005, Heartbeat: Duration(time.Hour)}
}

// maxPositions bounds a generated book: it is held in memory, about 150
// bytes per position while it is built, then 48 shared by all workers plus
// 64 per worker, so 1e7 positions need about 1.5 GB.
const maxPositions = 10_000_000

// checkBookKeys reports, after decoding, the keys of a book given both
// ways and the keys a generated book lacks.
func checkBookKeys(d *decoder, p *Positions) {
	if p == nil {
		return
	}
	file, hasFile := d.positions["positions.file"]
	for _, key := range generatedKeys {
		path := "positions." + key
		pos, given := d.positions[path]
		switch {
		case hasFile && given:
			d.problemAt(pos.keyLine, pos.keyColumn, path,
				"not allowed with positions.file (line %d): a book is either generated or read from a file", file.keyLine)
		case !hasFile && !given && key != "health_spread":
			line, col := d.at("positions", nil)
			d.problemAt(line, col, path, "missing required key (or give positions.file, a CSV snapshot)")
		}
	}
}

// bookKey identifies a book: a generated book by its parameters and the
// seed, a snapshot by its file and threshold.
type bookKey struct {
	params lending.BookParams
	seed   uint64
	file   string
}

// bookCache keeps the last book built, so that Parse (which validates) and
// Config build it once. Copies of a Scenario share it.
type bookCache struct {
	mu   sync.Mutex
	key  bookKey
	book *lending.Book
}

// liquidation builds cfg.Liquidation from the positions, liquidators and
// oracle sections. It returns the problems found besides the engine's
// range checks, and the engine problems to drop because they repeat these
// (field paths, or path prefixes ending in ".").
func (s *Scenario) liquidation(cfg *engine.Config) (problems []Problem, drop []string) {
	p := s.Positions
	if p == nil {
		for _, section := range []struct {
			name  string
			given bool
		}{{"liquidators", s.Liquidators != nil}, {"oracle", s.Oracle != nil}} {
			if section.given {
				problems = append(problems, s.problemAt(section.name,
					"needs positions: there is no liquidation without a position book; add positions or remove "+section.name))
			}
		}
		return problems, nil
	}
	liq := s.Liquidators
	if liq == nil {
		liq = new(Liquidators)
		liq.setDefaults()
		pr := s.problemAt("positions", "")
		pr.Field, pr.Msg = "liquidators", "missing required key: positions need liquidators (at least capacity_usd and dex.depth_usd)"
		problems = append(problems, pr)
		drop = append(drop, "liquidators", "liquidators.")
	}
	oracle := s.Oracle
	if oracle == nil {
		oracle = new(Oracle)
		oracle.setDefaults()
	}
	l := &engine.Liquidation{
		Rules: lending.LiquidationRules{
			LiquidationThreshold: p.LiquidationThreshold,
			Bonus:                liq.Rules.Bonus,
			CloseFactor:          liq.Rules.CloseFactor,
			FullCloseBelow:       liq.Rules.FullCloseBelow,
			ProtocolFee:          liq.Rules.ProtocolFee,
		},
		Keepers: engine.Keepers{
			CapacityUSD:           liq.CapacityUSD,
			GasUSD:                liq.GasUSD,
			MinProfitUSD:          liq.MinProfitUSD,
			GasSpike:              liq.GasSpike,
			CapacityGasElasticity: liq.CapacityGasElasticity,
			MaxRounds:             liq.MaxRounds,
		},
		DEX: engine.DEX{
			DepthUSD:       liq.DEX.DepthUSD,
			Fee:            liq.DEX.Fee,
			PermanentShare: liq.DEX.PermanentShare,
			HalfLife:       liq.DEX.HalfLife.Std(),
			DepthStress:    liq.DEX.DepthStress,
		},
		Oracle: engine.Oracle{
			Deviation: oracle.Deviation,
			Heartbeat: oracle.Heartbeat.Std(),
			Delay:     oracle.Delay.Std(),
		},
		Backstop: engine.Backstop{
			CapacityUSD: liq.Backstop.CapacityUSD,
			PayoutDelay: liq.Backstop.PayoutDelay.Std(),
			Socialize:   liq.Backstop.Socialize,
		},
	}
	cfg.Liquidation = l
	book, bookProblems := s.book(cfg)
	problems = append(problems, bookProblems...)
	l.Book = book
	if book == nil {
		// Either reported above or the consequence of a problem of the
		// pool, the price or the threshold, which the engine reports.
		drop = append(drop, "positions")
	}
	return problems, drop
}

// book returns the position book, built once per set of parameters. It
// returns nil without problems when the pool, the price process or the
// liquidation threshold is invalid (the engine reports those).
func (s *Scenario) book(cfg *engine.Config) (*lending.Book, []Problem) {
	p := s.Positions
	lt := p.LiquidationThreshold
	// An invalid threshold is reported by the engine (rules), and stops
	// the book after the checks of the other keys.
	ltValid := lt > 0 && lt < 1
	var problems []Problem
	var key bookKey
	// A file key whose value did not decode (reported) leaves File empty:
	// the book is still the file's, not a generated one lacking its keys.
	_, fileGiven := s.positions["positions.file"]
	if p.File != "" || fileGiven {
		values := []float64{float64(p.Count), p.DebtShare, p.SizeAlpha, p.MedianHealth, p.HealthSpread} // as generatedKeys
		for i, k := range generatedKeys {
			if values[i] != 0 {
				problems = append(problems, s.problemAt("positions."+k, "not allowed with positions.file: a book is either generated or read from a file"))
			}
		}
		if p.File == "" {
			problems = append(problems, s.problemAt("positions.file", "must name a CSV file of positions"))
		}
		if len(problems) > 0 || !ltValid {
			return nil, problems
		}
		key = bookKey{params: lending.BookParams{LiquidationThreshold: lt}, file: resolvePath(s.Dir, p.File)}
	} else {
		if p.Count < 1 || p.Count > maxPositions {
			problems = append(problems, s.problemAt("positions.count", fmt.Sprintf(
				"must be in [1, 1e7], got %d: the book is held in memory (about 150 bytes per position while it is built, then 48 bytes plus 64 per worker)", p.Count)))
		}
		if !(p.DebtShare > 0 && p.DebtShare <= 1) {
			problems = append(problems, s.problemAt("positions.debt_share", fmt.Sprintf("must be in (0, 1], got %v", p.DebtShare)))
		}
		if len(problems) > 0 || !ltValid || cfg.Pool.Validate() != nil || cfg.Price == nil || cfg.Price.Validate() != nil {
			return nil, problems
		}
		pool := cfg.Pool
		key.params = lending.BookParams{
			Positions:            p.Count,
			TotalDebt:            p.DebtShare * pool.Utilization * (pool.Deposits + pool.Reserves),
			Price:                s.Market.Price.initialPrice(),
			LiquidationThreshold: lt,
			SizeAlpha:            p.SizeAlpha,
			MedianHealth:         p.MedianHealth,
			HealthSpread:         p.HealthSpread,
		}
		key.seed = s.Seed
		for _, err := range engine.Problems(key.params.Validate()) {
			path, msg := splitProblem(err.Error())
			switch path {
			case "positions":
				path = "positions.count"
			case "total_debt":
				path, msg = "positions.debt_share", "the book's debt (debt_share × the pool's borrows) "+msg
			case "price":
				path, msg = "market.price", "the initial price, at which the book is generated, "+msg
			default:
				path = "positions." + path
			}
			problems = append(problems, s.problemAt(path, msg))
		}
		if len(problems) > 0 {
			return nil, problems
		}
	}

	if s.books == nil {
		s.books = new(bookCache)
	}
	c := s.books
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.book != nil && c.key == key {
		return c.book, nil
	}
	var book *lending.Book
	if key.file != "" {
		data, err := s.store().readFile(key.file, maxBookFileSize)
		if err == nil {
			book, err = lending.ReadBookCSV(bytes.NewReader(data), key.file, lt)
		}
		for _, leaf := range engine.Problems(err) {
			problems = append(problems, s.problemAt("positions.file", leaf.Error()))
		}
	} else {
		var err error
		book, err = lending.GenerateBook(key.params, stochastic.NewSource(key.seed, stochastic.StreamPositions))
		for _, leaf := range engine.Problems(err) { // not expected: the parameters were checked
			problems = append(problems, s.problemAt("positions", leaf.Error()))
		}
	}
	if book != nil {
		c.key, c.book = key, book
	}
	return book, problems
}

// enginePath maps a field path of an engine Validate error to the path of
// the field in the file, and may rewrite the message.
func (s *Scenario) enginePath(path, msg string) (string, string) {
	switch {
	case path == "liquidators.rules.liquidation_threshold":
		// One threshold serves the book and the rules.
		return "positions.liquidation_threshold", msg
	case isBaseStep(path):
		// stochastic.CheckStep of a scripted or bridged process: the
		// step does not fit the base's own interval.
		return "step", msg
	}
	if s.Depositors.Withdrawals.Parts != nil {
		const list = "depositors.withdrawals.parts"
		if path == list {
			return "depositors.withdrawals", msg
		}
		if rest, ok := strings.CutPrefix(path, list+"."); ok {
			return "depositors.withdrawals." + rest, msg
		}
	}
	if rest, ok := strings.CutPrefix(path, "market.price."); ok {
		// Fields a price process reads from its file point at the file.
		m := s.Market.Price
		prefix := "market.price"
		for {
			head, tail, nested := strings.Cut(rest, ".")
			if nested && head == "base" {
				switch spec := m.Spec.(type) {
				case *Scripted:
					m = spec.Base
				case *Bridge:
					m = spec.Base
				default:
					return path, msg
				}
				prefix, rest = prefix+".base", tail
				continue
			}
			if nested {
				return path, msg
			}
			switch m.Spec.(type) {
			case *Historical, *Bootstrap:
				if head == "prices" || head == "log_returns" || head == "interval" {
					return prefix + ".file", head + " read from the file: " + msg
				}
			}
			return path, msg
		}
	}
	return path, msg
}

// isBaseStep reports whether path is "base.step", "base.base.step", ….
func isBaseStep(path string) bool {
	for {
		rest, ok := strings.CutPrefix(path, "base.")
		if !ok {
			return false
		}
		if rest == "step" {
			return true
		}
		path = rest
	}
}
