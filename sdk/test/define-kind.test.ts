import { expect } from 'chai';
import { z } from 'zod';
import { defineKind, type EventHeader } from '../src/index.js';

interface WaveHeader { readonly text: string; readonly loud?: boolean }

const checkWave = (header: EventHeader): WaveHeader | null =>
  typeof header.text === 'string' ? { text: header.text, ...(typeof header.loud === 'boolean' ? { loud: header.loud } : {}) } : null;

describe('defineKind', () => {
  it('encodes a typed header as a plain copy without undefined fields, and decodes it back', () => {
    const wave = defineKind<WaveHeader>('hello.wave', checkWave);
    expect(wave.name).to.equal('hello.wave');
    expect(wave.encode({ text: 'hi', loud: undefined })).to.deep.equal({ text: 'hi' });
    expect(wave.decode(wave.encode({ text: 'hi', loud: true }))).to.deep.equal({ text: 'hi', loud: true });
    expect(Object.isFrozen(wave)).to.equal(true);
  });

  it('encodes through the check: keys the header type does not name stay home, and a header the friend would refuse throws', () => {
    const wave = defineKind<WaveHeader>('hello.wave', checkWave);
    // A spread database row: only what the check returns goes on the wire.
    const row = { text: 'hi', loud: false, rowId: 7, secretNote: 'not for the friend' };
    expect(wave.encode(row as WaveHeader)).to.deep.equal({ text: 'hi', loud: false });
    expect(() => wave.encode({ text: 5 } as never)).to.throw(TypeError, /does not pass the check of kind "hello.wave"/);
    const throwing = defineKind<WaveHeader>('hello.wave', () => {
      throw new Error('bad');
    });
    expect(() => throwing.encode({ text: 'hi' })).to.throw(TypeError);
    const schema = defineKind<WaveHeader>('hello.wave', z.object({ text: z.string().max(10), loud: z.boolean().optional() }));
    expect(schema.encode({ text: 'hi', extra: 1 } as WaveHeader)).to.deep.equal({ text: 'hi' });
    expect(() => schema.encode({ text: 'x'.repeat(11) })).to.throw(TypeError);
  });

  it('decodes a malformed header to null, also when the check throws', () => {
    const wave = defineKind<WaveHeader>('hello.wave', checkWave);
    expect(wave.decode({ text: 5 })).to.equal(null);
    const throwing = defineKind<WaveHeader>('hello.wave', () => {
      throw new Error('bad');
    });
    expect(throwing.decode({ text: 'hi' })).to.equal(null);
  });

  it('takes a schema with safeParse (zod) instead of a function', () => {
    const wave = defineKind<WaveHeader>('hello.wave', z.object({ text: z.string().max(10), loud: z.boolean().optional() }));
    expect(wave.decode({ text: 'hi', extra: 1 })).to.deep.equal({ text: 'hi' });
    expect(wave.decode({ text: 'x'.repeat(11) })).to.equal(null);
  });

  it('refuses a name that is not <area>.<event> and a missing check with TypeError', () => {
    expect(() => defineKind<WaveHeader>('Wave', checkWave)).to.throw(TypeError, /kind name/);
    expect(() => defineKind<WaveHeader>('hello.wave', undefined as never)).to.throw(TypeError, /header check/);
  });
});
