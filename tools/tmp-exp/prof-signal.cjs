// Start a CPU profile on the first SIGUSR2, write it on the second.
if (process.env.KITH_DATA && require('node:worker_threads').isMainThread) {
  const inspector = require('node:inspector'); const fs = require('node:fs');
  const s = new inspector.Session(); s.connect();
  let on = false;
  process.on('SIGUSR2', () => {
    if (!on) { on = true; s.post('Profiler.enable', () => s.post('Profiler.setSamplingInterval', { interval: 200 }, () => s.post('Profiler.start'))); return; }
    on = false;
    s.post('Profiler.stop', (err, { profile }) => fs.writeFileSync(`/tmp/prof/${process.pid}.cpuprofile`, JSON.stringify(profile)));
  });
}
