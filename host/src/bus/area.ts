import type { Disposable } from '@kith/sdk';
import type { HostArea, Kernel } from '../core/area.js';
import type { IdentityArea } from '../identity/area.js';
import type { NetArea } from '../net/area.js';
import { BusEngine } from './bus-engine.js';
import { busProviders } from './bus-providers.js';

/** The event-stream bus: TAG_EVENT frames, kinds, reliable store-and-forward; ctx.kinds/sessions/streams. */
export interface BusArea extends HostArea {
  readonly engine: BusEngine;
}

/**
 * Wire the bus: one engine over the host database, following the active persona and the net
 * area's session links (attached at start; while the net area has none, sessions are empty and
 * `connect` says it is not available).
 */
function channelReading(engine: BusEngine, peer: string) {
  const channel = engine.channel(peer);
  if (!channel || channel.closed) return undefined;
  const flow = channel.flow;
  return { retransmits: channel.stats.retransmits, srttMs: flow.srttMs, rttvarMs: flow.rttvarMs, latestRttMs: flow.latestRttMs };
}

export function createBusArea(kernel: Kernel, identity: IdentityArea, net: NetArea): BusArea {
  const engine = new BusEngine({
    sqlite: kernel.database.sqlite,
    writes: kernel.database.writes,
    gate: identity.gate,
    log: {
      debug: (fields, message) => kernel.log.debug(fields, message),
      error: (fields, message) => kernel.log.error(fields, message),
    },
    ui: kernel.ui,
    isFriend: async (peer) => (await identity.friends.get(peer)) !== undefined,
  });
  // Live sessions, for the snapshot a plain WebSocket client starts from.
  kernel.ui.provideSnapshot('sessions', () => engine.sessions);
  let following: Disposable | undefined;
  let friendsWatch: Disposable | undefined;
  return {
    name: 'bus',
    engine,
    providers: {
      ...busProviders(engine, () => net.links),
      // Session stats need the bus's half (RTT from acknowledgements, retransmits).
      ...(net.diagnostics ? { diagnostics: net.diagnostics((peer) => channelReading(engine, peer)) } : {}),
    },
    async start() {
      if (net.links) following = engine.attachLinks(net.links);
      // A removed friend's queued events fail now instead of waiting forever.
      try {
        friendsWatch = identity.friends?.onDidChange?.((change) => {
          if (change.change === 'removed') engine.dropPeer(change.peer);
        });
      } catch (error) {
        kernel.log.warn({ err: error }, 'bus: cannot follow friend removals');
      }
    },
    async stop() {
      following?.dispose();
      friendsWatch?.dispose();
      engine.stop();
    },
  };
}
