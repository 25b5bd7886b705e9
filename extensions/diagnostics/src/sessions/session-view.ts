import type { SessionStats } from '@kith/sdk';
import { qualityOf, type Quality } from './quality.js';

/** One live session as the page shows it. */
export interface SessionView {
  readonly peer: string;
  /** The friend's label (the page shows it; the shared report never does). */
  readonly label: string | null;
  readonly path: string;
  readonly rung: string;
  readonly handshakeMs: number | null;
  readonly stages: SessionStats['openedBy']['stages'];
  readonly remote: string;
  readonly openedAt: number;
  readonly initiator: boolean;
  readonly rttMs: number | null;
  readonly rttSource: SessionStats['rtt']['source'];
  readonly lossInbound: number | null;
  readonly retransmits: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly inBps: number;
  readonly outBps: number;
  readonly cipher: string;
  readonly rekeys: number;
  readonly quality: Quality;
}

export function sessionView(s: SessionStats, label: string | null, now = Date.now()): SessionView {
  const remote = s.remote.family === 'ipv6' ? `[${s.remote.address}]:${s.remote.port}` : `${s.remote.address}:${s.remote.port}`;
  return {
    peer: s.peer,
    label,
    path: s.path,
    rung: s.openedBy.rung,
    handshakeMs: s.openedBy.handshakeMs,
    stages: s.openedBy.stages,
    remote,
    openedAt: s.openedAt,
    initiator: s.initiator,
    rttMs: s.rtt.smoothedMs ?? s.rtt.latestMs,
    rttSource: s.rtt.source,
    lossInbound: s.loss.inbound,
    retransmits: s.loss.retransmits,
    bytesIn: s.traffic.bytesIn,
    bytesOut: s.traffic.bytesOut,
    inBps: s.traffic.bytesInPerSec,
    outBps: s.traffic.bytesOutPerSec,
    cipher: `${s.cipher.protocol} / ${s.cipher.aead}`,
    rekeys: s.cipher.rekeys,
    quality: qualityOf(s, now),
  };
}
