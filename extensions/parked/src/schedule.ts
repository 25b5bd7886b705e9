/**
 * The parked schedule: from a key only two friends share, both derive the same periodic windows
 * (when the parked friend listens) and the ports it listens on. Pure and deterministic: the same
 * key, config and instant give the same answer on both hosts.
 *
 * Per period k (k = floor(t / periodMs)) the window starts at k·period + phase(k) and lasts
 * windowMs; phase and ports come from HMAC-SHA256(key, label ‖ k), so every period moves the window
 * and the ports, and without the key nothing about them can be guessed.
 */
import { createHmac } from 'node:crypto';

/** The schedule's shape; the same on both sides (it is part of the extension's settings). */
export interface ScheduleConfig {
  /** One window per period. */
  readonly periodMs: number;
  /** How long a window lasts on the shared timeline. */
  readonly windowMs: number;
  /**
   * The clock skew tolerated between the two friends: the listener opens this much before the
   * window and stays this much after it, so a friend whose clock is off by up to skewMs still
   * finds it open at the derived instant.
   */
  readonly skewMs: number;
  /** Ports are drawn from [portMin, portMin + portSpan). */
  readonly portMin: number;
  readonly portSpan: number;
  /** Extra ports per window, tried in order when the first is taken. */
  readonly fallbackPorts: number;
}

/** One window of one friendship. Times are Unix ms on the shared (rendezvous or system) clock. */
export interface ParkedWindow {
  /** The period index: windows rotate with it. */
  readonly index: number;
  /** The derived instant: both sides start sending then (simultaneous open). */
  readonly startMs: number;
  readonly endMs: number;
  /** When the listener opens and closes: the window widened by the skew on both sides. */
  readonly openMs: number;
  readonly closeMs: number;
  /** The window's port first, then its fallbacks; all distinct. */
  readonly ports: readonly number[];
}

export const DEFAULT_SCHEDULE: ScheduleConfig = {
  periodMs: 30 * 60_000,
  windowMs: 60_000,
  skewMs: 90_000,
  portMin: 20_000,
  portSpan: 40_000,
  fallbackPorts: 2,
};

/** The label every derivation is bound to (versioned, so a change of scheme changes every output). */
export const SCHEDULE_INFO = 'kith/parked/v1';

/** Throws on a config that cannot give sane windows. */
export function checkSchedule(config: ScheduleConfig): void {
  const int = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer in ${min}..${max}`);
  };
  int('periodMs', config.periodMs, 2_000, 24 * 3600_000);
  int('windowMs', config.windowMs, 1_000, config.periodMs - 1);
  int('skewMs', config.skewMs, 0, 5 * 60_000);
  int('portMin', config.portMin, 1_024, 65_535);
  int('portSpan', config.portSpan, 16, 65_536 - config.portMin);
  int('fallbackPorts', config.fallbackPorts, 0, 6);
}

function u32(key: Uint8Array, label: string, index: number, extra = 0): number {
  const mac = createHmac('sha256', key).update(`${SCHEDULE_INFO}|${label}|${index}|${extra}`).digest();
  return mac.readUInt32BE(0);
}

/** The window of period `index`. */
export function windowAt(key: Uint8Array, config: ScheduleConfig, index: number): ParkedWindow {
  if (key.length !== 32) throw new RangeError('the schedule key is 32 bytes');
  const phase = u32(key, 'phase', index) % (config.periodMs - config.windowMs + 1);
  const startMs = index * config.periodMs + phase;
  const endMs = startMs + config.windowMs;
  const ports: number[] = [];
  for (let i = 0; ports.length < 1 + config.fallbackPorts; i++) {
    const port = config.portMin + (u32(key, 'port', index, i) % config.portSpan);
    if (!ports.includes(port)) ports.push(port);
  }
  return { index, startMs, endMs, openMs: startMs - config.skewMs, closeMs: endMs + config.skewMs, ports };
}

/**
 * The windows whose listening span (openMs..closeMs) includes `nowMs` or starts after it, earliest
 * first: what a listener must have open now and next.
 */
export function listeningWindows(key: Uint8Array, config: ScheduleConfig, nowMs: number, count = 2): ParkedWindow[] {
  const out: ParkedWindow[] = [];
  // Window k closes by (k+1)·period + skew, so earlier ones are surely closed (spans may overlap).
  for (let index = Math.floor((nowMs - config.skewMs) / config.periodMs) - 1; out.length < count; index++) {
    const w = windowAt(key, config, index);
    if (w.closeMs > nowMs) out.push(w);
  }
  return out;
}

/**
 * The window a reaching friend aims at: the first whose shared span (startMs..endMs) has not
 * ended at `nowMs`. It sends from max(now, startMs) to endMs; the listener, open skewMs either side,
 * is there whenever the two clocks differ by at most skewMs.
 */
export function reachWindow(key: Uint8Array, config: ScheduleConfig, nowMs: number): ParkedWindow {
  for (let index = Math.floor(nowMs / config.periodMs) - 1; ; index++) {
    const w = windowAt(key, config, index);
    if (w.endMs > nowMs) return w;
  }
}
