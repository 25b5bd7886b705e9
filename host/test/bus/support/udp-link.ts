import dgram from 'node:dgram';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { EventEmitter, type Endpoint, type PeerKey } from '@kith/sdk';
import type { SessionLink, SessionLinks } from '../../../src/core/session-link.js';

/**
 * A SessionLink for bus tests and benchmarks: real UDP datagrams between two sockets, no
 * handshake. With `sealKey` every datagram is sealed with ChaCha20-Poly1305 (node:crypto, a
 * counter nonce carried in front), so benchmarks pay a real per-datagram AEAD like a session does.
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
  #nonce = 0n;
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
    if (message.length < 12 + 16) return;
    try {
      const decipher = createDecipheriv('chacha20-poly1305', this.#sealKey, message.subarray(0, 12), { authTagLength: 16 });
      decipher.setAuthTag(message.subarray(message.length - 16));
      const plain = Buffer.concat([decipher.update(message.subarray(12, message.length - 16)), decipher.final()]);
      this.#received.fire(new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength));
    } catch {
      // forged or damaged: dropped, as a session would
    }
  };

  send(plaintext: Uint8Array): void {
    if (this.#isClosed) throw new Error('link closed');
    if (plaintext.length > this.maxPayload) throw new RangeError(`datagram of ${plaintext.length} bytes exceeds ${this.maxPayload}`);
    if (!this.#sealKey) {
      this.#socket.send(plaintext, this.remote.port, '127.0.0.1');
      return;
    }
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64BE(this.#nonce++, 4);
    const cipher = createCipheriv('chacha20-poly1305', this.#sealKey, nonce, { authTagLength: 16 });
    const body = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    this.#socket.send(body, this.remote.port, '127.0.0.1');
  }

  close(reason = 'closed-locally'): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#socket.off('message', this.#onMessage);
    this.#closed.fire(reason);
  }
}

/** Bind a UDP socket on 127.0.0.1 with an OS-assigned port. */
export async function bindUdp(): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20, sendBufferSize: 8 << 20 });
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
