"use server";
// The sync page's outbound webhook mutations (ADMIN): the one action client, one service each.
import { revalidatePath } from "next/cache";
import { staffAction } from "@/lib/http/action-client";
import { createWebhookEndpoint } from "@/lib/webhooks/create-webhook-endpoint";
import { deleteWebhookEndpoint } from "@/lib/webhooks/delete-webhook-endpoint";
import { retryWebhookDelivery } from "@/lib/webhooks/retry-webhook-delivery";
import { rotateWebhookSecret } from "@/lib/webhooks/rotate-webhook-secret";
import { ZWebhookDeliveryIdInput, ZWebhookEndpointCreateInput, ZWebhookEndpointIdInput, ZWebhookEndpointUpdateInput } from "@/lib/webhooks/schemas";
import { updateWebhookEndpoint } from "@/lib/webhooks/update-webhook-endpoint";

const PAGE = "/admin/sync";

export const createWebhookEndpointAction = staffAction("ADMIN", ZWebhookEndpointCreateInput, async (input, ctx) => {
  const endpoint = await createWebhookEndpoint(input, ctx.audit);
  revalidatePath(PAGE);
  return { id: endpoint.id, url: endpoint.url };
});

export const updateWebhookEndpointAction = staffAction("ADMIN", ZWebhookEndpointUpdateInput, async ({ endpointId, changes }, ctx) => {
  const endpoint = await updateWebhookEndpoint(endpointId, changes, ctx.audit);
  revalidatePath(PAGE);
  return { id: endpoint.id, enabled: endpoint.disabledAt === null };
});

export const deleteWebhookEndpointAction = staffAction("ADMIN", ZWebhookEndpointIdInput, async ({ endpointId }, ctx) => {
  const deleted = await deleteWebhookEndpoint(endpointId, ctx.audit);
  revalidatePath(PAGE);
  return deleted;
});

export const rotateWebhookSecretAction = staffAction("ADMIN", ZWebhookEndpointIdInput, async ({ endpointId }, ctx) => {
  const endpoint = await rotateWebhookSecret(endpointId, ctx.audit);
  revalidatePath(PAGE);
  return { id: endpoint.id };
});

export const retryWebhookDeliveryAction = staffAction("ADMIN", ZWebhookDeliveryIdInput, async ({ deliveryId }, ctx) => {
  const retried = await retryWebhookDelivery(deliveryId, ctx.audit);
  revalidatePath(PAGE);
  return retried;
});
