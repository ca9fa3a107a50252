import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * The configured value when set; otherwise 32 random bytes (base64url) generated once into the data
 * folder as `file` (mode 0600): NEXTAUTH_SECRET's `auth-secret`, TALLY_ENCRYPTION_KEY's `encryption-key`.
 */
export async function ensureLocalSecret(configured: string | undefined, dataDir: string, file: string): Promise<string> {
  if (configured) return configured;
  const location = path.resolve(dataDir, file);
  if (existsSync(location)) return (await readFile(location, "utf8")).trim();
  const secret = randomBytes(32).toString("base64url");
  await mkdir(path.dirname(location), { recursive: true, mode: 0o755 });
  await writeFile(location, `${secret}\n`, { mode: 0o600 });
  return secret;
}
