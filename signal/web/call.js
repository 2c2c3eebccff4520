// One RTCPeerConnection with one remote peer: tracks by role, trickle ICE
// both ways, and the stats the tile shows. The peer is a room's, or a WHIP
// or WHEP endpoint, whose Endpoint (whip.js) takes the messages send writes.

import { canReceive, canSend } from './protocol.js';
import { summarize } from './stats.js';

export class Call {
  // remote is {id, name, role}; self is this page's role; local is the
  // MediaStream to publish (or null); send writes a signaling message.
  constructor({ remote, self, offerer, local, iceServers, relayOnly, codec, jitter, send, log, onchange }) {
    this.remote = remote;
    this.self = self;
    this.offerer = offerer;
    this.local = local;
    this.codec = codec;
    this.jitter = jitter; // ms of jitter buffer to ask for; 0 leaves it to the browser
    this.sendMsg = send;
    this.log = log;
    this.onchange = onchange;
    this.sends = canSend(self) && canReceive(remote.role) && !!local;
    this.receives = canSend(remote.role) && canReceive(self);
    this.stream = new MediaStream();
    this.pending = []; // remote candidates that came before the remote description
    this.unsent = []; // local candidates found before our description went out
    this.described = false;
    this.ended = false;
    this.endReason = '';
    this.startedAt = Date.now();
    this.connectedAt = 0;
    this.endedAt = 0;
    this.stats = null;
    this.candidates = { sent: 0, sentEnd: false, received: 0, receivedEnd: false, refused: 0 };
    this.pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: relayOnly ? 'relay' : 'all' });
    this.pc.onicecandidate = (e) => this.localCandidate(e.candidate ? e.candidate.toJSON() : null);
    this.pc.ontrack = (e) => {
      this.log('info', `${remote.name || remote.id}: ${e.track.kind} track`);
      // More buffering trades latency for smoothness: frames that arrive
      // late (a busy sender or network) are still shown, not dropped.
      if (this.jitter > 0 && 'jitterBufferTarget' in e.receiver) e.receiver.jitterBufferTarget = this.jitter;
      this.stream.addTrack(e.track);
      this.onchange(this);
    };
    this.pc.onconnectionstatechange = () => {
      const s = this.pc.connectionState;
      this.log('info', `${remote.name || remote.id}: connection ${s}`);
      if (s === 'connected' && !this.connectedAt) this.connectedAt = Date.now();
      this.onchange(this);
    };
  }

  localCandidate(c) {
    if (this.ended) return;
    if (!this.described) {
      this.unsent.push(c);
      return;
    }
    // null is end-of-candidates, relayed as null.
    this.sendMsg({ type: 'candidate', to: this.remote.id, candidate: c });
    if (c) this.candidates.sent++;
    else this.candidates.sentEnd = true;
  }

  describe(type) {
    this.sendMsg({ type, to: this.remote.id, sdp: this.pc.localDescription.sdp });
    this.described = true;
    for (const c of this.unsent.splice(0)) this.localCandidate(c);
  }

  async offer() {
    for (const kind of ['audio', 'video']) {
      const track = this.local && this.local.getTracks().find((t) => t.kind === kind);
      if (this.sends && track) {
        this.pc.addTransceiver(track, { direction: this.receives ? 'sendrecv' : 'sendonly', streams: [this.local] });
      } else if (this.receives) {
        this.pc.addTransceiver(kind, { direction: 'recvonly' });
      }
    }
    this.preferCodec();
    await this.pc.setLocalDescription(await this.pc.createOffer());
    this.describe('offer');
  }

  async answer(sdp) {
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    const unused = this.sends ? this.local.getTracks() : [];
    for (const tr of this.pc.getTransceivers()) {
      if (tr.currentDirection && tr.sender.track) continue; // renegotiation: already set up
      const kind = tr.receiver.track.kind;
      const i = unused.findIndex((t) => t.kind === kind);
      if (i >= 0) {
        const [track] = unused.splice(i, 1);
        await tr.sender.replaceTrack(track);
        if (tr.sender.setStreams) tr.sender.setStreams(this.local);
        tr.direction = this.receives ? 'sendrecv' : 'sendonly';
      } else {
        tr.direction = this.receives ? 'recvonly' : 'inactive';
      }
    }
    this.preferCodec();
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    this.describe('answer');
    await this.remoteDescribed();
  }

  async remoteAnswer(sdp) {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    await this.remoteDescribed();
  }

  async remoteDescribed() {
    for (const c of this.pending.splice(0)) await this.remoteCandidate(c);
  }

  async remoteCandidate(c) {
    if (!this.pc.remoteDescription) {
      this.pending.push(c);
      return;
    }
    try {
      // new RTCIceCandidate(null) throws in Chromium: null (or an empty
      // candidate) is end-of-candidates, which addIceCandidate() without
      // an argument means.
      if (c === null || c === undefined || !c.candidate) {
        this.candidates.receivedEnd = true;
        await this.pc.addIceCandidate();
      } else {
        this.candidates.received++;
        await this.pc.addIceCandidate(c);
      }
    } catch (err) {
      this.candidates.refused++;
      this.log('warn', `${this.remote.name || this.remote.id}: candidate refused: ${err.message}`, c);
    }
  }

  // preferCodec puts the chosen video codec first in every video m-line,
  // so an answerer that takes the first it knows picks it.
  preferCodec() {
    if (!this.codec || !RTCRtpTransceiver.prototype.setCodecPreferences) return;
    const caps = RTCRtpReceiver.getCapabilities('video');
    if (!caps) return;
    const want = `video/${this.codec.toLowerCase()}`;
    const first = caps.codecs.filter((c) => c.mimeType.toLowerCase() === want);
    if (!first.length) {
      this.log('warn', `this browser has no ${this.codec} codec`);
      return;
    }
    const rest = caps.codecs.filter((c) => c.mimeType.toLowerCase() !== want);
    for (const tr of this.pc.getTransceivers()) {
      if (tr.receiver.track.kind === 'video') tr.setCodecPreferences([...first, ...rest]);
    }
  }

  async refreshStats() {
    if (this.pc.signalingState === 'closed') return this.stats;
    this.stats = summarize(await this.pc.getStats(), this.stats);
    return this.stats;
  }

  close(reason) {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
    this.endedAt = Date.now();
    this.pc.close();
    this.onchange(this);
  }
}
