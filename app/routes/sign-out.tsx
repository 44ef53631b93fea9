import { redirect } from "react-router";
import { getAuth } from "../../workers/auth";
import type { Route } from "./+types/sign-out";

export async function action({ request, context }: Route.ActionArgs) {
  const auth = getAuth(context.cloudflare.env, request);
  const { headers } = await auth.api.signOut({ headers: request.headers, returnHeaders: true });
  const out = new Headers();
  for (const cookie of headers.getSetCookie()) out.append("set-cookie", cookie);
  return redirect("/", { headers: out });
}

export function loader() {
  return redirect("/");
}
