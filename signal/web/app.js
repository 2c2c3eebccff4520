// The page: a form to join a room, or to publish to a WHIP endpoint or
// watch a WHEP one; a tile per remote peer (or endpoint); and
// window.webrtcCli, through which tests (and curious users) read the state.
//
// Query parameters fill the form, so a link can say what to do:
//   room, name, mode (send | receive | both | whip | whep), video=0,
//   audio=0 (publish less), codec (VP8 | VP9 | AV1 | H264: the video codec
//   to prefer), jitter (ms of receive buffering), token, servers (the
//   signaling servers to use instead of this one's /ws, comma-separated:
//   ws:// or wss:// URLs, tried in order, and a lost connection moves to
//   the next; signal is the same, the parameter's older name), url (the
//   WHIP or WHEP endpoint of mode whip or whep), bearer (the endpoint's
//   token), autostart=1 (join or start at once).

import { Call } from './call.js';
import { calls, canSend, defaultURL, offers, roleOfMode, serverList, Signaling } from './protocol.js';
import { describe, frameVariance } from './stats.js';
import { Endpoint, endpointKinds } from './whip.js';

const $ = (sel, el = document) => el.querySelector(sel);
const form = $('#join');
const tiles = $('#tiles');
const canvas = document.createElement('canvas');

const app = {
  state: 'idle', // idle, connecting, joined, reconnecting, left, live, stopped, ended, error
  error: '',
  id: '',
  room: '',
  name: '',
  mode: '',
  role: '',
  resumed: false,
  iceServers: [],
  opts: null,
  local: null, // MediaStream published
  localTile: null,
  sig: null,
  session: null, // {kind, endpoint, peer}: the WHIP or WHEP session, while it lasts
  endpoint: null, // the latest session's Endpoint, live or over
  members: new Map(), // id -> {id, role, name}: the room as presence says
  peers: new Map(), // id -> the call with that peer, live or ended
  generation: 0,
  chain: Promise.resolve(), // serializes signaling events and user actions
};

const logLines = [];
function log(level, msg, ...rest) {
  const fn = level === 'error' ? console.error : level === 'warn' ? console.warn : console.log;
  fn('[webrtc-cli]', msg, ...rest);
  logLines.push(`${new Date().toISOString()} ${level} ${msg}`);
  if (logLines.length > 200) logLines.shift();
}

function setStatus(text, isError = false) {
  const el = $('#status');
  el.textContent = text;
  el.classList.toggle('error', isError);
}

// busy is true while the page is in a room or a session, or getting there.
const busy = () => ['connecting', 'joined', 'reconnecting', 'live'].includes(app.state);

function serial(fn) {
  const p = app.chain.then(fn);
  app.chain = p.catch((err) => log('error', err && err.stack ? err.stack : String(err)));
  return p;
}

// ---- joining and leaving -------------------------------------------------

async function join(opts) {
  if (busy()) await leave();
  opts = { mode: 'both', video: true, audio: true, codec: '', jitter: 0, token: '', servers: '', url: '', endpoint: '', bearer: '', ...opts };
  if (endpointKinds[opts.mode]) return start(opts);
  const role = roleOfMode[opts.mode];
  if (!role) throw new Error(`mode ${opts.mode}: want send, receive or both`);
  Object.assign(app, { opts, role, mode: opts.mode, room: opts.room, name: opts.name || '', error: '', state: 'connecting' });
  updateButtons();
  if (canSend(role) && (opts.video || opts.audio)) {
    setStatus('Opening camera and microphone…');
    try {
      app.local = await navigator.mediaDevices.getUserMedia({ video: !!opts.video, audio: !!opts.audio });
      showLocal();
    } catch (err) {
      log('error', `camera/microphone: ${err.name}: ${err.message}`);
      if (opts.mode === 'send') return fail(`Cannot open camera or microphone: ${err.message}`);
      setStatus(`No camera or microphone (${err.message}); receiving only.`, true);
    }
  }
  let urls;
  try {
    urls = serverList(opts.servers || opts.url);
  } catch (err) {
    return fail(err.message);
  }
  if (!urls.length) urls = [defaultURL()];
  if (app.sig && app.sig.key !== urls.join(',')) {
    app.sig.close();
    app.sig = null;
  }
  if (!app.sig) app.sig = new Signaling(urls, { onmessage: (m) => serial(() => handle(m)), onstatus: sigStatus, log });
  const fields = { room: opts.room, role };
  if (opts.name) fields.name = opts.name;
  if (opts.token) fields.token = opts.token;
  setStatus(`Joining ${opts.room}…`);
  try {
    await app.sig.join(fields);
  } catch (err) {
    return fail(err.message);
  }
  const q = new URLSearchParams({ room: opts.room, mode: opts.mode });
  if (opts.name) q.set('name', opts.name);
  if (opts.servers || opts.url) q.set('servers', urls.join(','));
  history.replaceState(null, '', `?${q}`);
}

function fail(text) {
  if (app.sig) app.sig.abandon();
  app.state = 'error';
  app.error = text;
  setStatus(text, true);
  stopLocal();
  updateButtons();
}

async function leave() {
  if (app.session) return stop();
  if (!app.sig) return;
  for (const p of app.peers.values()) {
    if (p.call.ended) continue;
    app.sig.send({ type: 'bye', to: p.call.remote.id });
    await finish(p, 'left');
  }
  app.sig.leave();
  app.members.clear();
  stopLocal();
  app.state = 'left';
  app.id = '';
  setStatus('Left the room.');
  updateButtons();
}

function stopLocal() {
  if (app.local) app.local.getTracks().forEach((t) => t.stop());
  app.local = null;
  if (app.localTile) app.localTile.remove();
  app.localTile = null;
}

// ---- WHIP and WHEP sessions ---------------------------------------------

// start publishes to a WHIP endpoint (mode whip) or watches a WHEP one
// (mode whep): one call, offered by POST to opts.endpoint.
async function start(opts) {
  const kind = endpointKinds[opts.mode];
  let url;
  try {
    url = new URL(opts.endpoint);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return fail(`${kind} URL "${opts.endpoint}": want http:// or https://HOST/PATH`);
  // The room's connection has nothing to do with a session.
  if (app.sig) app.sig.close();
  app.sig = null;
  const role = kind === 'WHIP' ? 'sender' : 'receiver';
  Object.assign(app, { opts, role, mode: opts.mode, room: '', name: opts.name || '', id: '', iceServers: [], error: '', state: 'connecting' });
  updateButtons();
  if (kind === 'WHIP') {
    if (!opts.video && !opts.audio) return fail('Nothing to publish: choose the camera, the microphone or both.');
    setStatus('Opening camera and microphone…');
    try {
      app.local = await navigator.mediaDevices.getUserMedia({ video: !!opts.video, audio: !!opts.audio });
      showLocal();
    } catch (err) {
      log('error', `camera/microphone: ${err.name}: ${err.message}`);
      return fail(`Cannot open camera or microphone: ${err.message}`);
    }
  }
  const s = { kind, peer: null, endpoint: null };
  s.endpoint = new Endpoint({ kind, url: url.href, bearer: opts.bearer, log, onended: (why) => serial(() => ended(s, why)) });
  // The endpoint is the remote peer: it receives what WHIP publishes and
  // sends what WHEP watches.
  const info = { id: url.href, name: url.host + url.pathname, role: kind === 'WHIP' ? 'receiver' : 'sender', endpoint: kind };
  s.peer = newPeer(info, true, { send: (m) => s.endpoint.signal(m), onchange: () => watchSession(s) });
  app.session = s;
  app.endpoint = s.endpoint;
  setStatus(`Offering to ${url.href}…`);
  try {
    await s.endpoint.start(s.peer.call);
  } catch (err) {
    app.session = null;
    await s.endpoint.stop(); // the session, if the answer was what failed
    await finish(s.peer, 'failed');
    return fail(err.message);
  }
  app.state = 'live';
  setStatus(`${kind === 'WHIP' ? 'Publishing to' : 'Watching'} ${url.href}.`);
  updateButtons();
  const q = new URLSearchParams({ mode: opts.mode, url: url.href });
  history.replaceState(null, '', `?${q}`);
}

// watchSession ends the session when its connection fails.
function watchSession(s) {
  if (app.session === s && s.peer.call.pc.connectionState === 'failed') serial(() => ended(s, 'connection failed'));
}

// stop is the user's Stop: DELETE, then the call's last stats and its end.
async function stop() {
  const s = app.session;
  app.session = null;
  await s.endpoint.stop();
  await finish(s.peer, 'stopped');
  stopLocal();
  app.state = 'stopped';
  setStatus(`Stopped; the ${s.kind} session is over.`);
  updateButtons();
}

// ended is the session ending without the user: the endpoint closed it or
// the connection failed.
async function ended(s, why) {
  if (app.session !== s) return;
  app.session = null;
  log('info', `${s.kind}: ${why}`);
  await s.endpoint.stop(); // frees the session if the endpoint still has it
  await finish(s.peer, why);
  stopLocal();
  app.state = 'ended';
  setStatus(`The ${s.kind} session ended: ${why}.`, why !== 'the endpoint ended the session');
  updateButtons();
}

function sigStatus(status, reason) {
  log('info', `signaling ${status}${reason ? `: ${reason}` : ''}`);
  if (status === 'reconnecting' && app.state === 'joined') {
    app.state = 'reconnecting';
    setStatus(`${reason}…`, true);
    updateButtons();
  } else if (status === 'reconnecting' && (app.state === 'reconnecting' || app.state === 'connecting')) {
    setStatus(`${reason}…`, true);
  } else if (status === 'closed' && app.state !== 'left' && app.state !== 'idle') {
    endAll('signaling closed');
    fail(`Signaling connection closed: ${reason}`);
  }
}

// ---- signaling events ----------------------------------------------------

async function handle(msg) {
  switch (msg.type) {
    case 'welcome':
      return welcome(msg);
    case 'peer-joined':
      app.members.set(msg.peer.id, msg.peer);
      return meet(msg.peer, false);
    case 'peer-left': {
      app.members.delete(msg.id);
      const p = live(msg.id);
      if (p) await finish(p, 'left');
      return;
    }
    case 'offer':
      return offered(msg);
    case 'answer': {
      const p = live(msg.from);
      if (!p || !p.call.offerer) return log('warn', `answer from ${msg.from} to no offer`);
      return p.call.remoteAnswer(msg.sdp);
    }
    case 'candidate': {
      const p = live(msg.from);
      if (p) await p.call.remoteCandidate(msg.candidate);
      return;
    }
    case 'bye': {
      const p = live(msg.from);
      if (p) await finish(p, 'bye');
      return;
    }
    case 'error':
      log('warn', `server error ${msg.code}: ${msg.message} (${msg.ref || ''})`);
      if (msg.ref === 'join' || msg.code === 'unauthorized') {
        endAll(msg.code);
        fail(`Refused: ${msg.message} (${msg.code})`);
      }
      return;
    default:
      log('info', `ignoring message of type ${msg.type}`);
  }
}

async function welcome(msg) {
  const resumed = !!msg.resumed && app.id === msg.id;
  Object.assign(app, { id: msg.id, role: msg.role, room: msg.room, resumed, iceServers: msg.iceServers || [], state: 'joined' });
  setStatus(`In room ${msg.room} as ${app.name || msg.id} (${msg.role})${app.sig.urls.length > 1 ? ` on ${app.sig.url}` : ''}.`);
  updateButtons();
  log('info', `welcome from ${app.sig.url}: id ${msg.id}, ${msg.peers.length} peer(s), resumed ${resumed}`);
  if (!resumed) endAll('session');
  app.members.clear();
  for (const p of msg.peers) app.members.set(p.id, p);
  // After a resume the calls live on, and presence that changed while we
  // were away follows the welcome.
  if (resumed) return;
  for (const p of msg.peers) await meet(p, true);
}

async function meet(info, fromWelcome) {
  if (!calls(app.role, info.role)) return;
  if (!offers(app.role, info.role, fromWelcome)) {
    log('info', `waiting for ${info.name || info.id} (${info.role}) to offer`);
    return;
  }
  const old = live(info.id);
  if (old) await finish(old, 'replaced');
  const p = newPeer(info, true);
  return p.call.offer();
}

async function offered(msg) {
  const p = live(msg.from);
  if (p && !p.call.offerer && p.call.pc.signalingState === 'stable') return p.call.answer(msg.sdp); // renegotiation
  if (p) await finish(p, 'replaced');
  const info = app.members.get(msg.from) || { id: msg.from, role: 'peer', name: '' };
  return newPeer(info, false).call.answer(msg.sdp);
}

function live(id) {
  const p = app.peers.get(id);
  return p && !p.call.ended ? p : null;
}

// newPeer starts a call with info. Its messages go to the room unless
// send says otherwise; onchange hears every change of the call.
function newPeer(info, offerer, { send = (m) => app.sig.send(m), onchange = null } = {}) {
  const call = new Call({
    remote: info,
    self: app.role,
    offerer,
    local: app.local,
    iceServers: app.iceServers,
    relayOnly: !!app.opts.relay,
    codec: app.opts.codec,
    jitter: Number(app.opts.jitter) || 0,
    send,
    log,
    onchange: () => {
      render(p);
      if (onchange) onchange(p);
    },
  });
  const p = { call, generation: ++app.generation, pixels: { last: -1, max: -1, samples: 0 }, tile: makeTile(info) };
  app.peers.set(info.id, p);
  render(p);
  return p;
}

// finish takes a last look at a call's stats and frame, then ends it.
async function finish(p, reason) {
  try {
    await p.call.refreshStats();
    samplePixels(p);
  } catch (err) {
    log('warn', `final stats: ${err.message}`);
  }
  p.call.close(reason);
  p.tile.remove();
}

function endAll(reason) {
  for (const p of app.peers.values()) {
    if (!p.call.ended) {
      p.call.close(reason);
      p.tile.remove();
    }
  }
}

// ---- tiles ---------------------------------------------------------------

function makeTile(info) {
  const el = document.createElement('section');
  el.className = 'tile';
  el.innerHTML = '<video autoplay playsinline></video><div class="caption"><span class="state"></span><span class="name"></span><div class="stats"></div></div>';
  $('.name', el).textContent = info.endpoint ? `${info.name} (${info.endpoint} endpoint)` : `${info.name || info.id.slice(0, 8)} (${info.role})`;
  tiles.append(el);
  return el;
}

function render(p) {
  const { call, tile } = p;
  $('.state', tile).textContent = call.ended ? call.endReason : call.pc.connectionState;
  const video = $('video', tile);
  if (call.stream.getTracks().length && video.srcObject !== call.stream) {
    video.srcObject = call.stream;
    play(video, tile);
  }
  $('.stats', tile).textContent = describe(call.stats);
}

// play starts playback with sound when the browser allows it, else muted
// with a button to unmute (autoplay rules want a user gesture for sound).
async function play(video, tile) {
  video.muted = false;
  try {
    await video.play();
  } catch (err) {
    if (err.name !== 'NotAllowedError') return;
    video.muted = true;
    video.play().catch(() => {});
    if ($('button.unmute', tile)) return;
    const b = document.createElement('button');
    b.className = 'unmute';
    b.textContent = 'unmute';
    b.onclick = () => {
      video.muted = false;
      b.remove();
    };
    $('.caption', tile).append(b);
  }
}

function showLocal() {
  const el = document.createElement('section');
  el.className = 'tile local';
  el.innerHTML = '<video autoplay playsinline muted></video><div class="caption"><span class="name"></span><div class="stats"></div></div>';
  $('.name', el).textContent = `${app.name || 'you'} (local)`;
  const video = $('video', el);
  video.muted = true;
  video.srcObject = app.local;
  tiles.prepend(el);
  app.localTile = el;
  const v = app.local.getVideoTracks()[0];
  if (v) {
    const s = v.getSettings();
    $('.stats', el).textContent = `${v.label}: ${s.width}x${s.height} ${s.frameRate} fps`;
  }
}

function samplePixels(p) {
  const v = frameVariance($('video', p.tile), canvas);
  p.pixels.last = v;
  if (v >= 0) p.pixels.samples++;
  p.pixels.max = Math.max(p.pixels.max, v);
}

let ticking = false;
async function tick() {
  if (ticking) return;
  ticking = true;
  try {
    for (const p of app.peers.values()) {
      if (p.call.ended) continue;
      try {
        await p.call.refreshStats();
      } catch (err) {
        if (!p.call.ended) log('warn', `stats: ${err.message}`);
      }
      samplePixels(p);
      render(p);
    }
  } finally {
    ticking = false;
  }
}
setInterval(tick, 500);

// ---- the form ------------------------------------------------------------

function formOpts() {
  const f = new FormData(form);
  return {
    room: String(f.get('room') || '').trim(),
    name: String(f.get('name') || '').trim(),
    mode: String(f.get('mode')),
    video: f.get('video') === 'on',
    audio: f.get('audio') === 'on',
    relay: f.get('relay') === 'on',
    codec: String(f.get('codec') || ''),
    jitter: Number(f.get('jitter')) || 0,
    token: String(f.get('token') || '').trim(),
    servers: String(f.get('servers') || '').trim(),
    endpoint: String(f.get('endpoint') || '').trim(),
    bearer: String(f.get('bearer') || '').trim(),
  };
}

function updateButtons() {
  $('#join-button').disabled = busy();
  $('#leave-button').disabled = !busy();
}

// modeChanged shows the fields of the chosen mode: a room's, or an
// endpoint's URL and token; the buttons say Start and Stop for a session.
function modeChanged() {
  const mode = form.elements.mode.value;
  const endpoint = !!endpointKinds[mode];
  form.dataset.mode = mode;
  form.elements.room.required = !endpoint;
  form.elements.endpoint.required = endpoint;
  form.elements.endpoint.placeholder = mode === 'whep' ? 'http://host:port/whep' : 'http://host:port/whip';
  $('#join-button').textContent = endpoint ? 'Start' : 'Join';
  $('#leave-button').textContent = endpoint ? 'Stop' : 'Leave';
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  serial(() => join(formOpts()));
});
form.elements.mode.addEventListener('change', modeChanged);
$('#leave-button').addEventListener('click', () => serial(leave));

const params = new URLSearchParams(location.search);
for (const key of ['room', 'name', 'mode', 'codec', 'jitter', 'token', 'bearer']) {
  if (params.has(key)) form.elements[key].value = params.get(key);
}
if (params.has('url')) form.elements.endpoint.value = params.get('url');
form.elements.servers.value = params.get('servers') || params.get('signal') || '';
for (const key of ['video', 'audio', 'relay']) {
  if (params.has(key)) form.elements[key].checked = !/^(0|false|no|off)$/i.test(params.get(key));
}
modeChanged();

// ---- window.webrtcCli ----------------------------------------------------

function peerState(p) {
  const c = p.call;
  const video = $('video', p.tile);
  return {
    id: c.remote.id,
    name: c.remote.name || '',
    role: c.remote.role,
    generation: p.generation,
    offerer: c.offerer,
    connection: c.pc.connectionState,
    ice: c.pc.iceConnectionState,
    ended: c.ended,
    endReason: c.endReason,
    startedAt: c.startedAt,
    connectedAt: c.connectedAt,
    endedAt: c.endedAt,
    tracks: c.stream.getTracks().map((t) => t.kind),
    candidates: { ...c.candidates },
    jitterBufferTarget: c.pc.getReceivers().map((r) => r.jitterBufferTarget ?? null),
    muted: video.muted,
    iceServers: c.ended ? [] : c.pc.getConfiguration().iceServers || [],
    stats: c.stats,
    pixels: { ...p.pixels },
  };
}

window.webrtcCli = {
  // snapshot is the page's state as plain JSON.
  snapshot() {
    return {
      state: app.state,
      error: app.error,
      id: app.id,
      room: app.room,
      name: app.name,
      mode: app.mode,
      role: app.role,
      resumed: app.resumed,
      server: app.sig ? app.sig.url : '', // the signaling server, or the last one
      iceServers: app.iceServers,
      members: [...app.members.values()],
      local: app.local
        ? app.local.getTracks().map((t) => ({ kind: t.kind, label: t.label, state: t.readyState, settings: t.getSettings() }))
        : [],
      peers: [...app.peers.values()].map(peerState),
      session: app.endpoint ? app.endpoint.state() : null,
      log: logLines.slice(-50),
    };
  },
  // join joins a room, or starts a session with mode whip or whep.
  join: (opts) => serial(() => join(opts)),
  // dropSignaling cuts the signaling connection without a goodbye; the
  // page reconnects and resumes its session, and its calls go on.
  dropSignaling: () => app.sig && app.sig.drop(),
  // leave leaves the room, or stops the session (DELETE).
  leave: () => serial(leave),
  // frameVariance measures the current frame of a peer's tile (by id or
  // name): -1 without a frame, about 0 when blank.
  frameVariance(who) {
    const match = [...app.peers.values()].filter((p) => p.call.remote.id === who || p.call.remote.name === who);
    const p = match.find((q) => !q.call.ended) || match[0];
    return p ? frameVariance($('video', p.tile), canvas) : -1;
  },
};

const startable = params.get('room') || (endpointKinds[params.get('mode')] && params.get('url'));
if (/^(1|true|yes)$/i.test(params.get('autostart') || '') && startable) serial(() => join(formOpts()));
