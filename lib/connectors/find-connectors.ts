// The connectors page's list, by name: every connector without its sealed secret (its hint stays),
// with the counts of its last finished run. One small indexed query per connector for that run
// (connectors are few; a nested `take` would read every run).
import { db as defaultDb, type ConnectorRunStatus, type ConnectorRunTrigger, type Prisma, type TDb } from "@/lib/db";

export type TConnectorSummary = Omit<Prisma.ConnectorModel, "secretCiphertext"> & {
  lastRun: {
    id: string;
    trigger: ConnectorRunTrigger;
    status: ConnectorRunStatus;
    startedAt: Date;
    finishedAt: Date | null;
    rowsRead: number;
    recordedCount: number;
    unchangedCount: number;
    errorCount: number;
  } | null;
};

const LAST_RUN_SELECT = {
  id: true,
  trigger: true,
  status: true,
  startedAt: true,
  finishedAt: true,
  rowsRead: true,
  recordedCount: true,
  unchangedCount: true,
  errorCount: true,
} as const satisfies Prisma.ConnectorRunSelect;

export async function findConnectors(db: TDb = defaultDb): Promise<TConnectorSummary[]> {
  const connectors = await db.connector.findMany({ orderBy: [{ name: "asc" }, { id: "asc" }], omit: { secretCiphertext: true } });
  return Promise.all(
    connectors.map(async (connector) => ({
      ...connector,
      lastRun: await db.connectorRun.findFirst({
        where: { connectorId: connector.id, status: { not: "RUNNING" } },
        orderBy: [{ startedAt: "desc" }, { id: "desc" }],
        select: LAST_RUN_SELECT,
      }),
    })),
  );
}
