// Test data: every test makes its own, with unique names, so files can run in parallel on one database.
import { randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import { hashPassword } from "@/lib/auth/password";
import { db, type StaffRole, type TDb } from "@/lib/db";

export const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

export async function createCustomer(name = unique("customer")) {
  return db.customer.create({ data: { externalId: unique("ext"), name, email: `${unique("billing")}@example.test` } });
}

export async function createUser(options: { staffRole?: StaffRole; customerId?: string; password?: string; disabled?: boolean } = {}) {
  const password = options.password ?? "correct horse battery staple";
  const user = await db.user.create({
    data: {
      email: `${unique("user")}@example.test`,
      name: unique("User"),
      passwordHash: await hashPassword(password),
      staffRole: options.staffRole ?? null,
      disabledAt: options.disabled ? new Date() : null,
      ...(options.customerId ? { memberships: { create: { customerId: options.customerId } } } : {}),
    },
  });
  return { ...user, password };
}

/** The cookie a browser holds after logging in as this user. */
export async function sessionCookie(userId: string, secret = process.env.NEXTAUTH_SECRET ?? ""): Promise<string> {
  const token = await encode({ token: { sub: userId }, secret });
  return `next-auth.session-token=${token}`;
}

export function get(url: string, headers: Record<string, string> = {}): Request {
  return new Request(new URL(url, "http://localhost:3000"), { headers });
}

/** A quota alert row at 90 % of 1,000 in November 2026 (the notification outboxes' tests). */
export async function createUsageAlert(input: { customerId: string; meterId: string }, client: TDb = db) {
  return client.usageAlert.create({
    data: {
      ...input,
      threshold: 90,
      periodStart: new Date("2026-11-01T00:00:00Z"),
      periodEnd: new Date("2026-12-01T00:00:00Z"),
      usageQuantity: "900",
      includedQuantity: "1000",
    },
  });
}
