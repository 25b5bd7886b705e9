/**
 * ffmpeg writing WAV to a pipe cannot seek back to fill in the RIFF and `data` sizes, so they
 * stay at a placeholder; some players then refuse the file or stop early. The whole output is in
 * memory, so set both sizes from its length. Returns the same bytes, changed in place.
 */
export function fixWavSizes(wav: Uint8Array): Uint8Array {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  if (wav.byteLength < 12 || ascii(wav, 0) !== 'RIFF' || ascii(wav, 8) !== 'WAVE') throw new Error('not a RIFF WAVE file');
  view.setUint32(4, wav.byteLength - 8, true);
  for (let at = 12; at + 8 <= wav.byteLength; ) {
    if (ascii(wav, at) === 'data') {
      view.setUint32(at + 4, wav.byteLength - at - 8, true);
      return wav;
    }
    const size = view.getUint32(at + 4, true);
    at += 8 + size + (size & 1); // chunks are padded to even sizes
  }
  throw new Error('no data chunk in the WAV output');
}

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}
