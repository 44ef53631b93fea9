import MarkdownIt from "markdown-it";

// Raw HTML is never rendered: what people type is escaped, and links are limited to safe schemes.
// One renderer for every place a description is shown: the editor's preview, the public page and
// the embed (rendered on the server), and the offline viewer in an export (rendered at export).
const md = new MarkdownIt({ html: false, linkify: true, breaks: true });
const SAFE_LINK = /^(https?:|mailto:|#|\/)/i;
md.validateLink = (url) => SAFE_LINK.test(url.trim());

export function renderMarkdown(source: string): string {
  return md.render(source);
}
