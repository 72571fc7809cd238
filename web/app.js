// pdu2mqtt web page. Vanilla ES2020, no build step, no external resources.
// Everything that comes from a PDU or the bridge is inserted with textContent, never as HTML.
'use strict';

(() => {
  // ---------------------------------------------------------------- helpers

  const $ = (id) => document.getElementById(id);
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // el('div', {class: 'x', 'data-testid': 'y'}, child, 'text', ...)
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null) continue;
      node.append(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }

  function svg(paths, cls) {
    const s = document.createElementNS(SVG_NS, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    if (cls) s.setAttribute('class', cls);
    for (const p of paths) {
      const node = document.createElementNS(SVG_NS, p.tag || 'path');
      for (const [k, v] of Object.entries(p)) if (k !== 'tag') node.setAttribute(k, v);
      s.append(node);
    }
    return s;
  }

  const lockIcon = () =>
    svg([
      { tag: 'rect', x: '5', y: '10.5', width: '14', height: '10', rx: '2.2', fill: 'currentColor' },
      { d: 'M8 10.5V7.8a4 4 0 0 1 8 0v2.7', fill: 'none', stroke: 'currentColor', 'stroke-width': '2.2', 'stroke-linecap': 'round' },
    ], 'lock');

  const rebootIcon = () =>
    svg([
      { d: 'M20 12a8 8 0 1 1-2.35-5.65', fill: 'none', stroke: 'currentColor', 'stroke-width': '2.2', 'stroke-linecap': 'round' },
      { d: 'M20 4v5h-5', fill: 'none', stroke: 'currentColor', 'stroke-width': '2.2', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' },
    ]);

  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const fmt = (v, digits) => (isNum(v) ? v.toFixed(digits) : null);

  function setText(node, text) {
    const t = text === undefined || text === null ? '' : String(text);
    if (node.textContent !== t) node.textContent = t;
  }

  function setAttr(node, name, value) {
    const v = String(value);
    if (node.getAttribute(name) !== v) node.setAttribute(name, v);
  }

  function outletState(o) {
    const s = o && typeof o.state === 'string' ? o.state.toUpperCase() : '';
    return s === 'ON' || s === 'OFF' ? s : 'UNKNOWN';
  }

  async function postJson(path, body) {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Requested-By': 'pdu2mqtt' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    let data = null;
    const text = await res.text();
    try {
      data = text ? JSON.parse(text) : null;
    } catch (_) {
      data = null;
    }
    return { status: res.status, data, text };
  }

  // The message of an HTTP error answer, word for word when it has one.
  function httpError(r) {
    if (r.data && typeof r.data.error === 'string') return r.data.error;
    const t = (r.text || '').trim();
    return t ? `HTTP ${r.status}: ${t.slice(0, 300)}` : `HTTP ${r.status}`;
  }

  // ---------------------------------------------------------------- model

  const app = {
    bridge: null,
    pdus: new Map(), // id -> PDU, in the bridge's order
    cards: new Map(), // id -> card refs
    pending: new Map(), // "id/n" -> { topics: Set, timer, label }
    messages: new Map(), // "id/n" -> { text, kind }
    gotSnapshot: false,
    stream: null,
    streamUp: false,
  };

  const key = (id, n) => `${id}/${n}`;
  const baseTopic = () => (app.bridge && app.bridge.base_topic) || 'pdu2mqtt';
  const pageReadOnly = () => !!(app.bridge && app.bridge.read_only);
  const pduReadOnly = (pdu) => pageReadOnly() || !!pdu.read_only;
  const isProtected = (pdu, n) => Array.isArray(pdu.protected_outlets) && pdu.protected_outlets.includes(n);

  // ---------------------------------------------------------------- bridge / banners

  function renderBridge() {
    const b = app.bridge;
    if (b) {
      setText($('version'), b.version ? `v${String(b.version).replace(/^v/, '')}` : '');
      const mqtt = $('pill-mqtt');
      mqtt.hidden = false;
      setAttr(mqtt, 'data-state', b.mqtt_connected ? 'up' : 'down');
      setText(mqtt, b.mqtt_connected ? 'MQTT connected' : 'MQTT offline');
      $('banner-mqtt').hidden = b.mqtt_connected !== false;
      $('pill-readonly').hidden = !b.read_only;
      $('connect').hidden = !!b.read_only;
    } else {
      $('connect').hidden = true;
    }
  }

  function renderStream() {
    const pill = $('pill-stream');
    if (app.streamUp) {
      setAttr(pill, 'data-state', 'up');
      setText(pill, 'live');
    } else {
      setAttr(pill, 'data-state', app.stream ? 'down' : 'connecting');
      setText(pill, app.stream ? 'reconnecting…' : 'connecting…');
    }
    // Only after a first failure: a page that is still loading is not "disconnected".
    $('banner-stream').hidden = app.streamUp || !app.streamFailed;
  }

  // ---------------------------------------------------------------- PDU cards

  function ensureCard(id) {
    let c = app.cards.get(id);
    if (c) return c;
    const name = el('h2', { 'data-testid': `name-${id}` });
    const sub = el('p', { class: 'subtle', 'data-testid': `info-${id}` });
    const badge = el('span', { class: 'badge', 'data-testid': `availability-${id}` });
    const roBadge = el('span', { class: 'badge badge-muted', 'data-testid': `readonly-${id}`, hidden: true }, 'read-only');
    const head = el('div', { class: 'card-head' },
      el('div', { class: 'card-title' }, name, sub),
      el('div', { class: 'badges' }, roBadge, badge));
    const stats = el('div', { class: 'stats', 'data-testid': `stats-${id}` });
    const note = el('p', { class: 'empty', hidden: true });
    const outlets = el('div', { class: 'outlets', 'data-testid': `outlets-${id}` });
    const message = el('p', { class: 'card-message', 'data-testid': `message-${id}`, role: 'status', 'aria-live': 'polite', hidden: true });
    const root = el('section', { class: 'card pdu', 'data-testid': `pdu-${id}`, 'data-pdu': id, 'aria-labelledby': `pdu-title-${id}` },
      head, stats, note, outlets, message);
    name.id = `pdu-title-${id}`;
    c = { id, root, name, sub, badge, roBadge, stats, note, outlets, message, tiles: new Map() };
    app.cards.set(id, c);
    return c;
  }

  function placeCards() {
    const container = $('pdus');
    const loading = $('pdus-loading');
    let prev = null;
    for (const id of app.pdus.keys()) {
      const c = app.cards.get(id);
      if (!c) continue;
      const want = prev ? prev.nextSibling : container.firstChild;
      if (want !== c.root) container.insertBefore(c.root, want);
      prev = c.root;
    }
    if (app.pdus.size === 0) {
      loading.hidden = false;
      setText(loading, app.gotSnapshot ? 'No PDUs in the bridge yet. Connect one below, or add it to the configuration file.' : 'Loading…');
      container.append(loading);
    } else {
      loading.hidden = true;
    }
  }

  function stat(label, value, extra) {
    const v = el('div', { class: 'stat-value' });
    v.append(value);
    if (extra) v.append(extra);
    return el('div', { class: 'stat' }, el('div', { class: 'stat-label' }, label), v);
  }

  function renderStats(c, pdu) {
    const s = pdu.state;
    const items = [];
    if (s) {
      const input = s.input || {};
      const volts = fmt(input.voltage, 1);
      const hz = fmt(input.frequency, 1);
      const inputNode = el('span', { 'data-testid': `voltage-${pdu.id}` }, volts !== null ? `${volts} V` : '—');
      items.push(stat('Input', inputNode, hz !== null ? el('small', {}, `${hz} Hz`) : null));
      const total = s.total || {};
      const parts = [];
      if (isNum(total.current)) parts.push(`${total.current.toFixed(2)} A`);
      if (isNum(total.power)) parts.push(`${Math.round(total.power)} W`);
      if (parts.length) {
        const energy = isNum(total.energy) ? el('small', {}, `${total.energy.toFixed(1)} kWh`) : null;
        items.push(stat('Total', el('span', {}, parts.join(' · ')), energy));
      }
      for (const b of Array.isArray(s.banks) ? s.banks : []) {
        const cur = fmt(b.current_a, 1);
        const load = typeof b.load_state === 'string' ? b.load_state : 'unknown';
        items.push(stat(`Bank ${b.number}`,
          el('span', { 'data-testid': `bank-${pdu.id}-${b.number}-current` }, cur !== null ? `${cur} A` : '—'),
          el('span', { class: 'load', 'data-load': load, 'data-testid': `bank-${pdu.id}-${b.number}-load` }, load)));
      }
    }
    // Rebuilt each time: a handful of nodes, and no focusable element inside.
    c.stats.replaceChildren(...items);
    c.stats.hidden = items.length === 0;
  }

  function renderPdu(pdu) {
    const c = ensureCard(pdu.id);
    const s = pdu.state;
    const ident = (s && s.identity) || {};
    const available = !!pdu.available;
    setAttr(c.root, 'data-available', available ? 'true' : 'false');
    setAttr(c.root, 'data-read-only', pduReadOnly(pdu) ? 'true' : 'false');
    setText(c.name, pdu.name || ident.name || pdu.id);
    const info = [pdu.id];
    if (ident.model) info.push(ident.model);
    if (pdu.host) info.push(pdu.host);
    if (ident.serial) info.push(`S/N ${ident.serial}`);
    if (ident.firmware) info.push(`firmware ${ident.firmware}`);
    setText(c.sub, info.join(' · '));
    setText(c.badge, available ? 'online' : 'offline');
    setAttr(c.badge, 'class', `badge ${available ? 'badge-online' : 'badge-offline'}`);
    c.roBadge.hidden = !pduReadOnly(pdu) || pageReadOnly();
    renderStats(c, pdu);

    const outlets = s && Array.isArray(s.outlets) ? s.outlets : [];
    if (!s) {
      c.note.hidden = false;
      setText(c.note, available ? 'Reading the PDU…' : 'The PDU has not answered yet.');
    } else {
      c.note.hidden = outlets.length > 0;
      setText(c.note, 'This PDU has no switched outlets.');
    }
    const seen = new Set();
    let prev = null;
    for (const o of outlets) {
      const n = o.number;
      seen.add(n);
      const t = ensureTile(c, pdu.id, n);
      renderTile(t, pdu, o);
      const want = prev ? prev.nextSibling : c.outlets.firstChild;
      if (want !== t.root) c.outlets.insertBefore(t.root, want);
      prev = t.root;
    }
    for (const [n, t] of c.tiles) {
      if (!seen.has(n)) {
        t.root.remove();
        c.tiles.delete(n);
      }
    }
    c.outlets.hidden = outlets.length === 0;
  }

  function ensureTile(c, id, n) {
    let t = c.tiles.get(n);
    if (t) return t;
    const lamp = el('span', { class: 'lamp', 'data-testid': `lamp-${id}-${n}`, role: 'img' });
    const name = el('span', { class: 'tile-name', 'data-testid': `tile-name-${id}-${n}` });
    const lock = lockIcon();
    lock.setAttribute('data-testid', `lock-${id}-${n}`);
    const lockWrap = el('span', { class: 'lock-wrap', title: 'Protected outlet: it can be switched on, never off or rebooted' }, lock);
    const meta = el('div', { class: 'tile-meta', 'data-testid': `tile-meta-${id}-${n}` });
    const metering = el('div', { class: 'metering', 'data-testid': `metering-${id}-${n}` });
    const sw = el('button', { type: 'button', class: 'switch', 'data-testid': `switch-${id}-${n}`, 'aria-pressed': 'false' });
    const swText = el('span', { class: 'switch-text', 'aria-hidden': 'true' });
    const reboot = el('button', { type: 'button', class: 'btn btn-small', 'data-testid': `reboot-${id}-${n}` }, rebootIcon(), 'Reboot');
    const controls = el('div', { class: 'controls', 'data-testid': `controls-${id}-${n}` },
      el('div', { class: 'switch-wrap' }, sw, swText), reboot);
    const message = el('div', { class: 'tile-message', 'data-testid': `message-${id}-${n}`, role: 'status', 'aria-live': 'polite' });
    const root = el('article', { class: 'tile', 'data-testid': `outlet-${id}-${n}`, 'data-outlet': n, 'data-busy': 'false' },
      el('div', { class: 'tile-head' }, lamp, name, lockWrap), meta, metering, controls, message);
    t = { root, lamp, name, lockWrap, meta, metering, sw, swText, reboot, controls, message, state: 'UNKNOWN' };
    sw.addEventListener('click', () => onSwitch(id, n));
    reboot.addEventListener('click', () => onReboot(id, n));
    c.tiles.set(n, t);
    return t;
  }

  function renderTile(t, pdu, o) {
    const id = pdu.id;
    const n = o.number;
    const state = outletState(o);
    const prot = isProtected(pdu, n);
    const busy = app.pending.has(key(id, n));
    const label = o.name || `Outlet ${n}`;
    t.state = state;
    t.label = label;
    setAttr(t.root, 'data-state', state);
    setAttr(t.root, 'data-protected', prot ? 'true' : 'false');
    setAttr(t.root, 'data-busy', busy ? 'true' : 'false');
    setAttr(t.root, 'aria-busy', busy ? 'true' : 'false');
    setAttr(t.lamp, 'data-state', state);
    setAttr(t.lamp, 'aria-label', state === 'UNKNOWN' ? 'state unknown' : state);
    setAttr(t.lamp, 'title', state === 'UNKNOWN' ? 'state unknown' : state);
    setText(t.name, label);
    setAttr(t.name, 'title', label);
    t.lockWrap.hidden = !prot;

    const meta = [`#${n}`];
    // Without the switch (read-only) the state is said in words next to the lamp's colour.
    if (pduReadOnly(pdu)) meta.push(state === 'UNKNOWN' ? 'state unknown' : state);
    if (isNum(o.bank)) meta.push(`bank ${o.bank}`);
    if (prot) meta.push('protected');
    if (o.command_pending) meta.push('command pending on the PDU');
    setText(t.meta, meta.join(' · '));

    const m = [];
    if (isNum(o.current)) m.push([o.current.toFixed(2), 'A', 'current']);
    if (isNum(o.power)) m.push([String(Math.round(o.power)), 'W', 'power']);
    if (isNum(o.energy)) m.push([o.energy.toFixed(2), 'kWh', 'energy']);
    const mKey = m.map((x) => x.join(' ')).join('|');
    if (t.mKey !== mKey) {
      t.mKey = mKey;
      t.metering.replaceChildren(...m.map(([v, unit, what]) =>
        el('span', { 'data-testid': `${what}-${id}-${n}` }, el('b', {}, v), el('i', {}, unit))));
    }
    t.metering.hidden = m.length === 0;

    const ro = pduReadOnly(pdu);
    t.controls.hidden = ro;
    const offline = !pdu.available;
    const on = state === 'ON';
    setAttr(t.sw, 'aria-pressed', on ? 'true' : 'false');
    setText(t.swText, state === 'UNKNOWN' ? '?' : state);
    // Protected: switching on is allowed, switching off never.
    const swDisabled = ro || busy || offline || (prot && on);
    t.sw.disabled = swDisabled;
    setAttr(t.sw, 'aria-label', `${label} (outlet ${n}) power`);
    setAttr(t.sw, 'title', prot && on ? 'Protected: cannot be switched off'
      : offline ? 'PDU offline' : on ? 'Switch off' : 'Switch on');
    t.reboot.disabled = ro || busy || offline || prot;
    setAttr(t.reboot, 'aria-label', `Reboot ${label} (outlet ${n})`);
    setAttr(t.reboot, 'title', prot ? 'Protected: cannot be rebooted' : offline ? 'PDU offline' : 'Reboot (off, then on)');

    const msg = app.messages.get(key(id, n));
    setText(t.message, msg ? msg.text : '');
    setAttr(t.message, 'data-kind', msg ? msg.kind : '');
  }

  function rerenderTile(id, n) {
    const pdu = app.pdus.get(id);
    const c = app.cards.get(id);
    if (!pdu || !c || !pdu.state) return;
    const o = (pdu.state.outlets || []).find((x) => x.number === n);
    const t = c.tiles.get(n);
    if (o && t) renderTile(t, pdu, o);
  }

  function renderAll() {
    renderBridge();
    for (const pdu of app.pdus.values()) renderPdu(pdu);
    placeCards();
  }

  function setCardMessage(id, text, kind) {
    const c = app.cards.get(id);
    if (!c) return;
    c.message.hidden = !text;
    setText(c.message, text);
    setAttr(c.message, 'data-kind', kind || '');
  }

  // ---------------------------------------------------------------- commands

  function finish(id, n, text, kind) {
    const k = key(id, n);
    const p = app.pending.get(k);
    if (p) {
      clearTimeout(p.timer);
      app.pending.delete(k);
    }
    app.messages.set(k, { text, kind });
    rerenderTile(id, n);
  }

  async function sendCommand(id, n, body, label) {
    const k = key(id, n);
    if (app.pending.has(k)) return;
    const p = {
      // The set topic is known in advance: an error event may overtake the 202 answer.
      topics: new Set([`${baseTopic()}/${id}/outlet/${n}/set`]),
      timer: setTimeout(() => {
        if (app.pending.get(k) === p) finish(id, n, `${label}: no result from the bridge within 2 minutes`, 'error');
      }, 120000),
    };
    app.pending.set(k, p);
    app.messages.set(k, { text: `${label}…`, kind: 'busy' });
    rerenderTile(id, n);
    try {
      const r = await postJson(`/api/pdus/${encodeURIComponent(id)}/outlets/${n}`, body);
      if (app.pending.get(k) !== p) return; // the outcome already arrived
      if (r.status === 202) {
        if (r.data && typeof r.data.topic === 'string') p.topics.add(r.data.topic);
      } else {
        finish(id, n, httpError(r), 'error');
      }
    } catch (e) {
      if (app.pending.get(k) === p) finish(id, n, `request failed: ${e && e.message ? e.message : e}`, 'error');
    }
  }

  function findTile(id, n) {
    const c = app.cards.get(id);
    return c ? c.tiles.get(n) : null;
  }

  function onSwitch(id, n) {
    const t = findTile(id, n);
    if (!t) return;
    const target = t.state === 'ON' ? 'OFF' : 'ON';
    sendCommand(id, n, { state: target }, target === 'ON' ? 'switching on' : 'switching off');
  }

  function onReboot(id, n) {
    const t = findTile(id, n);
    const pdu = app.pdus.get(id);
    if (!t || !pdu) return;
    const pduName = pdu.name || id;
    confirmDialog({
      title: 'Reboot outlet?',
      text: `“${t.label}” (outlet ${n} on ${pduName}) will be switched off and back on. Whatever it powers loses power for a few seconds.`,
      confirm: 'Reboot',
    }).then((ok) => {
      if (ok) sendCommand(id, n, { state: 'REBOOT', confirm: true }, 'rebooting');
    });
  }

  // ---------------------------------------------------------------- modal

  let modalResolve = null;
  function confirmDialog({ title, text, confirm }) {
    const d = $('modal');
    if (modalResolve) closeModal(false);
    setText($('modal-title'), title);
    setText($('modal-text'), text);
    setText($('modal-confirm'), confirm);
    return new Promise((resolve) => {
      modalResolve = resolve;
      if (typeof d.showModal === 'function') d.showModal();
      else d.setAttribute('open', '');
      $('modal-cancel').focus();
    });
  }
  function closeModal(result) {
    const d = $('modal');
    const r = modalResolve;
    modalResolve = null;
    if (d.open) {
      if (typeof d.close === 'function') d.close();
      else d.removeAttribute('open');
    }
    if (r) r(result);
  }

  // ---------------------------------------------------------------- events

  function applySnapshot(data) {
    if (!data || typeof data !== 'object') return;
    app.gotSnapshot = true;
    if (data.bridge) app.bridge = data.bridge;
    const next = new Map();
    for (const p of Array.isArray(data.pdus) ? data.pdus : []) if (p && p.id) next.set(p.id, p);
    for (const id of app.cards.keys()) if (!next.has(id)) dropCard(id);
    app.pdus = next;
    renderAll();
  }

  function dropCard(id) {
    const c = app.cards.get(id);
    if (c) c.root.remove();
    app.cards.delete(id);
    for (const k of [...app.pending.keys()]) {
      if (k.startsWith(`${id}/`)) {
        clearTimeout(app.pending.get(k).timer);
        app.pending.delete(k);
      }
    }
  }

  function onPdu(p) {
    if (!p || !p.id) return;
    app.pdus.set(p.id, p);
    renderPdu(p);
    placeCards();
  }

  function onRemoved(data) {
    if (!data || !data.id) return;
    app.pdus.delete(data.id);
    dropCard(data.id);
    placeCards();
  }

  function resultText(r) {
    const cmd = typeof r.command === 'string' ? r.command : 'command';
    if (!r.ok) return typeof r.error === 'string' && r.error ? r.error : `${cmd} failed`;
    const ms = !isNum(r.latency_ms) ? '' : r.latency_ms < 1000 ? ` in ${Math.round(r.latency_ms)} ms`
      : ` in ${(r.latency_ms / 1000).toFixed(1)} s`;
    if (r.pending) return `${cmd} accepted, pending on the PDU${ms}`;
    const st = typeof r.state === 'string' ? ` (now ${r.state})` : '';
    return `${cmd} confirmed${st}${ms}`;
  }

  function onResult(r) {
    if (!r || !r.pdu || !isNum(r.outlet)) return;
    // The bridge read the outlet back: show it now, the next state confirms it anyway.
    const pdu = app.pdus.get(r.pdu);
    if (r.ok && pdu && pdu.state && Array.isArray(pdu.state.outlets) && (r.state === 'ON' || r.state === 'OFF')) {
      const o = pdu.state.outlets.find((x) => x.number === r.outlet);
      if (o) o.state = r.state;
    }
    finish(r.pdu, r.outlet, resultText(r), r.ok ? 'ok' : 'error');
  }

  function onError(e) {
    if (!e || typeof e.error !== 'string') return;
    const id = e.pdu;
    // A command of this page?
    for (const [k, p] of app.pending) {
      if (p.topics.has(e.topic) && (!id || k.startsWith(`${id}/`))) {
        const n = Number(k.slice(k.lastIndexOf('/') + 1));
        finish(k.slice(0, k.lastIndexOf('/')), n, e.error, 'error');
        return;
      }
    }
    // Someone else's command on an outlet's set topic: show it on that tile.
    if (id && typeof e.topic === 'string') {
      const prefix = `${baseTopic()}/${id}/outlet/`;
      if (e.topic.startsWith(prefix)) {
        const rest = e.topic.slice(prefix.length);
        const m = /^(\d+)\/set$/.exec(rest);
        if (m && findTile(id, Number(m[1]))) {
          finish(id, Number(m[1]), e.error, 'error');
          return;
        }
      }
      setCardMessage(id, e.error, 'error');
    }
  }

  function parse(ev) {
    try {
      return JSON.parse(ev.data);
    } catch (_) {
      return null;
    }
  }

  function connectStream() {
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/events');
    app.stream = es;
    es.addEventListener('open', () => {
      app.streamUp = true;
      app.streamFailed = false;
      renderStream();
    });
    es.addEventListener('error', (ev) => {
      // The bridge's own "error" events land here too, with data: onError handles those.
      if (ev && typeof ev.data === 'string') {
        onError(parse(ev));
        return;
      }
      app.streamUp = false;
      app.streamFailed = true;
      renderStream();
      // EventSource reconnects by itself, except after a non-200 answer: then it closes.
      if (es.readyState === EventSource.CLOSED) {
        setTimeout(() => {
          if (app.stream === es) connectStream();
        }, 3000);
      }
    });
    es.addEventListener('snapshot', (ev) => applySnapshot(parse(ev)));
    es.addEventListener('pdu', (ev) => onPdu(parse(ev)));
    es.addEventListener('removed', (ev) => onRemoved(parse(ev)));
    es.addEventListener('result', (ev) => onResult(parse(ev)));
    es.addEventListener('bridge', (ev) => {
      const b = parse(ev);
      if (!b) return;
      const roChanged = !app.bridge || !!app.bridge.read_only !== !!b.read_only;
      app.bridge = b;
      if (roChanged) renderAll();
      else renderBridge();
    });
  }

  async function loadInitialState() {
    try {
      const res = await fetch('/api/state', { credentials: 'same-origin', cache: 'no-store' });
      if (!res.ok) return;
      const data = await res.json();
      if (!app.gotSnapshot) applySnapshot(data); // the stream's snapshot is newer
    } catch (_) {
      /* the event stream will bring it */
    }
  }

  // ---------------------------------------------------------------- connect form

  const form = {
    seq: 0, // each probe's number: an answer to an older probe is dropped
    probed: null, // {host, port, community, result}
  };

  function setConnectState(state) {
    const label = { idle: 'waiting for an address', connecting: 'connecting', connected: 'connected' }[state];
    const node = $('connect-state');
    setAttr(node, 'data-state', state);
    setText(node, label);
    $('probe').hidden = state !== 'connected';
    updateConnectButton(state);
  }

  function updateConnectButton(state) {
    const s = state || $('connect-state').getAttribute('data-state');
    const btn = $('connect-submit');
    btn.disabled = $('connect-address').value.trim() === '' || s === 'connecting';
    setText(btn, s === 'connected' ? 'Read again' : 'Connect');
  }

  function showConnectError(text) {
    const node = $('connect-error');
    node.hidden = !text;
    setText(node, text || '');
  }

  function resetConnect() {
    form.seq++;
    form.probed = null;
    setConnectState('idle');
  }

  function probeTarget() {
    const host = $('connect-address').value.trim();
    const portText = $('connect-port').value.trim();
    const port = portText === '' ? 161 : Number(portText);
    const community = $('connect-community').value;
    return { host, port, community: community === '' ? 'public' : community };
  }

  async function probe() {
    const target = probeTarget();
    if (!target.host) return;
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
      showConnectError('port: a number from 1 to 65535');
      return;
    }
    const seq = ++form.seq;
    form.probed = null;
    showConnectError('');
    $('added').hidden = true;
    setConnectState('connecting');
    let r;
    try {
      r = await postJson('/api/probe', target);
    } catch (e) {
      r = { status: 0, data: null, text: `request failed: ${e && e.message ? e.message : e}` };
    }
    if (seq !== form.seq) return; // the address changed meanwhile
    const d = r.data;
    if (r.status === 200 && d && d.ok === true) {
      form.probed = { ...target, result: d };
      showProbe(d);
      setConnectState('connected');
    } else {
      setConnectState('idle');
      if (r.status === 200 && d && typeof d.error === 'string') showConnectError(d.error);
      else if (r.status === 0) showConnectError(r.text);
      else showConnectError(httpError(r));
    }
  }

  function showProbe(d) {
    setText($('probe-name'), d.name || '—');
    setText($('probe-model'), d.model || '—');
    setText($('probe-serial'), d.serial || '—');
    const outlets = Array.isArray(d.outlets) ? d.outlets : [];
    setText($('probe-count'), String(outlets.length));
    $('probe-outlets').replaceChildren(...outlets.map((o) => {
      const st = outletState(o);
      return el('li', { 'data-testid': `probe-outlet-${o.number}`, 'data-state': st },
        el('span', { class: 'lamp', 'data-state': st, role: 'img', 'aria-label': st, title: st }),
        el('span', { class: 'tile-meta' }, `#${o.number}`),
        el('span', {}, o.name || `Outlet ${o.number}`));
    }));
    $('connect-id').value = typeof d.suggested_id === 'string' ? d.suggested_id : '';
    $('connect-name').value = typeof d.name === 'string' ? d.name : '';
  }

  async function addPdu() {
    const p = form.probed;
    if (!p) return;
    const body = { host: p.host, port: p.port, community: p.community };
    const id = $('connect-id').value.trim();
    const name = $('connect-name').value.trim();
    const write = $('connect-write-community').value;
    if (id) body.id = id;
    if (name) body.name = name;
    if (write !== '') body.write_community = write;
    const btn = $('connect-add');
    btn.disabled = true;
    showConnectError('');
    let r;
    try {
      r = await postJson('/api/pdus', body);
    } catch (e) {
      r = { status: 0, data: null, text: `request failed: ${e && e.message ? e.message : e}` };
    } finally {
      btn.disabled = false;
    }
    if (r.status === 201) {
      const newId = (r.data && r.data.id) || id;
      const entry = { id: newId };
      if (name) entry.name = name;
      entry.host = p.host;
      entry.port = p.port;
      entry.snmp = { community: p.community };
      if (write !== '') entry.snmp.write_community = write;
      setText($('added-text'), `Added “${newId}”: the bridge polls it until it restarts. To keep it, add this to "pdus" in the configuration file:`);
      setText($('connect-snippet'), JSON.stringify(entry, null, 2));
      $('added').hidden = false;
      setText($('snippet-copy'), 'Copy');
    } else {
      showConnectError(r.status === 0 ? r.text : httpError(r));
    }
  }

  function setupConnect() {
    const onEdit = () => {
      showConnectError('');
      if ($('connect-state').getAttribute('data-state') !== 'idle' || form.probed) resetConnect();
      else updateConnectButton();
    };
    for (const f of ['connect-address', 'connect-port', 'connect-community']) $(f).addEventListener('input', onEdit);
    $('connect-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      probe();
    });
    $('add-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      addPdu();
    });
    $('snippet-copy').addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText($('connect-snippet').textContent);
        setText($('snippet-copy'), 'Copied');
      } catch (_) {
        const range = document.createRange();
        range.selectNodeContents($('connect-snippet'));
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        setText($('snippet-copy'), 'Selected: press Ctrl+C');
      }
    });
    setConnectState('idle');
  }

  // ---------------------------------------------------------------- start

  function start() {
    $('modal-cancel').addEventListener('click', () => closeModal(false));
    $('modal-confirm').addEventListener('click', () => closeModal(true));
    $('modal').addEventListener('cancel', (ev) => {
      ev.preventDefault();
      closeModal(false);
    });
    $('modal').addEventListener('click', (ev) => {
      if (ev.target === $('modal')) closeModal(false); // a click on the backdrop
    });
    setupConnect();
    renderBridge();
    renderStream();
    connectStream();
    loadInitialState();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
