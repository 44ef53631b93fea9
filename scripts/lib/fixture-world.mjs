// Builds large, deterministic fixture worlds straight into local D1 (before a server starts on that
// state): the bench's 500-element world and the editor's 5,000-element / 8,000-relationship world.
import { hashPassword } from "better-auth/crypto";
import { executeFile, sqlString as q } from "./local-d1.mjs";

const TYPES = ["location", "character", "faction", "item", "creature", "event", "lore"];
const KINDS = ["contains", "located_in", "allied_with", "enemy_of", "member_of", "owns", "parent_of", "caused", "related_to"];
const FIRST = ["Ash", "Bright", "Cinder", "Dusk", "Ember", "Frost", "Gloam", "Hollow", "Iron", "Jade", "Kestrel", "Lumen", "Moss", "Night", "Oak", "Pale", "Quill", "Raven", "Storm", "Thorn", "Umber", "Vale", "Wyrm", "Yew"];
const SECOND = ["hold", "reach", "wick", "fall", "mere", "crest", "gate", "wood", "spire", "ford", "moor", "haven", "barrow", "deep", "watch", "march"];
const NOUN = {
  location: "a place of old stone and older secrets",
  character: "a wanderer with a debt to the wrong house",
  faction: "an order sworn to a forgotten cause",
  item: "a relic that hums when danger nears",
  creature: "a beast that hunts by moonlight",
  event: "the night the bells rang without hands",
  lore: "a saying every child of the valley knows",
};

/** Deterministic pseudo-random numbers, so two runs build the same world. */
function rng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Four characters that differ between worlds: ids need only be unique within one, but logs read better. */
function tagOf(worldId) {
  let hash = 7;
  for (const char of worldId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash.toString(36).padStart(4, "0").slice(-4);
}

const pad = (prefix, n) => `${prefix}${n.toString(36).padStart(16 - prefix.length, "0")}`;

/**
 * Writes an owner account (signing in with `password`) and a world with `elementCount` elements
 * laid out on a grid and `relationshipCount` relationships between them. With `existingOwner`,
 * the world goes to an account that already exists (`userId`) and no account is written.
 */
export async function seedFixtureWorld(stateDir, options) {
  const { userId, email, password, name = "Fixture Owner", worldId, title, elementCount, relationshipCount } = options;
  const random = rng(options.seed ?? 7);
  const now = Date.now();
  const statements = [];
  if (!options.existingOwner) {
    const hash = await hashPassword(password);
    statements.push(
    `insert into user (id, name, email, email_verified, created_at, updated_at) values (${q(userId)}, ${q(name)}, ${q(email)}, 1, ${now}, ${now});`,
    `insert into account (id, account_id, provider_id, user_id, password, created_at, updated_at) values (${q(pad("acct", now % 1e9))}, ${q(userId)}, 'credential', ${q(userId)}, ${q(hash)}, ${now}, ${now});`,
    );
  }
  statements.push(
    `insert into worlds (id, owner_id, title, description, style, tags, visibility, created_at, updated_at) values (${q(worldId)}, ${q(userId)}, ${q(title)}, ${q(`A fixture world of ${elementCount} elements.`)}, 'fantasy', '["fixture"]', 'private', ${now}, ${now});`,
    `insert into world_members (world_id, user_id, role, created_at) values (${q(worldId)}, ${q(userId)}, 'owner', ${now});`,
  );
  const columns = Math.ceil(Math.sqrt(elementCount));
  const elementIds = [];
  const elementRows = [];
  const relationshipRows = [];
  for (let i = 0; i < elementCount; i += 1) {
    const id = pad(`${tagOf(worldId)}e`, i);
    elementIds.push(id);
    const type = TYPES[i % TYPES.length];
    const elementName = `${FIRST[Math.floor(random() * FIRST.length)]}${SECOND[Math.floor(random() * SECOND.length)]} ${i + 1}`;
    const x = (i % columns) * 260;
    const y = Math.floor(i / columns) * 160;
    elementRows.push(
      `(${q(id)}, ${q(worldId)}, '${type}', ${q(elementName)}, ${q(`${elementName} is ${NOUN[type]}.`)}, ${i % 10 === 0 ? q("A secret only editors know.") : "null"}, ${x}, ${y}, '["fixture"]', 1, ${q(userId)}, ${now + i}, ${now + i})`,
    );
  }
  for (let i = 0; i < relationshipCount; i += 1) {
    const from = Math.floor(random() * elementCount);
    let to = Math.floor(random() * elementCount);
    if (to === from) to = (to + 1) % elementCount;
    relationshipRows.push(
      `(${q(pad(`${tagOf(worldId)}r`, i))}, ${q(worldId)}, ${q(elementIds[from])}, ${q(elementIds[to])}, '${KINDS[i % KINDS.length]}', '', ${now + i}, ${now + i})`,
    );
  }
  // Multi-row inserts: thousands of rows load in seconds rather than a statement at a time.
  for (let i = 0; i < elementRows.length; i += 200) {
    statements.push(
      `insert into elements (id, world_id, type, name, description, secret, x, y, tags, version, created_by, created_at, updated_at) values ${elementRows.slice(i, i + 200).join(",\n")};`,
    );
  }
  for (let i = 0; i < relationshipRows.length; i += 200) {
    statements.push(
      `insert into relationships (id, world_id, from_id, to_id, kind, label, created_at, updated_at) values ${relationshipRows.slice(i, i + 200).join(",\n")};`,
    );
  }
  executeFile(statements.join("\n"), stateDir);
  return { userId, email, password, worldId };
}
