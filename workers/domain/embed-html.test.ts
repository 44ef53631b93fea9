import { describe, expect, it } from "vitest";
import { escapeHtml } from "../lib/html";
import { embedIframeHtml } from "./embed-html";

describe("embed snippet", () => {
  it("escapes the title and rounds sizes", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(embedIframeHtml({ origin: "https://loreloom.example", worldId: "abc", title: `"Q" <b>`, width: 480.4, height: 360 })).toBe(
      `<iframe src="https://loreloom.example/embed/abc" width="480" height="360" title="&quot;Q&quot; &lt;b&gt; — Loreloom" style="border:0;border-radius:12px;max-width:100%" loading="lazy" allowfullscreen></iframe>`,
    );
  });
});
