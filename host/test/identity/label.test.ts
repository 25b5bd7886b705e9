import { expect } from 'chai';
import { checkLabel } from '../../src/identity/label.js';

describe('identity/label: names people see', () => {
  const code = (label: unknown) => {
    try {
      checkLabel(label, 'bad label');
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  it('refuses controls, direction overrides and invisible marks, which let one name pass for another', () => {
    for (const spoof of ['\u202eecila', 'ali\u200bce', 'a\u0085b', 'x\u2066y\u2069', 'al\ufeffice', 'a\u200fb', 'a\u2028b', 'a\u0000b', 'tab\there']) {
      expect(code(spoof), JSON.stringify(spoof)).to.equal('KITH_ERR_BAD_REQUEST');
    }
  });

  it('keeps every script and emoji sequence (zero-width joiner and non-joiner are letters of them)', () => {
    for (const name of ['Zoë', 'Ана', 'علی', 'מרים', '山田', '👨\u200d👩\u200d👧', 'می\u200cخواهم', ' Ana Lima ']) expect(code(name), name).to.equal('ok');
    expect(checkLabel(' Ana Lima ', 'bad label')).to.equal('Ana Lima');
    expect(code('x'.repeat(65))).to.equal('KITH_ERR_BAD_REQUEST');
    expect(code('   ')).to.equal('KITH_ERR_BAD_REQUEST');
  });
});
