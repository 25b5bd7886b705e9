// Raw UDP throughput sink (bench baseline): counts datagrams on a loopback socket and reports
// bytes and the time between the first and the last one, after KITH_SINK_WARMUP datagrams that
// only warm the path up (as the bus runs get). IPC: {op:'ready', port} then
// {op:'done', bytes, count, ms} once `expect` datagrams arrived or 1 s passed without any.
import dgram from 'node:dgram';

const expected = Number(process.env.KITH_SINK_EXPECT ?? '0');
const warmup = Number(process.env.KITH_SINK_WARMUP ?? '0');
let warmupSeen = 0;
const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
let bytes = 0;
let count = 0;
let first = 0;
let last = 0;
let idle: NodeJS.Timeout | undefined;
const finish = () => {
  process.send!({ op: 'done', bytes, count, ms: last - first });
  socket.close();
  setTimeout(() => process.exit(0), 50);
};
socket.on('message', (message) => {
  const now = performance.now();
  if (warmupSeen < warmup) {
    warmupSeen++;
    return;
  }
  if (count === 0) first = now;
  last = now;
  count++;
  bytes += message.length;
  if (count >= expected) return finish();
  clearTimeout(idle);
  idle = setTimeout(finish, 1000);
});
socket.bind(0, '127.0.0.1', () => process.send!({ op: 'ready', port: socket.address().port }));
