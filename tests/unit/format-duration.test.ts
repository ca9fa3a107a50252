import { describe, expect, it } from "vitest";
import { formatDuration } from "@/lib/time/format";

describe("formatDuration", () => {
  it("names a duration in its two largest units, rounded down", () => {
    expect(formatDuration(-5)).toBe("0 s");
    expect(formatDuration(42_900)).toBe("42 s");
    expect(formatDuration(60_000)).toBe("1 min");
    expect(formatDuration(59 * 60_000 + 59_999)).toBe("59 min");
    expect(formatDuration(3 * 3_600_000)).toBe("3 h");
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000 + 30_000)).toBe("3 h 5 min");
    expect(formatDuration(86_400_000)).toBe("1 day");
    expect(formatDuration(2 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000)).toBe("2 days 4 h");
  });
});
