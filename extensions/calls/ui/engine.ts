/** The calls browser engine (no UI yet; not named index.ts, which would register a shell UI): audio and video encode/decode. */
export * from './audio-engine.js';
export * from './audio-link.js';
export * from './audio-receiver.js';
export * from './bitrate-controller.js';
export * from './feedback.js';
export * from './media-frame.js';
export * from './tone.js';
export * from './video-engine.js';
export * from './video-link.js';
