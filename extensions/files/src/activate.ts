/** The files extension: attachments for friends and yourself (issue #15). */
import { defineExtension, Disposable, EventRefused, type ExtensionContext, type InboundEvent, type KindCodec } from '@kith/sdk';
import type { BlobBudget } from './blob-budget.js';
import { filesCancel, filesChunk, filesDone, filesHashes, filesHold, filesNack, filesOffer, filesPause, filesResume } from './files-kinds.js';
import { registerFilesRoutes } from './files-routes.js';
import { deleteOrphanBlobs } from './orphan-blobs.js';
import { NOT_A_FRIEND_TEXT, Receiver } from './receiver.js';
import { Sender } from './sender.js';
import { TransferBook } from './transfer-book.js';
import { FILES_MIGRATIONS, TransferStore } from './transfer-store.js';
import { UPLOAD_IDLE_MS, Uploads } from './uploads.js';

const TICK_MS = 1000;

function handle<H extends object>(ctx: ExtensionContext, kind: KindCodec<H>, run: (event: InboundEvent, header: H) => Promise<void>): Disposable {
  return ctx.kinds.register(kind.name, async (event) => {
    const header = kind.decode(event.header);
    if (!header) throw new EventRefused(`malformed ${kind.name} header`);
    await run(event, header);
  });
}

/** What a test may change: how long an upload may stay idle before it is given up. */
export interface FilesOptions {
  readonly uploadIdleMs?: number;
  /** How long an arriving file may move nothing before it gives its place to another friend's (admission.ts). */
  readonly idleYieldMs?: number;
  /** The blob cap received files keep under, and the reserve (blob-budget.ts; a test shrinks them). */
  readonly blobBudget?: BlobBudget;
}

/** The extension with its limits; the default export is what Kith runs. */
export function filesExtension(options: FilesOptions = {}) {
  return defineExtension({
    async activate(ctx) {
      await ctx.storage.migrate(FILES_MIGRATIONS);
      const book = new TransferBook(ctx, new TransferStore(ctx.storage, ctx.sealing));
      await book.load();
      await deleteOrphanBlobs(ctx, book.records.values()).catch((error: Error) => ctx.log.warn('blobs no transfer names were not deleted', { error: error.message }));
      const sender = new Sender(book);
      const receiver = new Receiver(book, { idleYieldMs: options.idleYieldMs, blobBudget: options.blobBudget });
      const uploads = new Uploads(book, options.uploadIdleMs ?? UPLOAD_IDLE_MS);
      /** `peer` is no longer a friend: their unfinished files end here, both ways (nothing can be sent to them). */
      const endFriend = async (peer: string, atStart: boolean) => {
        for (const record of [...book.records.values()]) {
          if (record.peer === peer && record.state === 'uploading') await uploads.abort(record, NOT_A_FRIEND_TEXT);
        }
        await sender.friendRemoved(peer, NOT_A_FRIEND_TEXT);
        // At start nothing arrives yet: restore (below) lets waiting files start.
        if (atStart) await receiver.endFriend(peer);
        else await receiver.friendRemoved(peer);
      };
      // Friends removed while this extension was not running (or before this version): their
      // transfers are over too.
      const friends = await ctx.friends.list().then(
        (list) => new Set(list.map((f) => f.peer)),
        (error: Error) => (ctx.log.warn('friends not read at start', { error: error.message }), null),
      );
      const gone = new Set<string>();
      for (const record of book.records.values()) {
        if (friends && record.peer && !friends.has(record.peer) && ['uploading', 'offered', 'active', 'held'].includes(record.state)) gone.add(record.peer);
      }
      for (const peer of gone) await endFriend(peer, true);
      await receiver.restore();
      await uploads.restore();

      ctx.subscriptions.push(
        handle(ctx, filesOffer, (e, h) => receiver.onOffer(e, h)),
        handle(ctx, filesHashes, (e, h) => receiver.onHashes(e, h, e.payload)),
        handle(ctx, filesChunk, (e, h) => receiver.onChunk(e, h, e.payload)),
        handle(ctx, filesResume, (e, h) => sender.onResume(e, h)),
        handle(ctx, filesNack, (e, h) => sender.onNack(e, h)),
        handle(ctx, filesHold, (e, h) => sender.onHold(e, h)),
        handle(ctx, filesPause, (e, h) => receiver.onPause(e, h)),
        handle(ctx, filesDone, (e, h) => sender.onDone(e, h)),
        handle(ctx, filesCancel, async (e, h) => {
          await sender.onCancel(e, h);
          await receiver.onCancel(e, h);
        }),
        ctx.friends.onDidChange(({ peer, change }) => {
          if (change !== 'removed') return;
          endFriend(peer, false).catch((error: Error) => ctx.log.warn('files of a removed friend not ended', { error: error.message }));
        }),
        ctx.sessions.onDidChangeCapabilities((capabilities) => {
          if (!capabilities.kinds.includes(filesChunk.name)) {
            sender.onFriendStoppedFiles(capabilities.peer).catch((error: Error) => ctx.log.warn('files hold not saved', { error: error.message }));
          }
        }),
        ctx.sessions.onDidOpen((session) => {
          sender.onSessionOpen(session.peer);
          receiver.onSessionOpen(session.peer).catch((error: Error) => ctx.log.warn('files resume not sent', { error: error.message }));
        }),
        ctx.timers.setInterval(() => {
          Promise.all([receiver.tick(), book.flushDirty(), uploads.expireIdle()]).catch((error: Error & { code?: string }) => {
            if (error.code !== 'KITH_ERR_LOCKED') ctx.log.warn('files tick failed', { error: error.message });
          });
        }, TICK_MS),
        registerFilesRoutes(ctx, book, uploads, sender, receiver),
        new Disposable(() => receiver.stop()),
      );
      // Sessions already open when this run starts (files turned on again, a restart of this
      // extension alone) get what a new session gets: the receiver's resume, the sender's fresh start.
      for (const session of ctx.sessions.all) {
        sender.onSessionOpen(session.peer);
        receiver.onSessionOpen(session.peer).catch((error: Error) => ctx.log.warn('files resume not sent', { error: error.message }));
      }
    },
  });
}

export default filesExtension();
