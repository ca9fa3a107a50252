"use client";
// Runs a server action from a form: one call at a time (a double click sends once), a pending flag
// for the button, and the action's error with its field messages keyed by JSON pointer. `onSuccess`
// may return a follow-up action's result (save, then publish): it stays the same run, and its error
// shows like the first action's.
import { useCallback, useRef, useState, useTransition } from "react";
import type { TActionError, TActionResult } from "@/lib/http/action-client";

const UNREACHABLE: TActionError = { code: "service_unavailable", message: "Could not reach Tally. Check your connection and try again.", fieldErrors: {} };

export function useStaffAction<I, R>(action: (input: I) => Promise<TActionResult<R>>) {
  const [pending, startTransition] = useTransition();
  const inFlight = useRef(false);
  const [error, setError] = useState<TActionError | null>(null);

  const run = useCallback(
    (input: I, onSuccess: (data: R) => void | Promise<TActionResult<unknown> | void>) => {
      if (inFlight.current) return;
      inFlight.current = true;
      setError(null);
      startTransition(async () => {
        try {
          const result = await action(input);
          if (result.ok) {
            const next = await onSuccess(result.data);
            if (next && !next.ok) setError(next.error);
          } else setError(result.error);
        } catch {
          setError(UNREACHABLE);
        } finally {
          inFlight.current = false;
        }
      });
    },
    [action],
  );

  const fieldError = useCallback((pointer: string) => error?.fieldErrors[pointer], [error]);
  return { run, pending, error, fieldError, clearError: () => setError(null) };
}
