import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is tools/package/package-paths.ts). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');
/** Intermediate files: bundle, generated modules, sea-config.json, blob. */
export const WORK_DIR = path.join(DIST, 'package-build');
export const CLIENT_DIR = path.join(DIST, 'client', 'browser');

/** `kith-<os>-<arch>[.exe]`, named like the release downloads. */
export function executableName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const os = platform === 'darwin' ? 'macos' : platform === 'win32' ? 'windows' : platform;
  return `kith-${os}-${arch}${platform === 'win32' ? '.exe' : ''}`;
}

/**
 * What makes the executable stale when it changes: the sources, the dependencies (lockfile) and
 * the Node binary that becomes the runtime. The client counts through its build output.
 */
export const PACKAGE_SOURCES = [
  ...['host/src', 'rendezvous/src', 'sdk/src', 'extensions', 'tools/package', 'package.json', 'package-lock.json'].map((p) =>
    path.join(ROOT, p),
  ),
  process.execPath,
];
