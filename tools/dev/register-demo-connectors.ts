// `npm start` runs this after the seed (as a child, with the app's environment): registers the demo
// connectors once — a SQL source on the demo product database (daily token totals per account) and
// a HubSpot connector on the local HubSpot fake. Arguments: <product database URL | -> <HubSpot URL> <token>.
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

async function main() {
  if (productUrl && productUrl !== "-" && !(await db.connector.findUnique({ where: { name: SOURCE } }))) {
    await createSqlSource(ZSqlSourceCreateInput.parse({ name: SOURCE, connectionUrl: productUrl, mode: "AGGREGATE", query: DEMO_QUERY, keyPrefix: "demo-product" }), system);
    console.log(`[tally] Registered the SQL source "${SOURCE}" (daily AI token totals from the demo product database)`);
  }
  if (hubspotUrl && hubspotToken && !(await db.connector.findUnique({ where: { name: CRM } }))) {
    await createHubSpotConnector(ZHubSpotConnectorCreateInput.parse({ name: CRM, accessToken: hubspotToken, apiBaseUrl: hubspotUrl }), system);
    console.log(`[tally] Registered the HubSpot connector "${CRM}" (${hubspotUrl})`);
  }
  await db.$disconnect();
}

main().catch((error: unknown) => {
  console.error(`[tally] demo connectors: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
