import { buildOpenApiDocument } from "@/lib/api/openapi";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const document = buildOpenApiDocument();

/** The admin API's OpenAPI 3.1 document (public: it describes, it grants nothing). */
export const GET = route({ auth: "public" }, async () => document);
