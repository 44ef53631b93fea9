// The domain's fixed vocabularies (SPEC §2). Plain values with no database code, so the browser
// can use them without pulling in drizzle.

export const WORLD_STYLES = [
  "fantasy",
  "sci-fi",
  "steampunk",
  "horror",
  "mythic",
  "modern",
  "cyberpunk",
  "post-apocalyptic",
  "fairy-tale",
] as const;
export type WorldStyle = (typeof WORLD_STYLES)[number];

export const VISIBILITIES = ["private", "unlisted", "public"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const ROLES = ["owner", "editor", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const ELEMENT_TYPES = [
  "location",
  "character",
  "faction",
  "item",
  "creature",
  "event",
  "lore",
] as const;
export type ElementType = (typeof ELEMENT_TYPES)[number];

export const RELATIONSHIP_KINDS = [
  "contains",
  "located_in",
  "allied_with",
  "enemy_of",
  "member_of",
  "owns",
  "parent_of",
  "caused",
  "related_to",
] as const;
export type RelationshipKind = (typeof RELATIONSHIP_KINDS)[number];
