/** The calls extension: 1:1 audio calls with a video sub-stream, sealed per call, over the session. */
import { Disposable, defineExtension } from '@kith/sdk';
import { CALL_HISTORY_MIGRATIONS, CallHistory } from './call-history.js';
import { registerCallRoutes } from './call-routes.js';
import { CallService } from './call-service.js';
import { registerMediaChannel } from './media-channel.js';

export default defineExtension({
  async activate(ctx) {
    await ctx.storage.migrate(CALL_HISTORY_MIGRATIONS);
    const history = new CallHistory(ctx);
    const calls = new CallService(ctx, (record) => {
      // `history` tells the conversation views once the record is stored (`ended` comes before).
      history.add(record).then(
        () => ctx.events.emit('history', { peer: record.peer, stream_id: record.stream_id }),
        (error: Error) => ctx.log.warn('call history: could not record a call', { error: error.message }),
      );
    });
    ctx.subscriptions.push(
      ctx.kinds.register('calls.offer', (event) => calls.onOffer(event)),
      ctx.kinds.register('calls.accept', (event) => calls.onAccept(event)),
      ctx.kinds.register('calls.reject', (event) => calls.onReject(event)),
      ctx.kinds.register('calls.hangup', (event) => calls.onHangup(event)),
      ctx.kinds.register('calls.mute', (event) => calls.onMute(event)),
      ctx.kinds.register('calls.video-start', (event) => calls.onVideo(event, true)),
      ctx.kinds.register('calls.video-stop', (event) => calls.onVideo(event, false)),
      ctx.kinds.register('calls.audio', (event) => calls.onFrame(event, 'audio')),
      ctx.kinds.register('calls.video', (event) => calls.onFrame(event, 'video')),
      ctx.kinds.register('calls.feedback', (event) => calls.onFeedback(event)),
      ctx.sessions.onDidNack((report) => calls.onNack(report)),
      ctx.sessions.onDidClose((closed) => calls.onSessionClosed(closed.session.peer)),
      ctx.sessions.onDidOpen((session) => calls.onSessionOpened(session.peer)),
      registerCallRoutes(ctx, calls, history),
      registerMediaChannel(ctx, calls),
      // Disposed last-first: this runs before the registrations above go, so the call ends and its keys are wiped.
      new Disposable(() => calls.dispose()),
    );
  },
});
