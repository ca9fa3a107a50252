// `npm start` serves a production build, rebuilt only when the sources changed since the last one.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

const INPUTS = ["app", "components", "lib", "public", "proxy.ts", "next.config.ts", "postcss.config.mjs", "tsconfig.json", "package-lock.json", "prisma/schema.prisma"];
const SKIP = new Set(["node_modules", "generated", ".next"]);

async function* files(entry: string): AsyncGenerator<string> {
  if (!existsSync(entry)) return;
  const stat = await readdir(entry, { withFileTypes: true }).catch(() => null);
  if (!stat) {
    yield entry;
    return;
  }
  for (const child of stat.sort((a, b) => a.name.localeCompare(b.name))) {
    if (SKIP.has(child.name)) continue;
    yield* files(path.join(entry, child.name));
  }
}

/** A fingerprint of everything that goes into `next build`. */
export async function hashBuildInputs(root: string): Promise<string> {
  const hash = createHash("sha256");
  for (const input of INPUTS) {
    for await (const file of files(path.join(root, input))) {
      hash.update(path.relative(root, file)).update("\0").update(await readFile(file)).update("\0");
    }
  }
  return hash.digest("hex");
}

const stampFile = (root: string) => path.join(root, ".next", "tally-build-inputs");

export async function isBuildCurrent(root: string, fingerprint: string): Promise<boolean> {
  if (!existsSync(path.join(root, ".next", "BUILD_ID")) || !existsSync(stampFile(root))) return false;
  return (await readFile(stampFile(root), "utf8")).trim() === fingerprint;
}

export async function markBuildCurrent(root: string, fingerprint: string): Promise<void> {
  await writeFile(stampFile(root), `${fingerprint}\n`);
}
