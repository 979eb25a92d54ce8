// A preload for the tests' and the benchmark's memory readings (COLLECT_GARBAGE_ON_SIGNAL in
// server-process.ts), so that they do not depend on where the collector's sawtooth happens to be:
// started with NODE_OPTIONS="--expose-gc --require <this file>", the server runs a full garbage
// collection in every thread when it receives SIGUSR2, and its main thread then prints one line
// with its live and committed heap. Never part of a production start.
const { isMainThread, BroadcastChannel } = require('node:worker_threads');
const { getHeapStatistics } = require('node:v8');

const channel = new BroadcastChannel('keyward-test-collect-garbage');
channel.unref();

if (isMainThread) {
  process.on('SIGUSR2', () => {
    channel.postMessage('collect');
    global.gc();
    const heap = getHeapStatistics();
    process.stdout.write(`collected garbage: live heap ${heap.used_heap_size} bytes, heap committed ${heap.total_heap_size} bytes\n`);
  });
} else {
  channel.onmessage = () => global.gc();
}
