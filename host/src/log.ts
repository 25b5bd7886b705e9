import { pino, type Logger as PinoLogger } from 'pino';

export type HostLogger = PinoLogger;

/**
 * Field names whose values never reach a log line, wherever they sit in a logged object. Secrets
 * must not be logged at all; this is the net under that rule.
 */
const REDACTED_PATHS = [
  'passphrase', 'mnemonic', 'seed', 'secret', 'key', 'token', 'launchSecret',
  '*.passphrase', '*.mnemonic', '*.seed', '*.secret', '*.key', '*.token',
  'req.headers.authorization', 'req.headers["x-kith-secret"]', 'req.body',
];

/** The host's structured logger (pino, JSON lines on stderr). */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): HostLogger {
  return pino(
    { level, base: { app: 'kith' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination as pino.DestinationStream,
  );
}
