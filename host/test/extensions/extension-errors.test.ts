/**
 * Per-extension error codes: the manifest declares them (`kith.errors`), `defineErrors` gives typed
 * codes, and a route that throws one answers with the declared status and the catalogue's shape
 * `{ error: { code: 'KITH_EXT_<ID>_<NAME>', message } }` through a real host. A code the
 * extension did not declare (another extension's, or its own undeclared) faults it.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { ExtensionError, defineErrors, extensionErrorCode, isKithError, parseExtensionErrorCode, type KithError } from '@kith/sdk';
import { validatePackage } from '../../src/extensions/manifest-schema.js';
import { startExtensionsHarness, type ExtensionsHarness } from './harness/extensions-harness.js';
import { writeExtension } from './harness/extension-fixture.js';
import { testPersona } from './harness/test-persona.js';

const SDK = pathToFileURL(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../sdk/src/index.ts')).href;
const POLL_ERRORS = [
  { code: 'POLL_CLOSED', status: 409, message: 'The poll is closed' },
  { code: 'TOO_MANY_CHOICES', status: 422, message: 'A poll has at most 10 choices' },
];

function pkg(errors: unknown) {
  return { name: 'polls', version: '1.0.0', kith: { id: 'my-polls', displayName: 'Polls', hostVersion: '^1.0.0', main: 'main.mjs', errors } };
}

function problemsOf(value: unknown): string[] {
  try {
    validatePackage(value);
  } catch (error) {
    expect((error as KithError).code).to.equal('KITH_ERR_MANIFEST_INVALID');
    return (error as KithError).details!.problems as string[];
  }
  throw new Error('expected the manifest to be refused');
}

describe('extensions: per-extension error codes', () => {
  describe('the manifest and defineErrors', () => {
    it('accepts declared codes and prefixes them with the extension id', () => {
      expect(validatePackage(pkg(POLL_ERRORS)).manifest.errors).to.deep.equal(POLL_ERRORS);
      const errors = defineErrors('my-polls', POLL_ERRORS);
      expect(errors.codes.POLL_CLOSED).to.equal('KITH_EXT_MY-POLLS_POLL_CLOSED');
      const thrown = errors.create('TOO_MANY_CHOICES', undefined, { max: 10 });
      expect(isKithError(thrown)).to.equal(true);
      expect(thrown.toJSON()).to.deep.equal({ error: { code: 'KITH_EXT_MY-POLLS_TOO_MANY_CHOICES', message: 'A poll has at most 10 choices', details: { max: 10 } } });
      expect(thrown.status).to.equal(422);
      expect(errors.is({ code: 'KITH_EXT_MY-POLLS_POLL_CLOSED', status: 409 }, 'POLL_CLOSED')).to.equal(true);
      expect(errors.is(new Error('x'), 'POLL_CLOSED')).to.equal(false);
    });

    it('refuses malformed names, statuses outside 400-599, long messages and duplicates', () => {
      const problems = problemsOf(pkg([
        { code: 'poll-closed', status: 409, message: 'x' },
        { code: 'OK', status: 200, message: 'fine' },
        { code: 'LATER', status: 600, message: 'x' },
        { code: 'LONG', status: 400, message: 'x'.repeat(201) },
        { code: 'A'.repeat(49), status: 400, message: 'x' },
        { code: 'TWICE', status: 400, message: 'x' },
        { code: 'TWICE', status: 401, message: 'y' },
      ]));
      expect(problems.join('\n')).to.match(/kith\.errors\.0\.code: must be upper snake case/)
        .and.match(/kith\.errors\.1\.status: must be an HTTP error status/)
        .and.match(/kith\.errors\.2\.status/)
        .and.match(/kith\.errors\.3\.message: must be at most 200/)
        .and.match(/kith\.errors\.4\.code/);
      // Duplicates are a cross-field check, reported once the fields themselves are valid.
      expect(problemsOf(pkg([{ code: 'TWICE', status: 400, message: 'x' }, { code: 'TWICE', status: 401, message: 'y' }])))
        .to.deep.equal(['kith.errors.1: duplicate id "TWICE"']);
      expect(() => defineErrors('polls', [{ code: 'BAD', status: 302, message: 'x' }])).to.throw(RangeError);
      expect(() => defineErrors('polls', [{ code: 'bad', status: 400, message: 'x' }])).to.throw(TypeError);
      expect(() => new ExtensionError('KITH_EXT_POLLS_X', 99, 'x')).to.throw(RangeError);
    });

    it('cannot collide: ids hold no "_", so the code names exactly one extension and never a host code', () => {
      const a = extensionErrorCode('foo', 'BAR_BAZ');
      const b = extensionErrorCode('foo-bar', 'BAZ');
      expect(a).to.equal('KITH_EXT_FOO_BAR_BAZ');
      expect(b).to.equal('KITH_EXT_FOO-BAR_BAZ');
      expect(parseExtensionErrorCode(a)).to.deep.equal({ extensionId: 'foo', name: 'BAR_BAZ' });
      expect(parseExtensionErrorCode(b)).to.deep.equal({ extensionId: 'foo-bar', name: 'BAZ' });
      expect(parseExtensionErrorCode('KITH_ERR_LOCKED')).to.equal(undefined);
    });
  });

  describe('through a real host', () => {
    let h: ExtensionsHarness;

    before(async () => {
      h = await startExtensionsHarness({
        install(dir) {
          writeExtension(dir, 'my-polls', { id: 'my-polls', displayName: 'Polls', errors: POLL_ERRORS, contributes: { routes: ['POST /my-polls/vote', 'GET /my-polls/forged-status'] } }, `
import { defineErrors, ExtensionError } from '${SDK}';
const errors = defineErrors('my-polls', ${JSON.stringify(POLL_ERRORS)});
export default { activate(ctx) {
  ctx.subscriptions.push(
    ctx.routes.post('/my-polls/vote', (req) => {
      if (req.body.choice > 10) throw errors.create('TOO_MANY_CHOICES', 'Choice ' + req.body.choice + ' is past 10', { max: 10 });
      throw errors.create('POLL_CLOSED');
    }),
    // The status comes from the manifest, whatever the thrown object claims.
    ctx.routes.get('/my-polls/forged-status', () => { throw new ExtensionError(errors.codes.POLL_CLOSED, 200 + 218, 'teapot'); }),
  );
} };`);
          writeExtension(dir, 'rogue', { id: 'rogue', displayName: 'Rogue', contributes: { routes: ['GET /rogue/borrow'] } }, `
import { defineErrors } from '${SDK}';
const theirs = defineErrors('my-polls', [{ code: 'POLL_CLOSED', status: 409, message: 'borrowed' }]);
export default { activate(ctx) { ctx.routes.get('/rogue/borrow', () => { throw theirs.create('POLL_CLOSED'); }); } };`);
        },
      });
      h.gate.set(testPersona('alice'));
      await h.area.manager.settled();
    });
    after(async () => {
      await h?.close();
    });

    it("answers a thrown extension error with its declared status and the catalogue's shape", async () => {
      const closed = await h.json('/api/my-polls/vote', { method: 'POST', body: JSON.stringify({ choice: 1 }) });
      expect(closed).to.deep.equal({ status: 409, body: { error: { code: 'KITH_EXT_MY-POLLS_POLL_CLOSED', message: 'The poll is closed' } } });
      const many = await h.json('/api/my-polls/vote', { method: 'POST', body: JSON.stringify({ choice: 11 }) });
      expect(many).to.deep.equal({
        status: 422,
        body: { error: { code: 'KITH_EXT_MY-POLLS_TOO_MANY_CHOICES', message: 'Choice 11 is past 10', details: { max: 10 } } },
      });
      const forged = await h.json('/api/my-polls/forged-status');
      expect(forged.status).to.equal(409);
      expect(forged.body.error).to.deep.equal({ code: 'KITH_EXT_MY-POLLS_POLL_CLOSED', message: 'teapot' });
      const polls = (await h.json('/api/extensions')).body.extensions.find((e: { id: string }) => e.id === 'my-polls');
      expect(polls).to.include({ running: true, faulted: false });
    });

    it("faults an extension that throws another extension's code", async () => {
      const borrowed = await h.json('/api/rogue/borrow');
      expect(borrowed.status).to.equal(503);
      expect(borrowed.body.error.code).to.equal('KITH_ERR_EXTENSION_FAULTED');
      const rogue = (await h.json('/api/extensions')).body.extensions.find((e: { id: string }) => e.id === 'rogue');
      expect(rogue.faulted).to.equal(true);
      expect(rogue.error.message).to.contain('KITH_EXT_MY-POLLS_POLL_CLOSED').and.contain('does not declare');
    });
  });
});
