// Billing credits (SEMANTICS.md §7.4): a grant's balance, which grants are in force, and how they
// apply to an invoice. Stripe's documented rules, as followed here:
// - a grant is in force from `effective_at` (its creation when unset) until `expires_at` (exclusive)
//   unless voided, by the customer's clock;
// - its balance is its ledger: the `credits_granted` credit less every debit (`credits_applied` to an
//   invoice, `credits_voided`, `credits_expired`);
// - at finalization (and in `create_preview`, without writing anything) the grants in force apply in
//   order — priority (0 first; unset = 50), then the soonest `expires_at` (none = last), then
//   `promotional` before `paid`, then the earliest `effective_at`, then the oldest — each to the
//   eligible lines of its currency (`scope.price_type=metered`: lines of metered prices;
//   `scope.prices`: lines of those prices), never more than a line's amount less the credits already
//   on it, nor more than the grant's balance;
// - a line's credits are its `pretax_credit_amounts` (`type: credit_balance_transaction`); the
//   invoice sums them in `total_pretax_credit_amounts` and its total and amount_due drop by them
//   (invoice-builder.ts setInvoiceLines).
// Time-based expiry writes no ledger entry (the balance simply stops being available); only the
// `expire` call records `credits_expired`.
import type Stripe from "stripe";
import type { TEmulator } from "../core/context";
import { newId } from "../core/ids";
import type { Store } from "../core/store";
import { setInvoiceLines } from "./invoice-builder";
import { isMetered } from "./subscription-objects";

export type TCreditState = {
  /** Every credit balance transaction, oldest first. */
  transactions: Stripe.Billing.CreditBalanceTransaction[];
};

export function creditState(store: Store): TCreditState {
  return store.internal<TCreditState>("credits", () => ({ transactions: [] }));
}

const grantIdOf = (transaction: Stripe.Billing.CreditBalanceTransaction) =>
  typeof transaction.credit_grant === "string" ? transaction.credit_grant : transaction.credit_grant.id;

export function grantCustomerId(grant: Stripe.Billing.CreditGrant): string {
  return typeof grant.customer === "string" ? grant.customer : grant.customer.id;
}

/** The grant's ledger balance in minor units: credits less debits. */
export function grantBalance(store: Store, grant: Stripe.Billing.CreditGrant): number {
  let balance = 0;
  for (const transaction of creditState(store).transactions) {
    if (grantIdOf(transaction) !== grant.id) continue;
    balance += transaction.credit?.amount.monetary?.value ?? 0;
    balance -= transaction.debit?.amount.monetary?.value ?? 0;
  }
  return balance;
}

export function isInForce(grant: Stripe.Billing.CreditGrant, at: number): boolean {
  const effective = grant.effective_at ?? grant.created;
  return grant.voided_at === null && effective <= at && (grant.expires_at === null || grant.expires_at > at);
}

/** What the grant can still give at `at` (0 when it is not in force). */
export function availableBalance(store: Store, grant: Stripe.Billing.CreditGrant, at: number): number {
  return isInForce(grant, at) ? Math.max(0, grantBalance(store, grant)) : 0;
}

/** Stripe's application order. */
export function compareGrants(a: Stripe.Billing.CreditGrant, b: Stripe.Billing.CreditGrant): number {
  const expiry = (grant: Stripe.Billing.CreditGrant) => grant.expires_at ?? Number.POSITIVE_INFINITY;
  const category = (grant: Stripe.Billing.CreditGrant) => (grant.category === "promotional" ? 0 : 1);
  return (
    (a.priority ?? 50) - (b.priority ?? 50) ||
    expiry(a) - expiry(b) ||
    category(a) - category(b) ||
    (a.effective_at ?? a.created) - (b.effective_at ?? b.created) ||
    a.created - b.created ||
    a.id.localeCompare(b.id)
  );
}

export function recordTransaction(
  emulator: TEmulator,
  grant: Stripe.Billing.CreditGrant,
  entry: { kind: "credit"; type: Stripe.Billing.CreditBalanceTransaction.Credit.Type } | { kind: "debit"; type: Stripe.Billing.CreditBalanceTransaction.Debit.Type; invoice?: { invoice: string; line: string } },
  value: number,
  at: number,
): Stripe.Billing.CreditBalanceTransaction {
  const amount = { type: "monetary" as const, monetary: { currency: grant.amount.monetary?.currency ?? "usd", value } };
  const transaction: Stripe.Billing.CreditBalanceTransaction = {
    id: newId("cbtxn"),
    object: "billing.credit_balance_transaction",
    created: at,
    credit: entry.kind === "credit" ? { amount, credits_application_invoice_voided: null, type: entry.type } : null,
    credit_grant: grant.id,
    debit:
      entry.kind === "debit"
        ? { amount, credits_applied: entry.invoice ? { invoice: entry.invoice.invoice, invoice_line_item: entry.invoice.line } : null, type: entry.type }
        : null,
    effective_at: at,
    livemode: false,
    test_clock: grant.test_clock,
    type: entry.kind,
  };
  creditState(emulator.store).transactions.push(transaction);
  emulator.store.put("creditGrants", grant); // marks the state changed, so the ledger is saved
  return transaction;
}

function linePrice(store: Store, line: Stripe.InvoiceLineItem): Stripe.Price | undefined {
  const ref = line.pricing?.price_details?.price;
  if (!ref) return undefined;
  return typeof ref === "string" ? store.get("prices", ref) : ref;
}

function eligible(store: Store, grant: Stripe.Billing.CreditGrant, line: Stripe.InvoiceLineItem): boolean {
  if (line.currency !== grant.amount.monetary?.currency || line.amount <= 0) return false;
  const price = linePrice(store, line);
  if (!price) return false;
  const scope = grant.applicability_config.scope;
  if (scope.prices) return scope.prices.some((candidate) => candidate.id === price.id);
  return scope.price_type === "metered" && isMetered(price);
}

/**
 * Applies the customer's grants in force at `at` to the invoice's lines and recomputes its totals.
 * `record`: a finalization writes a `credits_applied` debit per grant and line; a preview writes
 * nothing and its amounts carry no transaction.
 */
export function applyCreditGrants(emulator: TEmulator, invoice: Stripe.Invoice, lines: Stripe.InvoiceLineItem[], at: number, options: { record: boolean }): void {
  const { store } = emulator;
  const customerId = typeof invoice.customer === "string" ? invoice.customer : (invoice.customer?.id ?? "");
  const grants = store
    .list("creditGrants")
    .filter((grant) => grantCustomerId(grant) === customerId && grant.amount.monetary?.currency === invoice.currency)
    .sort(compareGrants);
  for (const line of lines) line.pretax_credit_amounts = [];
  for (const grant of grants) {
    let balance = availableBalance(store, grant, at);
    for (const line of lines) {
      if (balance <= 0) break;
      if (!eligible(store, grant, line)) continue;
      const room = line.amount - (line.pretax_credit_amounts ?? []).reduce((sum, credit) => sum + credit.amount, 0);
      const applied = Math.min(room, balance);
      if (applied <= 0) continue;
      balance -= applied;
      const transaction = options.record ? recordTransaction(emulator, grant, { kind: "debit", type: "credits_applied", invoice: { invoice: invoice.id, line: line.id } }, applied, at) : null;
      line.pretax_credit_amounts = [...(line.pretax_credit_amounts ?? []), { amount: applied, credit_balance_transaction: transaction?.id ?? null, type: "credit_balance_transaction" }];
    }
  }
  setInvoiceLines(invoice, lines);
}
