// Authorization rules, as pure functions over the session user. Route handlers, server actions and
// pages all call these (pages through lib/auth/page-guards.ts); middleware is never the only check.
import type { StaffRole } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { TSessionMembership, TSessionUser } from "./session-user";

export function requireUser(user: TSessionUser | null): TSessionUser {
  if (!user) throw new AppError("unauthenticated", "Log in to continue.");
  return user;
}

/** A staff member with one of the roles (an ADMIN may do everything FINANCE may). */
export function requireStaff(user: TSessionUser | null, ...roles: StaffRole[]): TSessionUser {
  const current = requireUser(user);
  const allowed = current.staffRole !== null && (current.staffRole === "ADMIN" || roles.includes(current.staffRole));
  if (!allowed) throw new AppError("forbidden", "This area is for Tally staff.");
  return current;
}

/**
 * A member of this customer account. Another customer's id answers exactly like an id that does
 * not exist (404), so ids cannot be probed.
 */
export function requireCustomerMember(user: TSessionUser | null, customerId: string): TSessionMembership {
  const current = requireUser(user);
  const membership = current.memberships.find((candidate) => candidate.customerId === customerId);
  if (!membership) throw new AppError("not_found", "No such customer.");
  return membership;
}

/**
 * May see this customer's account: its members, and staff (admins and finance see every customer).
 * Anyone else gets the same 404 as for an id that does not exist.
 */
export function requireCustomerAccess(user: TSessionUser | null, customerId: string): TSessionUser {
  const current = requireUser(user);
  if (current.staffRole !== null) return current;
  requireCustomerMember(current, customerId);
  return current;
}

/** Where a user lands after logging in. */
export function getLandingPath(user: TSessionUser): string {
  if (user.staffRole === "ADMIN") return "/admin";
  if (user.staffRole === "FINANCE") return "/finance";
  const first = user.memberships[0];
  return first ? `/dashboard/${first.customerId}` : "/no-access";
}
