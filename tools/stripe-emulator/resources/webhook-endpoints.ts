// Webhook endpoints (`/v1/webhook_endpoints`, SEMANTICS.md §13): where events are delivered. The
// secret is shown only in the create response. Registering the endpoints also starts the
// dispatcher that delivers events to them (webhooks/dispatcher.ts).
import type Stripe from "stripe";
import { z } from "zod";
import type { TEmulator, TRequestContext } from "../core/context";
import { resourceMissing } from "../core/errors";
import { newId } from "../core/ids";
import { paginate } from "../core/list";
import { mergeMetadata, zBool, zExpand, zListParams, zMetadata, zStr } from "../core/params";
import type { Router } from "../core/router";
import type { TWebhookEndpointRecord } from "../core/store";
import { startWebhookDispatcher } from "../webhooks/dispatcher";
import { newWebhookSecret } from "../webhooks/signing";

const zUrl = zStr().refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), "must be an http or https URL");
/** `*` or an event type such as `customer.subscription.updated`. */
const zEnabledEvents = z.array(z.string().regex(/^(\*|[a-z0-9_]+(\.[a-z0-9_]+)+)$/, "must be an event type or *")).min(1, "must list at least one event");
const zApiVersion = z.string().regex(/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/, "must be a Stripe API version");
/** `description=""` clears it. */
const zDescription = zStr();

const ZCreate = z.strictObject({
  url: zUrl,
  enabled_events: zEnabledEvents,
  api_version: zApiVersion.optional(),
  connect: zBool.optional(),
  description: zDescription.optional(),
  metadata: zMetadata.optional(),
  expand: zExpand,
});

const ZUpdate = z.strictObject({
  url: zUrl.optional(),
  enabled_events: zEnabledEvents.optional(),
  disabled: zBool.optional(),
  description: zDescription.optional(),
  metadata: zMetadata.optional(),
  expand: zExpand,
});

const ZRetrieve = z.strictObject({ expand: zExpand });
const ZList = z.strictObject(zListParams);

/** The endpoint as every response but the create one shows it: without its secret. */
function withoutSecret(record: TWebhookEndpointRecord): Stripe.WebhookEndpoint {
  const { secret, ...endpoint } = record;
  void secret;
  return endpoint;
}

function getEndpoint(context: TRequestContext): TWebhookEndpointRecord {
  const id = context.params.id ?? "";
  const endpoint = context.emulator.store.get("webhookEndpoints", id);
  if (!endpoint) throw resourceMissing("webhook endpoint", id);
  return endpoint;
}

export function registerWebhookEndpoints(router: Router, emulator: TEmulator): void {
  startWebhookDispatcher(emulator);

  router.add("POST", "/v1/webhook_endpoints", (context) => {
    const params = context.parse(ZCreate);
    const endpoint: TWebhookEndpointRecord = {
      id: newId("we"),
      object: "webhook_endpoint",
      api_version: params.api_version ?? null,
      application: null,
      created: emulator.now(),
      description: params.description || null,
      enabled_events: params.enabled_events,
      livemode: false,
      metadata: mergeMetadata({}, params.metadata),
      secret: newWebhookSecret(),
      status: "enabled",
      url: params.url,
    };
    return emulator.store.put("webhookEndpoints", endpoint);
  });

  router.add("GET", "/v1/webhook_endpoints/:id", (context) => {
    context.parse(ZRetrieve);
    return withoutSecret(getEndpoint(context));
  });

  router.add("POST", "/v1/webhook_endpoints/:id", (context) => {
    const params = context.parse(ZUpdate);
    const current = getEndpoint(context);
    const updated: TWebhookEndpointRecord = {
      ...current,
      url: params.url ?? current.url,
      enabled_events: params.enabled_events ?? current.enabled_events,
      status: params.disabled === undefined ? current.status : params.disabled ? "disabled" : "enabled",
      description: params.description === undefined ? current.description : params.description || null,
      metadata: mergeMetadata(current.metadata, params.metadata),
    };
    return withoutSecret(emulator.store.put("webhookEndpoints", updated));
  });

  router.add("DELETE", "/v1/webhook_endpoints/:id", (context) => {
    context.parse(z.strictObject({}));
    const endpoint = getEndpoint(context);
    emulator.store.remove("webhookEndpoints", endpoint.id);
    const deleted: Stripe.DeletedWebhookEndpoint = { id: endpoint.id, object: "webhook_endpoint", deleted: true };
    return deleted;
  });

  router.add("GET", "/v1/webhook_endpoints", (context) => {
    const params = context.parse(ZList);
    return paginate(emulator.store.list("webhookEndpoints").map(withoutSecret), params, context.listUrl);
  });
}
