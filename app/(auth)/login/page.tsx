import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getLandingPath } from "@/lib/auth/guards";
import { getPageUser } from "@/lib/auth/page-guards";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Log in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const user = await getPageUser();
  if (user) redirect(getLandingPath(user));
  const { callbackUrl } = await searchParams;
  return (
    <main className="grid min-h-screen place-items-center px-4">
      <div className="w-full max-w-sm">
        <div className="mb-8 text-center">
          <span aria-hidden className="mx-auto grid h-10 w-10 place-items-center rounded-lg bg-brand-600 text-lg font-semibold text-white">
            T
          </span>
          <h1 className="mt-4 text-2xl font-semibold tracking-tight">Log in to Tally</h1>
          <p className="mt-1 text-sm text-slate-500">Usage, invoices and billing in one place.</p>
        </div>
        <div className="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
          <LoginForm callbackUrl={safeCallbackUrl(callbackUrl)} />
        </div>
      </div>
    </main>
  );
}

/** Only paths on this site: never an open redirect. */
function safeCallbackUrl(value: string | undefined): string {
  return value && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/";
}
