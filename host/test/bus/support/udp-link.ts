import dgram from 'node:dgram';
import { AEAD_TAG_BYTES, openInPlace, sealInPlace } from '../../../src/net/aead.js';
import { literalLookup } from '../../../src/net/udp-port.js';
import { wireSlab } from '../../../src/core/byte-slab.js';
import { EventEmitter, type Endpoint, type PeerKey } from '@kith/sdk';
import type { SessionLink, SessionLinks } from '../../../src/core/session-link.js';

/**
 * A SessionLink for bus tests and benchmarks: real UDP datagrams between two sockets, no
 * handshake. With `sealKey` every datagram is sealed with the session's ChaCha20-Poly1305
 * (host/src/net/aead.ts, a 64-bit counter carried in front), so benchmarks pay the same
 * per-datagram AEAD a session does.
 */
export class UdpLink implements SessionLink {
  readonly peer: PeerKey;
  readonly peerId: string;
  readonly path = 'loopback';
  readonly remote: Endpoint;
  readonly openedAt = Date.now();
  readonly maxPayload: number;
  readonly #socket: dgram.Socket;
  readonly #received = new EventEmitter<Uint8Array>();
  readonly #closed = new EventEmitter<string>();
  readonly #sealKey: Uint8Array | undefined;
  #counter = 0;
  #isClosed = false;
  readonly onDidReceive = this.#received.event;
  readonly onDidClose = this.#closed.event;

  constructor(options: {
    socket: dgram.Socket; remotePort: number; peer: PeerKey; peerId?: string; maxPayload?: number; sealKey?: Uint8Array;
  }) {
    this.#socket = options.socket;
    this.peer = options.peer;
    this.peerId = options.peerId ?? options.peer.slice(0, 16);
    this.remote = { address: '127.0.0.1', port: options.remotePort, family: 'ipv4' };
    this.maxPayload = options.maxPayload ?? 1200;
    this.#sealKey = options.sealKey;
    this.#socket.on('message', this.#onMessage);
  }

  readonly #onMessage = (message: Buffer, from: dgram.RemoteInfo): void => {
    if (this.#isClosed || from.port !== this.remote.port) return;
    if (!this.#sealKey) {
      this.#received.fire(new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
      return;
    }
    if (message.length < 8 + 16) return;
    const counter = message.readUInt32BE(0) * 0x1_0000_0000 + message.readUInt32BE(4);
    const plain = openInPlace(this.#sealKey, counter, message.subarray(0, 8), message.subarray(8));
    // forged or damaged: dropped, as a session would
    if (plain) this.#received.fire(new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength));
  };

  send(plaintext: Uint8Array, tail?: Uint8Array): void {
    if (this.#isClosed) throw new Error('link closed');
    const length = plaintext.length + (tail?.length ?? 0);
    if (length > this.maxPayload) throw new RangeError(`datagram of ${length} bytes exceeds ${this.maxPayload}`);
    if (!this.#sealKey) {
      this.#socket.send(tail ? Buffer.concat([plaintext, tail]) : plaintext, this.remote.port, '127.0.0.1');
      return;
    }
    const counter = this.#counter++;
    const packet = wireSlab.take(8 + length + AEAD_TAG_BYTES);
    packet.writeUInt32BE(Math.floor(counter / 0x1_0000_0000), 0);
    packet.writeUInt32BE(counter >>> 0, 4);
    packet.set(plaintext, 8);
    if (tail) packet.set(tail, 8 + plaintext.length);
    sealInPlace(this.#sealKey, counter, packet.subarray(0, 8), packet, 8);
    // Corked until the task ends, as host/src/net/udp-port.ts does.
    this.#corked.push(packet);
    if (this.#corked.length === 1) queueMicrotask(this.#flush);
  }

  readonly #corked: Buffer[] = [];
  readonly #flush = (): void => {
    for (const packet of this.#corked.splice(0)) this.#socket.send(packet, this.remote.port, '127.0.0.1');
  };

  close(reason = 'closed-locally'): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#socket.off('message', this.#onMessage);
    this.#closed.fire(reason);
  }
}

/** Bind a UDP socket on 127.0.0.1 with an OS-assigned port. */
export async function bindUdp(): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20, sendBufferSize: 8 << 20, lookup: literalLookup as never });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  return socket;
}

/** A minimal SessionLinks over test links (no connect flow). */
export class TestLinks implements SessionLinks {
  readonly #links = new Map<PeerKey, SessionLink>();
  readonly #opened = new EventEmitter<SessionLink>();
  readonly onDidOpen = this.#opened.event;

  get all(): SessionLink[] {
    return [...this.#links.values()];
  }

  get(peer: PeerKey): SessionLink | undefined {
    return this.#links.get(peer);
  }

  add(link: SessionLink): void {
    this.#links.set(link.peer, link);
    link.onDidClose(() => {
      if (this.#links.get(link.peer) === link) this.#links.delete(link.peer);
    });
    this.#opened.fire(link);
  }

  async connect(): Promise<SessionLink> {
    throw new Error('TestLinks cannot connect');
  }
}
