import type { Endpoint, Network } from '@kith/sdk';
import { endpointText } from '../stun/stun-codec.js';
import { StunSocket, type StunOutcome } from '../stun/stun-socket.js';
import { no, unknown, yes, type CheckItem, type FamilyReport } from './check-item.js';

/** Time for the first Binding answers (three sends: 0, 250, 750 ms). */
const FIRST_ROUND_MS = 1500;
/** Time for the second round: the other-address mapping test, filtering and hairpin, in parallel. */
const SECOND_ROUND_MS = 1200;
/** Distinct server addresses asked in the first round. */
const MAX_FIRST_ROUND = 4;

type Answer = Extract<StunOutcome, { kind: 'answer' }> & { readonly server: Endpoint };

/**
 * Everything the check learns about one family, from sockets of its own: UDP, the public
 * endpoint, mapping (two server addresses, or one server's RFC 5780 second address), filtering
 * (RFC 5780 CHANGE-REQUEST), hairpin, and for IPv6 whether unasked packets come in.
 * `localAddresses` are this machine's interface addresses (a mapped address among them = no NAT).
 */
export async function probeFamily(
  network: Network,
  family: 'ipv4' | 'ipv6',
  servers: readonly Endpoint[],
  localAddresses: ReadonlySet<string>,
  lookupErrors: readonly string[] = [],
): Promise<FamilyReport> {
  const name = family === 'ipv4' ? 'IPv4' : 'IPv6';
  const mine = dedupe(servers.filter((s) => s.family === family)).slice(0, MAX_FIRST_ROUND);
  if (mine.length === 0) {
    const why = lookupErrors.length > 0 ? ` (name lookups failed: ${lookupErrors.slice(0, 2).join('; ')})` : '';
    return allUnknown(family, `no STUN server has an ${name} address${why}`, []);
  }
  let primary: StunSocket;
  try {
    primary = await StunSocket.open(network, family, Date.now() + 10_000);
  } catch (error) {
    return allUnknown(family, `no ${name} UDP socket could be opened here (${(error as Error).message})`, []);
  }
  const extra: StunSocket[] = [];
  try {
    const outcomes = await Promise.all(mine.map((server) => primary.request(server, { timeoutMs: FIRST_ROUND_MS })));
    const servers = outcomes.map((o, i) => serverLine(mine[i]!, o));
    const answers = outcomes.flatMap((o, i) => (o.kind === 'answer' && o.response.mapped ? [{ ...o, server: mine[i]! }] : []));
    if (answers.length === 0) return noAnswers(family, name, mine, outcomes, servers);

    const fastest = [...answers].sort((a, b) => a.rttMs - b.rttMs)[0]!;
    const publicEndpoint = fastest.response.mapped!;
    const noNat = localAddresses.has(publicEndpoint.address.toLowerCase());
    const withSecondAddress = answers.find((a) => a.response.otherAddress?.family === family);

    const [mapping, filtering, hairpin] = await Promise.all([
      judgeMapping(primary, answers, noNat, withSecondAddress),
      judgeFiltering(primary, withSecondAddress),
      noNat
        ? Promise.resolve(yes('no NAT on this path: your public address is this machine\'s own', 'not needed'))
        : judgeHairpin(network, family, primary, publicEndpoint, extra),
    ]);
    return {
      family,
      udp: yes(`${answers.length} of ${mine.length} STUN server address(es) answered`),
      publicEndpoint: yes(`seen by ${endpointText(fastest.server)} in ${Math.round(fastest.rttMs)} ms`, endpointText(publicEndpoint)),
      mapping,
      filtering,
      hairpin,
      ...(family === 'ipv6' ? { inbound: judgeInbound(filtering, noNat) } : {}),
      servers,
    };
  } finally {
    primary.close();
    for (const socket of extra) socket.close();
  }
}

function noAnswers(
  family: 'ipv4' | 'ipv6', name: string, asked: readonly Endpoint[], outcomes: readonly StunOutcome[], servers: FamilyReport['servers'],
): FamilyReport {
  const failures = outcomes.filter((o): o is Extract<StunOutcome, { kind: 'send-failed' }> => o.kind === 'send-failed');
  // The kernel refusing every send (no route, no address of that family) is a definite answer.
  if (failures.length === outcomes.length) {
    const udp = no(`the system refused to send ${name} packets (${failures[0]!.reason})`);
    return { ...allUnknown(family, `${name} is not available on this machine`, servers), udp };
  }
  const addresses = new Set(asked.map((s) => s.address)).size;
  const udp = addresses >= 2
    ? no(`none of ${addresses} STUN servers answered over ${name} in ${FIRST_ROUND_MS / 1000} s: UDP seems blocked on the way`)
    : unknown(`the only ${name} STUN server did not answer; one server cannot tell a blocked network from a server that is down`);
  return { ...allUnknown(family, `no STUN answer over ${name}`, servers), udp };
}

async function judgeMapping(
  socket: StunSocket, answers: readonly Answer[], noNat: boolean, withSecondAddress: Answer | undefined,
): Promise<FamilyReport['mapping']> {
  if (noNat) return { ...yes('the STUN servers saw this machine\'s own address: no NAT', 'no NAT'), behaviour: 'no-nat' };
  const byAddress = new Map<string, Answer>();
  for (const a of answers) if (!byAddress.has(a.server.address)) byAddress.set(a.server.address, a);
  let pair: [Answer, { mapped: Endpoint; server: Endpoint }] | undefined;
  const distinct = [...byAddress.values()];
  if (distinct.length >= 2) pair = [distinct[0]!, { mapped: distinct[1]!.response.mapped!, server: distinct[1]!.server }];
  else if (withSecondAddress) {
    // RFC 5780 test II: the server's other address, primary port.
    const other = { ...withSecondAddress.response.otherAddress!, port: withSecondAddress.server.port };
    const outcome = await socket.request(other, { timeoutMs: SECOND_ROUND_MS });
    if (outcome.kind === 'answer' && outcome.response.mapped) pair = [withSecondAddress, { mapped: outcome.response.mapped, server: other }];
  }
  if (!pair) return unknown('only one STUN server address answered; two are needed to compare public ports');
  const [first, second] = pair;
  const a = endpointText(first.response.mapped!);
  const b = endpointText(second.mapped);
  if (a === b) {
    return { ...yes(`${endpointText(first.server)} and ${endpointText(second.server)} both saw ${a}`, 'endpoint-independent'), behaviour: 'endpoint-independent' };
  }
  return {
    ...no(`${endpointText(first.server)} saw ${a} but ${endpointText(second.server)} saw ${b}: a new public port per destination`, 'endpoint-dependent'),
    behaviour: 'endpoint-dependent',
  };
}

async function judgeFiltering(socket: StunSocket, withSecondAddress: Answer | undefined): Promise<FamilyReport['filtering']> {
  if (!withSecondAddress) return unknown('no STUN server here offers a second address (RFC 5780), so unasked packets cannot be tried');
  const server = withSecondAddress.server;
  const [both, portOnly] = await Promise.all([
    socket.request(server, { change: { ip: true, port: true }, timeoutMs: SECOND_ROUND_MS }),
    socket.request(server, { change: { ip: false, port: true }, timeoutMs: SECOND_ROUND_MS }),
  ]);
  if (both.kind === 'send-failed' || portOnly.kind === 'send-failed') return unknown('the filtering probe could not be sent');
  if (both.kind === 'answer') {
    return { ...yes('an answer from an address we never sent to came in', 'endpoint-independent'), behaviour: 'endpoint-independent' };
  }
  if (portOnly.kind === 'answer') {
    return {
      ...no('only answers from an address we sent to come in (another port of it is fine)', 'address-dependent'),
      behaviour: 'address-dependent',
    };
  }
  return {
    ...no('only answers from the exact address and port we sent to come in', 'address-and-port-dependent'),
    behaviour: 'address-and-port-dependent',
  };
}

async function judgeHairpin(
  network: Network, family: 'ipv4' | 'ipv6', primary: StunSocket, publicEndpoint: Endpoint, extra: StunSocket[],
): Promise<CheckItem> {
  let second: StunSocket;
  try {
    second = await StunSocket.open(network, family, Date.now() + 10_000);
    extra.push(second);
  } catch (error) {
    return unknown(`a second UDP socket could not be opened (${(error as Error).message})`);
  }
  const looped = await second.sendLoopingRequest(publicEndpoint, primary, SECOND_ROUND_MS);
  return looped
    ? yes(`a packet sent to our own public endpoint ${endpointText(publicEndpoint)} came back in`)
    : no(`a packet sent to our own public endpoint ${endpointText(publicEndpoint)} never came back: the router does not hairpin`);
}

function judgeInbound(filtering: FamilyReport['filtering'], noNat: boolean): CheckItem {
  if (filtering.state === 'yes') return yes('an unasked packet from another address reached this machine over IPv6');
  if (filtering.state === 'no') {
    return no(`a firewall lets in only answers to our own packets (${filtering.value}); direct IPv6 still works when both sides send at once, as Kith does`);
  }
  return unknown(noNat
    ? 'no NAT, but whether a firewall drops unasked packets needs a STUN server with a second IPv6 address (RFC 5780)'
    : `cannot tell: ${filtering.reason}`);
}

function allUnknown(family: 'ipv4' | 'ipv6', reason: string, servers: FamilyReport['servers']): FamilyReport {
  const item = unknown(reason);
  return {
    family, udp: item, publicEndpoint: item, mapping: item, filtering: item, hairpin: item,
    ...(family === 'ipv6' ? { inbound: item } : {}), servers,
  };
}

function serverLine(server: Endpoint, outcome: StunOutcome): FamilyReport['servers'][number] {
  const name = endpointText(server);
  if (outcome.kind === 'answer') {
    const mapped = outcome.response.mapped;
    return { server: name, rttMs: Math.round(outcome.rttMs * 10) / 10, ...(mapped ? { mapped: endpointText(mapped) } : {}) };
  }
  return { server: name, error: outcome.kind === 'timeout' ? 'no answer' : outcome.reason };
}

function dedupe(servers: readonly Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return servers.filter((s) => {
    const key = endpointText(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
