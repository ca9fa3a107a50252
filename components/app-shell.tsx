import Link from "next/link";
import type { ReactNode } from "react";
import type { TSessionUser } from "@/lib/auth/session-user";
import { SignOutButton } from "./sign-out-button";

type TNavItem = { href: string; label: string };

function navFor(user: TSessionUser): TNavItem[] {
  const items: TNavItem[] = [];
  if (user.staffRole === "ADMIN") items.push({ href: "/admin", label: "Admin" });
  if (user.staffRole !== null) items.push({ href: "/finance", label: "Finance" });
  for (const membership of user.memberships) {
    items.push({ href: `/dashboard/${membership.customerId}`, label: membership.customer.name });
  }
  return items;
}

export function AppShell({ user, current, children }: { user: TSessionUser; current: string; children: ReactNode }) {
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
          <Link href="/" className="flex items-center gap-2 font-semibold text-slate-900">
            <span aria-hidden className="grid h-7 w-7 place-items-center rounded-md bg-brand-600 text-sm text-white">
              T
            </span>
            Tally
          </Link>
          <nav aria-label="Main" className="flex flex-1 flex-wrap gap-1">
            {navFor(user).map((item) => (
              <Link
                key={item.href}
                href={item.href}
                aria-current={current === item.href ? "page" : undefined}
                className="rounded-md px-3 py-1.5 text-sm text-slate-600 hover:bg-slate-100 hover:text-slate-900 aria-[current=page]:bg-brand-50 aria-[current=page]:font-medium aria-[current=page]:text-brand-700"
              >
                {item.label}
              </Link>
            ))}
          </nav>
          <div className="flex items-center gap-2 text-sm text-slate-600">
            <span className="hidden sm:inline" data-testid="current-user">
              {user.name}
            </span>
            <SignOutButton />
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-8 sm:px-6">{children}</main>
    </div>
  );
}

export function PageHeader({ title, description }: { title: string; description?: string }) {
  return (
    <div className="mb-6">
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
      {description ? <p className="mt-1 text-sm text-slate-500">{description}</p> : null}
    </div>
  );
}
