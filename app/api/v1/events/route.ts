import { serializeUsageEvent, serializeUsageEventBatch } from "@/lib/api/usage-resources";
import { requireWithinRateLimit } from "@/lib/http/rate-limit";
import { json, route } from "@/lib/http/route";
import { recordUsageEvents } from "@/lib/metering/record-usage-events";
import { MAX_EVENTS_BODY_BYTES, ZRecordUsageBody } from "@/lib/metering/schemas";

export const dynamic = "force-dynamic";

/** Record one usage event, or a batch of up to 1,000 (all or nothing). */
export const POST = route(
  { auth: { apiKey: "INGEST" }, body: ZRecordUsageBody, maxBodyBytes: MAX_EVENTS_BODY_BYTES },
  async ({ apiKey, body }) => {
    await requireWithinRateLimit(apiKey, body.events.length);
    const recorded = await recordUsageEvents(body.events, { pointer: (index) => (body.batch ? `/events/${index}` : "") });
    if (body.batch) return serializeUsageEventBatch(recorded);
    const [event] = recorded as [(typeof recorded)[number]];
    return json(serializeUsageEvent(event), { status: event.duplicate ? 200 : 201 });
  },
);
