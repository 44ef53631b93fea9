/**
 * What a live document update may write, decided before the room stores or relays it.
 *
 * update-check.ts reads an update's bytes; this module places every new item of it in the world's
 * graph and checks what it writes against the one definition of an element and a relationship
 * (workers/domain/element-fields.ts), the same rules the REST API applies:
 *
 *   doc.getMap("elements")       id → Y.Map of an element: type, name, description (Y.Text), pos,
 *                                aliases, tags, media, meta — each a single valid value
 *   doc.getMap("relationships")  id → a relationship value: from and to elements, kind, label
 *
 * Any other live entity of the world is a part with a map of its own (entity-part.ts): under it,
 * each id holds one value, and the part's own rules (`EntryRules`, given to `checkUpdate`) decide
 * whether a value may go there. This module places the items (the Yjs side, the same for every
 * map) and asks the part about what they hold; a map no part declares is refused as before.
 *
 * An item's place is found the way Yjs finds it when it integrates the item: from the parent it
 * names, or else from the neighbour it was inserted after (`Item.getMissing`). Neighbours and
 * parents are looked up in the update itself, in the room's document, or among the updates the
 * room has relayed but not applied yet (ADR 10), through the `RoomView` the room provides. The
 * update is refused, with a message naming the field, when it:
 *
 *   - writes anywhere but the two maps above and the parts' maps, or anything but a valid value
 *     where it writes (a part's entry: one value its rules accept; nothing nested inside it);
 *   - creates an element without a type, name, description or position, or with an id that is
 *     not one of ours;
 *   - removes a field of an element that stays (a field is only ever replaced: every deleted
 *     field value must be followed, in the same update, by a new value inserted after it, which
 *     Yjs then makes the field's value);
 *   - makes a description longer than the API allows, or points a relationship at something that
 *     never was an element of this world, or a media key at another world's file;
 *   - refers to changes the room does not have, leaves gaps in a client's clock, overlaps what the
 *     room has, or deletes what does not exist (Yjs would keep such an update pending, and the
 *     room and its clients would no longer agree on the document);
 *   - carries items of a Yjs client id that belongs to someone else (or to the room), which would
 *     let one person's update shadow another's.
 *
 * Accepted updates therefore apply the same way in the room and in every client, and leave every
 * element and relationship valid. The property-based tests (update-rules.test.ts beside it and
 * the room's fuzz test) hold it to that.
 */
import {
  AliasesSchema,
  ElementMetaSchema,
  IdSchema,
  MAX_DESCRIPTION,
  MetadataSchema,
  PositionSchema,
  RelationshipValueSchema,
  TagsSchema,
  NameSchema,
  ElementTypeSchema,
  assetsSchemaFor,
  firstIssue,
  perWorld,
} from "../../workers/domain/element-fields";
import { z } from "zod";
import { TYPE_MAP, TYPE_TEXT, type DecodedItem, type DecodedUpdate, type ItemContent, type StructId } from "../live-room/update-check";

/** Where an item sits in the world's document. */
export type Role =
  | { kind: "element"; id: string }
  | { kind: "relationship"; id: string }
  /** The value under `id` in a part's own map (`map`), checked by that part's rules. */
  | { kind: "entry"; map: string; id: string }
  | { kind: "field"; element: StructId; elementId: string; key: string }
  | { kind: "text"; element: StructId; elementId: string }
  /** Under something garbage-collected: Yjs integrates it as garbage too, so it writes nothing. */
  | { kind: "dead" }
  /** Anywhere else (another root type, inside a value that holds no type). */
  | { kind: "foreign" };

/** What the room knows of an item: its place, and what its content is (for its children). */
export type Known = { role: Role; holds: "map" | "text" | "deleted" | "other" };

/** The room's side of the check: its document and the updates it relayed but has not applied. */
export interface RoomView {
  /** The next clock the room expects of a client (everything before it, it has). */
  state(client: number): number;
  /** An item the room has (`id.clock < state(id.client)`): where it sits and what it holds. */
  known(id: StructId): Known;
  /**
   * The room's structs of `client` overlapping [clock, end), all of which it has: where each sits
   * and how many of its clocks in that range are not deleted yet.
   */
  structsIn(client: number, clock: number, end: number): Iterable<{ id: StructId; known: Known; live: number }>;
  /** Whether the room's item `a` comes before its item `b` in their list (null: not both in its document yet). */
  precedes(a: StructId, b: StructId): boolean | null;
  /** Whether an element with this id exists or existed in the world (relationships may point at it). */
  elementKnown(id: string): boolean;
  /** An element's description length as the room has it, by the element's map item. */
  descriptionLength(element: StructId): number;
  /** Whether the room's version of the description is exact (false while relayed updates wait). */
  exact(): boolean;
  /** Who a Yjs client id belongs to: a person's id, "room", or null if nobody has used it yet. */
  ownerOf(client: number): string | null;
}

/**
 * `uncertain`: the room may decide differently once its document has caught up. `early`: the
 * update continues changes of its sender that have not reached the room (yet).
 */
export type Refusal = { ok: false; code: string; message: string; field?: string; uncertain?: boolean; early?: boolean };
export type Acceptance = {
  ok: true;
  /** Whether the update holds anything the room does not have yet. */
  changes: boolean;
  /** The element and relationship ids it changes (locks are checked against them). */
  touched: Set<string>;
  /** Its new items and where they sit, for the room's index of relayed updates. */
  placed: Array<{ id: StructId; length: number; known: Known }>;
  /** Net change in description length per element map item ("client:clock"). */
  textDelta: Map<string, number>;
  /** Element ids it creates. */
  createdElements: string[];
  /** Yjs client ids it writes with, to be recorded as the sender's. */
  clients: number[];
};
export type Verdict = Acceptance | Refusal;

/** One value a live update writes under a part's map: its id (the map key) and what it holds. */
export type EntryWrite = {
  id: string;
  /** How refusals name it: `<map>.<id>`. */
  where: string;
  /** What the item holds, as update-check.ts decoded it (a plain value is `any`, one value), and its clock span. */
  content: ItemContent;
  length: number;
};
/** What a part's rules may ask of the room. */
export type EntryContext = {
  worldId: string;
  /** Whether an element with this id exists or existed in the world, or the update creates it. */
  elementKnown: (id: string) => boolean;
};
/** Why a part refuses a value: a code (`invalid_element` as elsewhere), a message and the field it names. */
export type EntryRefusal = { code: string; message: string; field: string };
/** A part's rules for what a live update may write under its map (entity-part.ts's `rules`). */
export type EntryCheck = (write: EntryWrite, context: EntryContext) => EntryRefusal | null;
/** The parts' rules by the map they guard (the world kind builds it once). */
export type EntryRules = ReadonlyMap<string, EntryCheck>;
const NO_PARTS: EntryRules = new Map();

const ELEMENT_KEYS = new Set(["type", "name", "aliases", "description", "pos", "tags", "media", "meta"]);
const REQUIRED_KEYS = ["type", "name", "description", "pos"] as const;
const MAX_ID_DEPTH = 10_000;

class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly uncertain = false,
    readonly early = false,
  ) {
    super(message);
  }
}

const invalidUpdate = (message: string) => new Refused("invalid_update", message);
const key = (id: StructId) => `${id.client}:${id.clock}`;
const sameId = (a: StructId | null, b: StructId | null) => a !== null && b !== null && a.client === b.client && a.clock === b.clock;

function holdsOf(item: DecodedItem): Known["holds"] {
  if (item.content.ref === "deleted") return "deleted";
  if (item.content.ref === "type") return item.content.type === TYPE_MAP ? "map" : item.content.type === TYPE_TEXT ? "text" : "other";
  return "other";
}

function fieldLabel(role: Role): string {
  switch (role.kind) {
    case "element":
      return `elements.${role.id}`;
    case "relationship":
      return `relationships.${role.id}`;
    case "entry":
      return `${role.map}.${role.id}`;
    case "field":
      return `elements.${role.elementId}.${role.key}`;
    case "text":
      return `elements.${role.elementId}.description`;
    default:
      return "document";
  }
}

const mediaSchemaFor = perWorld((worldId) => z.strictObject({ assets: assetsSchemaFor(worldId), metadata: MetadataSchema }));

/** Schemas of the element fields held as single values (media depends on the world). */
function fieldSchema(field: string, worldId: string): z.ZodType | null {
  switch (field) {
    case "type":
      return ElementTypeSchema;
    case "name":
      return NameSchema;
    case "pos":
      return PositionSchema;
    case "tags":
      return TagsSchema;
    case "aliases":
      return AliasesSchema;
    case "media":
      return mediaSchemaFor(worldId);
    case "meta":
      return ElementMetaSchema;
    default:
      return null;
  }
}

/**
 * Checks what `update` writes. `sender` is the person whose connection sent it; `worldId` decides
 * which files elements may point at; `parts` are the rules of the world's other live entities, by
 * their maps (the view must know the same maps: room-view.ts).
 */
export function checkUpdate(update: DecodedUpdate, view: RoomView, sender: { id: string }, worldId: string, parts: EntryRules = NO_PARTS): Verdict {
  try {
    return new UpdateCheck(update, view, sender, worldId, parts).run();
  } catch (error) {
    if (error instanceof Refused) {
      return { ok: false, code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), ...(error.uncertain ? { uncertain: true } : {}), ...(error.early ? { early: true } : {}) };
    }
    throw error;
  }
}

class UpdateCheck {
  /** The update's items the room does not have, by client, in clock order. */
  private readonly fresh = new Map<number, DecodedItem[]>();
  private readonly resolved = new Map<DecodedItem, Known>();
  private readonly resolving = new Set<DecodedItem>();
  /** Fresh items the update also deletes, with how many of their clocks. */
  private readonly deletedFresh = new Map<DecodedItem, number>();
  /** Where the update's clocks end, per client (after it, the room will have up to here). */
  private readonly endOf = new Map<number, number>();

  constructor(
    private readonly update: DecodedUpdate,
    private readonly view: RoomView,
    private readonly sender: { id: string },
    private readonly worldId: string,
    private readonly parts: EntryRules,
  ) {}

  run(): Acceptance {
    const { update, view } = this;
    if (update.skips > 0) throw invalidUpdate("That update has gaps: it refers to changes this room does not have.");
    for (const [client, first] of update.firstClock) {
      if (first > view.state(client)) throw new Refused("invalid_update", "That update continues changes this room does not have.", undefined, false, true);
    }
    let changes = false;
    const clients = new Set<number>();
    for (const item of update.items) this.noteEnd(item.id, item.length);
    const placed: Acceptance["placed"] = [];
    for (const gc of update.gc) {
      this.noteEnd(gc.id, gc.length);
      const state = view.state(gc.id.client);
      if (gc.id.clock + gc.length > state) {
        // Garbage writes nothing; Yjs integrates only the part the room does not have.
        const clock = Math.max(state, gc.id.clock);
        placed.push({ id: { client: gc.id.client, clock }, length: gc.id.clock + gc.length - clock, known: { role: { kind: "dead" }, holds: "deleted" } });
        changes = true;
        clients.add(gc.id.client);
      }
    }
    for (const item of update.items) {
      const state = view.state(item.id.client);
      if (item.id.clock + item.length <= state) continue; // the room has it: Yjs skips it
      if (item.id.clock < state) throw invalidUpdate("That update overlaps changes this room already has.");
      const list = this.fresh.get(item.id.client) ?? [];
      list.push(item);
      this.fresh.set(item.id.client, list);
      clients.add(item.id.client);
      changes = true;
    }
    for (const client of clients) {
      const owner = view.ownerOf(client);
      if (owner !== null && owner !== this.sender.id) {
        throw invalidUpdate("That update writes as another participant's Yjs client; reload to get a client id of your own.");
      }
    }

    const touched = new Set<string>();
    const textDelta = new Map<string, number>();
    const addText = (element: StructId, delta: number) => textDelta.set(key(element), (textDelta.get(key(element)) ?? 0) + delta);
    /** Field values deleted by the update, each needing a successor unless its element goes too. */
    const deletedFields: Array<{ id: StructId; role: Extract<Role, { kind: "field" }> }> = [];
    const deletedElements = new Set<string>();

    // Deletions: only what exists can be deleted, and only what is not deleted yet changes anything.
    for (const range of update.deletes) {
      const end = range.clock + range.length;
      if (end > Math.max(view.state(range.client), this.endOf.get(range.client) ?? 0)) {
        throw invalidUpdate("That update deletes changes this room does not have.");
      }
      const roomEnd = Math.min(end, view.state(range.client));
      if (range.clock < roomEnd) {
        for (const part of view.structsIn(range.client, range.clock, roomEnd)) {
          if (part.live === 0) continue;
          changes = true;
          const role = part.known.role;
          this.noteTouched(role, touched);
          if (role.kind === "element") deletedElements.add(key(part.id));
          else if (role.kind === "field") deletedFields.push({ id: part.id, role });
          else if (role.kind === "text") addText(role.element, -part.live);
        }
      }
      for (const item of this.fresh.get(range.client) ?? []) {
        const overlap = Math.min(end, item.id.clock + item.length) - Math.max(range.clock, item.id.clock);
        if (overlap > 0) this.deletedFresh.set(item, (this.deletedFresh.get(item) ?? 0) + overlap);
      }
    }

    // New items: where each goes, and whether what it holds may go there.
    const createdElements: string[] = [];
    const newFields: Array<{ item: DecodedItem; role: Extract<Role, { kind: "field" }> }> = [];
    for (const list of this.fresh.values()) {
      for (const item of list) {
        const known = this.resolve(item);
        placed.push({ id: item.id, length: item.length, known });
        this.noteTouched(known.role, touched);
        const writes = item.content.ref !== "deleted" && !this.deletedFresh.has(item);
        this.checkContent(item, known.role);
        if (known.role.kind === "field") {
          newFields.push({ item, role: known.role });
          if (!writes) deletedFields.push({ id: item.id, role: known.role });
        } else if (known.role.kind === "element" && writes) {
          createdElements.push(known.role.id);
        } else if (known.role.kind === "element") {
          deletedElements.add(key(item.id));
        } else if (known.role.kind === "text" && item.content.ref === "string") {
          addText(known.role.element, item.length - Math.min(item.length, this.deletedFresh.get(item) ?? 0));
        }
      }
    }

    // A field value that goes must be replaced by one inserted right after it (Yjs makes the last
    // of them the value), unless its whole element goes.
    const successors = new Set(newFields.filter(({ item }) => item.content.ref !== "deleted" && !this.deletedFresh.has(item) && item.origin).map(({ item }) => key(item.origin!)));
    for (const { id, role } of deletedFields) {
      if (deletedElements.has(key(role.element))) continue;
      if (!successors.has(key(id))) {
        throw new Refused("invalid_element", `That change removes the ${role.key} of an element without giving it a new one (${fieldLabel(role)}).`, fieldLabel(role));
      }
    }

    // A new element holds every field it needs.
    for (const list of this.fresh.values()) {
      for (const item of list) {
        const known = this.resolved.get(item)!;
        if (known.role.kind !== "element" || known.holds !== "map" || this.deletedFresh.has(item)) continue;
        const fields = new Set(
          newFields
            .filter(({ item: field, role }) => sameId(role.element, item.id) && field.content.ref !== "deleted" && !this.deletedFresh.has(field))
            .map(({ role }) => role.key),
        );
        const missing = REQUIRED_KEYS.find((required) => !fields.has(required));
        if (missing) {
          throw new Refused("invalid_element", `A new element needs a ${missing} (elements.${known.role.id}.${missing}).`, `elements.${known.role.id}.${missing}`);
        }
      }
    }

    // Descriptions stay within the API's length.
    for (const [elementKey, delta] of textDelta) {
      if (delta <= 0) continue;
      const [client, clock] = elementKey.split(":").map(Number) as [number, number];
      const element = { client, clock };
      const before = this.isFresh(element) ? 0 : this.view.descriptionLength(element);
      if (before + delta > MAX_DESCRIPTION) {
        const role = this.isFresh(element) ? this.resolved.get(this.freshItem(element)!)!.role : this.view.known(element).role;
        const label = role.kind === "element" ? `elements.${role.id}.description` : "description";
        throw new Refused("invalid_element", `A description is limited to ${MAX_DESCRIPTION.toLocaleString("en")} characters (${label}).`, label, !this.view.exact());
      }
    }

    placed.sort((a, b) => a.id.client - b.id.client || a.id.clock - b.id.clock);
    return { ok: true, changes, touched, placed, textDelta, createdElements, clients: [...clients] };
  }

  private noteEnd(id: StructId, length: number) {
    this.endOf.set(id.client, Math.max(this.endOf.get(id.client) ?? 0, id.clock + length));
  }

  private noteTouched(role: Role, touched: Set<string>) {
    if (role.kind === "element" || role.kind === "relationship") touched.add(role.id);
    else if (role.kind === "field" || role.kind === "text") touched.add(role.elementId);
  }

  private isFresh(id: StructId): boolean {
    return this.freshItem(id) !== null;
  }

  /** The fresh item of the update that holds this clock, if any. */
  private freshItem(id: StructId): DecodedItem | null {
    const list = this.fresh.get(id.client);
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

  /** What the item with this id is: in the update, or in the room. */
  private lookup(id: StructId): Known {
    const item = this.freshItem(id);
    if (item) return this.resolve(item);
    if (id.clock < this.view.state(id.client)) return this.view.known(id);
    throw invalidUpdate("That update refers to changes this room does not have.");
  }

  /** Where a fresh item goes, as Yjs decides it (`Item.getMissing`). */
  private resolve(item: DecodedItem): Known {
    const done = this.resolved.get(item);
    if (done) return done;
    if (this.resolving.has(item) || this.resolving.size > MAX_ID_DEPTH) throw invalidUpdate("That update's items refer to each other in a circle.");
    this.resolving.add(item);
    const holds = holdsOf(item);
    let role: Role;
    if (item.origin || item.rightOrigin) {
      // Placed after its left neighbour (or before its right one), under the same parent.
      const left = item.origin ? this.lookup(item.origin) : null;
      const right = item.rightOrigin ? this.lookup(item.rightOrigin) : null;
      // A garbage-collected neighbour on either side makes it garbage too.
      role = left?.role.kind === "dead" || right?.role.kind === "dead" ? { kind: "dead" } : (left ?? right)!.role;
      if (left && right && role.kind !== "dead" && !sameRole(left.role, right.role)) throw invalidUpdate("That update places an item between two different lists.");
      if (right && (role.kind === "element" || role.kind === "relationship" || role.kind === "entry" || role.kind === "field")) {
        throw invalidUpdate("That update inserts a map value before another, which Yjs's maps never do.");
      }
      // Between two neighbours, the left one must come first: Yjs finds both by splitting the
      // structs that hold them, and an inverted pair lands wherever the splits of the receiving
      // copy happen to fall, differently in the room and in each client.
      if (item.origin && item.rightOrigin && role.kind !== "dead") {
        const ordered = this.precedes(item.origin, item.rightOrigin, 0);
        if (ordered === null) throw new Refused("needs_document", "That update needs the room's document to be placed.", undefined, true);
        if (!ordered) throw invalidUpdate("That update places an item after its right neighbour.");
      }
    } else if (item.parentRoot !== null) {
      const graph = item.parentRoot === "elements" || item.parentRoot === "relationships";
      if ((graph || this.parts.has(item.parentRoot)) && item.parentSub !== null) {
        if (!IdSchema.safeParse(item.parentSub).success) {
          throw new Refused("invalid_element", `Ids are lowercase letters and digits (${item.parentRoot}.${item.parentSub.slice(0, 80)}).`, item.parentRoot);
        }
        role = !graph
          ? { kind: "entry", map: item.parentRoot, id: item.parentSub }
          : item.parentRoot === "elements"
            ? { kind: "element", id: item.parentSub }
            : { kind: "relationship", id: item.parentSub };
      } else {
        role = { kind: "foreign" };
      }
    } else {
      const parent = this.lookup(item.parentId!);
      role = childRole(parent, item.parentId!, item.parentSub);
    }
    const known: Known = { role, holds };
    this.resolving.delete(item);
    this.resolved.set(item, known);
    return known;
  }

  /**
   * Whether `a` comes before `b` in their list once the update is applied; null when that depends
   * on relayed updates the document has not applied yet. A fresh item sits after its origin and
   * before its right origin, so a chain of them is followed to items the room has.
   */
  private precedes(a: StructId, b: StructId, depth: number): boolean | null {
    if (depth > 64) return false;
    const left = this.freshItem(a);
    const right = this.freshItem(b);
    if (left && left === right) return a.clock < b.clock;
    if (!left && !right) return this.view.precedes(a, b);
    // Each fresh item's own neighbours are checked too, so it lies between them.
    let unknown = false;
    if (right?.origin) {
      const found = sameId(right.origin, a) || this.precedes(a, right.origin, depth + 1);
      if (found) return true;
      if (found === null) unknown = true;
    }
    if (left?.rightOrigin) {
      const found = sameId(left.rightOrigin, b) || this.precedes(left.rightOrigin, b, depth + 1);
      if (found) return true;
      if (found === null) unknown = true;
    }
    return unknown ? null : false;
  }

  /** Whether what the item holds may be written where it goes. */
  private checkContent(item: DecodedItem, role: Role) {
    const content = item.content;
    if (content.ref === "deleted" || role.kind === "dead") return;
    const where = fieldLabel(role);
    const refuse = (message: string) => {
      throw new Refused("invalid_element", `${message} (${where}).`, where);
    };
    switch (role.kind) {
      case "foreign":
        throw new Refused("invalid_update", "That update writes outside the world's elements and relationships.", "document");
      case "element":
        if (content.ref !== "type" || content.type !== TYPE_MAP) refuse("An element must be a map of its fields");
        return;
      case "relationship": {
        if (content.ref !== "any" || content.values.length !== 1) return refuse("A relationship must be one value");
        const parsed = RelationshipValueSchema.safeParse(content.values[0]);
        if (!parsed.success) {
          const issue = firstIssue(parsed.error, where);
          throw new Refused("invalid_element", `That relationship is not valid (${issue.field}): ${issue.message}.`, issue.field);
        }
        for (const end of ["from", "to"] as const) {
          const id = parsed.data[end];
          if (!this.view.elementKnown(id) && !this.createsElement(id)) {
            throw new Refused("invalid_element", `A relationship must join elements of this world (${where}.${end}).`, `${where}.${end}`);
          }
        }
        return;
      }
      case "text":
        if (item.parentSub !== null || content.ref !== "string") refuse("A description holds plain text only");
        return;
      case "entry": {
        // A part's value: its rules decide (entity-part.ts). A map the check was given no rules
        // for is written nowhere it may be.
        const check = this.parts.get(role.map);
        if (!check) throw new Refused("invalid_update", "That update writes outside the world's elements and relationships.", "document");
        const refused = check(
          { id: role.id, where, content, length: item.length },
          { worldId: this.worldId, elementKnown: (id) => this.view.elementKnown(id) || this.createsElement(id) },
        );
        if (refused) throw new Refused(refused.code, refused.message, refused.field);
        return;
      }
      case "field": {
        if (item.length !== 1) refuse("A field holds one value");
        if (!ELEMENT_KEYS.has(role.key)) throw new Refused("invalid_element", `Elements have no field ${JSON.stringify(role.key.slice(0, 40))} (${where}).`, where);
        if (role.key === "description") {
          if (content.ref !== "type" || content.type !== TYPE_TEXT) refuse("A description must be shared text");
          return;
        }
        if (content.ref !== "any") return refuse("That field must hold a plain value");
        const parsed = fieldSchema(role.key, this.worldId)!.safeParse(content.values[0]);
        if (!parsed.success) {
          const issue = firstIssue(parsed.error, where);
          throw new Refused("invalid_element", `That element is not valid (${issue.field}): ${issue.message}.`, issue.field);
        }
        return;
      }
    }
  }

  private createsElement(id: string): boolean {
    for (const list of this.fresh.values()) {
      for (const item of list) {
        const known = this.resolve(item);
        if (known.role.kind === "element" && known.role.id === id && known.holds === "map" && !this.deletedFresh.has(item)) return true;
      }
    }
    return false;
  }
}

function sameRole(a: Role, b: Role): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "element":
    case "relationship":
      return a.id === (b as typeof a).id;
    case "entry":
      return a.map === (b as typeof a).map && a.id === (b as typeof a).id;
    case "field":
      return sameId(a.element, (b as typeof a).element) && a.key === (b as typeof a).key;
    case "text":
      return sameId(a.element, (b as typeof a).element);
    default:
      return true;
  }
}

/** The place of an item whose parent is the item `parentId` (known as `parent`). */
export function childRole(parent: Known, parentId: StructId, parentSub: string | null): Role {
  if (parent.role.kind === "dead" || parent.holds === "deleted") return { kind: "dead" };
  if (parent.role.kind === "element" && parent.holds === "map") {
    return parentSub === null ? { kind: "foreign" } : { kind: "field", element: parentId, elementId: parent.role.id, key: parentSub };
  }
  if (parent.role.kind === "field" && parent.role.key === "description" && parent.holds === "text") {
    return { kind: "text", element: parent.role.element, elementId: parent.role.elementId };
  }
  // A part's entry is one value: nothing may be written inside it (even where Yjs would only
  // garbage-collect it), so a part's rules never have to reason about nested types.
  if (parent.role.kind === "entry") return { kind: "foreign" };
  // A parent that holds no type: Yjs finds no type there and garbage-collects the item.
  if (parent.holds === "other" && parent.role.kind !== "foreign") return { kind: "dead" };
  return { kind: "foreign" };
}

