"use client";
// The subscription actions of the admin customer page: subscribe to a published plan version, change
// the plan now or at the period end, cancel now or at the period end, undo a scheduled cancel. Every
// change is confirmed first with a sentence saying what changes and when.
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import {
  cancelSubscriptionAction,
  changeSubscriptionPlanAction,
  createSubscriptionAction,
  undoScheduledCancelAction,
} from "@/app/admin/customers/actions";
import { Button } from "@/components/ui/button";
import { FormAlert, SelectField } from "./form-controls";
import { useStaffAction } from "./use-staff-action";

export type TPlanOffer = { id: string; label: string; price: string; currency: string; cadence: string };

export type TSubscriptionSummary = {
  id: string;
  planVersionId: string;
  planLabel: string;
  pendingPlanLabel: string | null;
  currency: string;
  cadence: string;
  cancelAtPeriodEnd: boolean;
  /** Formatted on the server (UTC), so server and browser render the same text. */
  periodEndLabel: string;
};

function Confirmation({ children, onConfirm, onBack, confirmLabel, pending }: { children: ReactNode; onConfirm: () => void; onBack: () => void; confirmLabel: string; pending: boolean }) {
  return (
    <div role="group" aria-label="Confirm" className="space-y-3 rounded-lg bg-amber-50 p-4 ring-1 ring-amber-200">
      <p className="text-sm text-amber-900" data-testid="confirmation">
        {children}
      </p>
      <div className="flex gap-2">
        <Button type="button" onClick={onConfirm} disabled={pending}>
          {pending ? "Working…" : confirmLabel}
        </Button>
        <Button type="button" variant="secondary" onClick={onBack} disabled={pending}>
          Back
        </Button>
      </div>
    </div>
  );
}

export function SubscribeForm({ customerId, customerName, offers }: { customerId: string; customerName: string; offers: TPlanOffer[] }) {
  const router = useRouter();
  const selectId = useId();
  const { run, pending, error, fieldError } = useStaffAction(createSubscriptionAction);
  const [chosen, setChosen] = useState<TPlanOffer | null>(null);

  if (offers.length === 0) {
    return <p className="text-sm text-slate-600">No plan version is published yet. Publish one on the Plans page to subscribe customers.</p>;
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const id = String(new FormData(event.currentTarget).get("planVersionId") ?? "");
    setChosen(offers.find((offer) => offer.id === id) ?? null);
  }

  return (
    <div className="space-y-3">
      <form onSubmit={onSubmit} noValidate aria-label="Subscribe" className="flex flex-wrap items-end gap-3">
        <SelectField
          id={selectId}
          name="planVersionId"
          label="Plan"
          className="min-w-64 flex-1"
          disabled={pending || chosen !== null}
          error={fieldError("/planVersionId")}
          options={offers.map((offer) => ({ value: offer.id, label: `${offer.label} · ${offer.price} ${offer.cadence}` }))}
        />
        {chosen === null ? <Button type="submit">Subscribe…</Button> : null}
      </form>
      {chosen ? (
        <Confirmation
          confirmLabel="Confirm subscription"
          pending={pending}
          onBack={() => setChosen(null)}
          onConfirm={() => run({ customerId, planVersionId: chosen.id }, () => {
            setChosen(null);
            router.refresh();
          })}
        >
          Subscribe {customerName} to {chosen.label} now: Stripe starts a subscription at {chosen.price} {chosen.cadence} plus metered usage, billed
          from today.
        </Confirmation>
      ) : null}
      <FormAlert error={error} />
    </div>
  );
}

export function ChangePlanForm({ subscription, offers }: { subscription: TSubscriptionSummary; offers: TPlanOffer[] }) {
  const router = useRouter();
  const selectId = useId();
  const { run, pending, error, fieldError } = useStaffAction(changeSubscriptionPlanAction);
  const [chosen, setChosen] = useState<{ offer: TPlanOffer; when: "now" | "period_end" } | null>(null);
  const candidates = offers.filter((offer) => offer.id !== subscription.planVersionId && offer.currency === subscription.currency && offer.cadence === subscription.cadence);

  if (candidates.length === 0) {
    return <p className="text-sm text-slate-600">No other published plan bills in {subscription.currency.toUpperCase()} {subscription.cadence}.</p>;
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const offer = candidates.find((candidate) => candidate.id === form.get("planVersionId"));
    if (offer) setChosen({ offer, when: form.get("when") === "period_end" ? "period_end" : "now" });
  }

  return (
    <div className="space-y-3">
      <form onSubmit={onSubmit} noValidate aria-label="Change plan" className="space-y-3">
        <SelectField
          id={selectId}
          name="planVersionId"
          label="New plan"
          disabled={pending || chosen !== null}
          error={fieldError("/planVersionId")}
          options={candidates.map((offer) => ({ value: offer.id, label: `${offer.label} · ${offer.price} ${offer.cadence}` }))}
        />
        <fieldset className="space-y-1" disabled={pending || chosen !== null}>
          <legend className="text-sm font-medium text-slate-700">When</legend>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="radio" name="when" value="now" defaultChecked /> Now, with prorations
          </label>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="radio" name="when" value="period_end" /> At the end of the current period ({subscription.periodEndLabel})
          </label>
        </fieldset>
        {chosen === null ? (
          <Button type="submit" variant="secondary">
            Change plan…
          </Button>
        ) : null}
      </form>
      {chosen ? (
        <Confirmation
          confirmLabel="Confirm plan change"
          pending={pending}
          onBack={() => setChosen(null)}
          onConfirm={() => run({ subscriptionId: subscription.id, planVersionId: chosen.offer.id, when: chosen.when }, () => {
            setChosen(null);
            router.refresh();
          })}
        >
          {chosen.when === "now"
            ? `Move from ${subscription.planLabel} to ${chosen.offer.label} now: the base fee becomes ${chosen.offer.price} ${chosen.offer.cadence}, the unused part of the current fee is credited, and usage from now on is priced by ${chosen.offer.label}.`
            : `Move from ${subscription.planLabel} to ${chosen.offer.label} on ${subscription.periodEndLabel}, at the end of the current period: until then nothing changes; from then the base fee is ${chosen.offer.price} ${chosen.offer.cadence}.`}
        </Confirmation>
      ) : null}
      <FormAlert error={error} />
    </div>
  );
}

export function CancelSubscriptionControls({ subscription }: { subscription: TSubscriptionSummary }) {
  const router = useRouter();
  const cancel = useStaffAction(cancelSubscriptionAction);
  const undo = useStaffAction(undoScheduledCancelAction);
  const [when, setWhen] = useState<"now" | "period_end" | null>(null);

  if (subscription.cancelAtPeriodEnd) {
    return (
      <div className="space-y-3">
        <p className="text-sm text-slate-700">
          Cancels on <strong>{subscription.periodEndLabel}</strong>, at the end of the current period.
        </p>
        <Button type="button" variant="secondary" disabled={undo.pending} onClick={() => undo.run({ subscriptionId: subscription.id }, () => router.refresh())}>
          {undo.pending ? "Working…" : "Undo scheduled cancel"}
        </Button>
        <FormAlert error={undo.error} />
      </div>
    );
  }

  return (
    <div className="space-y-3">
      {when === null ? (
        <div className="flex flex-wrap gap-2">
          <Button type="button" variant="secondary" onClick={() => setWhen("period_end")}>
            Cancel at period end…
          </Button>
          <Button type="button" variant="secondary" onClick={() => setWhen("now")}>
            Cancel now…
          </Button>
        </div>
      ) : (
        <Confirmation
          confirmLabel="Confirm cancellation"
          pending={cancel.pending}
          onBack={() => setWhen(null)}
          onConfirm={() => cancel.run({ subscriptionId: subscription.id, when }, () => {
            setWhen(null);
            router.refresh();
          })}
        >
          {when === "now"
            ? `Cancel ${subscription.planLabel} now: Stripe ends the subscription at once, bills the usage not yet invoiced on a final invoice and credits the unused base fee.`
            : `Cancel ${subscription.planLabel} on ${subscription.periodEndLabel}, at the end of the current period: it stays active until then, and you can undo this before that date.`}
        </Confirmation>
      )}
      <FormAlert error={cancel.error} />
    </div>
  );
}
