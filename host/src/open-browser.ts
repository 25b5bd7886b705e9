import { spawn } from 'node:child_process';

/** Open `url` in the user's browser; failure only logs (a headless box has no browser). */
export function openBrowser(url: string, onError: (error: Error) => void): void {
  const command =
    process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '', url] : ['xdg-open', url];
  try {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'ignore', detached: true });
    child.on('error', onError);
    child.unref();
  } catch (error) {
    onError(error as Error);
  }
}
