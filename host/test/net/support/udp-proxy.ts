import dgram from 'node:dgram';

/** Kith packet types by their second byte. */
export const HELLO = 0x01;
export const HELLO_ACK = 0x02;
export const DATA = 0x03;

/**
 * A loopback UDP relay between one client (whoever sends to it first) and a fixed target, with a
 * hook that can hold client → target datagrams, and a log of what went each way. Lets a test cut
 * a handshake in half or replay a captured datagram from the client's apparent address.
 */
export class UdpProxy {
  readonly #socket: dgram.Socket;
  readonly #targetPort: number;
  #client: { address: string; port: number } | undefined;
  readonly toTarget: Buffer[] = [];
  readonly toClient: Buffer[] = [];
  readonly held: Buffer[] = [];
  /** Return true to hold a client → target datagram instead of forwarding it. */
  hold: (data: Buffer) => boolean = () => false;

  private constructor(socket: dgram.Socket, targetPort: number) {
    this.#socket = socket;
    this.#targetPort = targetPort;
    socket.on('message', (data, rinfo) => {
      if (rinfo.port === targetPort) {
        this.toClient.push(data);
        if (this.#client) socket.send(data, this.#client.port, this.#client.address);
        return;
      }
      this.#client ??= { address: rinfo.address, port: rinfo.port };
      this.toTarget.push(data);
      if (this.hold(data)) this.held.push(data);
      else socket.send(data, targetPort, '127.0.0.1');
    });
  }

  static async start(targetPort: number): Promise<UdpProxy> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpProxy(socket, targetPort);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Send `data` to the target as if the client sent it (the proxy's address is all the target sees). */
  replay(data: Buffer): Promise<void> {
    return new Promise((resolve) => this.#socket.send(data, this.#targetPort, '127.0.0.1', () => resolve()));
  }

  close(): void {
    this.#socket.close();
  }
}
