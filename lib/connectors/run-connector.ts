// One run of a connector, whatever its kind, kept as a connector_runs row: claimed with a lease on
// the connector (one run at a time, however many workers and admins ask), then the kind's own work,
// then the counts, the row errors and the run's error on the run and on the connector. A failure is
// always a FAILED run with its reason, never a run that "recorded 0".
import { recordAudit } from "@/lib/audit/record-audit";
import { db as defaultDb, type ConnectorRunStatus, type ConnectorRunTrigger, type Prisma } from "@/lib/db";
import { AppError, isAppError } from "@/lib/errors";
import { runSqlSource } from "./postgres/run-sql-source";
import { openSecret } from "./secret-box";
import { ConnectorError, type TConnectorRowError, type TConnectorRunResult } from "./types";

/** A run older than this is a crashed worker's: its lease may be taken over. */
export const CONNECTOR_LEASE_MS = 15 * 60_000;
/** A run keeps its first errors (its count has them all). */
export const MAX_KEPT_ERRORS = 100;

export type TConnectorRunOutcome = { runId: string; status: ConnectorRunStatus; result: TConnectorRunResult; error: string | null };

const EMPTY_RESULT: TConnectorRunResult = { rowsRead: 0, recorded: 0, unchanged: 0, errors: [] };

/**
 * Null when a scheduled run finds the connector busy or its slot already run. A manual run of a
 * busy connector is a 409.
 */
export async function runConnector(
  connectorId: string,
  options: { trigger: ConnectorRunTrigger; runKey?: string; now?: Date; triggeredById?: string; db?: typeof defaultDb },
): Promise<TConnectorRunOutcome | null> {
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const connector = await claimConnector(db, connectorId, now, options.trigger);
  if (!connector) return null;

  let runId: string;
  try {
    const run = await db.connectorRun.create({
      data: { connectorId, trigger: options.trigger, runKey: options.runKey ?? null, triggeredById: options.triggeredById ?? null, startedAt: now },
      select: { id: true },
    });
    runId = run.id;
  } catch (error) {
    await db.connector.update({ where: { id: connectorId }, data: { runningSince: null } });
    if (options.runKey && error instanceof Error && "code" in error && error.code === "P2002") return null; // this slot ran
    throw error;
  }

  let result = EMPTY_RESULT;
  let failure: string | null = null;
  try {
    result = await work(connector, now, db);
  } catch (error) {
    failure = describeFailure(error);
  }
  const status: ConnectorRunStatus = failure ? "FAILED" : result.errors.length > 0 ? "PARTIAL" : "SUCCEEDED";
  const lastError = failure ?? (result.errors.length > 0 ? summarizeRowErrors(result.errors) : null);

  await db.$transaction(async (tx) => {
    await tx.connectorRun.update({
      where: { id: runId },
      data: {
        status,
        finishedAt: new Date(),
        rowsRead: result.rowsRead,
        recordedCount: result.recorded,
        unchangedCount: result.unchanged,
        errorCount: result.errors.length,
        errors: result.errors.slice(0, MAX_KEPT_ERRORS),
        error: failure,
      },
    });
    await tx.connector.update({ where: { id: connectorId }, data: { runningSince: null, lastRunAt: now, lastStatus: status, lastError } });
    if (options.trigger === "MANUAL" && options.triggeredById) {
      await recordAudit(tx, {
        actor: { kind: "USER", userId: options.triggeredById },
        action: "connector.run",
        entityType: "connector",
        entityId: connectorId,
        after: { runId, status, rowsRead: result.rowsRead, recorded: result.recorded, unchanged: result.unchanged, errors: result.errors.length, error: failure },
      });
    }
  });
  return { runId, status, result, error: failure };
}

async function claimConnector(db: typeof defaultDb, connectorId: string, now: Date, trigger: ConnectorRunTrigger): Promise<Prisma.ConnectorModel | null> {
  const claimed = await db.connector.updateMany({
    where: { id: connectorId, OR: [{ runningSince: null }, { runningSince: { lt: new Date(now.getTime() - CONNECTOR_LEASE_MS) } }] },
    data: { runningSince: now },
  });
  const connector = await db.connector.findUnique({ where: { id: connectorId } });
  if (!connector) throw new AppError("not_found", "No such connector.");
  if (claimed.count === 1) return connector;
  if (trigger === "SCHEDULE") return null;
  throw new AppError("conflict", `${connector.name} is already running (since ${connector.runningSince?.toISOString().slice(11, 19)} UTC); its run will show below when it ends.`);
}

async function work(connector: Prisma.ConnectorModel, now: Date, db: typeof defaultDb): Promise<TConnectorRunResult> {
  if (connector.kind === "POSTGRES") {
    if (!connector.query || !connector.mode || !connector.keyPrefix) throw new ConnectorError("misconfigured", "The source has no query.");
    const { events: _events, ...result } = await runSqlSource(
      { id: connector.id, query: connector.query, mode: connector.mode, keyPrefix: connector.keyPrefix, secretCiphertext: connector.secretCiphertext },
      { now, db },
    );
    return result;
  }
  const accessToken = openSecret(connector.secretCiphertext);
  // Loaded when a HubSpot connector runs: a worker with only SQL sources never loads HubSpot's client.
  const [{ findUsageSummaries }, { syncHubSpotCompanies }] = await Promise.all([import("./find-usage-summaries"), import("./hubspot/sync-hubspot-companies")]);
  const summaries = await findUsageSummaries({ now, db });
  return syncHubSpotCompanies({ id: connector.id, accessToken, apiBaseUrl: connector.apiBaseUrl }, summaries, { now, db });
}

/** For admins: a connector's or Tally's own words; anything unforeseen is logged and named only as such. */
function describeFailure(error: unknown): string {
  if (error instanceof ConnectorError) return error.message;
  if (isAppError(error) && error.code !== "internal") return error.message;
  console.error("connector run failed", error);
  return "The run failed on an unexpected error (the worker's log has the details); nothing of this run's failed chunk was kept.";
}

function summarizeRowErrors(errors: readonly TConnectorRowError[]): string {
  const first = errors[0] as TConnectorRowError;
  return `${errors.length.toLocaleString("en-US")} ${errors.length === 1 ? "row was" : "rows were"} not recorded — ${first.ref}: ${first.detail}`;
}
