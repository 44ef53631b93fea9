import type { ElementType } from "../../drizzle/schema/worlds";

/** How each element type looks everywhere in the UI. */
export const ELEMENT_LOOK: Record<ElementType, { label: string; icon: string; chip: string }> = {
  location: { label: "Location", icon: "⛰", chip: "bg-emerald-100 text-emerald-900" },
  character: { label: "Character", icon: "☺", chip: "bg-sky-100 text-sky-900" },
  faction: { label: "Faction", icon: "⚑", chip: "bg-rose-100 text-rose-900" },
  item: { label: "Item", icon: "✦", chip: "bg-amber-100 text-amber-900" },
  creature: { label: "Creature", icon: "🐾", chip: "bg-lime-100 text-lime-900" },
  event: { label: "Event", icon: "⚡", chip: "bg-violet-100 text-violet-900" },
  lore: { label: "Lore", icon: "📜", chip: "bg-stone-200 text-stone-800" },
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
