// `v1.billing.meter.error_report_triggered`: Stripe found meter events it accepted to be invalid
// (asynchronous validation). At this API version this is a thin (v2) event only: it reaches
// event destinations, never classic webhook endpoints, and its push carries no data; the full
// event (the report) is read from Stripe's /v2/core/events. The usage it names is flagged for
// finance: ReportLine.flaggedAt, with the reason in the audit log (action report_line.flagged).
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { getStripe } from "@/lib/stripe/client";
import type { TThinEvent, TWebhookHandler } from "../types";

const EVENT_TYPE = "v1.billing.meter.error_report_triggered";
/** Stripe samples at most a few errors per type; the rest are found by meter and time window. */
const WINDOW_SLACK_MS = 60_000;

const ZErrorReport = z.object({
  developer_message_summary: z.string().optional(),
  reason: z.object({
    error_count: z.number().int(),
    error_types: z.array(
      z.object({
        code: z.string(),
        error_count: z.number().int(),
        sample_errors: z.array(z.object({ error_message: z.string(), request: z.object({ identifier: z.string() }) })),
      }),
    ),
  }),
  validation_start: z.iso.datetime({ offset: true }),
  validation_end: z.iso.datetime({ offset: true }),
});
type TErrorReport = z.infer<typeof ZErrorReport>;

export function v1BillingMeterErrorReportTriggered(event: TThinEvent): TWebhookHandler {
  return async () => {
    const report = ZErrorReport.parse(event.data ?? (await fetchReport(event.id)));
    const stripeMeterId = event.related_object?.type === "billing.meter" ? event.related_object.id : null;
    const samples = report.reason.error_types.flatMap((type) =>
      type.sample_errors.map((sample) => ({ identifier: sample.request.identifier, code: type.code, message: sample.error_message })),
    );
    const unsampled = report.reason.error_count - samples.length;

    return {
      apply: async (tx) => {
        const flaggedAt = new Date();
        const named = await tx.reportLine.findMany({
          where: { identifier: { in: [...new Set(samples.map((sample) => sample.identifier))] } },
          select: { id: true, identifier: true, customerId: true },
        });
        const meter = stripeMeterId ? await tx.meter.findUnique({ where: { stripeMeterId }, select: { id: true } }) : null;
        // Errors Stripe did not sample: every line of the meter sent in the validation window is
        // suspect. Finance looks at a few lines too many rather than miss one.
        const inWindow =
          unsampled > 0 && meter
            ? await tx.reportLine.findMany({
                where: {
                  meterId: meter.id,
                  status: "SENT",
                  id: { notIn: named.map((line) => line.id) },
                  sentAt: {
                    gte: new Date(Date.parse(report.validation_start) - WINDOW_SLACK_MS),
                    lte: new Date(Date.parse(report.validation_end) + WINDOW_SLACK_MS),
                  },
                },
                select: { id: true, identifier: true, customerId: true },
              })
            : [];

        const lines = [...named, ...inWindow];
        if (lines.length === 0) {
          console.warn(JSON.stringify({ level: "warn", msg: "meter error report names no report line of Tally's", event_id: event.id, stripe_meter_id: stripeMeterId }));
          return;
        }
        await tx.reportLine.updateMany({ where: { id: { in: lines.map((line) => line.id) }, flaggedAt: null }, data: { flaggedAt } });
        const byIdentifier = new Map(samples.map((sample) => [sample.identifier, sample]));
        for (const line of lines) {
          const sample = byIdentifier.get(line.identifier);
          await recordAudit(tx, {
            actor: { kind: "SYSTEM" },
            action: "report_line.flagged",
            entityType: "report_line",
            entityId: String(line.id),
            customerId: line.customerId,
            after: {
              flagged_at: flaggedAt,
              source: EVENT_TYPE,
              stripe_event_id: event.id,
              stripe_meter_id: stripeMeterId,
              identifier: line.identifier,
              code: sample?.code ?? null,
              reason: sample
                ? sample.message
                : `${report.developer_message_summary ?? "Invalid meter events"} (sent during the reported validation window; not named by Stripe)`,
              validation_start: report.validation_start,
              validation_end: report.validation_end,
            },
          });
        }
      },
    };
  };
}

/** The full event: a thin push carries ids only. */
async function fetchReport(eventId: string): Promise<TErrorReport> {
  const event = await getStripe().v2.core.events.retrieve(eventId);
  if (event.type !== EVENT_TYPE) throw new Error(`Stripe event ${eventId} is a ${event.type}, not a ${EVENT_TYPE}.`);
  return event.data;
}
