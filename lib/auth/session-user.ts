// Who is making this request. Sessions are next-auth JWT cookies that carry only the user id
// (`sub`); the user's staff role and memberships are read from the database on every request, so
// a revoked role or a disabled user takes effect at once.
import { decode } from "next-auth/jwt";
import { db, type MembershipRole, type StaffRole } from "@/lib/db";
import { env } from "@/lib/env";

export const SESSION_COOKIE_NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

export type TSessionMembership = {
  customerId: string;
  role: MembershipRole;
  customer: { name: string; externalId: string };
};

export type TSessionUser = {
  id: string;
  email: string;
  name: string;
  staffRole: StaffRole | null;
  memberships: TSessionMembership[];
};

export type TCookieReader = { get(name: string): { value: string } | undefined };

/** The session secret; `npm start` generates one, production must set NEXTAUTH_SECRET. */
export function getAuthSecret(): string {
  if (env.NEXTAUTH_SECRET) return env.NEXTAUTH_SECRET;
  throw new Error("NEXTAUTH_SECRET is not set (at least 32 characters). `npm start` generates one for local use.");
}

/** The user behind a session cookie, or null when there is none, it is invalid, or the user is disabled. */
export async function getSessionUser(cookies: TCookieReader): Promise<TSessionUser | null> {
  const token = SESSION_COOKIE_NAMES.map((name) => cookies.get(name)?.value).find(Boolean);
  if (!token) return null;
  let userId: unknown;
  try {
    userId = (await decode({ token, secret: getAuthSecret() }))?.sub;
  } catch {
    return null; // tampered, expired or signed with another secret
  }
  if (typeof userId !== "string") return null;
  return findActiveUser(userId);
}

export async function findActiveUser(userId: string): Promise<TSessionUser | null> {
  const user = await db.user.findFirst({
    where: { id: userId, disabledAt: null },
    select: {
      id: true,
      email: true,
      name: true,
      staffRole: true,
      memberships: {
        orderBy: { createdAt: "asc" },
        select: { customerId: true, role: true, customer: { select: { name: true, externalId: true } } },
      },
    },
  });
  return user;
}
