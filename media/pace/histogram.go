package pace

import (
	"math"
	"math/bits"
	"time"
)

// histogram is log-linear, like HdrHistogram: values below 2×subBuckets
// nanoseconds are counted exactly, larger ones in subBuckets buckets per
// power of two, so a quantile is within 1/32 of the truth. Its size is fixed
// however long the stream runs.
const (
	subBits    = 4
	subBuckets = 1 << subBits
	// numBuckets covers every positive time.Duration.
	numBuckets = (63-subBits)*subBuckets + subBuckets
)

type histogram struct {
	counts [numBuckets]uint64
	n      int
	max    time.Duration
}

// record counts one lateness; a negative one (woken early, which a monotonic
// timer never does) counts as zero.
func (h *histogram) record(late time.Duration) {
	if h.n == 0 || late > h.max {
		h.max = late
	}
	h.n++
	h.counts[bucketOf(uint64(max(late, 0)))]++
}

func bucketOf(v uint64) int {
	if v < 2*subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1

	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// bucketRange is the lowest value of bucket i and the bucket's width.
func bucketRange(i int) (low, width uint64) {
	if i < 2*subBuckets {
		return uint64(i), 1
	}
	shift := i/subBuckets - 1
	mantissa := uint64(i%subBuckets + subBuckets)

	return mantissa << shift, 1 << shift
}

// quantile returns the middle of the bucket holding the q-th value, capped
// at the exact maximum.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(max(1, math.Ceil(q*float64(h.n))))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			low, width := bucketRange(i)
			v := time.Duration(low + (width-1)/2)

			return min(v, max(h.max, 0))
		}
	}

	return h.max
}
