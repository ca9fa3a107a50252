// Stripe's v1 wire format: `application/x-www-form-urlencoded` with bracketed keys
// (`items[0][price]=p`, `expand[]=customer`, `metadata[k]=v`) decoded into nested values.
// Numeric-indexed and `[]` keys become arrays; everything else stays a string.

export type TFormValue = string | TFormValue[] | { [key: string]: TFormValue };
export type TFormObject = { [key: string]: TFormValue };

/** Splits `a[b][0][]` into ["a", "b", "0", ""]. */
function splitKey(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) return [key];
  const rest = [...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((part) => part[1] ?? "");
  return [match[1] ?? key, ...rest];
}

type TBuilder = { [key: string]: TBuilder | string } | string;

export function decodeForm(body: string): TFormObject {
  const root: { [key: string]: TBuilder } = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = splitKey(rawKey);
    let node: { [key: string]: TBuilder } = root;
    for (let index = 0; index < parts.length; index += 1) {
      let part = parts[index] ?? "";
      const last = index === parts.length - 1;
      // `[]` appends: give it the next free position.
      if (part === "") part = String(Object.keys(node).length);
      if (last) {
        node[part] = value;
      } else {
        const next = node[part];
        if (typeof next !== "object") node[part] = {};
        node = node[part] as { [key: string]: TBuilder };
      }
    }
  }
  return finish(root) as TFormObject;
}

/** Objects whose keys are exactly 0..n-1 become arrays. */
function finish(node: TBuilder): TFormValue {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  const indexes = keys.map(Number).sort((a, b) => a - b);
  const isArray = keys.length > 0 && keys.every((key) => /^(0|[1-9]\d*)$/.test(key)) && indexes.every((index, position) => index === position);
  if (isArray) return indexes.map((index) => finish((node as Record<string, TBuilder>)[String(index)] ?? ""));
  return Object.fromEntries(keys.map((key) => [key, finish((node as Record<string, TBuilder>)[key] ?? "")]));
}

/** The inverse, for the emulator's own tests and fixtures: nested values → Stripe's form encoding. */
export function encodeForm(value: Record<string, unknown>, prefix = ""): string {
  const pairs: string[] = [];
  const walk = (current: unknown, key: string) => {
    if (current === undefined) return;
    if (Array.isArray(current)) current.forEach((item, index) => walk(item, `${key}[${index}]`));
    else if (current !== null && typeof current === "object") {
      for (const [child, childValue] of Object.entries(current)) walk(childValue, key ? `${key}[${child}]` : child);
    } else pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(current ?? ""))}`);
  };
  walk(value, prefix);
  return pairs.join("&");
}
