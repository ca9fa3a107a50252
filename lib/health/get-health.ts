import { db } from "@/lib/db";
import { pingDatabase } from "./health-query";

export type THealth = {
  status: "ok" | "degraded";
  database: { reachable: boolean; latency_ms: number | null };
};

/** Reports whether the database answers, and how fast; never throws. */
export async function getHealth(timeoutMs = 2_000): Promise<THealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      pingDatabase(db),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("database health check timed out")), timeoutMs);
      }),
    ]);
    const latency = Math.round((performance.now() - started) * 10) / 10;
    return { status: "ok", database: { reachable: true, latency_ms: latency } };
  } catch {
    return { status: "degraded", database: { reachable: false, latency_ms: null } };
  } finally {
    clearTimeout(timer);
  }
}
