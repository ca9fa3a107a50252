// How much memory a measured piece of work takes: a full garbage collection first (the npm scripts
// have no --expose-gc), then RSS and JS heap sampled every `intervalMs` until the work is done.
import v8 from "node:v8";
import vm from "node:vm";

/** A full garbage collection, so a measurement starts from a clean heap. */
export const collectGarbage = (() => {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
})();

export type TMemoryPeaks = { rssBefore: number; peakRss: number; heapBefore: number; peakHeap: number };

/** Collects garbage, then samples until `stop()`, which takes a last sample and returns the peaks. */
export function startMemorySampler(intervalMs = 20): { stop: () => TMemoryPeaks } {
  collectGarbage();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sample = () => {
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    peakHeap = Math.max(peakHeap, memory.heapUsed);
  };
  const sampler = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(sampler);
      sample();
      return { rssBefore: before.rss, peakRss, heapBefore: before.heapUsed, peakHeap };
    },
  };
}
