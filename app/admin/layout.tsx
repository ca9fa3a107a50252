import type { ReactNode } from "react";
import { AdminNav } from "@/components/admin-nav";
import { AppShell } from "@/components/app-shell";
import { requireStaffPage } from "@/lib/auth/page-guards";

// Every admin page also calls requireStaffPage itself: a layout alone is not an access check.
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await requireStaffPage("ADMIN");
  return (
    <AppShell user={user} current="/admin">
      <AdminNav />
      {children}
    </AppShell>
  );
}
