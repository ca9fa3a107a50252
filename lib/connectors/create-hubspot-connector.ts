// Registers a HubSpot connector: its private app token sealed; its first sync is due at once (the
// sync creates the company properties it needs).
import type { TAuditContext } from "@/lib/audit/record-audit";
import type { Prisma } from "@/lib/db";
import { createConnector } from "./create-connector";
import type { THubSpotConnectorCreateInput } from "./schemas";
import { sealSecret } from "./secret-box";
import { tokenHint } from "./secret-hint";

export async function createHubSpotConnector(input: THubSpotConnectorCreateInput, context: TAuditContext, now = new Date()): Promise<Prisma.ConnectorModel> {
  return createConnector(
    {
      kind: "HUBSPOT",
      name: input.name,
      secretCiphertext: sealSecret(input.accessToken),
      secretHint: tokenHint(input.accessToken),
      apiBaseUrl: input.apiBaseUrl,
      intervalMinutes: input.intervalMinutes,
      nextRunAt: now,
    },
    context,
  );
}
