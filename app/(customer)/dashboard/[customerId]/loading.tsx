// Shown while the usage page loads: the page's shape, in grey.
export default function Loading() {
  return (
    <div className="mx-auto max-w-6xl animate-pulse px-4 py-8 sm:px-6" aria-busy="true" aria-label="Loading your usage">
      <div className="h-7 w-56 rounded bg-slate-200" />
      <div className="mt-2 h-4 w-96 max-w-full rounded bg-slate-100" />
      <div className="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {[0, 1, 2, 3].map((key) => (
          <div key={key} className="h-24 rounded-xl bg-white ring-1 ring-slate-200" />
        ))}
      </div>
      <div className="mt-6 grid gap-4 lg:grid-cols-2">
        {[0, 1].map((key) => (
          <div key={key} className="h-80 rounded-xl bg-white ring-1 ring-slate-200" />
        ))}
      </div>
    </div>
  );
}
