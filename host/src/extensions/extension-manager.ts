import { KithError, type ExtensionModule } from '@kith/sdk';
import type { Kernel } from '../core/area.js';
import type { ActivePersona, PersonaGate } from '../core/persona-gate.js';
import { buildContext, type ContextDeps } from './context-builder.js';
import type { EnabledState } from './enabled-state.js';
import { reportError, type ErrorReport, type ExtensionRecord } from './extension-record.js';
import { ExtensionRun } from './extension-run.js';

/** Where an extension stands for the active persona. */
export interface ExtensionStatus {
  readonly enabled: boolean;
  readonly running: boolean;
  readonly faulted: boolean;
  readonly error: ErrorReport | null;
}

export interface ManagerOptions {
  readonly kernel: Kernel;
  readonly gate: PersonaGate;
  /** In activation order (dependencies first). */
  readonly records: readonly ExtensionRecord[];
  readonly enabledState: EnabledState;
  readonly contextDeps: ContextDeps;
  /** An `activate` that takes longer faults the extension. Default 15 s. */
  readonly activateTimeoutMs?: number;
}

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
  #persona: ActivePersona | undefined;
  #enabled = new Map<string, boolean>();
  #queue: Promise<void> = Promise.resolve();
  #subscription: { dispose(): void } | undefined;

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.#byId = new Map(options.records.map((r) => [r.id, r]));
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
    return { enabled, running, faulted: problem !== undefined, error: problem === undefined ? null : reportError(problem) };
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
      await this.#o.enabledState.set(persona.info.slug, id, enabled);
      this.#enabled.set(id, enabled);
      if (enabled) this.#runFaults.delete(id);
      await this.#reconcile();
    });
  }

  /** Why a declared route of `id` cannot run now, after pending changes are applied. */
  async routeBlock(id: string): Promise<KithError | undefined> {
    await this.settled();
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
    this.#o.kernel.log.error({ err: error, ext: run.extensionId }, 'extension faulted');
    this.#runFaults.set(run.extensionId, error);
    this.#enqueueQuietly(() => this.#reconcile());
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(step);
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
    this.#enabled = persona ? await this.#o.enabledState.load(persona.info.slug, this.#o.records) : new Map();
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
    for (const r of records) {
      if (this.#runs.has(r.id) || !this.#wanted(r, new Set(this.#runs.keys()))) continue;
      await this.#activate(r, this.#persona!);
      changed = true;
    }
    if (changed) this.#o.kernel.ui.emit('extensions:changed', { persona: this.#persona?.info.slug ?? null });
  }

  async #activate(record: ExtensionRecord, persona: ActivePersona): Promise<void> {
    const run = new ExtensionRun(record.id, persona.info.slug);
    this.#runs.set(record.id, run);
    try {
      const module = entryModule(await record.load(), record.id);
      run.module = module;
      run.context = await buildContext(this.#o.contextDeps, record, persona, run, (error) => this.fault(run, error));
      await withTimeout(Promise.resolve(module.activate(run.context)), this.#o.activateTimeoutMs ?? 15_000, record.id);
      this.#o.kernel.log.info({ ext: record.id, persona: persona.info.slug }, 'extension activated');
    } catch (error) {
      this.#o.kernel.log.error({ err: error, ext: record.id }, 'extension failed to activate');
      this.#runFaults.set(record.id, error);
      this.#runs.delete(record.id);
      await run.stop(this.#o.kernel.log);
    }
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

function withTimeout<T>(promise: Promise<T>, ms: number, id: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KithError('KITH_ERR_TIMEOUT', `Extension "${id}" did not finish activate within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
