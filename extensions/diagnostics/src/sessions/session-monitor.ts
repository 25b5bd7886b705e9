import { createServiceRef, Disposable, type ExtensionContext, type PeerKey } from '@kith/sdk';
import type { Quality } from './quality.js';
import { SessionSamples, type Sample } from './session-samples.js';
import { sessionView, type SessionView } from './session-view.js';

/** What other extensions read: a friend's live-session quality (undefined without a session). */
export interface QualityService {
  qualityOf(peer: PeerKey): Quality | undefined;
}
/** `ctx.services.get(diagnosticsQuality)` in another extension (declare `diagnostics` as a dependency). */
export const diagnosticsQuality = createServiceRef<QualityService>({ id: 'diagnostics.quality' });

/** The page's live feed: sent as the UI event `diagnostics:sessions` once a second. */
export interface SessionsUpdate {
  readonly at: number;
  readonly sessions: readonly SessionView[];
  /** The newest chart point per friend. */
  readonly samples: Readonly<Record<string, Sample>>;
}

const SAMPLE_EVERY_MS = 1000;

/**
 * Reads every live session's stats once a second (ctx.diagnostics.sessions), keeps the charts'
 * last minutes, pushes the update to open pages, emits `diagnostics:quality` when a friend's
 * bars change, and offers the quality as the `diagnostics.quality` service.
 */
export class SessionMonitor {
  readonly samples = new SessionSamples();
  #latest: SessionsUpdate = { at: 0, sessions: [], samples: {} };
  readonly #bars = new Map<PeerKey, number>();
  #labels = new Map<PeerKey, string>();
  #reading = false;

  constructor(private readonly ctx: ExtensionContext) {}

  start(): Disposable {
    const refreshLabels = async () => {
      this.#labels = new Map((await this.ctx.friends.list()).map((f) => [f.peer, f.label]));
    };
    void refreshLabels().catch(() => undefined);
    return Disposable.from(
      this.ctx.friends.onDidChange(() => void refreshLabels().catch(() => undefined)),
      this.ctx.timers.setInterval(() => void this.sample(), SAMPLE_EVERY_MS),
      this.ctx.services.provide(diagnosticsQuality, {
        qualityOf: (peer) => this.#latest.sessions.find((s) => s.peer === peer)?.quality,
      }),
    );
  }

  get latest(): SessionsUpdate {
    return this.#latest;
  }

  /** One reading (also run by the routes, so a page opened between ticks sees fresh numbers). */
  async sample(): Promise<SessionsUpdate> {
    if (this.#reading) return this.#latest;
    this.#reading = true;
    try {
      const stats = await this.ctx.diagnostics.sessions();
      const now = Date.now();
      this.samples.record(stats, now);
      const sessions = stats.map((s) => sessionView(s, this.#labels.get(s.peer) ?? null, now));
      const samples: Record<string, Sample> = {};
      for (const s of sessions) {
        const point = this.samples.latest(s.peer);
        if (point) samples[s.peer] = point;
      }
      this.#latest = { at: now, sessions, samples };
      if (sessions.length > 0 || this.#bars.size > 0) this.ctx.events.emit('sessions', this.#latest);
      this.#emitQualityChanges(sessions);
      return this.#latest;
    } catch (error) {
      this.ctx.log.debug('session stats not read', { error: (error as Error).message });
      return this.#latest;
    } finally {
      this.#reading = false;
    }
  }

  #emitQualityChanges(sessions: readonly SessionView[]): void {
    const live = new Set<PeerKey>();
    for (const s of sessions) {
      live.add(s.peer);
      if (this.#bars.get(s.peer) !== s.quality.bars) {
        this.#bars.set(s.peer, s.quality.bars);
        this.ctx.events.emit('quality', { peer: s.peer, ...s.quality });
      }
    }
    for (const peer of [...this.#bars.keys()]) {
      if (live.has(peer)) continue;
      this.#bars.delete(peer);
      this.ctx.events.emit('quality', { peer, level: 'none', bars: 0, reason: 'no live session' });
    }
  }
}
