// How a credit's value, remaining balance and status read, for the finance table and the customer's list.
import type { TCreditStatus } from "@/lib/credits/compute-credit-balance";
import type { TCreditRow } from "@/lib/credits/find-credits";
import { formatMoney, formatUnits } from "@/lib/money/currency";

export const CREDIT_STATUS_LABELS: Record<TCreditStatus, string> = {
  ACTIVE: "Active",
  SCHEDULED: "Not yet effective",
  EXPIRED: "Expired",
  VOIDED: "Void",
  USED_UP: "Used up",
  NOT_IN_STRIPE: "Not in Stripe",
};

export function creditValue(credit: TCreditRow): string {
  if (credit.kind === "AMOUNT") return formatMoney(credit.amountMinor ?? 0n, credit.currency ?? "usd");
  if (!credit.quantity) return "—";
  return `${formatUnits(credit.quantity, credit.meter?.unitLabel ?? "unit")}${credit.meter ? ` of ${credit.meter.displayName}` : ""}`;
}

export function creditRemaining(credit: TCreditRow): string {
  return credit.kind === "AMOUNT" ? formatMoney(credit.remainingMinor ?? 0n, credit.currency ?? "usd") : credit.remainingQuantity ? formatUnits(credit.remainingQuantity, credit.meter?.unitLabel ?? "unit") : "—";
}
