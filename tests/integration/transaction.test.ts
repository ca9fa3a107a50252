import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { inTransaction } from "@/lib/db/transaction";
import { unique } from "./factories";

describe("inTransaction", () => {
  it("opens a transaction on the client: a failure rolls everything back", async () => {
    const externalId = unique("tx-rollback");
    await expect(
      inTransaction(db, async (tx) => {
        await tx.customer.create({ data: { externalId, name: "Rolled back" } });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db.customer.count({ where: { externalId } })).toBe(0);
  });

  it("joins the caller's transaction instead of opening another", async () => {
    const externalId = unique("tx-join");
    await expect(
      db.$transaction(async (outer) => {
        await inTransaction(outer, async (tx) => {
          await tx.customer.create({ data: { externalId, name: "Joined" } });
        });
        throw new Error("outer fails");
      }),
    ).rejects.toThrow("outer fails");
    expect(await db.customer.count({ where: { externalId } })).toBe(0);
  });
});
