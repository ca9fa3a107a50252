// The company properties Tally writes in HubSpot, all in one property group: one number per meter
// (its usage this period), when the period started, the projected invoice and its currency.
import { computeHubSpotPropertyName } from "./hubspot-property-name";

/** The property group that holds every Tally property on a company record. */
export const TALLY_HUBSPOT_GROUP = { name: "tally", label: "Tally usage" } as const;

export const TALLY_PERIOD_START_PROPERTY = "tally_period_start";
export const TALLY_PROJECTED_INVOICE_PROPERTY = "tally_projected_invoice_amount";
export const TALLY_CURRENCY_PROPERTY = "tally_currency";

/** A meter as the properties name it: its event name (the property's name) and display name (its label). */
export type THubSpotMeter = { eventName: string; displayName: string; unitLabel?: string };

/**
 * A property as the properties API creates it (POST /crm/v3/properties/companies/batch/create).
 * `type` is how HubSpot stores the value, `fieldType` how it shows it; the pairs are HubSpot's
 * (number/number, datetime/date, string/text).
 */
export type THubSpotPropertyDefinition = {
  name: string;
  label: string;
  description: string;
  groupName: string;
  type: "number" | "datetime" | "string";
  fieldType: "number" | "date" | "text";
};

/**
 * The properties for a set of meters (each meter once, in event-name order), then the period start
 * (a datetime: billing periods start at any instant, and a `date` holds midnight UTC only), the
 * projected invoice amount (a number, in major units) and its currency (a string).
 */
export function computeHubSpotProperties(meters: readonly THubSpotMeter[]): THubSpotPropertyDefinition[] {
  const byEventName = new Map(meters.map((meter) => [meter.eventName, meter]));
  const groupName = TALLY_HUBSPOT_GROUP.name;
  const usage = [...byEventName.values()]
    .sort((a, b) => (a.eventName < b.eventName ? -1 : a.eventName > b.eventName ? 1 : 0))
    .map(
      (meter): THubSpotPropertyDefinition => ({
        name: computeHubSpotPropertyName(meter.eventName),
        label: `Tally: ${meter.displayName} this period`,
        description: `Usage of the "${meter.eventName}" meter${meter.unitLabel ? ` (${meter.unitLabel})` : ""} in the customer's current billing period, written by Tally.`,
        groupName,
        type: "number",
        fieldType: "number",
      }),
    );
  return [
    ...usage,
    {
      name: TALLY_PERIOD_START_PROPERTY,
      label: "Tally: period start",
      description: "When the customer's current billing period started, written by Tally.",
      groupName,
      type: "datetime",
      fieldType: "date",
    },
    {
      name: TALLY_PROJECTED_INVOICE_PROPERTY,
      label: "Tally: projected invoice",
      description: "The invoice for the current period at its usage so far, projected to the period's end, in major units of Tally: currency. Written by Tally.",
      groupName,
      type: "number",
      fieldType: "number",
    },
    {
      name: TALLY_CURRENCY_PROPERTY,
      label: "Tally: currency",
      description: "The ISO 4217 code of the projected invoice (USD, EUR…), written by Tally.",
      groupName,
      type: "string",
      fieldType: "text",
    },
  ];
}
