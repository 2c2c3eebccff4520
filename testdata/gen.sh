#!/usr/bin/env bash
# gen.sh regenerates the media fixtures in this directory with ffmpeg alone.
# The outputs are committed; rerun only when a fixture must change, then update
# the values hard-coded in media/ivf and media/ogg tests (they say which).
#
# Every encode is single-threaded with bitexact flags and no metadata so that
# the same ffmpeg/libvpx/libaom/libopus versions give byte-identical files.
set -euo pipefail
cd "$(dirname "$0")"

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
common=(-threads 1 -fflags +bitexact -flags +bitexact -map_metadata -1)

# --- video (IVF) -----------------------------------------------------------
# VP8, 24 fps, 3 s, keyframe every second. Alt-ref off: invisible frames would
# only blur what the frame-count tests check.
ff -f lavfi -i "testsrc2=size=320x240:rate=24:duration=3" \
	-c:v libvpx -b:v 200k -g 24 -keyint_min 24 -auto-alt-ref 0 \
	-deadline good -cpu-used 4 "${common[@]}" vp8.ivf

# VP9, 30 fps, 3 s. Alt-ref left on (libvpx default) so the file has
# superframes (hidden ARF + shown frame in one IVF frame).
ff -f lavfi -i "testsrc2=size=256x144:rate=30:duration=3" \
	-c:v libvpx-vp9 -b:v 200k -g 30 -keyint_min 30 \
	-deadline good -cpu-used 4 -row-mt 0 "${common[@]}" vp9.ivf

# VP9 profile 2 (10-bit), a few frames: exercises the bit-depth branch of the
# uncompressed header.
ff -f lavfi -i "testsrc2=size=96x64:rate=30:duration=0.2" -pix_fmt yuv420p10le \
	-c:v libvpx-vp9 -b:v 100k -deadline good -cpu-used 4 -row-mt 0 \
	"${common[@]}" vp9-p2.ivf

# AV1 with libaom (Debian's ffmpeg also has libsvtav1 and librav1e); the
# realtime preset is fast and deterministic with one thread.
ff -f lavfi -i "testsrc2=size=200x112:rate=30:duration=3" \
	-c:v libaom-av1 -usage realtime -cpu-used 8 -b:v 150k -g 30 -keyint_min 30 \
	-row-mt 0 "${common[@]}" av1.ivf

# Variable frame rate VP8 in a 1/1000 timebase: frame N is shown at
# floor(N/3)*100 + (N%3)^2*15 ms, i.e. intervals of 15, 45, 40 ms.
# settb first, or setpts computes in the source's 1/30 timebase.
ff -f lavfi -i "testsrc2=size=176x144:rate=30:duration=3" \
	-vf "settb=1/1000,setpts='floor(N/3)*100+mod(N,3)*mod(N,3)*15'" \
	-fps_mode vfr -enc_time_base 1/1000 \
	-c:v libvpx -b:v 150k -g 30 -auto-alt-ref 0 -deadline good -cpu-used 4 \
	"${common[@]}" vfr.ivf

# A valid file cut in the middle of frame 10's payload (ffprobe's pos is the
# offset of the 12-byte frame header).
eval "$(ffprobe -v error -select_streams v -show_entries packet=pos,size \
	-of compact=p=0 vp8.ivf | sed -n 11p | tr '|' ' ')"
head -c $((pos + 12 + size / 2)) vp8.ivf > truncated.ivf

# --- video (H.264 Annex-B) ---------------------------------------------------
# Raw .h264 streams, as webrtc-cli sends them: no B-frames. x264 repeats
# SPS/PPS before every IDR (its default), so a round trip is byte-exact.
# Baseline, 25 fps, 3 s, an IDR exactly every 25 frames (scenecut off).
ff -f lavfi -i "testsrc2=size=320x240:rate=25:duration=3" \
	-c:v libx264 -profile:v baseline -preset medium -b:v 250k -bf 0 \
	-g 25 -keyint_min 25 -sc_threshold 0 "${common[@]}" -f h264 h264.h264

# High profile, interlaced (MBAFF, so frame_mbs_only_flag 0), 24000/1001
# fps with fixed_frame_rate_flag (force-cfr), picture timing SEI with
# pic_struct, an access unit delimiter before every picture and two slices
# per picture: the access unit splitting and timing rules in one file.
ff -f lavfi -i "testsrc2=size=160x120:rate=24000/1001:duration=0.5" \
	-c:v libx264 -profile:v high -bf 0 \
	-x264-params "force-cfr=1:pic-struct=1:tff=1:slices=2:aud=1" \
	"${common[@]}" -f h264 h264-interlaced.h264

# Main profile with B-frames, which the sender must refuse.
ff -f lavfi -i "testsrc2=size=160x120:rate=25:duration=0.5" \
	-c:v libx264 -profile:v main -bf 2 -g 25 "${common[@]}" -f h264 h264-bframes.h264

# --- audio (Ogg Opus) ------------------------------------------------------
mono="sine=frequency=440:sample_rate=48000:duration=3"
stereo="aevalsrc=0.5*sin(2*PI*440*t)|0.5*sin(2*PI*660*t):s=48000:d=3"

# One 20 ms packet per page.
ff -f lavfi -i "$mono" -c:a libopus -b:a 24k -frame_duration 20 \
	-page_duration 20000 "${common[@]}" opus-mono.ogg
# ffmpeg's default pages: up to one second (50 packets) each.
ff -f lavfi -i "$stereo" -c:a libopus -b:a 48k -frame_duration 20 \
	"${common[@]}" opus-stereo.ogg
# Several packets per page (10 ms frames, 100 ms pages).
ff -f lavfi -i "$stereo" -c:a libopus -b:a 32k -frame_duration 10 \
	-page_duration 100000 "${common[@]}" opus-multi.ogg
# 60 ms packets: a pacer that assumes 20 ms plays these 3x fast.
ff -f lavfi -i "$mono" -c:a libopus -b:a 24k -frame_duration 60 \
	"${common[@]}" opus-60ms.ogg
# Packets spanning pages: ffmpeg closes a page when its segment table is full
# (255 lacing values), mid-packet, so big packets on long pages get split.
ff -f lavfi -i "$stereo" -c:a libopus -b:a 256k -frame_duration 20 \
	-page_duration 3000000 "${common[@]}" opus-span.ogg

# opus-mono.ogg with four bytes overwritten inside the body of its 6th page,
# so only the page CRC can notice.
page6=$(LC_ALL=C grep -obUa OggS opus-mono.ogg | sed -n 6p | cut -d: -f1)
nseg=$(od -An -tu1 -j $((page6 + 26)) -N1 opus-mono.ogg | tr -d ' ')
cp opus-mono.ogg corrupt.ogg
printf '\xde\xad\xbe\xef' | dd of=corrupt.ogg bs=1 seek=$((page6 + 27 + nseg + 2)) conv=notrunc status=none

ls -l ./*.ivf ./*.ogg ./*.h264
du -ch ./*.ivf ./*.ogg ./*.h264 | tail -1
