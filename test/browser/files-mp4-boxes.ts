/**
 * Just enough of ISO BMFF (MP4) to check a test file is fragmented MP4 and to know where each
 * fragment starts, in bytes and in seconds: the top-level boxes, the video track's timescale
 * (moov/trak/mdia/mdhd) and each fragment's start time (moof/traf/tfdt). A test uses it to say
 * which byte range a seek to t seconds needs, and to check the player asked for that range.
 */

export interface Mp4Box {
  readonly type: string;
  readonly offset: number;
  readonly size: number;
}

export interface Mp4Fragment {
  /** Offset of the fragment's moof box. */
  readonly offset: number;
  /** Its first sample's decode time, in seconds. */
  readonly seconds: number;
}

/** The boxes directly inside `bytes[from, to)`. */
export function boxesIn(bytes: Buffer, from = 0, to = bytes.length): Mp4Box[] {
  const boxes: Mp4Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) (size = Number(bytes.readBigUInt64BE(at + 8))), (header = 16);
    else if (size === 0) size = to - at;
    if (size < header || at + size > to) throw new Error(`a broken ${type} box at ${at}`);
    boxes.push({ type, offset: at, size });
    at += size;
  }
  return boxes;
}

function child(bytes: Buffer, box: Mp4Box, type: string): Mp4Box {
  const found = boxesIn(bytes, box.offset + 8, box.offset + box.size).find((b) => b.type === type);
  if (!found) throw new Error(`no ${type} in ${box.type} at ${box.offset}`);
  return found;
}

/** The top-level boxes, the timescale of the first track, and every fragment's offset and start time. */
export function readFragmentedMp4(bytes: Buffer): { boxes: Mp4Box[]; timescale: number; fragments: Mp4Fragment[] } {
  const boxes = boxesIn(bytes);
  const moov = boxes.find((b) => b.type === 'moov');
  if (!moov) throw new Error('no moov box');
  const mdhd = child(bytes, child(bytes, child(bytes, moov, 'trak'), 'mdia'), 'mdhd');
  const version = bytes[mdhd.offset + 8]!;
  const timescale = bytes.readUInt32BE(mdhd.offset + 8 + 4 + (version === 1 ? 16 : 8));
  const fragments = boxes.filter((b) => b.type === 'moof').map((moof) => {
    const tfdt = child(bytes, child(bytes, moof, 'traf'), 'tfdt');
    const v = bytes[tfdt.offset + 8]!;
    const time = v === 1 ? Number(bytes.readBigUInt64BE(tfdt.offset + 12)) : bytes.readUInt32BE(tfdt.offset + 12);
    return { offset: moof.offset, seconds: time / timescale };
  });
  return { boxes, timescale, fragments };
}
