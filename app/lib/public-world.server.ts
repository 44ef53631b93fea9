import { data } from "react-router";
import type { ElementType, RelationshipKind } from "../../drizzle/schema/constants";
import { HttpError } from "../../workers/lib/errors";
import { and, eq } from "drizzle-orm";
import { worldLikes } from "../../drizzle/schema";
import { getWorldAccess, getWorldGraph, type WorldAccess } from "../../workers/domain/worlds";
import type { SessionUser } from "../../workers/auth";
import { getDb } from "../../workers/lib/db";
import { listStories } from "../../workers/domain/stories/stories";
import { renderMarkdown } from "../../workers/lib/markdown";
import { layoutGraph, type GraphPicture } from "./graph-picture";

export type PublicElement = {
  id: string;
  type: ElementType;
  name: string;
  /** Sanitised HTML rendered from the description's Markdown, here on the server. */
  descriptionHtml: string;
  tags: string[];
  image: string | null;
  audio: string | null;
  video: string | null;
};

export type PublicRelationship = { id: string; from: string; to: string; kind: RelationshipKind; label: string };

/** What a 404 from the public pages says: members of a private world are sent to its editor. */
export type NotPublic = { reason: "not_public"; editorUrl: string | null };

const assetUrl = (key: string | undefined | null) => (key ? `/api/assets/${key}` : null);

/**
 * A public or unlisted world as anyone may see it, for `/w/:id` and `/embed/:id`. The graph is
 * always read with no role at all, so no secret can reach these pages whoever looks at them. A
 * private world has no public page, not even for its members (they have the editor).
 */
export async function loadPublicWorld(env: Env, worldId: string, user: SessionUser | null) {
  const db = getDb(env.DB);
  let access: WorldAccess;
  try {
    access = await getWorldAccess(db, worldId, user?.id ?? null);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw notPublic(null);
    throw error;
  }
  if (access.world.visibility === "private") throw notPublic(access.role ? `/worlds/${access.world.id}` : null);

  const graph = await getWorldGraph(db, { world: access.world, role: null, ownerName: access.ownerName, shareLinkId: null });
  const elements: PublicElement[] = graph.elements.map((element) => ({
    id: element.id,
    type: element.type,
    name: element.name,
    descriptionHtml: element.description ? renderMarkdown(element.description) : "",
    tags: element.tags,
    image: assetUrl(element.assets.image),
    audio: assetUrl(element.assets.audio),
    video: assetUrl(element.assets.video),
  }));
  const picture: GraphPicture = layoutGraph(graph.elements, graph.relationships);
  // The cover, else the first element picture (the graph is already in hand, in creation order).
  const imageKey = access.world.coverAssetKey ?? graph.elements.find((element) => element.assets.image)?.assets.image ?? null;

  let forkedFrom: { id: string; title: string; visible: boolean } | null = null;
  if (access.world.forkedFromId) {
    try {
      const source = await getWorldAccess(db, access.world.forkedFromId, null);
      forkedFrom = { id: source.world.id, title: source.world.title, visible: source.world.visibility !== "private" };
    } catch {
      // The source is private or gone: the credit stays, without a name or a link.
      forkedFrom = { id: access.world.forkedFromId, title: "", visible: false };
    }
  }

  // Published stories only: read with no role, as the graph is.
  const stories = (await listStories(db, worldId, null)).map((story) => ({
    id: story.id,
    title: story.title,
    premise: story.premise,
    template: story.template,
    chapterCount: story.chapterCount,
    wordCount: story.wordCount,
  }));

  const liked = user
    ? (await db.select({ userId: worldLikes.userId }).from(worldLikes).where(and(eq(worldLikes.worldId, worldId), eq(worldLikes.userId, user.id))).limit(1)).length > 0
    : false;

  const { world } = graph;
  return {
    liked,
    world: {
      id: world.id,
      title: world.title,
      description: world.description,
      style: world.style,
      tags: world.tags,
      visibility: world.visibility,
      ownerName: world.ownerName,
      likes: world.likes,
      updatedAt: world.updatedAt,
    },
    cover: assetUrl(imageKey),
    forkedFrom,
    elements,
    relationships: graph.relationships as PublicRelationship[],
    stories,
    picture,
    /** The person's role in the world, if they are a member (for "Open in editor"). */
    memberRole: access.role,
  };
}

function notPublic(editorUrl: string | null) {
  return data({ reason: "not_public", editorUrl } satisfies NotPublic, { status: 404 });
}

/** The page's absolute origin, for Open Graph and oEmbed links. */
export function originOf(request: Request): string {
  return new URL(request.url).origin;
}
