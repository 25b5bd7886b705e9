import { randomBytes } from 'node:crypto';
import { inNs, ip, run } from './lab-shell.js';

/**
 * The NAT lab: network namespaces joined by veth pairs and bridges, with nftables NAT and
 * firewalls, built fresh per run under a unique name prefix (parallel runs never clash) and torn
 * down on `teardown()`, on process exit and on SIGINT/SIGTERM/SIGHUP; labs left by killed
 * processes are swept by the next run.
 *
 *   internet (bridge, 198.51.100.0/24, 2001:db8:100::/64)
 *   ├─ rdv     198.51.100.10/.11, 2001:db8:100::10/::11   rendezvous + STUN (coturn on two IPs per family)
 *   ├─ pub     198.51.100.30, 2001:db8:100::30     a host with public addresses: no NAT, no firewall
 *   ├─ cone1   NAT, port-preserving MASQUERADE  → LAN 10.1.0.0/24: a (10.1.0.2), a2 (10.1.0.3)
 *   ├─ cone2   NAT, port-preserving MASQUERADE  → LAN 10.2.0.0/24: b (10.2.0.2)
 *   ├─ sym1    NAT, MASQUERADE fully-random     → LAN 10.3.0.0/24: s1 (10.3.0.2)
 *   ├─ sym2    NAT, MASQUERADE fully-random     → LAN 10.4.0.0/24: s2 (10.4.0.2)
 *   ├─ fw1     IPv6 stateful firewall            → 2001:db8:1::/64: v1 (2001:db8:1::2)
 *   └─ fw2     IPv6 stateful firewall            → 2001:db8:2::/64: v2 (2001:db8:2::2)
 *
 * Routers drop unsolicited packets to their own WAN address (as home routers do): otherwise a
 * conntrack entry made by the peer's early HELLO clashes with ours and the NAT picks another port.
 */
export type LabRole =
  | 'inet' | 'rdv' | 'pub' | 'cone1' | 'cone2' | 'sym1' | 'sym2' | 'fw1' | 'fw2'
  | 'a' | 'a2' | 'b' | 's1' | 's2' | 'v1' | 'v2';

export interface LabHost {
  readonly role: LabRole;
  readonly ns: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

export interface Lab {
  readonly prefix: string;
  readonly rdv: { readonly ns: string; readonly ipv4: string; readonly ipv4b: string; readonly ipv6: string; readonly ipv6b: string };
  /** Peer hosts by role. */
  readonly hosts: Readonly<Record<'a' | 'a2' | 'b' | 's1' | 's2' | 'v1' | 'v2' | 'pub', LabHost>>;
  readonly routers: Readonly<Record<'cone1' | 'cone2' | 'sym1' | 'sym2' | 'fw1' | 'fw2', { ns: string; wan: string }>>;
  ns(role: LabRole): string;
  /**
   * Drop every UDP packet `role` sends, receives or (a router) forwards off its loopback: a network
   * that blocks UDP while TCP, and so the rendezvous, still works.
   */
  blockUdp(role: LabRole): void;
  /** Forget every NAT mapping and firewall flow (as if the routers had just booted): fresh punches for benches. */
  flushConntrack(): void;
  teardown(): void;
}

const live = new Set<string>();
let hooked = false;

/** Delete every namespace of every lab this process built (exit hook; idempotent). */
function teardownAll(): void {
  for (const prefix of [...live]) teardownPrefix(prefix);
}

function teardownPrefix(prefix: string): void {
  const names = run('ip', ['netns', 'list'], { allowFail: true })
    .split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
  for (const ns of names) {
    const pids = run('ip', ['netns', 'pids', ns], { allowFail: true }).split('\n').filter(Boolean);
    for (const pid of pids) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
    }
    run('ip', ['netns', 'del', ns], { allowFail: true });
  }
  live.delete(prefix);
}

/**
 * Labs of processes that died without cleaning up (SIGKILL): the prefix carries the owner's pid
 * (`kl<pid hex>x<random>`), so a new run deletes namespaces whose owner is gone and leaves live
 * parallel runs alone.
 */
function sweepOrphans(): void {
  const prefixes = new Set(
    run('ip', ['netns', 'list'], { allowFail: true }).split('\n').map((l) => l.split(' ')[0]!)
      .map((n) => /^(kl([0-9a-f]+)x[0-9a-f]+)-/.exec(n)).filter((m): m is RegExpExecArray => m !== null)
      .filter((m) => !alive(parseInt(m[2]!, 16))).map((m) => m[1]!),
  );
  for (const prefix of prefixes) teardownPrefix(prefix);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', teardownAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      teardownAll();
      process.exit(130);
    });
  }
}

export function buildLab(): Lab {
  hookExit();
  sweepOrphans();
  const prefix = `kl${process.pid.toString(16)}x${randomBytes(1).toString('hex')}`;
  live.add(prefix);
  const ns = (role: LabRole) => `${prefix}-${role}`;
  let vethCounter = 0;
  try {
    const all: LabRole[] = ['inet', 'rdv', 'pub', 'cone1', 'cone2', 'sym1', 'sym2', 'fw1', 'fw2', 'a', 'a2', 'b', 's1', 's2', 'v1', 'v2'];
    for (const role of all) {
      ip('netns', 'add', ns(role));
      ip('-n', ns(role), 'link', 'set', 'lo', 'up');
      sysctl(ns(role), 'net.ipv6.conf.all.accept_dad', '0');
      sysctl(ns(role), 'net.ipv6.conf.default.accept_dad', '0');
      sysctl(ns(role), 'net.ipv6.conf.all.accept_ra', '0');
    }
    const bridge = (role: LabRole, name: string) => {
      ip('-n', ns(role), 'link', 'add', name, 'type', 'bridge');
      ip('-n', ns(role), 'link', 'set', name, 'up');
      // New namespaces run bridged frames through netfilter; the lab's bridges must not.
      sysctl(ns(role), 'net.bridge.bridge-nf-call-iptables', '0');
      sysctl(ns(role), 'net.bridge.bridge-nf-call-ip6tables', '0');
    };
    /** A veth from `role` (named `ifname` there) into `bridgeRole`'s bridge `bridgeName`. */
    const attach = (role: LabRole, ifname: string, bridgeRole: LabRole, bridgeName: string) => {
      const n = vethCounter++;
      const inner = `${prefix}i${n}`;
      const outer = `${prefix}o${n}`;
      ip('link', 'add', inner, 'type', 'veth', 'peer', 'name', outer);
      ip('link', 'set', inner, 'netns', ns(role));
      ip('link', 'set', outer, 'netns', ns(bridgeRole));
      ip('-n', ns(role), 'link', 'set', inner, 'name', ifname);
      ip('-n', ns(role), 'link', 'set', ifname, 'up');
      ip('-n', ns(bridgeRole), 'link', 'set', outer, 'master', bridgeName);
      ip('-n', ns(bridgeRole), 'link', 'set', outer, 'up');
    };
    const addr = (role: LabRole, dev: string, cidr: string) => {
      ip('-n', ns(role), 'addr', 'add', cidr, 'dev', dev, ...(cidr.includes(':') ? ['nodad'] : []));
    };

    bridge('inet', 'br0');
    attach('rdv', 'eth0', 'inet', 'br0');
    addr('rdv', 'eth0', '198.51.100.10/24');
    addr('rdv', 'eth0', '198.51.100.11/24');
    addr('rdv', 'eth0', '2001:db8:100::10/64');
    addr('rdv', 'eth0', '2001:db8:100::11/64');
    attach('pub', 'eth0', 'inet', 'br0');
    addr('pub', 'eth0', '198.51.100.30/24');
    addr('pub', 'eth0', '2001:db8:100::30/64');

    const nats = [
      { router: 'cone1', wan: '198.51.100.21', lan: '10.1.0', random: false, hosts: [['a', 2], ['a2', 3]] },
      { router: 'cone2', wan: '198.51.100.22', lan: '10.2.0', random: false, hosts: [['b', 2]] },
      { router: 'sym1', wan: '198.51.100.23', lan: '10.3.0', random: true, hosts: [['s1', 2]] },
      { router: 'sym2', wan: '198.51.100.24', lan: '10.4.0', random: true, hosts: [['s2', 2]] },
    ] as const;
    for (const nat of nats) {
      attach(nat.router, 'wan', 'inet', 'br0');
      addr(nat.router, 'wan', `${nat.wan}/24`);
      bridge(nat.router, 'lan');
      addr(nat.router, 'lan', `${nat.lan}.1/24`);
      sysctl(ns(nat.router), 'net.ipv4.ip_forward', '1');
      inNs(ns(nat.router), 'nft', ['-f', '-'], { input: natRules(nat.random) });
      for (const [host, last] of nat.hosts) {
        attach(host, 'eth0', nat.router, 'lan');
        addr(host, 'eth0', `${nat.lan}.${last}/24`);
        ip('-n', ns(host), 'route', 'add', 'default', 'via', `${nat.lan}.1`);
      }
    }

    const firewalls = [
      { router: 'fw1', wan: '2001:db8:100::31', lan: '2001:db8:1::', host: 'v1' },
      { router: 'fw2', wan: '2001:db8:100::32', lan: '2001:db8:2::', host: 'v2' },
    ] as const;
    for (const fw of firewalls) {
      attach(fw.router, 'wan', 'inet', 'br0');
      addr(fw.router, 'wan', `${fw.wan}/64`);
      bridge(fw.router, 'lan');
      addr(fw.router, 'lan', `${fw.lan}1/64`);
      sysctl(ns(fw.router), 'net.ipv6.conf.all.forwarding', '1');
      inNs(ns(fw.router), 'nft', ['-f', '-'], { input: firewallRules() });
      attach(fw.host, 'eth0', fw.router, 'lan');
      addr(fw.host, 'eth0', `${fw.lan}2/64`);
      ip('-n', ns(fw.host), '-6', 'route', 'add', 'default', 'via', `${fw.lan}1`);
    }
    // Every machine on the "internet" segment learns where the firewalled IPv6 prefixes live.
    for (const member of ['rdv', 'fw1', 'fw2'] as const) {
      for (const fw of firewalls) {
        if (fw.router === member) continue;
        ip('-n', ns(member), '-6', 'route', 'add', `${fw.lan}/64`, 'via', fw.wan);
      }
    }
  } catch (error) {
    teardownPrefix(prefix);
    throw error;
  }

  const host = (role: LabRole, ipv4?: string, ipv6?: string): LabHost => ({ role, ns: ns(role), ipv4, ipv6 });
  return {
    prefix,
    rdv: { ns: ns('rdv'), ipv4: '198.51.100.10', ipv4b: '198.51.100.11', ipv6: '2001:db8:100::10', ipv6b: '2001:db8:100::11' },
    hosts: {
      a: host('a', '10.1.0.2'), a2: host('a2', '10.1.0.3'), b: host('b', '10.2.0.2'),
      s1: host('s1', '10.3.0.2'), s2: host('s2', '10.4.0.2'),
      v1: host('v1', undefined, '2001:db8:1::2'), v2: host('v2', undefined, '2001:db8:2::2'),
      pub: host('pub', '198.51.100.30', '2001:db8:100::30'),
    },
    routers: {
      cone1: { ns: ns('cone1'), wan: '198.51.100.21' }, cone2: { ns: ns('cone2'), wan: '198.51.100.22' },
      sym1: { ns: ns('sym1'), wan: '198.51.100.23' }, sym2: { ns: ns('sym2'), wan: '198.51.100.24' },
      fw1: { ns: ns('fw1'), wan: '2001:db8:100::31' }, fw2: { ns: ns('fw2'), wan: '2001:db8:100::32' },
    },
    ns,
    blockUdp(role) {
      inNs(ns(role), 'nft', ['-f', '-'], { input: udpBlockRules() });
    },
    flushConntrack() {
      for (const role of ['cone1', 'cone2', 'sym1', 'sym2', 'fw1', 'fw2'] as const) {
        inNs(ns(role), 'conntrack', ['-F'], { allowFail: true });
      }
    },
    teardown: () => teardownPrefix(prefix),
  };
}

function sysctl(ns: string, key: string, value: string): void {
  inNs(ns, 'sysctl', ['-q', '-w', `${key}=${value}`], { allowFail: true });
}

/** A home router: NAT out of `wan`, forward only what the LAN started, drop unsolicited input on `wan`. */
function natRules(fullyRandom: boolean): string {
  return `
table ip kithnat {
  chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "wan" masquerade${fullyRandom ? ' fully-random' : ''}; }
}
table inet kithfilter {
  chain input { type filter hook input priority filter; policy accept; iifname "wan" ct state established,related accept; iifname "wan" drop; }
  chain forward { type filter hook forward priority filter; policy drop; ct state established,related accept; iifname "lan" accept; }
}
`;
}

/** A network that lets no UDP through (loopback excepted): only TCP leaves. */
function udpBlockRules(): string {
  return `
table inet kithudpblock {
  chain output { type filter hook output priority filter; policy accept; oifname != "lo" meta l4proto udp drop; }
  chain input { type filter hook input priority filter; policy accept; iifname != "lo" meta l4proto udp drop; }
  chain forward { type filter hook forward priority -10; policy accept; meta l4proto udp drop; }
}
`;
}

/** An IPv6 stateful firewall: what the LAN started may come back; new inbound flows are dropped. */
function firewallRules(): string {
  return `
table ip6 kithfw {
  chain forward { type filter hook forward priority filter; policy drop; ct state established,related accept; iifname "lan" accept; }
}
`;
}
