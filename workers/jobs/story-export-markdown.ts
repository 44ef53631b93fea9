// A story as Markdown (issue 18, point 6): `# Title`, `## Chapter`, the scenes' paragraphs with
// `* * *` between scenes, and each scene's picture. One file links to the pictures where Loreloom
// serves them; the ZIP carries them beside story.md (and the narration, when asked for).
import { chapterTitle, isRule, markdownText, paragraphsOf, type Book, type BookImage } from "./story-export-book";

/** Link text and destination that cannot end the link early. */
const linkLabel = (text: string) => text.replace(/[\\[\]]/g, "\\$&").replace(/\n/g, " ");
const linkTarget = (url: string) => `<${url.replace(/[<>\s]/g, encodeURIComponent)}>`;

/**
 * The story as one Markdown document. `local`: pictures (and narration) are files beside it, at
 * their package paths; otherwise pictures link to where Loreloom serves them.
 */
export function storyMarkdown(book: Book, options: { local: boolean; audio: boolean }): string {
  const out: string[] = [`# ${markdownText(book.title)}`, ""];
  if (book.premise.trim()) out.push(`_${markdownText(book.premise.trim())}_`, "");
  out.push(`A story of ${markdownText(book.worldTitle)}${book.creator ? `, by ${markdownText(book.creator)}` : ""}.`, "");
  const picture = (image: BookImage, alt: string) => `![${linkLabel(alt)}](${linkTarget(options.local ? image.path : image.url)})`;
  book.chapters.forEach((chapter, index) => {
    out.push(`## ${markdownText(chapterTitle(chapter, index))}`, "");
    chapter.scenes.forEach((scene, sceneIndex) => {
      if (sceneIndex > 0) out.push("* * *", "");
      if (scene.title.trim()) out.push(`### ${markdownText(scene.title.trim())}`, "");
      if (scene.image) out.push(picture(scene.image, scene.title.trim() || chapterTitle(chapter, index)), "");
      if (options.local && options.audio && scene.narration) out.push(`[Listen to this scene](${linkTarget(scene.narration.path)})`, "");
      for (const paragraph of paragraphsOf(scene.text)) out.push(isRule(paragraph) ? "* * *" : markdownText(paragraph.text.trim()), "");
    });
  });
  out.push("---", "", `Exported from Loreloom: ${book.sourceUrl}`, "");
  return out.join("\n");
}
