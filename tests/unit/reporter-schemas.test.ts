// What the sync page's "Retry" buttons may send: the lines by id, or every line of one code.
import { describe, expect, it } from "vitest";
import { ZReleaseReportLinesInput } from "@/lib/stripe/reporter/schemas";

describe("ZReleaseReportLinesInput", () => {
  it("takes line ids (deduplicated) or a code", () => {
    expect(ZReleaseReportLinesInput.parse({ lineIds: ["12", "9223372036854775807", "12"] })).toEqual({ lineIds: ["12", "9223372036854775807"] });
    expect(ZReleaseReportLinesInput.parse({ heldCode: " no_subscription " })).toEqual({ heldCode: "no_subscription" });
  });

  it("refuses both, neither, an empty list, ids that are no bigint and unknown fields", () => {
    for (const input of [
      { lineIds: ["1"], heldCode: "no_subscription" },
      {},
      { lineIds: [] },
      { lineIds: ["0"] },
      { lineIds: ["-1"] },
      { lineIds: ["1.5"] },
      { lineIds: ["9223372036854775808"] },
      { heldCode: "  " },
      { heldCode: "no_subscription", status: "SENT" },
    ]) {
      expect(ZReleaseReportLinesInput.safeParse(input).success, JSON.stringify(input)).toBe(false);
    }
  });
});
