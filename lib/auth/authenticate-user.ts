import { db } from "@/lib/db";
import { getDecoyHash, verifyPassword } from "./password";

export type TAuthenticatedUser = { id: string; email: string; name: string };

/**
 * Checks an email and password. Unknown emails cost the same hash verification as wrong
 * passwords, so response time does not reveal which accounts exist.
 */
export async function authenticateUser(email: string, password: string, now = new Date()): Promise<TAuthenticatedUser | null> {
  const user = await db.user.findUnique({
    where: { email: email.trim().toLowerCase() },
    select: { id: true, email: true, name: true, passwordHash: true, disabledAt: true },
  });
  const valid = await verifyPassword(user?.passwordHash ?? (await getDecoyHash()), password);
  if (!user || !valid || user.disabledAt) return null;
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: now } });
  return { id: user.id, email: user.email, name: user.name };
}
