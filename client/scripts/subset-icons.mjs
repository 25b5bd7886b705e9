// Writes client/public/icons/material-symbols.woff2: the Material Symbols Outlined font cut down to
// the icons the shell and the built-in extensions name (about 4 MB → a few KB). Run before every
// client build. Icons keep working by ligature (`<span class="material-symbols-outlined">send</span>`):
// the subset keeps the letters and, for each used icon, its glyph and its ligature only.
//
// Which icons are "used": quoted words and icon-span contents in client/src, extensions/*/ui and the
// extension manifests (nav/peer-action icons), kept only when the font has a ligature for them.
// A third-party extension's icons use the whole font instead (material-symbols-full.woff2, loaded
// only when shown; see docs/extensions.md).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as hb from 'harfbuzzjs';

const require = createRequire(import.meta.url);
const subsetFont = require('subset-font');
const fontverter = require('fontverter');

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const source = path.join(root, 'node_modules/material-symbols/material-symbols-outlined.woff2');
const outDir = path.join(root, 'client/public/icons');
const out = path.join(outDir, 'material-symbols.woff2');
const listOut = path.join(outDir, 'material-symbols.txt');

/** Icons used by content no scan can see (e.g. names built at run time). */
const ALWAYS = ['check', 'close', 'error', 'warning', 'info', 'arrow_back', 'menu', 'expand_more', 'expand_less'];

function filesUnder(dir, test) {
  if (!fs.existsSync(dir)) return [];
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(full, test));
    else if (test(entry.name)) found.push(full);
  }
  return found;
}

function candidateWords() {
  const sources = [
    ...filesUnder(path.join(root, 'client/src'), (n) => /\.(ts|html)$/.test(n)),
    ...filesUnder(path.join(root, 'extensions'), (n) => /\.(ts|html)$/.test(n)).filter((f) => f.includes(`${path.sep}ui${path.sep}`)),
    ...filesUnder(path.join(root, 'extensions'), (n) => n === 'package.json'),
  ];
  const words = new Set(ALWAYS);
  for (const file of sources) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`]([a-z][a-z0-9_]{1,40})['"`]/g)) words.add(m[1]);
    for (const m of text.matchAll(/material-symbols-outlined[^>]*>\s*([a-z][a-z0-9_]{1,40})\s*</g)) words.add(m[1]);
  }
  return [...words].sort();
}

const sfnt = await fontverter.convert(fs.readFileSync(source), 'sfnt');
const face = new hb.Face(new hb.Blob(sfnt));
const font = new hb.Font(face);

/** The single glyph the font's ligatures make of `word`, if it is an icon name. */
function iconGlyph(word) {
  const buffer = new hb.Buffer();
  buffer.addText(word);
  buffer.guessSegmentProperties();
  hb.shape(font, buffer);
  const infos = buffer.getGlyphInfos();
  return infos.length === 1 && word.length > 1 ? infos[0].codepoint : undefined;
}

// Glyph → a code point that maps to it (each icon also has a private-use code point).
const codepointOf = new Map();
for (const unicode of face.collectUnicodes()) {
  if (unicode < 0xe000) continue;
  const glyph = font.nominalGlyph(unicode);
  if (glyph !== undefined && !codepointOf.has(glyph)) codepointOf.set(glyph, unicode);
}

const icons = [];
let text = 'abcdefghijklmnopqrstuvwxyz0123456789_';
for (const word of candidateWords()) {
  const glyph = iconGlyph(word);
  const unicode = glyph === undefined ? undefined : codepointOf.get(glyph);
  if (unicode === undefined) continue;
  icons.push(word);
  text += String.fromCodePoint(unicode);
}

const subset = await subsetFont(fs.readFileSync(source), text, {
  targetFormat: 'woff2',
  // Only the listed icons' ligatures survive: without this, every ligature made of kept letters would.
  noLayoutClosure: true,
  // The shell draws one style: outlined, weight 400, no fill, 24 px optical size.
  variationAxes: { FILL: 0, wght: 400, GRAD: 0, opsz: 24 },
});
fs.mkdirSync(outDir, { recursive: true });
if (!fs.existsSync(out) || !fs.readFileSync(out).equals(subset)) fs.writeFileSync(out, subset);
const list = icons.join('\n') + '\n';
if (!fs.existsSync(listOut) || fs.readFileSync(listOut, 'utf8') !== list) fs.writeFileSync(listOut, list);
// The whole font too, for icons only third-party extensions name (their nav and peer actions, and
// their own UI with class material-symbols-full): the browser fetches it only when one is shown.
const fullOut = path.join(outDir, 'material-symbols-full.woff2');
if (!fs.existsSync(fullOut) || fs.statSync(fullOut).size !== fs.statSync(source).size) fs.copyFileSync(source, fullOut);
console.log(`subset-icons: ${icons.length} icons, ${subset.length} bytes`);
