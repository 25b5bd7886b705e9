/**
 * getUserMedia failures in the user's words: what Kith could not use, and what to do about it.
 * The call goes on without the missing device (audio only without a camera, listen only without
 * a microphone).
 */
export type Device = 'microphone' | 'camera';

export function deviceErrorMessage(device: Device, error: unknown): string {
  const name = (error as { name?: string } | null)?.name ?? '';
  const without = device === 'camera' ? 'The call goes on with audio only.' : 'The call goes on, but your friend cannot hear you.';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Kith cannot use your ${device}: allow it in the browser's site settings. ${without}`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${device} found. ${without}`;
    case 'NotReadableError':
    case 'AbortError':
      return `Your ${device} is in use by another app or could not start. ${without}`;
    default:
      return `Kith cannot use your ${device} (${name || 'unknown error'}). ${without}`;
  }
}

export interface CallDevices {
  readonly audio?: MediaStreamTrack;
  readonly video?: MediaStreamTrack;
  /** One message per device that could not be used. */
  readonly problems: readonly string[];
}

/** Ask for the camera alone (turned on during a call that started without it). */
export async function openCamera(): Promise<{ readonly video?: MediaStreamTrack; readonly problem?: string }> {
  if (!navigator.mediaDevices?.getUserMedia) return { problem: 'This browser gives Kith no access to a camera.' };
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } } });
    return { video: stream.getVideoTracks()[0] };
  } catch (error) {
    return { problem: deviceErrorMessage('camera', error) };
  }
}

/** Ask for the microphone and camera together; when that fails, for each alone, to tell which failed. */
export async function openCallDevices(wantVideo: boolean): Promise<CallDevices> {
  const audioConstraints = { channelCount: 1, sampleRate: 48_000, echoCancellation: true, noiseSuppression: true };
  const videoConstraints = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } };
  if (!navigator.mediaDevices?.getUserMedia) return { problems: ['This browser gives Kith no access to a microphone or camera.'] };
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints, video: wantVideo ? videoConstraints : false });
    return { audio: stream.getAudioTracks()[0], video: stream.getVideoTracks()[0], problems: [] };
  } catch {
    // Find out which one failed: each alone.
  }
  const problems: string[] = [];
  const one = async (device: Device): Promise<MediaStreamTrack | undefined> => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(device === 'microphone' ? { audio: audioConstraints } : { video: videoConstraints });
      return stream.getTracks()[0];
    } catch (error) {
      problems.push(deviceErrorMessage(device, error));
      return undefined;
    }
  };
  const audio = await one('microphone');
  const video = wantVideo ? await one('camera') : undefined;
  return { audio, video, problems };
}
