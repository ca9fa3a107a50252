// Connector secrets at rest: AES-256-GCM under TALLY_ENCRYPTION_KEY; another key and a tampered
// value are told apart, and neither ever yields a wrong secret.
import { describe, expect, it } from "vitest";
import { openSecret, parseEncryptionKey, sealSecret } from "@/lib/connectors/secret-box";
import { ConnectorError } from "@/lib/connectors/types";
import { isAppError } from "@/lib/errors";

const KEY = Buffer.alloc(32, 7).toString("base64");
const OTHER = "ab".repeat(32);
const SECRET = "postgres://reader:s3cr3t-pa55@db.internal:5432/product";

const failure = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
};

describe("secret box", () => {
  it("seals to a value that hides the secret and opens back to it; every seal is different", () => {
    const sealed = sealSecret(SECRET, KEY);
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain("s3cr3t");
    expect(sealSecret(SECRET, KEY)).not.toBe(sealed);
    expect(openSecret(sealed, KEY)).toBe(SECRET);
  });

  it("takes the key as base64 or hex, and refuses to seal without one", () => {
    expect(parseEncryptionKey(OTHER)?.length).toBe(32);
    expect(parseEncryptionKey(KEY)?.length).toBe(32);
    expect(openSecret(sealSecret(SECRET, OTHER), OTHER)).toBe(SECRET);
    const error = failure(() => sealSecret(SECRET, undefined));
    expect(isAppError(error) && error.code).toBe("service_unavailable");
    expect(failure(() => openSecret(sealSecret(SECRET, KEY), undefined))).toMatchObject({ code: "encryption_key_missing" });
  });

  it("names a secret sealed with another key, and one altered at rest", () => {
    const sealed = sealSecret(SECRET, KEY);
    expect(failure(() => openSecret(sealed, OTHER))).toMatchObject({ code: "secret_other_key" });
    const parts = sealed.split(".");
    const body = Buffer.from(parts[4] ?? "", "base64url");
    body[0] = (body[0] ?? 0) ^ 1;
    const tampered = [...parts.slice(0, 4), body.toString("base64url")].join(".");
    const error = failure(() => openSecret(tampered, KEY));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: "secret_unreadable" });
    expect(failure(() => openSecret("not-sealed", KEY))).toMatchObject({ code: "secret_unreadable" });
  });
});
