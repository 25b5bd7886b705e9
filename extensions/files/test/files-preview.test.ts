/**
 * POST /api/media/preview (the reference's body, {name, mime?, data_base64}, or {transfer_id} of a
 * file the persona holds) on a real host: lock-gated, answers the preview as base64 with its
 * name, type and size, and refuses what is not media with a clear code.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import { needs } from '../../../test/support/needs.js';

const PNG_SIGNATURE = '89504e470d0a1a0a';

/** A 4×4 24-bit BMP (rows of 12 bytes need no padding). */
function bmp4x4(): Buffer {
  const b = Buffer.alloc(54 + 48, 0x80);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(4, 18);
  b.writeInt32LE(4, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(0, 30);
  b.writeUInt32LE(48, 34);
  return b;
}

describe('files: media previews over HTTP (POST /api/media/preview)', function () {
  needs('ffmpeg');
  this.timeout(120_000);
  let host: TestHost;

  before(async () => {
    host = await startTestHost({ name: 'Alice' });
  });
  after(async () => {
    await host?.close();
  });

  it('is lock-gated: 423 before a persona is unlocked', async () => {
    const answer = await host.call('POST', '/media/preview', { name: 'a.bmp', data_base64: bmp4x4().toString('base64') });
    expect(answer.status).to.equal(423);
    await host.createPersona('Alice');
  });

  it('says whether it can preview, and turns an AVI sent as base64 into an MP4', async () => {
    expect((await host.call('GET', '/media/preview')).body).to.deep.equal({ available: true, max_input_bytes: 16 * 1024 * 1024 });
    // The Media list's filters name what they take (a bogus one answered an empty list).
    for (const query of ['type=bogus', 'type=Image', 'peer=nobody', 'peer=SELF']) expect((await host.call('GET', `/media?${query}`)).status, query).to.equal(400);
    for (const query of ['type=image', 'type=other', 'peer=self', `peer=${'ab'.repeat(32)}`, 'type=']) expect((await host.call('GET', `/media?${query}`)).status, query).to.equal(200);
    const avi = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '1', '-c:v', 'mpeg4', '-f', 'avi', 'pipe:1']);
    const answer = await host.call('POST', '/media/preview', { name: 'clip.avi', mime: 'video/x-msvideo', data_base64: avi.toString('base64') });
    expect(answer.status).to.equal(200);
    expect(answer.body).to.include({ name: 'clip.mp4', mime: 'video/mp4', kind: 'video' });
    const mp4 = Buffer.from(answer.body.data_base64, 'base64');
    expect(mp4.length).to.equal(answer.body.size);
    expect(mp4.subarray(4, 8).toString('latin1')).to.equal('ftyp');
  });

  it('previews a file the persona holds by its transfer_id', async () => {
    const saved = await host.call('POST', '/self/files', { name: 'pixel.bmp', mime: 'image/bmp', data_base64: bmp4x4().toString('base64') });
    expect(saved.status).to.equal(201);
    const answer = await host.call('POST', '/media/preview', { transfer_id: saved.body.transfer_id });
    expect(answer.status).to.equal(200);
    expect(answer.body).to.include({ name: 'pixel.png', mime: 'image/png', kind: 'image' });
    expect(Buffer.from(answer.body.data_base64, 'base64').subarray(0, 8).toString('hex')).to.equal(PNG_SIGNATURE);
    expect((await host.call('POST', '/media/preview', { transfer_id: 'f'.repeat(32) })).status).to.equal(404);
  });

  it('refuses what is not media, bad base64 and undecodable bytes with clear codes', async () => {
    const text = await host.call('POST', '/media/preview', { name: 'notes.txt', mime: 'text/plain', data_base64: Buffer.from('hello').toString('base64') });
    expect(text.status).to.equal(415);
    expect(text.body.error.code).to.equal('KITH_ERR_UNSUPPORTED_MEDIA');
    const bad = await host.call('POST', '/media/preview', { name: 'a.bmp', data_base64: '!!!' });
    expect(bad.status).to.equal(400);
    const garbage = await host.call('POST', '/media/preview', { name: 'a.avi', data_base64: Buffer.alloc(2048, 7).toString('base64') });
    expect(garbage.status).to.equal(422);
    expect(garbage.body.error.code).to.equal('KITH_ERR_MEDIA_UNREADABLE');
  });
});
