import { describe, expect, it } from "vitest";
import { authenticateUser } from "@/lib/auth/authenticate-user";
import { db } from "@/lib/db";
import { createUser } from "./factories";

describe("authenticateUser", () => {
  it("accepts the right password, whatever the email's case, and records the login", async () => {
    const user = await createUser({ staffRole: "FINANCE" });
    const now = new Date("2026-11-21T10:00:00Z");
    expect(await authenticateUser(user.email.toUpperCase(), user.password, now)).toEqual({ id: user.id, email: user.email, name: user.name });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).lastLoginAt).toEqual(now);
  });

  it("refuses a wrong password, an unknown email and a disabled user alike", async () => {
    const user = await createUser();
    const disabled = await createUser({ disabled: true });
    expect(await authenticateUser(user.email, `${user.password}!`)).toBeNull();
    expect(await authenticateUser("nobody@example.test", user.password)).toBeNull();
    expect(await authenticateUser(disabled.email, disabled.password)).toBeNull();
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).lastLoginAt).toBeNull();
  });
});
