import { KithError } from '@kith/sdk';
import type { HostLogger } from '../../log.js';
import { isDiskFull } from '../../storage/disk-full.js';
import { zoneOwner, type ZoneOwner } from './extension-zone.js';

/** A zone owner that can be told its code escaped (an unhandled rejection or uncaught exception). */
export interface CrashOwner extends ZoneOwner {
  crashed(error: KithError): void;
}

/**
 * Keeps an extension's escaped errors from taking the host down. An unhandled rejection or
 * uncaught exception raised in an extension's zone faults only that extension; one raised by the
 * host's own code keeps Node's behaviour (print and exit 1), or goes to whoever else listens (a
 * test runner). Installed once per process, however many hosts it runs (tests run several).
 */
let installs = 0;
let log: HostLogger | undefined;
let capturing = false;

export function installCrashGuard(hostLog: HostLogger): { dispose(): void } {
  log ??= hostLog;
  if (installs++ === 0) {
    process.on('unhandledRejection', onRejection);
    // The capture callback stops the 'uncaughtException' event (and a test runner's listener)
    // for errors we contain; it is exclusive, so fall back to a listener when someone holds it.
    if (!process.hasUncaughtExceptionCaptureCallback()) {
      process.setUncaughtExceptionCaptureCallback(onException);
      capturing = true;
    } else process.on('uncaughtException', onException);
  }
  let disposed = false;
  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      if (--installs > 0) return;
      process.off('unhandledRejection', onRejection);
      if (capturing) process.setUncaughtExceptionCaptureCallback(null);
      else process.off('uncaughtException', onException);
      capturing = false;
      log = undefined;
    },
  };
}

function onRejection(reason: unknown): void {
  if (contain(reason, 'an unhandled promise rejection')) return;
  // Ours is the only listener: do what Node would have done without one.
  if (process.listenerCount('unhandledRejection') === 1) fatal(reason);
}

function onException(error: unknown): void {
  if (contain(error, 'an uncaught exception')) return;
  if (capturing && process.listenerCount('uncaughtException') > 0) {
    (process.emit as (event: string, ...args: unknown[]) => boolean)('uncaughtException', error, 'uncaughtException');
    return;
  }
  if (capturing || process.listenerCount('uncaughtException') === 1) fatal(error);
}

function contain(error: unknown, what: string): boolean {
  const owner = zoneOwner() as CrashOwner | undefined;
  if (typeof owner?.crashed !== 'function') return false;
  if (isDiskFull(error)) {
    // A full disk is the machine's state, not the extension's bug: the write it lost was refused
    // like any other (what asked for it got 507 or retries), so the extension keeps running.
    log?.warn({ extension: owner.extensionId, err: error }, `extension let ${what} escape on a full disk; not faulted`);
    return true;
  }
  // The stack goes to the log (the fault keeps only the message), so the escape can be found.
  log?.error({ extension: owner.extensionId, err: error }, `extension let ${what} escape; faulted`);
  const message = error instanceof Error ? error.message : String(error);
  owner.crashed(
    new KithError('KITH_ERR_EXTENSION_FAULTED', `Extension "${owner.extensionId}" let ${what} escape: ${message.slice(0, 500)}`, {
      extension: owner.extensionId,
    }),
  );
  return true;
}

function fatal(error: unknown): never {
  log?.fatal({ err: error }, 'the host failed outside any extension');
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
