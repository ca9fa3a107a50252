// Issue #9, pull: a SQL source reads the vendor's product database (a second real database on the
// test server, read by a SELECT-only role) and records its rows through the API's recording path;
// the reporter then takes them to Stripe (the emulator, through the official SDK). Raw rows are
// keyed by their id, aggregate rows record only the change since the last run; re-runs never
// double count, late rows are picked up, and every failure is a visible error on the run.
import { afterEach, describe, expect, it } from "vitest";
import { createSqlSource } from "@/lib/connectors/create-sql-source";
import { previewSqlSource } from "@/lib/connectors/preview-sql-source";
import { runConnector } from "@/lib/connectors/run-connector";
import { runDueConnectors } from "@/lib/connectors/run-due-connectors";
import { runSqlSource } from "@/lib/connectors/postgres/run-sql-source";
import { ZSqlSourceCreateInput } from "@/lib/connectors/schemas";
import { sealSecret } from "@/lib/connectors/secret-box";
import { updateConnector } from "@/lib/connectors/update-connector";
import { db } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { syncInvoice } from "@/lib/stripe/sync-invoice";
import { adminContext, clockAdvance, JAN_1 } from "./catalog-helpers";
import { unique } from "./factories";
import { createProductDatabase, type TProductDatabase } from "./product-database";
import { at, cycleInvoice, DAY, drain, HOUR, meteredQuantity, rawTotal, reporterOptions, stripeTotal, subscribedCustomer, testSender } from "./reporter-helpers";

const FEB_1 = JAN_1 + 31 * DAY;
const NOW = JAN_1 + 10 * DAY;

const products: TProductDatabase[] = [];
afterEach(async () => {
  for (const product of products.splice(0)) await product.drop();
});

async function productDatabase(schemaSql: string) {
  const product = await createProductDatabase(schemaSql);
  products.push(product);
  return product;
}

const RAW_SCHEMA = `CREATE TABLE api_calls (id bigserial PRIMARY KEY, account text NOT NULL, kind text NOT NULL, units numeric, created_at timestamptz NOT NULL)`;
const RAW_QUERY = `SELECT 'call-' || id AS event_id, account AS customer, kind AS meter, units AS quantity, created_at AS occurred_at
FROM api_calls WHERE created_at >= $1 AND created_at < $2;`;
const AGGREGATE_QUERY = `SELECT account AS customer, kind AS meter, sum(units) AS quantity, date_trunc('day', created_at, 'UTC') AS occurred_at
FROM api_calls WHERE created_at >= $1 GROUP BY 1, 2, 4`;

async function source(context: Awaited<ReturnType<typeof adminContext>>, input: Record<string, unknown>, now = NOW) {
  return createSqlSource(ZSqlSourceCreateInput.parse({ name: unique("Product DB"), intervalMinutes: 15, ...input }), context, at(now));
}

const run = (connectorId: string, now = NOW) => runConnector(connectorId, { trigger: "MANUAL", now: at(now) });

/** Rows the product writes: `count` calls of `units` each (null: a COUNT meter's row), spread from `from` an hour apart. */
async function writeCalls(product: TProductDatabase, account: string, kind: string, count: number, units: number | null, from: number) {
  for (let index = 0; index < count; index++) {
    await product.query(`INSERT INTO api_calls (account, kind, units, created_at) VALUES ($1, $2, $3, $4)`, [account, kind, units === null ? null : units + (index % 7), at(from + index * HOUR)]);
  }
}

async function productTotal(product: TProductDatabase, account: string, kind: string): Promise<number> {
  const result = await product.query(`SELECT coalesce(sum(units) FILTER (WHERE units <> 'NaN'), 0)::int AS total FROM api_calls WHERE account = $1 AND kind = $2`, [account, kind]);
  return result.rows[0].total as number;
}

describe("a raw-event source", () => {
  it("reaches Stripe with exact totals through the worker; a re-run records nothing, a late row is picked up once", async () => {
    const { context, meters, clock, customer, subscription, priceOf } = await subscribedCustomer(2);
    const [calls, logins] = meters as [(typeof meters)[0], (typeof meters)[0]];
    const product = await productDatabase(RAW_SCHEMA);
    await writeCalls(product, customer.externalId, calls.eventName, 120, 3, JAN_1 + HOUR);
    await writeCalls(product, customer.externalId, logins.eventName, 30, null, JAN_1 + 2 * DAY);
    await clockAdvance(clock.id, NOW);

    const connector = await source(context, { connectionUrl: product.readerUrl, mode: "RAW", query: RAW_QUERY });
    const first = await run(connector.id);
    expect(first).toMatchObject({ status: "SUCCEEDED", result: { rowsRead: 150, recorded: 150, unchanged: 0, errors: [] }, error: null });
    expect(await run(connector.id)).toMatchObject({ status: "SUCCEEDED", result: { rowsRead: 150, recorded: 0, unchanged: 150 } });

    // A row the product writes late, for January 3rd: the next run records it, and only it.
    await product.query(`INSERT INTO api_calls (account, kind, units, created_at) VALUES ($1, $2, 41, $3)`, [customer.externalId, calls.eventName, at(JAN_1 + 2 * DAY + 5)]);
    expect(await run(connector.id, NOW + HOUR)).toMatchObject({ result: { rowsRead: 151, recorded: 1, unchanged: 150 } });

    const expectedCalls = await productTotal(product, customer.externalId, calls.eventName);
    expect(Number(await rawTotal(customer.id, calls.id))).toBe(expectedCalls);
    await drain(testSender(), reporterOptions([customer.id], () => at(NOW + HOUR)));
    expect(await stripeTotal(calls.stripeMeterId ?? "", customer.stripeCustomerId ?? "", at(JAN_1), at(FEB_1))).toBe(expectedCalls);
    expect(await stripeTotal(logins.stripeMeterId ?? "", customer.stripeCustomerId ?? "", at(JAN_1), at(FEB_1))).toBe(30);

    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    const invoice = await cycleInvoice(customer.stripeCustomerId ?? "", FEB_1);
    expect(invoice && meteredQuantity(invoice, priceOf(calls.id))).toBe(expectedCalls);
    expect(invoice && meteredQuantity(invoice, priceOf(logins.id))).toBe(30);
    await syncInvoice(invoice?.id ?? "");
    expect(subscription.stripeSubscriptionId).toBeTruthy();

    const runs = await db.connectorRun.findMany({ where: { connectorId: connector.id }, orderBy: { startedAt: "asc" } });
    expect(runs.map((row) => [row.status, row.rowsRead, row.recordedCount, row.unchangedCount, row.errorCount])).toEqual([
      ["SUCCEEDED", 150, 150, 0, 0],
      ["SUCCEEDED", 150, 0, 150, 0],
      ["SUCCEEDED", 151, 1, 150, 0],
    ]);
  });

  it("records the good rows and names each bad one: unknown customer, unknown meter, no quantity, too old, an event id changed after it was recorded", async () => {
    const { context, meters, clock, customer } = await subscribedCustomer(1);
    const calls = meters[0] as (typeof meters)[0];
    const product = await productDatabase(RAW_SCHEMA);
    await writeCalls(product, customer.externalId, calls.eventName, 5, 2, JAN_1 + HOUR);
    await product.query(
      `INSERT INTO api_calls (id, account, kind, units, created_at) VALUES
         (1001, 'nobody-here', $1, 1, $3), (1002, $2, 'no_such_meter', 1, $3), (1003, $2, $1, 'NaN', $3), (1004, $2, $1, 7, $4)`,
      [calls.eventName, customer.externalId, at(JAN_1 + 3 * HOUR), at(NOW - 40 * DAY)],
    );
    await clockAdvance(clock.id, NOW);
    // $1 is not used: the query reads every row, including one older than Stripe accepts.
    const connector = await source(context, { connectionUrl: product.readerUrl, mode: "RAW", query: RAW_QUERY.replace("WHERE created_at >= $1 AND created_at < $2", "") });

    const outcome = await run(connector.id);
    expect(outcome).toMatchObject({ status: "PARTIAL", result: { rowsRead: 9, recorded: 5 } });
    const byRef = Object.fromEntries((outcome?.result.errors ?? []).map((error) => [error.ref.replace(/^row \d+ /, ""), error]));
    expect(byRef["(event call-1001)"]).toMatchObject({ code: "unknown_customer", detail: expect.stringContaining('No customer has the external id "nobody-here"') });
    expect(byRef["(event call-1002)"]).toMatchObject({ code: "unknown_meter" });
    expect(byRef["(event call-1003)"]).toMatchObject({ code: "invalid_row", detail: expect.stringContaining("quantity") });
    expect(byRef["(event call-1004)"]?.detail).toMatch(/^occurred_at: /);
    expect(outcome?.result.errors).toHaveLength(4);
    expect(Number(await rawTotal(customer.id, calls.id))).toBe((await productTotal(product, customer.externalId, calls.eventName)) - 7); // all but the row too old (the NaN one is not summed)

    // The connector shows it until a clean run: the count and the first row's reason.
    const shown = await db.connector.findUniqueOrThrow({ where: { id: connector.id } });
    expect(shown).toMatchObject({ lastStatus: "PARTIAL", lastError: expect.stringMatching(/^4 rows were not recorded — row \d+ \(event call-100\d\): /) });

    // A recorded event whose row changes afterwards is refused, never recorded a second time.
    const firstId = (await product.query(`SELECT min(id) AS id FROM api_calls`)).rows[0].id as string;
    await product.query(`UPDATE api_calls SET units = units + 100 WHERE id = $1`, [firstId]);
    await product.query(`DELETE FROM api_calls WHERE id BETWEEN 1001 AND 1004`);
    const changed = await run(connector.id);
    expect(changed).toMatchObject({ status: "PARTIAL", result: { recorded: 0, unchanged: 4 } });
    expect(changed?.result.errors).toEqual([
      { ref: expect.stringMatching(new RegExp(`^row \\d+ \\(event call-${firstId}\\)$`)), code: "idempotency_key_reused", detail: expect.stringContaining("a recorded event is never changed") },
    ]);
  });
});

describe("reading a large source", () => {
  it("streams its rows a page at a time (numbered across pages), and a run past its row cap stops with what it recorded said", async () => {
    const { context, meters, clock, customer } = await subscribedCustomer(1);
    const calls = meters[0] as (typeof meters)[0];
    const product = await productDatabase(RAW_SCHEMA);
    await product.query(
      `INSERT INTO api_calls (account, kind, units, created_at) SELECT $1, $2, 1 + i % 3, $3::timestamptz + i * interval '1 minute' FROM generate_series(1, 2500) AS i`,
      [customer.externalId, calls.eventName, at(JAN_1)],
    );
    await product.query(`UPDATE api_calls SET account = 'nobody' WHERE id = 2222`);
    await clockAdvance(clock.id, NOW);
    const connector = await source(context, { connectionUrl: product.readerUrl, mode: "RAW", query: `${RAW_QUERY.replace(";", "")} ORDER BY id` });
    const sql = { id: connector.id, query: connector.query ?? "", mode: "RAW" as const, keyPrefix: connector.keyPrefix ?? "", secretCiphertext: connector.secretCiphertext };

    const capped = await runSqlSource(sql, { now: at(NOW), read: { pageRows: 700, maxRows: 2_000 } }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(capped).toMatchObject({ code: "too_many_rows", message: expect.stringContaining("the first 1,400 were recorded") });
    expect(await db.usageEvent.count({ where: { customerId: customer.id } })).toBe(1_400);

    const whole = await runSqlSource(sql, { now: at(NOW), read: { pageRows: 700 } });
    expect(whole).toMatchObject({ rowsRead: 2_500, recorded: 1_099, unchanged: 1_400, truncated: false });
    expect(whole.errors).toEqual([{ ref: "row 2222 (event call-2222)", code: "unknown_customer", detail: expect.stringContaining('"nobody"') }]);
    expect(Number(await rawTotal(customer.id, calls.id))).toBe(await productTotal(product, customer.externalId, calls.eventName));
  });

  it("gives raw queries $3, the last run's start less an hour, so a run reads only what the product wrote since", async () => {
    const { context, meters, clock, customer } = await subscribedCustomer(1);
    const calls = meters[0] as (typeof meters)[0];
    const product = await productDatabase(`${RAW_SCHEMA}; ALTER TABLE api_calls ADD COLUMN inserted_at timestamptz NOT NULL DEFAULT now();`);
    const write = (count: number, insertedAt: number) =>
      product.query(
        `INSERT INTO api_calls (account, kind, units, created_at, inserted_at) SELECT $1, $2, 2, $3::timestamptz + i * interval '1 minute', $4 FROM generate_series(1, ${count}) AS i`,
        [customer.externalId, calls.eventName, at(JAN_1 + DAY), at(insertedAt)],
      );
    await write(50, NOW - 2 * HOUR);
    await clockAdvance(clock.id, NOW);
    const query = RAW_QUERY.replace("WHERE created_at >= $1 AND created_at < $2", "WHERE inserted_at >= $3 AND created_at >= $1");
    const connector = await source(context, { connectionUrl: product.readerUrl, mode: "RAW", query });

    expect(await run(connector.id)).toMatchObject({ result: { rowsRead: 50, recorded: 50 } }); // no run before: $3 = $1
    await write(7, NOW + 30 * 60); // written after that run started
    expect(await run(connector.id, NOW + HOUR)).toMatchObject({ result: { rowsRead: 7, recorded: 7, unchanged: 0 } });
    // A row the product commits late, stamped 20 minutes before the last run: inside the hour of
    // overlap, read with the 7 (already recorded) and recorded once.
    await write(1, NOW + 40 * 60);
    expect(await run(connector.id, NOW + 2 * HOUR)).toMatchObject({ result: { rowsRead: 8, recorded: 1, unchanged: 7 } });
    expect(Number(await rawTotal(customer.id, calls.id))).toBe(2 * 58);

    // Totals must add up whole periods: $3 is refused for them.
    await expect(source(context, { connectionUrl: product.readerUrl, mode: "AGGREGATE", query: AGGREGATE_QUERY.replace("$1", "$3") })).rejects.toMatchObject({
      errors: [{ pointer: "/query", detail: expect.stringContaining("not $3") }],
    });
  });
});

describe("an aggregate source", () => {
  it("records only each total's change: a changed late row is picked up on the next run without double counting, exact in Stripe and on the invoice", async () => {
    const { context, meters, clock, customer, priceOf } = await subscribedCustomer(1);
    const calls = meters[0] as (typeof meters)[0];
    const product = await productDatabase(RAW_SCHEMA);
    await writeCalls(product, customer.externalId, calls.eventName, 96, 10, JAN_1); // four days, hourly
    await clockAdvance(clock.id, NOW);

    const connector = await source(context, { connectionUrl: product.readerUrl, mode: "AGGREGATE", query: AGGREGATE_QUERY });
    expect(await run(connector.id)).toMatchObject({ status: "SUCCEEDED", result: { rowsRead: 4, recorded: 4, unchanged: 0 } });
    expect(await run(connector.id)).toMatchObject({ status: "SUCCEEDED", result: { rowsRead: 4, recorded: 0, unchanged: 4 } });

    // Late rows for January 2nd arrive, and a January 3rd row is corrected upward.
    await product.query(`INSERT INTO api_calls (account, kind, units, created_at) VALUES ($1, $2, 250, $3)`, [customer.externalId, calls.eventName, at(JAN_1 + DAY + 7 * HOUR)]);
    await product.query(`UPDATE api_calls SET units = units + 5 WHERE id = (SELECT min(id) FROM api_calls WHERE created_at >= $1)`, [at(JAN_1 + 2 * DAY)]);

    // The dry run shows exactly what the next run records, and writes nothing.
    const eventsBefore = await db.usageEvent.count({ where: { customerId: customer.id } });
    const preview = await previewSqlSource(connector.id, { now: at(NOW + HOUR) });
    expect(preview).toMatchObject({ rowsRead: 4, recorded: 2, unchanged: 2, errors: [] });
    const jan2 = (await product.query(`SELECT sum(units)::text AS total FROM api_calls WHERE created_at >= $1 AND created_at < $2`, [at(JAN_1 + DAY), at(JAN_1 + 2 * DAY)])).rows[0].total as string;
    expect(preview.events.find((event) => event.occurredAt === at(JAN_1 + DAY).toISOString())).toMatchObject({ quantity: "250", total: jan2, previousTotal: String(Number(jan2) - 250) });
    expect(preview.events.find((event) => event.occurredAt === at(JAN_1 + 2 * DAY).toISOString())).toMatchObject({ quantity: "5" });
    expect(await db.usageEvent.count({ where: { customerId: customer.id } })).toBe(eventsBefore);
    expect(await db.connectorRun.count({ where: { connectorId: connector.id } })).toBe(2);

    const third = await run(connector.id, NOW + HOUR);
    expect(third).toMatchObject({ status: "SUCCEEDED", result: { rowsRead: 4, recorded: 2, unchanged: 2 } });
    const recorded = await db.usageEvent.findMany({ where: { customerId: customer.id }, orderBy: { id: "asc" }, select: { quantity: true, idempotencyKey: true } });
    expect(recorded.slice(-2).map((event) => event.quantity.toString()).sort()).toEqual(["250", "5"]);
    expect(recorded.slice(-2).every((event) => event.idempotencyKey.startsWith(`${connector.keyPrefix}:agg:`) && event.idempotencyKey.endsWith(":r2"))).toBe(true);

    const expected = await productTotal(product, customer.externalId, calls.eventName);
    expect(Number(await rawTotal(customer.id, calls.id))).toBe(expected);
    await drain(testSender(), reporterOptions([customer.id], () => at(NOW + HOUR)));
    expect(await stripeTotal(calls.stripeMeterId ?? "", customer.stripeCustomerId ?? "", at(JAN_1), at(FEB_1))).toBe(expected);
    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    const invoice = await cycleInvoice(customer.stripeCustomerId ?? "", FEB_1);
    expect(invoice && meteredQuantity(invoice, priceOf(calls.id))).toBe(expected);
  });

  it("needs SUM meters: a COUNT meter's totals are errors on their rows, the SUM meter's are recorded", async () => {
    const { context, meters, clock, customer } = await subscribedCustomer(2);
    const [calls, logins] = meters as [(typeof meters)[0], (typeof meters)[0]];
    const product = await productDatabase(RAW_SCHEMA);
    await writeCalls(product, customer.externalId, calls.eventName, 5, 10, JAN_1);
    await writeCalls(product, customer.externalId, logins.eventName, 5, 1, JAN_1);
    await clockAdvance(clock.id, NOW);
    const connector = await source(context, { connectionUrl: product.readerUrl, mode: "AGGREGATE", query: AGGREGATE_QUERY });

    const outcome = await run(connector.id);
    expect(outcome).toMatchObject({ status: "PARTIAL", result: { rowsRead: 2, recorded: 1 } });
    expect(outcome?.result.errors).toEqual([
      { ref: expect.stringContaining(logins.eventName), code: "meter_not_summable", detail: expect.stringContaining("is a COUNT meter; per-period totals need a SUM meter") },
    ]);
    expect(await db.usageEvent.count({ where: { customerId: customer.id, meterId: logins.id } })).toBe(0);
    expect(Number(await rawTotal(customer.id, calls.id))).toBe(await productTotal(product, customer.externalId, calls.eventName));
  });

  it("a total that falls on a meter without negative values is an error on its row, and its state waits for the total to recover", async () => {
    const { context, meters, clock, customer } = await subscribedCustomer(1);
    const calls = meters[0] as (typeof meters)[0];
    const product = await productDatabase(RAW_SCHEMA);
    await writeCalls(product, customer.externalId, calls.eventName, 48, 10, JAN_1);
    await clockAdvance(clock.id, NOW);
    const connector = await source(context, { connectionUrl: product.readerUrl, mode: "AGGREGATE", query: AGGREGATE_QUERY });
    expect(await run(connector.id)).toMatchObject({ result: { recorded: 2 } });
    const before = await rawTotal(customer.id, calls.id);

    const removed = (await product.query(`DELETE FROM api_calls WHERE id = (SELECT min(id) FROM api_calls) RETURNING units::int AS units`)).rows[0].units as number;
    const fell = await run(connector.id);
    expect(fell).toMatchObject({ status: "PARTIAL", result: { recorded: 0, unchanged: 1 } });
    expect(fell?.result.errors[0]?.detail).toMatch(/^quantity: .*\(the total went from \d+ to \d+\)$/);
    expect(await rawTotal(customer.id, calls.id)).toBe(before);

    // The product puts the row back: nothing to record, the error is gone.
    await product.query(`INSERT INTO api_calls (account, kind, units, created_at) VALUES ($1, $2, $3, $4)`, [customer.externalId, calls.eventName, removed, at(JAN_1)]);
    expect(await run(connector.id)).toMatchObject({ status: "SUCCEEDED", result: { recorded: 0, unchanged: 2 } });
    expect(await db.connector.findUniqueOrThrow({ where: { id: connector.id } })).toMatchObject({ lastStatus: "SUCCEEDED", lastError: null });
  });
});

describe("failures are visible, never a silent zero", () => {
  it("refuses to save a source it cannot connect to or whose query is wrong, naming the field", async () => {
    const context = await adminContext();
    const product = await productDatabase(RAW_SCHEMA);
    const refused = (input: Record<string, unknown>) =>
      source(context, input).then(
        () => null,
        (error: unknown) => (isAppError(error) ? { code: error.code, errors: error.errors } : error),
      );
    const closed = new URL(product.readerUrl);
    closed.port = "1";
    expect(await refused({ connectionUrl: closed.toString(), mode: "RAW", query: RAW_QUERY })).toMatchObject({
      code: "unprocessable",
      errors: [{ pointer: "/connectionUrl", detail: expect.stringContaining("connection refused") }],
    });
    const wrongPassword = new URL(product.readerUrl);
    wrongPassword.password = "not-it";
    expect(await refused({ connectionUrl: wrongPassword.toString(), mode: "RAW", query: RAW_QUERY })).toMatchObject({
      errors: [{ pointer: "/connectionUrl", detail: expect.stringContaining("password authentication failed") }],
    });
    expect(await refused({ connectionUrl: product.readerUrl, mode: "RAW", query: "SELECT * FROM api_cals" })).toMatchObject({
      errors: [{ pointer: "/query", detail: expect.stringContaining('relation "api_cals" does not exist') }],
    });
    expect(await refused({ connectionUrl: product.readerUrl, mode: "RAW", query: AGGREGATE_QUERY })).toMatchObject({
      errors: [{ pointer: "/query", detail: expect.stringContaining("event_id is missing") }],
    });
    expect(await refused({ connectionUrl: product.readerUrl, mode: "RAW", query: "SELECT $3::text AS event_id" })).toMatchObject({ errors: [{ pointer: "/query" }] });
    expect(await db.connector.count({ where: { secretHint: { contains: new URL(product.readerUrl).pathname } } })).toBe(0);

    // A taken name, or a taken key prefix (which would make two sources' events share keys), is named at its field.
    const first = await source(context, { connectionUrl: product.readerUrl, mode: "RAW", query: RAW_QUERY });
    expect(await refused({ name: first.name, connectionUrl: product.readerUrl, mode: "RAW", query: RAW_QUERY })).toMatchObject({
      code: "conflict",
      errors: [{ pointer: "/name", detail: `A connector is already named "${first.name}".` }],
    });
    expect(await refused({ keyPrefix: first.keyPrefix, connectionUrl: product.readerUrl, mode: "RAW", query: RAW_QUERY })).toMatchObject({
      code: "conflict",
      errors: [{ pointer: "/keyPrefix", detail: expect.stringContaining(`"${first.keyPrefix}"`) }],
    });
  });

  it("a query that breaks later, a product database that goes away, a secret sealed with another key: FAILED runs with the reason", async () => {
    const { context, meters, customer } = await subscribedCustomer(1);
    const product = await productDatabase(RAW_SCHEMA);
    await writeCalls(product, customer.externalId, (meters[0] as (typeof meters)[0]).eventName, 3, 1, JAN_1);
    const connector = await source(context, { connectionUrl: product.readerUrl, mode: "RAW", query: RAW_QUERY });

    await product.query(`ALTER TABLE api_calls RENAME COLUMN units TO amount`);
    expect(await run(connector.id)).toMatchObject({ status: "FAILED", result: { rowsRead: 0, recorded: 0 }, error: expect.stringContaining('column "units" does not exist') });
    expect(await db.connector.findUniqueOrThrow({ where: { id: connector.id } })).toMatchObject({ lastStatus: "FAILED", lastError: expect.stringContaining("The query failed") });
    await product.query(`ALTER TABLE api_calls RENAME COLUMN amount TO units`);

    await db.connector.update({ where: { id: connector.id }, data: { secretCiphertext: sealSecret(product.readerUrl, "b".repeat(64)) } });
    expect(await run(connector.id)).toMatchObject({ status: "FAILED", error: expect.stringContaining("encrypted with another TALLY_ENCRYPTION_KEY") });

    const gone = new URL(product.readerUrl);
    gone.port = "1";
    await db.connector.update({ where: { id: connector.id }, data: { secretCiphertext: sealSecret(gone.toString()) } });
    expect(await run(connector.id)).toMatchObject({ status: "FAILED", error: expect.stringContaining("Could not connect to the product database") });
    const failed = await db.connectorRun.findMany({ where: { connectorId: connector.id }, select: { status: true, error: true, recordedCount: true } });
    expect(failed.map((row) => row.status)).toEqual(["FAILED", "FAILED", "FAILED"]);
    expect(failed.every((row) => row.error && row.recordedCount === 0)).toBe(true);
  });

  it("runs the query read-only even with a role that may write, and stores the connection sealed", async () => {
    const context = await adminContext();
    const product = await productDatabase(`${RAW_SCHEMA}; CREATE SEQUENCE tally_probe;`);
    const writing = `SELECT nextval('tally_probe')::text AS event_id, 'c' AS customer, 'm' AS meter, 1 AS quantity, now() AS occurred_at`;
    const connector = await source(context, { connectionUrl: product.ownerUrl, mode: "RAW", query: writing });
    expect(await run(connector.id)).toMatchObject({ status: "FAILED", error: expect.stringContaining("read-only") });
    expect((await product.query(`SELECT is_called FROM tally_probe`)).rows[0].is_called).toBe(false);

    const stored = await db.connector.findUniqueOrThrow({ where: { id: connector.id } });
    const password = new URL(product.ownerUrl).password;
    expect(stored.secretCiphertext).not.toContain(password);
    expect(stored.secretCiphertext).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(stored.secretHint).not.toContain(password);
    expect(stored.secretHint).toContain(new URL(product.ownerUrl).pathname);
  });
});

describe("the schedule", () => {
  it("runs a due source once per slot however many workers ask, then again one interval later; a manual run of a busy source is refused", async () => {
    const { context, meters, clock, customer } = await subscribedCustomer(1);
    const product = await productDatabase(RAW_SCHEMA);
    await writeCalls(product, customer.externalId, (meters[0] as (typeof meters)[0]).eventName, 10, 1, JAN_1);
    await clockAdvance(clock.id, NOW);
    const connector = await source(context, { connectionUrl: product.readerUrl, mode: "RAW", query: RAW_QUERY, intervalMinutes: 15 });

    // Only this connector is due at NOW (others' next runs are at their own creation times, not ours).
    const scoped = async () => {
      await db.connector.updateMany({ where: { id: { not: connector.id }, nextRunAt: { lte: at(NOW + 15 * 60) } }, data: { nextRunAt: at(NOW + DAY) } });
      return Promise.all([runDueConnectors(at(NOW)), runDueConnectors(at(NOW)), runDueConnectors(at(NOW))]);
    };
    await scoped();
    let runs = await db.connectorRun.findMany({ where: { connectorId: connector.id } });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: "SCHEDULE", status: "SUCCEEDED", recordedCount: 10, runKey: at(NOW).toISOString() });
    expect(await db.usageEvent.count({ where: { customerId: customer.id } })).toBe(10);
    expect((await db.connector.findUniqueOrThrow({ where: { id: connector.id } })).nextRunAt).toEqual(at(NOW + 15 * 60));

    await Promise.all([runDueConnectors(at(NOW + 14 * 60))]);
    expect(await db.connectorRun.count({ where: { connectorId: connector.id } })).toBe(1);
    await db.connector.updateMany({ where: { id: { not: connector.id }, nextRunAt: { lte: at(NOW + 16 * 60) } }, data: { nextRunAt: at(NOW + DAY) } });
    await Promise.all([runDueConnectors(at(NOW + 16 * 60)), runDueConnectors(at(NOW + 16 * 60))]);
    runs = await db.connectorRun.findMany({ where: { connectorId: connector.id }, orderBy: { startedAt: "asc" } });
    expect(runs.map((row) => [row.trigger, row.recordedCount, row.unchangedCount])).toEqual([
      ["SCHEDULE", 10, 0],
      ["SCHEDULE", 0, 10],
    ]);

    // A paused source is not run on schedule; a run in progress refuses a second one.
    await updateConnector(connector.id, { enabled: false }, context);
    await db.connector.update({ where: { id: connector.id }, data: { nextRunAt: at(NOW) } });
    await runDueConnectors(at(NOW + 40 * 60));
    expect(await db.connectorRun.count({ where: { connectorId: connector.id } })).toBe(2);
    await db.connector.update({ where: { id: connector.id }, data: { runningSince: at(NOW + 40 * 60) } });
    await expect(run(connector.id, NOW + 41 * 60)).rejects.toMatchObject({ code: "conflict" });
    // A lease older than 15 minutes is a crashed run's: taken over.
    expect(await run(connector.id, NOW + 56 * 60)).toMatchObject({ status: "SUCCEEDED" });
  });
});
