"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { revokeApiKeyAction } from "@/app/admin/api-keys/actions";
import { Button } from "@/components/ui/button";
import { FormAlert } from "./form-controls";
import { useStaffAction } from "./use-staff-action";

/** Revoke, after a confirmation naming the key and what happens to its callers. */
export function ApiKeyRevokeButton({ apiKeyId, name, prefix }: { apiKeyId: string; name: string; prefix: string }) {
  const router = useRouter();
  const { run, pending, error } = useStaffAction(revokeApiKeyAction);
  const [confirming, setConfirming] = useState(false);

  if (!confirming) {
    return (
      <Button type="button" variant="secondary" className="px-2.5 py-1 text-xs" onClick={() => setConfirming(true)} aria-label={`Revoke ${name}`}>
        Revoke…
      </Button>
    );
  }
  return (
    <div role="group" aria-label={`Revoke ${name}`} className="space-y-2 text-left">
      <p className="text-xs text-slate-700">
        Revoke <span className="font-mono">{prefix}…</span>? Every call with it fails from now on. This cannot be undone.
      </p>
      <div className="flex gap-2">
        <Button
          type="button"
          variant="secondary"
          className="px-2.5 py-1 text-xs text-red-700 ring-red-300"
          disabled={pending}
          onClick={() =>
            run({ apiKeyId }, () => {
              setConfirming(false);
              router.refresh();
            })
          }
        >
          {pending ? "Revoking…" : "Confirm revoke"}
        </Button>
        <Button type="button" variant="ghost" className="px-2.5 py-1 text-xs" disabled={pending} onClick={() => setConfirming(false)}>
          Keep
        </Button>
      </div>
      <FormAlert error={error} />
    </div>
  );
}
