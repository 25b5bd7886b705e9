// Loaded by the extension host before the extension: no TCP connection to this machine's own
// addresses (loopback, unspecified, and every address of its own interfaces, where services bound
// to 0.0.0.0 answer), by address or by a name that resolves to one. Node 20's
// permission model does not cover the network; without this, an extension could fetch Kith's own
// page on 127.0.0.1 and read the launch secret from it. Other hosts stay reachable (documented).
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';

const LOCAL_NAMES = [/^localhost\.?$/i, /\.localhost\.?$/i];
/** Taken now, before the extension runs: it cannot swap in a function that lists no interface. */
const listInterfaces = os.networkInterfaces;

/** 127.0.0.0/8 and 0.0.0.0/8 (Linux connects 0.x to this machine). */
const isLocalIpv4 = (first) => first === 127 || first === 0;

/** An IPv6 literal as its eight 16-bit words (a trailing dotted quad counts as two). */
function ipv6Words(text) {
  let address = text.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    address = `${address.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = address.split('::');
  const front = head ? head.split(':') : [];
  const back = tail === undefined ? [] : tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array(8 - front.length - back.length).fill('0');
  return [...front, ...middle, ...back].map((word) => parseInt(word, 16));
}

/** A comparable spelling of an address: dotted IPv4, or IPv6 as eight hex words (no zone). */
function canonical(address) {
  const host = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  return net.isIP(host) === 6 ? ipv6Words(host).map((w) => w.toString(16)).join(':') : host;
}

/** The addresses of this machine's interfaces now (they change: read at each connection). */
function ownAddresses() {
  const own = new Set();
  for (const list of Object.values(listInterfaces.call(os))) for (const entry of list ?? []) own.add(canonical(entry.address));
  return own;
}

/**
 * This machine, whatever the spelling: loopback and unspecified addresses of both families,
 * IPv4-mapped (`::ffff:127.0.0.1`, which URL parsers write `::ffff:7f00:1`), IPv4-compatible
 * and IPv4-translated forms of them, and localhost names.
 */
function isLocal(address) {
  if (typeof address !== 'string') return false;
  const host = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (LOCAL_NAMES.some((pattern) => pattern.test(host))) return true;
  const family = net.isIP(host);
  if (family === 4) return isLocalIpv4(Number(host.split('.')[0])) || ownAddresses().has(host);
  if (family !== 6) return false;
  const w = ipv6Words(host);
  const zeros = (n) => w.slice(0, n).every((word) => word === 0);
  if (zeros(7) && (w[7] === 0 || w[7] === 1)) return true; // :: and ::1
  const embeddedIpv4 = zeros(5) && w[5] === 0xffff; // ::ffff:a.b.c.d
  const compatible = zeros(6); // ::a.b.c.d
  const translated = zeros(4) && w[4] === 0xffff && w[5] === 0; // ::ffff:0:a.b.c.d
  if (embeddedIpv4 || compatible || translated) {
    const ipv4 = [w[6] >> 8, w[6] & 0xff, w[7] >> 8, w[7] & 0xff].join('.');
    return isLocalIpv4(w[6] >> 8) || ownAddresses().has(ipv4);
  }
  return ownAddresses().has(canonical(host));
}
const refused = (what) => Object.assign(new Error(`An extension may not connect to this machine (${what})`), { code: 'ERR_ACCESS_DENIED' });

/** dns.lookup, refusing answers that are this machine. */
function guardedLookup(hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' ? {} : options;
  dns.lookup(hostname, opts, (error, address, family) => {
    if (error) return cb(error);
    const all = Array.isArray(address) ? address : [{ address, family }];
    if (all.some((a) => isLocal(a.address))) return cb(refused(hostname));
    return Array.isArray(address) ? cb(null, address) : cb(null, address, family);
  });
}

const connect = net.Socket.prototype.connect;
Object.defineProperty(net.Socket.prototype, 'connect', {
  configurable: false,
  writable: false,
  value: function guardedConnect(...args) {
    // net.connect() passes the already normalised [options, callback] pair as one argument.
    const [options, callback] = Array.isArray(args[0]) ? args[0] : net._normalizeArgs(args);
    if (options.path !== undefined) {
      process.nextTick(() => this.destroy(refused('a local socket')));
      return this;
    }
    if (isLocal(options.host ?? 'localhost')) {
      process.nextTick(() => this.destroy(refused(options.host ?? 'localhost')));
      return this;
    }
    return connect.call(this, { ...options, lookup: guardedLookup }, callback);
  },
});
