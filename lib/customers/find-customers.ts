// The customers list: search by name, external id or email (case-insensitive, substring), a page
// at a time, newest first.
import { db as defaultDb, type Prisma, type TDb } from "@/lib/db";

export type TFindCustomersQuery = { search?: string; page?: number; pageSize?: number };
export type TCustomersPage = { customers: Prisma.CustomerModel[]; total: number; page: number; pageSize: number };

export async function findCustomers(query: TFindCustomersQuery = {}, db: TDb = defaultDb): Promise<TCustomersPage> {
  const page = Math.max(1, Math.floor(query.page ?? 1));
  const pageSize = Math.min(100, Math.max(1, Math.floor(query.pageSize ?? 25)));
  const search = query.search?.trim();
  const where: Prisma.CustomerWhereInput = {
    archivedAt: null,
    ...(search
      ? {
          OR: [
            { name: { contains: search, mode: "insensitive" } },
            { externalId: { contains: search, mode: "insensitive" } },
            { email: { contains: search, mode: "insensitive" } },
          ],
        }
      : {}),
  };
  const [customers, total] = await Promise.all([
    db.customer.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], skip: (page - 1) * pageSize, take: pageSize }),
    db.customer.count({ where }),
  ]);
  return { customers, total, page, pageSize };
}
