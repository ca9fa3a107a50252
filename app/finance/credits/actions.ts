"use server";
import { createCredit } from "@/lib/credits/create-credit";
import { ZCreditGrantInput, ZCreditVoidInput } from "@/lib/credits/schemas";
import { voidCredit } from "@/lib/credits/void-credit";
import { staffAction } from "@/lib/http/action-client";

export const grantCreditAction = staffAction("FINANCE", ZCreditGrantInput, async (input, ctx) => ({ id: (await createCredit(input, ctx.audit)).id }));

export const voidCreditAction = staffAction("FINANCE", ZCreditVoidInput, async ({ creditId }, ctx) => ({ id: (await voidCredit(creditId, ctx.audit)).id }));
