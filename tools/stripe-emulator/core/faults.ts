// Fault injection for testing clients (issue: "Limits and faults"): fail the next N matching calls
// with an error, delay them, or commit them and then drop the connection before answering.
import { z } from "zod";
import { newId } from "./ids";

export const ZFault = z.strictObject({
  /** Only calls with this method (any when omitted). */
  method: z.enum(["GET", "POST", "DELETE"]).optional(),
  /** Only calls whose path starts with this, e.g. `/v1/billing/meter_events`. */
  path: z.string().startsWith("/"),
  /**
   * Only calls whose raw request body (form or JSON, as received) contains this string, e.g. a
   * customer id: aims a fault at one customer's calls while other clients share the emulator.
   */
  body_contains: z.string().min(1).optional(),
  action: z.enum(["error", "delay", "drop"]),
  /** How many matching calls are affected. */
  count: z.number().int().min(1).max(1_000_000).default(1),
  /** error: the HTTP status and Stripe error (defaults: 500 api_error). */
  status: z.number().int().min(400).max(599).default(500),
  error_type: z.enum(["api_error", "card_error", "idempotency_error", "invalid_request_error"]).default("api_error"),
  error_code: z.string().optional(),
  message: z.string().default("An unexpected error occurred (injected by the Stripe emulator)."),
  /** delay: milliseconds to wait before handling the call. */
  delay_ms: z.number().int().min(0).max(600_000).default(0),
});

export type TFault = z.output<typeof ZFault> & { id: string; remaining: number };

export class Faults {
  private faults: TFault[] = [];

  add(spec: z.input<typeof ZFault>): TFault {
    const parsed = ZFault.parse(spec);
    const fault = { ...parsed, id: newId("fault", 12), remaining: parsed.count };
    this.faults.push(fault);
    return fault;
  }

  list(): TFault[] {
    return this.faults;
  }

  clear(): void {
    this.faults = [];
  }

  /** Removes one fault; false when it is gone (fired its count, or never was). */
  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((fault) => fault.id !== id);
    return this.faults.length < before;
  }

  /** The first fault matching this call (`body`: the raw request body), counted as used. */
  take(method: string, path: string, body: string): TFault | undefined {
    const fault = this.faults.find(
      (candidate) =>
        (!candidate.method || candidate.method === method) &&
        path.startsWith(candidate.path) &&
        (candidate.body_contains === undefined || body.includes(candidate.body_contains)),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
    return fault;
  }
}
