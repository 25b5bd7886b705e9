/**
 * Sessions, history and the shared report on two real hosts with a live session between them
 * (real rendezvous, real UDP, real Noise KK): the stats the page shows, the grouped connect
 * attempt, the remembered room word, and a report with no key, label or unmasked address.
 */
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';

describe('diagnostics: sessions, history and report on two real hosts', function () {
  this.timeout(120_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  const names = ['Alice Canary Q7', 'Bob Canary Z3'];

  before(async () => {
    net = await startTestNetwork({ hosts: 2, names });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => {
    await net?.close();
  });

  it('shows the live session: path, rung and stages, RTT, traffic both ways, cipher, quality and a growing series', async () => {
    const bobKey = bob.persona!.key;
    for (let i = 0; i < 3; i++) await alice.request('POST', `/sessions/${bobKey}/messages`, { body: `ping ${i}` });
    const view = await eventually('the session with traffic and two chart points', async () => {
      const answer = await alice.request<any>('GET', '/diagnostics/sessions');
      const s = answer.sessions.find((x: any) => x.peer === bobKey);
      return s && s.bytesOut > 0 && s.bytesIn > 0 && answer.series[bobKey]?.t.length >= 2 ? answer : undefined;
    });
    const s = view.sessions.find((x: any) => x.peer === bobKey);
    expect(s.label).to.equal(names[1]);
    expect(s.path).to.be.a('string').that.is.not.empty;
    expect(s.rung).to.be.a('string').that.is.not.empty;
    expect(s.stages).to.be.an('array');
    expect(s.cipher).to.match(/Noise/i);
    expect(s.retransmits).to.be.a('number');
    expect(s.quality.bars).to.be.within(0, 4);
    const quality = await alice.request<any>('GET', '/diagnostics/quality');
    expect(quality.friends[bobKey].level).to.be.oneOf(['good', 'fair', 'poor', 'stalled']);
    // The page gets the same numbers pushed once a second.
    const pushed = await alice.events.waitFor<any>('diagnostics:sessions', (u) => u.sessions.some((x: any) => x.peer === bobKey), 10_000);
    expect(pushed.samples[bobKey].t).to.be.a('number');
  });

  it('groups the connect attempt with its rungs, newest first', async () => {
    const { attempts } = await bob.request<any>('GET', '/diagnostics/attempts');
    expect(attempts.length).to.be.greaterThan(0);
    const ok = attempts.find((a: any) => a.outcome === 'ok');
    expect(ok, JSON.stringify(attempts).slice(0, 2000)).to.not.equal(undefined);
    expect(ok.steps.length).to.be.greaterThan(0);
    expect(ok.failure).to.equal(null);
    for (let i = 1; i < attempts.length; i++) expect(attempts[i - 1].startedAt).to.be.at.least(attempts[i].startedAt);
    // The rendezvous activity of pairing and connecting, folded: one line per stage and outcome.
    const { lines } = await bob.request<any>('GET', '/diagnostics/rendezvous/summary');
    expect(lines.length).to.be.greaterThan(0);
    expect(lines.reduce((n: number, l: any) => n + l.count, 0)).to.be.greaterThan(lines.length);
  });

  it('remembers a typed room word, sealed, and names the room by it', async () => {
    const { room } = await alice.request<{ room: string }>('PUT', '/diagnostics/rooms/words', { word: '  Secret Garden ' });
    expect(room).to.match(/^[0-9a-f]{64}$/);
    const { words } = await alice.request<any>('POST', '/diagnostics/rooms/names', { rooms: [room, 'ff'.repeat(32)] });
    expect(words).to.deep.equal({ [room]: 'Secret Garden' });
    expect((await alice.call('PUT', '/diagnostics/rooms/words', { word: '' })).status).to.equal(400);
  });

  it('exports a report with no key, no label and no unmasked address', async () => {
    const json = await (await alice.fetch('/api/diagnostics/report')).text();
    const text = await (await alice.fetch('/api/diagnostics/report?format=text')).text();
    const report = JSON.parse(json);
    expect(report.kind).to.equal('kith-diagnostics-report');
    expect(report.sessions).to.have.length(1);
    expect(report.sessions[0].peer).to.match(/^key#\d+$/);
    expect(report.rendezvous.length).to.be.greaterThan(0);
    expect(text).to.match(/Live sessions: 1/);
    for (const body of [json, text]) {
      for (const canary of [alice.persona!.key, bob.persona!.key, 'Canary', 'Secret Garden', '127.0.0.1']) {
        expect(body, canary).to.not.include(canary);
      }
      expect(body).to.not.match(/[0-9a-f]{32,}/i);
      expect(body).to.not.match(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
    }
  });
});
