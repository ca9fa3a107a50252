// How Tally signs the webhooks it sends, in Stripe's scheme so vendors already know it: the
// `Tally-Signature` header is `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed
// with the endpoint's secret (`whsec_` + 32 random bytes, base64url). Every attempt is signed
// afresh with its own timestamp; a receiver checks the HMAC over the raw body (before parsing it)
// and refuses old timestamps, so a captured delivery cannot be replayed later.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { AppError } from "@/lib/errors";

export const WEBHOOK_SIGNATURE_HEADER = "Tally-Signature";
const SECRET_PREFIX = "whsec_";
const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new signing secret: `whsec_` + 32 random bytes, base64url. */
export function createWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}

function hmacHex(secret: string, body: string, timestamp: number): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/** The `Tally-Signature` value for `body` (the exact bytes sent) at `timestamp` (unix seconds). */
export function signWebhookPayload(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, body, timestamp)}`;
}

function invalid(reason: string): AppError {
  return new AppError("bad_request", `Invalid ${WEBHOOK_SIGNATURE_HEADER} header: ${reason}.`);
}

/**
 * Checks a `Tally-Signature` header against the raw body: returns true, or throws an AppError
 * (bad_request) saying why: malformed header, timestamp outside `toleranceSeconds` of `now` (either
 * way), or no `v1` signature that matches. Several `v1=` entries are accepted (any may match).
 */
export function verifyWebhookSignature(
  header: string | null | undefined,
  body: string,
  secret: string,
  options: { toleranceSeconds?: number; now?: Date } = {},
): true {
  if (!header) throw invalid("missing");
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && value) signatures.push(value);
  }
  if (timestamp === undefined) throw invalid("no t=<timestamp>");
  if (signatures.length === 0) throw invalid("no v1=<signature>");

  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - timestamp) > tolerance) throw invalid(`timestamp ${timestamp} is more than ${tolerance} s from now`);

  const expected = Buffer.from(hmacHex(secret, body, timestamp), "hex");
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw invalid("no signature matches the body and secret");
  return true;
}
