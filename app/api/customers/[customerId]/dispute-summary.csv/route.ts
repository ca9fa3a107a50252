import { requireCustomerAccess } from "@/lib/auth/guards";
import { ZDisputeParams, ZDisputeQuery } from "@/lib/finance/dispute-schemas";
import { getDisputeSummaryCsv } from "@/lib/finance/get-dispute-summary-csv";
import { csvResponse } from "@/lib/http/csv-response";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** The walk from the raw total to the invoice line, for the dispute CSV's scope (members and staff; others get 404). */
export const GET = route(
  { auth: "session", params: ZDisputeParams, query: ZDisputeQuery },
  async ({ user, params, query, requestId }) => {
    requireCustomerAccess(user, params.customerId);
    const summary = await getDisputeSummaryCsv({ customerId: params.customerId, ...query }, { audit: { actor: { kind: "USER", userId: user.id }, requestId } });
    return csvResponse(summary.text, summary.filename);
  },
);
