import type { CliArgs } from '../../../host/src/cli.js';

/** `kith --server`: start the rendezvous server. (Filled in by the rendezvous work.) */
export async function runRendezvousFromCli(_args: CliArgs): Promise<void> {
  process.stderr.write('The rendezvous role is not built yet.\n');
  process.exit(1);
}
