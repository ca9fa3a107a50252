// The meter list of the meters page and the plan editor's picker (billable meters only).
import { describe, expect, it } from "vitest";
import { findMeters } from "@/lib/catalog/find-meters";
import { db } from "@/lib/db";
import { adminContext, meter, slug } from "./catalog-helpers";

describe("findMeters", () => {
  it("lists active meters before archived ones; the billable list leaves out archived and MAX meters", async () => {
    const context = await adminContext();
    const active = await meter(context);
    const archived = await meter(context);
    await db.meter.update({ where: { id: archived.id }, data: { status: "ARCHIVED", archivedAt: new Date() } });
    // MAX cannot be created through the schema (Stripe cannot bill it), but older rows may hold it.
    const maximum = await db.meter.create({ data: { eventName: slug("peak_seats"), displayName: "Peak seats", aggregation: "MAX", unitLabel: "seat" } });

    const all = await findMeters();
    const ids = all.map((row) => row.id);
    expect(ids).toEqual(expect.arrayContaining([active.id, archived.id, maximum.id]));
    const firstArchived = all.findIndex((row) => row.status === "ARCHIVED");
    expect(all.slice(firstArchived).every((row) => row.status === "ARCHIVED")).toBe(true);
    const activeNames = all.filter((row) => row.status === "ACTIVE").map((row) => row.eventName);
    expect(activeNames).toEqual([...activeNames].sort());

    const billable = (await findMeters({ billable: true })).map((row) => row.id);
    expect(billable).toContain(active.id);
    expect(billable).not.toContain(archived.id);
    expect(billable).not.toContain(maximum.id);

    const archivedOnly = (await findMeters({ status: "ARCHIVED" })).map((row) => row.id);
    expect(archivedOnly).toContain(archived.id);
    expect(archivedOnly).not.toContain(active.id);
  });
});
