// `npm start` runs this after the seed (as a child, with the app's environment): registers the demo
// connectors once — a SQL source on the demo product database (daily token totals per account) and
// a HubSpot connector on the local HubSpot fake. Arguments: <product database URL | -> <HubSpot URL> <token>.
// "Once" is the audit log's word: a demo connector an admin renamed or deleted is not made again.
import { createHubSpotConnector } from "@/lib/connectors/create-hubspot-connector";
import { createSqlSource } from "@/lib/connectors/create-sql-source";
import { ZHubSpotConnectorCreateInput, ZSqlSourceCreateInput } from "@/lib/connectors/schemas";
import { db } from "@/lib/db";

const [productUrl, hubspotUrl, hubspotToken] = process.argv.slice(2);
const system = { actor: { kind: "SYSTEM" as const } };
const SOURCE = "Demo product database";
const CRM = "HubSpot (local fake)";

const DEMO_QUERY = `SELECT account_id AS customer,
       'ai_tokens' AS meter,
       sum(total_tokens) AS quantity,
       date_trunc('day', created_at, 'UTC') AS occurred_at
FROM ai_completions
WHERE created_at >= $1
GROUP BY account_id, date_trunc('day', created_at, 'UTC')`;

/** Whether this script created the connector before (whatever happened to it since). */
const registered = async (name: string) =>
  (await db.auditLog.count({ where: { action: "connector.created", actorKind: "SYSTEM", after: { path: ["name"], equals: name } } })) > 0;

async function main() {
  if (productUrl && productUrl !== "-" && !(await registered(SOURCE))) {
    await register(SOURCE, () =>
      createSqlSource(ZSqlSourceCreateInput.parse({ name: SOURCE, connectionUrl: productUrl, mode: "AGGREGATE", query: DEMO_QUERY, keyPrefix: "demo-product" }), system),
    );
  }
  if (hubspotUrl && hubspotToken && !(await registered(CRM))) {
    await register(CRM, () => createHubSpotConnector(ZHubSpotConnectorCreateInput.parse({ name: CRM, accessToken: hubspotToken, apiBaseUrl: hubspotUrl }), system));
  }
  await db.$disconnect();
}

/** The demo is best effort: a connector that cannot be made (its name taken by an admin's) is said, and Tally starts anyway. */
async function register(name: string, create: () => Promise<unknown>) {
  try {
    await create();
    console.log(`[tally] Registered the demo connector "${name}"`);
  } catch (error) {
    console.log(`[tally] Skipped the demo connector "${name}": ${error instanceof Error ? error.message : String(error)}`);
  }
}

main().catch((error: unknown) => {
  console.error(`[tally] demo connectors: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
