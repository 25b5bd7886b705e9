/** The chat page's pure logic: links, the timeline, merging copies of a message, the send queue. */
import { expect } from 'chai';
import type { ChatMessageJson } from '../ui/chat-api';
import { titleWithUnread } from '../ui/attention';
import { bodyParts } from '../ui/linkify';
import { mergeMessage, needsRetry, retrying } from '../ui/message-merge';
import { Outbox, newMessageId, type OutgoingMessage } from '../ui/outbox';
import { buildTimeline, dayLabel } from '../ui/timeline';

const at = (y: number, mo: number, d: number, h: number, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();
let cursor = 0;
function message(fields: Partial<ChatMessageJson> & { at: number }): ChatMessageJson {
  cursor++;
  return {
    id: newMessageId(), cursor, peer: 'self', from_me: true, body: 'x', sent_at: fields.at, stored_at: fields.at,
    state: 'delivered', read_at: null, edited_at: null, ...fields,
  };
}

describe('chat page logic', () => {
  it('makes http, https and mailto links only, keeping every character of the text', () => {
    const text = 'see https://example.com/a?b=1, mail bob@example.org; javascript:alert(1) data:text/html,x //evil.com';
    const parts = bodyParts(text);
    expect(parts.map((p) => p.text).join('')).to.equal(text);
    expect(parts.filter((p) => p.href).map((p) => p.href)).to.deep.equal(['https://example.com/a?b=1', 'mailto:bob@example.org']);
    expect(bodyParts('<img src=x onerror=alert(1)>')).to.deep.equal([{ text: '<img src=x onerror=alert(1)>' }]);
    expect(bodyParts('line one\nline two')).to.deep.equal([{ text: 'line one\nline two' }]);
  });

  it('puts a separator before each day, the unread marker before the first unread, and groups one author within 5 minutes', () => {
    const now = at(2026, 12, 3, 18);
    const ms = [
      message({ at: at(2026, 12, 2, 9), from_me: false }),
      message({ at: at(2026, 12, 3, 9), from_me: false }),
      message({ at: at(2026, 12, 3, 9, 2), from_me: false }),
      message({ at: at(2026, 12, 3, 9, 20), from_me: false }),
      message({ at: at(2026, 12, 3, 9, 21), from_me: true }),
    ];
    const rows = buildTimeline(ms, ms[3]!.id, now);
    expect(rows.map((r) => (r.kind === 'message' ? `m${ms.indexOf(r.message)}${r.groupedWithPrevious ? '+' : ''}` : r.kind === 'entry' ? r.entry.id : r.label))).to.deep.equal(
      ['Yesterday', 'm0', 'Today', 'm1', 'm2+', 'New messages', 'm3', 'm4'],
    );
    const m1 = rows.find((r) => r.kind === 'message' && r.message === ms[1]);
    expect(m1 && m1.kind === 'message' && m1.groupedWithNext).to.equal(true);
    expect(dayLabel(at(2025, 6, 1, 12), now)).to.match(/2025/);
  });

  it("places other extensions' entries among the messages by time, ending a group, and holds back those older than what is loaded", () => {
    const now = at(2026, 12, 3, 18);
    const ms = [
      message({ at: at(2026, 12, 3, 9), from_me: true }),
      message({ at: at(2026, 12, 3, 9, 2), from_me: true }),
      message({ at: at(2026, 12, 3, 9, 3), from_me: true }),
    ];
    const entry = (id: string, when: number) => ({ key: `files/files.timeline/${id}`, extension: 'files', view: 'files.timeline', id, at: when, fromMe: true, label: id, extensionName: 'Files', builtIn: true });
    const entries = [entry('old', at(2026, 12, 1, 8)), entry('mid', at(2026, 12, 3, 9, 1)), entry('late', at(2026, 12, 3, 12))];
    const shown = (rows: ReturnType<typeof buildTimeline>) =>
      rows.map((r) => (r.kind === 'message' ? `m${ms.indexOf(r.message)}${r.groupedWithPrevious ? '+' : ''}` : r.kind === 'entry' ? `e:${r.entry.id}` : r.label));
    expect(shown(buildTimeline(ms, null, now, entries))).to.deep.equal([dayLabel(at(2026, 12, 1, 8), now), 'e:old', 'Today', 'm0', 'e:mid', 'm1', 'm2+', 'e:late']);
    // Older messages still to load: the old entry waits for its place instead of piling up on top.
    expect(shown(buildTimeline(ms, null, now, entries, ms[0]!.sent_at))).to.deep.equal(['Today', 'm0', 'e:mid', 'm1', 'm2+', 'e:late']);
    // A time no Date can hold is left out rather than breaking every row.
    expect(shown(buildTimeline(ms, null, now, [...entries, entry('never', 8.64e15 + 1)]))).to.not.include('e:never');
    // Entries alone make a conversation too.
    expect(shown(buildTimeline([], null, now, entries.slice(2)))).to.deep.equal(['Today', 'e:late']);
  });

  it('never lets a late copy of a message undo a later delivery state; a Retry starts again', () => {
    const sent = message({ at: Date.now(), state: 'sent' });
    const refused = { ...sent, state: 'refused' as const };
    expect(mergeMessage(refused, sent).state).to.equal('refused');
    expect(mergeMessage({ ...sent, state: 'delivered' }, sent).state).to.equal('delivered');
    expect(mergeMessage(sent, { ...sent, state: 'read', read_at: 1 }).state).to.equal('read');
    expect(needsRetry(refused)).to.equal(true);
    expect(mergeMessage(retrying(refused), sent).state).to.equal('sent');
    const edited = mergeMessage({ ...sent, state: 'delivered' }, { ...sent, body: 'edited', edited_at: 5 });
    expect(edited).to.include({ body: 'edited', state: 'delivered' });
  });

  it('puts the unread count in front of the title', () => {
    expect(titleWithUnread('Kith', 3)).to.equal('(3) Kith');
    expect(titleWithUnread('(3) Kith', 4)).to.equal('(4) Kith');
    expect(titleWithUnread('(4) Kith', 0)).to.equal('Kith');
  });

  it('posts queued messages one at a time, in order, retrying a transient failure under the same id', async () => {
    const posted: string[] = [];
    const sent: string[] = [];
    const failed: string[] = [];
    let flaky = 2;
    const outbox = new Outbox({
      async send(m) {
        posted.push(m.id);
        await new Promise((r) => setTimeout(r, 2));
        if (m.body === 'flaky' && flaky-- > 0) throw Object.assign(new Error('network'), {});
        if (m.body === 'too long') throw Object.assign(new Error('413'), { status: 413 });
        return message({ at: Date.now(), id: m.id, body: m.body });
      },
      sent: (m) => sent.push(m.body),
      failed: (m) => failed.push(m.body),
    }, [1, 1, 1]);
    const msgs: OutgoingMessage[] = ['a', 'flaky', 'too long', 'b', 'c'].map((body) => ({ id: newMessageId(), peer: 'self', body, replyTo: null }));
    for (const m of msgs) outbox.enqueue(m);
    expect(outbox.pending).to.equal(5);
    while (outbox.pending > 0) await new Promise((r) => setTimeout(r, 5));
    expect(sent).to.deep.equal(['a', 'flaky', 'b', 'c']);
    expect(failed).to.deep.equal(['too long']);
    const flakyId = msgs[1]!.id;
    expect(posted.filter((id) => id === flakyId)).to.have.length(3);
    expect(posted.filter((id) => id === msgs[2]!.id), 'a refusal is not retried').to.have.length(1);
  });
});
