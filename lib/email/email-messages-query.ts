// SQL of the email outbox (email_messages). A due PENDING message is leased in one statement
// (FOR UPDATE SKIP LOCKED, so workers never take the same row; its next_attempt_at pushed past the
// lease, its attempt counted), sent outside any transaction, then marked. Every mark requires
// status PENDING, so a message marked by one worker is never changed back by another; a retry or
// failure also requires the attempt count of its lease, so a worker whose lease ran out cannot
// undo the lease of the worker that took the message after it.
import type { TDb } from "@/lib/db";

export type TLeasedEmailRow = {
  id: string;
  dedup_key: string;
  to_address: string;
  subject: string;
  text: string;
  html: string | null;
  usage_alert_id: string | null;
  /** This attempt included. */
  attempts: number;
};

/** Takes up to `limit` due PENDING messages (of `ids` only, when given) until `leaseUntil`, longest due first. */
export async function leaseDueEmails(
  db: TDb,
  options: { now: Date; leaseUntil: Date; limit: number; ids: string[] | null },
): Promise<TLeasedEmailRow[]> {
  const { now, leaseUntil, limit, ids } = options;
  return db.$queryRaw<TLeasedEmailRow[]>`
    WITH due AS (
      SELECT id, next_attempt_at FROM email_messages
      WHERE status = 'PENDING' AND next_attempt_at <= ${now}
        AND (${ids}::uuid[] IS NULL OR id = ANY(${ids}::uuid[]))
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ),
    leased AS (
      UPDATE email_messages e SET next_attempt_at = ${leaseUntil}, attempts = e.attempts + 1
      FROM due WHERE e.id = due.id
      RETURNING e.id, e.dedup_key, e.to_address, e.subject, e.text, e.html, e.usage_alert_id, e.attempts, due.next_attempt_at AS due_at
    )
    SELECT id, dedup_key, to_address, subject, text, html, usage_alert_id, attempts FROM leased ORDER BY due_at, id`;
}

/** The server accepted it: SENT, and its usage alert's email_sent_at set (the first time). */
export async function markEmailSent(db: TDb, options: { id: string; sentAt: Date }): Promise<boolean> {
  const { id, sentAt } = options;
  const rows = await db.$queryRaw<{ marked: number }[]>`
    WITH sent AS (
      UPDATE email_messages SET status = 'SENT', sent_at = ${sentAt}, last_error = NULL
      WHERE id = ${id}::uuid AND status = 'PENDING'
      RETURNING usage_alert_id
    ),
    alert AS (
      UPDATE usage_alerts a SET email_sent_at = coalesce(a.email_sent_at, ${sentAt})
      FROM sent WHERE a.id = sent.usage_alert_id
      RETURNING a.id
    )
    SELECT count(*)::int AS marked FROM sent`;
  return (rows[0]?.marked ?? 0) > 0;
}

/** Not delivered this time: tried again from `nextAttemptAt`. */
export async function markEmailForRetry(db: TDb, options: { id: string; attempts: number; nextAttemptAt: Date; error: string }): Promise<void> {
  const { id, attempts, nextAttemptAt, error } = options;
  await db.$executeRaw`
    UPDATE email_messages SET next_attempt_at = ${nextAttemptAt}, last_error = ${error}
    WHERE id = ${id}::uuid AND status = 'PENDING' AND attempts = ${attempts}`;
}

/** Refused for good, or out of attempts: FAILED (an admin may retry it). */
export async function markEmailFailed(db: TDb, options: { id: string; attempts: number; error: string }): Promise<void> {
  const { id, attempts, error } = options;
  await db.$executeRaw`
    UPDATE email_messages SET status = 'FAILED', last_error = ${error}
    WHERE id = ${id}::uuid AND status = 'PENDING' AND attempts = ${attempts}`;
}

/** Leased but not tried (the server was down, or the lease ran short): the attempt given back. */
export async function releaseEmails(db: TDb, options: { leases: { id: string; attempts: number }[]; nextAttemptAt: Date }): Promise<void> {
  const { leases, nextAttemptAt } = options;
  if (leases.length === 0) return;
  await db.$executeRaw`
    UPDATE email_messages e SET next_attempt_at = ${nextAttemptAt}, attempts = e.attempts - 1
    FROM unnest(${leases.map((lease) => lease.id)}::uuid[], ${leases.map((lease) => lease.attempts)}::int[]) AS x(id, attempts)
    WHERE e.id = x.id AND e.status = 'PENDING' AND e.attempts = x.attempts`;
}
