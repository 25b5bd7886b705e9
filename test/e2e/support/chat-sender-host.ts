// A real Kith host with the built-in chat extension in its own process, for the kill -9 tests.
// Env: KITH_TEST_DATA_DIR (kept across runs), KITH_TEST_PERSONA (JSON PersonaLogin; absent: create one).
// Driven over IPC; every answer is `{ op, ... }`. The test SIGKILLs it at any moment.
import { friendCard, startChatHost } from './chat-host.js';

const alice = await startChatHost(process.env.KITH_TEST_DATA_DIR!, process.env.KITH_TEST_PERSONA ? JSON.parse(process.env.KITH_TEST_PERSONA) : undefined);

process.on('message', async (message: any) => {
  try {
    if (message.op === 'befriend') {
      // Save the friend's card; answer with ours, made for that friend.
      await alice.host.areas.identity.friends.save(message.card);
      process.send!({ op: 'befriend', card: friendCard(alice, message.card.peer, 'Alice') });
    } else if (message.op === 'send') {
      for (let i = 0; i < message.count; i++) await alice.call('POST', `/sessions/${message.peer}/messages`, { body: `${message.prefix} ${i}` });
      process.send!({ op: 'send' });
    } else if (message.op === 'connect') {
      await alice.call('POST', '/connect', { peer: message.peer, ipv4: `127.0.0.1:${message.port}` });
      process.send!({ op: 'connect' });
    } else if (message.op === 'states') {
      const { messages } = await alice.call('GET', `/sessions/${message.peer}/messages?limit=200`);
      const states: Record<string, number> = {};
      for (const m of messages as Array<{ state: string }>) states[m.state] = (states[m.state] ?? 0) + 1;
      process.send!({ op: 'states', states, total: messages.length });
    } else if (message.op === 'orphan') {
      // What a kill -9 between storing a message and recording its receipt leaves: no event id;
      // the newest one also never reached the bus queue (killed before the enqueue).
      const { sqlite } = alice.host.database;
      sqlite.prepare('UPDATE ext_chat__messages SET event_id = NULL WHERE from_me = 1').run();
      sqlite.transaction(() => {
        // Undo the newest enqueue as a whole (its row and its seq), as if it never ran.
        const newest = sqlite.prepare('SELECT id, persona, peer, stream FROM bus_outbound ORDER BY id DESC LIMIT 1').get() as
          { id: number; persona: string; peer: string; stream: string };
        sqlite.prepare('DELETE FROM bus_outbound WHERE id = ?').run(newest.id);
        sqlite.prepare('UPDATE bus_out_streams SET next_seq = next_seq - 1 WHERE persona = ? AND peer = ? AND stream = ?')
          .run(newest.persona, newest.peer, newest.stream);
      })();
      process.send!({ op: 'orphan' });
    } else if (message.op === 'queue') {
      process.send!({ op: 'queue', count: alice.host.areas.bus.engine.store.count(alice.key, message.peer) });
    }
  } catch (error) {
    process.send!({ op: 'error', message: (error as Error).message });
  }
});
process.send!({ op: 'ready', persona: alice.persona, key: alice.key });
