import { AppShell, PageHeader } from "@/components/app-shell";
import { EmptyState } from "@/components/ui/empty-state";
import { requireUserPage } from "@/lib/auth/page-guards";

export default async function NoAccessPage() {
  const user = await requireUserPage();
  return (
    <AppShell user={user} current="/no-access">
      <PageHeader title={`Welcome, ${user.name}`} />
      <EmptyState title="Your account is not linked to a customer yet">
        Ask the person who invited you to add you to their account.
      </EmptyState>
    </AppShell>
  );
}
