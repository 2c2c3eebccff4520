// Package pace releases media frames at the times their file's timestamps
// give, against a monotonic clock anchor.
//
// Each deadline is computed from the anchor, not from the previous wake-up,
// so scheduling delays never accumulate into drift, and a sender that fell
// behind catches up at once instead of sleeping anyway. The pacer records
// how late each wake-up was, in a fixed-size histogram.
package pace
