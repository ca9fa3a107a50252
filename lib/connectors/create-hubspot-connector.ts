// Registers a HubSpot connector: its private app token sealed; its first sync is due at once (the
// sync creates the company properties it needs).
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db, type Prisma } from "@/lib/db";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError } from "@/lib/errors";
import type { THubSpotConnectorCreateInput } from "./schemas";
import { sealSecret } from "./secret-box";
import { tokenHint } from "./secret-hint";

export async function createHubSpotConnector(input: THubSpotConnectorCreateInput, context: TAuditContext, now = new Date()): Promise<Prisma.ConnectorModel> {
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.connector.create({
        data: {
          kind: "HUBSPOT",
          name: input.name,
          secretCiphertext: sealSecret(input.accessToken),
          secretHint: tokenHint(input.accessToken),
          apiBaseUrl: input.apiBaseUrl,
          intervalMinutes: input.intervalMinutes,
          nextRunAt: now,
        },
      });
      const { secretCiphertext: _secret, ...after } = created;
      await recordAudit(tx, { ...context, action: "connector.created", entityType: "connector", entityId: created.id, after });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error, "Connector")) {
      const detail = `A connector is already named "${input.name}".`;
      throw new AppError("conflict", detail, { errors: [{ pointer: "/name", detail }] });
    }
    throw error;
  }
}
