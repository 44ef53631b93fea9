import { HttpError } from "../../workers/lib/errors";
import { getWorldAccess, toWorldDto } from "../../workers/domain/worlds";
import { getDb } from "../../workers/lib/db";
import { getUser } from "./session.server";

/**
 * The world a story page belongs to and what this person may do in it (the world's roles; a share
 * link's role when opened from one). A world they may not see is a 404, as on the world's page.
 */
export async function loadWorldForStories(request: Request, env: Env, worldId: string) {
  const user = await getUser(request, env);
  const share = new URL(request.url).searchParams.get("share");
  try {
    const access = await getWorldAccess(getDb(env.DB), worldId, user?.id ?? null, share);
    const role = access.role ?? "viewer";
    return {
      world: toWorldDto(access.world, role, access.ownerName),
      user: user ? { id: user.id, name: user.name } : null,
      canEdit: role === "owner" || role === "editor",
      shareToken: access.shareLinkId ? share : null,
    };
  } catch (error) {
    if (error instanceof HttpError && (error.status === 404 || error.status === 400)) throw new Response("Not found", { status: 404 });
    if (error instanceof HttpError && error.status === 410) throw new Response(error.message, { status: 410 });
    throw error;
  }
}
