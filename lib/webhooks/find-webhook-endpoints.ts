// The sync page's endpoint list, newest first, with the signing secret (admins reveal and copy it
// for their receiver) and how many of its deliveries wait or failed.
import { db as defaultDb, type TDb } from "@/lib/db";

export type TWebhookEndpointSummary = {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  secret: string;
  disabledAt: Date | null;
  createdAt: Date;
  pendingDeliveries: number;
  failedDeliveries: number;
};

export async function findWebhookEndpoints(db: TDb = defaultDb): Promise<TWebhookEndpointSummary[]> {
  const [endpoints, counts] = await Promise.all([
    db.webhookEndpoint.findMany({
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true, url: true, description: true, eventTypes: true, secret: true, disabledAt: true, createdAt: true },
    }),
    db.webhookDelivery.groupBy({ by: ["endpointId", "status"], where: { status: { in: ["PENDING", "FAILED"] } }, _count: { _all: true } }),
  ]);
  const countOf = (endpointId: string, status: "PENDING" | "FAILED") =>
    counts.find((row) => row.endpointId === endpointId && row.status === status)?._count._all ?? 0;
  return endpoints.map((endpoint) => ({ ...endpoint, pendingDeliveries: countOf(endpoint.id, "PENDING"), failedDeliveries: countOf(endpoint.id, "FAILED") }));
}
