import { KithError, type Disposable, type ExtensionContext, type PageChannelMessage } from '@kith/sdk';
import { MAX_NOTE_BYTES } from './notes-routes.js';

/** What the page sends on the `recorder` channel besides the binary chunks. */
export type RecorderCommand = { readonly start: true } | { readonly stop: true };

/** What the extension answers on it. */
export type RecorderReply =
  | { readonly recording: string }
  | { readonly saved: string; readonly size: number }
  | { readonly error: string };

/**
 * The `recorder` page channel: the panel records (say, microphone chunks) straight into a sealed
 * blob. `{ start: true }` opens a new note, each binary message is appended to it, `{ stop: true }`
 * answers `{ saved, size }`. Policy `pause`: nothing may be lost, and because the handler returns
 * the append's promise, the page's sender waits while the disk is slower than the microphone.
 */
export function registerRecorderChannel(ctx: ExtensionContext): Disposable {
  return ctx.pageChannels.register('recorder', (channel) => {
    let note: { id: string; size: number } | undefined;
    const reply = (message: RecorderReply) => {
      if (channel.isOpen) channel.send(message);
    };
    channel.onDidReceive(async (message: PageChannelMessage) => {
      if (message instanceof Uint8Array) {
        if (!note) return reply({ error: 'send { start: true } first' });
        if (note.size + message.byteLength > MAX_NOTE_BYTES) return reply({ error: `a note holds at most ${MAX_NOTE_BYTES} bytes` });
        note.size = await ctx.blobs.append(note.id, message);
        return;
      }
      const command = message as Partial<Record<'start' | 'stop', unknown>>;
      if (command?.start === true) {
        note = { id: await ctx.blobs.create(), size: 0 };
        return reply({ recording: note.id });
      }
      if (command?.stop === true && note) {
        const saved = note;
        note = undefined;
        return reply({ saved: saved.id, size: saved.size });
      }
      reply({ error: 'unknown command' });
    });
    channel.onDidClose(() => {
      if (note) ctx.log.info('a recording ended without stop; its blob keeps what arrived', { note: note.id, size: note.size });
    });
  }, { policy: 'pause' });
}

/** Throws unless `reply` is one the recorder sends (the panel checks what it receives). */
export function asRecorderReply(reply: PageChannelMessage): RecorderReply {
  if (typeof reply === 'object' && reply !== null && !(reply instanceof Uint8Array) && !Array.isArray(reply)) return reply as RecorderReply;
  throw new KithError('KITH_ERR_BAD_REQUEST', 'the recorder answered something unexpected');
}
