import type { ExtensionContext } from '@kith/sdk';
import { attemptView, type AttemptView } from '../history/attempt-view.js';
import { summariseRendezvous, type RendezvousSummaryLine } from '../history/rendezvous-summary.js';
import type { RoomWords } from '../history/room-words.js';
import type { NetcheckReport } from '../netcheck/check-item.js';
import type { NetcheckRunner } from '../netcheck/netcheck-runner.js';
import type { SessionMonitor } from '../sessions/session-monitor.js';
import { Redactor } from './redact.js';

/** A report a user can send to someone helping them: redacted (see redact.ts) before it leaves. */
export interface SharedReport {
  readonly kind: 'kith-diagnostics-report';
  readonly version: 1;
  readonly createdAt: string;
  readonly netcheck: NetcheckReport | null;
  readonly sessions: readonly Record<string, unknown>[];
  readonly attempts: readonly AttemptView[];
  /** The rendezvous activity log, one line per stage and outcome. */
  readonly rendezvous: readonly RendezvousSummaryLine[];
  readonly counters: unknown;
}

/** A check older than this is run again for the report. */
const FRESH_CHECK_MS = 5 * 60_000;

export async function buildReport(ctx: ExtensionContext, deps: { netcheck: NetcheckRunner; sessions: SessionMonitor; words: RoomWords }): Promise<SharedReport> {
  const latest = deps.netcheck.latest;
  const [netcheck, update, attempts, counters, friends, words, activity, rooms] = await Promise.all([
    latest && Date.now() - latest.startedAt < FRESH_CHECK_MS ? latest : deps.netcheck.run().catch(() => null),
    deps.sessions.sample(),
    ctx.diagnostics.connectAttempts(50),
    ctx.diagnostics.counters(),
    ctx.friends.list(),
    deps.words.allWords(),
    ctx.diagnostics.rendezvousActivity(500),
    ctx.diagnostics.rooms(),
  ]);
  const joinedWords = rooms.joined.map((r) => r.word);
  const redactor = new Redactor([ctx.persona.label, ctx.persona.slug, ...friends.map((f) => f.label), ...words, ...joinedWords]);
  // Labels are left out outright, not only masked.
  const sessions = update.sessions.map(({ label: _label, ...rest }) => rest);
  return redactor.redact({
    kind: 'kith-diagnostics-report',
    version: 1,
    createdAt: new Date().toISOString(),
    netcheck,
    sessions,
    attempts: attempts.map(attemptView),
    rendezvous: summariseRendezvous(activity),
    counters,
  } satisfies SharedReport);
}

/** The same report as plain text for a chat or an e-mail. */
export function reportText(report: SharedReport): string {
  const lines = [`Kith diagnostics report, ${report.createdAt}`, ''];
  const n = report.netcheck;
  if (n) {
    lines.push(`Verdict: ${n.verdict.text}`, `Network check (${n.durationMs} ms):`);
    for (const f of [n.ipv4, n.ipv6]) {
      const items = { udp: f.udp, 'public endpoint': f.publicEndpoint, mapping: f.mapping, filtering: f.filtering, hairpin: f.hairpin, ...(f.inbound ? { inbound: f.inbound } : {}) };
      for (const [name, item] of Object.entries(items)) {
        lines.push(`  ${f.family} ${name}: ${item.state}${item.value ? ` (${item.value})` : ''} - ${item.reason}`);
      }
    }
    lines.push(`  rendezvous: ${n.rendezvous.reachable.state}${n.rendezvous.rttMs !== undefined ? `, ${n.rendezvous.rttMs} ms round trip, clock offset ${n.rendezvous.offsetMs} ms` : ''}`);
  } else {
    lines.push('Network check: not run');
  }
  lines.push('', `Live sessions: ${report.sessions.length}`);
  for (const s of report.sessions) {
    lines.push(`  ${s.peer}: ${s.path} via ${s.rung}, rtt ${s.rttMs ?? '?'} ms, loss ${s.lossInbound ?? '?'}, retransmits ${s.retransmits}, in ${s.bytesIn} B, out ${s.bytesOut} B, ${s.cipher}`);
  }
  lines.push('', `Connect attempts (newest first): ${report.attempts.length}`);
  for (const a of report.attempts) {
    lines.push(`  ${new Date(a.startedAt).toISOString()} ${a.peer ?? '?'}: ${a.outcome} in ${a.durationMs} ms; rungs ${a.rungs.map((r) => `${r.rung} ${r.outcome}`).join(', ') || 'none'}${a.failure ? `; why: ${a.failure}` : ''}`);
  }
  lines.push('', 'Rendezvous activity:');
  for (const l of report.rendezvous) {
    lines.push(`  ${l.stage} ${l.outcome} x${l.count}${l.medianMs !== null ? `, median ${l.medianMs} ms` : ''}${l.outcome === 'failed' && l.lastDetail ? `; last: ${l.lastDetail}` : ''}`);
  }
  lines.push('', `Counters: ${JSON.stringify(report.counters)}`);
  return `${lines.join('\n')}\n`;
}
