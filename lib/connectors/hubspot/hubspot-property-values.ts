// One customer's usage summary as the values of the Tally company properties. HubSpot takes every
// value as a string: quantities and amounts as exact decimal strings (never through a JS number),
// datetimes as ISO 8601 (HubSpot also takes epoch milliseconds), and "" to clear a value.
import { ExactDecimal, fromMinorUnits, minorUnitExponent, normalizeCurrency } from "@/lib/money/currency";
import type { TUsageSummary } from "../types";
import { TALLY_CURRENCY_PROPERTY, TALLY_PERIOD_START_PROPERTY, TALLY_PROJECTED_INVOICE_PROPERTY } from "./hubspot-properties";
import { computeHubSpotPropertyName } from "./hubspot-property-name";

/**
 * The values for one company. `eventNames` are the meters whose properties this sync writes (every
 * meter of every summary): a meter missing from this customer's summary had no usage and is not
 * charged by its plan, so its property reads 0 rather than keeping an older period's figure.
 * Without a plan (no projection) the amount and currency are cleared.
 */
export function computeHubSpotPropertyValues(summary: TUsageSummary, eventNames: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const eventName of eventNames) values[computeHubSpotPropertyName(eventName)] = "0";
  for (const meter of summary.meters) values[computeHubSpotPropertyName(meter.eventName)] = new ExactDecimal(meter.quantity).toFixed();
  values[TALLY_PERIOD_START_PROPERTY] = summary.periodStart.toISOString();
  const { projectedInvoiceMinor, currency } = summary;
  const priced = projectedInvoiceMinor !== null && currency !== null;
  values[TALLY_PROJECTED_INVOICE_PROPERTY] = priced ? fromMinorUnits(projectedInvoiceMinor, currency).toFixed(minorUnitExponent(currency)) : "";
  values[TALLY_CURRENCY_PROPERTY] = priced ? normalizeCurrency(currency).toUpperCase() : "";
  return values;
}
