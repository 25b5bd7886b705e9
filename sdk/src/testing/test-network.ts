import { eventually } from './eventually.js';
import { resolveProgram, startProgram, type ProgramOptions } from './program.js';
import { startTestHost, type TestHost, type TestHostOptions } from './test-host.js';

/** A rendezvous server the kit started (the program's `--server` role on a loopback port). */
export interface TestRendezvous {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Start the rendezvous role of the Kith program on a free loopback port. */
export async function startTestRendezvous(options: ProgramOptions & { readonly startTimeoutMs?: number } = {}): Promise<TestRendezvous> {
  const running = await startProgram(
    resolveProgram(options),
    ['--server'],
    { KITH_PORT: '0', KITH_HOST: '127.0.0.1' },
    /rendezvous listening on (http:\/\/\S+)/,
    options.startTimeoutMs,
  );
  return { url: running.url.replace(/\/$/, ''), close: () => running.stop() };
}

/** Options for {@link startTestNetwork}: every host gets the same `TestHostOptions`. */
export interface TestNetworkOptions extends Omit<TestHostOptions, 'name' | 'dataDir'> {
  /** How many hosts to start. */
  readonly hosts: number;
  /** Their names, also their personas' labels. Default: Alice, Bob, Carol, ... */
  readonly names?: readonly string[];
  /** Create and unlock a persona on every host. Default: true. */
  readonly personas?: boolean;
  /**
   * Options for one host, over the shared ones, by position: `perHost: [{ extensions: [tampered] }]`
   * gives Alice a hostile test copy while Bob runs the real extension.
   */
  readonly perHost?: ReadonlyArray<Partial<Omit<TestHostOptions, 'name'>> | undefined>;
}

/** Hosts on one machine with a rendezvous between them, and the steps that link them. */
export interface TestNetwork {
  readonly rendezvous: TestRendezvous;
  readonly hosts: readonly TestHost[];
  /** Make the active personas of `a` and `b` friends through the pairing API and the rendezvous. */
  befriend(a: TestHost, b: TestHost): Promise<void>;
  /** Open a live session between two friends through the connect API; resolves when both see it. */
  connect(a: TestHost, b: TestHost): Promise<void>;
  /** Stop `host` and start it again on its data dir; its persona is unlocked again. */
  restart(host: TestHost): Promise<void>;
  /** Stop every host and the rendezvous. */
  close(): Promise<void>;
}

/** What {@link befriend} and {@link connect} need of a host: its name, active persona and JSON requests. */
export type TestPeer = Pick<TestHost, 'name' | 'persona' | 'request'>;

const NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi'];

/** Start a rendezvous and `options.hosts` hosts (in parallel), each with a persona unlocked. */
export async function startTestNetwork(options: TestNetworkOptions): Promise<TestNetwork> {
  if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > 8) throw new RangeError('hosts must be a whole number from 1 to 8');
  const rendezvous = await startTestRendezvous(options);
  const hosts: TestHost[] = [];
  const close = async () => {
    await Promise.allSettled(hosts.map((h) => h.close()));
    await rendezvous.close();
  };
  try {
    const names = Array.from({ length: options.hosts }, (_, i) => options.names?.[i] ?? NAMES[i] ?? `Host${i + 1}`);
    const started = await Promise.allSettled(names.map((name, i) => startTestHost({ ...options, ...options.perHost?.[i], name })));
    for (const result of started) if (result.status === 'fulfilled') hosts.push(result.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (options.personas !== false) await Promise.all(hosts.map((h) => h.createPersona(h.name)));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    rendezvous,
    hosts,
    befriend: (a, b) => befriend(a, b, rendezvous.url),
    connect: (a, b) => connect(a, b, rendezvous.url),
    restart: (host) => host.restart(),
    close,
  };
}

function active(host: TestPeer) {
  if (!host.persona) throw new Error(`${host.name} has no unlocked persona`);
  return host.persona;
}

/**
 * Pair `a` and `b` by code, the way two people do in the UI: `a` starts, `b` joins with the code,
 * both wait for the exchange through the rendezvous at `rendezvousUrl`.
 */
export async function befriend(a: TestPeer, b: TestPeer, rendezvousUrl: string): Promise<void> {
  const [pa, pb] = [active(a), active(b)];
  const { code } = await a.request<{ code: string }>('POST', '/pair/start', { rendezvous_url: rendezvousUrl, label: pb.label });
  await b.request('POST', '/pair/start', { rendezvous_url: rendezvousUrl, label: pa.label, code });
  await Promise.all([
    a.request('POST', '/pair/wait', { rendezvous_url: rendezvousUrl, code, label: pb.label, timeout_ms: 30_000 }),
    b.request('POST', '/pair/wait', { rendezvous_url: rendezvousUrl, code, label: pa.label, timeout_ms: 30_000 }),
  ]);
}

/**
 * Open a session from `a` to its friend `b`: both join a fresh room, `a` asks through
 * `POST /connect/request`, `b` finds the request in `POST /rendezvous/poll` and accepts it.
 */
export async function connect(a: TestPeer, b: TestPeer, rendezvousUrl: string): Promise<void> {
  const [pa, pb] = [active(a), active(b)];
  const word = `kit-${Math.random().toString(36).slice(2, 10)}`;
  for (const h of [a, b]) await h.request('POST', '/rendezvous/join', { url: rendezvousUrl, word, mode: 'manual' });
  const asked = a.request('POST', '/connect/request', { rendezvous_url: rendezvousUrl, word, peer: pb.key });
  asked.catch(() => undefined);
  const inbound = await eventually(`a connect request from ${a.name} at ${b.name}`, async () => {
    const poll = await b.request<{ requests: any[] }>('POST', '/rendezvous/poll', { url: rendezvousUrl, word, mode: 'manual' });
    return poll.requests.find((r) => r.from_master_pubkey === pa.key);
  });
  const accepted = b.request('POST', '/connect/accept', {
    rendezvous_url: rendezvousUrl,
    word,
    nonce: inbound.nonce,
    peer: pa.key,
    from_ipv4: inbound.from_ipv4 ?? null,
    from_ipv6: inbound.from_ipv6 ?? null,
    punch_at_ms: inbound.punch_at_ms,
  });
  await Promise.all([asked, accepted]);
  await eventually(`a live session ${a.name} ↔ ${b.name}`, async () => {
    const [sa, sb] = await Promise.all([a.request<{ sessions: any[] }>('GET', '/sessions'), b.request<{ sessions: any[] }>('GET', '/sessions')]);
    return sa.sessions.some((s) => s.peer === pb.key) && sb.sessions.some((s) => s.peer === pa.key);
  });
}
