import { describe, expect, it } from "vitest";
import { ARCHIVE_SCHEMA_VERSION, type ArchiveDocument } from "../domain/archive-format";
import { offlineViewerHtml } from "./offline-viewer";

const element = (id: string, description: string, secret?: string): ArchiveDocument["elements"][number] => ({
  id,
  type: "lore",
  name: `Element ${id}`,
  aliases: [],
  description,
  ...(secret ? { secret } : {}),
  position: { x: 0, y: 0 },
  tags: [],
  assets: {},
  metadata: {},
  version: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  file: `elements/lore/${id}.md`,
});

function archive(elements: ArchiveDocument["elements"]): ArchiveDocument {
  return {
    schemaVersion: ARCHIVE_SCHEMA_VERSION,
    exportedAt: "2026-01-01T00:00:00.000Z",
    world: { title: "Tide <Clock>", description: "", style: "fantasy", tags: [], visibility: "private", cover: null, settings: {} },
    elements,
    relationships: [],
    source: { worldId: "w1", url: "https://example.com/w/w1" },
  };
}

/** The rendered descriptions the viewer carries, read back as the page's script reads them. */
function rendered(html: string): Record<string, { description?: string; secret?: string }> {
  const inline = /<script type="application\/json" id="world-html">([\s\S]*?)<\/script>/.exec(html);
  expect(inline).not.toBeNull();
  return JSON.parse(inline![1]!);
}

describe("the offline viewer's descriptions", () => {
  it("carries each description and secret as Markdown rendered to HTML", () => {
    const html = offlineViewerHtml(
      archive([element("a", "## Tides\n\n- high\n- low\n\n| hour | depth |\n| --- | --- |\n| 1 | 3 |\n\n> hush\n\n`gear`", "Only **she** knows.")]),
    );
    const a = rendered(html).a!;
    expect(a.description).toContain("<h2>Tides</h2>");
    expect(a.description).toMatch(/<ul>\s*<li>high<\/li>/);
    expect(a.description).toContain("<table>");
    expect(a.description).toContain("<blockquote>");
    expect(a.description).toContain("<code>gear</code>");
    expect(a.secret).toContain("<strong>she</strong>");
    // The page styles what it renders with CSS of its own (it loads nothing).
    expect(html).toMatch(/\.md h2\{/);
    expect(html).toMatch(/\.md th,\.md td\{border:1px solid/);
  });

  it("lets no HTML or script link that someone typed through, and cannot be closed early by it", () => {
    const html = offlineViewerHtml(archive([element("x", '<script>alert(1)</script> <img src=x onerror=alert(1)> [go](javascript:alert(1)) </script><script>alert(2)</script>')]));
    const x = rendered(html).x!;
    expect(x.description).not.toMatch(/<script|<img|href="javascript:/i);
    expect(x.description).toContain("&lt;script&gt;");
    // The page holds one closing tag per script element it opened: nothing typed ended one.
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });
});
