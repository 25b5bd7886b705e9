import { fork, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { ERRORS, EventRefused, EXTENSION_ERROR_CODE, KithError, type ExtensionContext, type ExtensionModule, type PageChannel, type RouteResponse, type SessionListener, type StorageChannel } from '@kith/sdk';
import type { Database } from '../../storage/database.js';
import { openStorageChannel } from '../../storage/host-storage-channel.js';
import type { HostLogger } from '../../log.js';
import type { ExtensionRecord } from '../extension-record.js';
import type { ExtensionRun } from '../extension-run.js';
import { insideRoot } from '../discovery.js';
import { deadlineError } from '../activation-deadline.js';
import { assertNoEscapingLinks } from './folder-links.js';
import { processFlags } from './process-flags.js';
import { channelState, HostHandles } from './host-handles.js';
import { mirrorSnapshots, ownKeysOf, plainServices } from './snapshots.js';
import remoteMembers from './remote-members.json' with { type: 'json' };

/** How often an isolated extension's copy of a listener's state and counters is refreshed. */
const LISTENER_COPY_MS = 500;

const listenerCopy = (listener: SessionListener) => ({ state: listener.state, counters: listener.counters() });

/** How each context member crosses the process boundary: one line per member (remote-members.md). */
// Imported, not read from disk, so the packaged executable carries it inside its bundle.
const MEMBERS = remoteMembers as unknown as Record<string, MemberKind>;
/**
 * call: a promise-returning RPC; notify: fire and forget; listen: a callback registration; route: a
 * route handler; stream: a byte stream pulled piece by piece; channel: page channels; udp: a bound
 * socket; local: built inside the extension host; snapshot: synchronous, read from a copy the host
 * keeps up to date; unavailable: throws KITH_ERR_NOT_AVAILABLE there (docs/extensions.md).
 */
export type MemberKind = 'call' | 'notify' | 'listen' | 'route' | 'stream' | 'channel' | 'udp' | 'listener' | 'local' | 'snapshot' | 'unavailable';
/** Calls on the host objects a handle names (host-handles.ts); nothing else starting with '@' exists. */
const HANDLE_MEMBERS = new Set(['@pull', '@cancel', '@channel.send', '@channel.whenWritable', '@channel.close', '@channel.onDidReceive', '@channel.onDidDrain', '@channel.onDidClose', '@udp.send', '@udp.dispose', '@listener.connect', '@listener.dispose']);

export interface ProcessLimits {
  /** V8 old-space limit of the extension host, in MiB. Default 64. */
  readonly memoryMb?: number;
  /** Ping period; three missed answers kill the process as hung. Default 1000 ms. */
  readonly heartbeatMs?: number;
}

interface Pending {
  resolve(value: { value: unknown; meta?: RouteMeta }): void;
  reject(error: unknown): void;
}
interface RouteMeta {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly length?: number;
}
type Message = { t: string; id?: number; member?: string; args?: unknown[]; ok?: boolean; value?: unknown; meta?: RouteMeta; error?: FlatError };
interface FlatError {
  readonly name?: string;
  readonly code?: string;
  readonly status?: number;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/**
 * An isolated extension as the manager sees it: an `ExtensionModule` whose `activate(context)`
 * starts a child process (the extension host) under Node's permission model and bridges the
 * real, host-built context to it, member by member (remote-members.json). Escaped errors, exits,
 * out-of-memory and missed heartbeats end the child and fault the run (`run.crashed`).
 */
export interface RemoteDeps {
  readonly database: Database;
  readonly log: HostLogger;
  readonly limits?: ProcessLimits;
  /** The extension's own sealing and tag keys for this persona (it opens only its own data). */
  readonly sealingKeys: () => { readonly sealingKey: Uint8Array; readonly tagKey: Uint8Array };
  /** The deadline of the extension's `activate`, counted from when its process loaded its code. */
  readonly activateTimeoutMs?: number;
  /** Services provided right now (their plain-data copies cross at start, snapshots.ts). */
  readonly serviceIds?: () => readonly string[];
}

export function remoteModule(record: ExtensionRecord, run: ExtensionRun, deps: RemoteDeps): ExtensionModule {
  let child: ChildProcess | undefined;
  let channel: StorageChannel | undefined;
  let nextId = 1;
  let alive = false;
  const invokes = new Map<number, Pending>();
  const registrations = new Map<number, { dispose(): void }>();
  const handles = new HostHandles();
  const mirrors: { dispose(): void }[] = [];
  const timers: NodeJS.Timeout[] = [];
  const memoryMb = deps.limits?.memoryMb ?? 64;
  const heartbeatMs = deps.limits?.heartbeatMs ?? 1000;
  const ext = record.id;

  const crashed = (reason: string) => {
    if (!alive) return;
    alive = false;
    stopChild('SIGKILL');
    run.crashed(new KithError('KITH_ERR_EXTENSION_FAULTED', `Extension "${ext}" ${reason}`, { extension: ext }));
  };
  // Set once the host stops the run on purpose (turned off, locked): what was in flight is then
  // revoked, not faulted, so the bus leaves a friend's event for the next run instead of refusing it.
  let stopping = false;
  const endedError = (what: string) =>
    stopping
      ? new KithError('KITH_ERR_CONTEXT_REVOKED', `Extension "${ext}" ${what}: it was stopped (turned off, or Kith locked)`, { extension: ext })
      : new KithError('KITH_ERR_EXTENSION_FAULTED', `Extension "${ext}" ${what}`);
  const stopChild = (signal: NodeJS.Signals) => {
    for (const timer of timers.splice(0)) clearInterval(timer);
    for (const waiter of invokes.values()) waiter.reject(endedError('stopped'));
    invokes.clear();
    for (const registration of registrations.values()) registration.dispose();
    registrations.clear();
    for (const mirror of mirrors.splice(0)) mirror.dispose();
    handles.dispose();
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const post = (message: unknown) => {
    if (alive && child?.connected) child.send(message as never);
  };
  const ask = (message: Record<string, unknown>) =>
    new Promise<{ value: unknown; meta?: RouteMeta }>((resolve, reject) => {
      if (!alive) return reject(endedError('is not running'));
      const id = nextId++;
      invokes.set(id, { resolve, reject });
      try {
        post({ ...message, id });
      } catch (error) {
        // The host could not serialize what it hands over (a value too deep, say): that data is
        // refused, and the extension, which never saw it, is not faulted for it.
        invokes.delete(id);
        reject(new KithError('KITH_ERR_BAD_REQUEST', `This cannot be handed to extension "${ext}": ${(error as Error).message}`, { extension: ext }));
      }
    });
  const invoke = (cb: number, args: unknown[], route = false) => ask({ t: 'invoke', cb, args, route });
  /** A stream the extension answered a route with, pulled one piece at a time (the socket's pace). */
  const childStream = (sid: number): AsyncIterable<Uint8Array> => ({
    [Symbol.asyncIterator]: () => ({
      next: async () => (await ask({ t: 'pull', sid })).value as IteratorResult<Uint8Array>,
      return: async () => {
        await ask({ t: 'cancel', sid }).catch(() => undefined);
        return { done: true, value: undefined };
      },
    }),
  });

  /** A callback reference from the child, as a function the host can call. */
  const stub = (arg: unknown, kind: 'listen' | 'route'): unknown => {
    const cb = (arg as { '@cb'?: unknown } | null)?.['@cb'];
    if (typeof cb !== 'number') return arg;
    if (kind === 'route') {
      return async (request: { body: unknown }, response: RouteResponse) => {
        const streamed = request.body !== null && typeof request.body === 'object' && Symbol.asyncIterator in request.body;
        const sent = streamed ? { ...request, body: handles.stream(request.body as AsyncIterable<Uint8Array>) } : request;
        const { value, meta } = await invoke(cb, [sent], true);
        if (meta?.status !== undefined) response.status(meta.status);
        for (const [name, v] of Object.entries(meta?.headers ?? {})) response.header(name, v);
        if (meta?.length !== undefined) response.length(meta.length);
        const sid = (value as { '@stream'?: unknown } | null)?.['@stream'];
        return typeof sid === 'number' ? childStream(sid) : value;
      };
    }
    return async (...args: unknown[]) => (await invoke(cb, args)).value;
  };

  const target = (context: ExtensionContext, member: string): ((...args: unknown[]) => unknown) => {
    if (member.startsWith('storage.channel.')) {
      channel ??= guardedChannel(openStorageChannel(deps.database, ext, context.persona.masterPublicKey), run);
      const method = member.slice('storage.channel.'.length) as keyof StorageChannel;
      return (channel[method] as (...args: unknown[]) => unknown).bind(channel);
    }
    const [group, name] = member.split('.') as [string, string];
    const owner = (context as unknown as Record<string, Record<string, unknown>>)[group]!;
    const fn = owner[name];
    if (typeof fn !== 'function') throw new KithError('KITH_ERR_NOT_AVAILABLE', `ctx.${member} is not a function`);
    return fn as (...args: unknown[]) => unknown;
  };

  /** A timed listener: the extension host gets a handle, its events, and a copy of state and counters. */
  const mirrorListener = (listener: SessionListener): number => {
    const hid = handles.add('listener', listener);
    const push = (event?: object) => post({ t: 'listener-event', hid, copy: listenerCopy(listener), ...event });
    const refresh = setInterval(() => push(), LISTENER_COPY_MS);
    refresh.unref();
    listener.onDidOpenSession((session) => push({ event: 'open', session }));
    listener.onDidClose((reason) => {
      clearInterval(refresh);
      handles.forget(hid);
      push({ event: 'close', reason });
    });
    return hid;
  };

  /** A page channel the extension accepted: the extension host gets a handle and mirrored state. */
  const openChannel = (cb: number) => (channel: PageChannel) => {
    const hid = handles.add('channel', channel);
    const state = () => post({ t: 'channel-state', hid, state: channelState(channel) });
    channel.onDidDrain(state);
    channel.onDidClose(({ reason }) => {
      post({ t: 'channel-state', hid, state: channelState(channel), reason });
      handles.forget(hid);
    });
    void invoke(cb, [{ '@channel': hid, name: channel.name, page: channel.page, policy: channel.policy, maxMessageBytes: channel.maxMessageBytes, ...channelState(channel) }]).catch((error) =>
      deps.log.warn({ err: error, ext }, 'an isolated extension\'s page channel handler failed'),
    );
  };

  const handleCall = async (member: string, args: unknown[]): Promise<{ value?: unknown; registration?: { dispose(): void } }> => {
    const [hid, ...rest] = args;
    switch (member) {
      case '@pull':
        return { value: await handles.pull(hid) };
      case '@cancel':
        return { value: await handles.cancel(hid) };
      case '@channel.send': {
        const channel = handles.get<PageChannel>('channel', hid);
        return { value: { taken: channel.send(rest[0] as never), state: channelState(channel) } };
      }
      case '@channel.whenWritable': {
        const channel = handles.get<PageChannel>('channel', hid);
        await channel.whenWritable();
        return { value: channelState(channel) };
      }
      case '@channel.close':
        return { value: handles.get<PageChannel>('channel', hid).close() };
      case '@channel.onDidReceive':
      case '@channel.onDidDrain':
      case '@channel.onDidClose': {
        const channel = handles.get<PageChannel>('channel', hid);
        const event = member.slice('@channel.'.length) as 'onDidReceive' | 'onDidDrain' | 'onDidClose';
        return { registration: channel[event](stub(rest[0], 'listen') as never) };
      }
      case '@listener.connect': {
        const listener = handles.get<SessionListener>('listener', hid);
        const session = await listener.connect(rest[0] as never, rest[1] as never, rest[2] as never);
        return { value: { session, copy: listenerCopy(listener) } };
      }
      case '@listener.dispose':
        handles.get<SessionListener>('listener', hid).dispose();
        return { value: undefined };
      case '@udp.send':
        return { value: await handles.get<{ send(d: Uint8Array, to: unknown): Promise<void> }>('udp', hid).send(rest[0] as Uint8Array, rest[1]) };
      case '@udp.dispose':
        handles.get<{ dispose(): void }>('udp', hid).dispose();
        handles.forget(hid);
        return {};
    }
    throw new KithError('KITH_ERR_NOT_AVAILABLE', 'No such handle call');
  };

  const onMessage = async (context: ExtensionContext, message: Message) => {
    switch (message.t) {
      case 'reply': {
        const waiter = invokes.get(message.id!);
        if (!waiter) return;
        invokes.delete(message.id!);
        if (message.ok) waiter.resolve({ value: message.value, ...(message.meta ? { meta: message.meta } : {}) });
        else waiter.reject(rebuild(message.error));
        return;
      }
      case 'pong':
        lastPong = Date.now();
        return;
      case 'crash':
        return crashed(`let an error escape in its own process: ${String(message.error?.message).slice(0, 500)}`);
      case 'notify': {
        if (MEMBERS[message.member!] !== 'notify') return crashed(`called ctx.${String(message.member).slice(0, 64)}, which is not a notify member`);
        try {
          target(context, message.member!)(...(message.args ?? []));
        } catch (error) {
          deps.log.warn({ err: error, ext }, 'an isolated extension\'s notification failed');
        }
        return;
      }
      case 'dispose':
        registrations.get(message.id!)?.dispose();
        registrations.delete(message.id!);
        return;
      case 'call': {
        const member = String(message.member);
        const kind = MEMBERS[member];
        try {
          if (HANDLE_MEMBERS.has(member)) {
            const { value, registration } = await handleCall(member, message.args ?? []);
            if (registration) registrations.set(message.id!, registration);
            return post({ t: 'reply', id: message.id, ok: true, value });
          }
          if (kind === 'stream') {
            const iterable = target(context, member)(...(message.args ?? [])) as AsyncIterable<Uint8Array>;
            return post({ t: 'reply', id: message.id, ok: true, value: handles.stream(iterable) });
          }
          if (kind === 'channel') {
            const [name, cb, options] = message.args ?? [];
            const registration = context.pageChannels.register(name as string, openChannel((cb as { '@cb': number })['@cb']), options as never);
            registrations.set(message.id!, registration);
            return post({ t: 'reply', id: message.id, ok: true });
          }
          if (kind === 'listener') {
            const listener = await context.network.listenForSessions(message.args?.[0] as never);
            return post({ t: 'reply', id: message.id, ok: true, value: { '@listener': mirrorListener(listener), local: listener.local, untilMs: listener.untilMs, ...listenerCopy(listener) } });
          }
          if (kind === 'udp') {
            const [options, cb] = message.args ?? [];
            const listener = await context.network.bindUdp(options as never, stub(cb, 'listen') as never);
            return post({ t: 'reply', id: message.id, ok: true, value: { '@udp': handles.add('udp', listener), local: listener.local } });
          }
          if (kind !== 'call' && kind !== 'listen' && kind !== 'route') throw new KithError('KITH_ERR_NOT_AVAILABLE', `ctx.${member.slice(0, 64)} cannot be called from an extension's own process`);
          const args = kind === 'call' ? (message.args ?? []) : (message.args ?? []).map((a) => stub(a, kind));
          const value = await target(context, member)(...args);
          if (kind !== 'call') {
            registrations.set(message.id!, value as { dispose(): void });
            post({ t: 'reply', id: message.id, ok: true });
          } else post({ t: 'reply', id: message.id, ok: true, value });
        } catch (error) {
          post({ t: 'reply', id: message.id, ok: false, error: flatten(error) });
        }
      }
    }
  };
  let lastPong = Date.now();

  return {
    activate(context: ExtensionContext) {
      // Found when an extension starts, never at module load: the packaged executable writes its
      // extension host script out then (process-flags.ts).
      try {
        assertNoEscapingLinks(record.root);
      } catch (error) {
        return Promise.reject(error);
      }
      const flags = processFlags(record.root, memoryMb);
      if (!flags) {
        return Promise.reject(
          new KithError('KITH_ERR_NOT_AVAILABLE', `This build of Kith has no extension host, so the third-party extension "${ext}" cannot run`, { extension: ext }),
        );
      }
      const entry = insideRoot(record.root, record.manifest!.main);
      const sendInit = async () => {
        const ownKeys = await ownKeysOf(context).then((value) => ({ value }), (error: unknown) => ({ error: flatten(error) }));
        const keys = sealingPrep(context, deps);
        mirrors.push(...mirrorSnapshots(context, post, deps.log));
        post({
          t: 'init',
          extension: context.extension,
          persona: context.persona,
          declared: { kinds: record.manifest?.kinds ?? [], routes: record.manifest?.contributes?.routes ?? [] },
          snapshots: { ...initialSnapshots(context), ownKeys, services: { value: plainServices(context, deps.serviceIds?.() ?? []) } },
          settings: Object.fromEntries((record.manifest?.contributes?.settings ?? []).map((s) => [s.id, context.settings.get(s.id)])),
          sdkUrl: flags.sdkUrl,
          storageUrl: flags.storageUrl,
          chachaUrl: flags.chachaUrl,
          ...(keys ?? {}),
          entryUrl: pathToFileURL(entry).href,
        });
        keys?.sealingKey.fill(0); // the message holds its own copy
        keys?.tagKey.fill(0);
      };
      return new Promise<void>((resolve, reject) => {
        child = fork(flags.script, [], {
          execArgv: flags.execArgv,
          serialization: 'advanced',
          env: flags.env,
          cwd: record.root,
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        });
        alive = true;
        child.stderr?.on('data', (chunk: Buffer) => {
          const text = chunk.toString('utf8').slice(0, 2000);
          if (!text.includes('ExperimentalWarning') && !text.includes('--trace-warnings')) deps.log.warn({ ext, stderr: text }, 'extension host wrote to stderr');
        });
        child.on('message', (message: Message) => {
          if (message?.t === 'ready') {
            void sendInit().catch((error) => {
              alive = false;
              stopChild('SIGKILL');
              reject(error);
            });
            return;
          }
          if (message?.t === 'loaded' && deps.activateTimeoutMs !== undefined) {
            const ms = deps.activateTimeoutMs;
            const deadline = setTimeout(() => {
              if (!alive) return;
              alive = false;
              stopChild('SIGKILL');
              reject(deadlineError(ext, ms));
            }, ms);
            child!.once('exit', () => clearTimeout(deadline));
            child!.on('message', (m: Message) => void (m?.t === 'activated' || m?.t === 'activate-failed' ? clearTimeout(deadline) : undefined));
            return;
          }
          if (message?.t === 'activated') {
            lastPong = Date.now();
            let lastTick = lastPong;
            timers.push(
              setInterval(() => {
                const now = Date.now();
                // This check running late means the host's own loop was held (a big request
                // parsing, a slow disk): answers may be waiting unread, so the silence is not the
                // extension's. Give it a fresh window instead of killing it for the host's stall.
                const hostWasHeld = now - lastTick > heartbeatMs * 2;
                lastTick = now;
                if (hostWasHeld) lastPong = now;
                else if (now - lastPong > heartbeatMs * 3) return crashed(`did not answer for ${now - lastPong} ms (a busy loop or a hang); its process was killed`);
                post({ t: 'ping' });
              }, heartbeatMs),
            );
            return resolve();
          }
          if (message?.t === 'activate-failed') {
            alive = false;
            stopChild('SIGKILL');
            return reject(rebuild(message.error));
          }
          void onMessage(context, message).catch((error) => deps.log.error({ err: error, ext }, 'extension host message failed'));
        });
        child.on('exit', (code, signal) => {
          const reason = code === 134 || signal === 'SIGABRT' || code === null && signal === 'SIGTRAP'
            ? `ran out of memory (limit ${memoryMb} MiB); its process ended`
            : signal
              ? `its process was ended by ${signal}` // by itself or from outside: Node cannot tell
              : `ended its own process (exit code ${code})`;
          if (alive) {
            crashed(reason);
            reject(new KithError('KITH_ERR_EXTENSION_FAULTED', `Extension "${ext}" ${reason}`));
          }
        });
        // 'error' means a failed start only before 'spawn'. After it, the error is a message the
        // host sent into a channel the dying child had already closed; 'exit' follows and names why.
        let spawned = false;
        child.once('spawn', () => (spawned = true));
        child.on('error', (error) => {
          if (spawned) return deps.log.debug({ err: error, ext }, 'a message to the extension host was lost');
          crashed(`could not run its process: ${error.message}`);
          reject(error);
        });
      });
    },
    async deactivate() {
      if (!child) return;
      const exited = new Promise<void>((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve() : child!.once('exit', () => resolve())));
      post({ t: 'deactivate' });
      stopping = true;
      alive = false;
      const kill = setTimeout(() => stopChild('SIGKILL'), 2000);
      await exited;
      clearTimeout(kill);
      stopChild('SIGKILL');
    },
  };
}

/**
 * The extension's sealing keys for its process, after the one-time re-seal of legacy data
 * (touching ctx.sealing runs it, identity/legacy-reseal.ts). A failure leaves sealing unavailable
 * there (logged) instead of stalling the activation.
 */
function sealingPrep(context: ExtensionContext, deps: RemoteDeps): { sealingKey: Uint8Array; tagKey: Uint8Array } | undefined {
  try {
    void context.sealing;
    return deps.sealingKeys();
  } catch (error) {
    deps.log.error({ err: error, ext: context.extension.id }, 'could not prepare sealing for the extension host');
    return undefined;
  }
}

/**
 * The synchronous members' first copies (snapshots.ts keeps them current). A member this host
 * does not provide is passed as its error, so reading it there throws as it would here.
 */
function initialSnapshots(context: ExtensionContext): Record<string, unknown> {
  const attempt = (read: () => unknown) => {
    try {
      return { value: structuredClone(read()) };
    } catch (error) {
      return { error: flatten(error) };
    }
  };
  return { sessions: attempt(() => context.sessions.all), proposed: attempt(() => context.proposed.hostInfo) };
}

/** The storage channel, refusing every statement once the run stops (like the in-process one). */
function guardedChannel(channel: StorageChannel, run: ExtensionRun): StorageChannel {
  const live = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A): Promise<R> =>
    run.revoked ? Promise.reject(new KithError('KITH_ERR_CONTEXT_REVOKED', `ctx.storage was used after extension "${run.extensionId}" stopped`)) : call(...args);
  return {
    execute: live(channel.execute),
    begin: live(channel.begin),
    commit: live(channel.commit),
    rollback: (id) => channel.rollback(id),
    migrationsDone: live(channel.migrationsDone),
  };
}

function flatten(error: unknown): FlatError {
  if (error instanceof Error) {
    const e = error as Error & { code?: unknown; status?: unknown; details?: unknown };
    return {
      name: e.name,
      message: e.message,
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      ...(typeof e.status === 'number' ? { status: e.status } : {}),
      ...(e.details && typeof e.details === 'object' ? { details: e.details as Record<string, unknown> } : {}),
    };
  }
  return { message: String(error) };
}

/** An error from the child, as the host's own type: KithError by code, EventRefused by name. */
function rebuild(error: FlatError | undefined): Error {
  const message = String(error?.message ?? 'Unknown error').slice(0, 2000);
  if (error?.name === 'EventRefused') return new EventRefused(message || 'refused');
  const code = error?.code;
  if (code && Object.hasOwn(ERRORS, code)) return new KithError(code as keyof typeof ERRORS, message, error.details);
  if (code && EXTENSION_ERROR_CODE.test(code)) {
    return Object.assign(new KithError('KITH_ERR_INTERNAL', message, error.details), { code, status: error.status });
  }
  // Any other code stays on the error (SQLITE_FULL from a host call the child made: a full disk).
  return typeof code === 'string' ? Object.assign(new Error(message), { code: code.slice(0, 64) }) : new Error(message);
}
