import Link from "next/link";

export default function NotFound() {
  return (
    <main className="grid min-h-screen place-items-center px-4 text-center">
      <div>
        <p className="text-sm font-semibold text-brand-600">404</p>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight">Page not found</h1>
        <p className="mt-2 text-sm text-slate-500">It doesn&apos;t exist, or it isn&apos;t yours to see.</p>
        <Link href="/" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">
          Go to your home page
        </Link>
      </div>
    </main>
  );
}
