import dgram from 'node:dgram';

/** What the relay does to each datagram. Probabilities are 0..1. */
export interface Impairments {
  /** Drop this share of datagrams. */
  readonly loss: number;
  /** Send this share twice. */
  readonly duplicate: number;
  /** Hold this share back by an extra `reorderMs`, so later datagrams overtake it. */
  readonly reorder: number;
  readonly reorderMs: number;
  /** Every datagram is delayed by a uniform time in [min, max] ms. */
  readonly delayMs: readonly [number, number];
  /** PRNG seed, so a failing run can be replayed. */
  readonly seed: number;
  /**
   * Drop every datagram longer than this many bytes (a path whose MTU is small and that does
   * not fragment, e.g. 1232); unlimited when absent. Counted in `dropped` and `tooLarge`.
   */
  readonly maxDatagram?: number;
}

export const DEFAULT_IMPAIRMENTS: Impairments = {
  loss: 0.1, duplicate: 0.05, reorder: 0.1, reorderMs: 8, delayMs: [0, 2], seed: 1,
};

export interface RelayStats {
  forwarded: number;
  dropped: number;
  /** Of `dropped`: datagrams over `maxDatagram`. */
  tooLarge: number;
  duplicated: number;
  reordered: number;
}

export interface LossyRelay {
  /** Side A sends here (to reach B). */
  readonly portForA: number;
  /** Side B sends here (to reach A). */
  readonly portForB: number;
  readonly stats: RelayStats;
  /** Set B's port once it is known (a WebRTC answer names it after A's offer named the relay). */
  setB(port: number): void;
  /** Change impairments on the fly (e.g. stop losing packets). */
  impair(impairments: Partial<Impairments>): void;
  close(): Promise<void>;
}

/** mulberry32: small, seedable, good enough to schedule packet fates. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A user-space lossy UDP relay (the kernel here has no netem): A talks to `portForA`, B to
 * `portForB`; each datagram is dropped, delayed, held back or duplicated per {@link Impairments}
 * and forwarded from the other socket, so each side sees the relay as its peer.
 * `a` and `b` are the real ports of the two sides on `host` (127.0.0.1 unless the sides bound another
 * local address, as Chromium's WebRTC does); b may be 0 and set later via `setB`.
 */
export async function startLossyRelay(a: number, b: number, impairments: Partial<Impairments> = {}, host = '127.0.0.1'): Promise<LossyRelay> {
  let settings: Impairments = { ...DEFAULT_IMPAIRMENTS, ...impairments };
  let random = prng(settings.seed);
  const stats: RelayStats = { forwarded: 0, dropped: 0, tooLarge: 0, duplicated: 0, reordered: 0 };
  // Large buffers: the relay itself must not become a source of loss it does not count.
  const sideA = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  const sideB = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const forward = (out: dgram.Socket, port: number, message: Buffer): void => {
    if (settings.maxDatagram !== undefined && message.length > settings.maxDatagram) {
      stats.dropped++;
      stats.tooLarge++;
      return;
    }
    if (random() < settings.loss) {
      stats.dropped++;
      return;
    }
    const copies = random() < settings.duplicate ? 2 : 1;
    if (copies === 2) stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      let delay = settings.delayMs[0] + random() * (settings.delayMs[1] - settings.delayMs[0]);
      if (random() < settings.reorder) {
        delay += settings.reorderMs;
        stats.reordered++;
      }
      const send = () => {
        if (closed) return;
        stats.forwarded++;
        out.send(message, port, host);
      };
      if (delay < 0.5) {
        send();
        continue;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, delay);
      timers.add(timer);
    }
  };

  sideA.on('message', (message, from) => {
    if (b !== 0 && from.port === a) forward(sideB, b, message);
  });
  sideB.on('message', (message, from) => {
    if (b !== 0 && from.port === b) forward(sideA, a, message);
  });
  await Promise.all([sideA, sideB].map((s) => new Promise<void>((resolve) => s.bind(0, host, () => resolve()))));
  return {
    portForA: sideA.address().port,
    portForB: sideB.address().port,
    stats,
    setB(port) {
      b = port;
    },
    impair(changes) {
      settings = { ...settings, ...changes };
      if (changes.seed !== undefined) random = prng(changes.seed);
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([sideA, sideB].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
