// The chat extension's UI: standalone components named in the manifest's contributes.views.
export { ChatPanel } from './chat-panel';
export { ConversationList } from './conversation-list';
