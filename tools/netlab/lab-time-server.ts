/**
 * A minimal `GET /r/time` server for the lab when the real rendezvous server is not used:
 * `ip netns exec <ns> node --import tsx tools/netlab/lab-time-server.ts <port>`.
 */
import http from 'node:http';

const port = Number(process.env.LAB_TIME_PORT ?? process.argv[2] ?? 0);
const server = http.createServer((req, res) => {
  if (req.url === '/r/time') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ now: Date.now() }));
    return;
  }
  res.statusCode = 404;
  res.end();
});
server.listen(port, '::', () => process.stdout.write(`${JSON.stringify({ ready: true, url: '', udpPort: 0 })}\n`));
