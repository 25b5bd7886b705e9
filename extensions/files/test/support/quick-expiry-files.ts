/** Entry module of the real files extension with a short upload idle limit (TestHostOptions.builtinEntries). */
import { filesExtension } from '../../src/activate.js';

export const QUICK_IDLE_MS = 4000;

export default filesExtension({ uploadIdleMs: QUICK_IDLE_MS });
