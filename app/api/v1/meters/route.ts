import { adminRoute } from "@/lib/api/admin-route";
import { serializeMeter } from "@/lib/api/resources";
import { ZMeterListQuery } from "@/lib/api/schemas";
import { wireBody } from "@/lib/api/wire";
import { createMeter } from "@/lib/catalog/create-meter";
import { findMeters } from "@/lib/catalog/find-meters";
import { ZMeterInput } from "@/lib/catalog/schemas";
import { json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = adminRoute({ query: ZMeterListQuery }, async ({ query }) => {
  const meters = await findMeters(query);
  return { data: meters.map(serializeMeter) };
});

export const POST = adminRoute({ body: wireBody(ZMeterInput) }, async ({ body, audit }) => {
  return json(serializeMeter(await createMeter(body, audit)), { status: 201 });
});
