/** The extension's settings, read and bounded: a setting out of range falls back to the default. */
import type { ExtensionContext } from '@kith/sdk';
import { checkSchedule, DEFAULT_SCHEDULE, type ScheduleConfig } from './schedule.js';

export const SETTINGS = {
  on: 'parked.on',
  rendezvousUrl: 'parked.rendezvous-url',
  periodMs: 'parked.period-ms',
  windowMs: 'parked.window-ms',
  skewMs: 'parked.skew-ms',
  clockOffsetMs: 'parked.clock-offset-ms',
} as const;

/** A clock correction beyond this is refused (it is a test knob, not a time machine). */
const MAX_CLOCK_OFFSET_MS = 10 * 60_000;

export interface ParkedConfig {
  readonly on: boolean;
  readonly schedule: ScheduleConfig;
  /** Empty: no shared clock and no timed attendance (IPv6 and known IPv4 endpoints only). */
  readonly rendezvousUrl: string;
  readonly clockOffsetMs: number;
  /** Why the schedule settings were set aside for the defaults (shown in the status), or null. */
  readonly scheduleProblem: string | null;
}

export function readConfig(ctx: Pick<ExtensionContext, 'settings' | 'log'>): ParkedConfig {
  const number = (id: string, fallback: number) => {
    const value = ctx.settings.get<unknown>(id);
    return typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : fallback;
  };
  let schedule: ScheduleConfig = {
    ...DEFAULT_SCHEDULE,
    periodMs: number(SETTINGS.periodMs, DEFAULT_SCHEDULE.periodMs),
    windowMs: number(SETTINGS.windowMs, DEFAULT_SCHEDULE.windowMs),
    skewMs: number(SETTINGS.skewMs, DEFAULT_SCHEDULE.skewMs),
  };
  let scheduleProblem: string | null = null;
  try {
    checkSchedule(schedule);
  } catch (error) {
    // Each setting was valid alone; together they are not (a window longer than its period, say).
    scheduleProblem = `${(error as Error).message}: the default schedule is used until the settings agree`;
    ctx.log.warn('parked schedule settings out of range; using the defaults', { error: (error as Error).message });
    schedule = DEFAULT_SCHEDULE;
  }
  const url = ctx.settings.get<unknown>(SETTINGS.rendezvousUrl);
  const offset = number(SETTINGS.clockOffsetMs, 0);
  return {
    on: ctx.settings.get<unknown>(SETTINGS.on) === true,
    schedule,
    rendezvousUrl: typeof url === 'string' && url.length <= 2048 ? url.trim() : '',
    clockOffsetMs: Math.abs(offset) <= MAX_CLOCK_OFFSET_MS ? offset : 0,
    scheduleProblem,
  };
}
