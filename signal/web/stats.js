// What a tile shows and window.webrtcCli exposes: a compact summary of
// getStats() per direction and kind, and how much a video frame varies.

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

// summarize turns a getStats() report into
// {at, in: {video, audio}, out: {video, audio}, pair}; prev, the previous
// summary of the same connection, gives the bitrates.
export function summarize(report, prev) {
  const byId = new Map();
  report.forEach((s) => byId.set(s.id, s));
  const sum = { at: Date.now(), in: {}, out: {}, pair: null };
  for (const s of byId.values()) {
    if (s.type !== 'inbound-rtp' && s.type !== 'outbound-rtp') continue;
    const dir = s.type === 'inbound-rtp' ? 'in' : 'out';
    const kind = s.kind || s.mediaType;
    const codec = byId.get(s.codecId);
    const e = {
      ssrc: s.ssrc,
      codec: codec ? codec.mimeType.replace(/^[a-z]+\//, '') : '',
      clockRate: codec ? num(codec.clockRate) : 0,
      bytes: num(dir === 'in' ? s.bytesReceived : s.bytesSent),
      packets: num(dir === 'in' ? s.packetsReceived : s.packetsSent),
      nackCount: num(s.nackCount),
      pliCount: num(s.pliCount),
      firCount: num(s.firCount),
    };
    if (dir === 'in') {
      e.packetsLost = num(s.packetsLost);
      e.jitter = num(s.jitter);
      // Average time a sample spent in the jitter buffer, in ms.
      e.jitterBufferMs = s.jitterBufferEmittedCount > 0 ? (1000 * num(s.jitterBufferDelay)) / s.jitterBufferEmittedCount : 0;
      e.loss = e.packetsLost > 0 ? e.packetsLost / (e.packetsLost + e.packets) : 0;
    } else {
      e.retransmittedPackets = num(s.retransmittedPacketsSent);
      const remote = byId.get(s.remoteId); // remote-inbound-rtp: the peer's receiver report
      e.packetsLost = remote ? num(remote.packetsLost) : 0;
      e.loss = remote ? num(remote.fractionLost) : 0;
      e.rtt = remote ? num(remote.roundTripTime) : 0;
    }
    if (kind === 'video') {
      e.width = num(s.frameWidth);
      e.height = num(s.frameHeight);
      e.fps = num(s.framesPerSecond);
      if (dir === 'in') {
        e.framesReceived = num(s.framesReceived);
        e.framesDecoded = num(s.framesDecoded);
        e.keyFramesDecoded = num(s.keyFramesDecoded);
        e.framesDropped = num(s.framesDropped);
        e.freezeCount = num(s.freezeCount);
      } else {
        e.framesEncoded = num(s.framesEncoded);
        e.framesSent = num(s.framesSent);
        e.keyFramesEncoded = num(s.keyFramesEncoded);
        e.qualityLimitation = s.qualityLimitationReason || '';
        e.encoder = s.encoderImplementation || '';
      }
    } else if (dir === 'in') {
      e.totalSamplesReceived = num(s.totalSamplesReceived);
      e.concealedSamples = num(s.concealedSamples);
      e.audioLevel = num(s.audioLevel);
      e.totalAudioEnergy = num(s.totalAudioEnergy);
    }
    const old = prev && prev[dir][kind];
    const dt = prev ? (sum.at - prev.at) / 1000 : 0;
    e.bitrate = old && old.ssrc === e.ssrc && dt > 0 ? Math.max(0, (e.bytes - old.bytes) * 8 / dt) : 0;
    // Several streams of one kind (a renegotiated track): keep the busiest.
    const have = sum[dir][kind];
    if (!have || e.bytes >= have.bytes) sum[dir][kind] = e;
  }
  // The pair in use: the transport's selected one (or, in browsers that
  // do not say, a nominated pair that works).
  let pair = null;
  for (const s of byId.values()) {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId);
  }
  if (!pair) {
    for (const s of byId.values()) {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
    }
  }
  if (pair) {
    const local = byId.get(pair.localCandidateId);
    const remote = byId.get(pair.remoteCandidateId);
    sum.pair = {
      rtt: num(pair.currentRoundTripTime),
      local: local ? `${local.address}:${local.port} ${local.candidateType}` : '',
      remote: remote ? `${remote.address}:${remote.port} ${remote.candidateType}` : '',
    };
  }
  return sum;
}

const kbps = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} Mb/s` : `${Math.round(b / 1e3)} kb/s`);
const pct = (f) => `${(f * 100).toFixed(1)}%`;

// describe is the text of a tile's stats: one line per stream.
export function describe(sum) {
  if (!sum) return '';
  const lines = [];
  for (const [dir, arrow] of [['in', '↓'], ['out', '↑']]) {
    const v = sum[dir].video;
    if (v) {
      const frames = dir === 'in' ? `${v.framesDecoded} decoded` : `${v.framesSent} sent`;
      lines.push(`${arrow} ${v.codec} ${v.width}x${v.height} ${Math.round(v.fps)} fps ${kbps(v.bitrate)} loss ${pct(v.loss)} ${frames}`);
    }
    const a = sum[dir].audio;
    if (a) lines.push(`${arrow} ${a.codec} ${kbps(a.bitrate)} loss ${pct(a.loss)}`);
  }
  if (sum.pair) lines.push(`  via ${sum.pair.local} → ${sum.pair.remote}`);
  return lines.join('\n');
}

// frameVariance draws the video's current frame, scaled down, into canvas
// and returns the variance of its luma: 0 for a blank (uniform) frame, and
// -1 when the element has no frame yet.
export function frameVariance(video, canvas) {
  if (!video || video.readyState < 2 || !video.videoWidth) return -1;
  const w = 80;
  const h = Math.max(1, Math.round((w * video.videoHeight) / video.videoWidth));
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, h);
  const d = ctx.getImageData(0, 0, w, h).data;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < d.length; i += 4) {
    const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    s += y;
    s2 += y * y;
  }
  const n = w * h;
  const mean = s / n;
  return Math.max(0, s2 / n - mean * mean);
}
