#!/bin/sh
# Regenerates the small real encodes the rtpio tests packetize and rebuild.
# 1.5 s of 320x240 at 24 fps, a keyframe every 12 frames. VP9 is two-pass
# with alt-ref frames so that it contains superframes; libaom's AV1 contains
# show_existing_frame temporal units.
set -eu
cd "$(dirname "$0")"
src="-f lavfi -i testsrc2=size=320x240:rate=24 -t 1.5"
ffmpeg -hide_banner -loglevel error -y $src -c:v libvpx -b:v 400k -g 12 vp8.ivf
for pass in 1 2; do
	ffmpeg -hide_banner -loglevel error -y $src -c:v libvpx-vp9 -deadline good -cpu-used 4 \
		-b:v 400k -g 12 -auto-alt-ref 1 -lag-in-frames 16 -pass $pass -passlogfile /tmp/rtpio-vp9 vp9.ivf
done
rm -f /tmp/rtpio-vp9*
ffmpeg -hide_banner -loglevel error -y $src -c:v libaom-av1 -cpu-used 8 -b:v 400k -g 12 av1.ivf
