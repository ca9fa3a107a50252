import { getHealth } from "@/lib/health/get-health";
import { json, route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Liveness and database reachability: 200 when the database answers, 503 when it does not. */
export const GET = route({ auth: "public" }, async () => {
  const health = await getHealth();
  return json(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
});
