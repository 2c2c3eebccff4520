#!/bin/sh
# Makes the two VP8 frames synthetic video repeats: a 320x240 keyframe of
# colour bars and an inter frame of the same picture (what a still camera
# sends). ffmpeg encodes them once, here; the load tester needs no encoder.
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ffmpeg -v error -y -f lavfi -i "smptebars=s=320x240:r=30" -frames:v 2 -c:v libvpx -g 600 -b:v 100k \
	-auto-alt-ref 0 -f ivf "$tmp/bars.ivf"
# IVF: a 32-byte header, then per frame a 4-byte size, an 8-byte timestamp
# and the frame.
python3 - "$tmp/bars.ivf" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, frames = 32, []
while off < len(d):
    size, _ = struct.unpack('<IQ', d[off:off+12])
    frames.append(d[off+12:off+12+size])
    off += 12 + size
open('key.vp8', 'wb').write(frames[0])
open('inter.vp8', 'wb').write(frames[1])
PY
