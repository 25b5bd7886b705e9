import { KithError, type ExtensionModule } from '@kith/sdk';
import { isDiskFull } from '../storage/disk-full.js';
import type { Kernel } from '../core/area.js';
import type { ActivePersona, PersonaGate } from '../core/persona-gate.js';
import { buildContext, type ContextDeps } from './context-builder.js';
import type { EnabledState } from './enabled-state.js';
import { reportError, type ErrorReport, type ExtensionRecord } from './extension-record.js';
import { ExtensionRun } from './extension-run.js';
import { enterZone } from './isolation/extension-zone.js';
import type { FaultStore } from './isolation/fault-store.js';
import { remoteModule, type ProcessLimits } from './isolation/extension-process.js';
import { RestartPolicy, type RestartLimits } from './isolation/restart-policy.js';
import { isDeadline, withTimeout } from './activation-deadline.js';
import { extensionSealingKey, extensionTagKey } from '../storage/sealing.js';

/** Where an extension stands for the active persona. */
export interface ExtensionStatus {
  readonly enabled: boolean;
  readonly running: boolean;
  readonly faulted: boolean;
  readonly error: ErrorReport | null;
  /** Where it runs: 'process' is its own extension host process (third-party), else the host's. */
  readonly isolation: 'process' | 'in-process';
  /**
   * The last crash of its extension host for this persona since unlock (null if none), kept after
   * the restart clears `faulted`: a restart 1 s later must not hide that it crashed.
   */
  readonly lastCrash: CrashReport | null;
  /**
   * A third-party extension off until the user turns it on, agreeing to the permissions its
   * manifest lists (none granted yet, or a new version asks for more).
   */
  readonly awaitingConsent: boolean;
}

/** A crash of an extension host: why, when (ms since the epoch), and how many in the restart window. */
export interface CrashReport extends ErrorReport {
  readonly at: number;
  readonly crashes: number;
}

export interface ManagerOptions {
  readonly kernel: Kernel;
  readonly gate: PersonaGate;
  /** In activation order (dependencies first). */
  readonly records: readonly ExtensionRecord[];
  readonly enabledState: EnabledState;
  readonly contextDeps: ContextDeps;
  /** Crash faults kept across restarts and unlocks (per persona and extension version). */
  readonly faults?: FaultStore;
  /** An `activate` that takes longer faults the extension (and is recorded as a crash). Default 5 s. */
  readonly activateTimeoutMs?: number;
  /** Which extensions run in their own process (isolation/extension-process.ts). Default: none. */
  readonly isolate?: (record: ExtensionRecord) => boolean;
  readonly processLimits?: ProcessLimits;
  /** When a crashed extension host is started again (isolation/restart-policy.ts). */
  readonly restartLimits?: RestartLimits;
}

/** Default activation deadline: generous for a real `activate`, short enough not to stall an unlock. */
export const DEFAULT_ACTIVATE_TIMEOUT_MS = 5_000;
/**
 * Starting an extension host (a Node process loading the SDK under the permission model) is not
 * the extension's `activate`: on a loaded machine it can take seconds. The deadline proper runs in
 * the process from the moment the extension's code is loaded; this only bounds a start that stalls.
 */
const PROCESS_START_ALLOWANCE_MS = 30_000;

/**
 * Runs the active persona's extensions. Every change (unlock, switch, lock, a toggle, a fault) is
 * queued and applied one at a time by {@link reconcile}: stop what should no longer run (dependents
 * first), then start what should (dependencies first). Nothing needs a restart.
 */
export class ExtensionManager {
  readonly #o: ManagerOptions;
  readonly #byId: Map<string, ExtensionRecord>;
  readonly #runs = new Map<string, ExtensionRun>();
  /** Faults of the current persona's runs (activate or handler threw); cleared by re-enabling or switching. */
  readonly #runFaults = new Map<string, unknown>();
  /** The last crash of each isolated extension of the current persona; cleared by switching. */
  readonly #lastCrashes = new Map<string, CrashReport>();
  #persona: ActivePersona | undefined;
  #enabled = new Map<string, boolean>();
  #awaitingConsent = new Set<string>();
  #queue: Promise<void> = Promise.resolve();
  /** Queued changes not yet applied. */
  #pending = 0;
  /** Waiters for the next settled activation of an extension (routes waiting through an unlock). */
  readonly #activationWaiters = new Map<string, Set<() => void>>();
  #subscription: { dispose(): void } | undefined;
  readonly #restarts: RestartPolicy;
  readonly #restartTimers = new Set<NodeJS.Timeout>();

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.#byId = new Map(options.records.map((r) => [r.id, r]));
    this.#restarts = new RestartPolicy(options.restartLimits);
  }

  get records(): readonly ExtensionRecord[] {
    return this.#o.records;
  }

  get persona(): ActivePersona | undefined {
    return this.#persona;
  }

  start(): Promise<void> {
    this.#subscription = this.#o.gate.onDidChangeActive((persona) => this.#enqueueQuietly(() => this.#switchTo(persona)));
    return this.#enqueue(() => this.#switchTo(this.#o.gate.active));
  }

  async stop(): Promise<void> {
    this.#subscription?.dispose();
    for (const timer of this.#restartTimers) clearTimeout(timer);
    this.#restartTimers.clear();
    await this.#enqueue(() => this.#switchTo(undefined));
  }

  /** Resolves once every queued change has been applied. */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.#queue;
      await seen;
    } while (seen !== this.#queue);
  }

  run(id: string): ExtensionRun | undefined {
    return this.#runs.get(id);
  }

  status(id: string): ExtensionStatus {
    const record = this.#byId.get(id);
    if (!record) throw new KithError('KITH_ERR_NOT_FOUND', `No extension "${id}" is installed`);
    const enabled = this.#persona !== undefined && this.#enabled.get(id) === true;
    const running = this.#runs.has(id);
    const problem = record.installError ?? this.#runFaults.get(id) ?? (enabled && !running ? this.#dependencyProblem(record) : undefined);
    const isolation = this.#o.isolate?.(record) ? 'process' : 'in-process';
    const lastCrash = this.#lastCrashes.get(id) ?? null;
    const awaitingConsent = this.#persona !== undefined && this.#awaitingConsent.has(id);
    return { enabled, running, faulted: problem !== undefined, error: problem === undefined ? null : reportError(problem), isolation, lastCrash, awaitingConsent };
  }

  /** Turn an extension on or off for the active persona; resolves once it has started or stopped. */
  setEnabled(id: string, enabled: boolean): Promise<void> {
    if (!this.#byId.has(id)) return Promise.reject(new KithError('KITH_ERR_NOT_FOUND', `No extension "${id}" is installed`));
    const requestedFor = this.#o.gate.active;
    return this.#enqueue(async () => {
      const persona = this.#persona;
      if (!persona) throw new KithError('KITH_ERR_LOCKED');
      // The switch belongs to the persona that asked; a persona change in between voids it.
      if (persona !== requestedFor) throw new KithError('KITH_ERR_CONFLICT', 'The active persona changed; nothing was switched');
      // Turning it on is the user's consent to the permissions it lists now (enabled-state.ts).
      await this.#o.enabledState.set(persona.info.slug, this.#byId.get(id)!, enabled);
      this.#enabled.set(id, enabled);
      if (enabled) this.#awaitingConsent.delete(id);
      if (enabled) {
        // Turning it on again is the user's answer to a recorded crash: try once more.
        this.#runFaults.delete(id);
        this.#restarts.reset(`${persona.info.slug}\u0000${id}`);
        await this.#o.faults?.clear(persona.info.slug, id);
      }
      await this.#reconcile();
    });
  }

  /**
   * Resolves once pending changes are applied, or sooner once `id` itself has finished activating:
   * a slow or hung neighbour's `activate` never delays this extension's routes or UI module.
   */
  async settledFor(id: string): Promise<void> {
    const current = this.#runs.get(id);
    const ready = current?.activated === true && !current.stopped && current.personaSlug === this.#o.gate.active?.info.slug;
    if (!ready && this.#pending > 0) await Promise.race([this.settled(), this.#nextActivation(id)]);
  }

  /**
   * Why a declared route of `id` cannot run now. A run that finished activating for the active
   * persona answers at once; otherwise the route waits for pending changes, but no longer than
   * this extension's own activation takes, so a slow or hung neighbour never delays it.
   */
  async routeBlock(id: string): Promise<KithError | undefined> {
    await this.settledFor(id);
    const record = this.#byId.get(id)!;
    const status = this.status(id);
    if (status.running) return undefined;
    const details = { extension: id };
    if (!status.enabled) {
      return new KithError('KITH_ERR_EXTENSION_DISABLED', `The extension "${record.name}" (${id}) is turned off for this persona`, details);
    }
    return new KithError('KITH_ERR_EXTENSION_FAULTED', `The extension "${record.name}" (${id}) has faulted: ${status.error?.message}`, details);
  }

  /** A handler of `run` threw: mark the extension faulted and stop it. Stale runs are ignored. */
  fault(run: ExtensionRun, error: unknown): void {
    if (run.stopped || this.#runs.get(run.extensionId) !== run) return;
    if (isDiskFull(error)) {
      // The machine's state, not the extension's bug: what it wrote was refused, it keeps running.
      this.#o.kernel.log.warn({ err: error, ext: run.extensionId }, 'an extension handler met a full disk; not faulted');
      return;
    }
    this.#o.kernel.log.error({ err: error, ext: run.extensionId }, 'extension faulted');
    this.#runFaults.set(run.extensionId, error);
    this.#enqueueQuietly(() => this.#reconcile());
  }

  /**
   * The extension's code let an error escape (or missed its activation deadline): fault it like
   * {@link fault}, and record it so the next start or unlock does not run the same crash again.
   */
  crash(run: ExtensionRun, error: unknown): void {
    const record = this.#byId.get(run.extensionId);
    if (!record || run.stopped || this.#runs.get(run.extensionId) !== run) {
      this.#o.kernel.log.warn({ err: error, ext: run.extensionId }, 'a stopped extension let an error escape; ignored');
      return;
    }
    if (this.#o.isolate?.(record)) return this.#restartLater(run, record, error);
    this.fault(run, error);
    this.#recordCrash(run, record, error);
  }

  /**
   * An extension host (own process) crashed, hung or ran out of memory: fault it now, start it
   * again after a backoff, and after too many crashes in the window leave it faulted (recorded,
   * so a restart of Kith does not run it again) with the reason shown to the user.
   */
  #restartLater(run: ExtensionRun, record: ExtensionRecord, error: unknown): void {
    const report = reportError(error);
    const reason = report.message;
    const decision = this.#restarts.crashed(`${run.personaSlug}\u0000${record.id}`);
    this.#lastCrashes.set(record.id, { ...report, at: Date.now(), crashes: decision.crashes });
    if (!decision.restart) {
      const minutes = Math.round(decision.windowMs / 60_000);
      const final = new KithError('KITH_ERR_EXTENSION_FAULTED', `${reason} (crashed ${decision.crashes} times within ${minutes} min; it stays off until turned on again)`, { extension: record.id });
      this.fault(run, final);
      this.#recordCrash(run, record, final);
      return;
    }
    const seconds = Math.round(decision.delayMs / 100) / 10;
    this.fault(run, new KithError('KITH_ERR_EXTENSION_FAULTED', `${reason} (restarting in ${seconds} s, crash ${decision.crashes})`, { extension: record.id }));
    const persona = run.personaSlug;
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      this.#enqueueQuietly(async () => {
        if (this.#persona?.info.slug !== persona || this.#runs.has(record.id)) return;
        this.#runFaults.delete(record.id);
        this.#o.kernel.log.info({ ext: record.id, crashes: decision.crashes }, 'restarting a crashed extension host');
        await this.#reconcile();
      });
    }, decision.delayMs);
    timer.unref();
    this.#restartTimers.add(timer);
  }

  #recordCrash(run: ExtensionRun, record: ExtensionRecord, error: unknown): void {
    const fault = error instanceof KithError ? error : new KithError('KITH_ERR_EXTENSION_FAULTED', reportError(error).message);
    this.#o.faults
      ?.record(run.personaSlug, record.id, record.version, fault)
      .catch((failure) => this.#o.kernel.log.error({ err: failure, ext: record.id }, 'could not record the extension fault'));
  }

  #nextActivation(id: string): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#activationWaiters.get(id) ?? new Set();
      this.#activationWaiters.set(id, waiters);
      const done = () => {
        waiters.delete(done);
        resolve();
      };
      waiters.add(done);
      // Whichever wins the race, do not keep the waiter past the queue's next idle moment.
      void this.settled().then(done);
    });
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#pending++;
    const next = this.#queue.then(step).finally(() => this.#pending--);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** For changes nobody awaits (gate events, faults): a failure is logged, never left unhandled. */
  #enqueueQuietly(step: () => Promise<void>): void {
    this.#enqueue(step).catch((error) => this.#o.kernel.log.error({ err: error }, 'extension manager step failed'));
  }

  async #switchTo(persona: ActivePersona | undefined): Promise<void> {
    if (persona === this.#persona) return;
    this.#persona = undefined;
    await this.#reconcile();
    this.#runFaults.clear();
    this.#lastCrashes.clear();
    const switches = persona ? await this.#o.enabledState.load(persona.info.slug, this.#o.records) : undefined;
    this.#enabled = switches?.enabled ?? new Map();
    this.#awaitingConsent = switches?.awaitingConsent ?? new Set();
    if (persona && this.#o.faults) {
      const versions = new Map(this.#o.records.map((r) => [r.id, r.version]));
      for (const [id, fault] of await this.#o.faults.load(persona.info.slug, versions)) this.#runFaults.set(id, fault);
    }
    this.#persona = persona;
    await this.#reconcile();
  }

  #wanted(record: ExtensionRecord, running: ReadonlySet<string>): boolean {
    return (
      this.#persona !== undefined &&
      this.#enabled.get(record.id) === true &&
      record.installError === undefined &&
      !this.#runFaults.has(record.id) &&
      Object.keys(record.manifest?.dependencies ?? {}).every((dep) => running.has(dep))
    );
  }

  async #reconcile(): Promise<void> {
    const records = this.#o.records;
    const desired = new Set<string>();
    for (const r of records) if (this.#wanted(r, desired)) desired.add(r.id);
    let changed = false;
    for (const r of [...records].reverse()) {
      const run = this.#runs.get(r.id);
      if (run && !desired.has(r.id)) {
        this.#runs.delete(r.id);
        await run.stop(this.#o.kernel.log);
        changed = true;
      }
    }
    // Activations run side by side; each waits only for its own dependencies, so a slow or hung
    // `activate` delays nobody else (it is cut off at the deadline).
    const persona = this.#persona;
    const started = new Map<string, Promise<boolean>>();
    for (const r of records) {
      if (!persona || this.#runs.has(r.id) || !desired.has(r.id)) continue;
      started.set(
        r.id,
        (async () => {
          for (const dep of Object.keys(r.manifest?.dependencies ?? {})) if (!(await (started.get(dep) ?? true))) return false;
          if (!this.#wanted(r, new Set(this.#runs.keys()))) return false;
          await this.#activate(r, persona);
          return this.#runs.has(r.id);
        })(),
      );
    }
    if (started.size > 0) changed = true;
    await Promise.all(started.values());
    if (changed) this.#o.kernel.ui.emit('extensions:changed', { persona: this.#persona?.info.slug ?? null });
  }

  async #activate(record: ExtensionRecord, persona: ActivePersona): Promise<void> {
    const run: ExtensionRun = new ExtensionRun(record.id, persona.info.slug, (error) => this.crash(run, error));
    this.#runs.set(record.id, run);
    const deadline = this.#o.activateTimeoutMs ?? DEFAULT_ACTIVATE_TIMEOUT_MS;
    try {
      // Loading runs the module's top-level code: it belongs to the extension's zone too. An
      // isolated extension is loaded by its own process, never here.
      const module = this.#o.isolate?.(record)
        ? remoteModule(record, run, {
            database: this.#o.kernel.database,
            log: this.#o.kernel.log,
            limits: this.#o.processLimits ?? {},
            activateTimeoutMs: deadline,
            serviceIds: () => this.#o.contextDeps.services.list().map((s) => s.id),
            sealingKeys: () => ({ sealingKey: extensionSealingKey(persona.atRestKey, record.id), tagKey: extensionTagKey(persona.atRestKey, record.id) }),
          })
        : entryModule(await enterZone(run, () => record.load()), record.id);
      run.module = module;
      run.context = await buildContext(this.#o.contextDeps, record, persona, run, (error) => this.fault(run, error));
      const isolated = this.#o.isolate?.(record) === true;
      await withTimeout(enterZone(run, async () => module.activate(run.context!)), isolated ? deadline + PROCESS_START_ALLOWANCE_MS : deadline, record.id);
      run.activated = true;
      this.#o.kernel.log.info({ ext: record.id, persona: persona.info.slug }, 'extension activated');
    } catch (error) {
      this.#o.kernel.log.error({ err: error, ext: record.id }, 'extension failed to activate');
      if (isDeadline(error)) this.#recordCrash(run, record, error);
      this.#runFaults.set(record.id, error);
      if (this.#runs.get(record.id) === run) this.#runs.delete(record.id);
      await run.stop(this.#o.kernel.log);
    } finally {
      for (const wake of [...(this.#activationWaiters.get(record.id) ?? [])]) wake();
    }
  }

  /**
   * Whether an extension turned on for the active persona owns `kind`, running or not: while it
   * restarts after a crash or waits for a dependency, the friend's durable events of the kind wait.
   */
  expectsKind(kind: string): boolean {
    if (!this.#persona) return false;
    return this.#o.records.some((r) => r.installError === undefined && this.#enabled.get(r.id) === true && (r.manifest?.kinds ?? []).includes(kind));
  }

  #dependencyProblem(record: ExtensionRecord): KithError | undefined {
    const dep = Object.keys(record.manifest?.dependencies ?? {}).find((d) => !this.#runs.has(d));
    if (dep === undefined) return undefined;
    return new KithError('KITH_ERR_DEPENDENCY_MISSING', `Extension "${record.id}" needs "${dep}", which is not running for this persona`, {
      dependency: dep,
    });
  }
}

/** The entry module's `activate`/`deactivate`, from a default export or named exports. */
function entryModule(loaded: unknown, id: string): ExtensionModule {
  const candidates = [(loaded as { default?: unknown })?.default, loaded];
  const found = candidates.find((c) => typeof (c as ExtensionModule | undefined)?.activate === 'function');
  if (!found) throw new KithError('KITH_ERR_MANIFEST_INVALID', `The entry module of "${id}" exports no activate(context) function`);
  return found as ExtensionModule;
}
