import { requireCustomerAccess } from "@/lib/auth/guards";
import { csvResponse } from "@/lib/http/csv-response";
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
    return csvResponse(csv.stream, csv.filename);
  },
);
