"use client";
// Choosing a plan: a confirmation that says what changes and when, then one server action. The
// action runs once however often the button is clicked (and Stripe's idempotency key covers two tabs).
// The same component stands in every plan card, as a button or as a `placeholder` line ("You are on
// this plan."), so the dialog and its outcome survive the re-render that follows a change, when the
// chosen plan becomes the current one.
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { changeOwnPlanAction, previewPlanChangeAction } from "@/app/(customer)/dashboard/[customerId]/actions";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";
import { formatMoney } from "@/lib/money/currency";

export type TPlanChangeSummary = {
  fromPlan: string;
  toPlan: string;
  kind: "upgrade" | "downgrade" | "current";
  when: "now" | "period_end";
  periodEnd: string;
  /** Lines of "what changes", already worded. */
  changes: string[];
};

type TFigures = { currency: string; baseFeeProrationMinor: string };

export function PlanChangeButton({
  customerId,
  planVersionId,
  label,
  summary: current,
  variant = "primary",
  placeholder,
}: {
  customerId: string;
  planVersionId: string;
  label: string;
  summary: TPlanChangeSummary;
  variant?: "primary" | "secondary";
  /** Shown instead of the button (the current plan, a scheduled one). */
  placeholder?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const router = useRouter();
  const [done, setDone] = useState<string | null>(null);
  const { run, pending, error, clearError } = useStaffAction(changeOwnPlanAction);
  const preview = useStaffAction(previewPlanChangeAction);
  const [figures, setFigures] = useState<TFigures | null>(null);
  // What the dialog describes is fixed when it opens: after the change, the page describes the new state.
  const [opened, setOpened] = useState<TPlanChangeSummary | null>(null);
  const summary = opened ?? current;
  const title = summary.kind === "current" ? `Stay on ${summary.toPlan}` : `${summary.kind === "upgrade" ? "Upgrade" : "Switch"} to ${summary.toPlan}`;
  return (
    <>
      {placeholder !== undefined ? (
        <p className="text-center text-sm text-slate-500">{placeholder}</p>
      ) : (
      <Button
        type="button"
        variant={variant}
        className="w-full"
        onClick={() => {
          clearError();
          setDone(null);
          setFigures(null);
          setOpened(current);
          dialog.current?.showModal();
          // A change now: Stripe's own prorations for it, computed for this second.
          if (summary.when === "now" && summary.kind !== "current") preview.run({ customerId, planVersionId }, setFigures);
        }}
      >
        {label}
      </Button>
      )}
      <dialog ref={dialog} onClose={() => setOpened(null)} aria-labelledby={`confirm-${planVersionId}`} className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-xl p-0 shadow-xl backdrop:bg-slate-900/40">
        <div className="p-6">
          <h2 id={`confirm-${planVersionId}`} className="text-lg font-semibold text-slate-900">
            {title}
          </h2>
          {done ? (
            <p className="mt-3 text-sm text-emerald-800" role="status">
              {done}
            </p>
          ) : (
            <ul className="mt-3 list-disc space-y-1 pl-5 text-sm text-slate-700">
              {summary.changes.map((change) => (
                <li key={change}>{change}</li>
              ))}
            </ul>
          )}
          {!done && summary.when === "now" && summary.kind !== "current" ? (
            <div className="mt-3 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="plan-change-preview" aria-live="polite">
              {figures ? (
                <p>
                  Base fee for the rest of this period, from Stripe&apos;s prorations:{" "}
                  <span className="font-medium tabular-nums">{formatMoney(BigInt(figures.baseFeeProrationMinor), figures.currency)}</span> on your next invoice. Your usage so far is sent to Stripe first and billed at {summary.fromPlan}&apos;s prices.
                </p>
              ) : preview.error ? (
                <p>Stripe could not preview the change ({preview.error.message}); the change itself may still work.</p>
              ) : (
                <p>Asking Stripe what the change costs…</p>
              )}
            </div>
          ) : null}
          {error ? (
            <p className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">
              {error.message}
            </p>
          ) : null}
          <div className="mt-6 flex justify-end gap-2">
            <Button type="button" variant="secondary" onClick={() => dialog.current?.close()}>
              {done ? "Close" : "Cancel"}
            </Button>
            {done ? null : (
              <Button
                type="button"
                disabled={pending}
                data-testid="confirm-plan-change"
                onClick={() =>
                  run({ customerId, planVersionId }, () => {
                    setDone(
                      summary.kind === "current"
                        ? `You stay on ${summary.toPlan}.`
                        : summary.when === "now"
                          ? `You are on ${summary.toPlan} now.`
                          : `You move to ${summary.toPlan} on ${summary.periodEnd}.`,
                    );
                    router.refresh();
                  })
                }
              >
                {pending ? "Changing…" : "Confirm"}
              </Button>
            )}
          </div>
        </div>
      </dialog>
    </>
  );
}
