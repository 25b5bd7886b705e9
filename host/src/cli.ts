/** The command line: one binary, two roles. */
export interface CliArgs {
  readonly role: 'peer' | 'server';
  readonly help: boolean;
  readonly version: boolean;
  /** `--store redis://host:port` for the rendezvous role. */
  readonly store?: string;
}

export const USAGE = `Usage: kith [--server [--store redis://host:port]] [--help] [--version]

  (no flags)   Start the peer app on http://127.0.0.1:8787 and open the browser.
  --server     Start the rendezvous server (HTTP, default port 8788).
  --store URL  Rendezvous room store: memory (default) or redis://host:port.
  --help       Show this text.
  --version    Print the version.

Environment:
  KITH_PORT        port (peer app 8787, rendezvous 8788)
  KITH_DATA        data dir (default .kith/ next to the program)
  KITH_NO_BROWSER  set to anything to not open the browser
  KITH_STUN        STUN servers, comma-separated host:port
  KITH_UDP_PORT    UDP port for peer sessions (default any)
  KITH_LAN_PORT    LAN beacon port (default 47474; off disables LAN discovery)
  KITH_FFMPEG      ffmpeg for media previews (default: ffmpeg on PATH)
  KITH_LOG         log level: trace, debug, info, warn, error (default info)
  KITH_ACTIVATE_TIMEOUT_MS  an extension's activate deadline in ms (default 5000)
  KITH_EXTENSION_ISOLATION  in-process: run third-party extensions in Kith's own
                            process (to debug one, from a checkout only;
                            default: each in its own)
`;

/** Parse argv (without node and script). Unknown flags are an error, not ignored. */
export function parseArgs(argv: readonly string[]): CliArgs {
  let role: CliArgs['role'] = 'peer';
  let help = false;
  let version = false;
  let store: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--server') role = 'server';
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--version' || arg === '-v') version = true;
    else if (arg === '--store') {
      store = argv[++i];
      if (!store) throw new Error('--store needs a value: memory or redis://host:port');
    } else if (arg?.startsWith('--store=')) store = arg.slice('--store='.length);
    else throw new Error(`Unknown argument "${arg}". Try --help.`);
  }
  return { role, help, version, store };
}
