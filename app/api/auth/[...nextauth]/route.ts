import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { getAuthOptions } from "@/lib/auth/options";

type TContext = { params: Promise<{ nextauth: string[] }> };

// Options are built per request so that `next build` needs no secret.
export function GET(request: NextRequest, context: TContext): Promise<Response> {
  return NextAuth(request, context, getAuthOptions());
}

export { GET as POST };
