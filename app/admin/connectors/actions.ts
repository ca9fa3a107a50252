"use server";
// The connectors pages' mutations (ADMIN): the one action client, one service each. Results are small
// and plain (no Date, no bigint); secrets only ever go in.
import { revalidatePath } from "next/cache";
import { createHubSpotConnector } from "@/lib/connectors/create-hubspot-connector";
import { createSqlSource } from "@/lib/connectors/create-sql-source";
import { deleteConnector } from "@/lib/connectors/delete-connector";
import { previewSqlSource } from "@/lib/connectors/preview-sql-source";
import { runConnector } from "@/lib/connectors/run-connector";
import { ZConnectorIdInput, ZConnectorLinkInput, ZConnectorUpdateInput, ZHubSpotConnectorCreateInput, ZSqlSourceCreateInput } from "@/lib/connectors/schemas";
import { updateConnector } from "@/lib/connectors/update-connector";
import { updateConnectorLink } from "@/lib/connectors/update-connector-link";
import { AppError } from "@/lib/errors";
import { staffAction } from "@/lib/http/action-client";

/** A dry run shows this many row errors (its count has them all). */
const PREVIEW_ERRORS = 100;

function revalidateConnector(connectorId: string) {
  revalidatePath("/admin");
  revalidatePath("/admin/connectors");
  revalidatePath(`/admin/connectors/${connectorId}`);
}

export const createSqlSourceAction = staffAction("ADMIN", ZSqlSourceCreateInput, async (input, ctx) => {
  const connector = await createSqlSource(input, ctx.audit);
  revalidateConnector(connector.id);
  return { connectorId: connector.id };
});

export const createHubSpotConnectorAction = staffAction("ADMIN", ZHubSpotConnectorCreateInput, async (input, ctx) => {
  const connector = await createHubSpotConnector(input, ctx.audit);
  revalidateConnector(connector.id);
  return { connectorId: connector.id };
});

export const updateConnectorAction = staffAction("ADMIN", ZConnectorUpdateInput, async ({ connectorId, changes }, ctx) => {
  const connector = await updateConnector(connectorId, changes, ctx.audit);
  revalidateConnector(connectorId);
  return { connectorId, name: connector.name, enabled: connector.enabled };
});

export const deleteConnectorAction = staffAction("ADMIN", ZConnectorIdInput, async ({ connectorId }, ctx) => {
  await deleteConnector(connectorId, ctx.audit);
  revalidateConnector(connectorId);
  return { connectorId };
});

export const runConnectorAction = staffAction("ADMIN", ZConnectorIdInput, async ({ connectorId }, ctx) => {
  const outcome = await runConnector(connectorId, { trigger: "MANUAL", triggeredById: ctx.user.id });
  if (!outcome) throw new AppError("conflict", "The connector is already running; its run will show below when it ends.");
  revalidateConnector(connectorId);
  const { runId, status, result, error } = outcome;
  return { runId, status, rowsRead: result.rowsRead, recorded: result.recorded, unchanged: result.unchanged, errorCount: result.errors.length, error };
});

export const previewSqlSourceAction = staffAction("ADMIN", ZConnectorIdInput, async ({ connectorId }) => {
  const { errors, ...preview } = await previewSqlSource(connectorId);
  return { ...preview, errorCount: errors.length, errors: errors.slice(0, PREVIEW_ERRORS) };
});

export const updateConnectorLinkAction = staffAction("ADMIN", ZConnectorLinkInput, async (input, ctx) => {
  const link = await updateConnectorLink(input, ctx.audit);
  revalidatePath(`/admin/connectors/${input.connectorId}`);
  return { customerId: input.customerId, externalId: link.externalId };
});
