"use client";
// When the usage page cannot load (the database is down, a bug): say so, and offer to try again.
export default function DashboardError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="mx-auto max-w-xl px-4 py-16 text-center">
      <h1 className="text-xl font-semibold text-slate-900">Your usage could not be loaded</h1>
      <p className="mt-2 text-sm text-slate-600">Nothing is lost: usage keeps being recorded. Try again in a moment.</p>
      <button type="button" onClick={reset} className="mt-6 rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
        Try again
      </button>
    </div>
  );
}
