// Interleaved A/B of transfer rate and chat latency during it; variants differ by env vars of the host processes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { startTestNetwork, type TestHost } from '@kith/sdk/testing';
const MIB = 1024 * 1024;
const SIZE = Number(process.env.MB ?? 512) * MIB;
const TRIALS = Number(process.env.TRIALS ?? 3);
const VARIANTS: Record<string, Record<string, string>> = JSON.parse(process.env.VARIANTS ?? '{"A":{},"B":{}}');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const file = `/tmp/ab-payload-${SIZE}.bin`;
if (!fs.existsSync(file)) { const out = fs.openSync(file, 'w'); for (let at = 0; at < SIZE; at += 16 * MIB) fs.writeSync(out, randomBytes(Math.min(16 * MIB, SIZE - at))); fs.closeSync(out); }
async function chatOnce(alice: TestHost, peer: string, body: string): Promise<number> {
  const t0 = performance.now();
  const m = await alice.request('POST', `/sessions/${peer}/messages`, { body });
  await alice.events.waitFor<{ message?: { id: string; state: string } }>('chat:message-updated', (e) => e?.message?.id === m.id && e.message?.state !== 'queued' && e.message?.state !== 'sent', 30_000);
  return performance.now() - t0;
}
const nets: Record<string, { alice: TestHost; bob: TestHost; close(): Promise<void> }> = {};
for (const [name, env] of Object.entries(VARIANTS)) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const net = await startTestNetwork({ hosts: 2 });
  process.env = saved;
  const [alice, bob] = net.hosts as [TestHost, TestHost];
  await net.befriend(alice, bob); await net.connect(alice, bob);
  nets[name] = { alice, bob, close: () => net.close() };
}
const res: Record<string, { rate: number[]; chat: number[]; idle: number[]; rss: string[]; cpu: string[] }> = {};
const procCpu = (pid: number) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const mainCpu = (pid: number) => { const f = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
function pidOf(host: TestHost): number {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try { if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`KITH_DATA=${host.dataDir}`)) return Number(pid); } catch {}
  }
  throw new Error('no pid');
}
const threads = (pid: number) => { const m = new Map<string, number>(); for (const t of fs.readdirSync(`/proc/${pid}/task`)) { try { const comm = fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(); const f = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1]!.split(' '); const k = (Number(t) === pid ? 'MAIN' : comm + t); m.set(k, (m.get(k) ?? 0) + (Number(f[11]) + Number(f[12])) * 10); } catch {} } return m; };
const rssMiB = (pid: number) => { try { return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024; } catch { return 0; } };
const pct = (v: number[], p: number) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN; };
for (let trial = 0; trial < TRIALS; trial++) {
  for (const [name, { alice, bob }] of Object.entries(nets)) {
    const r = (res[name] ??= { rate: [], chat: [], idle: [], rss: [], cpu: [] });
    const pids = [pidOf(alice), pidOf(bob)];
    const peer = bob.persona!.key;
    for (let i = 0; i < 20; i++) { r.idle.push(await chatOnce(alice, peer, `idle ${i}`)); await sleep(50); }
    const begun = await alice.request('POST', `/sessions/${peer}/files/begin`, { name: `t${trial}.bin`, size: SIZE });
    const id = begun.transfer_id as string;
    const up = await alice.fetch(`/api/sessions/${peer}/files/${id}/chunk?idx=0`, { method: 'POST', body: fs.createReadStream(file) as any, headers: { 'content-type': 'application/octet-stream' }, duplex: 'half' } as any);
    if (!up.ok) throw new Error(await up.text());
    const st = async () => { const a = await alice.request('GET', '/diagnostics/sessions'); const b = await bob.request('GET', '/diagnostics/sessions'); const sa = (a.sessions ?? a)[0]; const sb = (b.sessions ?? b)[0]; return { aOutMB: sa.bytesOut / 1e6, bOutKB: sb.bytesOut / 1e3, aRe: sa.retransmits, bRe: sb.retransmits, loss: sb.lossInbound }; };
    const s0 = await st();
    const gcr = (pid: number) => { try { return JSON.parse(fs.readFileSync(`/tmp/prof/${pid}.gc`, 'utf8')); } catch { return { acc: {} }; } };
    const g0 = pids.map(gcr);
    const t0 = pids.map(threads);
    const c0 = pids.map(procCpu); const m0 = pids.map(mainCpu);
    const started = performance.now();
    await alice.request('POST', `/sessions/${peer}/files/${id}/commit`);
    const profiling = process.env.PROF_TRIAL === String(trial);
    if (profiling) setTimeout(() => pids.forEach((p) => process.kill(p, 'SIGUSR2')), Number(process.env.PROF_DELAY ?? 1000));
    let moving = true;
    const idleRss = pids.map(rssMiB); const peak = [...idleRss];
    const sampler = (async () => { while (moving) { pids.forEach((p, i) => (peak[i] = Math.max(peak[i]!, rssMiB(p)))); await sleep(100); } })();
    const niceAux = () => { if (!VARIANTS[name]!.__NICE_AUX) return; for (const pid of pids) for (const t of fs.readdirSync(`/proc/${pid}/task`)) if (Number(t) !== pid) try { os.setPriority(Number(t), Number(VARIANTS[name]!.__NICE_AUX)); } catch {} };
    niceAux(); const nicer = setInterval(niceAux, 200);
    const chat = (async () => { while (moving && !VARIANTS[name]!.__NOCHAT) { r.chat.push(await chatOnce(alice, peer, `p`)); await sleep(100); } })();
    const tl: string[] = []; let lastB = 0, lastT = performance.now(); for (;;) { const q = await bob.fetch(`/api/files/${id}`); const t = q.status === 404 ? undefined : ((await q.json()) as any); if (t?.state === 'complete') { if (profiling) pids.forEach((p) => process.kill(p, 'SIGUSR2')); break; } const now = performance.now(); if (now - lastT >= 1000 && t) { const b = t.received ?? t.bytes_done ?? t.progress ?? 0; tl.push(((b - lastB) / 1e6 / ((now - lastT) / 1000)).toFixed(0)); lastB = b; lastT = now; if (tl.length === 1) console.log('   keys', Object.keys(t).join(',')); } await sleep(50); } console.log('   timeline MB/s', tl.join(' '));
    r.rate.push(SIZE / 1e6 / ((performance.now() - started) / 1000));
    { const mb = SIZE / 1e6; const c1 = pids.map(procCpu); const m1 = pids.map(mainCpu); r.cpu.push(pids.map((_, i) => `${((c1[i]! - c0[i]!) / mb).toFixed(1)}(${((m1[i]! - m0[i]!) / mb).toFixed(1)})`).join('/')); }
    { const s1 = await st(); console.log('   pkts', JSON.stringify(Object.fromEntries(Object.entries(s1).map(([k, v]) => [k, (v as number) - (s0 as any)[k]])))); }
    { const t1 = pids.map(threads); const mb = SIZE / 1e6; console.log('   threads', pids.map((_, i) => [...t1[i]!].map(([k, v]) => `${k}:${((v - (t0[i]!.get(k) ?? 0)) / mb).toFixed(2)}`).join(' ')).join(' || ')); }
    { await sleep(300); const g1 = pids.map(gcr); console.log('   gc', pids.map((_, i) => Object.entries(g1[i].acc).map(([k, v]: any) => `${k}:${v.n - (g0[i].acc[k]?.n ?? 0)}/${(v.ms - (g0[i].acc[k]?.ms ?? 0)).toFixed(0)}ms`).join(' ') + ' spaces ' + JSON.stringify(g1[i].spaces)).join(' || ')); }
    moving = false; clearInterval(nicer); await chat; await sampler;
    r.rss.push(`${idleRss.map((x) => x.toFixed(0)).join('/')}->${peak.map((x) => x.toFixed(0)).join('/')}`);
    await bob.call('DELETE', `/files/${id}`); await alice.call('DELETE', `/files/${id}`);
    console.log(`  ${name} trial ${trial}: ${r.rate.at(-1)!.toFixed(1)} MB/s`);
  }
}
if (process.env.HOLD) await sleep(Number(process.env.HOLD));
for (const [name, r] of Object.entries(res)) console.log(`${name}: rate median ${pct(r.rate, 0.5).toFixed(1)} [${r.rate.map((x) => x.toFixed(0)).join(' ')}]; chat n=${r.chat.length} p50 ${pct(r.chat, 0.5).toFixed(1)} p90 ${pct(r.chat, 0.9).toFixed(1)} p99 ${pct(r.chat, 0.99).toFixed(1)}; idle p50 ${pct(r.idle, 0.5).toFixed(1)} p99 ${pct(r.idle, 0.99).toFixed(1)}; rss ${r.rss.join(' ')}; cpu ms/MB all(main) alice/bob ${r.cpu.join(' ')}`);
for (const n of Object.values(nets)) await n.close();
