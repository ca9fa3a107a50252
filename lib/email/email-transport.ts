// The one SMTP transport (nodemailer), made from SMTP_URL. smtp:// upgrades with STARTTLS when the
// server offers it; smtps:// is TLS from the first byte. A connection per message: alert email is
// rare, and nothing is held open between worker passes.
import nodemailer, { type Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import { env } from "@/lib/env";

export type TEmailTransport = Transporter<SMTPTransport.SentMessageInfo, SMTPTransport.Options>;

/** Each step of a send gives up after this long, so a stalled server never holds a lease for long. */
const TIMEOUT_MS = 10_000;

/** A transport for an smtp:// or smtps:// URL (user and password percent-encoded in it). */
export function createEmailTransport(smtpUrl: string): TEmailTransport {
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  return nodemailer.createTransport({
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    dnsTimeout: TIMEOUT_MS,
  });
}

let cached: TEmailTransport | undefined;

/** The transport for SMTP_URL, made once per process; null when email is not configured. */
export function emailTransportFromEnv(): TEmailTransport | null {
  if (!env.SMTP_URL) return null;
  cached ??= createEmailTransport(env.SMTP_URL);
  return cached;
}
