/**
 * The browser side of the calls lab (bundled by lab-pages.ts, loaded on a host's own origin): a
 * plain page that connects its socket to the host with the launch secret, the way the shell does,
 * and opens the calls `media` page channel itself, so frames never detour through the test
 * process. It also runs the WebRTC baseline: an RTCPeerConnection call between two such pages.
 * Both paths capture the same generated tone bursts and time onsets the same way.
 */
import { io } from 'socket.io-client';
import { PageChannelClient } from '../../../../sdk/src/page-channel-client.js';
import type { PageChannel } from '../../../../sdk/src/page-channel.js';
import { startAudioLink, type AudioLink } from '../../ui/audio-link.js';
import { startVideoLink, type VideoLink } from '../../ui/video-link.js';
import { dominantFrequency, GapMeter, OnsetDetector } from '../../ui/tone.js';

const wallNow = () => performance.timeOrigin + performance.now();

/**
 * A tone of `frequency` Hz as a microphone track: `steady`, `silent`, or `bursts` of 200 ms on and 800 ms off, with the
 * bursts' start times on the wall clock (the context's own clock mapped by getOutputTimestamp), so
 * latency counts from the sound's generation, whatever the capture path does after.
 */
export type ToneMode = 'bursts' | 'steady' | 'silent';

function toneTrack(frequency: number, mode: ToneMode): { track: MediaStreamTrack; burstTimes(): number[] } {
  const bursts = mode === 'bursts';
  const context = new AudioContext({ sampleRate: 48_000 });
  const oscillator = new OscillatorNode(context, { frequency });
  const gain = new GainNode(context, { gain: mode === 'steady' ? 0.5 : 0 });
  const start = context.currentTime + 0.5;
  const count = bursts ? 600 : 0;
  for (let i = 0; i < count; i++) {
    gain.gain.setValueAtTime(0.5, start + i);
    gain.gain.setValueAtTime(0, start + i + 0.2);
  }
  const destination = context.createMediaStreamDestination();
  destination.channelCount = 1; // the Opus encoder is mono
  oscillator.connect(gain).connect(destination);
  oscillator.start();
  return {
    track: destination.stream.getAudioTracks()[0]!,
    burstTimes() {
      const stamp = context.getOutputTimestamp();
      const toWall = (t: number) => performance.timeOrigin + stamp.performanceTime! + (t - stamp.contextTime!) * 1000;
      const out: number[] = [];
      for (let i = 0; i < count && start + i < context.currentTime; i++) out.push(toWall(start + i));
      return out;
    },
  };
}

/** Keeps the last `seconds` of PCM for a frequency check. */
class PcmTail {
  private chunks: Float32Array[] = [];
  constructor(private readonly max = 50) {}
  add(samples: Float32Array): void {
    this.chunks.push(samples);
    if (this.chunks.length > this.max) this.chunks.shift();
  }
  all(): Float32Array {
    const out = new Float32Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) out.set(c, at), (at += c.length);
    return out;
  }
}

const state: {
  channel?: PageChannel;
  link?: AudioLink;
  sentOnsets: OnsetDetector;
  playedOnsets: OnsetDetector;
  /** Onsets in the decoder's output (before the AudioContext): the latency breakdown's last step. */
  decodedOnsets: OnsetDetector;
  tail: PcmTail;
  pc?: RTCPeerConnection;
  tone?: ReturnType<typeof toneTrack>;
  socket?: ReturnType<typeof io>;
  video?: VideoLink;
  /** Media index → wall-clock time the sender's encoder handed the frame over / it reached the receiver. */
  encodedAt: Map<number, number>;
  arrivedAt: Map<number, number>;
  /** Audible gaps in the played tone, measured the same way for Kith and WebRTC. */
  gaps: GapMeter;
} = { sentOnsets: new OnsetDetector(), playedOnsets: new OnsetDetector(), decodedOnsets: new OnsetDetector(), tail: new PcmTail(), gaps: new GapMeter(), encodedAt: new Map(), arrivedAt: new Map() };

async function readTrack(track: MediaStreamTrack, onPcm: (samples: Float32Array, wallMs: number) => void): Promise<void> {
  const Processor = (globalThis as any).MediaStreamTrackProcessor;
  const reader = new Processor({ track }).readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done || !value) return;
    const samples = new Float32Array(value.numberOfFrames);
    value.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
    value.close();
    onPcm(samples, wallNow());
  }
}

const lab = {
  /** Connect to this origin's host and open the calls `media` channel. */
  async openMedia(): Promise<void> {
    const secret = document.querySelector('meta[name="kith-secret"]')!.getAttribute('content')!;
    // As the shell does: a polling handshake carries the secret header, then upgrades to WebSocket.
    const socket = io(location.origin, { path: '/api/ws', extraHeaders: { 'x-kith-secret': secret }, auth: { secret }, transports: ['polling', 'websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    state.socket = socket;
    state.channel = await new PageChannelClient(socket as any).open('calls', 'media');
  },
  /** Send a tone (bursts for latency, steady for the frequency check) and play what arrives. */
  async startAudio(frequency: number, mode: ToneMode): Promise<void> {
    state.sentOnsets = new OnsetDetector();
    state.playedOnsets = new OnsetDetector();
    state.decodedOnsets = new OnsetDetector();
    state.gaps = new GapMeter();
    state.tone = toneTrack(frequency, mode);
    state.link = await startAudioLink(state.channel as any, {
      track: state.tone.track,
      onCapturePcm: (samples, wall) => state.sentOnsets.feed(samples, wall),
      onEncoded: (index, wall) => state.encodedAt.set(index, wall),
      onArrival: (index, wall) => state.arrivedAt.set(index, wall),
      // Played through an AudioContext as on the call page: an onset counts when it starts to play
      // (audio queued in the context counts as delay, as it is heard).
      play: true,
      onPlayout: (samples, startWall) => state.playedOnsets.feed(samples, startWall + (samples.length / 48_000) * 1000),
      onPcm: (samples, _concealed, wall) => {
        state.decodedOnsets.feed(samples, wall);
        state.gaps.feed(samples);
        state.tail.add(samples);
      },
    });
  },
  /** Send the fake camera (`send`) and/or decode the friend's video in `codec`. */
  async startVideo(send: boolean, codec?: string): Promise<string | undefined> {
    state.video = await startVideoLink(state.channel as any, { send, receiveCodec: codec });
    return state.video.capture?.codec;
  },
  videoStats() {
    const v = state.video;
    return v && { ...v.stats, decoded: v.playout?.stats.decodedFrames ?? 0, bitrate: v.capture?.bitrate, now: performance.now() };
  },
  stopVideo(): void {
    state.video?.stop();
  },
  stopAudio(): void {
    state.link?.stop();
  },
  stats() {
    return { transport: state.socket?.io.engine?.transport.name, bitrate: state.link?.capture.bitrate, peerFeedback: state.link?.peer.last, receiver: state.link?.receiver.stats, playout: state.link?.receiver.playout, sent: state.link?.sent, channel: state.channel?.stats, sentOnsets: state.sentOnsets.onsets, bursts: state.tone?.burstTimes() ?? [], playedOnsets: state.playedOnsets.onsets, decodedOnsets: state.decodedOnsets.onsets, longestGapMs: state.gaps.longestMs };
  },
  /** What the latency breakdown needs: each frame's encode and arrival times, by media index. */
  frameTimes() {
    return { encoded: [...state.encodedAt], arrived: [...state.arrivedAt] };
  },
  dominant(candidates: number[]) {
    return dominantFrequency(state.tail.all(), candidates, 48_000);
  },

  // ----- the WebRTC baseline: the same tone and onsets over an RTCPeerConnection -----------
  async rtcOffer(frequency: number, mode: ToneMode, video = false): Promise<string> {
    const pc = (state.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' }));
    state.gaps = new GapMeter();
    state.tone = toneTrack(frequency, mode);
    const track = state.tone.track;
    const [tap, send] = [track, track.clone()];
    readTrack(tap, (samples, wall) => state.sentOnsets.feed(samples, wall)).catch(() => undefined);
    const stream = new MediaStream([send]);
    pc.addTrack(send, stream);
    if (video) {
      // The fake camera at the size Kith's call sends (ui/video-engine.ts).
      const camera = (await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } })).getVideoTracks()[0]!;
      pc.addTrack(camera, stream);
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    return pc.localDescription!.sdp;
  },
  async rtcAnswer(offer: string): Promise<string> {
    const pc = (state.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' }));
    state.gaps = new GapMeter();
    pc.ontrack = (event) => {
      if (event.track.kind === 'video') {
        const sink = document.createElement('video');
        sink.muted = true;
        sink.srcObject = new MediaStream([event.track]);
        sink.play().catch(() => undefined);
        return;
      }
      // A remote track renders only with a sink; the processor is one, an <audio> element makes sure.
      const audio = new Audio();
      audio.srcObject = new MediaStream([event.track]);
      audio.play().catch(() => undefined);
      readTrack(event.track, (samples, wall) => {
        state.playedOnsets.feed(samples, wall);
        state.gaps.feed(samples);
        state.tail.add(samples);
      }).catch(() => undefined);
    };
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    return pc.localDescription!.sdp;
  },
  async rtcAccept(answer: string): Promise<void> {
    await state.pc!.setRemoteDescription({ type: 'answer', sdp: answer });
  },
  async rtcStats(): Promise<{ bytesSent: number; packetsLost: number; concealed: number; total: number; videoTargetBitrate: number; longestGapMs: number }> {
    const out = { bytesSent: 0, packetsLost: 0, concealed: 0, total: 0, videoTargetBitrate: 0, longestGapMs: state.gaps.longestMs };
    (await state.pc!.getStats()).forEach((s: any) => {
      if (s.type === 'outbound-rtp' && s.kind === 'audio') out.bytesSent += s.bytesSent;
      // The encoder's target, as Kith's row reads its encoder's configured bitrate.
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.videoTargetBitrate += s.targetBitrate ?? 0;
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.packetsLost += s.packetsLost ?? 0;
        out.concealed += s.concealedSamples ?? 0;
        out.total += s.totalSamplesReceived ?? 0;
      }
    });
    return out;
  },
  rtcClose(): void {
    state.pc?.close();
  },
};

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()));
}

(globalThis as any).lab = lab;
