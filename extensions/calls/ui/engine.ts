/** The calls browser engine (no UI yet; not named index.ts, which would register a shell UI): audio and video encode/decode. */
export * from './audio-engine.js';
export * from './video-engine.js';
