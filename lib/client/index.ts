// Tally's TypeScript client: the public surface. Standalone (no imports from the app), so this
// folder can be copied into a vendor's codebase as is. Usage: lib/client/README.md.
export { TallyClient, type TTallyClientOptions } from "./tally-client";
export { TallyBatcher, type TBatcherOptions } from "./batcher";
export { MAX_BATCH_SIZE } from "./record-event-batches";
export { TallyApiError, TallyBatchError, TallyConnectionError, type TEventBatch, type TFailedBatch } from "./errors";
export type {
  TBatchEventResult,
  TBatchResult,
  TCustomerUsage,
  TEventProperties,
  TFieldError,
  TMeterUsage,
  TProblem,
  TRecordedEvent,
  TUsageEventInput,
  TUsageEventWire,
} from "./types";
