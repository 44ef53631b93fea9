import { hashPassword } from "better-auth/crypto";
import { DEMO_ELEMENTS, DEMO_RELATIONSHIPS, DEMO_USER, DEMO_WORLD } from "../../drizzle/seed/demo-world.mjs";
import { executeFile, query, sqlString as q } from "./local-d1.mjs";

/** Seeds the demo account and world once; a second run sees the account and does nothing. */
export async function seedDemo(stateDir) {
  const existing = query(`select id from user where email = ${q(DEMO_USER.email)}`, stateDir);
  if (existing.length > 0) return false;
  const now = Date.now();
  // better-auth's own hash, so the seeded account signs in exactly like one made through sign-up.
  const hash = await hashPassword(DEMO_USER.password);
  const w = DEMO_WORLD;
  const statements = [
    `insert into user (id, name, email, email_verified, created_at, updated_at) values (${q(DEMO_USER.id)}, ${q(DEMO_USER.name)}, ${q(DEMO_USER.email)}, 1, ${now}, ${now});`,
    `insert into account (id, account_id, provider_id, user_id, password, created_at, updated_at) values ('demoaccount00001', ${q(DEMO_USER.id)}, 'credential', ${q(DEMO_USER.id)}, ${q(hash)}, ${now}, ${now});`,
    `insert into worlds (id, owner_id, title, description, style, tags, visibility, created_at, updated_at) values (${q(w.id)}, ${q(DEMO_USER.id)}, ${q(w.title)}, ${q(w.description)}, ${q(w.style)}, ${q(JSON.stringify(w.tags))}, 'public', ${now}, ${now});`,
    `insert into world_members (world_id, user_id, role, created_at) values (${q(w.id)}, ${q(DEMO_USER.id)}, 'owner', ${now});`,
    `insert into history (id, world_id, user_id, action, summary, created_at) values ('demohistory00001', ${q(w.id)}, ${q(DEMO_USER.id)}, 'created', ${q(`Created the world “${w.title}”`)}, ${now});`,
  ];
  DEMO_ELEMENTS.forEach(([id, type, name, description, x, y, tags], i) => {
    const elementId = `demo${id}`.padEnd(16, "0");
    const at = now + i;
    // The first version of each element, shaped as the room writes versions (its history panel
    // shows it as "created").
    const iso = new Date(at).toISOString();
    const snapshot = { id: elementId, type, name, description, secret: "", position: { x, y }, tags, assets: {}, metadata: {}, version: 1, createdAt: iso, updatedAt: iso };
    statements.push(
      `insert into elements (id, world_id, type, name, description, x, y, tags, version, created_by, created_at, updated_at) values (${q(elementId)}, ${q(w.id)}, ${q(type)}, ${q(name)}, ${q(description)}, ${x}, ${y}, ${q(JSON.stringify(tags))}, 1, ${q(DEMO_USER.id)}, ${at}, ${at});`,
      `insert into element_versions (element_id, world_id, version, snapshot, action, user_id, created_at) values (${q(elementId)}, ${q(w.id)}, 1, ${q(JSON.stringify(snapshot))}, 'created', ${q(DEMO_USER.id)}, ${at});`,
    );
  });
  DEMO_RELATIONSHIPS.forEach(([id, from, to, kind, label], i) => {
    const el = (e) => `demo${e}`.padEnd(16, "0");
    statements.push(
      `insert into relationships (id, world_id, from_id, to_id, kind, label, created_at, updated_at) values (${q(`demo${id}`.padEnd(16, "0"))}, ${q(w.id)}, ${q(el(from))}, ${q(el(to))}, ${q(kind)}, ${q(label)}, ${now + i}, ${now + i});`,
    );
  });
  // The demo world is public: the gallery lists it and finds it by its element names (as
  // refreshSearchIndex in workers/domain/gallery.ts writes the row for every public world).
  statements.push(
    `insert into world_search (world_id, title, description, tags, names) select w.id, w.title, w.description, coalesce((select group_concat(t.value, ' ') from json_each(w.tags) t), ''), coalesce((select group_concat(e.name, char(10)) from elements e where e.world_id = w.id), '') from worlds w where w.id = ${q(w.id)} and w.visibility = 'public';`,
  );
  executeFile(statements.join("\n"), stateDir);
  return true;
}
