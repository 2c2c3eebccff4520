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

// serverList splits a list of signaling servers (commas or spaces between
// them) into WebSocket URLs: http(s) becomes ws(s), a bare host:port gets
// the page's scheme, and a URL without a path gets /ws.
export function serverList(text) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return String(text || '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((s) => {
      let u;
      try {
        u = new URL(s.includes('://') ? s : `${scheme}//${s}`);
      } catch {
        throw new Error(`signaling server "${s}": not a URL`);
      }
      if (u.protocol === 'http:') u.protocol = 'ws:';
      if (u.protocol === 'https:') u.protocol = 'wss:';
      if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(`signaling server ${s}: want ws://, wss://, http:// or https://`);
      if (u.pathname === '/') u.pathname = '/ws';
      return u.href;
    });
}

// Close codes after which reconnecting cannot help.
const finalCloses = new Set([1008, 1009]);

// Refusals that are about the server rather than this page or its room:
// another server of the list may take the join.
const elsewhere = new Set(['server-full', 'unavailable']);

// Signaling is the connection to the server, or to the first of a list of
// servers that answers. join() enters a room; while the page wants to be
// in it, a dropped connection is reopened with backoff and the session
// resumed with welcome.resume, so calls survive. With several servers, a
// lost connection moves to the next one (round robin, the lost one tried
// last) and presents the resume token there: a server that does not know
// it gives a fresh session (welcome.resumed false). Every server message
// goes to onmessage in order; onstatus hears 'connecting', 'open',
// 'reconnecting' and 'closed' (with a reason).
export class Signaling {
  constructor(urls, { onmessage, onstatus, log }) {
    this.urls = Array.isArray(urls) ? urls : [urls];
    this.index = 0; // the server of ws, or of the last connection
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
    this.stopped = false; // closed: no more connections
  }

  // url is the server of the connection, or of the last one.
  get url() {
    return this.urls[this.index];
  }

  // key names the list, to tell whether a Signaling is for it.
  get key() {
    return this.urls.join(',');
  }

  // open resolves once a WebSocket is open, to the first server that
  // answers, from the current one on; it rejects naming each server when
  // none does.
  open() {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return Promise.resolve();
    return this.connect(this.index);
  }

  // connect tries the servers in order from start, round robin.
  connect(start) {
    if (this.opening) return this.opening;
    this.onstatus('connecting');
    const n = this.urls.length;
    this.opening = (async () => {
      const failures = [];
      try {
        for (let k = 0; k < n; k++) {
          if (this.stopped) throw new Error('signaling closed');
          const i = (start + k) % n;
          try {
            await this.openOne(i);
            return;
          } catch (err) {
            failures.push(`${this.urls[i]}: ${err.message}`);
            if (k < n - 1) this.log('warn', `cannot connect to ${this.urls[i]} (${err.message}); trying ${this.urls[(i + 1) % n]}`);
          }
        }
      } finally {
        this.opening = null;
      }
      throw new Error(n === 1 ? `cannot connect to ${this.urls[0]}` : `cannot connect to any signaling server: ${failures.join('; ')}`);
    })();
    return this.opening;
  }

  // openOne opens a WebSocket to urls[i].
  openOne(i) {
    return new Promise((resolve, reject) => {
      let ws;
      try {
        ws = new WebSocket(this.urls[i]);
      } catch (err) {
        reject(err);
        return;
      }
      let opened = false;
      this.ws = ws;
      ws.onopen = () => {
        opened = true;
        this.index = i;
        this.backoff = 250;
        this.log('info', `signaling connected to ${this.urls[i]}`);
        this.onstatus('open');
        // Browsers cannot send WebSocket pings; the protocol's ping keeps
        // idle middleboxes from timing the connection out.
        clearInterval(this.pinger);
        this.pinger = setInterval(() => this.write({ type: 'ping' }), 15000);
        resolve();
      };
      ws.onmessage = (e) => {
        if (this.ws === ws) this.receive(e.data);
      };
      ws.onclose = (e) => {
        if (this.ws !== ws) {
          if (!opened) reject(new Error('abandoned'));
          return;
        }
        this.ws = null;
        this.welcomed = false;
        if (!opened) {
          reject(new Error(`connection failed (${e.code})`));
          return;
        }
        clearInterval(this.pinger);
        this.dropped(e);
      };
    });
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
    if (msg.type === 'error' && !this.welcomed && this.joinFields && this.urls.length > 1 && elsewhere.has(msg.code)) {
      // Not an answer about this page: the next server may take the join.
      this.log('warn', `${this.url} refused the join (${msg.code}: ${msg.message}); trying the next server`);
      if (this.ws) this.ws.close(4001, 'trying the next server');
      return;
    }
    this.onmessage(msg);
  }

  dropped(e) {
    if (!this.joinFields || finalCloses.has(e.code)) {
      this.onstatus('closed', e.reason || `connection closed (${e.code})`);
      return;
    }
    this.retry(`signaling connection to ${this.url} lost (${e.code})`);
  }

  // retry schedules the next round of reconnection.
  retry(why) {
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 5000);
    this.onstatus('reconnecting', `${why}; retrying in ${wait} ms`);
    setTimeout(() => this.rejoin(), wait);
  }

  // rejoin reconnects, to the server after the lost one first and to the
  // lost one last, and joins there presenting the resume token.
  async rejoin() {
    if (!this.joinFields) return;
    try {
      await this.connect((this.index + 1) % this.urls.length);
    } catch (err) {
      if (this.joinFields) this.retry(err.message);
      return;
    }
    if (!this.joinFields) return;
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
    this.stopped = true;
    this.joinFields = null;
    clearInterval(this.pinger);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
  }
}
