import Link from "next/link";

/** The customer's own pages: usage (with the invoice) and plans. */
export function CustomerTabs({ customerId, current }: { customerId: string; current: "usage" | "plans" }) {
  const tabs = [
    { key: "usage", href: `/dashboard/${customerId}`, label: "Usage & invoice" },
    { key: "plans", href: `/dashboard/${customerId}/plans`, label: "Plans" },
  ] as const;
  return (
    <nav aria-label="Account" className="mb-6 flex gap-1 border-b border-slate-200">
      {tabs.map((tab) => (
        <Link
          key={tab.key}
          href={tab.href}
          aria-current={tab.key === current ? "page" : undefined}
          className="-mb-px border-b-2 border-transparent px-3 py-2 text-sm text-slate-600 hover:text-slate-900 aria-[current=page]:border-brand-600 aria-[current=page]:font-medium aria-[current=page]:text-brand-700"
        >
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}
