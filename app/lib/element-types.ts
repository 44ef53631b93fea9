import type { ElementType } from "../../drizzle/schema/worlds";

/** How each element type looks everywhere in the UI: label, chip colours, and an icon path. */
export const ELEMENT_LOOK: Record<ElementType, { label: string; chip: string; icon: string }> = {
  location: { label: "Location", chip: "bg-emerald-100 text-emerald-900", icon: "M3 20 L9 9 L13 15 L16 11 L21 20 Z" },
  character: { label: "Character", chip: "bg-sky-100 text-sky-900", icon: "M12 12 a4 4 0 1 0 0-8 a4 4 0 1 0 0 8 Z M4 21 c0-4 4-6 8-6 s8 2 8 6" },
  faction: { label: "Faction", chip: "bg-rose-100 text-rose-900", icon: "M5 21 V4 M5 4 H18 L15 8 L18 12 H5" },
  item: { label: "Item", chip: "bg-amber-100 text-amber-900", icon: "M12 3 L15 9 L21 10 L16.5 14.5 L18 21 L12 17.5 L6 21 L7.5 14.5 L3 10 L9 9 Z" },
  creature: { label: "Creature", chip: "bg-lime-100 text-lime-900", icon: "M4 14 c0-5 4-8 8-8 s8 3 8 8 c0 3-2 5-4 5 H8 c-2 0-4-2-4-5 Z M9 11 h.01 M15 11 h.01" },
  event: { label: "Event", chip: "bg-violet-100 text-violet-900", icon: "M13 2 L4 14 H11 L10 22 L20 9 H13 Z" },
  lore: { label: "Lore", chip: "bg-stone-200 text-stone-800", icon: "M6 3 H16 L19 6 V21 H6 Z M9 9 H16 M9 13 H16 M9 17 H13" },
};

export const RELATIONSHIP_LABEL: Record<string, string> = {
  contains: "contains",
  located_in: "is located in",
  allied_with: "is allied with",
  enemy_of: "is an enemy of",
  member_of: "is a member of",
  owns: "owns",
  parent_of: "is a parent of",
  caused: "caused",
  related_to: "is related to",
};

/** Border and icon colour per type, matching the chips. */
export const TYPE_COLOR: Record<ElementType, string> = {
  location: "#047857",
  character: "#0369a1",
  faction: "#be123c",
  item: "#b45309",
  creature: "#4d7c0f",
  event: "#6d28d9",
  lore: "#57534e",
};
