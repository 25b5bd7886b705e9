/**
 * A disk that fills up mid-transfer, as the two people see it in Chromium: Bob's data dir is a
 * 24 MiB tmpfs, Alice sends 40 MiB. Both conversation rows say the transfer is held because the
 * disk is full (Bob's with what he has, and that nothing is lost), nothing is restarted; once the
 * tmpfs grows the rows go on to "Received"/"Delivered" by themselves.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { befriend, connect, eventually, startTestHost, startTestRendezvous, type TestHost, type TestRendezvous } from '@kith/sdk/testing';
import { needs } from '../support/needs.js';
import { mountSmallDisk, type SmallDisk } from '../support/small-disk.js';
import { randomFile, sendFile, transferOn } from '../../extensions/files/test/support/files-net.js';
import { ensureClientBuilt, launchBrowser, openPage, snap } from './harness.js';
import { transferRow } from './files-page-kit.js';

describe('browser: a full disk holds a transfer with a clear message on both sides', function () {
  this.timeout(300_000);
  needs('chromium', 'tmpfs');
  let rendezvous: TestRendezvous;
  let alice: TestHost;
  let bob: TestHost;
  let browser: Browser;
  let disk: SmallDisk | undefined;

  const conversation = async (host: TestHost, friend: TestHost): Promise<Page> => {
    const { page } = await openPage(browser);
    await page.goto(`${host.url}/chats?peer=${friend.persona!.key}`);
    await page.getByTestId('composer').waitFor({ timeout: 30_000 });
    return page;
  };

  before(async () => {
    const env = { KITH_CLIENT_DIR: ensureClientBuilt() };
    disk = mountSmallDisk('kith-browser-full', 24);
    rendezvous = await startTestRendezvous();
    [alice, bob] = await Promise.all([startTestHost({ name: 'Alice', env }), startTestHost({ name: 'Bob', env, dataDir: path.join(disk.dir, 'bob') })]);
    await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob')]);
    await befriend(alice, bob, rendezvous.url);
    await connect(alice, bob, rendezvous.url);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
    disk?.remove();
  });

  it('says "disk is full" with the percent kept on both rows, then finishes once there is room', async () => {
    const a = await conversation(alice, bob);
    const b = await conversation(bob, alice);
    const sent = await sendFile(alice, bob.persona!.key, randomFile(40 * 1024 * 1024), 'too-big-for-now.bin');
    const name = 'too-big-for-now.bin';
    const bobLabel = transferRow(b, name).getByTestId('progress-label');
    // On a timeout, say what the row and the host showed instead.
    const explain = async (error: Error) => {
      const row = await bobLabel.innerText({ timeout: 1000 }).catch((e: Error) => `no label (${e.message.split('\n')[0]})`);
      const record = await transferOn(bob, sent.transfer_id).catch((e: Error) => e.message);
      throw new Error(`${error.message.split('\n')[0]}; Bob's row says "${row}"; his transfer: ${JSON.stringify(record)}`);
    };
    await bobLabel.filter({ hasText: /disk is full.*Nothing received is lost.*\(\d+%\)/ }).waitFor({ timeout: 120_000 }).catch(explain);
    const percent = Number(/\((\d+)%\)/.exec(await bobLabel.innerText())![1]);
    expect(percent).to.be.above(0).and.below(100);
    await transferRow(a, name).getByTestId('progress-label').filter({ hasText: /friend's disk is full/ }).waitFor({ timeout: 60_000 });
    await snap(b, 'files-disk-full-01-held-receiver');
    await snap(a, 'files-disk-full-02-held-sender');

    disk!.grow(160);
    await eventually('complete at Bob', async () => (await bob.request('GET', `/files/${sent.transfer_id}`)).state === 'complete', 120_000, 250);
    await bobLabel.filter({ hasText: /Received · 40 MiB/ }).waitFor({ timeout: 60_000 });
    await transferRow(a, name).getByTestId('progress-label').filter({ hasText: /Delivered · 40 MiB/ }).waitFor({ timeout: 60_000 });
  });
});
