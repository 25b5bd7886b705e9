/**
 * The call set-up every calls test and the bench repeat: Alice calls Bob through the routes, Bob's
 * host hears the offer, Bob accepts, Alice's host hears the accept; optionally Alice then opens the
 * video sub-stream and Bob's host hears it.
 */
import type { TestHost } from '@kith/sdk/testing';

export interface CallSetupOptions {
  /** Offer with video and open the video sub-stream once accepted. */
  video?: boolean;
  /** Runs while Bob's side rings (between the offer and the accept). */
  whileRinging?(streamId: string): Promise<void>;
}

/** Ring Bob from Alice and accept: the call's stream id. */
export async function startCall(alice: TestHost, bob: TestHost, options: CallSetupOptions = {}): Promise<string> {
  const { stream_id: sid } = await alice.request<{ stream_id: string }>('POST', `/sessions/${bob.persona!.key}/calls/start`, { with_video: !!options.video });
  await bob.events.waitFor<{ stream_id: string }>('calls:offered', (e) => e.stream_id === sid, 20_000);
  await options.whileRinging?.(sid);
  await bob.request('POST', `/sessions/${alice.persona!.key}/calls/accept`, { stream_id: sid });
  await alice.events.waitFor<{ stream_id: string }>('calls:accepted', (e) => e.stream_id === sid, 20_000);
  if (options.video) await openVideo(alice, bob, sid);
  return sid;
}

/** Alice opens the video sub-stream of call `sid`; resolves when Bob's host has it. */
export async function openVideo(alice: TestHost, bob: TestHost, sid: string): Promise<void> {
  await alice.request('POST', `/sessions/${bob.persona!.key}/calls/video/start`, {});
  await bob.events.waitFor<{ stream_id: string; on: boolean }>('calls:video', (e) => e.stream_id === sid && e.on, 20_000);
}
