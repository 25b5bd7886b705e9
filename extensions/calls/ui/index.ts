// The calls extension's UI: standalone components named in the manifest's contributes.views.
// The engine (encoders, jitter buffer, links) is in the other files; ui/engine.ts re-exports it.
export { CallActions } from './call-actions';
export { CallOverlay } from './call-overlay';
export { CallPage } from './call-page';
export { ConversationCalls } from './conversation-calls';
