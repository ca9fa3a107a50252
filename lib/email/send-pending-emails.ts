// Sends the email outbox (email_messages): the worker calls it each pass; any number of workers may.
// Due PENDING messages are leased in one statement (email-messages-query.ts), sent one by one over
// SMTP outside any transaction, then marked: SENT (and the usage alert's email_sent_at), retried
// later with backoff, or FAILED (a permanent refusal, or out of attempts). A worker that dies
// between the send and the mark leaves the message to be sent again after its lease: delivery is
// at least once, and every copy carries the same Message-ID and X-Tally-Dedup-Key.
import { db as defaultDb, type TDb } from "@/lib/db";
import { env } from "@/lib/env";
import { classifySmtpError } from "./classify-smtp-error";
import { leaseDueEmails, markEmailFailed, markEmailForRetry, markEmailSent, releaseEmails, type TLeasedEmailRow } from "./email-messages-query";
import { emailTransportFromEnv, type TEmailTransport } from "./email-transport";

export type TSendPendingEmailsOptions = {
  /** The clock (tests freeze it). */
  now?: Date;
  /** Messages one call leases at most. */
  limit?: number;
  /** Attempts before a message that keeps failing is FAILED. */
  maxAttempts?: number;
  /** Only these messages (tests share one database). */
  ids?: string[];
  /** Instead of SMTP_URL's (tests). */
  transport?: TEmailTransport;
};

export type TSendPendingEmailsResult = {
  sent: number;
  retried: number;
  failed: number;
  /** false: SMTP_URL is unset, so nothing was sent and messages stay PENDING. */
  configured: boolean;
};

/** How long a leased message is its worker's before another may send it. */
const LEASE_MS = 2 * 60_000;
/**
 * Sends start only in the first half of the lease: with each step of a send limited to 10 s
 * (email-transport.ts), a send that starts in time ends before another worker could take the message.
 */
const SEND_WINDOW_MS = LEASE_MS / 2;

export async function sendPendingEmails(options: TSendPendingEmailsOptions = {}, db: TDb = defaultDb): Promise<TSendPendingEmailsResult> {
  const transport = options.transport ?? emailTransportFromEnv();
  const result: TSendPendingEmailsResult = { sent: 0, retried: 0, failed: 0, configured: transport !== null };
  if (!transport) return result;

  const now = options.now ?? new Date();
  const maxAttempts = options.maxAttempts ?? 8;
  const leased = await leaseDueEmails(db, {
    now,
    leaseUntil: new Date(now.getTime() + LEASE_MS),
    limit: options.limit ?? 50,
    ids: options.ids ?? null,
  });

  const started = performance.now();
  const untried: TLeasedEmailRow[] = [];
  /** Set when the server (not a message) failed: the rest of the batch waits until then. */
  let serverDownUntil: Date | null = null;
  for (const message of leased) {
    if (serverDownUntil || performance.now() - started > SEND_WINDOW_MS) {
      untried.push(message);
      continue;
    }
    const error = await send(transport, message).then(
      () => null,
      (failure: unknown) => failure ?? new Error("unknown send failure"),
    );
    if (error === null) {
      await markEmailSent(db, { id: message.id, sentAt: options.now ?? new Date() });
      result.sent += 1;
      continue;
    }
    const outcome = classifySmtpError(error, message.attempts);
    if (outcome.kind === "failed" || message.attempts >= maxAttempts) {
      await markEmailFailed(db, { id: message.id, attempts: message.attempts, error: outcome.error });
      result.failed += 1;
    } else {
      const nextAttemptAt = new Date(now.getTime() + outcome.delayMs);
      await markEmailForRetry(db, { id: message.id, attempts: message.attempts, nextAttemptAt, error: outcome.error });
      result.retried += 1;
      if (outcome.serverWide) serverDownUntil = nextAttemptAt;
    }
  }
  await releaseEmails(db, { leases: untried, nextAttemptAt: serverDownUntil ?? now });
  return result;
}

async function send(transport: TEmailTransport, message: TLeasedEmailRow): Promise<void> {
  await transport.sendMail({
    from: env.TALLY_EMAIL_FROM,
    to: message.to_address,
    subject: message.subject,
    text: message.text,
    html: message.html ?? undefined,
    // The same on every resend of this outbox row, so receivers can recognise a duplicate.
    messageId: `<${message.id}@${senderDomain(env.TALLY_EMAIL_FROM)}>`,
    headers: { "X-Tally-Dedup-Key": message.dedup_key },
  });
}

function senderDomain(from: string): string {
  return /@([^\s>]+)/.exec(from)?.[1] ?? "tally.localhost";
}
