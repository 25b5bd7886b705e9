import type { SessionStats } from '@kith/sdk';
import type { LiveSession } from './live-session.js';
import { PROTOCOL_NAME } from './noise-kk.js';

/** What the bus knows about a session's reliable traffic (peer-channel stats and flow). */
export interface ChannelReading {
  readonly retransmits: number;
  /** 0 before any acknowledged event. */
  readonly srttMs: number;
  readonly rttvarMs: number;
  readonly latestRttMs: number;
}

/** The bus channel of a peer's session, if the bus has one. */
export type ChannelStatsSource = (peer: string) => ChannelReading | undefined;

/** Rates are averaged over at least this long. */
const RATE_INTERVAL_MS = 1_000;

interface RateSample {
  at: number;
  bytesIn: number;
  bytesOut: number;
  inPerSec: number;
  outPerSec: number;
}

/**
 * Reads a live session into plain {@link SessionStats}: wire counters from the session, RTT and
 * retransmits from the bus channel, and rates as the average since the previous sample (taken
 * on read, at least a second apart, so reading costs no timer).
 */
export class SessionStatsReader {
  readonly #samples = new WeakMap<LiveSession, RateSample>();
  readonly #channels: ChannelStatsSource;

  constructor(channels: ChannelStatsSource) {
    this.#channels = channels;
  }

  read(session: LiveSession, now = Date.now()): SessionStats {
    const rate = this.#rate(session, now);
    const channel = this.#channels(session.peer);
    const fromBus = channel !== undefined && channel.srttMs > 0;
    const handshake = session.handshakeRttMs;
    return {
      peer: session.peer,
      path: session.path,
      socket: session.via.description.kind === 'main'
        ? { kind: 'main' }
        : { ...session.via.description, local: { ...session.via.description.local } },
      remote: { ...session.remote },
      openedAt: session.openedAt,
      initiator: session.initiator,
      openedBy: {
        rung: session.openedBy.rung,
        handshakeMs: session.openedBy.handshakeMs,
        stages: session.openedBy.stages.map((s) => ({ ...s })),
      },
      cipher: {
        protocol: PROTOCOL_NAME, aead: 'ChaCha20-Poly1305', rekeys: session.rekeys, keysAgeMs: Math.max(0, now - session.keysAt),
      },
      rtt: fromBus
        ? { smoothedMs: round(channel.srttMs), latestMs: round(channel.latestRttMs), varianceMs: round(channel.rttvarMs), source: 'bus-acks' }
        : handshake !== null
          ? { smoothedMs: handshake, latestMs: handshake, varianceMs: null, source: 'handshake' }
          : { smoothedMs: null, latestMs: null, varianceMs: null, source: 'none' },
      loss: { inbound: session.inboundLoss, retransmits: channel?.retransmits ?? 0 },
      traffic: {
        bytesIn: session.bytesIn, bytesOut: session.bytesOut, packetsIn: session.packetsIn, packetsOut: session.packetsOut,
        bytesInPerSec: rate.inPerSec, bytesOutPerSec: rate.outPerSec,
        lastReceivedAt: session.lastReceivedAt, lastSentAt: session.lastSentAt,
      },
    };
  }

  #rate(session: LiveSession, now: number): RateSample {
    let sample = this.#samples.get(session);
    if (!sample) {
      sample = { at: session.openedAt, bytesIn: 0, bytesOut: 0, inPerSec: 0, outPerSec: 0 };
      this.#samples.set(session, sample);
    }
    const elapsed = now - sample.at;
    if (elapsed >= RATE_INTERVAL_MS) {
      sample.inPerSec = Math.round(((session.bytesIn - sample.bytesIn) * 1000) / elapsed);
      sample.outPerSec = Math.round(((session.bytesOut - sample.bytesOut) * 1000) / elapsed);
      sample.at = now;
      sample.bytesIn = session.bytesIn;
      sample.bytesOut = session.bytesOut;
    }
    return sample;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
