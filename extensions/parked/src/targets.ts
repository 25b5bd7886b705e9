/** Where to send a window's HELLOs: the friend's last known address of the family, on each derived port. */
import type { Endpoint } from '@kith/sdk';
import type { LastKnown } from './last-known-store.js';
import type { ParkedWindow } from './schedule.js';
import type { Family } from './window-sockets.js';

export function windowTargets(known: LastKnown | undefined, window: ParkedWindow, family: Family, extra: readonly Endpoint[] = []): Endpoint[] {
  const out: Endpoint[] = [];
  const add = (e: Endpoint) => {
    if (e.family === family && out.length < 8 && !out.some((o) => o.address === e.address && o.port === e.port)) out.push(e);
  };
  const addresses = [...extra.filter((e) => e.family === family).map((e) => e.address), known?.[family]?.address].filter((a): a is string => !!a);
  for (const address of addresses) for (const port of window.ports) add({ address, port, family });
  // The exact endpoint last seen (an endpoint-independent NAT may still hold that mapping) comes last.
  for (const e of extra) if (e.port > 0) add(e);
  return out;
}
