import Link from "next/link";

/** The way back to the page above, over a page's header ("← Finance"). */
export function BackLink({ href, children }: { href: string; children: string }) {
  return (
    <p className="mb-2 text-sm">
      <Link href={href} className="text-slate-600 hover:text-slate-900">
        ← {children}
      </Link>
    </p>
  );
}
