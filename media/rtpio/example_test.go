package rtpio_test

import (
	"fmt"
	"github.com/webrtc-cli/webrtc-cli/media"
	"time"

	"github.com/webrtc-cli/webrtc-cli/media/rtpio"
)

// A sender packetizes each frame at the RTP time it computes from the file,
// and writes the packets (here straight to the receiver's Assembler; in
// webrtc-cli, to a TrackLocalStaticRTP).
func Example() {
	p, err := rtpio.NewPacketizer(media.Opus, 1200)
	if err != nil {
		panic(err)
	}
	a, err := rtpio.NewAssembler(rtpio.AssemblerConfig{Codec: media.Opus})
	if err != nil {
		panic(err)
	}
	now := time.Now()
	for i := range 3 {
		frame := []byte{0xfc, byte(i), 0xff} // an Opus packet
		pkts, err := p.Packetize(frame, uint32(i*960))
		if err != nil {
			panic(err)
		}
		for _, pkt := range pkts {
			// The receiver: TrackRemote.ReadRTP gives a fresh packet each time;
			// Packetize reuses its own, so this example clones them.
			a.Push(pkt.Clone(), now)
			for f, ok := a.Pop(now); ok; f, ok = a.Pop(now) {
				fmt.Printf("frame at +%d: % x\n", f.Timestamp-(1<<32), f.Data)
			}
		}
	}
	// Output:
	// frame at +0: fc 00 ff
	// frame at +960: fc 01 ff
	// frame at +1920: fc 02 ff
}

// The receive loop: push what arrives, pop what is ready, come back at the
// deadline if nothing arrives, and ask for a keyframe while one is needed.
func ExampleAssembler_Deadline() {
	a, _ := rtpio.NewAssembler(rtpio.AssemblerConfig{Codec: media.VP8})
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	plis := 0
	sendPLI := func() { plis++ } // rate limited in real life

	// Call after every Push, and when the timer fires.
	handle := func(now time.Time) {
		for f, ok := a.Pop(now); ok; f, ok = a.Pop(now) {
			_ = f // write f.Data to the IVF file at f.Timestamp
		}
		if at, ok := a.Deadline(); ok {
			timer.Reset(at.Sub(now))
		}
		if a.NeedKeyframe() {
			sendPLI()
		}
	}
	handle(time.Now())
	fmt.Println("PLIs:", plis)
	// Output: PLIs: 1
}
