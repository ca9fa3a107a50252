// The sync page's "Recent deliveries": newest first, 50 a page (`cursor`: the last id of the page
// before), optionally only one status or one endpoint, with the endpoint's URL. No payloads.
import { db as defaultDb, type OutboxStatus, type Prisma, type TDb } from "@/lib/db";

export const WEBHOOK_DELIVERIES_PAGE_SIZE = 50;

export type TWebhookDeliverySummary = {
  id: string;
  eventId: string;
  eventType: string;
  endpointId: string;
  endpointUrl: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
};

export type TWebhookDeliveriesPage = { deliveries: TWebhookDeliverySummary[]; nextCursor: string | null };

export async function findWebhookDeliveries(
  options: { status?: OutboxStatus; endpointId?: string; cursor?: string } = {},
  db: TDb = defaultDb,
): Promise<TWebhookDeliveriesPage> {
  const where: Prisma.WebhookDeliveryWhereInput = {};
  if (options.status) where.status = options.status;
  if (options.endpointId) where.endpointId = options.endpointId;
  const rows = await db.webhookDelivery.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: WEBHOOK_DELIVERIES_PAGE_SIZE + 1,
    ...(options.cursor ? { cursor: { id: options.cursor }, skip: 1 } : {}),
    select: {
      id: true,
      eventId: true,
      eventType: true,
      endpointId: true,
      status: true,
      attempts: true,
      nextAttemptAt: true,
      lastAttemptAt: true,
      lastStatusCode: true,
      lastError: true,
      deliveredAt: true,
      createdAt: true,
      endpoint: { select: { url: true } },
    },
  });
  const page = rows.slice(0, WEBHOOK_DELIVERIES_PAGE_SIZE).map(({ endpoint, ...row }) => ({ ...row, endpointUrl: endpoint.url }));
  return { deliveries: page, nextCursor: rows.length > WEBHOOK_DELIVERIES_PAGE_SIZE ? (page.at(-1)?.id ?? null) : null };
}
