// Every customer by name, archived ones included (history still names them; a picker that offers
// only live customers filters on `archived`), for the customer selects of the staff pages (the audit
// log filter, dispute downloads): ids, names and external ids only.
import { db as defaultDb, type TDb } from "@/lib/db";

export type TCustomerOption = { id: string; name: string; externalId: string; archived: boolean };

export async function findCustomerOptions(db: TDb = defaultDb): Promise<TCustomerOption[]> {
  const rows = await db.customer.findMany({
    orderBy: [{ name: "asc" }, { id: "asc" }],
    select: { id: true, name: true, externalId: true, archivedAt: true },
  });
  return rows.map(({ archivedAt, ...row }) => ({ ...row, archived: archivedAt !== null }));
}
