import { redirect } from "next/navigation";
import { getLandingPath } from "@/lib/auth/guards";
import { requireUserPage } from "@/lib/auth/page-guards";

export default async function HomePage() {
  redirect(getLandingPath(await requireUserPage()));
}
