// The naive baseline `npm run bench` compares POST /api/v1/events against: the same auth, body and
// answers, but ingestion written the way tutorials write it: for every event, look up the customer,
// look up the meter, upsert the event and upsert its hourly rollup, one Prisma call at a time, with
// no transaction and no batching. Deliberately not how Tally records events; never enabled unless
// TALLY_BENCH_ROUTES=1 (a 404 otherwise).
import { createHash } from "node:crypto";
import { serializeUsageEvent, serializeUsageEventBatch } from "@/lib/api/usage-resources";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { problemResponse } from "@/lib/http/problem";
import { json, route } from "@/lib/http/route";
import type { TRecordedEvent } from "@/lib/metering/record-usage-events";
import { MAX_EVENTS_BODY_BYTES, ZRecordUsageBody, type TUsageEventInput } from "@/lib/metering/schemas";

export const dynamic = "force-dynamic";

const HOUR_MS = 60 * 60 * 1000;

const naiveRecord = route(
  { auth: { apiKey: "INGEST" }, body: ZRecordUsageBody, maxBodyBytes: MAX_EVENTS_BODY_BYTES },
  async ({ body }) => {
    const recorded: TRecordedEvent[] = [];
    for (const event of body.events) recorded.push(await recordOne(event));
    if (body.batch) return serializeUsageEventBatch(recorded);
    return json(serializeUsageEvent(recorded[0] as TRecordedEvent), { status: 201 });
  },
);

export async function POST(request: Request): Promise<Response> {
  if (!env.TALLY_BENCH_ROUTES) {
    return problemResponse(new AppError("not_found", "No such route."), { instance: new URL(request.url).pathname });
  }
  return naiveRecord(request);
}

async function recordOne(input: TUsageEventInput): Promise<TRecordedEvent> {
  const customer = await db.customer.findUnique({ where: { externalId: input.customer } });
  if (!customer) throw new AppError("unprocessable", `No customer has the external id "${input.customer}".`);
  const meter = await db.meter.findUnique({ where: { eventName: input.meter } });
  if (!meter) throw new AppError("unprocessable", `No meter has the event name "${input.meter}".`);

  const quantity = String(input.value ?? 1);
  const occurredAt = input.timestamp === undefined ? new Date() : typeof input.timestamp === "number" ? new Date(input.timestamp * 1000) : new Date(input.timestamp);
  const payloadHash = new Uint8Array(createHash("sha256").update(JSON.stringify(input)).digest());

  const event = await db.usageEvent.upsert({
    where: { customerId_idempotencyKey: { customerId: customer.id, idempotencyKey: input.idempotency_key } },
    create: {
      customerId: customer.id,
      meterId: meter.id,
      idempotencyKey: input.idempotency_key,
      quantity,
      payloadHash,
      properties: input.properties,
      occurredAt,
    },
    update: {},
  });
  const hourStart = new Date(Math.floor(occurredAt.getTime() / HOUR_MS) * HOUR_MS);
  await db.usageRollup.upsert({
    where: { customerId_meterId_hourStart: { customerId: customer.id, meterId: meter.id, hourStart } },
    create: { customerId: customer.id, meterId: meter.id, hourStart, quantity, eventCount: 1 },
    update: { quantity: { increment: quantity }, eventCount: { increment: 1 } },
  });

  return {
    id: event.id.toString(),
    idempotencyKey: event.idempotencyKey,
    customer: input.customer,
    meter: input.meter,
    quantity: event.quantity.toString(),
    occurredAt: event.occurredAt,
    receivedAt: event.receivedAt,
    duplicate: false,
    late: false,
  };
}
