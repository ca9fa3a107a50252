"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/admin", label: "Overview", exact: true },
  { href: "/admin/meters", label: "Meters" },
  { href: "/admin/plans", label: "Plans" },
  { href: "/admin/customers", label: "Customers" },
  { href: "/admin/api-keys", label: "API keys" },
  { href: "/admin/sync", label: "Stripe sync" },
  { href: "/admin/connectors", label: "Connectors" },
  { href: "/finance/audit", label: "Audit log" },
];

/** The admin area's section tabs. */
export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Admin" className="mb-6 flex flex-wrap gap-1 border-b border-slate-200">
      {LINKS.map((link) => {
        const active = link.exact ? pathname === link.href : pathname.startsWith(link.href);
        return (
          <Link
            key={link.href}
            href={link.href}
            aria-current={active ? "page" : undefined}
            className="-mb-px border-b-2 border-transparent px-3 py-2 text-sm text-slate-600 hover:text-slate-900 aria-[current=page]:border-brand-600 aria-[current=page]:font-medium aria-[current=page]:text-brand-700"
          >
            {link.label}
          </Link>
        );
      })}
    </nav>
  );
}
