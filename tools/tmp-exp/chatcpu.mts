// CPU per chat message on each host (utime+stime from /proc), idle, after warm-up.
import fs from 'node:fs';
import { startTestNetwork, type TestHost } from '@kith/sdk/testing';
const N = Number(process.env.N ?? 200);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function pidOf(host: TestHost): number {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try { if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`KITH_DATA=${host.dataDir}`)) return Number(pid); } catch {}
  }
  throw new Error('no pid');
}
const cpu = (pid: number) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
async function chatOnce(alice: TestHost, peer: string, body: string): Promise<number> {
  const t0 = performance.now();
  (globalThis as any).__mark?.('D-post');
  const m = await alice.request('POST', `/sessions/${peer}/messages`, { body });
  (globalThis as any).__mark?.('D-answered');
  await alice.events.waitFor<{ message?: { id: string; state: string } }>('chat:message-updated', (e) => e?.message?.id === m.id && e.message?.state !== 'queued' && e.message?.state !== 'sent', 30_000);
  (globalThis as any).__mark?.('D-event');
  return performance.now() - t0;
}
const net = await startTestNetwork({ hosts: 2 });
const [alice, bob] = net.hosts as [TestHost, TestHost];
await net.befriend(alice, bob); await net.connect(alice, bob);
const peer = bob.persona!.key;
const [pa, pb] = [pidOf(alice), pidOf(bob)];
fs.writeFileSync('/tmp/chatcpu.pids', `${pa} ${pb}\n`);
for (let i = 0; i < 100; i++) await chatOnce(alice, peer, `warm ${i}`);
await sleep(500);
{ const [a0,b0]=[cpu(pa),cpu(pb)]; await sleep(5000); console.log('idle ms/s', (cpu(pa)-a0)/5, (cpu(pb)-b0)/5); }
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  if (process.env.PROF) { process.kill(pa, 'SIGUSR2'); process.kill(pb, 'SIGUSR2'); await sleep(200); }
  const [a0, b0, d0] = [cpu(pa), cpu(pb), process.cpuUsage()];
  const lat: number[] = [];
  const ev0 = (alice.events as any).received.length;
  for (let i = 0; i < N; i++) { lat.push(await chatOnce(alice, peer, `m ${i}`)); await sleep(Number(process.env.GAP ?? 20)); }
  await sleep(300);
  const [a1, b1, d1] = [cpu(pa), cpu(pb), process.cpuUsage(d0)];
  if (process.env.PROF) { process.kill(pa, 'SIGUSR2'); process.kill(pb, 'SIGUSR2'); await sleep(500); }
  lat.sort((x, y) => x - y);
  { const evs = (alice.events as any).received.slice(ev0); const h: Record<string, number> = {}; for (const e of evs) h[e.name] = (h[e.name] ?? 0) + 1; console.log('events/msg', (evs.length / N).toFixed(2), JSON.stringify(h)); }
  console.log(`round ${round}: alice ${((a1 - a0) / N).toFixed(2)} ms/msg, bob ${((b1 - b0) / N).toFixed(2)}, driver ${((d1.user + d1.system) / 1000 / N).toFixed(2)}; p50 ${lat[N >> 1]!.toFixed(2)} p90 ${lat[Math.floor(N * 0.9)]!.toFixed(2)} p99 ${lat[Math.floor(N * 0.99)]!.toFixed(2)}`);
}
if (process.env.HOLD) await sleep(Number(process.env.HOLD));
await net.close();
