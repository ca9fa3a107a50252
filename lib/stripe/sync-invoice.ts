// Converges Tally's copy of one Stripe invoice (Invoice + InvoiceLine) to what Stripe says now.
// Safe to run twice, concurrently and out of order: the copy never moves back to an earlier
// status (draft < open < uncollectible < paid / void), and within one status a snapshot read
// earlier than the stored one is dropped. A finalized invoice's applied billing credits are
// recorded against Tally's credits too (lib/credits/record-credit-applications.ts), and the write
// that first takes the copy out of draft records the `invoice.finalized` webhook with it
// (lib/webhooks/record-invoice-finalized-webhook.ts): all in one transaction.
import type Stripe from "stripe";
import { fetchAppliedCreditGrants, recordCreditApplications, type TAppliedCreditGrant } from "@/lib/credits/record-credit-applications";
import { db as defaultDb, InvoiceStatus, type Prisma, type TDb } from "@/lib/db";
import { inTransaction } from "@/lib/db/transaction";
import { getStripe } from "@/lib/stripe/client";
import { recordInvoiceFinalizedWebhook } from "@/lib/webhooks/record-invoice-finalized-webhook";

/** What Stripe said about one invoice, and when we asked. */
export type TInvoiceSnapshot =
  | { found: true; invoice: Stripe.Invoice; lines: Stripe.InvoiceLineItem[]; appliedCreditGrants: TAppliedCreditGrant[]; fetchedAt: Date }
  | { found: false; stripeInvoiceId: string; fetchedAt: Date };

export type TSyncInvoiceResult =
  | { outcome: "created" | "updated"; invoiceId: string }
  /** An older snapshot than the stored one: nothing written. */
  | { outcome: "stale"; invoiceId: string }
  /** The invoice's customer is not one of Tally's. */
  | { outcome: "unknown_customer" }
  /** Stripe no longer has the invoice (a deleted draft): Tally's draft copy is removed. */
  | { outcome: "deleted" };

const STATUS_RANK: Record<InvoiceStatus, number> = { DRAFT: 0, OPEN: 1, UNCOLLECTIBLE: 2, PAID: 3, VOID: 3 };
const STATUSES = Object.values(InvoiceStatus);
/** A snapshot applied outside the caller's transaction gets one of its own (an invoice may have many lines). */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 60_000 };

export async function syncInvoice(stripeInvoiceId: string, db: TDb = defaultDb): Promise<TSyncInvoiceResult> {
  return applyInvoiceSnapshot(await fetchInvoiceSnapshot(stripeInvoiceId), db);
}

/** Reads the invoice and every line (paginated) from Stripe. */
export async function fetchInvoiceSnapshot(stripeInvoiceId: string): Promise<TInvoiceSnapshot> {
  const stripe = getStripe();
  const fetchedAt = new Date();
  let invoice: Stripe.Invoice;
  try {
    invoice = await stripe.invoices.retrieve(stripeInvoiceId);
  } catch (error) {
    if (isResourceMissing(error)) return { found: false, stripeInvoiceId, fetchedAt };
    throw error;
  }
  const lines = invoice.lines.has_more
    ? await stripe.invoices.listLineItems(stripeInvoiceId, { limit: 100 }).autoPagingToArray({ limit: 100_000 })
    : invoice.lines.data;
  return { found: true, invoice, lines, appliedCreditGrants: await fetchAppliedCreditGrants(invoice), fetchedAt };
}

export async function applyInvoiceSnapshot(snapshot: TInvoiceSnapshot, db: TDb = defaultDb): Promise<TSyncInvoiceResult> {
  // A copy of the options: Prisma writes the caller's transaction id into them when it nests.
  return inTransaction(db, (tx) => applyInTransaction(snapshot, tx), { ...TRANSACTION_OPTIONS });
}

async function applyInTransaction(snapshot: TInvoiceSnapshot, db: Prisma.TransactionClient): Promise<TSyncInvoiceResult> {
  if (!snapshot.found) {
    await db.invoice.deleteMany({ where: { stripeInvoiceId: snapshot.stripeInvoiceId, status: "DRAFT" } });
    return { outcome: "deleted" };
  }
  const { invoice, lines, fetchedAt } = snapshot;
  const stripeCustomerId = idOf(invoice.customer);
  const customer = stripeCustomerId ? await db.customer.findUnique({ where: { stripeCustomerId }, select: { id: true, externalId: true, name: true } }) : null;
  if (!customer) {
    console.info(JSON.stringify({ level: "info", msg: "invoice of an unknown customer ignored", stripe_invoice_id: invoice.id, stripe_customer_id: stripeCustomerId }));
    return { outcome: "unknown_customer" };
  }
  await recordCreditApplications(db, invoice.id, snapshot.appliedCreditGrants);
  const stripeSubscriptionId = idOf(invoice.parent?.subscription_details?.subscription ?? null);
  const subscription = stripeSubscriptionId
    ? await db.subscription.findUnique({ where: { stripeSubscriptionId }, select: { id: true } })
    : null;

  const status = toStatus(invoice.status);
  const fields = {
    customerId: customer.id,
    subscriptionId: subscription?.id ?? null,
    number: invoice.number,
    status,
    currency: invoice.currency,
    subtotalMinor: BigInt(invoice.subtotal),
    totalMinor: BigInt(invoice.total),
    amountDueMinor: BigInt(invoice.amount_due),
    periodStart: fromUnix(invoice.period_start),
    periodEnd: fromUnix(invoice.period_end),
    finalizedAt: optionalUnix(invoice.status_transitions.finalized_at),
    paidAt: optionalUnix(invoice.status_transitions.paid_at),
    hostedUrl: invoice.hosted_invoice_url ?? null,
    stripeSyncedAt: fetchedAt,
  };

  const before = await db.invoice.findUnique({ where: { stripeInvoiceId: invoice.id }, select: { status: true } });
  // Insert-or-nothing, then a conditional update: concurrent syncs of one invoice never collide on
  // the unique key, and the row lock taken by the update orders them.
  const inserted = await db.invoice.createMany({ data: [{ stripeInvoiceId: invoice.id, ...fields }], skipDuplicates: true });
  let outcome: "created" | "updated" = "created";
  if (inserted.count === 0) {
    const laterStatuses = STATUSES.filter((candidate) => STATUS_RANK[candidate] < STATUS_RANK[status]);
    const updated = await db.invoice.updateMany({
      where: {
        stripeInvoiceId: invoice.id,
        OR: [
          { status: { in: laterStatuses } },
          { status, OR: [{ stripeSyncedAt: null }, { stripeSyncedAt: { lte: fetchedAt } }] },
        ],
      },
      data: fields,
    });
    outcome = "updated";
    if (updated.count === 0) {
      const current = await db.invoice.findUniqueOrThrow({ where: { stripeInvoiceId: invoice.id }, select: { id: true } });
      return { outcome: "stale", invoiceId: current.id };
    }
  }
  const { id: invoiceId } = await db.invoice.findUniqueOrThrow({ where: { stripeInvoiceId: invoice.id }, select: { id: true } });

  const lineRows = lines.map((line) => ({ stripeLineId: line.id, ...toLine(line) }));
  await db.invoiceLine.deleteMany({ where: { invoiceId, stripeLineId: { notIn: lineRows.map((line) => line.stripeLineId) } } });
  for (const { stripeLineId, ...data } of lineRows) {
    await db.invoiceLine.upsert({
      where: { invoiceId_stripeLineId: { invoiceId, stripeLineId } },
      create: { invoiceId, stripeLineId, ...data },
      update: data,
    });
  }

  // Out of draft for the first time: whichever path saw it first tells the vendor, once.
  if (status !== "DRAFT" && (before === null || before.status === "DRAFT")) {
    await recordInvoiceFinalizedWebhook(db, {
      invoice: { stripeInvoiceId: invoice.id, ...fields, lines: lineRows },
      customer: { id: customer.id, externalId: customer.externalId, name: customer.name },
      createdAt: fetchedAt,
    });
  }
  return { outcome, invoiceId };
}

function toLine(line: Stripe.InvoiceLineItem) {
  const price = line.pricing?.price_details?.price;
  const quantity = line.quantity_decimal != null ? line.quantity_decimal.toString() : line.quantity;
  return {
    description: line.description ?? "",
    stripePriceId: price ? idOf(price) : null,
    quantity: quantity ?? null,
    amountMinor: BigInt(line.amount),
    periodStart: fromUnix(line.period.start),
    periodEnd: fromUnix(line.period.end),
    proration: line.parent?.subscription_item_details?.proration ?? line.parent?.invoice_item_details?.proration ?? false,
  };
}

function toStatus(status: Stripe.Invoice.Status | null): InvoiceStatus {
  switch (status) {
    case "open":
      return "OPEN";
    case "paid":
      return "PAID";
    case "uncollectible":
      return "UNCOLLECTIBLE";
    case "void":
      return "VOID";
    default:
      return "DRAFT";
  }
}

function idOf(value: string | { id?: string } | null): string | null {
  if (value === null) return null;
  return typeof value === "string" ? value : (value.id ?? null);
}

function fromUnix(seconds: number): Date {
  return new Date(seconds * 1000);
}

function optionalUnix(seconds: number | null | undefined): Date | null {
  return seconds == null ? null : fromUnix(seconds);
}

function isResourceMissing(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "resource_missing";
}
