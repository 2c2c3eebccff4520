#!/usr/bin/env bash
# gen.sh makes the sample that `webrtc-cli demo` embeds: 4 s of VP8 and
# stereo Opus, small enough to live in the binary. Deterministic flags, so
# a rerun with the same ffmpeg gives the same bytes.
set -euo pipefail
cd "$(dirname "$0")"
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
common=(-threads 1 -fflags +bitexact -flags +bitexact -map_metadata -1)
ff -f lavfi -i "testsrc2=size=320x240:rate=24:duration=4" \
	-c:v libvpx -b:v 250k -g 48 -keyint_min 48 -auto-alt-ref 0 \
	-deadline good -cpu-used 4 "${common[@]}" demo.ivf
ff -f lavfi -i "aevalsrc=0.4*sin(2*PI*440*t)|0.4*sin(2*PI*554*t):s=48000:d=4" \
	-c:a libopus -b:a 48k -frame_duration 20 "${common[@]}" demo.ogg
ls -l demo.ivf demo.ogg
