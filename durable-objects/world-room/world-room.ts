import { YServer } from "y-partyserver";
import * as Y from "yjs";

/**
 * One room per world: the single writer of the world's graph (SPEC §1). It holds the graph as a
 * Yjs document persisted in the object's own SQLite storage. The editor and real-time issues grow
 * this into the REST/RPC writer, projection into D1, presence, chat and locks.
 */
export class WorldRoom extends YServer<Env> {
  static override callbackOptions = { debounceWait: 250, debounceMaxWait: 1000 };

  private ensureTables() {
    this.ctx.storage.sql.exec(
      "create table if not exists snapshot (id integer primary key check (id = 1), state blob not null, saved_at integer not null)",
    );
  }

  override async onLoad(): Promise<void> {
    this.ensureTables();
    const row = this.ctx.storage.sql.exec<{ state: ArrayBuffer }>("select state from snapshot where id = 1").toArray()[0];
    if (row) Y.applyUpdate(this.document, new Uint8Array(row.state));
  }

  override async onSave(): Promise<void> {
    this.ensureTables();
    const state = Y.encodeStateAsUpdate(this.document);
    this.ctx.storage.sql.exec(
      "insert into snapshot (id, state, saved_at) values (1, ?, ?) on conflict(id) do update set state = excluded.state, saved_at = excluded.saved_at",
      state,
      Date.now(),
    );
  }

  /** Forgets everything: called when the world is deleted. */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
