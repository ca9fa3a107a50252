import { describe, expect, it } from "vitest";
import { getLandingPath, requireCustomerAccess, requireCustomerMember, requireStaff, requireUser } from "@/lib/auth/guards";
import type { TSessionUser } from "@/lib/auth/session-user";
import { AppError } from "@/lib/errors";

const user = (overrides: Partial<TSessionUser> = {}): TSessionUser => ({
  id: "u1",
  email: "u@example.test",
  name: "U",
  staffRole: null,
  memberships: [],
  ...overrides,
});
const member = (customerId: string) => ({ customerId, role: "MEMBER" as const, customer: { name: customerId, externalId: customerId } });

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.code : "not an AppError";
  }
}

describe("guards", () => {
  it("requireUser refuses anonymous requests", () => {
    expect(codeOf(() => requireUser(null))).toBe("unauthenticated");
    expect(codeOf(() => requireUser(user()))).toBeUndefined();
  });

  it("requireStaff: admins may do everything finance may; customers may do neither", () => {
    const admin = user({ staffRole: "ADMIN" });
    const finance = user({ staffRole: "FINANCE" });
    const customer = user({ memberships: [member("c1")] });
    expect(codeOf(() => requireStaff(admin, "ADMIN"))).toBeUndefined();
    expect(codeOf(() => requireStaff(admin, "FINANCE"))).toBeUndefined();
    expect(codeOf(() => requireStaff(finance, "FINANCE"))).toBeUndefined();
    expect(codeOf(() => requireStaff(finance, "ADMIN"))).toBe("forbidden");
    expect(codeOf(() => requireStaff(customer, "FINANCE"))).toBe("forbidden");
    expect(codeOf(() => requireStaff(null, "ADMIN"))).toBe("unauthenticated");
  });

  it("requireCustomerMember answers not_found for another customer", () => {
    const customer = user({ memberships: [member("c1")] });
    expect(requireCustomerMember(customer, "c1").customerId).toBe("c1");
    expect(codeOf(() => requireCustomerMember(customer, "c2"))).toBe("not_found");
    expect(codeOf(() => requireCustomerMember(user({ staffRole: "ADMIN" }), "c2"))).toBe("not_found");
  });

  it("requireCustomerAccess lets staff see every customer and members only theirs", () => {
    expect(codeOf(() => requireCustomerAccess(user({ staffRole: "FINANCE" }), "c9"))).toBeUndefined();
    expect(codeOf(() => requireCustomerAccess(user({ memberships: [member("c1")] }), "c9"))).toBe("not_found");
    expect(codeOf(() => requireCustomerAccess(null, "c1"))).toBe("unauthenticated");
  });

  it("lands each role on its home page", () => {
    expect(getLandingPath(user({ staffRole: "ADMIN", memberships: [member("c1")] }))).toBe("/admin");
    expect(getLandingPath(user({ staffRole: "FINANCE" }))).toBe("/finance");
    expect(getLandingPath(user({ memberships: [member("c1"), member("c2")] }))).toBe("/dashboard/c1");
    expect(getLandingPath(user())).toBe("/no-access");
  });
});
