/** One measured figure, printed beside the baseline measured in the same run. */
export interface BenchRow {
  /** The area, e.g. `host`, `identity`, `rendezvous`, `net`, `bus`, `chat`, `package`. */
  readonly area: string;
  /** What was measured, e.g. `GET /api/health`. */
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** The same measurement of a reference, from the same run (e.g. a bare express server, `cp`). */
  readonly baseline?: { readonly name: string; readonly value: number; readonly unit: string };
  /** The goal the issue sets, in words (e.g. `p50 < 3 ms`). */
  readonly goal?: string;
}

/** A benchmark suite: `tools/bench/suites/<area>.ts` default-exports one. */
export interface BenchSuite {
  readonly name: string;
  run(): Promise<BenchRow[]>;
}
