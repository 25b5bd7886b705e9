import { startTestNetwork, type TestHost } from '@kith/sdk/testing';
const routes: [string, string, unknown?][] = [
  ['GET','/api/health'],['GET','/api/identity/state'],['GET','/api/personas'],
  ['GET','/api/discovery'],['GET','/api/discovery/ipv4'],['GET','/api/discovery/ipv6'],
  ['POST','/api/rendezvous/check',{url:'http://127.0.0.1:1'}],['POST','/api/rendezvous/join',{url:'http://127.0.0.1:1',word:'x'}],['POST','/api/rendezvous/poll',{url:'http://127.0.0.1:1',word:'x'}],['POST','/api/rendezvous/leave',{url:'http://127.0.0.1:1',word:'x'}],
  ['GET','/api/diagnostics/traces'],['GET','/api/diagnostics/rendezvous'],['GET','/api/diagnostics/rooms'],
  ['POST','/api/connect',{}],['POST','/api/connect/request',{}],['POST','/api/connect/accept',{}],['POST','/api/connect/parked',{}],['GET','/api/connect/parked/status'],
  ['POST','/api/media/preview',{name:'a.txt',data_base64:'aGVsbG8='}],['GET','/api/media'],['GET','/api/self/messages'],['POST','/api/self/messages',{body:'hi'}],
  ['POST','/api/self/files',{name:'a.txt',mime:'text/plain',data_base64:'aGVsbG8='}],['GET','/api/friends/00/messages'],['GET','/api/sessions'],
  ['GET','/api/sessions/00/messages'],['POST','/api/sessions/00/messages',{body:'x'}],['POST','/api/sessions/00/messages/1/read'],
  ['POST','/api/sessions/00/files',{name:'a',data_base64:'aa=='}],['POST','/api/sessions/00/files/begin',{name:'a',size:1}],
  ['POST','/api/sessions/00/files/t/chunk?idx=0'],['POST','/api/sessions/00/files/t/commit'],['POST','/api/sessions/00/files/t/pause',{paused:true}],['POST','/api/sessions/00/files/t/cancel'],
  ['GET','/api/files/inbound/t/stream?mime=video/webm'],
  ['POST','/api/sessions/00/calls/start',{with_video:false}],['POST','/api/sessions/00/calls/accept',{stream_id:1}],['POST','/api/sessions/00/calls/reject',{stream_id:1}],['POST','/api/sessions/00/calls/hangup'],['POST','/api/sessions/00/calls/mute',{muted:true}],
  ['POST','/api/sessions/00/calls/video/start'],['POST','/api/sessions/00/calls/video/stop'],['POST','/api/sessions/00/calls/video/mute',{off:true}],
  ['DELETE','/api/sessions/00'],['DELETE','/api/chat_messages/x'],['POST','/api/chat_messages/x',{body:'e'}],
  ['POST','/api/pair/start',{rendezvous_url:'http://127.0.0.1:1',label:'x'}],['GET','/api/friends'],['DELETE','/api/friends/1'],['POST','/api/friends/1',{label:'y'}],
  ['GET','/api/accounts'],['POST','/api/accounts',{name:'n'}],['POST','/api/accounts/1/theme',{theme_slug:'x'}],['GET','/api/themes'],['POST','/api/themes',{name:'t',palette:{}}],
];
const net = await startTestNetwork({ hosts: 1, command: process.env.EXE ? [process.env.EXE] : undefined });
const h = net.hosts[0] as TestHost;
for (const [m, p, b] of routes) {
  const r = await h.fetch(p, { method: m, headers: b ? { 'content-type': 'application/json' } : {}, body: b ? JSON.stringify(b) : undefined });
  const t = (await r.text()).slice(0, 110).replace(/\n/g, ' ');
  console.log(String(r.status).padEnd(4), m.padEnd(6), p.padEnd(48), t);
}
await net.close();
