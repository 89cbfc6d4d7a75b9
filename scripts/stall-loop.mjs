// Loaded with `--import` into every Node process of a stress run (scripts/test-stress.mjs): every
// 100 ms the event loop is held busy for a random 0..STALL_MS ms, like a GC pause or a process the
// scheduler left waiting on a loaded 2-core machine. Timing assumptions in tests show up as failures.
const maxMs = Number(process.env.BERTH_STALL_MS ?? 150);
const timer = setInterval(() => {
  const end = Date.now() + Math.random() * maxMs;
  while (Date.now() < end);
}, 100);
timer.unref();
