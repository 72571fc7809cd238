// Runs the message paths of a Node-RED flow file without Node-RED, with plain Node.js, so that
// node_red_flow_test.cpp can see which topics and payloads the flow's function nodes produce.
//
//   node node_red_harness.js FLOW_FILE EVENTS_JSON
//
// EVENTS_JSON is an array of events, handled in order with one shared flow context:
//   {"inject": "<inject node id>"}                    the inject node's button is pressed
//   {"mqtt": "<topic>", "payload": "...", "retain": b}  the broker delivers a message to every
//                                                       mqtt in node whose filter matches
// Prints one JSON object: {"events": [{"published": [...], "warnings": [...], "errors": [...],
// "statuses": [...]}...], "ran": [ids of function nodes that ran]}. A published entry is what
// an mqtt out node would send: {"node", "topic", "payload", "qos", "retain"}.
//
// Only what the example flow uses is modelled: inject (str/num/bool/json/env properties),
// mqtt in (utf8/json/auto-detect), function (one or more outputs, return value or node.send,
// flow/context/global stores, env.get of the tab's environment), debug, mqtt out (the
// topic/qos/retain rules of Node-RED 4's doPublish). Any other node on a path is an error, so
// the harness never silently skips part of a flow. The real thing is checked by the live test.
'use strict';

const fs = require('fs');
const vm = require('vm');

const [flowFile, eventsJson] = process.argv.slice(2);
if (!flowFile || !eventsJson) {
  console.error('usage: node node_red_harness.js FLOW_FILE EVENTS_JSON');
  process.exit(2);
}
const nodes = JSON.parse(fs.readFileSync(flowFile, 'utf8'));
const events = JSON.parse(eventsJson);
const byId = new Map(nodes.map((n) => [n.id, n]));
const ran = new Set();

function store() {
  const values = new Map();
  return {
    get: (key) => values.get(key),
    set: (key, value) => {
      if (value === undefined) values.delete(key);
      else values.set(key, value);
    },
    keys: () => [...values.keys()],
  };
}
const flowStores = new Map();  // tab id -> store
const nodeStores = new Map();  // node id -> store
const globalStore = store();
function storeFor(map, key) {
  if (!map.has(key)) map.set(key, store());
  return map.get(key);
}

function typed(value, type, node) {
  switch (type) {
    case 'str': return String(value);
    case 'num': return Number(value);
    case 'bool': return value === true || value === 'true';
    case 'json': return JSON.parse(value);
    case 'date': return Date.now();
    case 'env': return envGet(node, value);
    default: throw new Error(`node ${node.id}: value type "${type}" not modelled`);
  }
}

function envGet(node, name) {
  const tab = byId.get(node.z);
  const entry = ((tab && tab.env) || []).find((e) => e.name === name);
  if (!entry) return process.env[name];
  return typed(entry.value, entry.type, tab);
}

// MQTT filter matching ('+' one level, '#' the rest).
function matches(filter, topic) {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; ++i) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const clone = (m) => JSON.parse(JSON.stringify(m));

function compile(node) {
  // Node-RED runs the body as a function of msg with node, flow, env... in scope.
  const source = '(function (msg, node, flow, context, global, env, RED) {\n' + node.func + '\n})';
  return vm.runInNewContext(source, {console, Date, JSON, Math, Number, String, Object, Array,
                                     Boolean, RegExp, Error, parseInt, parseFloat, isNaN},
                            {filename: `function node ${node.id} (${node.name})`});
}

function runEvent(event) {
  const out = {published: [], warnings: [], errors: [], statuses: []};
  const queue = [];  // [node, msg]
  const deliver = (from, outputs) => {
    // outputs: one entry per output port; each a msg, an array of msgs, or null.
    const wires = from.wires || [];
    outputs.forEach((msgs, port) => {
      if (msgs === null || msgs === undefined) return;
      for (const m of Array.isArray(msgs) ? msgs : [msgs]) {
        if (m === null || m === undefined) continue;
        for (const target of wires[port] || []) {
          const next = byId.get(target);
          if (!next) throw new Error(`node ${from.id} is wired to missing node ${target}`);
          queue.push([next, clone(m)]);
        }
      }
    });
  };

  if (event.inject !== undefined) {
    const n = byId.get(event.inject);
    if (!n || n.type !== 'inject') throw new Error(`no inject node ${event.inject}`);
    const msg = {_msgid: 'harness'};
    const props = n.props || [{p: 'payload'}, {p: 'topic', vt: 'str'}];
    for (const p of props) {
      if (p.p === 'payload') msg.payload = typed(n.payload, n.payloadType || 'date', n);
      else if (p.p === 'topic') msg.topic = n.topic;
      else msg[p.p] = typed(p.v, p.vt, n);
    }
    deliver(n, [msg]);
  } else if (event.mqtt !== undefined) {
    for (const n of nodes) {
      if (n.type !== 'mqtt in' || !matches(n.topic, event.mqtt)) continue;
      let payload = event.payload;
      if (n.datatype === 'json') payload = JSON.parse(payload);
      else if (n.datatype !== 'utf8' && n.datatype !== 'auto-detect') {
        throw new Error(`mqtt in ${n.id}: datatype ${n.datatype} not modelled`);
      }
      deliver(n, [{topic: event.mqtt, payload, qos: 1, retain: !!event.retain, _msgid: 'harness'}]);
    }
  } else {
    throw new Error('unknown event ' + JSON.stringify(event));
  }

  for (let hops = 0; queue.length; ++hops) {
    if (hops > 1000) throw new Error('message loop in the flow');
    const [n, msg] = queue.shift();
    switch (n.type) {
      case 'debug':
        break;
      case 'function': {
        ran.add(n.id);
        const api = {
          id: n.id, name: n.name, outputCount: n.outputs,
          status: (s) => out.statuses.push({node: n.id, status: s}),
          warn: (w) => out.warnings.push({node: n.id, text: String(w)}),
          error: (e) => out.errors.push({node: n.id, text: String(e)}),
          log: () => {}, debug: () => {}, trace: () => {}, done: () => {},
          send: (msgs) => deliver(n, n.outputs > 1 ? msgs : [msgs]),
        };
        const flow = storeFor(flowStores, n.z);
        const context = storeFor(nodeStores, n.id);
        context.flow = flow;
        context.global = globalStore;
        const env = {get: (name) => envGet(n, name)};
        const result = compile(n)(msg, api, flow, context, globalStore, env, undefined);
        if (result !== null && result !== undefined) {
          deliver(n, n.outputs > 1 ? result : [result]);
        }
        break;
      }
      case 'mqtt out': {
        // Node-RED 4 doPublish: the node's own topic/qos/retain win over msg's.
        if (msg.qos) {
          msg.qos = parseInt(msg.qos);
          if (msg.qos !== 0 && msg.qos !== 1 && msg.qos !== 2) msg.qos = null;
        }
        if (n.topic) msg.topic = n.topic;
        msg.qos = Number(n.qos || msg.qos || 0);
        msg.retain = n.retain || msg.retain || false;
        msg.retain = msg.retain === true || msg.retain === 'true' || false;
        out.published.push({node: n.id, topic: msg.topic, payload: msg.payload, qos: msg.qos,
                            retain: msg.retain});
        break;
      }
      default:
        throw new Error(`node ${n.id} of type "${n.type}" is not modelled by the harness`);
    }
  }
  return out;
}

const results = events.map(runEvent);
process.stdout.write(JSON.stringify({events: results, ran: [...ran].sort()}) + '\n');
