// This file is long because the sync engine (optimistic queue, acks and
// rollback, catch-up, heartbeat, offline conflicts) shares one state.
// Realtime client for one board, implementing docs/protocol.md:
// - a confirmed replica (what the server has sequenced, up to `seq`) and a
//   queue of pending messages (ops batches, settings, votes) not yet acked;
// - the view the UI shows = confirmed + pending, recomputed when an ack,
//   reject or remote change arrives, so local edits apply at once and a
//   reject rolls back exactly the rejected batch;
// - remote ops/settings/votes/participants applied in seq order;
// - reconnect with backoff and `since`; pending messages are resent (same
//   ids) once the catch-up has reached welcome.seq;
// - the pending queue and the confirmed replica persist in localStorage per
//   board, so edits made offline survive a reload;
// - a heartbeat (ping every 1.5 s, answered by pong) notices a link that
//   stopped answering within 5 s, and the browser's offline event at once;
// - an edit queued while offline to a property that someone else changed
//   after it was made is held and offered to its author ('conflict'), and
//   a text of ours that someone else replaced is reported ('overwritten');
// - on a large board the welcome lists only some participants
//   (participantsPartial): participant(id) and wantParticipants ask the
//   server for the missing entries, once per id per connection.
import { applyOps, touchedIds } from './model.js';
import { mergeSettings, addVote } from './rules.js';
import { uuid, store } from './util.js';

const MAX_FRAME = 256 * 1024;
const MAX_OPS = 500;
const RECONNECT_CODES_GIVE_UP = new Set([4401, 4403, 4404]);
const TEXT_PROPS = ['text', 'title', 'label', 'description'];
const DEAD = 4000; // our own close code for a link that stopped answering
const MAX_ASK = 1000; // ids in one participants request (the server's limit)
const ASK_GAP = 200; // ms between participants requests: they count as edits

export class BoardClient extends EventTarget {
  /**
   * @param {string} boardId
   * @param {string} token
   * @param {object} [opts] {WebSocket, storage, url(boardId, token, since), now()}
   */
  constructor(boardId, token, opts = {}) {
    super();
    this.boardId = boardId;
    this.token = token;
    this.WS = opts.WebSocket || globalThis.WebSocket;
    this.storage = opts.storage || store;
    this.urlFor = opts.url || defaultURL;
    this.now = opts.now || (() => Date.now());
    // {every, dead} in ms: ping that often; nothing heard for `dead` means the link is gone.
    this.heartbeat = opts.heartbeat === undefined ? { every: 1500, dead: 5000 } : opts.heartbeat;
    this.lastHeard = 0;
    this.beat = null;
    this.myTexts = new Map(); // "id\0prop" → the text we last stored there
    this.keyPending = `processkarta.pending.${boardId}`;
    this.keyReplica = `processkarta.replica.${boardId}`;

    this.confirmed = { seq: 0, objects: new Map(), settings: null, votes: null };
    this.haveReplica = false;
    this.objects = new Map(); // the view
    this.settings = null;
    this.votes = null;
    this.participants = [];
    this.byId = new Map(); // participant id → entry of this.participants
    // How many people the board has; on a large board the welcome lists
    // only some of them (docs/protocol.md, "Large boards").
    this.participantCount = 0;
    this.participantsPartial = false;
    this.welcomed = false; // this connection's welcome arrived
    this.resetAsks();
    this.me = null;
    this.board = null;
    this.peers = new Map();
    this.pending = [];
    this.serverOffset = 0;
    this.targetSeq = null; // welcome.seq while catching up
    this.synced = false;
    this.status = 'connecting';
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.presence = { cursor: null, selection: [], editing: null };
    this.presenceDirty = false;
    this.presenceTimer = null;
    this.lastPresenceSent = 0;
    this.saveTimer = null;
    this.load();
  }

  // ---------------------------------------------------------------- storage

  load() {
    try {
      const p = JSON.parse(this.storage.get(this.keyPending) || '[]');
      if (Array.isArray(p)) this.pending = p.filter((m) => m && m.id && m.type);
    } catch { this.pending = []; }
    try {
      const r = JSON.parse(this.storage.get(this.keyReplica) || 'null');
      if (r && typeof r.seq === 'number' && Array.isArray(r.objects)) {
        this.confirmed.seq = r.seq;
        this.confirmed.objects = new Map(r.objects.map((o) => [o.id, o]));
        this.confirmed.settings = r.settings || null;
        this.confirmed.votes = r.votes || null;
        this.setParticipants(r.participants || []);
        this.participantsPartial = !!r.participantsPartial;
        this.participantCount = typeof r.participantCount === 'number' ? r.participantCount : this.participants.length;
        this.me = r.me || null;
        this.board = r.board || null;
        this.haveReplica = true;
      }
    } catch { /* start fresh */ }
    this.rebuild(false);
  }

  savePending() {
    if (this.pending.length) this.storage.set(this.keyPending, JSON.stringify(this.pending));
    else this.storage.del(this.keyPending);
  }

  scheduleSave() {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => { this.saveTimer = null; this.saveReplica(); }, 1000);
  }

  saveReplica() {
    if (!this.haveReplica) return;
    const r = {
      seq: this.confirmed.seq, objects: [...this.confirmed.objects.values()],
      settings: this.confirmed.settings, votes: this.confirmed.votes,
      participants: this.participants, participantCount: this.participantCount, participantsPartial: this.participantsPartial,
      me: this.me, board: this.board,
    };
    if (!this.storage.set(this.keyReplica, JSON.stringify(r))) this.storage.del(this.keyReplica);
  }

  /** Forgets everything kept for this board (after the token was revoked). */
  forget() {
    this.storage.del(this.keyPending);
    this.storage.del(this.keyReplica);
  }

  // ------------------------------------------------------------- connection

  start() {
    this.stopped = false;
    this.connect();
    if (globalThis.addEventListener) {
      this.onOnline = () => { if (!this.ws && !this.stopped && this.status !== 'closed') { this.attempt = 0; clearTimeout(this.timer); this.connect(); } };
      globalThis.addEventListener('online', this.onOnline);
      // The browser knows it lost the network: do not wait for the heartbeat.
      this.onOffline = () => { if (this.ws) this.dead(); };
      globalThis.addEventListener('offline', this.onOffline);
    }
  }

  /** Drops a socket that stopped answering and reconnects (with backoff). */
  dead() {
    const ws = this.ws;
    if (!ws) return;
    ws.onmessage = null; ws.onclose = null; ws.onerror = null;
    try { ws.close(); } catch { /* ignore */ }
    this.closed(DEAD);
  }

  startHeartbeat() {
    clearInterval(this.beat);
    this.beat = null;
    if (!this.heartbeat) return;
    this.lastHeard = this.now();
    this.beat = setInterval(() => this.heartbeatTick(), Math.min(this.heartbeat.every, this.heartbeat.dead / 3));
    if (this.beat && this.beat.unref) this.beat.unref(); // Node (tests): never keep the process up
  }

  /** One beat: drop the link if nothing was heard for too long, else ping. */
  heartbeatTick() {
    if (!this.ws || !this.heartbeat) return;
    if (this.now() - this.lastHeard > this.heartbeat.dead) { this.dead(); return; }
    if (this.ws.readyState === 1) this.sendRaw({ type: 'ping' });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.beat);
    if (this.onOnline) globalThis.removeEventListener('online', this.onOnline);
    if (this.onOffline) globalThis.removeEventListener('offline', this.onOffline);
    if (this.ws) { try { this.ws.close(1000); } catch { /* ignore */ } }
    this.ws = null;
    this.saveReplica();
  }

  /** Reconnects now (after the client gave up, or to skip the backoff). */
  reconnect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    if (this.ws) { try { this.ws.close(1000); } catch { /* ignore */ } this.ws = null; }
    this.connect();
  }

  setStatus(s) {
    if (this.status === s) return;
    this.status = s;
    this.emit('status', { status: s, pending: this.pending.length });
  }

  connect() {
    if (this.stopped) return;
    // While reconnecting the header keeps saying so ("Återansluter…").
    if (this.status !== 'offline') this.setStatus('connecting');
    this.synced = false;
    this.welcomed = false;
    if (globalThis.navigator && globalThis.navigator.onLine === false) {
      // No network: wait for the online event (and retry now and then anyway).
      this.scheduleReconnect(5000);
      return;
    }
    const since = this.haveReplica ? this.confirmed.seq : null;
    let ws;
    try {
      ws = new this.WS(this.urlFor(this.boardId, this.token, since));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => { if (this.ws === ws) { this.lastHeard = this.now(); this.receive(ev.data); } };
    ws.onclose = (ev) => { if (this.ws === ws) this.closed(ev.code, ev.reason); };
    ws.onerror = () => { /* onclose follows */ };
    this.startHeartbeat();
  }

  closed(code) {
    this.ws = null;
    this.welcomed = false;
    clearInterval(this.beat);
    this.beat = null;
    this.synced = false;
    this.peers.clear();
    this.emit('presence', { peers: this.peers });
    if (this.stopped) return;
    if (RECONNECT_CODES_GIVE_UP.has(code)) {
      this.setStatus('closed');
      this.emit('closed', { code });
      return;
    }
    if (code === 1000) {
      this.setStatus('closed');
      this.emit('closed', { code });
      return;
    }
    if (code === 1009 && this.lastSentId) {
      // The server found our last message too large: never resend it.
      const i = this.pending.findIndex((p) => p.id === this.lastSentId);
      if (i >= 0) {
        const [p] = this.pending.splice(i, 1);
        this.savePending();
        this.rebuild(true);
        this.emit('reject', { id: p.id, code: 'too_large', message: '', type: p.type, msg: p });
      }
    }
    this.scheduleReconnect(code === 4429 ? 1000 : 0);
  }

  scheduleReconnect(min = 0) {
    this.setStatus('offline');
    const base = Math.min(10000, 500 * 2 ** this.attempt);
    this.attempt++;
    const delay = Math.max(min, base / 2 + Math.random() * base / 2);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
    this.emit('retry', { delay });
  }

  sendRaw(msg) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(msg));
    if (msg.id) this.lastSentId = msg.id;
    return true;
  }

  /** Sends every pending message, in order (after the catch-up). */
  flush() {
    if (!this.synced) return;
    for (const m of this.pending) {
      if (m.hold) continue;
      if (!this.sendRaw(wire(m))) return;
    }
  }

  serverNow() { return this.now() + this.serverOffset; }

  // --------------------------------------------------------------- incoming

  receive(data) {
    let m;
    try { m = JSON.parse(data); } catch { return; }
    if (!m || typeof m.type !== 'string') return;
    switch (m.type) {
      case 'welcome': this.onWelcome(m); break;
      case 'ack': this.onAck(m); break;
      case 'reject': this.onReject(m); break;
      case 'ops': this.onOps(m); break;
      case 'settings': this.onSettings(m); break;
      case 'votes': this.onVotes(m); break;
      case 'participants': this.onParticipants(m); break;
      case 'presence': this.onPresence(m); break;
      // A facilitator's join code was rotated (maybe by another facilitator);
      // the panels re-render on settings.
      case 'joincode': if (this.board) this.board.joinCode = m.joinCode; this.emitSettings(); break;
      case 'error': this.emit('servererror', { code: m.code, message: m.message }); break;
      case 'pong': break; // heard: that is all a pong says
      default:
    }
  }

  onWelcome(m) {
    this.attempt = 0;
    if (typeof m.now === 'number') this.serverOffset = m.now - this.now();
    this.me = m.you || this.me;
    this.board = m.board || this.board;
    if (Array.isArray(m.objects)) {
      this.confirmed.objects = new Map(m.objects.map((o) => [o.id, o]));
      this.confirmed.seq = m.seq;
    }
    if (m.settings) this.confirmed.settings = m.settings;
    if (m.votes) this.confirmed.votes = m.votes;
    if (Array.isArray(m.participants)) this.setParticipants(m.participants);
    this.participantsPartial = !!m.participantsPartial;
    this.participantCount = typeof m.participantCount === 'number' ? m.participantCount : this.participants.length;
    this.welcomeSeq = m.seq;
    this.welcomeAt = typeof m.now === 'number' ? m.now : this.serverNow();
    // A new connection: what was asked on the last one is asked again when needed.
    this.resetAsks();
    this.welcomed = true;
    this.haveReplica = true;
    this.targetSeq = m.seq;
    this.rebuild(true);
    this.emit('welcome', { full: Array.isArray(m.objects) });
    this.emit('settings', { settings: this.settings });
    this.emit('votes', { votes: this.votes });
    this.emit('participants', { participants: this.participants });
    this.setStatus('syncing');
    this.checkSynced();
    this.scheduleSave();
    for (const p of this.pending) if (p.conflicts) this.emit('conflict', { id: p.id, conflicts: p.conflicts });
  }

  checkSynced() {
    if (this.synced || this.targetSeq === null || this.confirmed.seq < this.targetSeq) return;
    this.synced = true;
    this.setStatus('online');
    this.flush();
    this.sendPresenceNow();
  }

  advance(seq) {
    if (typeof seq === 'number' && seq > this.confirmed.seq) this.confirmed.seq = seq;
  }

  onAck(m) {
    const i = this.pending.findIndex((p) => p.id === m.id);
    const mine = i >= 0 ? this.pending[i] : null;
    const fresh = typeof m.seq !== 'number' || m.seq > this.confirmed.seq;
    if (fresh) {
      const ops = Array.isArray(m.ops) ? m.ops : mine && mine.type === 'ops' ? mine.ops : null;
      if (ops) {
        applyOps(this.confirmed.objects, ops, this.me?.id || '', m.at || this.serverNow());
        for (const op of ops) {
          for (const k of TEXT_PROPS) {
            const v = op.props && op.props[k];
            if (typeof v === 'string' && v.trim()) this.myTexts.set(`${op.id}\0${k}`, v);
          }
        }
      }
    }
    this.advance(m.seq);
    if (mine && fresh) {
      // Keep showing a settings change or a dot until the settings/votes
      // message of the same seq (which follows the ack) brings the truth.
      if (mine.type === 'settings' && this.confirmed.settings) this.confirmed.settings = mergeSettings(this.confirmed.settings, mine.settings, this.serverNow());
      if (mine.type === 'vote' && this.confirmed.votes) this.confirmed.votes = addVote(this.confirmed.votes, mine.target, mine.delta, this.me?.position, this.confirmed.settings?.voting?.anonymous);
    }
    if (mine) {
      this.pending.splice(i, 1);
      this.savePending();
    }
    this.rebuild(true);
    if (mine && mine.type !== 'ops') { this.emitSettings(); this.emitVotes(); }
    this.emit('ack', { id: m.id, seq: m.seq, type: mine?.type });
    this.checkSynced();
    this.scheduleSave();
  }

  onReject(m) {
    if (this.asking.has(m.id)) { this.askRefused(m); return; }
    const i = this.pending.findIndex((p) => p.id === m.id);
    if (i < 0) return;
    const p = this.pending[i];
    if (m.retry) {
      p.hold = true;
      setTimeout(() => { p.hold = false; if (this.pending.includes(p) && this.synced) this.sendRaw(wire(p)); }, 2000);
      return;
    }
    this.pending.splice(i, 1);
    this.savePending();
    this.rebuild(true);
    this.emitSettings();
    this.emitVotes();
    this.emit('reject', { id: m.id, code: m.code, message: m.message, type: p.type, msg: p });
  }

  onOps(m) {
    if (typeof m.seq === 'number' && m.seq <= this.confirmed.seq) return; // already applied
    const at = m.at || this.serverNow();
    const prev = new Map();
    for (const op of m.ops || []) if (!prev.has(op.id)) prev.set(op.id, this.confirmed.objects.get(op.id) || null);
    this.findConflicts(m.ops || [], m.author || '', at);
    applyOps(this.confirmed.objects, m.ops || [], m.author || '', at);
    this.findOverwrites(m.ops || [], m.author || '', prev);
    this.advance(m.seq);
    this.rebuild(true, m.author);
    this.checkSynced();
    this.scheduleSave();
  }

  /**
   * Holds every edit queued while offline that sets a property these
   * (someone else's) ops set after the edit was made, and offers it to
   * its author: `conflict` {id, conflicts:[{id, prop, mine, theirs, author}]}.
   * Until resolveConflict the edit is shown but not sent.
   */
  findConflicts(ops, author, at) {
    if (!author || author === this.me?.id) return;
    for (const p of this.pending) {
      if (p.type !== 'ops' || !p.offline || (p.at || 0) > at) continue;
      const found = [];
      for (const mine of p.ops) {
        if (mine.op !== 'update') continue;
        for (const theirs of ops) {
          if (theirs.id !== mine.id || theirs.op !== 'update') continue;
          for (const k of Object.keys(mine.props || {})) {
            if (!(k in (theirs.props || {}))) continue;
            if (theirs.props[k] === mine.props[k]) continue;
            if (found.some((c) => c.id === mine.id && c.prop === k)) continue;
            found.push({ id: mine.id, prop: k, mine: mine.props[k], theirs: theirs.props[k], author });
          }
        }
      }
      if (!found.length) continue;
      p.hold = true;
      p.conflicts = [...(p.conflicts || []), ...found];
      this.savePending();
      this.emit('conflict', { id: p.id, conflicts: p.conflicts });
    }
  }

  /**
   * Settles a held offline edit: keepMine sends it as it is; else the
   * properties it shares with the other person's change are left out (and
   * what remains is sent).
   */
  resolveConflict(id, keepMine) {
    const p = this.pending.find((x) => x.id === id);
    if (!p || !p.conflicts) return;
    if (!keepMine) {
      for (const c of p.conflicts) {
        for (const op of p.ops) if (op.id === c.id && op.op === 'update' && op.props) delete op.props[c.prop];
      }
      p.ops = p.ops.filter((op) => op.op !== 'update' || Object.keys(op.props || {}).length);
    }
    delete p.conflicts;
    p.hold = false;
    p.offline = false;
    if (!p.ops.length) this.pending.splice(this.pending.indexOf(p), 1);
    this.savePending();
    this.rebuild(true);
    if (p.ops.length && this.synced) this.sendRaw(wire(p));
    this.emit('status', { status: this.status, pending: this.pending.length });
  }

  /**
   * Reports texts of ours that someone else's change replaced (when the
   * new text does not hold ours): `overwritten` {id, prop, mine, theirs,
   * author, before, after}, before and after being the whole object, so
   * that one undo can bring our text back.
   */
  findOverwrites(ops, author, prev) {
    if (!author || author === this.me?.id) return;
    for (const op of ops) {
      if (op.op !== 'update') continue;
      for (const k of TEXT_PROPS) {
        if (!(k in (op.props || {}))) continue;
        const key = `${op.id}\0${k}`;
        const mine = this.myTexts.get(key);
        const before = prev.get(op.id);
        if (mine === undefined || !before || before[k] !== mine) continue;
        this.myTexts.delete(key);
        const theirs = op.props[k] || '';
        if (theirs.includes(mine.trim())) continue; // built on ours: nothing lost
        this.emit('overwritten', { id: op.id, prop: k, mine, theirs, author, before, after: this.confirmed.objects.get(op.id) || null });
      }
    }
  }

  onSettings(m) {
    if (typeof m.seq === 'number' && m.seq < this.confirmed.seq) return;
    this.confirmed.settings = m.settings;
    this.advance(m.seq);
    if (Array.isArray(m.revealed) && m.revealed.length) {
      // A private round ended: its notes, now everyone's.
      for (const o of m.revealed) if (o && o.id) this.confirmed.objects.set(o.id, o);
      this.rebuild(true);
    }
    this.emitSettings();
    this.checkSynced();
    this.scheduleSave();
  }

  onVotes(m) {
    if (typeof m.seq === 'number' && m.seq < this.confirmed.seq) return;
    this.confirmed.votes = m.votes;
    this.advance(m.seq);
    this.emitVotes();
    this.checkSynced();
    this.scheduleSave();
  }

  onParticipants(m) {
    // After the welcome the server sends only who changed (delta: true):
    // entries to add or replace, and the ids that left the board.
    if (this.participantsPartial && m.delta) this.countPartial(m);
    this.setParticipants(m.delta ? mergeParticipants(this.participants, m) : m.participants || []);
    if (!m.delta) this.participantsPartial = false;
    if (!this.participantsPartial) this.participantCount = this.participants.length;
    else this.participantCount = Math.max(this.participantCount, this.participants.length);
    const me = this.me && this.byId.get(this.me.id);
    if (me) this.me = { ...this.me, ...me };
    this.advance(m.seq);
    this.emit('participants', { participants: this.participants });
    this.checkSynced();
    this.scheduleSave();
  }

  setParticipants(list) {
    this.participants = list;
    this.byId = new Map(list.map((p) => [p.id, p]));
  }

  /**
   * Keeps participantCount while the list is partial, before the delta m
   * is merged. Only live changes move it (the welcome's count already holds
   * what a catch-up replays): a new entry is a join unless it joined before
   * our welcome (then it is a role change of someone the list left out), and
   * removed ids leave. An answer to our requests adds entries, not people;
   * the answer to `all` makes the list whole.
   */
  countPartial(m) {
    if (typeof m.seq === 'number') {
      if (m.seq <= (this.welcomeSeq ?? 0)) return;
      for (const p of m.participants || []) {
        if (!this.byId.has(p.id) && (p.joinedAt || 0) >= (this.welcomeAt || 0) - 5000) this.participantCount++;
      }
      this.participantCount -= (m.removed || []).length;
      return;
    }
    if ((m.online || []).length || (m.offline || []).length) return; // who came online: not an answer
    const [id, req] = this.asking.entries().next().value || [];
    if (!id) return;
    this.asking.delete(id);
    for (const x of req.ids || []) this.answered.add(x);
    if (req.all) this.participantsPartial = false;
  }

  /** The entry of participant id, or null; a missing one is asked for (see wantParticipants). */
  participant(id) {
    const p = this.byId.get(id);
    if (p) return p;
    if (id) this.wantParticipants([id]);
    return null;
  }

  /**
   * Whether the entry of id may still come: the list is partial, it is not
   * here, and the server has not answered that it is not on the board.
   */
  awaiting(id) {
    return this.participantsPartial && !!id && !this.byId.has(id) && !this.answered.has(id);
  }

  /**
   * Asks for the entries of ids and resolves once none is awaited any
   * more, or after ms: for a text shown once (a toast, a dialog) that
   * names someone, so that it says the name rather than "Någon".
   */
  whenParticipants(ids, ms = 1500) {
    ids = ids.filter(Boolean);
    this.wantParticipants(ids);
    if (!ids.some((id) => this.awaiting(id))) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); this.removeEventListener('participants', check); resolve(); };
      const check = () => { if (!ids.some((id) => this.awaiting(id))) done(); };
      const timer = setTimeout(done, ms);
      this.addEventListener('participants', check);
    });
  }

  /**
   * Asks the server for the entries of ids that the partial list lacks:
   * once per id per connection, those of one task in one request (sent
   * at the next turn of the event loop, at most one every ASK_GAP ms).
   * Only while connected: not an edit, never queued; asked again when
   * needed after a reconnect. The answer comes as a participants event.
   */
  wantParticipants(ids) {
    if (!this.participantsPartial || !this.welcomed || this.askAll) return;
    for (const id of ids) {
      if (typeof id !== 'string' || !id || this.byId.has(id) || this.askedIds.has(id)) continue;
      this.askedIds.add(id);
      this.askQueue.push(id);
    }
    this.scheduleAsk();
  }

  /** Asks for everyone, once per connection while the list is partial (the participants panel). */
  wantAllParticipants() {
    if (!this.participantsPartial || !this.welcomed || this.askAll) return;
    this.askAll = 'queued';
    this.askQueue = [];
    this.scheduleAsk();
  }

  resetAsks() {
    clearTimeout(this.askTimer);
    this.askTimer = null;
    this.askedIds = new Set(); // asked (or about to be) on this connection
    this.askQueue = [];
    this.askAll = null; // 'queued' | 'sent' | 'answered'
    this.asking = new Map(); // request id → {ids} | {all}, in the order sent
    this.answered = new Set(); // asked ids whose answer came (with them, or without: not on the board)
    this.lastAsk = 0;
  }

  scheduleAsk() {
    if (this.askTimer || (!this.askQueue.length && this.askAll !== 'queued')) return;
    this.askTimer = setTimeout(() => { this.askTimer = null; this.sendAsk(); }, Math.max(0, this.lastAsk + ASK_GAP - this.now()));
  }

  /**
   * A participants request the server refused: asked again a second later
   * when it was only too soon (rate_limited), else not on this connection.
   */
  askRefused(m) {
    const req = this.asking.get(m.id);
    this.asking.delete(m.id);
    if (m.code !== 'rate_limited') return;
    if (req.all) this.askAll = 'queued';
    else this.askQueue.push(...(req.ids || []));
    this.lastAsk = this.now() + 1000 - ASK_GAP;
    this.scheduleAsk();
  }

  sendAsk() {
    if (!this.welcomed || !this.participantsPartial) { this.resetAsks(); return; }
    let req;
    if (this.askAll === 'queued') {
      this.askAll = 'sent';
      this.askQueue = [];
      req = { all: true };
    } else {
      const ids = this.askQueue.splice(0, MAX_ASK).filter((id) => !this.byId.has(id));
      if (ids.length) req = { ids };
    }
    if (req) {
      const id = uuid();
      // Not through sendRaw: lastSentId is for edits (a 1009 drops that one).
      if (!this.ws || this.ws.readyState !== 1) { this.resetAsks(); return; }
      this.ws.send(JSON.stringify({ type: 'participants', id, ...req }));
      this.asking.set(id, req);
      this.lastAsk = this.now();
    }
    this.scheduleAsk();
  }

  onPresence(m) {
    for (const p of m.peers || []) {
      if (!p || !p.participant) continue;
      if (this.me && p.participant === this.me.id) continue;
      if (p.gone) this.peers.delete(p.participant);
      else this.peers.set(p.participant, p);
    }
    this.emit('presence', { peers: this.peers });
  }

  // ------------------------------------------------------------------- view

  /** Recomputes the view = confirmed + pending ops, and says which objects changed. */
  rebuild(notify, author) {
    const next = new Map(this.confirmed.objects);
    const me = this.me?.id || '';
    for (const p of this.pending) if (p.type === 'ops') applyOps(next, p.ops, me, p.at || 0);
    const prev = this.objects;
    this.objects = next;
    this.settings = this.viewSettings();
    this.votes = this.viewVotes();
    if (!notify) return;
    const ids = new Set();
    for (const [id, o] of next) if (prev.get(id) !== o) ids.add(id);
    for (const id of prev.keys()) if (!next.has(id)) ids.add(id);
    if (ids.size) this.emit('change', { ids, author });
  }

  viewSettings() {
    const base = this.confirmed.settings;
    if (!base) return null;
    let s = base;
    for (const p of this.pending) if (p.type === 'settings') s = mergeSettings(s, p.settings, this.serverNow());
    return s;
  }

  viewVotes() {
    const base = this.confirmed.votes;
    if (!base) return null;
    const mine = this.pending.filter((p) => p.type === 'vote');
    if (!mine.length) return base;
    let v = base;
    for (const p of mine) v = addVote(v, p.target, p.delta, this.me?.position, this.confirmed.settings?.voting?.anonymous);
    return v;
  }

  emitSettings() { this.settings = this.viewSettings(); this.emit('settings', { settings: this.settings }); }
  emitVotes() { this.votes = this.viewVotes(); this.emit('votes', { votes: this.votes }); }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  /** Whether this participant may edit now (as far as the client knows). */
  canEdit() {
    if (!this.me) return true;
    if (this.me.role === 'facilitator') return true;
    if (this.me.role === 'observer') return false;
    return !(this.settings && this.settings.locked);
  }

  isFacilitator() { return this.me?.role === 'facilitator'; }

  // --------------------------------------------------------------- outgoing

  enqueue(m) {
    if (JSON.stringify(wire(m)).length > MAX_FRAME) {
      this.emit('reject', { id: m.id, code: 'too_large', message: '', type: m.type, msg: m });
      return false;
    }
    // Made without a live link: others may change the same thing meanwhile.
    if (!this.synced) m.offline = true;
    this.pending.push(m);
    this.savePending();
    if (this.synced) this.sendRaw(wire(m));
    this.emit('status', { status: this.status, pending: this.pending.length });
    return true;
  }

  /**
   * Applies ops locally at once and queues them for the server. Returns
   * {before, after}: Maps id → object (or null) of every object the ops
   * touched (cascades included), for undo. Returns null when not allowed.
   */
  submitOps(ops) {
    if (!ops.length) return null;
    if (!this.canEdit()) {
      this.emit('reject', { id: '', code: this.me?.role === 'observer' ? 'forbidden' : 'locked', message: '', type: 'ops' });
      return null;
    }
    const before = new Map();
    const next = new Map(this.objects);
    const at = this.serverNow();
    for (const op of ops) {
      for (const id of touchedIds(next, op)) if (!before.has(id)) before.set(id, next.get(id) || null);
      applyOps(next, [op], this.me?.id || '', at);
    }
    const after = new Map();
    for (const id of before.keys()) after.set(id, next.get(id) || null);
    for (let i = 0; i < ops.length; i += MAX_OPS) {
      this.enqueue({ id: uuid(), type: 'ops', ops: ops.slice(i, i + MAX_OPS), at });
    }
    this.rebuild(true, this.me?.id);
    return { before, after };
  }

  /** Sends a partial settings object (facilitators only). */
  submitSettings(patch) {
    if (!this.enqueue({ id: uuid(), type: 'settings', settings: patch })) return;
    this.emitSettings();
  }

  /** Places (1) or takes back (-1) a dot. */
  vote(target, delta) {
    if (!this.enqueue({ id: uuid(), type: 'vote', target, delta })) return;
    this.emitVotes();
  }

  /** Sets presence fields; sent at most 10 times a second. */
  setPresence(p) {
    Object.assign(this.presence, p);
    this.presenceDirty = true;
    if (this.presenceTimer) return;
    const wait = Math.max(0, this.lastPresenceSent + 100 - this.now());
    this.presenceTimer = setTimeout(() => { this.presenceTimer = null; this.sendPresenceNow(); }, wait);
  }

  sendPresenceNow() {
    if (!this.synced) return;
    this.presenceDirty = false;
    this.lastPresenceSent = this.now();
    const m = { type: 'presence', cursor: this.presence.cursor, selection: this.presence.selection, editing: this.presence.editing };
    // A followed facilitator's view (follow me) goes with every presence.
    if (this.presence.view) m.view = this.presence.view;
    this.sendRaw(m);
  }
}

/**
 * Applies a participants delta: changed entries replace those with the same
 * id where they stand, new ones join at the end (the order of joining),
 * removed ids leave, and online/offline ids change only that. Returns a new
 * array.
 */
export function mergeParticipants(list, d) {
  const gone = new Set(d.removed || []);
  const out = list.filter((p) => !gone.has(p.id));
  const at = new Map(out.map((p, i) => [p.id, i]));
  for (const p of d.participants || []) {
    if (at.has(p.id)) out[at.get(p.id)] = p;
    else { at.set(p.id, out.length); out.push(p); }
  }
  for (const [ids, online] of [[d.online || [], true], [d.offline || [], false]]) {
    for (const id of ids) if (at.has(id)) out[at.get(id)] = { ...out[at.get(id)], online };
  }
  return out;
}

function wire(m) {
  switch (m.type) {
    case 'ops': return { type: 'ops', id: m.id, ops: m.ops };
    case 'settings': return { type: 'settings', id: m.id, settings: m.settings };
    case 'vote': return { type: 'vote', id: m.id, target: m.target, delta: m.delta };
    default: return m;
  }
}

function defaultURL(boardId, token, since) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let u = `${proto}//${location.host}/api/boards/${encodeURIComponent(boardId)}/ws?token=${encodeURIComponent(token)}`;
  if (since !== null && since !== undefined) u += `&since=${since}`;
  return u;
}
