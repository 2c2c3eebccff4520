// Package ogg reads and writes Ogg Opus files (RFC 3533, RFC 7845), one
// Opus packet at a time, with each packet's position on the sample timeline.
//
// Time comes from page granule positions, not from adding up packet
// durations, so silence gaps (DTX) survive a round trip and a pacer can send
// each packet at its exact offset. Only single-stream Ogg Opus is handled:
// pages of other logical streams are skipped and chained streams end at the
// first end-of-stream page.
package ogg
