// Quota alerts (75 / 90 / 100 % of a meter's included quantity by default; per plan version in
// `alertThresholds`), evaluated by the worker as usage arrives, never on page load. Each pass looks
// at the rollups written since the last pass (a cursor in `worker_cursors`, read with an overlap so
// an ingestion transaction that committed late is not missed) and records every threshold
// reached. In the same transaction it queues the notifications: an email to each member of the
// customer (the highest threshold a meter reached in this pass, one email per meter) and a signed
// `usage.threshold_crossed` webhook per threshold. So an alert and its notifications commit
// together, and a threshold fires once per customer, meter and period even with many workers: one
// evaluates at a time (an advisory lock), and the unique key settles any overlap.
import { db as defaultDb, type TDb } from "@/lib/db";
import { env } from "@/lib/env";
import { ExactDecimal, formatQuantity, formatUnits } from "@/lib/money/currency";
import { formatDate } from "@/lib/time/format";
import { recordWebhookEvent } from "@/lib/webhooks/record-webhook-event";
import { recordCrossedThresholds, type TFiredAlertRow } from "./usage-alerts-query";

const CURSOR = "usage_alerts";
/**
 * Rollups carry their transaction's start time, so one written by a transaction that began before the
 * last pass but committed after it has an `updated_at` before that pass: each pass reads this far back
 * again. Ingestion writes in one short statement; should one take longer, its pair is evaluated with
 * its next event. Every pair in the overlap is evaluated again (cheaply: no new alert, nothing queued).
 */
const OVERLAP_MS = 30_000;
const LOCK_KEY = 7_428_311; // pg advisory lock: one alert evaluation at a time

export type TEvaluateAlertsResult = { evaluated: boolean; fired: TFiredAlertRow[]; emails: number; webhooks: number };

export async function evaluateUsageAlerts(options: { customerIds?: string[] } = {}, db: typeof defaultDb = defaultDb): Promise<TEvaluateAlertsResult> {
  return db.$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${LOCK_KEY}) AS locked`;
      if (!lock?.locked) return { evaluated: false, fired: [], emails: 0, webhooks: 0 };
      const [clock] = await tx.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
      const startedAt = clock?.now ?? new Date();
      const cursor = await tx.workerCursor.findUnique({ where: { name: CURSOR } });
      const since = cursor ? new Date(cursor.position.getTime() - OVERLAP_MS) : new Date(0);

      const fired = await recordCrossedThresholds(tx, { since, customerIds: options.customerIds ?? null });
      const notified = fired.length > 0 ? await queueNotifications(tx, fired) : { emails: 0, webhooks: 0 };

      // A scoped evaluation (tests, a flush) leaves the cursor to the full passes.
      if (!options.customerIds) {
        await tx.workerCursor.upsert({ where: { name: CURSOR }, create: { name: CURSOR, position: startedAt }, update: { position: startedAt } });
      }
      return { evaluated: true, fired, ...notified };
    },
    { timeout: 60_000 },
  );
}

async function queueNotifications(tx: TDb, fired: TFiredAlertRow[]): Promise<{ emails: number; webhooks: number }> {
  const customerIds = [...new Set(fired.map((alert) => alert.customer_id))];
  const meterIds = [...new Set(fired.map((alert) => alert.meter_id))];
  // One query at a time: a transaction has one connection.
  const customers = await tx.customer.findMany({
    where: { id: { in: customerIds } },
    select: { id: true, name: true, externalId: true, memberships: { where: { user: { disabledAt: null } }, select: { user: { select: { id: true, email: true, name: true } } } } },
  });
  const meters = await tx.meter.findMany({ where: { id: { in: meterIds } }, select: { id: true, eventName: true, displayName: true, unitLabel: true } });
  const customerById = new Map(customers.map((customer) => [customer.id, customer]));
  const meterById = new Map(meters.map((meter) => [meter.id, meter]));

  let webhooks = 0;
  for (const alert of fired) {
    const customer = customerById.get(alert.customer_id);
    const meter = meterById.get(alert.meter_id);
    if (!customer || !meter) continue;
    webhooks += await recordWebhookEvent(tx, {
      type: "usage.threshold_crossed",
      eventId: `evt_alert_${alert.id}`,
      customerId: customer.id,
      usageAlertId: alert.id,
      data: {
        alert_id: alert.id,
        customer: { id: customer.id, external_id: customer.externalId, name: customer.name },
        meter: { id: meter.id, event_name: meter.eventName, name: meter.displayName },
        threshold_percent: alert.threshold,
        usage: alert.usage_quantity,
        included: alert.included_quantity,
        percent_used: percentOf(alert),
        period: { start: alert.period_start.toISOString(), end: alert.period_end.toISOString() },
      },
    });
  }

  // One email per customer and meter: the highest threshold this pass recorded.
  const highest = new Map<string, TFiredAlertRow>();
  for (const alert of fired) {
    const key = `${alert.customer_id}:${alert.meter_id}`;
    const current = highest.get(key);
    if (!current || alert.threshold > current.threshold) highest.set(key, alert);
  }
  const emails = [...highest.values()].flatMap((alert) => {
    const customer = customerById.get(alert.customer_id);
    const meter = meterById.get(alert.meter_id);
    if (!customer || !meter) return [];
    const message = composeAlertEmail(alert, customer, meter);
    return customer.memberships.map(({ user }) => ({
      dedupKey: `usage-alert:${alert.id}:${user.id}`,
      toAddress: user.email,
      subject: message.subject,
      text: message.text,
      usageAlertId: alert.id,
    }));
  });
  const created = emails.length > 0 ? await tx.emailMessage.createMany({ data: emails, skipDuplicates: true }) : { count: 0 };
  return { emails: created.count, webhooks };
}

function percentOf(alert: TFiredAlertRow): string {
  return new ExactDecimal(alert.usage_quantity).div(alert.included_quantity).times(100).toDecimalPlaces(1).toFixed(1);
}

function composeAlertEmail(
  alert: TFiredAlertRow,
  customer: { id: string; name: string },
  meter: { displayName: string; unitLabel: string },
): { subject: string; text: string } {
  const used = formatQuantity(new ExactDecimal(alert.usage_quantity));
  const included = formatUnits(new ExactDecimal(alert.included_quantity), meter.unitLabel);
  const over = alert.threshold >= 100;
  const subject = over
    ? `${customer.name}: you have used all of your included ${meter.displayName}`
    : `${customer.name}: you have used ${alert.threshold}% of your included ${meter.displayName}`;
  const dashboard = `${env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`}/dashboard/${customer.id}`;
  const text = [
    `Hello,`,
    ``,
    `${customer.name} has used ${used} of the ${included} included in the billing period that ends on ${formatDate(alert.period_end)} (UTC) — ${percentOf(alert)}%.`,
    over ? `Usage above the included quantity is billed as overage on your next invoice.` : `Usage above the included quantity will be billed as overage.`,
    ``,
    `See your usage, the projected invoice and the plans that fit it: ${dashboard}`,
    ``,
    `— Tally`,
  ].join("\n");
  return { subject, text };
}
