// The Tally-Signature scheme (Stripe's): what receivers rely on to trust a delivery.
import { describe, expect, it } from "vitest";
import { createWebhookSecret, signWebhookPayload, verifyWebhookSignature } from "@/lib/webhooks/sign-webhook";

const BODY = '{"id":"evt_1","type":"usage.threshold_crossed","created":1700000000,"data":{}}';
const T = 1_700_000_000;
const AT_T = new Date(T * 1000);

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  return "accepted";
}

describe("signWebhookPayload / verifyWebhookSignature", () => {
  it("signs t=<ts>,v1=<hex HMAC-SHA256 of '<ts>.<body>'> (a vector computed with openssl)", () => {
    expect(signWebhookPayload("whsec_test", BODY, T)).toBe("t=1700000000,v1=376b2e42588e5bf2d770eebcb184ce9faa30db937a4950a210b4742ee33453ea");
  });

  it("round-trips: what Tally signs verifies with the same secret, within the tolerance either way", () => {
    const secret = createWebhookSecret();
    const header = signWebhookPayload(secret, BODY, T);
    expect(verifyWebhookSignature(header, BODY, secret, { now: AT_T })).toBe(true);
    expect(verifyWebhookSignature(header, BODY, secret, { now: new Date((T + 300) * 1000) })).toBe(true);
    expect(verifyWebhookSignature(header, BODY, secret, { now: new Date((T - 300) * 1000) })).toBe(true);
  });

  it("refuses a tampered body, even by one character", () => {
    const header = signWebhookPayload("whsec_test", BODY, T);
    expect(refusal(() => verifyWebhookSignature(header, BODY.replace("{}", '{"x":1}'), "whsec_test", { now: AT_T }))).toMatch(/no signature matches/);
    expect(refusal(() => verifyWebhookSignature(header, `${BODY} `, "whsec_test", { now: AT_T }))).toMatch(/no signature matches/);
  });

  it("refuses another secret's signature", () => {
    const header = signWebhookPayload(createWebhookSecret(), BODY, T);
    expect(refusal(() => verifyWebhookSignature(header, BODY, createWebhookSecret(), { now: AT_T }))).toMatch(/no signature matches/);
  });

  it("refuses an old (replayed) or far-future timestamp, and a signature whose timestamp was changed", () => {
    const header = signWebhookPayload("whsec_test", BODY, T);
    expect(refusal(() => verifyWebhookSignature(header, BODY, "whsec_test", { now: new Date((T + 301) * 1000) }))).toMatch(/more than 300 s from now/);
    expect(refusal(() => verifyWebhookSignature(header, BODY, "whsec_test", { now: new Date((T + 3600) * 1000), toleranceSeconds: 3599 }))).toMatch(/3599 s/);
    expect(refusal(() => verifyWebhookSignature(header, BODY, "whsec_test", { now: new Date((T - 301) * 1000) }))).toMatch(/from now/);
    // Moving t forward to pass the tolerance breaks the HMAC, which covers it.
    const moved = header.replace(`t=${T}`, `t=${T + 1000}`);
    expect(refusal(() => verifyWebhookSignature(moved, BODY, "whsec_test", { now: new Date((T + 1000) * 1000) }))).toMatch(/no signature matches/);
  });

  it("accepts any matching v1 among several, and says what is wrong with a malformed header", () => {
    const good = signWebhookPayload("whsec_test", BODY, T);
    const other = signWebhookPayload("whsec_other", BODY, T).split(",")[1];
    expect(verifyWebhookSignature(`${good},${other}`, BODY, "whsec_test", { now: AT_T })).toBe(true);
    expect(verifyWebhookSignature(`t=${T}, ${other}, ${good.split(",")[1]}`, BODY, "whsec_test", { now: AT_T })).toBe(true);
    expect(refusal(() => verifyWebhookSignature(undefined, BODY, "whsec_test"))).toBe("Invalid Tally-Signature header: missing.");
    expect(refusal(() => verifyWebhookSignature(good.split(",")[1], BODY, "whsec_test", { now: AT_T }))).toMatch(/no t=<timestamp>/);
    expect(refusal(() => verifyWebhookSignature(`t=${T}`, BODY, "whsec_test", { now: AT_T }))).toMatch(/no v1=<signature>/);
    expect(refusal(() => verifyWebhookSignature(`t=${T},v1=zz`, BODY, "whsec_test", { now: AT_T }))).toMatch(/no signature matches/);
  });

  it("makes secrets of whsec_ + 32 random bytes in base64url, never twice the same", () => {
    const secrets = new Set(Array.from({ length: 50 }, () => createWebhookSecret()));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  });
});
