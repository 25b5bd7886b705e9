// The files extension's UI: standalone components named in the manifest's contributes.views.
export { AttachButton } from './attach-button';
export { ConversationFiles } from './conversation-files';
export { MediaPage } from './media-page';
export { TimelineFile } from './timeline-file';
