import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** NEXTAUTH_SECRET when set; otherwise one generated once into the data folder (mode 0600). */
export async function ensureAuthSecret(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured) return configured;
  const file = path.resolve(dataDir, "auth-secret");
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const secret = randomBytes(32).toString("base64url");
  await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
