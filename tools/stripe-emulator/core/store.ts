// The emulator's state: Stripe objects by id (typed as the stripe SDK's own types for its pinned
// API version), plus internal records. Persisted to a JSON snapshot (debounced) and an append-only
// log of meter events, so state survives a restart and a million meter events stay cheap to save.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type Stripe from "stripe";

export type TMeterEventRecord = {
  identifier: string;
  event_name: string;
  meter: string;
  customer: string;
  /** The payload value as sent (a decimal string); count meters ignore it. */
  value: string;
  timestamp: number;
  created: number;
  cancelled_at: number | null;
  payload: Record<string, string>;
};

export type TIdempotencyRecord = {
  fingerprint: string;
  status: number;
  body: string;
  created: number;
  inFlight: boolean;
};

export type TWebhookEndpointRecord = Stripe.WebhookEndpoint & { secret: string };

export type TState = {
  customers: Record<string, Stripe.Customer>;
  products: Record<string, Stripe.Product>;
  prices: Record<string, Stripe.Price>;
  subscriptions: Record<string, Stripe.Subscription>;
  invoices: Record<string, Stripe.Invoice>;
  invoiceItems: Record<string, Stripe.InvoiceItem>;
  meters: Record<string, Stripe.Billing.Meter>;
  creditGrants: Record<string, Stripe.Billing.CreditGrant>;
  testClocks: Record<string, Stripe.TestHelpers.TestClock>;
  webhookEndpoints: Record<string, TWebhookEndpointRecord>;
  events: Record<string, Stripe.Event>;
  /** Module-private records (e.g. when a subscription item's price was attached), by module name. */
  internal: Record<string, unknown>;
};

export type TCollection = Exclude<keyof TState, "internal">;

/** Which collection an id belongs to, by Stripe's id prefixes (used by expand and lookups). */
export const ID_PREFIXES: Record<string, TCollection> = {
  cus: "customers",
  prod: "products",
  price: "prices",
  sub: "subscriptions",
  in: "invoices",
  ii: "invoiceItems",
  mtr: "meters",
  credgr: "creditGrants",
  clock: "testClocks",
  we: "webhookEndpoints",
  evt: "events",
};

const emptyState = (): TState => ({
  customers: {},
  products: {},
  prices: {},
  subscriptions: {},
  invoices: {},
  invoiceItems: {},
  meters: {},
  creditGrants: {},
  testClocks: {},
  webhookEndpoints: {},
  events: {},
  internal: {},
});

type TMeterLogLine = { add: TMeterEventRecord } | { cancel: string; at: number };

export class Store {
  state: TState = emptyState();
  /**
   * Idempotency keys of the last 24 hours. Kept in memory only: one per POST adds up fast under
   * load, and a restarted emulator forgetting them is like Stripe pruning them early.
   */
  readonly idempotency = new Map<string, TIdempotencyRecord>();
  private meterEvents: TMeterEventRecord[] = [];
  private byIdentifier = new Map<string, TMeterEventRecord>();
  private byMeterCustomer = new Map<string, TMeterEventRecord[]>();
  private pendingLog: TMeterLogLine[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly flushDelayMs = 200,
  ) {
    if (file) this.load(file);
  }

  /** Every object of a collection, newest first (Stripe's list order). */
  list<C extends TCollection>(collection: C): TState[C][string][] {
    return Object.values(this.state[collection]).reverse() as TState[C][string][];
  }

  get<C extends TCollection>(collection: C, id: string): TState[C][string] | undefined {
    return this.state[collection][id] as TState[C][string] | undefined;
  }

  put<C extends TCollection>(collection: C, object: TState[C][string] & { id: string }): TState[C][string] {
    (this.state[collection] as Record<string, unknown>)[object.id] = object;
    this.changed();
    return object;
  }

  remove(collection: TCollection, id: string): void {
    delete (this.state[collection] as Record<string, unknown>)[id];
    this.changed();
  }

  /** Looks an id up in the collection its prefix names. */
  findById(id: string): unknown {
    const collection = ID_PREFIXES[id.slice(0, id.indexOf("_"))];
    return collection ? this.state[collection][id] : undefined;
  }

  internal<T>(module: string, initial: () => T): T {
    if (!(module in this.state.internal)) this.state.internal[module] = initial();
    return this.state.internal[module] as T;
  }

  // --- meter events ---------------------------------------------------------------------------

  addMeterEvent(record: TMeterEventRecord): void {
    this.index(record);
    this.pendingLog.push({ add: record });
    this.changed();
  }

  cancelMeterEvent(identifier: string, at: number): TMeterEventRecord | undefined {
    const record = this.byIdentifier.get(identifier);
    if (!record || record.cancelled_at !== null) return record;
    record.cancelled_at = at;
    this.pendingLog.push({ cancel: identifier, at });
    this.changed();
    return record;
  }

  meterEventByIdentifier(identifier: string): TMeterEventRecord | undefined {
    return this.byIdentifier.get(identifier);
  }

  /** One customer's events on one meter, in the order they were received. */
  meterEventsFor(meterId: string, customerId: string): readonly TMeterEventRecord[] {
    return this.byMeterCustomer.get(`${meterId}|${customerId}`) ?? [];
  }

  allMeterEvents(): readonly TMeterEventRecord[] {
    return this.meterEvents;
  }

  // --- persistence ----------------------------------------------------------------------------

  reset(): void {
    this.state = emptyState();
    this.idempotency.clear();
    this.meterEvents = [];
    this.byIdentifier.clear();
    this.byMeterCustomer.clear();
    this.pendingLog = [];
    if (this.file) {
      writeFileSync(this.logFile(), "");
      this.writeSnapshot();
    }
  }

  /** Writes everything now (on shutdown, and from the debounce timer). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.file) return;
    if (this.pendingLog.length > 0) {
      appendFileSync(this.logFile(), this.pendingLog.map((line) => JSON.stringify(line)).join("\n") + "\n");
      this.pendingLog = [];
    }
    this.writeSnapshot();
  }

  private changed(): void {
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.flushDelayMs);
    this.timer.unref();
  }

  private index(record: TMeterEventRecord): void {
    this.meterEvents.push(record);
    this.byIdentifier.set(record.identifier, record);
    const key = `${record.meter}|${record.customer}`;
    const list = this.byMeterCustomer.get(key);
    if (list) list.push(record);
    else this.byMeterCustomer.set(key, [record]);
  }

  private logFile(): string {
    return `${this.file}.meter-events.jsonl`;
  }

  private writeSnapshot(): void {
    if (!this.file) return;
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state));
    renameSync(temporary, this.file);
  }

  private load(file: string): void {
    if (existsSync(file)) this.state = { ...emptyState(), ...(JSON.parse(readFileSync(file, "utf8")) as Partial<TState>) };
    if (!existsSync(this.logFile())) return;
    for (const line of readFileSync(this.logFile(), "utf8").split("\n")) {
      if (!line) continue;
      const entry = JSON.parse(line) as TMeterLogLine;
      if ("add" in entry) this.index(entry.add);
      else {
        const record = this.byIdentifier.get(entry.cancel);
        if (record) record.cancelled_at = entry.at;
      }
    }
  }
}
