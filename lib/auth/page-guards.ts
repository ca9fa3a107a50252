// The guards for Server Components: the same rules as lib/auth/guards.ts, answered the way a page
// should: not logged in → the login page (then back), not allowed → 403 page, not yours → 404 page.
import { cookies, headers } from "next/headers";
import { forbidden, notFound, redirect } from "next/navigation";
import type { StaffRole } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { requireCustomerAccess, requireCustomerMember, requireStaff, requireUser } from "./guards";
import { getSessionUser, type TSessionMembership, type TSessionUser } from "./session-user";

export async function getPageUser(): Promise<TSessionUser | null> {
  return getSessionUser(await cookies());
}

async function guard<T>(check: (user: TSessionUser | null) => T): Promise<T> {
  const user = await getPageUser();
  try {
    return check(user);
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code === "unauthenticated") {
      const path = (await headers()).get("x-tally-path") ?? "/";
      redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
    }
    if (error.code === "forbidden") forbidden();
    if (error.code === "not_found") notFound();
    throw error;
  }
}

export function requireUserPage(): Promise<TSessionUser> {
  return guard(requireUser);
}

export function requireStaffPage(...roles: StaffRole[]): Promise<TSessionUser> {
  return guard((user) => requireStaff(user, ...roles));
}

/** A page of one customer's account: its members and staff may open it. */
export function requireCustomerAccessPage(customerId: string): Promise<TSessionUser> {
  return guard((user) => requireCustomerAccess(user, customerId));
}

/** A page only the customer's own members may use (e.g. changing their plan). */
export function requireCustomerMemberPage(customerId: string): Promise<TSessionMembership> {
  return guard((user) => requireCustomerMember(user, customerId));
}
