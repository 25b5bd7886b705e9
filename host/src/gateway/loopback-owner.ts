import fs from 'node:fs';
import { isIP } from 'node:net';

/** The four addresses of a TCP connection, as the accepting side sees them. */
export interface ConnectionEnds {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

/**
 * Who is on the other end of a loopback connection: the uid that owns the client's socket, read
 * from the kernel's socket tables (`/proc/net/tcp`, `/proc/net/tcp6`; Linux). `undefined` where
 * there are no such tables (not Linux, /proc not mounted), `null` when they were read and hold no
 * such connection (it is already gone).
 */
export function loopbackOwner(ends: ConnectionEnds, tables: readonly string[] = PROC_TABLES): number | null | undefined {
  const { remoteAddress, remotePort, localAddress, localPort } = ends;
  if (!remoteAddress || !localAddress || !remotePort || !localPort) return null;
  let readable = false;
  for (const table of tables) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    readable = true;
    const client = table.endsWith('6') ? tcp6Key(remoteAddress, remotePort) : tcp4Key(remoteAddress, remotePort);
    const server = table.endsWith('6') ? tcp6Key(localAddress, localPort) : tcp4Key(localAddress, localPort);
    if (!client || !server) continue;
    const uid = ownerIn(text, client, server);
    if (uid !== null) return uid;
  }
  return readable ? null : undefined;
}

const PROC_TABLES = ['/proc/net/tcp', '/proc/net/tcp6'] as const;

/** The uid column of the row whose local end is `client` and remote end `server`. */
function ownerIn(table: string, client: string, server: string): number | null {
  // Rows: "sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...".
  let at = table.indexOf(` ${client} ${server} `);
  while (at >= 0) {
    const end = table.indexOf('\n', at);
    const fields = table.slice(at, end < 0 ? undefined : end).trim().split(/\s+/);
    const uid = Number(fields[6]);
    if (Number.isSafeInteger(uid) && uid >= 0) return uid;
    at = table.indexOf(` ${client} ${server} `, at + 1);
  }
  return null;
}

/** `127.0.0.1:54321` as /proc/net/tcp writes it: the address as a little-endian word, the port big-endian. */
function tcp4Key(address: string, port: number): string | undefined {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) !== 4) return undefined;
  const bytes = v4.split('.').map(Number);
  return `${hex(bytes.reverse())}:${hexPort(port)}`;
}

/** An IPv6 address (IPv4-mapped ones included) as /proc/net/tcp6 writes it: four little-endian words. */
function tcp6Key(address: string, port: number): string | undefined {
  const bytes = ipv6Bytes(address);
  if (!bytes) return undefined;
  let words = '';
  for (let i = 0; i < 16; i += 4) words += hex(bytes.slice(i, i + 4).reverse());
  return `${words}:${hexPort(port)}`;
}

function ipv6Bytes(address: string): number[] | undefined {
  if (isIP(address) === 4) return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...address.split('.').map(Number)];
  if (isIP(address) !== 6) return undefined;
  let text = address.replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let last: number[] = [];
  if (tail) {
    last = tail[1]!.split('.').map(Number);
    text = text.slice(0, -tail[1]!.length) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').filter((g) => g.length > 0) : []);
  const left = groups(head);
  const right = groups(rest);
  const all = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  if (tail) bytes.splice(12, 4, ...last);
  return bytes.length === 16 ? bytes : undefined;
}

function hex(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}

function hexPort(port: number): string {
  return port.toString(16).padStart(4, '0').toUpperCase();
}
