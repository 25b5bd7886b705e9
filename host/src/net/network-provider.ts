import dgram from 'node:dgram';
import { Disposable, KithError, MAX_LISTENER_PEERS, MAX_LISTENER_WINDOW_MS, type Datagram, type Network, type UdpListener } from '@kith/sdk';
import type { ExtensionScope } from '../core/area.js';
import type { NetRuntime } from './net-runtime.js';
import { socketAddress, toEndpoint } from './endpoint.js';
import { MAX_RECEIVE } from './wire-constants.js';
import { SessionListenerHandle, TimedListener } from './session-listener.js';

/** Listeners (raw and session ones together) one extension may hold at once. */
const MAX_LISTENERS = 16;

/**
 * `ctx.network`: public endpoint discovery, and UDP sockets an extension binds for a window: raw
 * ones (`bindUdp`) and ones the session table runs handshakes and sessions over
 * (`listenForSessions`). Every listener is tracked by the extension's scope, so turning the
 * extension off closes it; datagrams above 1500 bytes are dropped before any parsing.
 */
export function networkProvider(runtime: NetRuntime, refreshFriends: () => Promise<void> = async () => undefined): (scope: ExtensionScope) => Network {
  return (scope) => {
    let open = 0;
    return {
      async listenForSessions(options) {
        if (open >= MAX_LISTENERS) throw new KithError('KITH_ERR_RATE_LIMITED', `at most ${MAX_LISTENERS} UDP listeners`);
        if (!Number.isInteger(options?.port) || options.port < 0 || options.port > 65535) throw badRequest('port must be 0..65535');
        if (options.family !== 'ipv4' && options.family !== 'ipv6') throw badRequest('family must be ipv4 or ipv6');
        const now = Date.now();
        if (!Number.isFinite(options.untilMs) || options.untilMs <= now) throw badRequest('untilMs must be in the future');
        if (options.untilMs - now > MAX_LISTENER_WINDOW_MS) throw badRequest(`a window lasts at most ${MAX_LISTENER_WINDOW_MS} ms`);
        let peers: Set<string> | undefined;
        if (options.peers !== undefined) {
          if (!Array.isArray(options.peers) || options.peers.length > MAX_LISTENER_PEERS) throw badRequest(`peers is a list of at most ${MAX_LISTENER_PEERS} keys`);
          if (!options.peers.every((p) => typeof p === 'string' && /^[0-9a-f]{64}$/.test(p))) throw badRequest('a peer key is 64 lowercase hex characters');
          peers = new Set(options.peers);
        }
        const table = runtime.table;
        if (!table || table.keyring.persona.info.masterPublicKey !== scope.persona.info.masterPublicKey) throw new KithError('KITH_ERR_LOCKED');
        open++;
        let listener: TimedListener;
        try {
          listener = await TimedListener.open({
            port: options.port, family: options.family, untilMs: options.untilMs, ...(peers ? { peers } : {}), owner: scope.extension.id, table,
            totals: runtime.listenerCounters, refreshFriends, fault: (error) => scope.fault(error),
          });
        } catch (error) {
          open--;
          throw error;
        }
        const handle = scope.track(new SessionListenerHandle(listener));
        // A listener that closed by itself (window over) is forgotten at once: windows may recur for days.
        listener.onDidClose(() => {
          open--;
          handle.dispose();
        });
        return handle;
      },
      async discover() {
        const result = await runtime.discover();
        return { ipv4: result.ipv4, ipv6: result.ipv6 };
      },
      async bindUdp(options, onDatagram) {
        if (open >= MAX_LISTENERS) throw new KithError('KITH_ERR_RATE_LIMITED', `at most ${MAX_LISTENERS} UDP listeners`);
        if (!Number.isInteger(options?.port) || options.port < 0 || options.port > 65535) throw badRequest('port must be 0..65535');
        if (options.family !== 'ipv4' && options.family !== 'ipv6') throw badRequest('family must be ipv4 or ipv6');
        if (options.untilMs !== undefined && !(Number.isFinite(options.untilMs) && options.untilMs > Date.now())) throw badRequest('untilMs must be in the future');
        if (typeof onDatagram !== 'function') throw badRequest('onDatagram must be a function');
        const socket = dgram.createSocket({ type: options.family === 'ipv6' ? 'udp6' : 'udp4', ipv6Only: options.family === 'ipv6' });
        await new Promise<void>((resolve, reject) => {
          socket.once('error', (error: NodeJS.ErrnoException) => {
            // A port in use (or refused) leaves no socket behind.
            try { socket.close(); } catch { /* never bound */ }
            reject(new KithError('KITH_ERR_CONFLICT', `Could not bind UDP port ${options.port} (${options.family}): ${error.code ?? error.message}`, { errno: error.code ?? null }));
          });
          socket.bind(options.port, () => { socket.removeAllListeners('error'); resolve(); });
        });
        open++;
        socket.on('error', () => undefined);
        socket.on('message', (data, rinfo) => {
          if (data.length > MAX_RECEIVE) return;
          const datagram: Datagram = { data, from: toEndpoint(rinfo.address, rinfo.port) };
          try {
            onDatagram(datagram);
          } catch (error) {
            scope.fault(error);
          }
        });
        let timer: NodeJS.Timeout | undefined;
        const address = socket.address();
        const listener: UdpListener = Object.assign(
          new Disposable(() => {
            clearTimeout(timer);
            open--;
            try { socket.close(); } catch { /* already closed */ }
          }),
          {
            local: toEndpoint(address.address, address.port),
            send: (data: Uint8Array, to: import('@kith/sdk').Endpoint) => new Promise<void>((resolve, reject) => {
              if (!(data instanceof Uint8Array)) return reject(badRequest('a datagram is a Uint8Array'));
              if (data.length > MAX_RECEIVE) return reject(new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `a datagram holds at most ${MAX_RECEIVE} bytes (this one ${data.length})`));
              const target = options.family === 'ipv6' ? socketAddress(to) : to.address;
              socket.send(data, to.port, target, (error) => (error ? reject(error) : resolve()));
            }),
          },
        );
        if (options.untilMs !== undefined) {
          timer = setTimeout(() => listener.dispose(), options.untilMs - Date.now());
          timer.unref();
        }
        return scope.track(listener);
      },
    };
  };
}

function badRequest(message: string): KithError {
  return new KithError('KITH_ERR_BAD_REQUEST', message);
}
