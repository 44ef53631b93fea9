import * as Y from "yjs";
import type { UpdateAcceptance, UpdateRefusal } from "../live-room/document-kind";
import { TYPE_MAP, TYPE_XML_ELEMENT, TYPE_XML_TEXT, type DecodedItem, type DecodedUpdate, type StructId } from "../live-room/update-check";
import { CHAPTERS, CHAPTER_FIELDS, SCENES, SCENE_FIELDS, SCENE_TEXT_PREFIX, STORY_LIMITS, StoryPartIdSchema, TEXT_MARKS, TEXT_NODES, sceneTextOf } from "./story-doc";

/**
 * What a live update may write to a story's document (story-doc.ts), read item by item without
 * building it (update-check.ts), against the document: chapters and scenes are maps of known
 * fields with valid values, a scene's text holds only the nodes, attributes and marks the editor
 * makes, and no scene grows past its limit. Anything else is refused, naming where.
 *
 * Unlike the world's rules, the story's keep no index of updates relayed but not applied: an
 * update that builds on items the document does not have yet is `uncertain`, and the room applies
 * what it relayed and asks again (live-room.ts). Typing is a few updates a second per person; the
 * world's index exists for a fan-out of hundreds.
 */
export type StoryAcceptance = UpdateAcceptance;

/** Where an item sits: the container it is written into. */
type Container =
  | { kind: "chapters" }
  | { kind: "scenes" }
  | { kind: "chapter"; id: string }
  | { kind: "scene"; id: string }
  | { kind: "fragment"; scene: string }
  | { kind: "node"; scene: string; name: string }
  | { kind: "text"; scene: string }
  | { kind: "dead" };

class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly uncertain = false,
  ) {
    super(message);
  }
}

export function checkStoryUpdate(
  update: DecodedUpdate,
  doc: Y.Doc,
  user: { id: string },
  ownerOf: (client: number) => string | null,
): StoryAcceptance | UpdateRefusal {
  try {
    return new Check(update, doc, user, ownerOf).run();
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    return {
      ok: false,
      code: error.code,
      message: error.message,
      ...(error.field ? { field: error.field } : {}),
      ...(error.uncertain ? { uncertain: true, early: true } : {}),
    };
  }
}

class Check {
  /** The update's items per client, in clock order (as an update lists them). */
  private readonly byClient = new Map<number, DecodedItem[]>();
  private readonly placed = new Map<DecodedItem, { container: Container; sub: string | null }>();
  private readonly added = new Map<string, number>();

  constructor(
    private readonly update: DecodedUpdate,
    private readonly doc: Y.Doc,
    private readonly user: { id: string },
    private readonly ownerOf: (client: number) => string | null,
  ) {
    for (const item of update.items) {
      const list = this.byClient.get(item.id.client) ?? [];
      list.push(item);
      this.byClient.set(item.id.client, list);
    }
  }

  private state(client: number) {
    return Y.getState(this.doc.store, client);
  }

  run(): StoryAcceptance {
    const clients = new Set<number>();
    let changes = this.update.deletes.length > 0;
    for (const [client, clock] of this.update.firstClock) {
      if (clock > this.state(client)) throw new Refused("invalid_update", "That update continues changes this story does not have.", "document", true);
    }
    if (this.update.skips > 0) throw new Refused("invalid_update", "That update has gaps.", "document");
    for (const item of this.update.items) {
      if (item.id.clock + item.length <= this.state(item.id.client)) continue; // already here
      changes = true;
      clients.add(item.id.client);
      this.checkItem(item);
    }
    for (const gc of this.update.gc) if (gc.id.clock + gc.length > this.state(gc.id.client)) clients.add(gc.id.client);
    for (const client of clients) {
      const owner = client === this.doc.clientID ? "room" : this.ownerOf(client);
      if (owner !== null && owner !== this.user.id) throw new Refused("invalid_update", "That update writes as someone else.", "document");
    }
    for (const [scene, added] of this.added) {
      if (textLength(this.doc, scene) + added > STORY_LIMITS.sceneText) {
        throw new Refused("invalid_story", `A scene's text is at most ${STORY_LIMITS.sceneText.toLocaleString("en")} characters.`, `scenes.${scene}.text`);
      }
    }
    return { ok: true, changes, clients: [...clients] };
  }

  private checkItem(item: DecodedItem) {
    const { container, sub } = this.place(item);
    const content = item.content;
    if (content.ref === "deleted" || container.kind === "dead") return;
    const refuse = (message: string, field: string): never => {
      throw new Refused("invalid_story", message, field);
    };
    switch (container.kind) {
      case "chapters":
      case "scenes": {
        const what = container.kind === "chapters" ? "chapter" : "scene";
        if (sub === null || !StoryPartIdSchema.safeParse(sub).success) return refuse(`A ${what} needs an id of 16 lowercase letters and digits.`, container.kind);
        if (content.ref !== "type" || content.type !== TYPE_MAP) return refuse(`A ${what} must be a map of its fields.`, `${container.kind}.${sub}`);
        return;
      }
      case "chapter":
      case "scene": {
        const fields: Record<string, { safeParse(value: unknown): { success: boolean } }> = container.kind === "chapter" ? CHAPTER_FIELDS : SCENE_FIELDS;
        const where = `${container.kind}s.${container.id}.${sub ?? ""}`;
        const rule = sub === null ? undefined : fields[sub];
        if (!rule) return refuse(`A ${container.kind} has no field ${sub === null ? "without a name" : `"${sub}"`}.`, where);
        if (content.ref !== "any" || content.values.length !== 1 || !rule.safeParse(content.values[0]).success) {
          return refuse(`That is not a valid ${sub} for a ${container.kind}.`, where);
        }
        return;
      }
      case "fragment":
      case "node": {
        const where = `scenes.${container.scene}.text`;
        if (sub !== null) {
          // an attribute of a node
          if (container.kind !== "node") return refuse("A scene's text holds no attributes.", where);
          const rule = TEXT_NODES[container.name]?.[sub];
          if (!rule || content.ref !== "any" || content.values.length !== 1 || !rule.safeParse(content.values[0]).success) {
            return refuse(`A ${container.name} has no attribute "${sub}" of that value.`, where);
          }
          return;
        }
        if (content.ref === "type" && content.type === TYPE_XML_ELEMENT && content.name !== undefined && content.name in TEXT_NODES) return;
        if (content.ref === "type" && content.type === TYPE_XML_TEXT && container.kind === "node") return;
        return refuse("A scene's text holds paragraphs, headings, quotes, line breaks and rules only.", where);
      }
      case "text": {
        const where = `scenes.${container.scene}.text`;
        if (sub !== null) return refuse("A scene's text holds no attributes.", where);
        if (content.ref === "string") {
          this.added.set(container.scene, (this.added.get(container.scene) ?? 0) + item.length);
          return;
        }
        if (content.ref === "format" && content.key in TEXT_MARKS && TEXT_MARKS[content.key]!.safeParse(content.value).success) return;
        return refuse("A scene's text is plain text, bold, italic or the AI's.", where);
      }
    }
  }

  /** The container an item goes into, and its map key. */
  private place(item: DecodedItem): { container: Container; sub: string | null } {
    const known = this.placed.get(item);
    if (known) return known;
    let placed: { container: Container; sub: string | null };
    if (item.parentRoot !== null) placed = { container: rootContainer(item.parentRoot), sub: item.parentSub };
    else if (item.parentId !== null) placed = { container: this.containerOf(item.parentId), sub: item.parentSub };
    else {
      // Placed by a neighbour: the same parent and key as it.
      placed = this.neighbourPlace((item.origin ?? item.rightOrigin)!);
    }
    this.placed.set(item, placed);
    return placed;
  }

  private neighbourPlace(id: StructId): { container: Container; sub: string | null } {
    const fresh = this.findInUpdate(id);
    if (fresh) return this.place(fresh);
    const struct = this.docItem(id);
    if (!(struct instanceof Y.Item)) return { container: { kind: "dead" }, sub: null };
    return { container: this.containerOfType(struct.parent as Y.AbstractType<unknown> | null), sub: struct.parentSub };
  }

  /** The container a type item (by id) is, as a parent of other items. */
  private containerOf(id: StructId): Container {
    const fresh = this.findInUpdate(id);
    if (fresh) {
      const { container, sub } = this.place(fresh);
      const content = fresh.content;
      if (content.ref !== "type") return { kind: "dead" };
      return childContainer(container, sub, content.type, content.name);
    }
    const struct = this.docItem(id);
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentType)) return { kind: "dead" };
    return this.containerOfType(struct.content.type);
  }

  /** The container a type of the document is. */
  private containerOfType(type: Y.AbstractType<unknown> | null, depth = 0): Container {
    if (!type) return { kind: "dead" };
    if (depth > 64) throw new Refused("invalid_story", "A scene's text nests too deep.", "document");
    const item = type._item;
    if (item === null) {
      for (const [name, root] of this.doc.share) if (root === type) return rootContainer(name);
      return { kind: "dead" };
    }
    const parent = this.containerOfType(item.parent as Y.AbstractType<unknown> | null, depth + 1);
    const typeRef = type instanceof Y.XmlElement ? TYPE_XML_ELEMENT : type instanceof Y.XmlText ? TYPE_XML_TEXT : type instanceof Y.Map ? TYPE_MAP : -1;
    return childContainer(parent, item.parentSub, typeRef, type instanceof Y.XmlElement ? type.nodeName : undefined);
  }

  private findInUpdate(id: StructId): DecodedItem | null {
    // The item that spans it (an id may point inside a run of text).
    const list = this.byClient.get(id.client);
    if (!list) return null;
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const item = list[mid]!;
      if (id.clock < item.id.clock) high = mid - 1;
      else if (id.clock >= item.id.clock + item.length) low = mid + 1;
      else return item;
    }
    return null;
  }

  private docItem(id: StructId): Y.Item | Y.GC | null {
    if (id.clock >= this.state(id.client)) {
      throw new Refused("invalid_update", "That update builds on changes this story does not have yet.", "document", true);
    }
    return Y.getItem(this.doc.store, Y.createID(id.client, id.clock)) as Y.Item | Y.GC;
  }
}

function rootContainer(name: string): Container {
  if (name === CHAPTERS) return { kind: "chapters" };
  if (name === SCENES) return { kind: "scenes" };
  if (name.startsWith(SCENE_TEXT_PREFIX) && StoryPartIdSchema.safeParse(name.slice(SCENE_TEXT_PREFIX.length)).success) {
    return { kind: "fragment", scene: name.slice(SCENE_TEXT_PREFIX.length) };
  }
  throw new Refused("invalid_update", "That update writes outside the story's chapters and scenes.", "document");
}

/** What a type item is as a container, given where it sits. */
function childContainer(parent: Container, sub: string | null, typeRef: number, name: string | undefined): Container {
  switch (parent.kind) {
    case "chapters":
      return sub !== null && typeRef === TYPE_MAP ? { kind: "chapter", id: sub } : { kind: "dead" };
    case "scenes":
      return sub !== null && typeRef === TYPE_MAP ? { kind: "scene", id: sub } : { kind: "dead" };
    case "fragment":
    case "node":
      if (sub !== null) return { kind: "dead" };
      if (typeRef === TYPE_XML_ELEMENT && name !== undefined) return { kind: "node", scene: parent.scene, name };
      if (typeRef === TYPE_XML_TEXT) return { kind: "text", scene: parent.scene };
      return { kind: "dead" };
    default:
      return { kind: "dead" };
  }
}

/** A scene's text length as the document holds it (characters of its text nodes). */
function textLength(doc: Y.Doc, scene: string): number {
  let length = 0;
  const walk = (node: unknown) => {
    if (node instanceof Y.XmlText) length += node.length;
    else if (node instanceof Y.XmlElement) node.toArray().forEach(walk);
  };
  sceneTextOf(doc, scene).toArray().forEach(walk);
  return length;
}
