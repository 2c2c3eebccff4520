// The native webrtc-cli signaling protocol (see signal/PROTOCOL.md): roles,
// the who-offers rule, and one WebSocket to the server that survives a drop
// by resuming its session.

export const roleOfMode = { send: 'sender', receive: 'receiver', both: 'peer' };

export const canSend = (role) => role === 'sender' || role === 'peer';
export const canReceive = (role) => role === 'receiver' || role === 'peer';

// offers reports whether self sends the offer in a call with other.
// otherWasFirst is true when self learned of other from welcome.peers.
export function offers(self, other, otherWasFirst) {
  if (self === 'sender') return other === 'receiver' || other === 'peer';
  if (self === 'peer' && other === 'receiver') return true;
  if (self === 'peer' && other === 'peer') return otherWasFirst;
  return false;
}

// calls reports whether two roles make a call at all.
export const calls = (a, b) => offers(a, b, true) || offers(b, a, false);

export function defaultURL() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

// Close codes after which reconnecting cannot help.
const finalCloses = new Set([1008, 1009]);

// Signaling is the connection to the server. join() enters a room; while
// the page wants to be in it, a dropped connection is reopened with
// backoff and the session resumed with welcome.resume, so calls survive.
// Every server message goes to onmessage in order; onstatus hears
// 'connecting', 'open', 'reconnecting' and 'closed' (with a reason).
export class Signaling {
  constructor(url, { onmessage, onstatus, log }) {
    this.url = url;
    this.onmessage = onmessage;
    this.onstatus = onstatus;
    this.log = log;
    this.ws = null;
    this.joinFields = null; // non-null while the page wants to be in a room
    this.resume = '';
    this.welcomed = false; // the current connection has its welcome
    this.outbox = []; // relayed messages written while reconnecting
    this.backoff = 250;
    this.pinger = 0;
  }

  // open resolves once the WebSocket is open.
  open() {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return Promise.resolve();
    if (this.opening) return this.opening;
    this.onstatus('connecting');
    this.opening = new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.onopen = () => {
        this.opening = null;
        this.backoff = 250;
        this.onstatus('open');
        // Browsers cannot send WebSocket pings; the protocol's ping keeps
        // idle middleboxes from timing the connection out.
        clearInterval(this.pinger);
        this.pinger = setInterval(() => this.write({ type: 'ping' }), 15000);
        resolve();
      };
      ws.onmessage = (e) => this.receive(e.data);
      ws.onclose = (e) => {
        const wasOpening = this.opening;
        this.opening = null;
        clearInterval(this.pinger);
        if (this.ws !== ws) return;
        this.ws = null;
        this.welcomed = false;
        if (wasOpening) reject(new Error(`cannot connect to ${this.url}`));
        this.dropped(e);
      };
    });
    return this.opening;
  }

  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.log('warn', 'server sent something that is not JSON', data);
      return;
    }
    if (msg.type === 'welcome') {
      this.resume = msg.resume || '';
      this.welcomed = true;
      const queued = msg.resumed ? this.outbox : [];
      this.outbox = [];
      this.onmessage(msg);
      for (const m of queued) this.write(m);
      return;
    }
    if (msg.type === 'pong') return;
    this.onmessage(msg);
  }

  dropped(e) {
    if (!this.joinFields || finalCloses.has(e.code)) {
      this.onstatus('closed', e.reason || `connection closed (${e.code})`);
      return;
    }
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 5000);
    this.onstatus('reconnecting', `signaling connection lost (${e.code}); retrying in ${wait} ms`);
    setTimeout(() => this.rejoin(), wait);
  }

  async rejoin() {
    if (!this.joinFields) return;
    try {
      await this.open();
    } catch {
      return; // onclose has scheduled the next attempt
    }
    this.write({ type: 'join', ...this.joinFields, resume: this.resume || undefined });
  }

  async join(fields) {
    await this.open(); // a failure here is the caller's; nothing retries
    this.joinFields = fields;
    this.resume = '';
    this.write({ type: 'join', ...fields });
  }

  // abandon stops wanting the room (a refused join): no reconnecting.
  abandon() {
    this.joinFields = null;
    this.outbox = [];
  }

  leave() {
    this.joinFields = null;
    this.outbox = [];
    this.write({ type: 'leave' });
    this.welcomed = false;
  }

  // send writes a relayed message; while reconnecting it is kept for the
  // resumed session.
  send(msg) {
    if (!this.welcomed) {
      this.outbox.push(msg);
      return;
    }
    this.write(msg);
  }

  write(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  // drop ends the connection as a network failure would (a close code that
  // is neither 1000 nor 1001), so the session is resumed.
  drop() {
    if (this.ws) this.ws.close(4000, 'dropped on purpose');
  }

  close() {
    this.joinFields = null;
    clearInterval(this.pinger);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
  }
}
