import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";

describe("parseEnv", () => {
  it("applies the documented defaults", () => {
    expect(parseEnv({})).toMatchObject({
      NODE_ENV: "development",
      PORT: 3000,
      TALLY_DATA_DIR: ".data",
      TALLY_DB_PORT: 54329,
      DATABASE_POOL_SIZE: 10,
    });
  });

  it("treats empty strings as unset", () => {
    const env = parseEnv({ DATABASE_URL: "", PORT: "" });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PORT).toBe(3000);
  });

  it("coerces numbers and accepts postgres URLs", () => {
    const env = parseEnv({ PORT: "8080", DATABASE_URL: "postgres://u:p@db:5432/tally" });
    expect(env.PORT).toBe(8080);
    expect(env.DATABASE_URL).toBe("postgres://u:p@db:5432/tally");
  });

  it("names every invalid variable in one message", () => {
    const bad = { DATABASE_URL: "mysql://x", PORT: "99999", NEXTAUTH_SECRET: "short", TALLY_DEMO_API_KEY: "sk_live_x" };
    expect(() => parseEnv(bad)).toThrowError(/^Invalid configuration:/);
    const message = (() => {
      try {
        parseEnv(bad);
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const name of Object.keys(bad)) expect(message).toContain(`- ${name}:`);
  });
});
