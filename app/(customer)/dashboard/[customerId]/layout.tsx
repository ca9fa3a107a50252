// The account's guard, above its pages' loading state (loading.tsx): a page inside that Suspense
// boundary streams, so its status line (200) is sent before the page's own guard runs, and a
// not-yours 404 or a log-in redirect would arrive as a 200. Decided here, it is a real 404 / 307.
// The pages keep their own guard (they need the user).
import type { ReactNode } from "react";
import { requireCustomerAccessPage } from "@/lib/auth/page-guards";

export default async function CustomerAccountLayout({ children, params }: { children: ReactNode; params: Promise<{ customerId: string }> }) {
  await requireCustomerAccessPage((await params).customerId);
  return children;
}
