// Route-level role and tenant guards: GET /api/customers/{id} with real session cookies.
import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { GET } from "@/app/api/customers/[customerId]/route";
import { db } from "@/lib/db";
import { createCustomer, createUser, get, sessionCookie } from "./factories";

async function call(customerId: string, cookie?: string) {
  const response = await GET(get(`/api/customers/${customerId}`, cookie ? { cookie } : {}), {
    params: Promise.resolve({ customerId }),
  });
  return { status: response.status, type: response.headers.get("content-type"), body: await response.json() };
}

describe("GET /api/customers/{id}", () => {
  it("answers 401 problem+json without a session", async () => {
    const customer = await createCustomer();
    const result = await call(customer.id);
    expect(result.status).toBe(401);
    expect(result.type).toBe("application/problem+json");
    expect(result.body).toMatchObject({ code: "unauthenticated", status: 401, instance: `/api/customers/${customer.id}` });
  });

  it("shows a member their own customer", async () => {
    const customer = await createCustomer("Own Co");
    const member = await createUser({ customerId: customer.id });
    const result = await call(customer.id, await sessionCookie(member.id));
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ id: customer.id, external_id: customer.externalId, name: "Own Co", subscription: null });
  });

  it("answers another customer's member exactly as for an id that does not exist", async () => {
    const [mine, theirs] = [await createCustomer(), await createCustomer()];
    const member = await createUser({ customerId: mine.id });
    const cookie = await sessionCookie(member.id);
    const other = await call(theirs.id, cookie);
    const missing = await call("0190f7a2-0000-7000-8000-000000000000", cookie);
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined, request_id: undefined });
    expect(strip(other.body)).toEqual(strip(missing.body));
  });

  it("lets admins and finance see any customer", async () => {
    const customer = await createCustomer();
    for (const staffRole of ["ADMIN", "FINANCE"] as const) {
      const staff = await createUser({ staffRole });
      const result = await call(customer.id, await sessionCookie(staff.id));
      expect(result.status, staffRole).toBe(200);
      expect(result.body.id).toBe(customer.id);
    }
  });

  it("refuses a disabled user, a forged cookie and a cookie signed with another secret", async () => {
    const customer = await createCustomer();
    const disabled = await createUser({ customerId: customer.id, disabled: true });
    expect((await call(customer.id, await sessionCookie(disabled.id))).status).toBe(401);
    expect((await call(customer.id, "next-auth.session-token=not-a-token")).status).toBe(401);
    const member = await createUser({ customerId: customer.id });
    const foreign = await encode({ token: { sub: member.id }, secret: "another-secret-of-at-least-32-characters!!" });
    expect((await call(customer.id, `next-auth.session-token=${foreign}`)).status).toBe(401);
  });

  it("takes effect at once when a membership is removed", async () => {
    const customer = await createCustomer();
    const member = await createUser({ customerId: customer.id });
    const cookie = await sessionCookie(member.id);
    expect((await call(customer.id, cookie)).status).toBe(200);
    await db.membership.deleteMany({ where: { userId: member.id } });
    expect((await call(customer.id, cookie)).status).toBe(404);
  });

  it("rejects a malformed id with the offending parameter named", async () => {
    const admin = await createUser({ staffRole: "ADMIN" });
    const result = await call("not-a-uuid", await sessionCookie(admin.id));
    expect(result.status).toBe(400);
    expect(result.body.code).toBe("invalid_params");
    expect(result.body.errors).toEqual([expect.objectContaining({ pointer: "/params/customerId" })]);
  });
});
