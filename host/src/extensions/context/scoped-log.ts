import type { Logger } from '@kith/sdk';
import type { HostLogger } from '../../log.js';

/** The SDK `Logger` over a pino child whose lines carry the extension id and persona slug. */
export function scopedLogger(base: HostLogger, extensionId: string, personaSlug: string): Logger {
  const child = base.child({ ext: extensionId, persona: personaSlug });
  const at =
    (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>) => {
      if (fields) child[level](fields, String(message));
      else child[level](String(message));
    };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
