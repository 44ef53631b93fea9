// Fields as people know them, for the history and the version list: an entry says "cover image"
// and "secret notes", never `coverAssetKey` or `secret`. Shared by the room, the API and the
// editor, so one change of wording reaches all three.
import { element } from "./entities/element";

/** An element's fields as its definition names them (entities/element.ts), and the kinds of media. */
const ELEMENT_FIELD_LABELS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(element.fields).map(([field, spec]) => [field, spec.label])),
  image: "image",
  video: "clip",
  audio: "narration",
};

const WORLD_FIELD_LABELS: Record<string, string> = {
  title: "title",
  description: "description",
  style: "style",
  tags: "tags",
  visibility: "visibility",
  coverAssetKey: "cover image",
  settings: "settings",
  aiImages: "AI images",
  defaultVoice: "default voice",
  maxCollaborators: "collaborator limit",
};

/** A label for an unknown key: `someField` reads as "some field" rather than as code. */
function spelledOut(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, "$1 $2").replaceAll("_", " ").toLowerCase();
}

export function elementFieldLabel(field: string): string {
  return ELEMENT_FIELD_LABELS[field] ?? spelledOut(field);
}

export function worldFieldLabel(field: string): string {
  return WORLD_FIELD_LABELS[field] ?? spelledOut(field);
}

/** "description", "description and tags", "name, description and secret notes". */
export function listInWords(items: string[]): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? "";
  return `${unique.slice(0, -1).join(", ")} and ${unique.at(-1)}`;
}

/** The labels of element fields, in a sentence. */
export function elementFieldsInWords(fields: string[]): string {
  return listInWords(fields.map(elementFieldLabel));
}

/** The labels of world fields (and of the settings changed, rather than "settings"), in a sentence. */
export function worldFieldsInWords(fields: string[], settings: string[] = []): string {
  const labels = fields.flatMap((field) => (field === "settings" && settings.length ? settings.map(worldFieldLabel) : [worldFieldLabel(field)]));
  return listInWords(labels);
}
