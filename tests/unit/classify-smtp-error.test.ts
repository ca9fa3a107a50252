import { describe, expect, it } from "vitest";
import { classifySmtpError, emailBackoffMs } from "@/lib/email/classify-smtp-error";

/** Shaped as nodemailer's SMTP errors: code, command, and the server's response and its code. */
function smtpError(fields: { code: string; command: string; response?: string; message?: string }): Error {
  const responseCode = fields.response ? Number(fields.response.slice(0, 3)) : undefined;
  const message = `${fields.message ?? "Command failed"}${fields.response ? `: ${fields.response}` : ""}`;
  return Object.assign(new Error(message), { code: fields.code, command: fields.command, response: fields.response, responseCode });
}

const never = () => 0;

describe("emailBackoffMs", () => {
  it("starts at 30 s, doubles, adds up to half again as jitter, and never passes an hour", () => {
    expect(emailBackoffMs(1, () => 0)).toBe(30_000);
    expect(emailBackoffMs(1, () => 1)).toBe(45_000);
    expect(emailBackoffMs(2, () => 0)).toBe(60_000);
    expect(emailBackoffMs(7, () => 0.5)).toBe(2_400_000);
    expect(emailBackoffMs(8, () => 0)).toBe(3_600_000);
    for (const attempt of [1, 5, 8, 30, 1_000]) {
      for (const random of [0, 0.5, 0.999]) expect(emailBackoffMs(attempt, () => random)).toBeLessThanOrEqual(3_600_000);
    }
  });
});

describe("classifySmtpError", () => {
  it("fails a message at once when the server refuses its recipient or its content for good", () => {
    const recipient = smtpError({ code: "EENVELOPE", command: "RCPT TO", response: "550 5.1.1 No such user", message: "Can't send mail - all recipients were rejected" });
    expect(classifySmtpError(recipient, 1, never)).toEqual({
      kind: "failed",
      error: "EENVELOPE: Can't send mail - all recipients were rejected: 550 5.1.1 No such user",
    });
    expect(classifySmtpError(smtpError({ code: "EMESSAGE", command: "DATA", response: "554 5.7.1 Spam detected" }), 1, never)).toMatchObject({ kind: "failed" });
  });

  it("fails a message nodemailer refuses to send (an invalid address, too large)", () => {
    expect(classifySmtpError(smtpError({ code: "EENVELOPE", command: "API", message: 'Invalid recipient "not an address"' }), 1, never)).toMatchObject({ kind: "failed" });
    expect(classifySmtpError(smtpError({ code: "EMESSAGE", command: "MAIL FROM", message: "Message size larger than allowed 1000" }), 1, never)).toMatchObject({ kind: "failed" });
  });

  it("retries a 4xx answer to the message alone, and goes on with the other messages", () => {
    const full = smtpError({ code: "EENVELOPE", command: "RCPT TO", response: "452 4.2.2 Mailbox full" });
    expect(classifySmtpError(full, 2, never)).toMatchObject({ kind: "retry", delayMs: 60_000, serverWide: false });
  });

  it("retries, and holds the batch, when the server or our configuration is at fault, even with a 5xx", () => {
    const cases = [
      smtpError({ code: "ESOCKET", command: "CONN", message: "connect ECONNREFUSED 127.0.0.1:25" }),
      smtpError({ code: "ETIMEDOUT", command: "CONN", message: "Greeting never received" }),
      smtpError({ code: "EAUTH", command: "AUTH PLAIN", response: "535 5.7.8 Authentication credentials invalid", message: "Invalid login" }),
      smtpError({ code: "EENVELOPE", command: "MAIL FROM", response: "553 5.7.1 Sender address rejected", message: "Mail command failed" }),
      smtpError({ code: "EPROTOCOL", command: "CONN", response: "554 No SMTP service here" }),
      smtpError({ code: "EENVELOPE", command: "RCPT TO", response: "421 4.7.0 Try again later, closing connection" }),
      new Error("socket hang up"),
      "a string thrown",
    ];
    for (const error of cases) expect(classifySmtpError(error, 1, never)).toMatchObject({ kind: "retry", delayMs: 30_000, serverWide: true });
  });

  it("keeps the error to one short line, without a stack", () => {
    const error = smtpError({ code: "EENVELOPE", command: "RCPT TO", response: `550 ${"x".repeat(2_000)}\r\n550 second line` });
    const outcome = classifySmtpError(error, 1, never);
    expect(outcome.error).not.toMatch(/[\r\n]/);
    expect(outcome.error).not.toMatch(/\bat .*:\d+:\d+/);
    expect(outcome.error.length).toBeLessThanOrEqual(500);
  });
});
