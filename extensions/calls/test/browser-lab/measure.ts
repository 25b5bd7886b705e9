/**
 * The calls measurements, the same way for a Kith call and for a plain WebRTC RTCPeerConnection
 * call between two pages of the same Chromium on loopback: capture → playout latency (a 200 ms
 * 880 Hz burst each second; the onset as the sender's page reads it from its capture track, to
 * the onset in the receiver's playout: Kith's jitter-buffered decoder output, WebRTC's remote
 * track after its NetEq), and encoded bytes per second while the microphone is silent.
 */
import type { Browser, Page } from 'playwright-core';
import type { TestHost } from '@kith/sdk/testing';
import { startCall } from './call-setup.js';
import { onsetLatencies, openLabPage } from './lab-pages.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long Bob's page may settle after starting its audio before Alice's sound begins. Starting a
 * page's capture, encoder, decoder and AudioContext takes this 2-core machine's CPU for a moment:
 * the host processes' event loops were seen to stall 200–400 ms all at once then, which put a gap
 * or a late-frame burst (and a jitter target learned from it) into the first second of the call.
 * The WebRTC baseline's receiver is likewise set up (its answer made) before media flows, and its
 * bursts sent before the connection is up are not counted; this measures both calls once running.
 */
export const RECEIVER_SETTLE_MS = 1_000;

export interface CallFigures {
  latencies: number[];
  /** Encoded audio payload bytes per second in silence (DTX on for Kith; WebRTC's default). */
  silentBytesPerSecond: number;
  receiver?: Record<string, number>;
  /** Kith only: each frame's encoder output at the sender → arrival at the receiver's page, ms. */
  transits?: number[];
  /** Kith only: capture → the onset in the decoder's output, before the call page's player, ms. */
  decodedLatencies?: number[];
  /** Kith only: the receiving page's player (lead, underruns, chunks dropped to catch up). */
  playout?: Record<string, number>;
}

type Stats = { bursts: number[]; sentOnsets: number[]; playedOnsets: number[]; decodedOnsets: number[]; longestGapMs: number; sent?: { bytes: number }; receiver?: Record<string, number>; playout?: Record<string, number> };
const stats = (page: Page) => page.evaluate('lab.stats()') as Promise<Stats>;

/** A Kith call from Alice to Bob (a live session between them): latency for `seconds`, then silence. */
export async function measureKithCall(browser: Browser, alice: TestHost, bob: TestHost, seconds: number): Promise<CallFigures> {
  const silentBytesPerSecond = await (async () => {
    const [a, b] = await Promise.all([openLabPage(browser, alice), openLabPage(browser, bob)]);
    await Promise.all([a.evaluate('lab.openMedia()'), b.evaluate('lab.openMedia()')]);
    await startCall(alice, bob);
    await a.evaluate(`lab.startAudio(880, 'silent')`);
    await sleep(2_000);
    const before = (await stats(a)).sent!.bytes;
    await sleep(4_000);
    const after = (await stats(a)).sent!.bytes;
    await a.evaluate('lab.stopAudio()');
    await alice.request('POST', `/sessions/${bob.persona!.key}/calls/hangup`, {});
    await Promise.all([a.close(), b.close()]);
    return (after - before) / 4;
  })();
  const [a, b] = await Promise.all([openLabPage(browser, alice), openLabPage(browser, bob)]);
  await Promise.all([a.evaluate('lab.openMedia()'), b.evaluate('lab.openMedia()')]);
  await startCall(alice, bob);
  // Bob's page plays what arrives; it needs a receiver, which a silent capture of his own brings.
  await b.evaluate(`lab.startAudio(440, 'silent')`);
  await sleep(RECEIVER_SETTLE_MS);
  await a.evaluate(`lab.startAudio(880, 'bursts')`);
  await sleep(seconds * 1000);
  const sent = await stats(a);
  const played = await stats(b);
  const transits = frameTransits(await a.evaluate('lab.frameTimes()') as FrameTimes, await b.evaluate('lab.frameTimes()') as FrameTimes);
  await Promise.all([a.evaluate('lab.stopAudio()'), b.evaluate('lab.stopAudio()')]);
  await alice.request('POST', `/sessions/${bob.persona!.key}/calls/hangup`, {});
  await Promise.all([a.close(), b.close()]);
  return { latencies: onsetLatencies(sent.sentOnsets, played.playedOnsets), decodedLatencies: onsetLatencies(sent.sentOnsets, played.decodedOnsets), silentBytesPerSecond, receiver: played.receiver, playout: played.playout, transits };
}

type FrameTimes = { encoded: [number, number][]; arrived: [number, number][] };

/** Per frame: the receiver's arrival time minus the sender's encoder output time (one wall clock). */
function frameTransits(sender: FrameTimes, receiver: FrameTimes): number[] {
  const encoded = new Map(sender.encoded);
  return receiver.arrived.flatMap(([index, at]) => (encoded.has(index) ? [at - encoded.get(index)!] : []));
}

/** The same on a plain WebRTC call between two lab pages (signalling through this process). */
export async function measureWebRtcCall(browser: Browser, host: TestHost, seconds: number): Promise<CallFigures> {
  const run = async (mode: 'bursts' | 'silent', ms: number) => {
    const [a, b] = await Promise.all([openLabPage(browser, host), openLabPage(browser, host)]);
    const offer = await a.evaluate((m) => (window as any).lab.rtcOffer(880, m), mode) as string;
    const answer = await b.evaluate((o) => (window as any).lab.rtcAnswer(o), offer) as string;
    await a.evaluate((s) => (window as any).lab.rtcAccept(s), answer);
    await sleep(2_000);
    const before = (await a.evaluate('lab.rtcStats()') as { bytesSent: number }).bytesSent;
    await sleep(ms);
    const after = (await a.evaluate('lab.rtcStats()') as { bytesSent: number }).bytesSent;
    const [sent, played] = [await stats(a), await stats(b)];
    await Promise.all([a.evaluate('lab.rtcClose()'), b.evaluate('lab.rtcClose()')]);
    await Promise.all([a.close(), b.close()]);
    return { latencies: onsetLatencies(sent.sentOnsets, played.playedOnsets), bytesPerSecond: (after - before) / (ms / 1000) };
  };
  const silent = await run('silent', 4_000);
  const bursts = await run('bursts', seconds * 1000);
  return { latencies: bursts.latencies, silentBytesPerSecond: silent.bytesPerSecond };
}

export interface LossFigures {
  /** Concealed samples over all samples played out at Bob (each engine's own count). */
  concealedRatio: number;
  /** The longest quiet run in Bob's played tone (tone.ts GapMeter: the same way for both engines). */
  longestGapMs: number;
  /** Kith only: the longest run of concealed 20 ms slots (a concealed slot may still be heard). */
  longestConcealedMs?: number;
  played: number;
  concealed: number;
  dominant: { frequency: number; share: number };
  /** Alice's Opus bitrate at the end, steered by Bob's feedback, and the last feedback she got. */
  senderBitrate: number;
  senderFeedback?: { loss: number; delayMs: number; trend: number };
}

/** A Kith call whose session runs through a lossy path: Alice sends a steady 880 Hz tone for `seconds`. */
export async function measureKithUnderLoss(browser: Browser, alice: TestHost, bob: TestHost, seconds: number): Promise<LossFigures> {
  const [a, b] = await Promise.all([openLabPage(browser, alice), openLabPage(browser, bob)]);
  await Promise.all([a.evaluate('lab.openMedia()'), b.evaluate('lab.openMedia()')]);
  await startCall(alice, bob);
  await b.evaluate(`lab.startAudio(440, 'silent')`);
  await sleep(RECEIVER_SETTLE_MS);
  await a.evaluate(`lab.startAudio(880, 'steady')`);
  await sleep(seconds * 1000);
  const played = await stats(b);
  const r = played.receiver!;
  const sender = await a.evaluate('lab.stats()') as { bitrate: number; peerFeedback?: LossFigures['senderFeedback'] };
  const dominant = await b.evaluate('lab.dominant([440, 660, 880, 1320])') as { frequency: number; share: number };
  await Promise.all([a.evaluate('lab.stopAudio()'), b.evaluate('lab.stopAudio()')]);
  await alice.request('POST', `/sessions/${bob.persona!.key}/calls/hangup`, {});
  await Promise.all([a.close(), b.close()]);
  return { concealedRatio: r.concealed / Math.max(1, r.concealed + r.played), longestGapMs: played.longestGapMs, longestConcealedMs: r.longestGapMs, played: r.played, concealed: r.concealed, dominant, senderBitrate: sender.bitrate, senderFeedback: sender.peerFeedback };
}

/**
 * Bitrate recovery: Alice sends audio and video to Bob through the lossy shim; Bob's audio
 * feedback steers Alice's video bitrate. `lossSeconds` of 10% loss, then a clean path: ms until
 * Alice's video bitrate is back to 90% of its level before the loss (NaN if not within 30 s).
 */
export async function measureBitrateRecovery(browser: Browser, alice: TestHost, bob: TestHost, relay: { impair(i: { loss: number }): void }, lossSeconds: number): Promise<RecoveryFigures> {
  const [a, b] = await Promise.all([openLabPage(browser, alice), openLabPage(browser, bob)]);
  await Promise.all([a.evaluate('lab.openMedia()'), b.evaluate('lab.openMedia()')]);
  await startCall(alice, bob, { video: true });
  await b.evaluate(`lab.startAudio(440, 'silent')`);
  await sleep(RECEIVER_SETTLE_MS);
  await a.evaluate(`lab.startAudio(880, 'steady')`);
  const codec = await a.evaluate('lab.startVideo(true)') as string;
  await b.evaluate(`lab.startVideo(false, ${JSON.stringify(codec)})`);
  const recovery = await trackRecovery(async () => ((await a.evaluate('lab.videoStats()')) as { bitrate: number }).bitrate, relay, lossSeconds);
  await Promise.all([a.evaluate('lab.stopAudio()'), b.evaluate('lab.stopAudio()'), a.evaluate('lab.stopVideo()'), b.evaluate('lab.stopVideo()')]);
  await alice.request('POST', `/sessions/${bob.persona!.key}/calls/hangup`, {});
  await Promise.all([a.close(), b.close()]);
  return recovery;
}

export interface RecoveryFigures {
  beforeBps: number;
  lowestBps: number;
  recoveryMs: number;
}

/**
 * The recovery measurement itself, the same for both engines: after `settleMs` on a clean path,
 * read the sender's video bitrate (its encoder's target), impose 10% loss for `lossSeconds`, clear
 * it, and time until the bitrate is back to 90% of the level before (NaN if not within 30 s).
 */
export async function trackRecovery(bitrate: () => Promise<number>, relay: { impair(i: { loss: number }): void }, lossSeconds: number, settleMs = 8_000): Promise<RecoveryFigures> {
  await sleep(settleMs);
  const beforeBps = await bitrate();
  relay.impair({ loss: 0.1 });
  let lowestBps = beforeBps;
  for (let t = 0; t < lossSeconds * 1000; t += 250) {
    await sleep(250);
    lowestBps = Math.min(lowestBps, await bitrate());
  }
  relay.impair({ loss: 0 });
  const cleared = performance.now();
  let recoveryMs = Number.NaN;
  while (performance.now() - cleared < 30_000) {
    if ((await bitrate()) >= beforeBps * 0.9) {
      recoveryMs = performance.now() - cleared;
      break;
    }
    await sleep(50);
  }
  return { beforeBps, lowestBps, recoveryMs };
}
