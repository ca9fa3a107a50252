// One connector's page: the connector without its sealed secret, a page of its runs (newest first,
// 20 a page; `runsBefore` is the last run id of the page before) and, for HubSpot, every customer a
// sync considers or has a company link for, with that link and its error in the last run. Throws
// not_found.
import { db as defaultDb, type ConnectorLinkSource, type ConnectorRunStatus, type ConnectorRunTrigger, type Prisma, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { TConnectorRowError } from "./types";

export const CONNECTOR_RUNS_PAGE_SIZE = 20;

export type TConnectorRunRow = {
  id: string;
  trigger: ConnectorRunTrigger;
  status: ConnectorRunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  /** Who pressed "Run now" (null for scheduled runs, or a user since deleted). */
  triggeredByEmail: string | null;
  rowsRead: number;
  recordedCount: number;
  unchangedCount: number;
  errorCount: number;
  /** The run's first errors (errorCount has them all). */
  errors: TConnectorRowError[];
  error: string | null;
};

export type TConnectorCompany = {
  customerId: string;
  name: string;
  externalId: string;
  email: string | null;
  link: { externalId: string; source: ConnectorLinkSource; lastSyncedAt: Date | null } | null;
  /** This customer's error in the connector's last finished run (its ref is the customer's external id). */
  lastRunError: TConnectorRowError | null;
};

export type TConnectorDetail = Omit<Prisma.ConnectorModel, "secretCiphertext"> & {
  runs: TConnectorRunRow[];
  /** The `runsBefore` of the next (older) page; null on the last page. */
  runsNextCursor: string | null;
  /** HUBSPOT only: customers with errors in the last run first, then by name. */
  companies: TConnectorCompany[] | null;
};

const RUN_SELECT = {
  id: true,
  trigger: true,
  status: true,
  startedAt: true,
  finishedAt: true,
  triggeredById: true,
  rowsRead: true,
  recordedCount: true,
  unchangedCount: true,
  errorCount: true,
  errors: true,
  error: true,
} as const satisfies Prisma.ConnectorRunSelect;

export async function getConnector(connectorId: string, options: { runsBefore?: string } = {}, db: TDb = defaultDb): Promise<TConnectorDetail> {
  const connector = await db.connector.findUnique({ where: { id: connectorId }, omit: { secretCiphertext: true } });
  if (!connector) throw new AppError("not_found", "No such connector.");
  const [{ runs, runsNextCursor }, companies] = await Promise.all([
    findRunsPage(db, connectorId, options.runsBefore),
    connector.kind === "HUBSPOT" ? findCompanies(db, connectorId) : null,
  ]);
  return { ...connector, runs, runsNextCursor, companies };
}

async function findRunsPage(db: TDb, connectorId: string, runsBefore: string | undefined): Promise<{ runs: TConnectorRunRow[]; runsNextCursor: string | null }> {
  // A cursor of another connector's (or no) run is ignored: the first page.
  const cursor = runsBefore ? await db.connectorRun.findFirst({ where: { id: runsBefore, connectorId }, select: { id: true, startedAt: true } }) : null;
  const rows = await db.connectorRun.findMany({
    where: { connectorId, ...(cursor ? { OR: [{ startedAt: { lt: cursor.startedAt } }, { startedAt: cursor.startedAt, id: { lt: cursor.id } }] } : {}) },
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: CONNECTOR_RUNS_PAGE_SIZE + 1,
    select: RUN_SELECT,
  });
  const page = rows.slice(0, CONNECTOR_RUNS_PAGE_SIZE);
  const userIds = [...new Set(page.flatMap((run) => run.triggeredById ?? []))];
  const users = userIds.length > 0 ? await db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } }) : [];
  const emails = new Map(users.map((user) => [user.id, user.email]));
  return {
    runs: page.map(({ triggeredById, errors, ...run }) => ({
      ...run,
      triggeredByEmail: triggeredById ? (emails.get(triggeredById) ?? null) : null,
      errors: toRowErrors(errors),
    })),
    runsNextCursor: rows.length > CONNECTOR_RUNS_PAGE_SIZE ? (page.at(-1)?.id ?? null) : null,
  };
}

/** Non-archived customers with a live subscription (what a sync pushes) or a link to this connector. */
async function findCompanies(db: TDb, connectorId: string): Promise<TConnectorCompany[]> {
  const [customers, lastRun] = await Promise.all([
    db.customer.findMany({
      where: { archivedAt: null, OR: [{ subscriptions: { some: { endedAt: null } } }, { connectorLinks: { some: { connectorId } } }] },
      orderBy: [{ name: "asc" }, { id: "asc" }],
      select: {
        id: true,
        name: true,
        externalId: true,
        email: true,
        connectorLinks: { where: { connectorId }, select: { externalId: true, source: true, lastSyncedAt: true } },
      },
    }),
    db.connectorRun.findFirst({
      where: { connectorId, status: { not: "RUNNING" } },
      orderBy: [{ startedAt: "desc" }, { id: "desc" }],
      select: { errors: true },
    }),
  ]);
  const errors = new Map<string, TConnectorRowError>();
  for (const error of toRowErrors(lastRun?.errors ?? [])) if (!errors.has(error.ref)) errors.set(error.ref, error);
  const companies = customers.map(({ id, connectorLinks, ...customer }) => ({
    customerId: id,
    ...customer,
    link: connectorLinks[0] ?? null,
    lastRunError: errors.get(customer.externalId) ?? null,
  }));
  // Stable: by name within each group.
  return companies.sort((a, b) => Number(b.lastRunError !== null) - Number(a.lastRunError !== null));
}

/** A run's stored errors (JSON) as row errors; anything not shaped like one is left out. */
function toRowErrors(value: Prisma.JsonValue): TConnectorRowError[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) return [];
    const { ref, code, detail } = entry;
    return typeof ref === "string" && typeof detail === "string" ? [{ ref, code: typeof code === "string" ? code : "error", detail }] : [];
  });
}
