// The credit forms' inputs, parsed once at the edge (the finance server actions). What needs the
// database or the clock (the customer's plan currency, the meter, an expiry in the future) is
// checked by createCredit, with the same field pointers.
import { z } from "zod";
import { zDecimal } from "@/lib/catalog/schemas";

const zOptionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

export const ZCreditGrantInput = z
  .strictObject({
    customerId: z.uuid("Choose a customer."),
    kind: z.enum(["AMOUNT", "QUANTITY"], "Choose an amount or a quantity of a meter."),
    /** AMOUNT: in major units ("25.00"), in `currency`. */
    amount: zOptionalText,
    currency: zOptionalText,
    /** QUANTITY: free units of `meterId`. */
    meterId: zOptionalText,
    quantity: zOptionalText,
    reason: z.string().trim().min(1, "Give the reason (the customer sees it).").max(200, "At most 200 characters."),
    /** ISO date-time; empty: the credit does not expire. */
    expiresAt: zOptionalText.pipe(z.iso.datetime({ offset: true, message: "Enter a date and time, e.g. 2026-12-31T23:59:00Z." }).transform((value) => new Date(value)).optional()),
  })
  .transform((input, ctx) => {
    const fail = (path: string, message: string) => {
      ctx.addIssue({ code: "custom", path: [path], message });
      return z.NEVER;
    };
    if (input.kind === "AMOUNT") {
      if (!input.amount) return fail("amount", "Enter the amount, e.g. 25.00.");
      if (!input.currency || !/^[A-Za-z]{3}$/.test(input.currency)) return fail("currency", "Enter the three-letter currency, e.g. USD.");
      const amount = zDecimal({ positive: true }).safeParse(input.amount);
      if (!amount.success) return fail("amount", amount.error.issues[0]?.message ?? "Enter a positive amount.");
      return { kind: "AMOUNT" as const, customerId: input.customerId, amount: amount.data, currency: input.currency.toLowerCase(), reason: input.reason, expiresAt: input.expiresAt ?? null };
    }
    if (!input.meterId) return fail("meterId", "Choose the meter.");
    if (!z.uuid().safeParse(input.meterId).success) return fail("meterId", "No such meter.");
    if (!input.quantity) return fail("quantity", "Enter the number of free units.");
    const quantity = zDecimal({ positive: true }).safeParse(input.quantity);
    if (!quantity.success) return fail("quantity", quantity.error.issues[0]?.message ?? "Enter a positive quantity.");
    return { kind: "QUANTITY" as const, customerId: input.customerId, meterId: input.meterId, quantity: quantity.data, reason: input.reason, expiresAt: input.expiresAt ?? null };
  });

export type TCreditGrantInput = z.output<typeof ZCreditGrantInput>;

export const ZCreditVoidInput = z.strictObject({ creditId: z.uuid("No such credit.") });
export type TCreditVoidInput = z.output<typeof ZCreditVoidInput>;
