// The HubSpot client's pacer: never more than `limit` starts in any rolling window, in call order.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createWindowLimiter } from "@/lib/connectors/hubspot/create-window-limiter";

afterEach(() => {
  vi.useRealTimers();
});

describe("createWindowLimiter", () => {
  it("lets `limit` calls start at once, then one more each time the oldest start leaves the window", async () => {
    vi.useFakeTimers({ now: 0 });
    const pace = createWindowLimiter(4, 1_000);
    const starts: [number, number][] = [];
    const calls = Array.from({ length: 10 }, (_, index) => pace().then(() => starts.push([index, Date.now()])));
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all(calls);

    expect(starts.map(([index]) => index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(starts.map(([, at]) => at)).toEqual([0, 0, 0, 0, 1_001, 1_001, 1_001, 1_001, 2_002, 2_002]);
    for (const [, at] of starts) expect(starts.filter(([, other]) => other >= at && other < at + 1_000).length).toBeLessThanOrEqual(4);
  });

  it("does not wait when the window has room", async () => {
    vi.useFakeTimers({ now: 50_000 });
    const pace = createWindowLimiter(2, 10_000);
    await pace();
    await vi.advanceTimersByTimeAsync(10_000);
    await pace();
    await pace();
    expect(Date.now()).toBe(60_000);
  });
});
