// Runs the HubSpot fake: `node --import tsx tools/hubspot-fake/main.ts [port] [--seed]`. State lives
// in memory only. Point a HubSpot connector at the printed URL (its API base URL) with the token.
//   HUBSPOT_FAKE_PORT    port, when not given as an argument (default 12112)
//   HUBSPOT_FAKE_TOKEN   the access token it accepts (default hubspot-fake-token)
//   HUBSPOT_FAKE_HOST    interface (default 127.0.0.1)
//   --seed               adds a few companies (acme.test, globex.test, two at initech.test)
import { startHubSpotFake } from "./server";

const args = process.argv.slice(2);
const portArgument = args.find((arg) => /^\d+$/.test(arg));
const port = Number(portArgument ?? process.env.HUBSPOT_FAKE_PORT ?? 12112);

const running = await startHubSpotFake({ port, host: process.env.HUBSPOT_FAKE_HOST ?? "127.0.0.1", accessToken: process.env.HUBSPOT_FAKE_TOKEN || undefined });
if (args.includes("--seed")) {
  running.addCompany({ name: "Acme", domain: "acme.test" });
  running.addCompany({ name: "Globex", domain: "globex.test" });
  running.addCompany({ name: "Initech", domain: "initech.test" });
  running.addCompany({ name: "Initech (duplicate)", domain: "initech.test" });
}
console.log(`[hubspot-fake] listening on ${running.url} (API base URL), access token: ${running.accessToken}`);
if (args.includes("--seed")) console.log(`[hubspot-fake] seeded companies: ${[...running.companies.values()].map((company) => `${company.id} ${company.properties.domain}`).join(", ")}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void running.stop().then(() => process.exit(0));
  });
}
