// One definition per entity (ADR 19): an entity is a table of fields, each declared once with
// everything the layers need to know about it. The shapes the rest of the code exchanges derive
// from that table, at the type level and at run time:
//
//   values  the entity as the code handles it: a field's own value (`position: {x, y}`, times in ms)
//   row     its D1 row as JSON, one key per column (`x`, `y`; graph-rows.ts writes these in bulk)
//   view    what the API and the room's RPC answer with (times as ISO text, hidden fields only
//           for those who may see them)
//   input   the REST bodies that create and change one
//   archive an entry of an export's world.json, read back by import
//
// This module knows no entity and imports no table: the definitions (element.ts, relationship.ts)
// name their D1 columns by the drizzle table's property names, typed from the table, and
// graph-rows.ts turns those into SQL. The browser imports the definitions too (graph-doc.ts), so
// nothing here may pull the database layer into its bundle.
import { z } from "zod";

/** Where a field lives in the room's live document (durable-objects/world-room/graph-doc.ts). */
export type Live =
  /** The key the entity is kept under in its document map. */
  | "key"
  /** A key of its own (`text`: a Y.Text, merged character by character; otherwise a plain value). */
  | { key: string; text?: true }
  /** One part of the plain object kept under `key` (an element's `media` holds assets and metadata). */
  | { key: string; part: true }
  /** Not in the document at all: every client, viewers included, receives the whole document. */
  | false;

/** How a field's value reads in a view: `time` turns ms into ISO text, `text` a missing text into "". */
export type ViewAs = "time" | "text";

/** Who sees a field in a view: everyone who may read the world, only its owners and editors, or no one. */
export type Visibility = "everyone" | "editors" | false;

export type FieldSpec<Row> = {
  /** Its D1 column (a property of the drizzle table), or one column per part of an object value. */
  column: (keyof Row & string) | Readonly<Record<string, keyof Row & string>>;
  /** What a valid value is (element-fields.ts); a function when it depends on the world. */
  schema?: z.ZodType | ((worldId: string) => z.ZodType);
  live: Live;
  view: Visibility;
  viewAs?: ViewAs;
  /** Whether the API's bodies may set it: on create (required or not), and on update. */
  input?: { create: "required" | "optional"; update?: true };
  /** In the archive: read back by import (with a default when it may be missing), or only written. */
  archive?: { default?: unknown } | "written";
  /** A change to it is a change of content (a new version), not a move or a stamp. */
  content?: true;
  /** Set when the row is made; an upsert keeps it as it is. */
  fixed?: true;
  /**
   * When its stored value does not read (hydration from D1, graph-rows.ts): the value it takes
   * instead, or a function that keeps what it can of it (an element's files of other worlds
   * dropped). The row is kept and the repair named; a field without one leaves the row out.
   */
  repair?: { default: unknown } | ((stored: unknown, worldId: string) => unknown);
  /** How a person names it (field-labels.ts): "secret notes", never `secret`. */
  label: string;
};

export type Fields<Row> = Readonly<Record<string, FieldSpec<Row>>>;

export type Entity<Row, F extends Fields<Row>, S extends ReadonlyArray<keyof Row & string> = ReadonlyArray<keyof Row & string>> = {
  /** The D1 table's name. */
  table: string;
  /** The columns that scope a row rather than describe it (`worldId`): given to every statement. */
  scope: S;
  fields: F;
  /** Only for types: the drizzle row the columns name. */
  readonly row?: Row;
};

/**
 * Declares an entity of the table whose selected row is `Row`. Curried so the row type is given
 * and the fields are inferred exactly (`const`): every derived type reads them.
 */
export function defineEntity<Row>() {
  return <const F extends Fields<Row>, const S extends ReadonlyArray<keyof Row & string>>(definition: { table: string; scope: S; fields: F }): Entity<Row, F, S> => definition;
}

// ---------------------------------------------------------------------------------------------
// Types derived from a definition.

type AnyRow = Record<string, unknown>;
export type AnyEntity = { table: string; scope: ReadonlyArray<string>; fields: Fields<AnyRow>; readonly row?: unknown };
type RowOf<E> = E extends { readonly row?: infer Row } ? NonNullable<Row> : never;
type FieldsOf<E> = E extends { fields: infer F } ? F : never;
type Simplify<T> = { -readonly [K in keyof T]: T[K] } & {};
type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** A column's value as JSON carries it: timestamps as ms. */
type Json<V> = V extends Date ? number : V;
type ColumnValue<Row, C> = C extends keyof Row ? Json<Row[C]> : never;

type FieldValue<Row, S> = S extends { column: infer C }
  ? C extends string
    ? ColumnValue<Row, C>
    : { -readonly [P in keyof C]: ColumnValue<Row, C[P]> }
  : never;

/** The entity as the code handles it: each field's value (`position: {x, y}`, times in ms). */
export type ValuesOf<E extends AnyEntity> = Simplify<{ -readonly [K in keyof FieldsOf<E>]: FieldValue<RowOf<E>, FieldsOf<E>[K]> }>;

/** Its D1 row as JSON: one key per column (a field's name, or its parts' names). */
export type RowJsonOf<E extends AnyEntity> = Simplify<
  UnionToIntersection<
    {
      [K in keyof FieldsOf<E>]: FieldsOf<E>[K] extends { column: infer C }
        ? C extends string
          ? { -readonly [P in K]: ColumnValue<RowOf<E>, C> }
          : { -readonly [P in keyof C]: ColumnValue<RowOf<E>, C[P]> }
        : never;
    }[keyof FieldsOf<E>]
  >
>;

/** The row keys of the fields that are not in the live document (an element's secret). */
export type OffDocumentKeys<E extends AnyEntity> = { [K in keyof FieldsOf<E>]: FieldsOf<E>[K] extends { live: false } ? K : never }[keyof FieldsOf<E>];

/** The entity as the live document holds it: its row without the fields kept off the document. */
export type LiveStateOf<E extends AnyEntity> = Simplify<Omit<RowJsonOf<E>, OffDocumentKeys<E>>>;

type ViewValue<S, V> = S extends { viewAs: "time" } ? string : S extends { viewAs: "text" } ? Exclude<V, null | undefined> : V;
type ViewedAs<E extends AnyEntity, Who> = {
  -readonly [K in keyof FieldsOf<E> as FieldsOf<E>[K] extends { view: Who } ? K : never]: ViewValue<FieldsOf<E>[K], FieldValue<RowOf<E>, FieldsOf<E>[K]>>;
};

/** What the API and the room's RPC answer with: fields only owners and editors see are optional. */
export type ViewOf<E extends AnyEntity> = Simplify<ViewedAs<E, "everyone"> & Partial<ViewedAs<E, "editors">>>;

type SchemaOf<S> = S extends { schema: infer Z } ? (Z extends (worldId: string) => infer Made ? Made : Z) & z.ZodType : never;

/** The shape of the body that creates one (zod object shape). */
export type CreateShape<E extends AnyEntity> = {
  -readonly [K in keyof FieldsOf<E> as FieldsOf<E>[K] extends { input: { create: string } } ? K : never]: FieldsOf<E>[K] extends { input: { create: "required" } }
    ? SchemaOf<FieldsOf<E>[K]>
    : z.ZodOptional<SchemaOf<FieldsOf<E>[K]>>;
};

/** The shape of the body that changes one: every field it may change, each optional. */
export type UpdateShape<E extends AnyEntity> = {
  -readonly [K in keyof FieldsOf<E> as FieldsOf<E>[K] extends { input: { update: true } } ? K : never]: z.ZodOptional<SchemaOf<FieldsOf<E>[K]>>;
};

/** Fields import reads back from an archive. */
export type ArchiveKeys<E extends AnyEntity> = { [K in keyof FieldsOf<E>]: FieldsOf<E>[K] extends { archive: object } ? K : never }[keyof FieldsOf<E>];

type ArchiveFieldSchema<S, Base extends z.ZodType> = S extends { archive: { default: unknown } } ? z.ZodDefault<Base> : S extends { view: "editors" } ? z.ZodOptional<Base> : Base;

/** The shape of an archive entry as import reads it; `O` replaces a field's schema (assets as archive paths). */
export type ArchiveShape<E extends AnyEntity, O> = {
  -readonly [K in ArchiveKeys<E>]: ArchiveFieldSchema<FieldsOf<E>[K], K extends keyof O ? O[K] & z.ZodType : SchemaOf<FieldsOf<E>[K]>>;
};

/** An archive entry as export writes it: every field of the view that is in the archive. */
export type ArchiveEntryOf<E extends AnyEntity> = Pick<
  ViewOf<E>,
  { [K in keyof FieldsOf<E>]: FieldsOf<E>[K] extends { archive: unknown } ? K : never }[keyof FieldsOf<E>] & keyof ViewOf<E>
>;

// ---------------------------------------------------------------------------------------------
// Run-time derivations. The loops below build objects key by key, which TypeScript cannot follow:
// each casts once, to the type derived above from the same definition; the tests beside the
// definitions check that what they build has exactly the keys those types name.

type Spec = FieldSpec<AnyRow>;
/** Each definition's fields as a list, made once: views are built for every element of a world. */
const listed = new WeakMap<AnyEntity, Array<[string, Spec]>>();
function specs(entity: AnyEntity): Array<[string, Spec]> {
  let list = listed.get(entity);
  if (!list) {
    list = Object.entries(entity.fields);
    listed.set(entity, list);
  }
  return list;
}

/** The row keys and drizzle column properties of a field: `[["x", "x"], ["y", "y"]]` for a position. */
export function columnsOfField(name: string, spec: Pick<Spec, "column">): Array<[rowKey: string, column: string]> {
  return typeof spec.column === "string" ? [[name, spec.column]] : Object.entries(spec.column);
}

/** Every column of the entity, in the definition's order: its row key, drizzle property and field. */
export function columnsOf(entity: AnyEntity): Array<{ rowKey: string; column: string; field: string; fixed: boolean }> {
  return specs(entity).flatMap(([name, spec]) => columnsOfField(name, spec).map(([rowKey, column]) => ({ rowKey, column, field: name, fixed: spec.fixed === true })));
}

/** Field values as a D1 row: an object value is spread over its columns (`position` → `x`, `y`). */
export function rowOf<E extends AnyEntity>(entity: E, values: ValuesOf<E>): RowJsonOf<E> {
  const source: Record<string, unknown> = values;
  const row: Record<string, unknown> = {};
  for (const [name, spec] of specs(entity)) {
    const value = source[name];
    if (typeof spec.column === "string") row[name] = value;
    else for (const [part] of columnsOfField(name, spec)) row[part] = (value as Record<string, unknown> | undefined)?.[part];
  }
  return row as RowJsonOf<E>;
}

/** A D1 row (as JSON, or as drizzle selects it with Dates) as field values. */
export function valuesOf<E extends AnyEntity>(entity: E, row: RowJsonOf<E> | RowOf<E>): ValuesOf<E> {
  const source: Record<string, unknown> = row;
  // A drizzle row is keyed by column properties, a row as JSON by field names (`from` for `fromId`).
  const read = (rowKey: string, column: string) => {
    const value = rowKey in source ? source[rowKey] : source[column];
    return value instanceof Date ? value.getTime() : value;
  };
  const values: Record<string, unknown> = {};
  for (const [name, spec] of specs(entity)) {
    const columns = columnsOfField(name, spec);
    values[name] = typeof spec.column === "string" ? read(name, spec.column) : Object.fromEntries(columns.map(([part, column]) => [part, read(part, column)]));
  }
  return values as ValuesOf<E>;
}

function viewValue(spec: Spec, value: unknown): unknown {
  if (spec.viewAs === "time") return new Date(value as number).toISOString();
  if (spec.viewAs === "text") return value ?? "";
  return value;
}

/**
 * The view of an entity, its fields in the definition's order. `withHidden`: the reader may see
 * the fields only owners and editors see; otherwise those keys are absent, not empty.
 */
export function viewOf<E extends AnyEntity>(entity: E, values: ValuesOf<E>, withHidden = false): ViewOf<E> {
  const source: Record<string, unknown> = values;
  const view: Record<string, unknown> = {};
  for (const [name, spec] of specs(entity)) {
    if (spec.view === false || (spec.view === "editors" && !withHidden)) continue;
    view[name] = viewValue(spec, source[name]);
  }
  return view as ViewOf<E>;
}

/** The view's fields that an archive entry holds, in order (hidden fields only with `withHidden`). */
export function archiveEntryOf<E extends AnyEntity>(entity: E, view: ViewOf<E>, withHidden: boolean): ArchiveEntryOf<E> {
  const source: Record<string, unknown> = view;
  const entry: Record<string, unknown> = {};
  for (const [name, spec] of specs(entity)) {
    if (spec.archive === undefined || !(name in source)) continue;
    if (spec.view === "editors" && !withHidden) continue;
    entry[name] = source[name];
  }
  return entry as ArchiveEntryOf<E>;
}

/** A time as views and archives write it: `new Date(ms).toISOString()`. */
const isoTime = z.iso.datetime();
/** ISO text as ms, for a time's rule; anything else as it is (the rule says what is wrong with it). */
const fromIsoTime = (value: unknown) => {
  const text = isoTime.safeParse(value);
  return text.success ? Date.parse(text.data) : value;
};

const schemaOf = (name: string, spec: Spec, worldId: string | undefined): z.ZodType => {
  if (!spec.schema) throw new Error(`the field ${name} takes input but has no schema`);
  if (typeof spec.schema !== "function") return spec.schema;
  if (worldId === undefined) throw new Error(`the field ${name}'s rule depends on the world: give its id`);
  return spec.schema(worldId);
};

/** The shape of the body that creates one in world `worldId` (needed when a rule depends on it). */
export function createShapeOf<E extends AnyEntity>(entity: E, worldId?: string): CreateShape<E> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, spec] of specs(entity)) {
    if (!spec.input) continue;
    const schema = schemaOf(name, spec, worldId);
    shape[name] = spec.input.create === "required" ? schema : schema.optional();
  }
  return shape as CreateShape<E>;
}

/** The shape of the body that changes one in world `worldId`. */
export function updateShapeOf<E extends AnyEntity>(entity: E, worldId?: string): UpdateShape<E> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, spec] of specs(entity)) if (spec.input?.update) shape[name] = schemaOf(name, spec, worldId).optional();
  return shape as UpdateShape<E>;
}

/**
 * The shape of an archive entry as import reads it. Fields only owners and editors see are
 * optional (an export without secrets leaves them out); `overrides` replace a field's schema where
 * the archive holds something else (assets as paths inside it). A time read back (`viewAs: "time"`
 * and `archive: {}`) is the ISO text its view writes, read as ms through the field's rule.
 */
export function archiveShapeOf<E extends AnyEntity, const O extends Partial<Record<ArchiveKeys<E>, z.ZodType>>>(entity: E, overrides: O): ArchiveShape<E, O> {
  const shape: Record<string, z.ZodType> = {};
  const replaced: Partial<Record<string, z.ZodType>> = overrides;
  for (const [name, spec] of specs(entity)) {
    if (typeof spec.archive !== "object") continue;
    // A rule that depends on the world (assets name its files) means something else in an archive.
    if (!replaced[name] && typeof spec.schema === "function") throw new Error(`the archive reads ${name} by a schema of its own: give it in overrides`);
    // A time is written as its view shows it (ISO text) and read back as the ms its rule reads.
    const own = () => schemaOf(name, spec, undefined);
    const schema = replaced[name] ?? (spec.viewAs === "time" ? z.preprocess(fromIsoTime, own()) : own());
    shape[name] = "default" in spec.archive ? schema.default(spec.archive.default) : spec.view === "editors" ? schema.optional() : schema;
  }
  return shape as ArchiveShape<E, O>;
}

/** The fields whose declaration holds every property of `pattern` (`{ content: true }`). */
export type FieldsMatching<E extends AnyEntity, P> = { [K in keyof FieldsOf<E>]: FieldsOf<E>[K] extends P ? K : never }[keyof FieldsOf<E>] & string;

/** The names of the fields declared with every property of `pattern`, in the definition's order. */
export function fieldNames<E extends AnyEntity, const P extends Partial<Spec>>(entity: E, pattern: P): Array<FieldsMatching<E, P>> {
  const wanted: Partial<Record<string, unknown>> = pattern;
  const specOf = (spec: Spec): Partial<Record<string, unknown>> => spec;
  return specs(entity)
    .filter(([, spec]) => Object.entries(wanted).every(([property, value]) => specOf(spec)[property] === value))
    .map(([name]) => name as FieldsMatching<E, P>);
}

/** The table's columns no field names (nor the scope): a column added to the table but not here. */
export type MissingColumns<E extends AnyEntity> = Exclude<
  keyof RowOf<E>,
  | E["scope"][number]
  | { [K in keyof FieldsOf<E>]: FieldsOf<E>[K] extends { column: infer C } ? (C extends string ? C : C[keyof C]) : never }[keyof FieldsOf<E>]
>;

/**
 * The definition, once it names every column of its table: a column added by a migration but not
 * declared here fails to compile (`missingColumns` names it), and the test beside it fails too.
 */
export function coveringEveryColumn<E extends AnyEntity>(entity: E & ([MissingColumns<E>] extends [never] ? unknown : { missingColumns: MissingColumns<E> })): E {
  return entity;
}
