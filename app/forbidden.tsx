import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="grid min-h-screen place-items-center px-4 text-center">
      <div>
        <p className="text-sm font-semibold text-brand-600">403</p>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight">You don&apos;t have access to this page</h1>
        <p className="mt-2 text-sm text-slate-500">It belongs to another role. Ask an admin if you need it.</p>
        <Link href="/" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">
          Go to your home page
        </Link>
      </div>
    </main>
  );
}
