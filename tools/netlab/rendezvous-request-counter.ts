/**
 * Counts requests at the lab's rendezvous host: an nftables counter in the rdv namespace over every
 * TCP segment that carries data into it (an HTTP request needs at least one, keep-alive or not).
 * The rendezvous server, the /r/time server and coturn's TCP side all live there, so a zero over an
 * interval means no peer asked the rendezvous anything in it.
 */
import { inNs } from './lab-shell.js';

export interface RendezvousRequestCounter {
  /** Data-carrying TCP segments into the rendezvous host since the counter was installed or reset. */
  read(): number;
  reset(): void;
}

export function countRendezvousRequests(rdvNs: string): RendezvousRequestCounter {
  inNs(rdvNs, 'nft', ['-f', '-'], {
    input: `
table inet kithrdvcount {
  counter requests { }
  chain input { type filter hook input priority -5; policy accept; iifname "eth0" meta l4proto tcp tcp flags & (syn | psh) != 0 counter name "requests"; }
}
`,
  });
  return {
    read() {
      const listed = JSON.parse(inNs(rdvNs, 'nft', ['-j', 'list', 'counter', 'inet', 'kithrdvcount', 'requests'])) as {
        nftables: Array<{ counter?: { packets: number } }>;
      };
      return listed.nftables.find((e) => e.counter)?.counter?.packets ?? 0;
    },
    reset() {
      inNs(rdvNs, 'nft', ['reset', 'counter', 'inet', 'kithrdvcount', 'requests']);
    },
  };
}
