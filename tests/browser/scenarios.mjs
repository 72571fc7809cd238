#!/usr/bin/env node
// Browser scenarios for the built-in web page (docs/web.md), driven by Playwright against a
// running `pdu2mqtt run` whose web page polls simulated PDUs.
//
//   node tests/browser/scenarios.mjs <scenario>     exit 0: passed, 1: failed, 2: usage
//   node tests/browser/scenarios.mjs --list         the scenario names, one a line
//
// Environment:
//   PDU2MQTT_WEB_URL               the page, e.g. http://127.0.0.1:8080/ (required)
//   PDU2MQTT_PDU_ID                the configured PDU's id (required except connect_form)
//   PDU2MQTT_SIM_ENDPOINT          its simulator, "127.0.0.1:PORT" (read "public", write "private")
//   PDU2MQTT_SIM_PID               the simulator's pid (outage_offline)
//   PDU2MQTT_OUTLETS               its outlet count (lists_outlets, read_only)
//   PDU2MQTT_PROTECTED_OUTLET      one of its protected outlets (protected_locked; skipped by
//                                  click_switches)
//   PDU2MQTT_SECOND_SIM_ENDPOINT   a simulator not in the configuration (connect_form)
//   PDU2MQTT_DEAD_ENDPOINT         an address nothing answers on (connect_form; default 127.0.0.1:9)
//   PDU2MQTT_SCREENSHOT            where the screenshot scenario writes its PNG
//   PDU2MQTT_COLOR_SCHEME          light (default) or dark, for the screenshot
//   PDU2MQTT_WEB_USER / PDU2MQTT_WEB_PASSWORD   basic auth, when the page has a password
//   PDU2MQTT_PLAYWRIGHT_DIR        where playwright-core is installed
//                                  (default ~/.cache/pdu2mqtt/playwright)
//   PDU2MQTT_CHROMIUM              the browser (default /usr/bin/chromium)
//   PDU2MQTT_BROWSER_TIMEOUT_S     overall limit of a scenario (default 60)
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const OVERALL_TIMEOUT_MS = (Number(process.env.PDU2MQTT_BROWSER_TIMEOUT_S) || 60) * 1000;
const ENTERPRISE = '.1.3.6.1.4.1.3808.1.1.3';
const OID_OUTLET_STATUS = `${ENTERPRISE}.3.5.1.1.4`; // ePDUOutletStatusOutletState: 1 on, 2 off
const OID_OUTLET_CONTROL = `${ENTERPRISE}.3.3.1.1.4`; // ePDUOutletControlOutletCommand
const OID_OUTLET_COUNT = `${ENTERPRISE}.3.1.3.0`; // ePDUOutletDevNumCntrlOutlets

// ------------------------------------------------------------------ failures and waiting

class ScenarioFailure extends Error {}

function fail(what, expected, seen) {
  throw new ScenarioFailure(`${what}\n  expected: ${expected}\n  saw:      ${seen}`);
}

function check(cond, what, expected, seen) {
  if (!cond) fail(what, expected, seen);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Calls probe() until it returns {ok: true}; fails with the last thing it saw.
async function waitFor(what, expected, timeoutMs, probe, intervalMs = 150) {
  const deadline = Date.now() + timeoutMs;
  let last = '(nothing yet)';
  for (;;) {
    try {
      const r = await probe();
      if (r.ok) return r;
      last = r.seen;
    } catch (e) {
      if (e instanceof ScenarioFailure) throw e;
      last = `error: ${e.message.split('\n')[0]}`;
    }
    if (Date.now() >= deadline) fail(what, `${expected} within ${timeoutMs / 1000} s`, last);
    await sleep(intervalMs);
  }
}

function env(name, fallback) {
  const v = process.env[name];
  if (v !== undefined && v !== '') return v;
  if (fallback !== undefined) return fallback;
  throw new ScenarioFailure(`environment variable ${name} is required for this scenario`);
}

function envInt(name) {
  const v = Number(env(name));
  if (!Number.isInteger(v) || v < 1) throw new ScenarioFailure(`${name}: a positive integer, not "${process.env[name]}"`);
  return v;
}

// ------------------------------------------------------------------ SNMP (net-snmp tools)

const snmpEnv = { ...process.env, MIBS: '', MIBDIRS: '' };

function snmpget(endpoint, oid) {
  try {
    return execFileSync('snmpget', ['-v2c', '-c', 'public', '-On', '-Oqv', '-m', '', '-t', '1', '-r', '2', endpoint, oid], {
      env: snmpEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000,
    }).trim();
  } catch (e) {
    throw new ScenarioFailure(`snmpget ${endpoint} ${oid} failed: ${(e.stderr || e.message || '').toString().trim()}`);
  }
}

function snmpset(endpoint, oid, value) {
  try {
    execFileSync('snmpset', ['-v2c', '-c', 'private', '-On', '-Oq', '-m', '', '-t', '1', '-r', '2', endpoint, oid, 'i', String(value)], {
      env: snmpEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000,
    });
  } catch (e) {
    throw new ScenarioFailure(`snmpset ${endpoint} ${oid} i ${value} failed: ${(e.stderr || e.message || '').toString().trim()}`);
  }
}

// The outlet's state as the PDU reports it: "ON", "OFF" or the raw answer.
function pduOutletState(endpoint, n) {
  const raw = snmpget(endpoint, `${OID_OUTLET_STATUS}.${n}`).replace(/^"|"$/g, '');
  if (raw === '1' || /^outletStatusOn/i.test(raw) || /\(1\)$/.test(raw)) return 'ON';
  if (raw === '2' || /^outletStatusOff/i.test(raw) || /\(2\)$/.test(raw)) return 'OFF';
  return `unexpected answer "${raw}"`;
}

async function waitPduOutlet(endpoint, n, want, timeoutMs = 5000) {
  await waitFor(`outlet ${n} on the PDU (snmpget ${endpoint})`, want, timeoutMs, async () => {
    const s = pduOutletState(endpoint, n);
    return { ok: s === want, seen: s };
  }, 250);
}

// ------------------------------------------------------------------ page helpers

const tid = (id) => `[data-testid="${id}"]`;

async function attr(page, testid, name) {
  return page.locator(tid(testid)).first().getAttribute(name, { timeout: 1000 });
}

async function openPage(page) {
  const url = env('PDU2MQTT_WEB_URL');
  const res = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 15_000 });
  if (!res) fail(`loading ${url}`, 'an HTTP answer', 'none');
  check(res.status() === 200, `loading ${url}`, 'status 200', `status ${res.status()}`);
  return url;
}

async function waitCardAvailable(page, id, want = 'true', timeoutMs = 15_000) {
  await waitFor(`card pdu-${id} data-available`, `"${want}"`, timeoutMs, async () => {
    const n = await page.locator(tid(`pdu-${id}`)).count();
    if (n === 0) return { ok: false, seen: `no element ${tid(`pdu-${id}`)} on the page` };
    const v = await attr(page, `pdu-${id}`, 'data-available');
    return { ok: v === want, seen: `data-available="${v}"` };
  });
}

// The outlet tiles of a card: [data-testid="outlet-<id>-<n>"] inside [data-testid="pdu-<id>"].
function tiles(page, id) {
  return page.locator(`${tid(`pdu-${id}`)} [data-testid^="outlet-${id}-"][data-state]`);
}

async function tileNumbers(page, id) {
  const ids = await tiles(page, id).evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
  const prefix = `outlet-${id}-`;
  return ids.filter((t) => t.startsWith(prefix) && /^\d+$/.test(t.slice(prefix.length))).map((t) => Number(t.slice(prefix.length)));
}

async function waitTileCount(page, id, want, timeoutMs = 10_000) {
  return waitFor(`number of outlet tiles in card pdu-${id}`, String(want), timeoutMs, async () => {
    const nums = await tileNumbers(page, id);
    return { ok: nums.length === want, seen: `${nums.length} (${nums.join(', ') || 'none'})`, nums };
  });
}

async function waitLamp(page, id, n, want, timeoutMs = 10_000) {
  await waitFor(`lamp ${tid(`lamp-${id}-${n}`)} data-state`, `"${want}"`, timeoutMs, async () => {
    const v = await attr(page, `lamp-${id}-${n}`, 'data-state');
    return { ok: v === want, seen: `data-state="${v}"` };
  });
}

// Records every value an attribute (or the text) of an element takes, from now on.
async function recordChanges(page, testid, attribute) {
  await page.evaluate(([sel, a]) => {
    const node = document.querySelector(sel);
    if (!node) throw new Error(`no element ${sel}`);
    window.__recorded = window.__recorded || {};
    const list = (window.__recorded[sel + '|' + a] = []);
    const read = () => (a === '#text' ? node.textContent.trim() : node.getAttribute(a));
    list.push(read());
    const obs = new MutationObserver(() => {
      const v = read();
      if (list[list.length - 1] !== v) list.push(v);
    });
    obs.observe(node, { attributes: a !== '#text', attributeFilter: a !== '#text' ? [a] : undefined, childList: true, characterData: true, subtree: true });
  }, [tid(testid), attribute]);
}

async function recorded(page, testid, attribute) {
  return page.evaluate((k) => (window.__recorded && window.__recorded[k]) || [], `${tid(testid)}|${attribute}`);
}

function includesInOrder(list, wanted) {
  let i = 0;
  for (const v of list) if (i < wanted.length && v === wanted[i]) i++;
  return i === wanted.length;
}

// POST from inside the page, as a script on the page could (same origin, same credentials).
async function forcedPost(page, urlPath, body, withHeader = true) {
  return page.evaluate(async ([p, b, h]) => {
    const headers = { 'Content-Type': 'application/json' };
    if (h) headers['X-Requested-By'] = 'pdu2mqtt';
    const r = await fetch(p, { method: 'POST', headers, body: JSON.stringify(b) });
    return { status: r.status, text: await r.text() };
  }, [urlPath, body, withHeader]);
}

// ------------------------------------------------------------------ scenarios

let stoppedPid = null; // a SIGSTOPped simulator: continued whatever happens

async function lists_outlets(page) {
  const id = env('PDU2MQTT_PDU_ID');
  const endpoint = env('PDU2MQTT_SIM_ENDPOINT');
  const count = envInt('PDU2MQTT_OUTLETS');
  await openPage(page);
  await waitCardAvailable(page, id);
  const { nums } = await waitTileCount(page, id, count);
  const sorted = [...nums].sort((a, b) => a - b);
  check(sorted.every((n, i) => n === i + 1), `outlet numbers in card pdu-${id}`, `1..${count}`, sorted.join(', '));
  for (const n of nums) {
    const onPdu = pduOutletState(endpoint, n);
    check(onPdu === 'ON' || onPdu === 'OFF', `outlet ${n} on the PDU`, 'ON or OFF', onPdu);
    await waitLamp(page, id, n, onPdu, 5000);
    const name = (await page.locator(tid(`outlet-${id}-${n}`)).innerText()).trim();
    check(name.length > 0, `tile outlet-${id}-${n}`, 'a name on the tile', 'an empty tile');
    await waitFor(`tile outlet-${id}-${n} data-state`, `"${onPdu}"`, 2000, async () => {
      const v = await attr(page, `outlet-${id}-${n}`, 'data-state');
      return { ok: v === onPdu, seen: `data-state="${v}"` };
    });
  }
  return `${count} tiles, lamps equal to the PDU's outlet states`;
}

async function pickOutlet(page, id, endpoint, exclude) {
  const prot = process.env.PDU2MQTT_PROTECTED_OUTLET ? Number(process.env.PDU2MQTT_PROTECTED_OUTLET) : null;
  const nums = (await tileNumbers(page, id)).sort((a, b) => a - b);
  const candidates = [];
  for (const n of nums) {
    if (n === prot || exclude.includes(n)) continue;
    if ((await attr(page, `outlet-${id}-${n}`, 'data-protected')) === 'true') continue;
    candidates.push(n);
  }
  if (candidates.length === 0) fail(`an unprotected outlet in card pdu-${id}`, 'one besides ' + JSON.stringify(exclude), `tiles ${nums.join(', ')}`);
  for (const n of candidates) if (pduOutletState(endpoint, n) === 'ON') return n;
  // None is on: switch the first one on from outside, and let the page catch up.
  const n = candidates[0];
  snmpset(endpoint, `${OID_OUTLET_CONTROL}.${n}`, 1);
  await waitPduOutlet(endpoint, n, 'ON', 5000);
  await waitLamp(page, id, n, 'ON', 10_000);
  return n;
}

async function clickAndExpect(page, id, endpoint, n, want) {
  const sw = page.locator(tid(`switch-${id}-${n}`));
  await waitFor(`switch ${tid(`switch-${id}-${n}`)}`, 'visible and enabled', 5000, async () => {
    const visible = await sw.isVisible();
    const enabled = visible && (await sw.isEnabled());
    return { ok: visible && enabled, seen: visible ? 'disabled' : 'not visible' };
  });
  const pressedBefore = await sw.getAttribute('aria-pressed');
  check(pressedBefore === (want === 'ON' ? 'false' : 'true'), `aria-pressed of switch-${id}-${n} before the click`,
    want === 'ON' ? '"false"' : '"true"', `"${pressedBefore}"`);
  await recordChanges(page, `outlet-${id}-${n}`, 'data-busy');
  await sw.click();
  await waitLamp(page, id, n, want, 10_000);
  await waitFor(`tile outlet-${id}-${n} data-busy`, '"false" once the result arrived', 10_000, async () => {
    const v = await attr(page, `outlet-${id}-${n}`, 'data-busy');
    return { ok: v === 'false', seen: `data-busy="${v}"` };
  });
  const busy = await recorded(page, `outlet-${id}-${n}`, 'data-busy');
  check(busy.includes('true'), `tile outlet-${id}-${n} while the command was in flight`, 'data-busy="true" at some point',
    `data-busy values ${JSON.stringify(busy)}`);
  const msg = page.locator(tid(`message-${id}-${n}`));
  const kind = await msg.getAttribute('data-kind');
  const text = (await msg.innerText()).trim();
  check(kind !== 'error', `message on tile outlet-${id}-${n} after switching ${want}`, 'no error', `error "${text}"`);
  check(text.length > 0, `message on tile outlet-${id}-${n} after switching ${want}`, 'the result', 'nothing');
  await waitPduOutlet(endpoint, n, want, 3000);
  const pressed = await sw.getAttribute('aria-pressed');
  check(pressed === (want === 'ON' ? 'true' : 'false'), `aria-pressed of switch-${id}-${n}`, want === 'ON' ? '"true"' : '"false"', `"${pressed}"`);
}

async function click_switches(page) {
  const id = env('PDU2MQTT_PDU_ID');
  const endpoint = env('PDU2MQTT_SIM_ENDPOINT');
  await openPage(page);
  await waitCardAvailable(page, id);
  await waitFor(`outlet tiles in card pdu-${id}`, 'at least two', 10_000, async () => {
    const nums = await tileNumbers(page, id);
    return { ok: nums.length >= 2, seen: `${nums.length}` };
  });
  const n = await pickOutlet(page, id, endpoint, []);
  await waitLamp(page, id, n, 'ON', 10_000);
  await clickAndExpect(page, id, endpoint, n, 'OFF');
  await clickAndExpect(page, id, endpoint, n, 'ON');

  // The lamp follows the PDU: another outlet switched from outside, no reload.
  const m = await pickOutlet(page, id, endpoint, [n]);
  await waitLamp(page, id, m, 'ON', 10_000);
  const marker = await page.evaluate(() => (window.__noReload = Math.random()));
  snmpset(endpoint, `${OID_OUTLET_CONTROL}.${m}`, 2);
  try {
    await waitPduOutlet(endpoint, m, 'OFF', 5000);
    await waitLamp(page, id, m, 'OFF', 10_000);
  } finally {
    snmpset(endpoint, `${OID_OUTLET_CONTROL}.${m}`, 1);
  }
  await waitPduOutlet(endpoint, m, 'ON', 5000);
  await waitLamp(page, id, m, 'ON', 10_000);
  const same = await page.evaluate(() => window.__noReload);
  check(same === marker, 'the page while the outlet changed from outside', 'no reload', 'the page was reloaded');
  return `outlet ${n} switched OFF and ON from the page; outlet ${m}'s lamp followed an outside snmpset`;
}

async function protected_locked(page) {
  const id = env('PDU2MQTT_PDU_ID');
  const endpoint = env('PDU2MQTT_SIM_ENDPOINT');
  const p = envInt('PDU2MQTT_PROTECTED_OUTLET');
  await openPage(page);
  await waitCardAvailable(page, id);
  await waitFor(`tile ${tid(`outlet-${id}-${p}`)}`, 'present', 10_000, async () => {
    const c = await page.locator(tid(`outlet-${id}-${p}`)).count();
    return { ok: c === 1, seen: `${c} such elements` };
  });
  if (pduOutletState(endpoint, p) !== 'ON') {
    snmpset(endpoint, `${OID_OUTLET_CONTROL}.${p}`, 1);
    await waitPduOutlet(endpoint, p, 'ON', 5000);
  }
  await waitLamp(page, id, p, 'ON', 10_000);

  const prot = await attr(page, `outlet-${id}-${p}`, 'data-protected');
  check(prot === 'true', `data-protected of tile outlet-${id}-${p}`, '"true"', `"${prot}"`);
  const lock = page.locator(tid(`lock-${id}-${p}`));
  check(await lock.isVisible(), `lock icon ${tid(`lock-${id}-${p}`)}`, 'visible', 'not visible');
  // ... and only there: an unprotected outlet shows none.
  for (const n of await tileNumbers(page, id)) {
    if (n === p || (await attr(page, `outlet-${id}-${n}`, 'data-protected')) === 'true') continue;
    const other = page.locator(tid(`lock-${id}-${n}`));
    const visible = (await other.count()) > 0 && (await other.isVisible());
    check(!visible, `lock icon of the unprotected outlet ${n}`, 'not visible', 'visible');
    break;
  }
  const sw = page.locator(tid(`switch-${id}-${p}`));
  check((await sw.count()) === 1, `switch ${tid(`switch-${id}-${p}`)}`, 'present', 'absent');
  check(await sw.isDisabled(), `switch of the protected outlet ${p} while it is ON`, 'disabled', 'enabled');
  const reboot = page.locator(tid(`reboot-${id}-${p}`));
  if ((await reboot.count()) > 0) check(await reboot.isDisabled(), `reboot button of the protected outlet ${p}`, 'disabled', 'enabled');

  // A forced OFF gets through the HTTP API and is refused by the bridge.
  const r = await forcedPost(page, `/api/pdus/${encodeURIComponent(id)}/outlets/${p}`, { state: 'OFF' });
  check(r.status === 202, `forced POST {"state":"OFF"} to the protected outlet ${p}`, 'status 202', `status ${r.status} ${r.text}`);
  await waitFor(`message on tile outlet-${id}-${p}`, 'an error containing "protected"', 10_000, async () => {
    const msg = page.locator(tid(`message-${id}-${p}`));
    const text = (await msg.innerText()).trim();
    return { ok: text.includes('protected'), seen: text ? `"${text}"` : 'no message' };
  });
  await sleep(1000);
  const still = pduOutletState(endpoint, p);
  check(still === 'ON', `protected outlet ${p} on the PDU after the refused OFF`, 'ON', still);
  const lamp = await attr(page, `lamp-${id}-${p}`, 'data-state');
  check(lamp === 'ON', `lamp of the protected outlet ${p}`, '"ON"', `"${lamp}"`);
  return `outlet ${p} locked, its forced OFF refused on the tile, still ON on the PDU`;
}

async function outage_offline(page) {
  const id = env('PDU2MQTT_PDU_ID');
  const pid = envInt('PDU2MQTT_SIM_PID');
  await openPage(page);
  await waitCardAvailable(page, id);
  const badge = page.locator(tid(`pdu-${id}`)).getByText('online', { exact: true });
  check(await badge.isVisible(), `card pdu-${id} while the PDU answers`, 'the text "online"', 'no such text');
  try {
    process.kill(pid, 'SIGSTOP');
    stoppedPid = pid;
    await waitCardAvailable(page, id, 'false', 15_000);
    await waitFor(`card pdu-${id}`, 'the visible text "offline"', 3000, async () => {
      const b = page.locator(tid(`pdu-${id}`)).getByText('offline', { exact: true });
      const ok = (await b.count()) > 0 && (await b.first().isVisible());
      return { ok, seen: `card text: ${JSON.stringify((await page.locator(tid(`pdu-${id}`)).innerText()).slice(0, 200))}` };
    });
    // Visibly offline: the card is greyed.
    const greyed = await page.locator(tid(`pdu-${id}`)).evaluate((card) => {
      const parts = [card, ...card.querySelectorAll('.outlets, .stats')];
      return parts.some((e) => {
        const s = getComputedStyle(e);
        return Number(s.opacity) < 1 || /grayscale/.test(s.filter);
      });
    });
    check(greyed, `card pdu-${id} while offline`, 'greyed (grayscale or opacity)', 'full colour');
  } finally {
    if (stoppedPid !== null) {
      process.kill(pid, 'SIGCONT');
      stoppedPid = null;
    }
  }
  await waitCardAvailable(page, id, 'true', 15_000);
  const back = page.locator(tid(`pdu-${id}`)).getByText('online', { exact: true });
  check(await back.isVisible(), `card pdu-${id} after the PDU came back`, 'the text "online"', 'no such text');
  return 'offline within 15 s of SIGSTOP, online again after SIGCONT';
}

function splitEndpoint(name, fallback) {
  const v = env(name, fallback);
  const i = v.lastIndexOf(':');
  if (i <= 0) throw new ScenarioFailure(`${name}: HOST:PORT, not "${v}"`);
  return { host: v.slice(0, i), port: v.slice(i + 1), text: v };
}

async function connectState(page) {
  return ((await page.locator(tid('connect-state')).innerText()) || '').trim();
}

async function waitConnectState(page, want, timeoutMs) {
  await waitFor('connect-state', `"${want}"`, timeoutMs, async () => {
    const s = await connectState(page);
    return { ok: s === want, seen: `"${s}"` };
  });
}

async function connect_form(page) {
  const second = splitEndpoint('PDU2MQTT_SECOND_SIM_ENDPOINT');
  const dead = splitEndpoint('PDU2MQTT_DEAD_ENDPOINT', '127.0.0.1:9');
  await openPage(page);
  const form = page.locator(tid('connect'));
  await waitFor('the "Connect to a PDU" form', 'visible', 10_000, async () => ({ ok: await form.isVisible(), seen: 'hidden' }));
  await waitConnectState(page, 'waiting for an address', 2000);
  const submit = page.locator(tid('connect-submit'));
  check(await submit.isDisabled(), 'the Connect button with an empty address', 'disabled', 'enabled');

  // Probe the second simulator.
  const expectedOutlets = Number(snmpget(second.text, OID_OUTLET_COUNT));
  await page.locator(tid('connect-address')).fill(second.host);
  await page.locator(tid('connect-port')).fill(second.port);
  await recordChanges(page, 'connect-state', '#text');
  await submit.click();
  await waitConnectState(page, 'connected', 20_000);
  let states = await recorded(page, 'connect-state', '#text');
  check(includesInOrder(states, ['connecting', 'connected']), 'connect-state while probing',
    '"connecting" then "connected"', JSON.stringify(states));
  const probeOutlets = page.locator(`${tid('probe-outlets')} [data-testid^="probe-outlet-"]`);
  const shown = await probeOutlets.count();
  check(shown === expectedOutlets, 'outlets listed after the probe', `${expectedOutlets} (ePDUOutletDevNumCntrlOutlets)`, String(shown));
  const lampStates = await probeOutlets.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
  check(lampStates.every((s) => s === 'ON' || s === 'OFF'), 'states of the probed outlets', 'ON or OFF each', JSON.stringify(lampStates));
  const model = (await page.locator(tid('probe-model')).innerText()).trim();
  check(model.length > 0 && model !== '—', 'model after the probe', 'the PDU model', `"${model}"`);
  const suggested = await page.locator(tid('connect-id')).inputValue();
  check(suggested.length > 0, 'id field after the probe', 'prefilled with suggested_id', 'empty');

  // Editing the address goes back to waiting.
  await page.locator(tid('connect-address')).fill(`${second.host}0`);
  await waitConnectState(page, 'waiting for an address', 2000);
  check(!(await page.locator(tid('connect-add')).isVisible()), '"Add to bridge" after the address changed', 'hidden', 'visible');

  // Probe again and add it.
  await page.locator(tid('connect-address')).fill(second.host);
  await recordChanges(page, 'connect-state', '#text');
  await submit.click();
  await waitConnectState(page, 'connected', 20_000);
  states = await recorded(page, 'connect-state', '#text');
  check(includesInOrder(states, ['connecting', 'connected']), 'connect-state while probing again',
    '"connecting" then "connected"', JSON.stringify(states));
  await page.locator(tid('connect-id')).fill('added');
  await page.locator(tid('connect-add')).click();
  await waitFor('the JSON snippet after "Add to bridge"', 'visible, with id "added"', 10_000, async () => {
    const err = page.locator(tid('connect-error'));
    if (await err.isVisible()) fail('"Add to bridge"', 'success (201)', `error "${(await err.innerText()).trim()}"`);
    const snip = page.locator(tid('connect-snippet'));
    if (!(await snip.isVisible())) return { ok: false, seen: 'no snippet' };
    const text = await snip.innerText();
    let entry;
    try {
      entry = JSON.parse(text);
    } catch (_) {
      return { ok: false, seen: `not JSON: ${text}` };
    }
    const ok = entry.id === 'added' && entry.host === second.host && String(entry.port) === second.port;
    return { ok, seen: text.replace(/\s+/g, ' ') };
  });
  await waitCardAvailable(page, 'added', 'true', 20_000);
  await waitTileCount(page, 'added', expectedOutlets, 15_000);

  // A PDU that does not answer: connecting, then back to waiting with the error.
  await page.locator(tid('connect-address')).fill(dead.host);
  await page.locator(tid('connect-port')).fill(dead.port);
  await waitConnectState(page, 'waiting for an address', 2000);
  await recordChanges(page, 'connect-state', '#text');
  await submit.click();
  await waitFor('connect-state after probing a dead address', '"waiting for an address" with an error shown', 30_000, async () => {
    const s = await connectState(page);
    const err = page.locator(tid('connect-error'));
    const errText = (await err.isVisible()) ? (await err.innerText()).trim() : '';
    return { ok: s === 'waiting for an address' && errText.length > 0, seen: `state "${s}", error "${errText}"` };
  });
  states = await recorded(page, 'connect-state', '#text');
  check(includesInOrder(states, ['connecting', 'waiting for an address']), 'connect-state while probing a dead address',
    '"connecting" then "waiting for an address"', JSON.stringify(states));
  check(!states.includes('connected'), 'connect-state while probing a dead address', 'never "connected"', JSON.stringify(states));
  return `probed ${second.text} (${expectedOutlets} outlets), added it as "added"; ${dead.text} refused with an error`;
}

async function read_only(page) {
  const id = env('PDU2MQTT_PDU_ID');
  const count = envInt('PDU2MQTT_OUTLETS');
  await openPage(page);
  await waitCardAvailable(page, id);
  await waitTileCount(page, id, count);
  await sleep(300); // let a late "bridge" event settle
  const enabled = await page.locator('[data-testid^="switch-"], [data-testid^="reboot-"]').evaluateAll((els) =>
    els.filter((e) => !e.disabled && e.offsetParent !== null).map((e) => e.getAttribute('data-testid')));
  check(enabled.length === 0, 'switch and reboot buttons in read-only mode', 'none visible and enabled', enabled.join(', '));
  const form = page.locator(tid('connect'));
  const formVisible = (await form.count()) > 0 && (await form.isVisible());
  check(!formVisible, 'the "Connect to a PDU" form in read-only mode', 'absent or hidden', 'visible');
  const r = await forcedPost(page, `/api/pdus/${encodeURIComponent(id)}/outlets/1`, { state: 'OFF' });
  check(r.status === 403, 'forced POST in read-only mode', 'status 403', `status ${r.status} ${r.text}`);
  const p = await forcedPost(page, '/api/pdus', { host: '127.0.0.1' });
  check(p.status === 403, 'forced POST /api/pdus in read-only mode', 'status 403', `status ${p.status} ${p.text}`);
  return `${count} tiles without controls, POSTs refused with 403`;
}

async function screenshot(page) {
  const id = env('PDU2MQTT_PDU_ID');
  const file = env('PDU2MQTT_SCREENSHOT');
  await page.setViewportSize({ width: 1280, height: 900 });
  await openPage(page);
  await waitCardAvailable(page, id);
  await waitFor(`outlet tiles in card pdu-${id}`, 'at least one', 10_000, async () => {
    const n = (await tileNumbers(page, id)).length;
    return { ok: n > 0, seen: String(n) };
  });
  await page.evaluate(() => document.fonts && document.fonts.ready);
  await sleep(600); // transitions
  await page.screenshot({ path: file, fullPage: true });
  return `wrote ${file}`;
}

// An outlet named like markup (names are typed on the PDU's own web page, by anyone with its
// admin password): the tile must show the text as text, and nothing in it may run.
async function hostile_names(page) {
  const id = env('PDU2MQTT_PDU_ID');
  const endpoint = env('PDU2MQTT_SIM_ENDPOINT');
  const n = 2;
  // At most 31 characters: the PDU's name column is that long.
  const hostile = '<img src=x onerror=__p=1><b>';
  const nameOid = `${ENTERPRISE}.3.4.1.1.2.${n}`; // ePDUOutletConfigOutletName
  try {
    execFileSync('snmpset', ['-v2c', '-c', 'private', '-m', '', endpoint, nameOid, 's', hostile], {
      env: snmpEnv, stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000,
    });
  } catch (e) {
    throw new ScenarioFailure(`snmpset of the outlet name failed: ${(e.stderr || e.message || '').toString().trim()}`);
  }
  await openPage(page);
  await waitCardAvailable(page, id);
  const tile = page.locator(tid(`outlet-${id}-${n}`));
  await waitFor(`tile outlet-${id}-${n} text`, 'the name shown literally', 15_000, async () => {
    const text = await tile.innerText();
    return { ok: text.includes(hostile), seen: JSON.stringify(text.slice(0, 120)) };
  });
  const injected = await tile.locator('img, [onerror]').count();
  check(injected === 0, `elements inside tile outlet-${id}-${n}`, 'no <img> from the name', `${injected}`);
  const pwned = await page.evaluate(() => window.__p);
  check(pwned === undefined, 'window.__p', 'undefined (no script ran)', String(pwned));
  return 'a markup-like outlet name is shown as text and runs nothing';
}

const SCENARIOS = { lists_outlets, click_switches, protected_locked, outage_offline, connect_form, read_only, screenshot, hostile_names };

// ------------------------------------------------------------------ main

async function main() {
  const arg = process.argv[2];
  if (arg === '--list') {
    for (const name of Object.keys(SCENARIOS)) console.log(name);
    return 0;
  }
  if (!arg || !Object.hasOwn(SCENARIOS, arg)) {
    console.error(`usage: node tests/browser/scenarios.mjs <scenario> | --list\nscenarios: ${Object.keys(SCENARIOS).join(', ')}`);
    return 2;
  }

  const pwDir = process.env.PDU2MQTT_PLAYWRIGHT_DIR || path.join(process.env.HOME || os.homedir(), '.cache/pdu2mqtt/playwright');
  let chromium;
  try {
    const require = createRequire(path.join(pwDir, 'node_modules', 'playwright-core', 'package.json'));
    ({ chromium } = require(path.join(pwDir, 'node_modules', 'playwright-core')));
  } catch (e) {
    console.error(`FAIL ${arg}: cannot load playwright-core from ${pwDir}/node_modules/playwright-core: ${e.message}\n` +
      `  install it with: npm install --prefix ${pwDir} --no-audit --no-fund playwright-core`);
    return 1;
  }

  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'pdu2mqtt-browser-'));
  let context = null;
  const pageErrors = [];
  let timer = null;
  const cleanup = async () => {
    if (stoppedPid !== null) {
      try { process.kill(stoppedPid, 'SIGCONT'); } catch (_) { /* gone */ }
      stoppedPid = null;
    }
    if (context) {
      const c = context;
      context = null;
      await Promise.race([c.close().catch(() => {}), sleep(5000)]);
    }
    rmSync(userDataDir, { recursive: true, force: true });
  };
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), OVERALL_TIMEOUT_MS);
  });

  const run = (async () => {
    const options = {
      executablePath: process.env.PDU2MQTT_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
      colorScheme: process.env.PDU2MQTT_COLOR_SCHEME === 'dark' ? 'dark' : 'light',
      timeout: 20_000,
    };
    if (process.env.PDU2MQTT_WEB_USER || process.env.PDU2MQTT_WEB_PASSWORD) {
      options.httpCredentials = { username: process.env.PDU2MQTT_WEB_USER || 'admin', password: process.env.PDU2MQTT_WEB_PASSWORD || '' };
    }
    context = await chromium.launchPersistentContext(userDataDir, options);
    context.setDefaultTimeout(10_000);
    const page = context.pages()[0] || (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const detail = await SCENARIOS[arg](page);
    if (pageErrors.length) fail('JavaScript errors on the page', 'none', pageErrors.join(' | '));
    return detail;
  })();
  run.catch(() => {}); // handled below; after a timeout, closing the browser rejects it

  let code = 1;
  try {
    const outcome = await Promise.race([run, timeout]);
    if (outcome === 'timeout') {
      console.error(`FAIL ${arg}: did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
    } else {
      console.log(`PASS ${arg}: ${outcome}`);
      code = 0;
    }
  } catch (e) {
    const text = e instanceof ScenarioFailure ? e.message : (e && e.stack) || String(e);
    console.error(`FAIL ${arg}: ${text}`);
    if (pageErrors.length) console.error(`  JavaScript errors on the page: ${pageErrors.join(' | ')}`);
  } finally {
    clearTimeout(timer);
    await cleanup();
  }
  return code;
}

const hardStop = setTimeout(() => {
  // Last resort (cleanup itself hung): never outlive the overall timeout by much.
  if (stoppedPid !== null) try { process.kill(stoppedPid, 'SIGCONT'); } catch (_) { /* gone */ }
  console.error('FAIL: hard timeout');
  process.exit(1);
}, OVERALL_TIMEOUT_MS + 15_000);
hardStop.unref();

main().then((code) => {
  clearTimeout(hardStop);
  process.exit(code);
}, (e) => {
  console.error(`FAIL: ${(e && e.stack) || e}`);
  process.exit(1);
});
