import type { Endpoint, PeerKey, TraceEntry } from '@kith/sdk';
import type { SessionLink } from '../core/session-link.js';
import type { SessionTable } from './session-table.js';
import { endpointKey } from './endpoint.js';
import { KEEPALIVE_MS } from './wire-constants.js';

/** The rungs of the ladder, in order. */
export const RUNGS = ['ipv6-direct', 'ipv4-punch', 'lan-direct'] as const;
export type LadderStageName = (typeof RUNGS)[number];

/** How long each rung runs (ms). Both peers must use the same values: they define the shared schedule. */
export const STAGE_MS: Readonly<Record<LadderStageName, number>> = {
  'ipv6-direct': 1_500,
  'ipv4-punch': 3_000,
  'lan-direct': 2_500,
};
/** HELLO burst spacing. */
export const BURST_INTERVAL_MS = 40;

/** A trace entry of one connect attempt (also stored in kernel.diagnostics.traces). */
export interface LadderTrace extends TraceEntry {
  readonly stage: string;
  readonly candidate?: string;
  /** Id of the connect attempt (set when stored). */
  readonly attempt?: string;
}

export interface LadderResult {
  readonly session: SessionLink | undefined;
  readonly trace: readonly LadderTrace[];
}

/** The LAN rung's hooks: announce ourselves, and learn the friend's session endpoint from its beacon. */
export interface LanSeeker {
  announce(): void;
  /** Endpoint the friend's beacon announced during this attempt, if any. */
  seen(): Endpoint | undefined;
}

export interface LadderOptions {
  readonly table: SessionTable;
  readonly peer: PeerKey;
  /** Candidates to try. A rung without a candidate is skipped and takes no time (both peers skip alike). */
  readonly ipv6?: Endpoint | null;
  readonly ipv4?: Endpoint | null;
  readonly lan?: LanSeeker;
  /** Local-clock Unix ms at which the first rung starts (both peers derive it from server time). */
  readonly startAt: number;
  readonly stageMs?: Partial<Record<LadderStageName, number>>;
  readonly signal?: AbortSignal;
  /** Called for each trace entry as it is made (diagnostics, UI). */
  readonly onTrace?: (entry: LadderTrace) => void;
}

/**
 * How the session opened, in words that agree with the rungs above it: the path is named after the
 * remote address, and the HELLO that got through may be the peer's (its own rung) while this side
 * skipped that rung, so then the trace says the peer's hello arrived rather than "via <skipped rung>".
 */
function describeOpening(opened: SessionLink, skipped: ReadonlySet<string>): string {
  const where = endpointKey(opened.remote);
  const ours = (opened as { initiator?: boolean }).initiator !== false;
  if (ours && !skipped.has(opened.path)) return `session open via ${opened.path} ${where}`;
  const path = skipped.has(opened.path) ? `the peer's ${opened.path}; skipped here` : opened.path;
  return `session open: the peer's hello got through from ${where} (${path})`;
}

/** A session that has heard nothing from the peer for longer than a keepalive period and a margin. */
function isSilent(session: SessionLink): boolean {
  return session.lastReceivedAt !== undefined && Date.now() - session.lastReceivedAt > KEEPALIVE_MS + 1_500;
}

/** Sleep that ends early when `wake` is called (a session opened: stop waiting for the next burst). */
function wakeableSleep(): { sleep(ms: number): Promise<void>; wake(): void } {
  let wakeUp: (() => void) | undefined;
  return {
    sleep: (ms) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { wakeUp = undefined; resolve(); }, Math.max(0, ms));
      wakeUp = () => { clearTimeout(timer); wakeUp = undefined; resolve(); };
    }),
    wake: () => wakeUp?.(),
  };
}

/**
 * The connect orchestrator: IPv6 direct → IPv4 punch → LAN direct → a clear error. Each rung
 * fires authenticated HELLO bursts at its candidate for its slot of the shared schedule, so both
 * peers punch at the same moment; the attempt ends as soon as a session with the peer opens
 * (whichever side's HELLO got through). Every rung leaves a trace entry.
 */
export async function runLadder(options: LadderOptions): Promise<LadderResult> {
  const { table, peer } = options;
  const trace: LadderTrace[] = [];
  const record = (entry: LadderTrace) => {
    trace.push(entry);
    options.onTrace?.(entry);
  };
  const existing = table.get(peer);
  if (existing && !isSilent(existing)) {
    record({ stage: 'connect', outcome: 'ok', peer, detail: `already open (${existing.path})`, ms: 0 });
    return { session: existing, trace };
  }
  if (existing) {
    // The peer missed a keepalive and is asking for a session: it restarted (or lost its half), so
    // ours is a leftover that would make this side skip every rung while the peer's rungs fail.
    const silentMs = Date.now() - existing.lastReceivedAt!;
    record({ stage: 'connect', outcome: 'ok', peer, detail: `closed a silent session (nothing from the peer for ${silentMs} ms)`, ms: 0 });
    existing.close('silent: the peer asked for a new session');
  }
  let opened: SessionLink | undefined;
  const pause = wakeableSleep();
  const subscription = table.onDidOpen((link) => {
    if (link.peer !== peer) return;
    opened = link;
    pause.wake();
  });
  const began = Date.now();
  const durations = { ...STAGE_MS, ...options.stageMs };
  const rungs: { name: LadderStageName; candidate: Endpoint | null | undefined; reason: string }[] = [
    { name: 'ipv6-direct', candidate: options.ipv6, reason: 'no IPv6 endpoint on both sides' },
    { name: 'ipv4-punch', candidate: options.ipv4, reason: 'no public IPv4 endpoint on both sides' },
    { name: 'lan-direct', candidate: undefined, reason: 'LAN beacons unavailable' },
  ];
  let slotStart = options.startAt;
  const skipped = new Set<string>();
  try {
    for (const rung of rungs) {
      const isLan = rung.name === 'lan-direct';
      if (!isLan && !rung.candidate) {
        skipped.add(rung.name);
        record({ stage: rung.name, outcome: 'skipped', peer, detail: rung.reason, ms: 0 });
        continue;
      }
      if (isLan && !options.lan) {
        skipped.add(rung.name);
        record({ stage: rung.name, outcome: 'skipped', peer, detail: rung.reason, ms: 0 });
        continue;
      }
      const slotEnd = slotStart + durations[rung.name];
      if (!opened) await pause.sleep(slotStart - Date.now());
      const stageBegan = Date.now();
      let tick = 0;
      while (!opened && Date.now() < slotEnd && !options.signal?.aborted) {
        if (isLan) {
          if (tick % 5 === 0) options.lan!.announce();
          const seen = options.lan!.seen();
          if (seen) table.sendHello(peer, seen);
        } else {
          table.sendHello(peer, rung.candidate!);
        }
        tick++;
        await pause.sleep(Math.min(BURST_INTERVAL_MS, slotEnd - Date.now()));
      }
      const candidate = isLan ? options.lan!.seen() : rung.candidate!;
      const ms = Date.now() - stageBegan;
      if (opened) {
        record({
          stage: rung.name, outcome: 'ok', peer, ms,
          ...(candidate ? { candidate: endpointKey(candidate) } : {}),
          detail: describeOpening(opened, skipped),
        });
        break;
      }
      record({
        stage: rung.name, outcome: 'failed', peer, ms,
        ...(candidate ? { candidate: endpointKey(candidate) } : {}),
        detail: options.signal?.aborted ? 'cancelled'
          : isLan && !candidate ? 'no beacon from the peer on this link'
          : `no answer within ${durations[rung.name]} ms`,
      });
      if (options.signal?.aborted) break;
      slotStart = slotEnd;
    }
  } finally {
    subscription.dispose();
    if (!opened) table.abandon(peer);
  }
  const total = Date.now() - began;
  if (opened) {
    record({ stage: 'connect', outcome: 'ok', peer, ms: total, detail: describeOpening(opened, skipped) });
  } else {
    record({
      stage: 'connect', outcome: 'failed', peer, ms: total,
      detail: 'no direct path: every rung failed (both NATs may be symmetric, or a firewall drops UDP); Kith never relays',
    });
  }
  return { session: opened, trace };
}
