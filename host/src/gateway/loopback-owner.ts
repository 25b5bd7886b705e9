import fs from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';

/** The four addresses of a TCP connection, as the accepting side sees them. */
export interface ConnectionEnds {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

/** The kernel's tables of TCP sockets (Linux), IPv4 then IPv6 (where IPv4-mapped clients are). */
export const PROC_TABLES = ['/proc/net/tcp', '/proc/net/tcp6'] as const;
/** The state column of a connected socket (`TCP_ESTABLISHED`). */
const ESTABLISHED = '01';
/** The kernel hands these tables out a page or so per read, whatever the buffer: one small buffer serves every read. */
const READ_CHUNK = 1 << 16;

/** One connected row: whose socket it is. */
interface Row {
  readonly state: string;
  readonly uid: number;
}

/**
 * A snapshot of the kernel's socket tables, to look connections up in: who owns the client end
 * of each. Read off the event loop (the tables grow with every socket on the machine), and each
 * row parsed once, so a lookup costs the same however many connections wait.
 */
export class SocketTables {
  private constructor(
    private readonly tables: readonly string[],
    private readonly rows: ReadonlyMap<string, Row>,
  ) {}

  /**
   * Read `tables` now; a table that cannot be read makes this reject (the caller fails closed).
   * Given the connections wanted, only their rows are kept, and a table is read only as far as
   * the last of them.
   */
  static async read(tables: readonly string[] = PROC_TABLES, wanted?: readonly ConnectionEnds[]): Promise<SocketTables> {
    const rows = new Map<string, Row>();
    for (const table of tables) {
      const keys = wanted && new Set(wanted.map((ends) => rowKey(table, ends)).filter((k): k is string => k !== undefined));
      await readRows(table, keys, rows);
    }
    return new SocketTables(tables, rows);
  }

  /**
   * The uid owning the client end of the connection `ends` (the accepting side's view), or null
   * when no table holds it connected: gone already, closing, or not a connection of this machine.
   */
  ownerOf(ends: ConnectionEnds): number | null {
    for (const table of this.tables) {
      const key = rowKey(table, ends);
      const row = key === undefined ? undefined : this.rows.get(key);
      // A closing socket is listed under uid 0 whoever made it: only a connected one counts.
      if (row && row.state === ESTABLISHED) return row.uid;
    }
    return null;
  }
}

/** Whether this machine has socket tables to read (Linux with /proc mounted and readable). */
export function socketTablesReadable(tables: readonly string[] = PROC_TABLES): boolean {
  try {
    fs.accessSync(tables[0]!, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** `<table> <client end> <server end>`: a row's key, as its local and remote columns read. */
function rowKey(table: string, ends: ConnectionEnds): string | undefined {
  const { remoteAddress, remotePort, localAddress, localPort } = ends;
  if (!remoteAddress || !localAddress || !remotePort || !localPort) return undefined;
  const v6 = table.endsWith('6');
  const client = v6 ? tcp6Key(remoteAddress, remotePort) : tcp4Key(remoteAddress, remotePort);
  const server = v6 ? tcp6Key(localAddress, localPort) : tcp4Key(localAddress, localPort);
  return client && server ? `${table} ${client} ${server}` : undefined;
}

/**
 * Parse `file`'s rows into `into` (all of them, or only those whose key is in `wanted`, stopping
 * once each wanted one was seen connected). Rows: "sl local rem st tx:rx tr:when retrnsmt uid ...".
 */
async function readRows(file: string, wanted: Set<string> | undefined, into: Map<string, Row>): Promise<void> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    const open = wanted && new Set(wanted);
    let partial = '';
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
      if (bytesRead === 0) break;
      const lines = (partial + buffer.toString('latin1', 0, bytesRead)).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const fields = line.trim().split(/\s+/);
        if (fields.length < 8) continue;
        const key = `${file} ${fields[1]} ${fields[2]}`;
        if (wanted && !wanted.has(key)) continue;
        const uid = Number(fields[7]);
        if (!Number.isSafeInteger(uid) || uid < 0) continue;
        // The same pair twice (a closing socket and a new one): the connected one counts.
        if (into.get(key)?.state !== ESTABLISHED) into.set(key, { state: fields[3]!, uid });
        if (fields[3] === ESTABLISHED) open?.delete(key);
      }
      if (open && open.size === 0) return;
    }
  } finally {
    await handle.close();
  }
}

/**
 * The kernel prints each 32-bit word of an address as a number in the CPU's byte order, and the
 * port in network order: on a little-endian CPU 127.0.0.1 reads `0100007F`.
 */
const WORD_BYTES_REVERSED = os.endianness() === 'LE';

function word(bytes: readonly number[]): string {
  return hex(WORD_BYTES_REVERSED ? [...bytes].reverse() : bytes);
}

function tcp4Key(address: string, port: number): string | undefined {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) !== 4) return undefined;
  return `${word(v4.split('.').map(Number))}:${hexPort(port)}`;
}

/** An IPv6 address (IPv4-mapped ones included) as /proc/net/tcp6 prints it: four words. */
function tcp6Key(address: string, port: number): string | undefined {
  const bytes = ipv6Bytes(address);
  if (!bytes) return undefined;
  let words = '';
  for (let i = 0; i < 16; i += 4) words += word(bytes.slice(i, i + 4));
  return `${words}:${hexPort(port)}`;
}

function ipv6Bytes(address: string): number[] | undefined {
  if (isIP(address) === 4) return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...address.split('.').map(Number)];
  if (isIP(address) !== 6) return undefined;
  let text = address.replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) text = text.slice(0, -tail[1]!.length) + '0:0';
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').filter((g) => g.length > 0) : []);
  const left = groups(head);
  const right = groups(rest);
  const all = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  if (tail) bytes.splice(12, 4, ...tail[1]!.split('.').map(Number));
  return bytes.length === 16 ? bytes : undefined;
}

function hex(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}

function hexPort(port: number): string {
  return port.toString(16).padStart(4, '0').toUpperCase();
}
