// What every connector run gives back, whatever its kind: the counts a run row keeps, and the
// errors of single rows (or companies) that did not go through. A failure of the whole run (the
// connection, the query, the CRM's answer) is thrown as a ConnectorError instead.

/** One row or company that did not go through: `ref` names it for people (row 12, acme.test…). */
export type TConnectorRowError = { ref: string; code: string; detail: string };

export type TConnectorRunResult = {
  /** POSTGRES: rows the query returned; HUBSPOT: customers considered. */
  rowsRead: number;
  /** POSTGRES: usage events recorded; HUBSPOT: companies updated. */
  recorded: number;
  /** POSTGRES: rows already recorded or unchanged; HUBSPOT: companies left as they were. */
  unchanged: number;
  errors: TConnectorRowError[];
};

/** The whole run failed; `message` is shown to admins as is (never a secret in it). */
export class ConnectorError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ConnectorError";
  }
}

/** A customer's usage so far in its current billing period: what a sync pushes to CRMs and webhooks. */
export type TUsageSummary = {
  customerId: string;
  /** The id the vendor's product uses for the customer. */
  externalId: string;
  name: string;
  email: string | null;
  periodStart: Date;
  periodEnd: Date;
  /** Every meter the plan charges and every meter with usage in the period. */
  meters: { eventName: string; displayName: string; unitLabel: string; quantity: string }[];
  /** The pricing engine's invoice at the run-rate projection of the period's usage; null without a plan. */
  projectedInvoiceMinor: bigint | null;
  currency: string | null;
};
