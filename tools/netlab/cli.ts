/**
 * Build the NAT lab by hand and keep it until Ctrl-C (as root):
 *
 *   npx tsx tools/netlab/cli.ts
 *
 * Prints the namespaces; enter one with `ip netns exec <ns> bash`. Everything is deleted on exit.
 */
import { buildLab } from './lab-topology.js';
import { labAvailable } from './lab-shell.js';

const available = labAvailable();
if (!available.ok) {
  process.stderr.write(`${available.reason}\n`);
  process.exit(1);
}
const lab = buildLab();
const lines = [
  `NAT lab ${lab.prefix} is up. Ctrl-C tears it down.`,
  `  rendezvous host: ${lab.rdv.ns}  (${lab.rdv.ipv4}, ${lab.rdv.ipv4b}, ${lab.rdv.ipv6})`,
  ...Object.entries(lab.routers).map(([name, r]) => `  router ${name.padEnd(5)}: ${r.ns}  WAN ${r.wan}`),
  ...Object.values(lab.hosts).map((h) => `  host ${h.role.padEnd(7)}: ${h.ns}  ${h.ipv4 ?? h.ipv6}`),
  'Example: ip netns exec ' + lab.hosts.a.ns + ' bash',
];
process.stdout.write(`${lines.join('\n')}\n`);
setInterval(() => undefined, 60_000);
