/** The calls browser engine without its UI (ui/index.ts holds the views): audio and video encode/decode. */
export * from './audio-engine.js';
export * from './audio-link.js';
export * from './audio-receiver.js';
export * from './bitrate-controller.js';
export * from './feedback.js';
export * from './media-frame.js';
export * from './tone.js';
export * from './video-engine.js';
export * from './video-link.js';
