import { requireCustomerAccess } from "@/lib/auth/guards";
import { CSV_CONTENT_TYPE } from "@/lib/csv/csv-columns";
import { route } from "@/lib/http/route";
import { streamUsageEventsCsv } from "@/lib/metering/stream-usage-events-csv";
import { ZUsageEventsCsvParams, ZUsageEventsCsvQuery } from "@/lib/metering/usage-events-csv-schemas";

export const dynamic = "force-dynamic";

/** A customer's raw usage events in a period, as a streamed CSV (members and staff; others get 404). */
export const GET = route(
  { auth: "session", params: ZUsageEventsCsvParams, query: ZUsageEventsCsvQuery },
  async ({ user, params, query, requestId }) => {
    requireCustomerAccess(user, params.customerId);
    const csv = await streamUsageEventsCsv({ customerId: params.customerId, ...query }, { audit: { actor: { kind: "USER", userId: user.id }, requestId } });
    return new Response(csv.stream, {
      headers: {
        "content-type": CSV_CONTENT_TYPE,
        "content-disposition": `attachment; filename="${csv.filename}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  },
);
