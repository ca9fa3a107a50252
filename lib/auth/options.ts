// next-auth: email + password, JWT sessions carrying only the user id (see session-user.ts).
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { authenticateUser } from "./authenticate-user";
import { getAuthSecret } from "./session-user";

export const ZCredentials = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  password: z.string().min(1).max(1_000),
});

const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

export function getAuthOptions(): NextAuthOptions {
  return {
    secret: getAuthSecret(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(raw) {
          const credentials = ZCredentials.safeParse(raw);
          if (!credentials.success) return null;
          return authenticateUser(credentials.data.email, credentials.data.password);
        },
      }),
    ],
    callbacks: {
      // Only the user id travels in the token; roles and memberships are read per request.
      jwt({ token, user }) {
        return user ? { sub: user.id } : { sub: token.sub };
      },
    },
  };
}
