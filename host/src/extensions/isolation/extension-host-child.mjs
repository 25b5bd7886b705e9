// The extension host: one child process per isolated (third-party) extension run. Plain
// JavaScript, so it runs under Node's permission model without a loader: it may read only the
// extension's folder and the SDK files the host names, writes nothing, spawns nothing. It talks to
// the host only over the fork's IPC channel (structured clone: 'advanced' serialization).
// The ExtensionContext it builds is table-driven (remote-members.json): each member is an RPC.
import './loopback-guard.mjs';
import './process-guard.mjs';
import { createSealing } from './child-sealing.mjs';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostStream, childStreams, pullChild, cancelChild, appendPieces } from './child-streams.mjs';
import { channelProxy, channelState } from './child-channels.mjs';
import { forFriend } from './child-stream-ids.mjs';
import { listenerEvent, listenerProxy } from './child-listeners.mjs';
import { checkRegistrations } from './child-registrations.mjs';
import { bundledMembers, loadModule } from './bundled-modules.mjs';

const send = (message) => process.send?.(message);
const pending = new Map();
const callbacks = new Map();
let nextId = 1;
let sdk;
let module;
/** Copies of what synchronous members read, kept current by the host (snapshots.ts). */
const snapshots = { sessions: { value: [] }, ownKeys: { value: {} }, proposed: { value: undefined }, services: { value: {} } };
/** A snapshot's value, or the host's error for a member it does not provide. */
function snapshot(name) {
  const entry = snapshots[name];
  if (entry.error) throw rebuild(entry.error);
  return entry.value;
}

/**
 * A host error, rebuilt with its code so `isKithError` and `catalogued` see it: a real KithError of
 * the SDK this process loaded for a catalogued code (so `instanceof KithError` holds for an
 * extension using that SDK), else an Error carrying the same fields.
 */
function rebuild(error) {
  const message = error?.message ?? 'Unknown error';
  if (error?.code && sdk?.ERRORS && Object.hasOwn(sdk.ERRORS, error.code)) {
    return new sdk.KithError(error.code, message, error.details ?? undefined);
  }
  const e = new Error(message);
  if (error?.code) Object.assign(e, { name: 'KithError', code: error.code, status: error.status, details: error.details });
  return e;
}
function flatten(error) {
  if (error && typeof error === 'object') {
    return { name: error.name, code: error.code, status: error.status, message: String(error.message ?? error), details: error.details, refused: error.name === 'EventRefused' || undefined };
  }
  return { message: String(error) };
}

function call(member, args) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ t: 'call', id, member, args: args.map(encode) });
  });
}
function encode(arg) {
  if (typeof arg !== 'function') return arg;
  const cb = nextId++;
  callbacks.set(cb, arg);
  return { '@cb': cb };
}
/** Registrations the host has not confirmed yet: activation is reported only once they are in place. */
const registering = new Set();
/** A registration the host answers later; a refusal there is an error of the extension's. */
function listen(member, args, { tolerateGone = false } = {}) {
  const id = nextId++;
  let settle;
  const settled = new Promise((resolve) => (settle = resolve));
  registering.add(settled);
  const done = () => {
    registering.delete(settled);
    settle();
  };
  pending.set(id, { resolve: done, reject: (error) => { done(); if (!(tolerateGone && error?.code === 'KITH_ERR_NOT_FOUND')) crash(error); } });
  send({ t: 'call', id, member, args: args.map(encode) });
  return new sdk.Disposable(() => send({ t: 'dispose', id }));
}

function crash(error) {
  send({ t: 'crash', error: flatten(error) });
  setTimeout(() => process.exit(70), 50);
}
/** A full disk is the machine's state, not this extension's bug: what it wrote was refused, it runs on. */
const DISK_FULL_CODES = new Set(['KITH_ERR_DISK_FULL', 'SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
const unlessDiskFull = (error) => (DISK_FULL_CODES.has(error?.code) ? undefined : crash(error));
process.on('uncaughtException', unlessDiskFull);
process.on('unhandledRejection', unlessDiskFull);

/** A response recorder: RouteResponse is plain data applied by the host after the handler. */
function recorder() {
  const meta = { headers: {} };
  const res = {
    status(code) { meta.status = code; return res; },
    header(name, value) { meta.headers[name] = value; return res; },
    length(bytes) { meta.length = bytes; return res; },
  };
  return { meta, res };
}

function buildContext(init) {
  const table = bundledMembers() ?? JSON.parse(fs.readFileSync(new URL('./remote-members.json', import.meta.url), 'utf8'));
  Object.assign(snapshots, init.snapshots);
  const ctx = { extension: init.extension, persona: init.persona, subscriptions: [] };
  const settings = { ...init.settings };
  for (const [path, kind] of Object.entries(table)) {
    if (path.startsWith('/') || path.startsWith('storage.channel') || !path.includes('.')) continue;
    const [group, name] = path.split('.');
    const target = (ctx[group] ??= {});
    if (kind === 'call') target[name] = (...args) => call(path, args);
    else if (kind === 'notify') target[name] = (...args) => void send({ t: 'notify', member: path, args });
    else if (kind === 'listen' || kind === 'route') target[name] = (...args) => listen(path, args);
    else if (kind === 'unavailable') Object.defineProperty(target, name, { enumerable: true, get: () => notAvailable(path) });
  }
  const api = { call, listen, send, rebuild, sdk, crash };
  ctx.settings.get = (id) => {
    if (!Object.hasOwn(settings, id)) throw rebuild({ code: 'KITH_ERR_NOT_FOUND', message: `Extension "${init.extension.id}" declares no setting "${id}"` });
    return settings[id];
  };
  ctx.settings.onDidChange((change) => void (settings[change.id] = change.value));
  ctx.streams = {
    random: () => randomBytes(16).toString('hex'),
    forFriend: (peer, purpose) => forFriend(init.persona.masterPublicKey, peer, init.extension.id, purpose, rebuild),
  };
  ctx.timers = localTimers();
  checkRegistrations(ctx, init.declared ?? {}, sdk);
  Object.defineProperty(ctx.sessions, 'all', { enumerable: true, get: () => snapshot('sessions') });
  ctx.sessions.get = (peer) => snapshot('sessions').find((s) => s.peer === peer);
  ctx.friends.ownX25519PublicKeyFor = (peer) => {
    const keys = snapshot('ownKeys');
    if (Object.hasOwn(keys, peer)) return keys[peer];
    return notAvailable('friends.ownX25519PublicKeyFor for a peer that is not a saved friend');
  };
  ctx.blobs.readStream = (id, range) => hostStream(api, () => call('blobs.readStream', [id, range]));
  const append = ctx.blobs.append;
  ctx.blobs.append = (id, data) => appendPieces(append, ctx.blobs.size, id, data);
  ctx.network.bindUdp = async (options, onDatagram) => {
    const { '@udp': hid, local } = await call('network.bindUdp', [options, onDatagram]);
    const socket = new sdk.Disposable(() => void call('@udp.dispose', [hid]).catch(() => undefined));
    return Object.assign(socket, { local, send: (data, to) => call('@udp.send', [hid, data, to]) });
  };
  ctx.network.listenForSessions = async (options) => listenerProxy(api, await call('network.listenForSessions', [options]));
  const channels = new Set();
  ctx.pageChannels = {
    register: (name, onOpen, options) =>
      listen('pageChannels.register', [name, (init) => {
        const channel = channelProxy(api, init, sdk.channelTerms(options ?? {}), () => channels.delete(channel));
        channels.add(channel);
        onOpen(channel);
      }, options]),
    get open() { return [...channels].filter((c) => c.isOpen); },
  };
  ctx.proposed = {
    get hostInfo() {
      return snapshot('proposed');
    },
  };
  const channel = Object.fromEntries(['execute', 'begin', 'commit', 'rollback', 'migrationsDone'].map((m) => [m, (...args) => call(`storage.channel.${m}`, args)]));
  let storage;
  Object.defineProperty(ctx, 'storage', { enumerable: true, get: () => (storage ??= init.storageDialect.createChannelStorage(channel)) });
  ctx.sealing = init.sealingKey && init.hchacha
    ? createSealing(init.hchacha, init.sealingKey, init.tagKey, (reason, code = 'KITH_ERR_SEAL_INVALID') => rebuild({ code, message: code === 'KITH_ERR_SEAL_INVALID' ? 'Sealed data could not be opened: damaged, or sealed with another key' : reason, details: { reason } }))
    : unavailable('sealing');
  ctx.services = plainDataServices(init.extension.id);
  return Object.freeze(ctx);
}

/**
 * ctx.services across processes: plain data only. `get` reads the copy taken at start (the
 * dependencies' services); `provide` sends a structured clone to the host for extensions started
 * after it (a function inside refuses at once).
 */
function plainDataServices(ownId) {
  const idOf = (ref) => (typeof ref === 'string' ? ref : ref?.id);
  return {
    provide(ref, implementation) {
      const id = idOf(ref);
      if (typeof id !== 'string' || !id.startsWith(`${ownId}.`) || id.length > 128) {
        throw rebuild({ code: 'KITH_ERR_BAD_REQUEST', message: `Service ids of "${ownId}" must start with "${ownId}."` });
      }
      try {
        structuredClone(implementation);
      } catch {
        throw rebuild({ code: 'KITH_ERR_NOT_AVAILABLE', message: `ctx.services.provide("${id}"): only plain data crosses from an extension's own process (no functions, symbols or class instances with private state)` });
      }
      return listen('services.provide', [id, implementation]);
    },
    get(ref) {
      const id = idOf(ref);
      if (typeof id !== 'string' || id.length > 128) throw rebuild({ code: 'KITH_ERR_BAD_REQUEST', message: 'Name a service with createServiceRef({ id })' });
      const services = snapshot('services');
      // Own keys only: "__proto__" or "constructor" must not answer with Object's own members.
      const entry = Object.hasOwn(services, id) ? services[id] : undefined;
      if (entry?.error) throw rebuild({ code: 'KITH_ERR_NOT_AVAILABLE', message: entry.error });
      return entry?.value;
    },
  };
}

function localTimers() {
  const guard = (fn) => () => { try { const r = fn(); if (r instanceof Promise) r.catch(crash); } catch (e) { crash(e); } };
  return {
    setTimeout: (fn, ms) => { const h = setTimeout(guard(fn), ms); return new sdk.Disposable(() => clearTimeout(h)); },
    setInterval: (fn, ms) => { const h = setInterval(guard(fn), Math.max(1, ms)); return new sdk.Disposable(() => clearInterval(h)); },
  };
}
function notAvailable(what) {
  throw rebuild({ code: 'KITH_ERR_NOT_AVAILABLE', message: `ctx.${what} is not available to an extension running in its own process (docs/extensions.md, Trust model)` });
}
function unavailable(member) {
  return new Proxy({}, { get: (_t, p) => (typeof p === 'symbol' || p === 'then' ? undefined : notAvailable(`${member}.${String(p)}`)) });
}

/** A request whose body the host streams: pulled piece by piece from the host. */
function revive(request) {
  const sid = request?.body?.['@stream'];
  if (typeof sid !== 'number') return request;
  return { ...request, body: hostStream({ call }, async () => ({ '@stream': sid })) };
}

async function invoke(message) {
  const fn = callbacks.get(message.cb);
  try {
    if (!fn) throw rebuild({ code: 'KITH_ERR_NOT_FOUND', message: 'The callback is gone' });
    if (message.route) {
      const { meta, res } = recorder();
      const value = await fn(revive(message.args[0]), res);
      send({ t: 'reply', id: message.id, ok: true, value: childStreams.offer(value), meta });
    } else {
      send({ t: 'reply', id: message.id, ok: true, value: await fn(...message.args) });
    }
  } catch (error) {
    send({ t: 'reply', id: message.id, ok: false, error: flatten(error) });
  }
}

process.on('message', async (message) => {
  switch (message?.t) {
    case 'reply': {
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(rebuild(message.error));
      return;
    }
    case 'invoke':
      return invoke(message);
    case 'pull':
      return pullChild(message, send, flatten);
    case 'cancel':
      return cancelChild(message, send);
    case 'snapshot':
      if (Object.hasOwn(snapshots, message.name)) snapshots[message.name] = message.value;
      return;
    case 'channel-state':
      return channelState(message);
    case 'listener-event':
      return listenerEvent(message);
    case 'ping':
      return send({ t: 'pong' });
    case 'init': {
      try {
        sdk = await loadModule(message.sdkUrl, 'sdk');
        const storageDialect = await loadModule(message.storageUrl, 'storage');
        const { hchacha } = await loadModule(message.chachaUrl, 'chacha');
        const ctx = buildContext({ ...message, storageDialect, hchacha });
        const loaded = await import(message.entryUrl).catch((error) => {
          // Say where it failed: the message alone ("Dynamic require of fs …") reads like a host bug.
          throw rebuild({ ...flatten(error), message: `Importing the entry module failed: ${error?.message ?? error}` });
        });
        module = [loaded.default, loaded].find((c) => typeof c?.activate === 'function');
        if (!module) throw rebuild({ code: 'KITH_ERR_MANIFEST_INVALID', message: 'The entry module exports no activate(context) function' });
        send({ t: 'loaded' }); // the activation deadline starts now (process start is not the extension's)
        await module.activate(ctx);
        // Routes, kinds and channels registered in activate must answer as soon as the host says "running".
        while (registering.size > 0) await Promise.all([...registering]);
        send({ t: 'activated' });
      } catch (error) {
        send({ t: 'activate-failed', error: flatten(error) });
      }
      return;
    }
    case 'deactivate':
      try {
        await module?.deactivate?.();
      } finally {
        process.exit(0);
      }
  }
});
send({ t: 'ready' });
