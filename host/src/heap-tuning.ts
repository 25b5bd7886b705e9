import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what a full collection left live: a factor of 2
 * (V8's `--heap-growing-percent=100`; read at every collection, so setting it at run time works).
 *
 * Without it, V8 picks a factor of ~1.1-1.5 for a host's ~35 MB heap. While a file moves, the
 * young generation grows to its 16 MB maximum, and once the old generation's room falls below
 * that, V8 starts incremental marking again right after every mark-compact: measured on a
 * receiver, 7 mark-compacts a second for a whole transfer, its four GC threads at 70-100 ms of CPU
 * a second each, and a 1 GiB transfer at 66-74 MB/s instead of 110-125 (the first transfer after
 * start escaped it only because start-up had left a large limit). With a factor of 2 the room stays
 * above the young generation: the same runs moved at 91-98 MB/s with no mark-compact storm, and
 * peak RSS did not rise (at most one live size of garbage waits for a collection).
 */
export function tuneHeap(): void {
  v8.setFlagsFromString('--heap-growing-percent=100');
}
