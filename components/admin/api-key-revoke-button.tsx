"use client";
import { revokeApiKeyAction } from "@/app/admin/api-keys/actions";
import { ConfirmActionButton } from "./confirm-action-button";

/** Revoke, after a confirmation naming the key and what happens to its callers. */
export function ApiKeyRevokeButton({ apiKeyId, name, prefix }: { apiKeyId: string; name: string; prefix: string }) {
  return (
    <ConfirmActionButton
      action={revokeApiKeyAction}
      input={{ apiKeyId }}
      name={`Revoke ${name}`}
      trigger="Revoke…"
      question={
        <>
          Revoke <span className="font-mono">{prefix}…</span>? Every call with it fails from now on. This cannot be undone.
        </>
      }
      confirmLabel="Confirm revoke"
      pendingLabel="Revoking…"
      destructive
    />
  );
}
