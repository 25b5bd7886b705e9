import dgram from 'node:dgram';
import type { ActivePersona } from '../../../src/core/persona-gate.js';
import { PeerKeyring, helloHint, type FriendKeys } from '../../../src/net/peer-keyring.js';
import { kkInitiate, type TransportKeys } from '../../../src/net/noise-kk.js';
import { decodeAckPayload, decodeHelloAck, encodeHello, encodeHelloPayload } from '../../../src/net/peer-packet.js';
import { open, seal } from '../../../src/net/aead.js';

/**
 * A peer that speaks only the session wire format as published before path MTU probes
 * (docs/net.md): it opens a session as the KK initiator, confirms it with an empty keepalive,
 * delivers inner 0x10 payloads, takes a keepalive whatever its body, and ignores every other
 * inner type. Like an older Kith it drops datagrams above 1232 bytes unread. It records what it
 * was sent, so a test can check that nothing new reached it.
 */
export class PlainPeer {
  readonly payloads: Buffer[] = [];
  /** Inner types of every authenticated DATA datagram it read. */
  readonly innerTypes: number[] = [];
  /** Sizes of every datagram that reached its socket, dropped or not. */
  readonly sizes: number[] = [];
  #socket: dgram.Socket;
  #keys: TransportKeys | undefined;
  #localIndex = 0x1234_5678;
  #remoteIndex = 0;
  #counter = 0;
  #to: { port: number; address: string };

  private constructor(socket: dgram.Socket, to: { port: number; address: string }) {
    this.#socket = socket;
    this.#to = to;
  }

  /** Open a session with the Kith at `to` as `persona`, whose friend card is `friend`. */
  static async connect(persona: ActivePersona, friend: FriendKeys, to: { port: number; address: string }): Promise<PlainPeer> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const peer = new PlainPeer(socket, to);
    const keyring = new PeerKeyring(persona);
    keyring.replace([friend]);
    const entry = keyring.get(friend.peer)!;
    const kk = kkInitiate({ localStatic: entry.localStatic, remoteStatic: entry.remoteStatic, payload: encodeHelloPayload(Date.now(), persona.info.peerId) });
    const hello = encodeHello(peer.#localIndex, helloHint(entry.hintKey, persona.masterPublicKey, kk.ephemeral.publicKey), kk.message);
    const opened = new Promise<void>((resolve) => {
      socket.on('message', (data) => {
        peer.sizes.push(data.length);
        if (data.length > 1232 || data.length < 2 || data[0] !== 0xcc) return;
        if (data[1] === 0x02 && !peer.#keys) {
          const ack = decodeHelloAck(data);
          if (!ack.ok || ack.value.receiverIndex !== peer.#localIndex) return;
          const result = kk.readMessage2(ack.value.noise);
          if (!result || decodeAckPayload(result.payload) === undefined) return;
          peer.#keys = result.keys;
          peer.#remoteIndex = ack.value.senderIndex;
          peer.#send(0x01, Buffer.alloc(0)); // the confirming keepalive, empty as it always was
          resolve();
          return;
        }
        if (data[1] === 0x03 && peer.#keys) peer.#read(data);
      });
    });
    socket.send(hello, to.port, to.address);
    await opened;
    return peer;
  }

  /** Send one payload datagram (inner 0x10). */
  sendPayload(body: Uint8Array): void {
    this.#send(0x10, body);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  #read(data: Buffer): void {
    const counter = data.readUInt32BE(6) * 0x1_0000_0000 + data.readUInt32BE(10);
    const plain = open(this.#keys!.receive, counter, data.subarray(0, 14), data.subarray(14));
    if (!plain || plain.length === 0) return;
    this.innerTypes.push(plain[0]!);
    if (plain[0] === 0x10) this.payloads.push(Buffer.from(plain.subarray(1)));
  }

  #send(type: number, body: Uint8Array): void {
    const header = Buffer.alloc(14);
    header[0] = 0xcc;
    header[1] = 0x03;
    header.writeUInt32BE(this.#remoteIndex, 2);
    const counter = this.#counter++;
    header.writeUInt32BE(counter >>> 0, 10);
    const sealed = seal(this.#keys!.send, counter, header, Buffer.concat([Buffer.of(type), body]));
    this.#socket.send(Buffer.concat([header, sealed]), this.#to.port, this.#to.address);
  }
}
