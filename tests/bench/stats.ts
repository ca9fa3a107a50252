// Latency samples and the figures printed from them. Figures only: nothing here judges them.

/** Latencies in milliseconds, appended as requests complete. */
export class Samples {
  #values = new Float64Array(1_024);
  #length = 0;

  add(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  addAll(other: Samples): void {
    for (let index = 0; index < other.#length; index += 1) this.add(other.#values[index] as number);
  }

  get count(): number {
    return this.#length;
  }

  /** The samples from `start` on (e.g. since a segment began). */
  since(start: number): Samples {
    const samples = new Samples();
    samples.#values = this.#values.slice(start, this.#length);
    samples.#length = this.#length - start;
    return samples;
  }

  /** Nearest-rank percentiles (p in 0..100); NaN without samples. */
  percentiles(...ps: number[]): number[] {
    if (this.#length === 0) return ps.map(() => Number.NaN);
    const sorted = this.#values.slice(0, this.#length).sort();
    return ps.map((p) => sorted[Math.min(this.#length - 1, Math.max(0, Math.ceil((p / 100) * this.#length) - 1))] as number);
  }
}

export const formatInt = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—");

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return value < 10 ? `${value.toFixed(2)} ms` : value < 100 ? `${value.toFixed(1)} ms` : `${Math.round(value).toLocaleString("en-US")} ms`;
}

/** 10_000_000 → "10.0M", 200_000 → "200k". */
export function formatCount(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(value >= 10_000_000 ? 1 : 2)}M`;
  if (value >= 1_000) return `${Math.round(value / 1_000)}k`;
  return String(value);
}

export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export const formatRatio = (a: number, b: number): string => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(1)}×` : "—");

/** `{ "500 internal": 3, connection: 1 }` → "3 × 500 internal, 1 × connection"; "0" without errors. */
export function formatErrors(errors: ReadonlyMap<string, number>): string {
  const total = [...errors.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return "0";
  return [...errors.entries()].map(([kind, n]) => `${n} × ${kind}`).join(", ");
}
