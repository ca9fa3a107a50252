// Makes sure HubSpot has the company properties a sync writes: reads the companies' properties,
// and creates the Tally group and the missing properties only. A property that exists is left as
// it is (an admin may have relabelled it), unless its type cannot hold Tally's values.
import type { PropertyCreate } from "@hubspot/api-client/lib/codegen/crm/properties";
import { ConnectorError } from "../types";
import { HubSpotApiError, type THubSpotClient } from "./hubspot-client";
import { TALLY_HUBSPOT_GROUP, type THubSpotPropertyDefinition } from "./hubspot-properties";

/** HubSpot takes batches of up to 100 inputs. */
const BATCH_SIZE = 100;

export type THubSpotPropertiesEnsured = { groupCreated: boolean; created: string[] };

export async function ensureHubSpotProperties(client: THubSpotClient, definitions: readonly THubSpotPropertyDefinition[]): Promise<THubSpotPropertiesEnsured> {
  const existing = await client.call("read the company properties", (api) => api.crm.properties.coreApi.getAll("companies"));
  const types = new Map(existing.results.map((property) => [property.name, property.type]));

  const clashes = definitions.filter((definition) => types.has(definition.name) && types.get(definition.name) !== definition.type);
  if (clashes.length > 0) {
    const list = clashes.map((definition) => `${definition.name} is a ${types.get(definition.name)} property, Tally writes a ${definition.type}`).join("; ");
    throw new ConnectorError("hubspot_property_conflict", `HubSpot company properties have other types than Tally needs: ${list}. Delete or rename them in HubSpot, and Tally creates its own.`);
  }

  const missing = definitions.filter((definition) => !types.has(definition.name));
  if (missing.length === 0) return { groupCreated: false, created: [] };

  const groupCreated = await createGroup(client);
  const created: string[] = [];
  for (let start = 0; start < missing.length; start += BATCH_SIZE) {
    const inputs = missing.slice(start, start + BATCH_SIZE).map((definition) => ({ ...definition }) as PropertyCreate);
    const answer = await client.call("create company properties", (api) => api.crm.properties.batchApi.create("companies", { inputs }));
    created.push(...answer.results.map((property) => property.name));
    // A property another run created meanwhile is there all the same; any other error stops the sync.
    const failed = ("errors" in answer ? (answer.errors ?? []) : []).filter((error) => error.category !== "OBJECT_ALREADY_EXISTS");
    if (failed.length > 0) {
      throw new ConnectorError("hubspot_rejected", `HubSpot did not create the company properties: ${failed.map((error) => error.message).join("; ")}`);
    }
  }
  return { groupCreated, created };
}

/** Creates the Tally property group; false when it is there already (HubSpot answers 409). */
async function createGroup(client: THubSpotClient): Promise<boolean> {
  try {
    await client.call("create the Tally property group", (api) => api.crm.properties.groupsApi.create("companies", { ...TALLY_HUBSPOT_GROUP }));
    return true;
  } catch (error) {
    if (error instanceof HubSpotApiError && error.status === 409) return false;
    throw error;
  }
}
