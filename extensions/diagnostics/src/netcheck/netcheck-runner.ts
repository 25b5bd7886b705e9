import type { ExtensionContext } from '@kith/sdk';
import type { NetcheckReport } from './check-item.js';
import { runNetcheck } from './netcheck.js';
import { configuredServers } from './stun-servers.js';

export const STUN_SERVERS_SETTING = 'diagnostics.stun-servers';
export const RENDEZVOUS_SETTING = 'diagnostics.rendezvous-url';

/**
 * Runs the network check for the routes and the page: one at a time (a second caller shares the
 * running check), and keeps the latest report for the shared report.
 */
export class NetcheckRunner {
  #running: Promise<NetcheckReport> | undefined;
  #latest: NetcheckReport | undefined;

  constructor(private readonly ctx: ExtensionContext) {}

  get latest(): NetcheckReport | undefined {
    return this.#latest;
  }

  run(rendezvousUrl?: string): Promise<NetcheckReport> {
    this.#running ??= runNetcheck({
      network: this.ctx.network,
      // The host reads KITH_STUN for its own discovery; the check asks the same servers unless told otherwise.
      stunServers: configuredServers(String(this.ctx.settings.get<string>(STUN_SERVERS_SETTING) ?? ''), process.env.KITH_STUN),
      rendezvousUrl: rendezvousUrl || String(this.ctx.settings.get<string>(RENDEZVOUS_SETTING) ?? '') || undefined,
    }).then((report) => {
      this.#latest = report;
      this.ctx.log.info('network check done', { ms: report.durationMs, verdict: report.verdict.level });
      return report;
    }).finally(() => (this.#running = undefined));
    return this.#running;
  }
}
