// Writes property values onto HubSpot companies by id, 100 companies a request (HubSpot's batch
// limit). HubSpot answers a batch naming ids it does not know with 207 Multi-Status and an
// OBJECT_NOT_FOUND error listing them (context.ids), having updated the others; an answer that
// fails the whole batch for unknown ids (404 with the same error) is handled alike, by sending the
// batch again without them.
import type { THubSpotClient } from "./hubspot-client";
import { HubSpotApiError } from "./hubspot-client";

export const HUBSPOT_BATCH_LIMIT = 100;

export type THubSpotCompanyUpdate = { id: string; properties: Record<string, string> };

export type THubSpotCompaniesUpdated = {
  updated: string[];
  /** Ids HubSpot does not know (deleted, or merged into another company). */
  missing: string[];
  /** Ids HubSpot refused for another reason, with what it said. */
  rejected: { id: string; message: string }[];
};

export async function updateHubSpotCompanies(client: THubSpotClient, updates: readonly THubSpotCompanyUpdate[]): Promise<THubSpotCompaniesUpdated> {
  const outcome: THubSpotCompaniesUpdated = { updated: [], missing: [], rejected: [] };
  for (let start = 0; start < updates.length; start += HUBSPOT_BATCH_LIMIT) {
    await updateBatch(client, updates.slice(start, start + HUBSPOT_BATCH_LIMIT), outcome);
  }
  return outcome;
}

async function updateBatch(client: THubSpotClient, batch: THubSpotCompanyUpdate[], outcome: THubSpotCompaniesUpdated): Promise<void> {
  let inputs = batch;
  while (inputs.length > 0) {
    const sent = new Set(inputs.map((input) => input.id));
    try {
      const answer = await client.call(`update ${inputs.length} companies`, (api) => api.crm.companies.batchApi.update({ inputs }));
      const failed = new Set<string>();
      const unattributed: string[] = [];
      for (const error of "errors" in answer ? (answer.errors ?? []) : []) {
        const ids = (error.context?.ids ?? []).filter((id) => sent.has(id));
        for (const id of ids) failed.add(id);
        if (error.category === "OBJECT_NOT_FOUND") outcome.missing.push(...ids);
        else outcome.rejected.push(...ids.map((id) => ({ id, message: error.message })));
        if (ids.length === 0) unattributed.push(error.message);
      }
      // An error that names no id: the companies missing from the results are the ones it is about.
      const returned = new Set(answer.results.map((company) => company.id));
      for (const id of sent) {
        if (failed.has(id)) continue;
        if (unattributed.length > 0 && !returned.has(id)) outcome.rejected.push({ id, message: unattributed.join("; ") });
        else outcome.updated.push(id);
      }
      return;
    } catch (error) {
      if (!(error instanceof HubSpotApiError)) throw error;
      const unknown = error.category === "OBJECT_NOT_FOUND" ? (error.context?.ids ?? []).filter((id) => sent.has(id)) : [];
      if (unknown.length > 0) {
        outcome.missing.push(...unknown);
        inputs = inputs.filter((input) => !unknown.includes(input.id));
        continue;
      }
      // HubSpot refused the whole batch (a 400 names no company): each company gets its message.
      outcome.rejected.push(...inputs.map((input) => ({ id: input.id, message: error.message })));
      return;
    }
  }
}
