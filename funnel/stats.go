package funnel

import (
	"encoding/json"
	"math"
	"math/bits"
	"slices"
	"time"
)

// Distribution summarises a set of durations: N is the number of them,
// the others are durations. Quantiles use the nearest rank: the
// p-quantile of n sorted values is the value at rank ⌈p·n⌉, so the median
// of an even count is the lower middle value. Mean is the sum ÷ N, exact
// (summed in 128-bit integers) and rounded toward zero. All fields are
// zero when N is 0.
type Distribution struct {
	N                           int
	Min, Median, P90, Max, Mean time.Duration
}

func distribution(ds []time.Duration) Distribution {
	if len(ds) == 0 {
		return Distribution{}
	}
	slices.Sort(ds)
	return Distribution{
		N:      len(ds),
		Min:    ds[0],
		Median: ds[rank(0.5, len(ds))],
		P90:    ds[rank(0.9, len(ds))],
		Max:    ds[len(ds)-1],
		Mean:   mean(ds),
	}
}

// mean returns the sum of ds ÷ len(ds), rounded toward zero, without
// overflow or rounding: the sum is kept in 128 bits.
func mean(ds []time.Duration) time.Duration {
	var hi, lo uint64
	for _, d := range ds {
		ext := uint64(0)
		if d < 0 {
			ext = math.MaxUint64
		}
		var carry uint64
		lo, carry = bits.Add64(lo, uint64(d), 0)
		hi, _ = bits.Add64(hi, ext, carry)
	}
	neg := int64(hi) < 0
	if neg {
		// two's complement negation of the 128-bit sum
		lo, hi = ^lo, ^hi
		var carry uint64
		lo, carry = bits.Add64(lo, 1, 0)
		hi += carry
	}
	n := uint64(len(ds))
	// The mean of int64 values fits in 64 bits, so hi/n is 0 and only the
	// remainder of hi carries into the division.
	q, _ := bits.Div64(hi%n, lo, n)
	if neg {
		return -time.Duration(q)
	}
	return time.Duration(q)
}

// rank returns the 0-based index of the nearest-rank p-quantile of n values.
func rank(p float64, n int) int {
	i := int(math.Ceil(p*float64(n)-1e-9)) - 1
	return min(max(i, 0), n-1)
}

// MarshalJSON writes the durations as strings such as "26h0m0s".
func (d Distribution) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		N      int    `json:"n"`
		Min    string `json:"min"`
		Median string `json:"median"`
		P90    string `json:"p90"`
		Max    string `json:"max"`
		Mean   string `json:"mean"`
	}{d.N, d.Min.String(), d.Median.String(), d.P90.String(), d.Max.String(), d.Mean.String()})
}

// Counts summarises a set of whole numbers (touches) the way Distribution
// summarises durations; Mean is the sum ÷ N (exact while the sum stays
// below 2^53).
type Counts struct {
	N                     int
	Min, Median, P90, Max int
	Mean                  float64
}

func counts(xs []int) Counts {
	if len(xs) == 0 {
		return Counts{}
	}
	slices.Sort(xs)
	sum := 0
	for _, x := range xs {
		sum += x
	}
	return Counts{
		N: len(xs), Min: xs[0], Median: xs[rank(0.5, len(xs))], P90: xs[rank(0.9, len(xs))], Max: xs[len(xs)-1],
		Mean: float64(sum) / float64(len(xs)),
	}
}

// MarshalJSON writes every field, in lower case.
func (c Counts) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		N      int     `json:"n"`
		Min    int     `json:"min"`
		Median int     `json:"median"`
		P90    int     `json:"p90"`
		Max    int     `json:"max"`
		Mean   float64 `json:"mean"`
	}{c.N, c.Min, c.Median, c.P90, c.Max, c.Mean})
}

// ratio returns a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
