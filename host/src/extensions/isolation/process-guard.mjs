// Loaded by the extension host before the extension: no signals to other processes. Node 20's
// permission model leaves process.kill and process._debugProcess open, so an extension could
// SIGKILL Kith (its parent), signal the whole process group (pid 0 or a negative pid), or send
// SIGUSR1 to open Kith's inspector. Its own process it may still signal.
const deny = (what) => Object.assign(new Error(`An extension may signal only its own process (${what})`), { code: 'ERR_ACCESS_DENIED' });
const lock = (name, value) => Object.defineProperty(process, name, { configurable: false, writable: false, enumerable: false, value });

/** `original`, called only with this process's own pid. */
const ownOnly = (name, original) =>
  function signalOwnProcess(pid, ...rest) {
    if (Number(pid) !== process.pid || !Number.isInteger(Number(pid))) throw deny(`${name}(${String(pid)})`);
    return original.call(process, pid, ...rest);
  };

// process.kill checks its arguments and then calls process._kill: both are guarded.
lock('_kill', ownOnly('kill', process._kill));
lock('kill', ownOnly('kill', process.kill));
lock('_debugProcess', () => { throw deny('_debugProcess'); });
lock('_debugEnd', () => { throw deny('_debugEnd'); });
