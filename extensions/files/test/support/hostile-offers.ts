/** Offers a hostile sender makes, by the name of the file it was asked to send: fields replaced in `files.offer`. */
export const HOSTILE_OFFERS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'huge.bin': { size: 1e15 },
  'evil.html': { name: '../../etc/\u202epasswd\u0007\n<script>.html', mime: 'text/html' },
  'liar.bin': { root: '00'.repeat(32) },
};
