// The email outbox over real SMTP: messages go to the run's SMTP catcher (global-setup.ts) and are
// read back over its HTTP API. Each test scopes the sender to its own messages (`ids`), since other
// files share the database. Also: concurrent senders, a server that is down, a permanent refusal,
// and the catcher's own HTTP side (what tests and developers read).
import { randomUUID } from "node:crypto";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { createEmailTransport } from "@/lib/email/email-transport";
import { sendPendingEmails } from "@/lib/email/send-pending-emails";
import { startSmtpCatcher, type TCaughtMessage } from "../../tools/smtp-catcher";
import { createCustomer, createUsageAlert, unique } from "./factories";
import { freePort } from "./global-setup";
import { createUsageMeter } from "./usage-helpers";

const SECOND = 1_000;

async function createEmail(overrides: { toAddress?: string; nextAttemptAt?: Date; usageAlertId?: string; html?: string } = {}) {
  return db.emailMessage.create({
    data: {
      dedupKey: `test:${randomUUID()}`,
      toAddress: overrides.toAddress ?? `${unique("alert")}@example.test`,
      subject: unique("You have used 90% of API calls"),
      text: "Acme Corp has used 900 of 1,000 included API calls this period.\nOverage is billed at $0.02 a call.",
      html: overrides.html ?? null,
      usageAlertId: overrides.usageAlertId ?? null,
      nextAttemptAt: overrides.nextAttemptAt ?? new Date(Date.now() - SECOND),
    },
  });
}

async function caught(to: string): Promise<TCaughtMessage[]> {
  const response = await fetch(`${process.env.TALLY_TEST_SMTP_CATCHER_URL}/api/messages?to=${encodeURIComponent(to)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as TCaughtMessage[];
}

const reload = (id: string) => db.emailMessage.findUniqueOrThrow({ where: { id } });

describe("sendPendingEmails", () => {
  it("sends due messages over SMTP with their dedup key, marks them SENT and the usage alert emailed", async () => {
    const customer = await createCustomer();
    const meter = await createUsageMeter("SUM");
    const alert = await createUsageAlert({ customerId: customer.id, meterId: meter.id });
    const withAlert = await createEmail({ usageAlertId: alert.id, html: "<p>Acme Corp has used <b>90%</b> of its API calls.</p>" });
    const plain = await createEmail({ toAddress: `${unique("Finance")}@Example.test` });
    const later = await createEmail({ nextAttemptAt: new Date(Date.now() + 3_600 * SECOND) });
    const ids = [withAlert.id, plain.id, later.id];

    expect(await sendPendingEmails({ ids })).toEqual({ sent: 2, retried: 0, failed: 0, configured: true });

    const [received] = await caught(withAlert.toAddress);
    expect(received).toMatchObject({
      to: [withAlert.toAddress],
      subject: withAlert.subject,
      text: withAlert.text,
      html: withAlert.html,
    });
    expect(received?.from).toContain(env.TALLY_EMAIL_FROM.replace(/^.*</, "").replace(/>$/, ""));
    expect(received?.headers["x-tally-dedup-key"]).toBe(withAlert.dedupKey);
    expect(received?.headers["message-id"]).toContain(withAlert.id);
    // The catcher matches recipients in any case.
    expect((await caught(plain.toAddress.toLowerCase())).map((message) => message.headers["x-tally-dedup-key"])).toEqual([plain.dedupKey]);

    const sent = await reload(withAlert.id);
    expect(sent).toMatchObject({ status: "SENT", attempts: 1, lastError: null });
    expect(sent.sentAt).toBeInstanceOf(Date);
    expect((await db.usageAlert.findUniqueOrThrow({ where: { id: alert.id } })).emailSentAt).toEqual(sent.sentAt);
    expect(await reload(plain.id)).toMatchObject({ status: "SENT", attempts: 1 });
    expect(await reload(later.id)).toMatchObject({ status: "PENDING", attempts: 0, sentAt: null });
    expect(await caught(later.toAddress)).toEqual([]);

    // Nothing is sent twice.
    expect(await sendPendingEmails({ ids })).toEqual({ sent: 0, retried: 0, failed: 0, configured: true });
    expect(await caught(withAlert.toAddress)).toHaveLength(1);
  });

  it("sends each message exactly once when several workers drain the outbox at the same time", async () => {
    const messages = await Promise.all(Array.from({ length: 24 }, () => createEmail()));
    const ids = messages.map((message) => message.id);
    const drain = async () => {
      let sent = 0;
      for (;;) {
        const result = await sendPendingEmails({ ids, limit: 2 });
        if (result.sent + result.retried + result.failed === 0) return sent;
        sent += result.sent;
      }
    };

    const counts = await Promise.all([drain(), drain(), drain()]);

    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(messages.length);
    for (const message of messages) {
      expect((await caught(message.toAddress)).map((received) => received.headers["x-tally-dedup-key"])).toEqual([message.dedupKey]);
    }
    expect(await db.emailMessage.count({ where: { id: { in: ids }, status: "SENT", attempts: 1 } })).toBe(messages.length);
  });

  it("skips a message another worker holds instead of waiting for it", async () => {
    const [held, free] = [await createEmail(), await createEmail()];
    await db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM email_messages WHERE id = ${held.id}::uuid FOR UPDATE`;
        expect(await sendPendingEmails({ ids: [held.id, free.id] })).toEqual({ sent: 1, retried: 0, failed: 0, configured: true });
      },
      { timeout: 5_000 },
    );
    expect(await reload(held.id)).toMatchObject({ status: "PENDING", attempts: 0 });
    expect(await reload(free.id)).toMatchObject({ status: "SENT", attempts: 1 });

    expect(await sendPendingEmails({ ids: [held.id, free.id] })).toMatchObject({ sent: 1 });
    expect(await caught(held.toAddress)).toHaveLength(1);
  });

  it("keeps a message PENDING with backoff while the SMTP server is down, and FAILED after the last attempt", async () => {
    const down = createEmailTransport(`smtp://127.0.0.1:${await freePort()}`);
    const first = await createEmail();
    const second = await createEmail({ nextAttemptAt: new Date(first.nextAttemptAt.getTime() + 1) });
    const ids = [first.id, second.id];
    let now = new Date();

    expect(await sendPendingEmails({ ids, transport: down, now, maxAttempts: 3 })).toEqual({ sent: 0, retried: 1, failed: 0, configured: true });
    const retried = await reload(first.id);
    expect(retried).toMatchObject({ status: "PENDING", attempts: 1, sentAt: null });
    expect(retried.lastError).toMatch(/ECONNREFUSED/);
    expect(retried.lastError).not.toMatch(/\bat .*:\d+:\d+/); // no stack frames
    expect(retried.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(now.getTime() + 30 * SECOND);
    expect(retried.nextAttemptAt.getTime()).toBeLessThanOrEqual(now.getTime() + 45 * SECOND);
    // The server is down for every message: the second waits as long, without using an attempt.
    expect(await reload(second.id)).toMatchObject({ status: "PENDING", attempts: 0, nextAttemptAt: retried.nextAttemptAt, lastError: null });

    // Not due yet: nothing is tried.
    expect(await sendPendingEmails({ ids, transport: down, now, maxAttempts: 3 })).toEqual({ sent: 0, retried: 0, failed: 0, configured: true });

    const attemptsOfFirst: number[] = [];
    for (let pass = 0; pass < 10 && (await reload(first.id)).status === "PENDING"; pass += 1) {
      const { nextAttemptAt } = await reload(first.id);
      now = new Date(nextAttemptAt.getTime() + 1);
      await sendPendingEmails({ ids: [first.id], transport: down, now, maxAttempts: 3 });
      attemptsOfFirst.push((await reload(first.id)).attempts);
    }
    expect(attemptsOfFirst).toEqual([2, 3]);
    const failed = await reload(first.id);
    expect(failed).toMatchObject({ status: "FAILED", attempts: 3, sentAt: null });
    expect(failed.lastError).toMatch(/ECONNREFUSED/);
    expect(await caught(first.toAddress)).toEqual([]);
  });

  it("does nothing and says so when SMTP_URL is unset", async () => {
    const message = await createEmail();
    vi.stubEnv("SMTP_URL", "");
    vi.resetModules();
    try {
      const unconfigured = await import("@/lib/email/send-pending-emails");
      expect(await unconfigured.sendPendingEmails({ ids: [message.id] })).toEqual({ sent: 0, retried: 0, failed: 0, configured: false });
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
    expect(await reload(message.id)).toMatchObject({ status: "PENDING", attempts: 0, lastError: null });
  });
});

describe("sendPendingEmails against a server that refuses recipients", () => {
  let server: SMTPServer;
  let smtpUrl: string;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      disableReverseLookup: true,
      closeTimeout: 1_000,
      onRcptTo: (address, _session, callback) => {
        const refusal = address.address.startsWith("gone-")
          ? Object.assign(new Error("5.1.1 No such mailbox"), { responseCode: 550 })
          : address.address.startsWith("full-")
            ? Object.assign(new Error("4.2.2 Mailbox full, try later"), { responseCode: 452 })
            : null;
        callback(refusal);
      },
      onData: (stream, _session, callback) => {
        stream.resume();
        stream.on("end", () => callback());
      },
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    smtpUrl = `smtp://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("fails a message at once on a 5xx refusal, retries one refused with a 4xx, and sends the rest of the batch", async () => {
    const transport = createEmailTransport(smtpUrl);
    const start = Date.now() - 10 * SECOND;
    const gone = await createEmail({ toAddress: `${unique("gone")}@example.test`, nextAttemptAt: new Date(start) });
    const full = await createEmail({ toAddress: `${unique("full")}@example.test`, nextAttemptAt: new Date(start + 1) });
    const fine = await createEmail({ toAddress: `${unique("fine")}@example.test`, nextAttemptAt: new Date(start + 2) });

    expect(await sendPendingEmails({ ids: [gone.id, full.id, fine.id], transport })).toEqual({ sent: 1, retried: 1, failed: 1, configured: true });

    const failed = await reload(gone.id);
    expect(failed).toMatchObject({ status: "FAILED", attempts: 1, sentAt: null });
    expect(failed.lastError).toMatch(/550 5\.1\.1 No such mailbox/);
    const retried = await reload(full.id);
    expect(retried).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(retried.lastError).toMatch(/452 4\.2\.2 Mailbox full/);
    expect(retried.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
    expect(await reload(fine.id)).toMatchObject({ status: "SENT", attempts: 1 });
  });
});

describe("the SMTP catcher", () => {
  it("lists mail newest first, finds one by id, forgets the oldest beyond its capacity, clears, and escapes its page", async () => {
    const catcher = await startSmtpCatcher({ capacity: 2 });
    try {
      const transport = createEmailTransport(catcher.smtpUrl);
      for (const n of [1, 2, 3]) {
        await transport.sendMail({ from: "Tally <billing@tally.localhost>", to: "dev@example.test", subject: `<script>alert(${n})</script>`, text: `body ${n} & more`, html: `<p onclick="x()">${n}</p>` });
      }
      const list = (await (await fetch(`${catcher.httpUrl}/api/messages`)).json()) as TCaughtMessage[];
      expect(list.map((message) => message.text)).toEqual(["body 3 & more", "body 2 & more"]);
      expect(catcher.messages()).toEqual(list);
      const [newest] = list;
      expect(await (await fetch(`${catcher.httpUrl}/api/messages/${newest?.id}`)).json()).toEqual(newest);
      expect((await fetch(`${catcher.httpUrl}/api/messages/nope`)).status).toBe(404);

      const page = await fetch(`${catcher.httpUrl}/`);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain("&#60;script&#62;alert(3)&#60;/script&#62;");
      expect(html).toContain("body 3 &#38; more");
      expect(html).toContain('srcdoc="&#60;p onclick=&#34;x()&#34;&#62;3&#60;/p&#62;"');
      expect(html).not.toContain("<script>");
      expect(html).not.toContain('onclick="');

      expect((await fetch(`${catcher.httpUrl}/api/messages`, { method: "DELETE" })).status).toBe(204);
      expect(await (await fetch(`${catcher.httpUrl}/api/messages`)).json()).toEqual([]);
    } finally {
      await catcher.stop();
    }
  });
});
