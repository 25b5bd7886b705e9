/**
 * The parked schedule: golden vectors (computed independently with Python's hmac module), rotation,
 * skew widening, the reach/listen choice at window edges, and that another key gives other windows.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { checkSchedule, DEFAULT_SCHEDULE, listeningWindows, reachWindow, windowAt, type ScheduleConfig } from '../src/schedule.js';
import { readFileSync } from 'node:fs';
import { readConfig, SETTINGS } from '../src/parked-config.js';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);

describe('parked schedule', () => {
  it('matches the golden vectors', () => {
    const vectors = [
      { index: 0, start: 156_966, ports: [26291, 33606, 56609] },
      { index: 982_000, start: 1_767_600_683_094, ports: [40905, 54140, 21394] },
      { index: 982_001, start: 1_767_602_962_075, ports: [47221, 47495, 57054] },
    ];
    for (const v of vectors) {
      const w = windowAt(KEY, DEFAULT_SCHEDULE, v.index);
      expect(w.startMs, `start of ${v.index}`).to.equal(v.start);
      expect(w.endMs).to.equal(v.start + 60_000);
      expect(w.openMs).to.equal(v.start - 90_000);
      expect(w.closeMs).to.equal(v.start + 150_000);
      expect(w.ports).to.deep.equal(v.ports);
    }
  });

  it('rotates: each period has its own phase and ports, every window stays inside its period', () => {
    const starts = new Set<number>();
    const firstPorts = new Set<number>();
    for (let index = 1000; index < 1100; index++) {
      const w = windowAt(KEY, DEFAULT_SCHEDULE, index);
      expect(w.startMs).to.be.at.least(index * DEFAULT_SCHEDULE.periodMs);
      expect(w.endMs).to.be.at.most((index + 1) * DEFAULT_SCHEDULE.periodMs);
      expect(new Set(w.ports).size).to.equal(3);
      for (const p of w.ports) expect(p).to.be.within(20_000, 59_999);
      starts.add(w.startMs % DEFAULT_SCHEDULE.periodMs);
      firstPorts.add(w.ports[0]!);
    }
    expect(starts.size).to.be.greaterThan(95);
    expect(firstPorts.size).to.be.greaterThan(85);
  });

  it('gives another friendship unrelated windows', () => {
    const other = randomBytes(32);
    let samePhase = 0;
    for (let index = 0; index < 200; index++) {
      if (windowAt(other, DEFAULT_SCHEDULE, index).startMs === windowAt(KEY, DEFAULT_SCHEDULE, index).startMs) samePhase++;
    }
    expect(samePhase).to.be.lessThan(3);
  });

  it('keeps the listener open through the reaching side\'s whole window for any skew up to skewMs', () => {
    const config: ScheduleConfig = { ...DEFAULT_SCHEDULE, periodMs: 200_000, windowMs: 6_000, skewMs: 70_000 };
    for (const skew of [-70_000, -60_000, -1, 0, 1, 60_000, 70_000]) {
      for (let t = 5_000_000; t < 6_000_000; t += 37_000) {
        // The reacher's clock reads t; the listener's clock reads t + skew.
        const aim = reachWindow(KEY, config, t);
        const sendFrom = Math.max(t, aim.startMs);
        for (const at of [sendFrom, aim.endMs - 1]) {
          const listening = listeningWindows(KEY, config, at + skew, 3);
          const open = listening.some((w) => w.index === aim.index && w.openMs <= at + skew && at + skew < w.closeMs);
          expect(open, `skew ${skew} t ${t} at ${at}`).to.equal(true);
        }
      }
    }
  });

  it('aims at the current window while it lasts and at the next one after its end', () => {
    const w = windowAt(KEY, DEFAULT_SCHEDULE, 982_000);
    expect(reachWindow(KEY, DEFAULT_SCHEDULE, w.startMs - 1).index).to.equal(982_000);
    expect(reachWindow(KEY, DEFAULT_SCHEDULE, w.endMs - 1).index).to.equal(982_000);
    expect(reachWindow(KEY, DEFAULT_SCHEDULE, w.endMs).index).to.equal(982_001);
    const listening = listeningWindows(KEY, DEFAULT_SCHEDULE, w.endMs + 10);
    expect(listening[0]!.index).to.equal(982_000);
    expect(listeningWindows(KEY, DEFAULT_SCHEDULE, w.closeMs)[0]!.index).to.equal(982_001);
  });

  it('refuses configs that cannot give sane windows, and keys of the wrong size', () => {
    expect(() => checkSchedule(DEFAULT_SCHEDULE)).to.not.throw();
    expect(() => checkSchedule({ ...DEFAULT_SCHEDULE, windowMs: DEFAULT_SCHEDULE.periodMs })).to.throw(RangeError);
    expect(() => checkSchedule({ ...DEFAULT_SCHEDULE, portMin: 80 })).to.throw(RangeError);
    expect(() => checkSchedule({ ...DEFAULT_SCHEDULE, portSpan: 60_000 })).to.throw(RangeError);
    expect(() => windowAt(new Uint8Array(16), DEFAULT_SCHEDULE, 1)).to.throw(RangeError);
  });
});

describe('parked settings', () => {
  const withSettings = (values: Record<string, unknown>) => ({
    settings: { get: <T>(id: string) => values[id] as T },
    log: { warn() {}, info() {}, error() {}, debug() {} },
  }) as unknown as Parameters<typeof readConfig>[0];

  it('says why settings valid alone but not together were set aside for the default schedule', () => {
    const agreed = readConfig(withSettings({ 'parked.period-ms': 12_000, 'parked.window-ms': 3_000 }));
    expect(agreed.schedule).to.include({ periodMs: 12_000, windowMs: 3_000 });
    expect(agreed.scheduleProblem).to.equal(null);
    // A window longer than its period: each number is in range, the pair is not.
    const clashing = readConfig(withSettings({ 'parked.period-ms': 12_000, 'parked.window-ms': 20_000 }));
    expect(clashing.schedule).to.deep.equal(DEFAULT_SCHEDULE);
    expect(clashing.scheduleProblem).to.match(/^windowMs must be an integer in 1000\.\.11999: the default schedule is used until the settings agree$/);
  });

  it('declares in its manifest the range each number setting has alone (the Settings page and the host refuse the rest)', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      kith: { contributes: { settings: { id: string; minimum?: number; maximum?: number }[] } };
    };
    const range = (id: string) => {
      const setting = manifest.kith.contributes.settings.find((s) => s.id === id)!;
      return [setting.minimum, setting.maximum];
    };
    // Each bound is the edge checkSchedule takes alone, with the other settings at their widest.
    const accepts = (change: Partial<ScheduleConfig>) => {
      try {
        checkSchedule({ ...DEFAULT_SCHEDULE, periodMs: 24 * 3600_000, windowMs: 1_000, ...change });
        return true;
      } catch {
        return false;
      }
    };
    const [periodMin, periodMax] = range(SETTINGS.periodMs) as [number, number];
    expect([accepts({ periodMs: periodMin }), accepts({ periodMs: periodMin - 1 })]).to.deep.equal([true, false]);
    expect([accepts({ periodMs: periodMax }), accepts({ periodMs: periodMax + 1 })]).to.deep.equal([true, false]);
    const [windowMin, windowMax] = range(SETTINGS.windowMs) as [number, number];
    expect([accepts({ windowMs: windowMin }), accepts({ windowMs: windowMin - 1 })]).to.deep.equal([true, false]);
    expect([accepts({ windowMs: windowMax }), accepts({ windowMs: windowMax + 1 })]).to.deep.equal([true, false]);
    const [skewMin, skewMax] = range(SETTINGS.skewMs) as [number, number];
    expect([accepts({ skewMs: skewMin }), accepts({ skewMs: skewMin - 1 })]).to.deep.equal([true, false]);
    expect([accepts({ skewMs: skewMax }), accepts({ skewMs: skewMax + 1 })]).to.deep.equal([true, false]);
    // The clock correction: readConfig keeps what is within the range and drops what is past it.
    const [offsetMin, offsetMax] = range(SETTINGS.clockOffsetMs) as [number, number];
    expect(readConfig(withSettings({ [SETTINGS.clockOffsetMs]: offsetMax })).clockOffsetMs).to.equal(offsetMax);
    expect(readConfig(withSettings({ [SETTINGS.clockOffsetMs]: offsetMin })).clockOffsetMs).to.equal(offsetMin);
    expect(readConfig(withSettings({ [SETTINGS.clockOffsetMs]: offsetMax + 1 })).clockOffsetMs).to.equal(0);
  });
});
