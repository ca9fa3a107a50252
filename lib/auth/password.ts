// Password hashing with Argon2id (@node-rs/argon2), OWASP's first choice for password storage.
import { hash, verify } from "@node-rs/argon2";

// OWASP's minimum for Argon2id: 19 MiB of memory, 2 iterations, 1 degree of parallelism.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** False for a wrong password and for a malformed hash; never throws on bad input. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash of nothing, verified when the email is unknown so the response takes the same time. */
let decoyHash: Promise<string> | undefined;
export function getDecoyHash(): Promise<string> {
  decoyHash ??= hashPassword("decoy password, never matches a real one");
  return decoyHash;
}
