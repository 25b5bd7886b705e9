import { expect } from 'chai';
import { ERRORS, KithError, defineExtension, isKithError } from '../src/index.js';

describe('sdk: error catalogue and defineExtension', () => {
  it('gives every code the KITH_ERR_ prefix, an HTTP error status and a message', () => {
    for (const [code, { status, message }] of Object.entries(ERRORS)) {
      expect(code, code).to.match(/^KITH_ERR_[A-Z_]+$/);
      expect(status, code).to.be.within(400, 599);
      expect(message, code).to.be.a('string').and.not.equal('');
    }
  });

  it('carries code, status, message and details into the JSON body', () => {
    const error = new KithError('KITH_ERR_EXTENSION_DISABLED', 'The extension "Hello" (hello) is off', { extension: 'hello' });
    expect(error.status).to.equal(404);
    expect(error.toJSON()).to.deep.equal({
      error: { code: 'KITH_ERR_EXTENSION_DISABLED', message: 'The extension "Hello" (hello) is off', details: { extension: 'hello' } },
    });
    expect(new KithError('KITH_ERR_LOCKED').message).to.equal(ERRORS.KITH_ERR_LOCKED.message);
  });

  it('recognises a KithError from another copy of the SDK (a bundled extension) but not look-alikes', () => {
    const fromBundle = Object.assign(new Error('nope'), { name: 'KithError', code: 'KITH_ERR_BAD_REQUEST' });
    expect(isKithError(fromBundle)).to.equal(true);
    expect(isKithError(Object.assign(new Error('x'), { name: 'KithError', code: 'KITH_ERR_MADE_UP' }))).to.equal(false);
    expect(isKithError(new Error('plain'))).to.equal(false);
    expect(isKithError(null)).to.equal(false);
  });

  it('defineExtension returns its module and refuses one without activate', () => {
    const module = { activate() {} };
    expect(defineExtension(module)).to.equal(module);
    expect(() => defineExtension({} as never)).to.throw(TypeError, /activate/);
  });
});
