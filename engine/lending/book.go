package lending

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Position is one borrower's position in a market with a single collateral
// asset and a single debt asset (the pool's asset, taken at $1).
type Position struct {
	// ID identifies the position; unique within a book. Ties in every
	// ordering break by ID, ascending.
	ID int
	// Collateral is the collateral held, collateral units ≥ 0.
	Collateral float64
	// ScaledDebt is the debt divided by the borrow index, USD per index
	// unit ≥ 0: the debt is ScaledDebt × index, so interest accrual does
	// not change the order of positions.
	ScaledDebt float64
}

// Debt is the position's debt in USD at borrow index index.
func (p Position) Debt(index float64) float64 { return p.ScaledDebt * index }

// Health is the position's [HealthFactor] Collateral·price·lt / debt at
// collateral price price (USD) and borrow index index; +Inf without debt.
func (p Position) Health(price, index, lt float64) float64 {
	return HealthFactor(p.Collateral*price, lt, p.ScaledDebt*index)
}

// LiquidationPrice is the collateral price (USD) below which the position
// is liquidatable: debt / (Collateral·lt). It is 0 without debt and +Inf
// without collateral.
func (p Position) LiquidationPrice(index, lt float64) float64 {
	d := p.ScaledDebt * index
	if d == 0 {
		return 0
	}
	return d / (p.Collateral * lt)
}

// After is the position after liquidation l at borrow index index: l.Seized
// collateral units fewer and l.Repaid USD less debt. Both stay ≥ 0.
func (p Position) After(l Liquidation, index float64) Position {
	p.Collateral = max(0, p.Collateral-l.Seized)
	p.ScaledDebt = max(0, p.ScaledDebt-l.Repaid/index)
	return p
}

// Ratio is ScaledDebt/Collateral, the key that orders positions by
// liquidation price for every borrow index: 0 without debt, +Inf with debt
// but no collateral.
func (p Position) Ratio() float64 {
	if p.ScaledDebt == 0 {
		return 0
	}
	return p.ScaledDebt / p.Collateral // +Inf when Collateral == 0
}

// riskier reports whether a (key ra) comes before b (key rb) in the book's
// order: higher ratio first (lower health factor), ties by ID ascending.
func riskier(ra float64, a int, rb float64, b int) bool {
	return ra > rb || ra == rb && a < b
}

// Book is the initial position book of a market, shared read-only by all
// paths of a run: the positions sorted from the most to the least at risk
// (ratio ScaledDebt/Collateral descending, ties by ID ascending), the market's
// liquidation threshold and totals. A path reads it through a [BookState].
type Book struct {
	positions []Position
	ratio     []float64 // ratio[i] = positions[i].Ratio()
	// prefix sums over the sorted positions: cumDebt[i] is the scaled debt of
	// positions[:i], cumCollateral[i] their collateral.
	cumDebt, cumCollateral []float64
	lt                     float64
}

// NewBook copies positions into a book for a market with liquidation
// threshold lt in (0, 1). It reports every invalid position (IDs must be
// unique; Collateral and ScaledDebt finite and ≥ 0) and requires at least one
// position and finite totals. Errors read "positions.<i>.<field>: message" with i the index in
// the argument.
func NewBook(positions []Position, lt float64) (*Book, error) {
	var errs []error
	if err := openRange("liquidation_threshold", lt, 0, 1); err != nil {
		errs = append(errs, err)
	}
	if len(positions) == 0 {
		errs = append(errs, errors.New("positions: at least one position is required"))
	}
	first := make(map[int]int, len(positions)) // id → index; lookups only
	for i, p := range positions {
		if j, dup := first[p.ID]; dup {
			errs = append(errs, fmt.Errorf("positions.%d.id: duplicate id %d (also positions.%d)", i, p.ID, j))
		} else {
			first[p.ID] = i
		}
		if !finiteNonNegative(p.Collateral) {
			errs = append(errs, fmt.Errorf("positions.%d.collateral: must be finite and ≥ 0 units, got %v", i, p.Collateral))
		}
		if !finiteNonNegative(p.ScaledDebt) {
			errs = append(errs, fmt.Errorf("positions.%d.scaled_debt: must be finite and ≥ 0 USD, got %v", i, p.ScaledDebt))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	b := &Book{positions: slices.Clone(positions), lt: lt}
	slices.SortFunc(b.positions, func(x, y Position) int {
		if c := cmp.Compare(y.Ratio(), x.Ratio()); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	n := len(b.positions)
	b.ratio = make([]float64, n)
	b.cumDebt = make([]float64, n+1)
	b.cumCollateral = make([]float64, n+1)
	for i, p := range b.positions {
		b.ratio[i] = p.Ratio()
		b.cumDebt[i+1] = b.cumDebt[i] + p.ScaledDebt
		b.cumCollateral[i+1] = b.cumCollateral[i] + p.Collateral
	}
	if math.IsInf(b.TotalScaledDebt(), 0) || math.IsInf(b.TotalCollateral(), 0) {
		return nil, errors.New("positions: the total debt or collateral overflows float64")
	}
	return b, nil
}

func finiteNonNegative(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

// Len is the number of positions.
func (b *Book) Len() int { return len(b.positions) }

// At is the i-th position in risk order (0 is the lowest health factor),
// 0 ≤ i < Len.
func (b *Book) At(i int) Position { return b.positions[i] }

// LiquidationThreshold is the market's liquidation threshold, in (0, 1).
func (b *Book) LiquidationThreshold() float64 { return b.lt }

// TotalScaledDebt is the sum of the positions' scaled debts, USD per index
// unit (USD at index 1).
func (b *Book) TotalScaledDebt() float64 { return b.cumDebt[len(b.positions)] }

// TotalCollateral is the sum of the positions' collateral, units.
func (b *Book) TotalCollateral() float64 { return b.cumCollateral[len(b.positions)] }

// DustScaledDebt is the scaled debt (USD per index unit) at or below which
// [BookState.Put] closes a position: a millionth of a cent.
const DustScaledDebt = 1e-8

// entry is a position in a BookState's overlay heap with its ordering key.
type entry struct {
	ratio float64
	pos   Position
}

// BookState is one path's view of a [Book]. Positions the path has not
// touched are read from the shared book through a cursor (they are always a
// suffix of the book's risk order, because the path only ever takes the most
// at-risk position); positions it changed live in an overlay max-heap keyed
// like the book. Create one per worker with [NewBookState] and call
// [BookState.Reset] for every path; after NewBookState no method allocates.
//
// Liquidation rounds: [BookState.Next] takes the most at-risk liquidatable
// position; the caller then either [BookState.Put]s its new state (it is a
// candidate again at once, as a keeper may liquidate it again in the same
// block) or [BookState.Skip]s it (its state, changed or not, is set aside
// until [BookState.EndRound]). Exactly one position can be taken at a time.
type BookState struct {
	book *Book
	// cursor: book.positions[cursor:] are untouched and open.
	cursor int
	heap   []entry // overlay max-heap, capacity len(book.positions)
	// skipped holds positions set aside until EndRound, capacity len(positions).
	skipped []entry
	// parked holds positions set aside until they are released (see
	// ParkUntil), capacity len(positions); parkHeaps index it.
	parked    []parkedEntry
	parkHeaps [3][]parkItem
	taken     entry
	isTaken   bool
	// What Next has seen since the last EndRound: the least risky position
	// it returned (if any) and the lowest ratio threshold at which it found
	// nothing liquidatable. They tell where a released parked position would
	// be had it never been parked.
	anyTaken   bool
	leastTaken entry
	noneAbove  float64

	open                           int
	scaledDebt, collateral         float64 // totals of open positions
	initScaledDebt, initCollateral float64
	// lt is the liquidation threshold in force on this path: the book's
	// until SetLiquidationThreshold changes it.
	lt float64
}

// NewBookState returns a state for paths over b, reset to b's initial book.
func NewBookState(b *Book) *BookState {
	n := len(b.positions)
	s := &BookState{
		book:           b,
		heap:           make([]entry, 0, n),
		skipped:        make([]entry, 0, n),
		parked:         make([]parkedEntry, 0, n),
		parkHeaps:      [3][]parkItem{make([]parkItem, 0, n), make([]parkItem, 0, n), make([]parkItem, 0, n)},
		initScaledDebt: b.TotalScaledDebt(),
		initCollateral: b.TotalCollateral(),
	}
	s.Reset()
	return s
}

// Book is the shared initial book.
func (s *BookState) Book() *Book { return s.book }

// Reset returns the state to the initial book in O(1).
func (s *BookState) Reset() {
	s.cursor = 0
	s.heap = s.heap[:0]
	s.skipped = s.skipped[:0]
	s.parked = s.parked[:0]
	for i := range s.parkHeaps {
		s.parkHeaps[i] = s.parkHeaps[i][:0]
	}
	s.isTaken = false
	s.resetSeen()
	s.open = len(s.book.positions)
	s.scaledDebt, s.collateral = s.initScaledDebt, s.initCollateral
	s.lt = s.book.lt
}

// LiquidationThreshold is the threshold in force on this path, in (0, 1):
// the book's, unless [BookState.SetLiquidationThreshold] changed it.
func (s *BookState) LiquidationThreshold() float64 { return s.lt }

// SetLiquidationThreshold changes the threshold in force on this path to lt
// in (0, 1) (a governance change; [BookState.Reset] restores the book's).
// Positions are ordered by ScaledDebt/Collateral, which does not involve
// the threshold, so the order stays valid and the change costs O(1): it
// moves the ratio above which [BookState.Next], [BookState.Liquidatable]
// and [BookState.ParkedLiquidatable] find positions liquidatable. It panics
// when lt is outside (0, 1) or NaN.
func (s *BookState) SetLiquidationThreshold(lt float64) {
	if !(lt > 0 && lt < 1) {
		panic(fmt.Sprintf("lending: BookState.SetLiquidationThreshold: %v is not in (0, 1)", lt))
	}
	s.lt = lt
}

// Open is the number of open positions (not closed by [BookState.Put] or
// [BookState.Skip]).
func (s *BookState) Open() int { return s.open }

// Totals are the total debt (USD, at borrow index index) and the total
// collateral (units) of the open positions. They are maintained
// incrementally, so they may differ from a fresh sum by rounding.
func (s *BookState) Totals(index float64) (debtUSD, collateral float64) {
	if s.open == 0 {
		return 0, 0
	}
	return max(0, s.scaledDebt) * index, max(0, s.collateral)
}

// Next takes the most at-risk open position if it is liquidatable at oracle
// price price (USD per collateral unit) and borrow index index, i.e. its
// health factor is below 1 (Collateral·price·LT < debt; HF = 1 is not
// liquidatable), and it is not set aside in this round. It returns false
// when no candidate is liquidatable. It costs O(1) when nothing is
// liquidatable and O(log N) otherwise. The taken position must be given
// back with [BookState.Put] or [BookState.Skip] before the next call.
func (s *BookState) Next(price, index float64) (Position, bool) {
	if s.isTaken {
		panic(fmt.Sprintf("lending: BookState.Next: position %d is still taken; Put or Skip it first", s.taken.pos.ID))
	}
	// A position is liquidatable iff ScaledDebt·index > Collateral·price·LT,
	// i.e. iff its ratio exceeds price·LT/index.
	threshold := price * s.lt / index
	fromBook := s.cursor < len(s.book.positions)
	if len(s.heap) > 0 {
		top := s.heap[0]
		if !fromBook || riskier(top.ratio, top.pos.ID, s.book.ratio[s.cursor], s.book.positions[s.cursor].ID) {
			if !(top.ratio > threshold) {
				s.noneAbove = min(s.noneAbove, threshold)
				return Position{}, false
			}
			s.popTop()
			s.take(top)
			return top.pos, true
		}
	}
	if !fromBook || !(s.book.ratio[s.cursor] > threshold) {
		s.noneAbove = min(s.noneAbove, threshold)
		return Position{}, false
	}
	s.take(entry{ratio: s.book.ratio[s.cursor], pos: s.book.positions[s.cursor]})
	s.cursor++
	return s.taken.pos, true
}

// HasNext reports whether [BookState.Next] at oracle price price and borrow
// index index would take a position, in O(1), without taking it. When it
// would not, it counts as such a call of Next.
func (s *BookState) HasNext(price, index float64) bool {
	threshold := price * s.lt / index
	if len(s.heap) > 0 && s.heap[0].ratio > threshold ||
		s.cursor < len(s.book.positions) && s.book.ratio[s.cursor] > threshold {
		return true
	}
	s.noneAbove = min(s.noneAbove, threshold)
	return false
}

// take makes e the taken position and remembers it for release placement.
func (s *BookState) take(e entry) {
	s.taken, s.isTaken = e, true
	if !s.anyTaken || riskier(s.leastTaken.ratio, s.leastTaken.pos.ID, e.ratio, e.pos.ID) {
		s.leastTaken, s.anyTaken = e, true
	}
}

func (s *BookState) resetSeen() {
	s.anyTaken, s.leastTaken, s.noneAbove = false, entry{}, math.Inf(1)
}

// wouldHaveTaken reports whether Next would have returned e since the last
// EndRound had e been a candidate all along: Next returned a position less
// risky than e (or e itself), or found nothing above a threshold e's ratio
// exceeds.
func (s *BookState) wouldHaveTaken(e entry) bool {
	return e.ratio > s.noneAbove || s.anyTaken && !riskier(s.leastTaken.ratio, s.leastTaken.pos.ID, e.ratio, e.pos.ID)
}

// Put gives back the taken position with its new state p (same ID). It is a
// candidate for [BookState.Next] again at once, unless it is closed: when its
// Collateral is 0 or its ScaledDebt is at most [DustScaledDebt], it leaves the
// book (any remaining debt is for the caller to account as bad debt or dust).
// A Put that changes nothing sets the position aside like [BookState.Skip],
// so a loop of Next and Put always ends. It reports whether the position
// was closed.
func (s *BookState) Put(p Position) (closed bool) {
	if s.settle(p) {
		return true
	}
	if p == s.taken.pos {
		s.skipped = append(s.skipped, entry{ratio: p.Ratio(), pos: p})
		return false
	}
	s.push(entry{ratio: p.Ratio(), pos: p})
	return false
}

// Skip gives back the taken position with state p (same ID; usually
// unchanged, e.g. when liquidating it is unprofitable or no keeper capacity
// is left) and sets it aside for the rest of the round: [BookState.Next]
// does not return it again before [BookState.EndRound]. A closed state is
// closed as in [BookState.Put]; Skip reports whether it was.
func (s *BookState) Skip(p Position) (closed bool) {
	if s.settle(p) {
		return true
	}
	s.skipped = append(s.skipped, entry{ratio: p.Ratio(), pos: p})
	return false
}

// Park gives back the taken position with state p, like [BookState.Skip],
// but sets it aside until [BookState.Unpark] rather than until the end of
// the round: for positions the caller knows cannot be liquidated until some
// condition changes (for example too small to pay for gas), so that they
// are not taken again in every round and step. Parked positions still count
// in every query (Toxic, Liquidatable, Underwater, Totals, Each). It reports
// whether the position was closed.
func (s *BookState) Park(p Position) (closed bool) {
	return s.ParkUntil(p, math.Inf(-1), math.Inf(-1))
}

// ParkUntil is [BookState.Park] with more ways out: the position is
// released by [BookState.UnparkLevel](x) for any x ≤ level (e.g. level = the
// largest repay a liquidation of it may make, released when a repay of x
// may pay). When riskierLevel > level, it is also watched by
// [BookState.UnparkRiskier](t, x): once its ratio exceeds t (e.g. the ratio
// above which more of its debt may be repaid), its level becomes
// riskierLevel, and it is released if x ≤ riskierLevel. The caller promises
// that until then, whenever [BookState.Next] would have returned it, the
// caller would have given it back with Skip or parked it again with the
// same levels; a release therefore puts it where it would be had it never
// been parked (see UnparkLevel). The levels must not be NaN. It reports
// whether the position was closed.
func (s *BookState) ParkUntil(p Position, level, riskierLevel float64) (closed bool) {
	if math.IsNaN(level) || math.IsNaN(riskierLevel) {
		panic("lending: BookState.ParkUntil: NaN level")
	}
	if s.settle(p) {
		return true
	}
	k := int32(len(s.parked))
	e := parkedEntry{entry: entry{ratio: p.Ratio(), pos: p}, level: level, riskierLevel: riskierLevel, byRatio: riskierLevel > level}
	s.parked = append(s.parked, e)
	s.heapAdd(parkByLevel, parkItem{key: level, id: p.ID, slot: k})
	s.heapAdd(e.ratioHeap(), parkItem{key: e.ratio, id: p.ID, slot: k})
	return false
}

// SkipLiquidatable sets aside every candidate liquidatable at oracle price
// price and borrow index index, as taking each with [BookState.Next] and
// giving it back with [BookState.Skip] would, in O(k log N) for k such
// positions. It returns k.
func (s *BookState) SkipLiquidatable(price, index float64) int {
	n := 0
	for {
		p, ok := s.Next(price, index)
		if !ok {
			return n
		}
		s.Skip(p)
		n++
	}
}

// Parked is the number of parked positions.
func (s *BookState) Parked() int { return len(s.parked) }

// ParkedLiquidatable is the number of parked positions with a health factor
// below 1 at oracle price price and borrow index index, in O(k) for k such
// positions.
func (s *BookState) ParkedLiquidatable(price, index float64) int {
	threshold := price * s.lt / index
	return s.parkCount(parkByRatio, 0, threshold) + s.parkCount(parkFixed, 0, threshold)
}

// LiquidatableAndParked is [BookState.Liquidatable] and
// [BookState.ParkedLiquidatable] in one pass.
func (s *BookState) LiquidatableAndParked(price, index float64) (all, parked int) {
	threshold := price * s.lt / index
	parked = s.parkCount(parkByRatio, 0, threshold) + s.parkCount(parkFixed, 0, threshold)
	all = parked + s.untouchedAbove(threshold) - s.cursor + s.heapCount(0, threshold)
	for _, e := range s.skipped {
		if e.ratio > threshold {
			all++
		}
	}
	if s.isTaken && s.taken.ratio > threshold {
		all++
	}
	return all, parked
}

// Unpark makes every parked position a candidate again, in O(k log N).
func (s *BookState) Unpark() {
	for _, e := range s.parked {
		s.push(e.entry)
	}
	s.parked = s.parked[:0]
	for i := range s.parkHeaps {
		s.parkHeaps[i] = s.parkHeaps[i][:0]
	}
}

// UnparkLevel releases the positions parked with a level ≥ x, in
// O(k log N) for k released. A released position goes where it would be had
// it never been parked: set aside until [BookState.EndRound] if Next would
// have returned it since the last EndRound (it returned a less risky
// position, or found nothing liquidatable at a threshold the released
// position's ratio exceeds), a candidate otherwise. It returns the number
// released.
func (s *BookState) UnparkLevel(x float64) int {
	n := 0
	h := &s.parkHeaps[parkByLevel]
	for len(*h) > 0 && (*h)[0].key >= x {
		s.release((*h)[0].slot)
		n++
	}
	return n
}

// UnparkRiskier moves the positions parked with a riskierLevel above their
// level whose ratio ScaledDebt/Collateral exceeds threshold to their
// riskierLevel, and releases those whose riskierLevel is at least x,
// placing them as [BookState.UnparkLevel] does; O(k log N) for k such
// positions. It returns the number released.
func (s *BookState) UnparkRiskier(threshold, x float64) int {
	n := 0
	h := &s.parkHeaps[parkByRatio]
	for len(*h) > 0 && (*h)[0].key > threshold {
		k := (*h)[0].slot
		e := &s.parked[k]
		if e.riskierLevel >= x {
			s.release(k)
			n++
			continue
		}
		s.heapRemove(parkByRatio, e.at[1])
		e.byRatio = false
		s.heapAdd(parkFixed, parkItem{key: e.ratio, id: e.pos.ID, slot: k})
		e.level = e.riskierLevel // higher: move it up the level heap
		i := int(e.at[0])
		s.parkHeaps[parkByLevel][i].key = e.level
		s.parkUp(parkByLevel, i)
	}
	return n
}

// release takes parked entry k out of the parked set and places it.
func (s *BookState) release(k int32) {
	e := s.parked[k]
	s.heapRemove(parkByLevel, e.at[0])
	s.heapRemove(e.ratioHeap(), e.at[1])
	last := int32(len(s.parked) - 1)
	if k != last {
		moved := s.parked[last]
		s.parked[k] = moved
		s.parkHeaps[parkByLevel][moved.at[0]].slot = k
		s.parkHeaps[moved.ratioHeap()][moved.at[1]].slot = k
	}
	s.parked = s.parked[:last]
	if s.wouldHaveTaken(e.entry) {
		s.skipped = append(s.skipped, e.entry)
	} else {
		s.push(e.entry)
	}
}

// parkedEntry is a parked position with its release keys and its places
// in the parking heaps: at[0] in parkByLevel, at[1] in its ratio heap.
type parkedEntry struct {
	entry
	level, riskierLevel float64
	byRatio             bool // riskierLevel still to come: in parkByRatio
	at                  [2]int32
}

// The parking heaps: by level (highest first), and by risk order the
// positions released by ratio and the others (for counting).
const (
	parkByLevel = iota
	parkByRatio
	parkFixed
)

func (e *parkedEntry) ratioHeap() int {
	if e.byRatio {
		return parkByRatio
	}
	return parkFixed
}

// parkItem is a parking heap's element: the entry's key in that heap
// (level or ratio), its ID for ties and its index in BookState.parked.
type parkItem struct {
	key  float64
	id   int
	slot int32
}

// before reports whether a comes before b in a parking heap: higher key
// first, ties by ID ascending (for ratios this is the book's risk order).
func (a parkItem) before(b parkItem) bool { return riskier(a.key, a.id, b.key, b.id) }

// setAt records that heap h holds its element at index i.
func (s *BookState) setAt(h int, i int) {
	k := s.parkHeaps[h][i].slot
	if h == parkByLevel {
		s.parked[k].at[0] = int32(i)
	} else {
		s.parked[k].at[1] = int32(i)
	}
}

func (s *BookState) heapAdd(h int, it parkItem) {
	s.parkHeaps[h] = append(s.parkHeaps[h], it)
	i := len(s.parkHeaps[h]) - 1
	s.setAt(h, i)
	s.parkUp(h, i)
}

// heapRemove removes the element at i of heap h as popTop does (Floyd):
// the hole moves down along the children that come first to a leaf, where
// the last element fills it and moves up to its place.
func (s *BookState) heapRemove(h int, i int32) {
	hp := s.parkHeaps[h]
	last := len(hp) - 1
	moved := hp[last]
	hp = hp[:last]
	s.parkHeaps[h] = hp
	if int(i) == last {
		return
	}
	j := int(i)
	for {
		l := 2*j + 1
		if l >= last {
			break
		}
		best := l
		if r := l + 1; r < last && hp[r].before(hp[l]) {
			best = r
		}
		hp[j] = hp[best]
		s.setAt(h, j)
		j = best
	}
	hp[j] = moved
	s.setAt(h, j)
	s.parkUp(h, j)
}

// parkUp moves the element at i of heap h up to its place. The element is
// held aside while its ancestors move down into the hole, so each level
// costs one move and one index update.
func (s *BookState) parkUp(h, i int) {
	hp := s.parkHeaps[h]
	it := hp[i]
	start := i
	for i > 0 {
		parent := (i - 1) / 2
		if !it.before(hp[parent]) {
			break
		}
		hp[i] = hp[parent]
		s.setAt(h, i)
		i = parent
	}
	if i != start {
		hp[i] = it
		s.setAt(h, i)
	}
}

// parkCount counts the entries under node i of ratio heap h whose ratio
// exceeds threshold.
func (s *BookState) parkCount(h, i int, threshold float64) int {
	return countAbove(s.parkHeaps[h], i, threshold)
}

// EndRound makes the positions set aside in this round candidates again.
func (s *BookState) EndRound() {
	if s.isTaken {
		panic(fmt.Sprintf("lending: BookState.EndRound: position %d is still taken; Put or Skip it first", s.taken.pos.ID))
	}
	for _, e := range s.skipped {
		s.push(e)
	}
	s.skipped = s.skipped[:0]
	s.resetSeen()
}

// settle checks that p is the taken position, updates the totals and
// reports whether p is closed.
func (s *BookState) settle(p Position) (closed bool) {
	if !s.isTaken || p.ID != s.taken.pos.ID {
		panic(fmt.Sprintf("lending: BookState: position %d given back but not taken", p.ID))
	}
	if math.IsNaN(p.Collateral) || math.IsNaN(p.ScaledDebt) || p.Collateral < 0 || p.ScaledDebt < 0 ||
		math.IsInf(p.Collateral, 0) || math.IsInf(p.ScaledDebt, 0) {
		panic(fmt.Sprintf("lending: BookState: position %d given back with invalid state %+v", p.ID, p))
	}
	s.isTaken = false
	old := s.taken.pos
	if p.Collateral == 0 || p.ScaledDebt <= DustScaledDebt {
		s.scaledDebt -= old.ScaledDebt
		s.collateral -= old.Collateral
		s.open--
		return true
	}
	s.scaledDebt += p.ScaledDebt - old.ScaledDebt
	s.collateral += p.Collateral - old.Collateral
	return false
}

// Toxic is the number of open positions in the toxic zone at oracle price
// price and borrow index index: loan-to-value debt/(Collateral·price) above
// 1/(1+bonus), where liquidating them at bonus bonus (0.05 = 5 %) makes them
// worse (DESIGN §7). O(log N + k) for k toxic positions in the overlay.
func (s *BookState) Toxic(price, index, bonus float64) int {
	return s.countAbove(price / (index * (1 + bonus)))
}

// Liquidatable is the number of open positions with a health factor below 1
// at oracle price price and borrow index index, in O(log N + k).
func (s *BookState) Liquidatable(price, index float64) int {
	return s.countAbove(price * s.lt / index)
}

// Underwater is the number of open positions whose debt exceeds the value of
// their collateral at price price and borrow index index, and the total
// excess debt − Collateral·price (USD), in O(log N + k).
func (s *BookState) Underwater(price, index float64) (count int, shortfallUSD float64) {
	threshold := price / index
	lo, hi := s.cursor, s.untouchedAbove(threshold)
	count = hi - lo
	b := s.book
	shortfallUSD = max(0, (b.cumDebt[hi]-b.cumDebt[lo])*index-(b.cumCollateral[hi]-b.cumCollateral[lo])*price)
	c, sh := s.heapShortfall(0, threshold, price, index)
	count += c
	shortfallUSD += sh
	for _, e := range s.skipped {
		if e.ratio > threshold {
			count++
			shortfallUSD += e.pos.ScaledDebt*index - e.pos.Collateral*price
		}
	}
	for _, e := range s.parked {
		if e.ratio > threshold {
			count++
			shortfallUSD += e.pos.ScaledDebt*index - e.pos.Collateral*price
		}
	}
	if s.isTaken && s.taken.ratio > threshold {
		count++
		shortfallUSD += s.taken.pos.ScaledDebt*index - s.taken.pos.Collateral*price
	}
	return count, shortfallUSD
}

// Each calls f for every open position, including a taken one: the untouched
// positions in risk order, then the overlay and the set-aside positions in
// an order that depends only on the path's history. O(N).
func (s *BookState) Each(f func(Position)) {
	for _, p := range s.book.positions[s.cursor:] {
		f(p)
	}
	for _, e := range s.heap {
		f(e.pos)
	}
	for _, e := range s.skipped {
		f(e.pos)
	}
	for _, e := range s.parked {
		f(e.pos)
	}
	if s.isTaken {
		f(s.taken.pos)
	}
}

// countAbove counts the open positions whose ratio exceeds threshold.
func (s *BookState) countAbove(threshold float64) int {
	n := s.untouchedAbove(threshold) - s.cursor + s.heapCount(0, threshold) +
		s.parkCount(parkByRatio, 0, threshold) + s.parkCount(parkFixed, 0, threshold)
	for _, e := range s.skipped {
		if e.ratio > threshold {
			n++
		}
	}
	if s.isTaken && s.taken.ratio > threshold {
		n++
	}
	return n
}

// untouchedAbove is the end of the run of untouched positions, starting at
// the cursor, whose ratio exceeds threshold (binary search).
func (s *BookState) untouchedAbove(threshold float64) int {
	r := s.book.ratio
	lo, hi := s.cursor, len(r)
	if lo == hi || !(r[lo] > threshold) { // the usual case in a quiet step
		return lo
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r[m] > threshold {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// heapCount counts the overlay heap's nodes under i whose ratio exceeds
// threshold.
func (s *BookState) heapCount(i int, threshold float64) int { return countAbove(s.heap, i, threshold) }

// keyed is an element of a max-heap ordered by heapKey.
type keyed interface{ heapKey() float64 }

func (e entry) heapKey() float64     { return e.ratio }
func (it parkItem) heapKey() float64 { return it.key }

// countAbove counts the nodes under node i of max-heap h whose key exceeds
// threshold. A node's children never have a larger key, so it prunes at
// the first node that does not: O(k) for k such nodes, one comparison when
// there is none (the usual case).
func countAbove[E keyed](h []E, i int, threshold float64) int {
	if i >= len(h) || !(h[i].heapKey() > threshold) {
		return 0
	}
	// Depth-first with an explicit stack: it holds at most one pending
	// node per level below i, and a heap has fewer than 48 levels.
	var stack [48]int32
	stack[0] = int32(i)
	top := 1
	n := 0
	for top > 0 {
		top--
		j := int(stack[top])
		if j >= len(h) || !(h[j].heapKey() > threshold) {
			continue
		}
		n++
		stack[top], stack[top+1] = int32(2*j+1), int32(2*j+2)
		top += 2
	}
	return n
}

func (s *BookState) heapShortfall(i int, threshold, price, index float64) (int, float64) {
	if i >= len(s.heap) || !(s.heap[i].ratio > threshold) {
		return 0, 0
	}
	p := s.heap[i].pos
	c1, s1 := s.heapShortfall(2*i+1, threshold, price, index)
	c2, s2 := s.heapShortfall(2*i+2, threshold, price, index)
	return 1 + c1 + c2, p.ScaledDebt*index - p.Collateral*price + s1 + s2
}

// push adds e to the overlay heap.
func (s *BookState) push(e entry) {
	h := append(s.heap, e)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !riskier(h[i].ratio, h[i].pos.ID, h[parent].ratio, h[parent].pos.ID) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
	s.heap = h
}

// popTop removes the heap's first element. It moves the hole left at the
// top down along the riskier children to a leaf and fills it with the last
// element, sifted up (Floyd): about half the comparisons of a sift-down,
// as the last element usually belongs near the bottom.
func (s *BookState) popTop() {
	h := s.heap
	last := len(h) - 1
	moved := h[last]
	h = h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		best := l
		if r := l + 1; r < len(h) && riskier(h[r].ratio, h[r].pos.ID, h[l].ratio, h[l].pos.ID) {
			best = r
		}
		h[i] = h[best]
		i = best
	}
	if i < len(h) {
		for i > 0 {
			parent := (i - 1) / 2
			if !riskier(moved.ratio, moved.pos.ID, h[parent].ratio, h[parent].pos.ID) {
				break
			}
			h[i] = h[parent]
			i = parent
		}
		h[i] = moved
	}
	s.heap = h
}
