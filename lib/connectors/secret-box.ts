// Connector secrets at rest (a product database's URL, a CRM token): AES-256-GCM with the key from
// TALLY_ENCRYPTION_KEY. A sealed secret reads `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url): the
// key id (the first 8 hex digits of the key's SHA-256) tells "sealed with another key" apart from
// "tampered with", so an admin learns which one to fix. Node's crypto does the cryptography.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { ConnectorError } from "./types";

const VERSION = "v1";

/** The 32-byte key from its configured form (64 hex digits or base64); null when unset. */
export function parseEncryptionKey(configured: string | undefined): Buffer | null {
  if (!configured) return null;
  return /^[0-9a-fA-F]{64}$/.test(configured) ? Buffer.from(configured, "hex") : Buffer.from(configured, "base64");
}

const keyId = (key: Buffer) => createHash("sha256").update(key).digest("hex").slice(0, 8);

function requireKey(configured: string | undefined): Buffer {
  const key = parseEncryptionKey(configured);
  if (!key) throw new AppError("service_unavailable", "Set TALLY_ENCRYPTION_KEY (32 bytes, e.g. `openssl rand -base64 32`) before storing connector secrets.");
  return key;
}

export function sealSecret(plain: string, configuredKey: string | undefined = env.TALLY_ENCRYPTION_KEY): string {
  const key = requireKey(configuredKey);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, keyId(key), iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ciphertext.toString("base64url")].join(".");
}

/** The secret; a ConnectorError (shown on the connector) when it cannot be read with this key. */
export function openSecret(sealed: string, configuredKey: string | undefined = env.TALLY_ENCRYPTION_KEY): string {
  const key = parseEncryptionKey(configuredKey);
  if (!key) throw new ConnectorError("encryption_key_missing", "TALLY_ENCRYPTION_KEY is not set, so the connector's stored secret cannot be read.");
  const [version, sealedKeyId, iv, tag, ciphertext] = sealed.split(".");
  if (version !== VERSION || !sealedKeyId || !iv || !tag || ciphertext === undefined) {
    throw new ConnectorError("secret_unreadable", "The stored secret is not in a format Tally knows; enter it again.");
  }
  if (sealedKeyId !== keyId(key)) {
    throw new ConnectorError("secret_other_key", "The stored secret was encrypted with another TALLY_ENCRYPTION_KEY; restore that key or enter the secret again.");
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new ConnectorError("secret_unreadable", "The stored secret failed its integrity check (it was altered); enter it again.");
  }
}
