// Sampling heap profile (allocations, incl. collected ones) between two SIGUSR2.
if (process.env.KITH_DATA && require('node:worker_threads').isMainThread) {
  const inspector = require('node:inspector'); const fs = require('node:fs');
  const s = new inspector.Session(); s.connect();
  let on = false;
  process.on('SIGUSR2', () => {
    if (!on) { on = true; s.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }); return; }
    on = false;
    s.post('HeapProfiler.stopSampling', (err, { profile }) => fs.writeFileSync(`/tmp/prof/${process.pid}.heapprofile`, JSON.stringify(profile)));
  });
}
