/**
 * What a third party's view (test/browser/fixtures/postcards) may do to Kith's page without the
 * user: move it (no: only in answer to a click in the view), drop the page's connection with one
 * oversized event (no: it is refused before the socket), show a red alert of its words in Kith's
 * page again and again (no: once, headed with its name, and the view is closed).
 */
import { expect } from 'chai';
import type { FrameLocator, Page } from 'playwright-core';
import { startPostcardsRig, type PostcardsRig } from './postcards-kit.js';
import { needs } from '../support/needs.js';

describe("browser: a hostile third party's view and Kith's page", function () {
  this.timeout(240_000);
  needs('chromium');
  let rig: PostcardsRig;
  let page: Page;
  const postcards = (): FrameLocator => page.frameLocator('iframe[data-kith-view="postcards/postcards.page"]');
  const view = () => postcards().locator('postcards-page');

  before(async function () {
    this.timeout(600_000); // the shared client build may be rebuilding
    rig = await startPostcardsRig('Hal');
    ({ page } = rig);
  });
  beforeEach(async () => {
    await page.goto(`${rig.kith.host.url}/postcards`);
    await postcards().locator('postcards-page [data-part="count"]').waitFor({ timeout: 30_000 });
  });
  afterEach(async function () {
    await rig?.snapIfFailed(this.currentTest, 'frame-hostile-view');
  });
  after(async () => rig?.close());

  it("moves Kith's page only in answer to a click in the view", async () => {
    // Called by the view on its own (the evaluate gives the page the browser's activation, not a click in the view).
    await view().evaluate((element: any) => {
      element.kithHost.navigate('/extensions');
      setTimeout(() => element.kithHost.navigate('/settings'), 200);
    });
    await page.waitForTimeout(1500);
    expect(new URL(page.url()).pathname, 'the page stayed').to.equal('/postcards');
    await postcards().getByRole('button', { name: 'Go to notes' }).click();
    await page.waitForURL((url) => url.pathname === '/chats' && url.searchParams.get('peer') === 'self', { timeout: 30_000 });
  });

  it("keeps the page's connection when a view emits an event over the socket's packet limit", async () => {
    const indicator = page.locator('[aria-label^="Live updates"]');
    await page.locator('[aria-label="Live updates connected"]').waitFor({ timeout: 30_000 });
    await indicator.evaluate((element) => {
      const seen: string[] = [];
      (window as unknown as { indicatorChanges: string[] }).indicatorChanges = seen;
      new MutationObserver(() => seen.push(element.getAttribute('aria-label') ?? '')).observe(element, { attributes: true, attributeFilter: ['aria-label'] });
    });
    await view().evaluate((element: any) => {
      for (let i = 0; i < 3; i++) element.kithHost.emit('big', 'x'.repeat(3 << 20));
      element.kithHost.emit('big', new Uint8Array(3 << 20));
    });
    await page.waitForTimeout(3000);
    expect(await page.evaluate(() => (window as unknown as { indicatorChanges: string[] }).indicatorChanges), 'the connection never dropped').to.deep.equal([]);
    expect(await indicator.getAttribute('aria-label')).to.equal('Live updates connected');
    expect(rig.errors).to.deep.equal([]);
  });
});
