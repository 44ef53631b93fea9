/**
 * Serialized world graphs, reused while they are current. A world's `graph_version` is bumped in
 * the same D1 batch as every write to its elements or relationships, and each request reads that
 * version from D1 before looking here, so an entry can never be served after the graph changed.
 * Each isolate keeps its own entries, bounded by size; losing them costs one D1 read.
 */
export type SerializedGraph = { elements: string; relationships: string };

type Entry = { key: string; graph: SerializedGraph; bytes: number };

export class GraphCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  static key(worldId: string, graphVersion: number, withSecrets: boolean) {
    return `${worldId}:${graphVersion}:${withSecrets ? "s" : "p"}`;
  }

  get(key: string): SerializedGraph | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Map order is insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.graph;
  }

  set(key: string, graph: SerializedGraph) {
    const bytes = graph.elements.length + graph.relationships.length;
    if (bytes > this.maxBytes) return;
    this.delete(key);
    this.entries.set(key, { key, graph, bytes });
    this.bytes += bytes;
    for (const oldest of this.entries.values()) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldest.key);
    }
  }

  private delete(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  get size() {
    return this.entries.size;
  }
}

/** About 24 MB of JSON per isolate: a handful of 5,000-element worlds, hundreds of small ones. */
export const graphCache = new GraphCache(24 * 1024 * 1024);
