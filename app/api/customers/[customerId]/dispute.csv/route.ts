import { requireCustomerAccess } from "@/lib/auth/guards";
import { ZDisputeParams, ZDisputeQuery } from "@/lib/finance/dispute-schemas";
import { streamDisputeCsv } from "@/lib/finance/stream-dispute-csv";
import { csvResponse } from "@/lib/http/csv-response";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Every raw event behind a customer's usage in a period or invoice line, streamed (members and staff; others get 404). */
export const GET = route(
  { auth: "session", params: ZDisputeParams, query: ZDisputeQuery },
  async ({ user, params, query, requestId }) => {
    requireCustomerAccess(user, params.customerId);
    const csv = await streamDisputeCsv({ customerId: params.customerId, ...query }, { audit: { actor: { kind: "USER", userId: user.id }, requestId } });
    return csvResponse(csv.stream, csv.filename);
  },
);
