import fs from 'node:fs';
import path from 'node:path';

/**
 * Where ffmpeg is: `KITH_FFMPEG` when set (it must be an executable file; no fallback, so a typo
 * is not silently replaced by another ffmpeg), else the first `ffmpeg` on PATH. Looked up at each
 * use, so installing ffmpeg while Kith runs is enough.
 */
export function locateFfmpeg(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env.KITH_FFMPEG;
  if (override) return isExecutableFile(override) ? path.resolve(override) : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue; // a relative PATH entry would depend on the cwd
    const candidate = path.join(dir, 'ffmpeg');
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
