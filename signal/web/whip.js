// WHIP (RFC 9725) and WHEP clients: the offer goes to the endpoint in an
// HTTP POST and the answer comes back in its 201, with the session's URL in
// Location; candidates found after the POST follow in PATCHes to that URL
// (RFC 8840 sdpfrags), and a DELETE ends the session. The endpoint has no
// way to reach the page, so its answer carries all of its candidates, and
// the offer waits a moment for ours.

const gatherLimit = 1000; // ms to wait for our candidates before POSTing the offer
const requestLimit = 10000; // ms an HTTP request may take

const typeSDP = 'application/sdp';
const typeFrag = 'application/trickle-ice-sdpfrag';

export const endpointKinds = { whip: 'WHIP', whep: 'WHEP' };

// Endpoint is one session with a WHIP or WHEP endpoint at url. Its
// signal() is a Call's send: the Call's offer is read from the connection
// once gathered, and its candidates go out in PATCHes once the session
// exists. onended hears the endpoint end the session (a DTLS close).
export class Endpoint {
  constructor({ kind, url, bearer, log, onended }) {
    this.kind = kind; // 'WHIP' or 'WHEP'
    this.url = url;
    this.bearer = bearer || '';
    this.log = log;
    this.onended = onended;
    this.location = ''; // the session's URL, from the 201
    this.etag = '';
    this.status = 0; // of the latest response
    this.ufrag = '';
    this.pwd = '';
    this.mid = ''; // of the first m-line: under BUNDLE candidates go there
    this.offered = new Set(); // candidate lines the offer carried
    this.pending = []; // candidates waiting for a PATCH
    this.patching = null;
    this.trickles = true; // false once the endpoint refused a PATCH for good
    this.stopped = false;
    this.patches = { sent: 0, candidates: 0, failed: 0 };
    this.deleted = 0; // the DELETE's status; -1 when it could not be sent
  }

  signal(msg) {
    if (msg.type !== 'candidate' || this.stopped) return;
    this.pending.push(msg.candidate);
    this.flush();
  }

  // start makes the call's offer, POSTs it and applies the answer. It
  // throws what went wrong in words a person can read.
  async start(call) {
    await call.offer();
    await gathered(call.pc, gatherLimit);
    const offer = call.pc.localDescription.sdp;
    for (const line of candidateLines(offer)) this.offered.add(candidateKey(line));
    [this.ufrag, this.pwd, this.mid] = ['ice-ufrag', 'ice-pwd', 'mid'].map((k) => sdpValue(offer, k));
    this.log('info', `${this.kind}: offering to ${this.url} with ${this.offered.size} candidate(s)`);
    const res = await this.request('POST', this.url, typeSDP, offer);
    const answer = await res.text();
    if (res.status !== 201) throw refused(`${this.kind} endpoint refused the offer`, res, answer);
    const location = res.headers.get('Location');
    if (location) {
      this.location = new URL(location, res.url || this.url).href;
    } else {
      this.log('warn', `${this.kind}: the 201 has no Location (a cross-origin endpoint must expose it); no trickling, and Stop cannot end the session`);
    }
    this.etag = res.headers.get('ETag') || '';
    await call.remoteAnswer(answer);
    this.watch(call.pc);
    this.flush();
  }

  // watch calls onended when the endpoint closes DTLS: it ended the session.
  watch(pc) {
    const t = pc.getTransceivers().map((tr) => tr.sender.transport || tr.receiver.transport).find(Boolean);
    if (!t) return;
    t.addEventListener('statechange', () => {
      if ((t.state === 'closed' || t.state === 'failed') && !this.stopped) this.onended(t.state === 'closed' ? 'the endpoint ended the session' : 'DTLS failed');
    });
  }

  // flush PATCHes the pending candidates, one request at a time.
  flush() {
    if (!this.location || !this.trickles || this.stopped || this.patching || !this.pending.length) return;
    this.patching = this.patchAll().finally(() => {
      this.patching = null;
      this.flush(); // candidates that came as the last request ended
    });
  }

  async patchAll() {
    while (this.pending.length && this.trickles && !this.stopped) {
      const frag = this.frag(this.pending.splice(0));
      if (!frag) continue;
      try {
        await this.patch(frag.text);
        this.patches.candidates += frag.count;
      } catch (err) {
        this.patches.failed++;
        if (!this.stopped) this.log('warn', `${this.kind}: trickling candidates: ${err.message}`);
      }
    }
  }

  async patch(body) {
    this.patches.sent++;
    const res = await this.request('PATCH', this.location, typeFrag, body, this.etag);
    const text = await res.text();
    if (res.status === 204 || res.status === 200) return;
    if (res.status === 405 || res.status === 501) {
      this.trickles = false;
      this.log('info', `${this.kind}: the endpoint takes no trickled candidates (${res.status}); relying on those in the offer`);
      return;
    }
    throw refused('PATCH refused', res, text);
  }

  // frag is the sdpfrag of a batch of candidates (null: end of
  // candidates), leaving out those the offer carried; null when nothing
  // is left.
  frag(batch) {
    const lines = [];
    let end = false;
    for (const c of batch) {
      if (!c || !c.candidate) {
        end = true;
        continue;
      }
      const line = `a=${c.candidate.replace(/^a=/, '')}`;
      if (!this.offered.has(candidateKey(line))) lines.push(line);
    }
    if (!lines.length && !end) return null;
    const text = [`a=ice-ufrag:${this.ufrag}`, `a=ice-pwd:${this.pwd}`, 'm=audio 9 RTP/AVP 0', `a=mid:${this.mid}`, ...lines];
    if (end) text.push('a=end-of-candidates');
    return { text: `${text.join('\r\n')}\r\n`, count: lines.length };
  }

  // stop ends the session: DELETE. Failures are logged, not thrown: the
  // page is done with the session either way.
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.location) return;
    try {
      const res = await this.request('DELETE', this.location);
      const text = await res.text();
      this.deleted = res.status;
      if (res.status === 404) this.log('info', `${this.kind}: DELETE: the session had already ended`);
      else if (!res.ok) this.log('warn', refused('DELETE refused', res, text).message);
      else this.log('info', `${this.kind}: session deleted`);
    } catch (err) {
      this.deleted = -1;
      this.log('warn', `${this.kind}: DELETE: ${err.message}`);
    }
  }

  async request(method, url, type, body, ifMatch) {
    const headers = {};
    if (type) headers['Content-Type'] = type;
    if (this.bearer) headers.Authorization = `Bearer ${this.bearer}`;
    if (ifMatch) headers['If-Match'] = ifMatch;
    let res;
    try {
      res = await fetch(url, { method, headers, body, cache: 'no-store', signal: AbortSignal.timeout(requestLimit) });
    } catch (err) {
      // A refused connection and a missing CORS header look the same
      // from here: fetch says only that it failed.
      const why = err.name === 'TimeoutError' ? `no answer within ${requestLimit / 1000} s` : `${err.message}; is the endpoint up, and does it allow this page's origin (CORS)?`;
      throw new Error(`${method} ${url}: ${why}`);
    }
    this.status = res.status;
    return res;
  }

  // state is what window.webrtcCli shows of the session.
  state() {
    return {
      kind: this.kind,
      url: this.url,
      location: this.location,
      status: this.status,
      trickles: this.trickles,
      offered: this.offered.size,
      patches: { ...this.patches },
      stopped: this.stopped,
      deleted: this.deleted,
    };
  }
}

// refused is the error of a response that is not what was asked for: its
// status and the body's text, which the endpoint wrote for a person.
function refused(what, res, body) {
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 300);
  return new Error(`${what}: ${res.status} ${res.statusText}${text ? `: ${text}` : ''}`);
}

// gathered resolves when ICE gathering is complete or after ms.
function gathered(pc, ms) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => pc.iceGatheringState === 'complete' && done();
    const timer = setTimeout(done, ms);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

const candidateLines = (sdp) => sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));

// candidateKey names a candidate by foundation, component, transport,
// priority, address and port: the browser's candidate strings carry
// extensions (ufrag) that the same candidate's line in the SDP leaves out.
const candidateKey = (line) => line.replace(/^a=/, '').split(' ').slice(0, 6).join(' ');

// sdpValue is the value of the first a=key: line of sdp, or ''.
function sdpValue(sdp, key) {
  const m = sdp.match(new RegExp(`^a=${key}:(.*)$`, 'm'));
  return m ? m[1].trim() : '';
}
