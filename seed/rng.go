package seed

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// rng is a deterministic random source. Each part of the generator draws
// from its own stream (named by a section string), so that a change in one
// part does not reshuffle the others.
type rng struct{ *rand.Rand }

func newRNG(seed int64, section string) *rng {
	h := fnv.New64a()
	h.Write([]byte(section))
	return &rng{rand.New(rand.NewPCG(uint64(seed), h.Sum64()))}
}

// between returns a uniform integer in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

func (r *rng) pick(s []string) string { return s[r.IntN(len(s))] }

// weighted returns an index into w with probability proportional to w[i].
func (r *rng) weighted(w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	x := r.Float64() * total
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

// logNormal returns exp(N(ln(median), sigma)).
func (r *rng) logNormal(median, sigma float64) float64 {
	return math.Exp(math.Log(median) + sigma*r.NormFloat64())
}

// digits returns n random decimal digits.
func (r *rng) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// mix is the splitmix64 finaliser: a fast, well-distributed hash used where
// a decision must be a pure function of its inputs (attendance of a worker
// on a day), so that it can be recomputed in any order and in parallel.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
