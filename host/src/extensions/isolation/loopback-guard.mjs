// Loaded by the extension host before the extension: no TCP connection to this machine's own
// addresses (loopback, unspecified), by address or by a name that resolves to one. Node 20's
// permission model does not cover the network; without this, an extension could fetch Kith's own
// page on 127.0.0.1 and read the launch secret from it. Other hosts stay reachable (documented).
import dns from 'node:dns';
import net from 'node:net';

const LOCAL = [/^127\./, /^0\.0\.0\.0$/, /^::1?$/, /^::ffff:127\./i, /^::ffff:0\.0\.0\.0$/i, /^0:0:0:0:0:0:0:[01]$/, /^localhost\.?$/i, /\.localhost\.?$/i];
const isLocal = (address) => typeof address === 'string' && LOCAL.some((pattern) => pattern.test(address.replace(/^\[|\]$/g, '')));
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
