import dgram from 'node:dgram';

/**
 * A user-space lossy UDP relay (the lab kernel has no netem). Clients send to `port`; the shim
 * forwards to `target` from its own upstream socket and relays answers back to the last client,
 * dropping, delaying, reordering and duplicating datagrams as configured. It also records every
 * datagram it carried: it is the "third party who sees the packets" in security tests.
 */
export interface ShimOptions {
  readonly target: { address: string; port: number };
  /** Probability a datagram is dropped (0..1). */
  readonly loss?: number;
  /** Fixed delay plus uniform jitter (ms); jitter reorders. */
  readonly delayMs?: number;
  readonly jitterMs?: number;
  /** Probability a datagram is delivered twice. */
  readonly duplicate?: number;
  /** Deterministic randomness (a test can reproduce a run). */
  readonly seed?: number;
  readonly bindAddress?: string;
}

export interface Carried {
  readonly direction: 'up' | 'down';
  readonly data: Buffer;
}

export class LossyShim {
  readonly carried: Carried[] = [];
  readonly stats = { up: 0, down: 0, dropped: 0, duplicated: 0 };
  #front: dgram.Socket;
  #back: dgram.Socket;
  #client: { address: string; port: number } | undefined;
  #random: () => number;
  #timers = new Set<NodeJS.Timeout>();

  private constructor(front: dgram.Socket, back: dgram.Socket, private readonly options: ShimOptions) {
    this.#front = front;
    this.#back = back;
    let state = (options.seed ?? 1) >>> 0 || 1;
    this.#random = () => {
      // xorshift32: reproducible impairment patterns.
      state ^= state << 13; state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5; state >>>= 0;
      return state / 0x1_0000_0000;
    };
    front.on('message', (data, rinfo) => {
      this.#client = { address: rinfo.address, port: rinfo.port };
      this.#carry('up', data, (d) => back.send(d, options.target.port, options.target.address));
    });
    back.on('message', (data) => {
      const client = this.#client;
      if (client) this.#carry('down', data, (d) => front.send(d, client.port, client.address));
    });
  }

  static async start(options: ShimOptions): Promise<LossyShim> {
    const type = options.target.address.includes(':') ? 'udp6' : 'udp4';
    const bind = (s: dgram.Socket) => new Promise<void>((r) => s.bind(0, options.bindAddress ?? (type === 'udp6' ? '::1' : '127.0.0.1'), () => r()));
    const front = dgram.createSocket(type);
    const back = dgram.createSocket(type);
    await bind(front);
    await bind(back);
    return new LossyShim(front, back, options);
  }

  get port(): number {
    return this.#front.address().port;
  }

  #carry(direction: 'up' | 'down', data: Buffer, deliver: (d: Buffer) => void): void {
    this.carried.push({ direction, data: Buffer.from(data) });
    this.stats[direction]++;
    if (this.#random() < (this.options.loss ?? 0)) {
      this.stats.dropped++;
      return;
    }
    const copies = this.#random() < (this.options.duplicate ?? 0) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = (this.options.delayMs ?? 0) + this.#random() * (this.options.jitterMs ?? 0);
      if (delay <= 0) {
        deliver(data);
        continue;
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        deliver(data);
      }, delay);
      this.#timers.add(timer);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    await Promise.all([this.#front, this.#back].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
