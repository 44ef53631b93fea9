// A story as an EPUB 3 publication (issue 18, point 6), valid under the W3C's EPUBCheck: the
// `mimetype` entry first and stored, the container, a package document with its metadata, a cover
// (the world's, else the first picture), the navigation document, one XHTML file per chapter with
// the scenes as sections and a rule between them, and the pictures. With narration, Media
// Overlays: a SMIL file per chapter pairs each timed word (a span in the XHTML) with its stretch of
// the scene's audio, so reading systems that support them read aloud and highlight the words.
import { chapterTitle, isRule, paragraphsOf, xmlText, type Book, type BookAudio, type BookImage, type PackageFile, type Paragraph } from "./story-export-book";

/** Image types every EPUB 3 reading system must show (EPUB 3.2 core media types). */
export const EPUB_IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/svg+xml"]);
/** Audio types Media Overlays may point at (core media types). */
export const EPUB_AUDIO_TYPES = new Set(["audio/mpeg", "audio/mp4"]);

const XHTML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n';

function page(title: string, body: string, language: string): string {
  return `${XHTML_HEAD}<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="${language}" lang="${language}">
<head>
<meta charset="utf-8"/>
<title>${xmlText(title)}</title>
<link rel="stylesheet" type="text/css" href="style.css"/>
</head>
<body>
${body}
</body>
</html>
`;
}

const STYLE = `body { font-family: serif; line-height: 1.5; margin: 0 5%; }
h1 { text-align: center; margin: 2em 0 1em; }
h2 { font-size: 1.1em; margin: 1.5em 0 0.5em; }
p { margin: 0 0 0.8em; text-indent: 0; }
hr.scene-break { border: none; text-align: center; margin: 1.5em 0; }
hr.scene-break::after { content: "* * *"; }
figure { margin: 1em 0; text-align: center; }
figure img { max-width: 100%; max-height: 90vh; }
.cover { text-align: center; margin: 0; }
.cover img { max-width: 100%; max-height: 100vh; }
.-epub-media-overlay-active { background-color: #fde68a; }
`;

/** A clock value for SMIL and `media:duration` (h:mm:ss.fff). */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = (total % 60_000) / 1000;
  return `${hours}:${String(minutes).padStart(2, "0")}:${seconds.toFixed(3).padStart(6, "0")}`;
}

/** One spoken word: its span's id in the chapter, and its stretch of the audio file. */
type Cue = { spanId: string; audio: string; begin: number; end: number };

/**
 * The timed words of a scene: in order, without overlaps, inside one paragraph each (a word that
 * crosses a paragraph is left unmarked), each lasting until the next word starts (the last until
 * the audio ends).
 */
function cuesOf(narration: BookAudio, paragraphs: Paragraph[], prefix: string): Map<number, Array<{ start: number; end: number; cue: Cue }>> {
  const byParagraph = new Map<number, Array<{ start: number; end: number; cue: Cue }>>();
  const sorted = [...narration.timings].filter((t) => t.end > t.start && t.time >= 0).sort((a, b) => a.time - b.time || a.start - b.start);
  let lastEnd = -1;
  sorted.forEach((timing, index) => {
    if (timing.start < lastEnd) return;
    const paragraphIndex = paragraphs.findIndex((p) => timing.start >= p.start && timing.end <= p.start + p.text.length);
    if (paragraphIndex < 0 || isRule(paragraphs[paragraphIndex]!)) return;
    const next = sorted.slice(index + 1).find((t) => t.time > timing.time);
    const end = next ? next.time : (narration.durationMs ?? timing.time + 500);
    if (end <= timing.time) return;
    lastEnd = timing.end;
    const list = byParagraph.get(paragraphIndex) ?? [];
    list.push({ start: timing.start, end: timing.end, cue: { spanId: `${prefix}w${index}`, audio: narration.path, begin: timing.time, end } });
    byParagraph.set(paragraphIndex, list);
  });
  return byParagraph;
}

/** Text with its line breaks as `<br/>`. */
const lines = (text: string) => xmlText(text).replace(/\n/g, "<br/>");

/** A paragraph's XHTML, with each timed word in a span a SMIL `<text>` can point at. */
function paragraphHtml(paragraph: Paragraph, marks: Array<{ start: number; end: number; cue: Cue }>): string {
  let html = "";
  let at = 0;
  const text = paragraph.text;
  for (const mark of marks) {
    const start = mark.start - paragraph.start;
    const end = mark.end - paragraph.start;
    html += lines(text.slice(at, start)) + `<span id="${mark.cue.spanId}">${lines(text.slice(start, end))}</span>`;
    at = end;
  }
  return `<p>${html + lines(text.slice(at)).replace(/^\s+|\s+$/g, "")}</p>`;
}

type ChapterFile = { file: string; title: string; xhtml: string; cues: Cue[]; sceneCues: Array<{ sceneId: string; audio: BookAudio }> };

function chapterFile(book: Book, index: number, audio: boolean): ChapterFile {
  const chapter = book.chapters[index]!;
  const title = chapterTitle(chapter, index);
  const file = `chapter-${index + 1}.xhtml`;
  const cues: Cue[] = [];
  const sceneCues: ChapterFile["sceneCues"] = [];
  const sections = chapter.scenes.map((scene, sceneIndex) => {
    const id = `c${index + 1}s${sceneIndex + 1}`;
    const paragraphs = paragraphsOf(scene.text);
    const narration = audio && scene.narration && EPUB_AUDIO_TYPES.has(scene.narration.mimeType) ? scene.narration : null;
    const marks = narration ? cuesOf(narration, paragraphs, id) : new Map<number, Array<{ start: number; end: number; cue: Cue }>>();
    const parts: string[] = [];
    if (sceneIndex > 0) parts.push('<hr class="scene-break"/>');
    parts.push(`<section id="${id}" aria-label="${xmlText(scene.title.trim() || `Scene ${sceneIndex + 1}`)}">`);
    if (scene.title.trim()) parts.push(`<h2>${xmlText(scene.title.trim())}</h2>`);
    if (scene.image) parts.push(`<figure><img src="${scene.image.path}" alt="${xmlText(scene.title.trim() || `An illustration of scene ${sceneIndex + 1}`)}"/></figure>`);
    paragraphs.forEach((paragraph, p) => {
      if (isRule(paragraph)) parts.push('<hr class="scene-break"/>');
      else {
        const list = marks.get(p) ?? [];
        parts.push(paragraphHtml(paragraph, list));
        cues.push(...list.map((m) => m.cue));
      }
    });
    if (narration && marks.size === 0 && narration.durationMs) {
      // Narration without word timings: the whole scene is one stretch of audio.
      cues.push({ spanId: id, audio: narration.path, begin: 0, end: narration.durationMs });
    }
    if (narration && (marks.size > 0 || narration.durationMs)) sceneCues.push({ sceneId: scene.id, audio: narration });
    parts.push("</section>");
    return parts.join("\n");
  });
  const body = `<section epub:type="chapter" id="chapter-${index + 1}">\n<h1>${xmlText(title)}</h1>\n${sections.join("\n")}\n</section>`;
  return { file, title, xhtml: page(title, body, book.language), cues, sceneCues };
}

function smil(chapter: ChapterFile, index: number): string {
  const pars = chapter.cues
    .map(
      (cue, n) =>
        `<par id="c${index + 1}p${n + 1}"><text src="${chapter.file}#${cue.spanId}"/><audio src="${cue.audio}" clipBegin="${clock(cue.begin)}" clipEnd="${clock(cue.end)}"/></par>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">
<body>
<seq id="c${index + 1}seq" epub:textref="${chapter.file}#chapter-${index + 1}" epub:type="chapter">
${pars}
</seq>
</body>
</smil>
`;
}

/** `modified` as EPUB wants it: to the second, in UTC. */
const modifiedOf = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/** The files of the publication, in order (`mimetype` first, stored). */
export function epubFiles(book: Book, options: { audio: boolean }): PackageFile[] {
  const chapters = book.chapters.map((_, index) => chapterFile(book, index, options.audio));
  const images = new Map<string, BookImage>();
  for (const chapter of book.chapters) for (const scene of chapter.scenes) if (scene.image) images.set(scene.image.path, scene.image);
  const cover = book.cover;
  if (cover) images.set(cover.path, cover);
  const audios = new Map<string, BookAudio>();
  for (const chapter of chapters) for (const { audio } of chapter.sceneCues) audios.set(audio.path, audio);

  const manifest: string[] = [
    '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>',
    '<item id="style" href="style.css" media-type="text/css"/>',
  ];
  const metadata: string[] = [
    `<dc:identifier id="book-id">urn:loreloom:story:${xmlText(book.id)}</dc:identifier>`,
    `<dc:title>${xmlText(book.title)}</dc:title>`,
    `<dc:language>${book.language}</dc:language>`,
    `<meta property="dcterms:modified">${modifiedOf(book.modified)}</meta>`,
    `<dc:publisher>Loreloom</dc:publisher>`,
    `<dc:source>${xmlText(book.sourceUrl)}</dc:source>`,
  ];
  if (book.creator) metadata.push(`<dc:creator>${xmlText(book.creator)}</dc:creator>`);
  if (book.premise.trim()) metadata.push(`<dc:description>${xmlText(book.premise.trim())}</dc:description>`);
  const spine: string[] = [];
  if (cover) {
    manifest.push('<item id="cover" href="cover.xhtml" media-type="application/xhtml+xml"/>');
    spine.push('<itemref idref="cover" linear="no"/>');
  }
  [...images.values()].forEach((image, n) => {
    const properties = image === cover || image.path === cover?.path ? ' properties="cover-image"' : "";
    manifest.push(`<item id="image-${n + 1}" href="${image.path}" media-type="${image.mimeType}"${properties}/>`);
  });
  [...audios.values()].forEach((audio, n) => manifest.push(`<item id="audio-${n + 1}" href="${audio.path}" media-type="${audio.mimeType}"/>`));
  let totalMs = 0;
  chapters.forEach((chapter, index) => {
    const overlay = chapter.cues.length > 0 ? `smil-${index + 1}` : null;
    manifest.push(`<item id="chapter-${index + 1}" href="${chapter.file}" media-type="application/xhtml+xml"${overlay ? ` media-overlay="${overlay}"` : ""}/>`);
    if (overlay) {
      const ms = chapter.cues.reduce((sum, cue) => sum + (cue.end - cue.begin), 0);
      totalMs += ms;
      manifest.push(`<item id="${overlay}" href="chapter-${index + 1}.smil" media-type="application/smil+xml"/>`);
      metadata.push(`<meta property="media:duration" refines="#${overlay}">${clock(ms)}</meta>`);
    }
    spine.push(`<itemref idref="chapter-${index + 1}"/>`);
  });
  if (totalMs > 0) {
    metadata.push(`<meta property="media:duration">${clock(totalMs)}</meta>`);
    metadata.push('<meta property="media:active-class">-epub-media-overlay-active</meta>');
  }
  if (chapters.length === 0) {
    // A story with no chapters yet is still a book: one page with its title.
    manifest.push('<item id="title-page" href="title.xhtml" media-type="application/xhtml+xml"/>');
    spine.push('<itemref idref="title-page"/>');
  }

  const opf = `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" xml:lang="${book.language}">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
${metadata.join("\n")}
</metadata>
<manifest>
${manifest.join("\n")}
</manifest>
<spine>
${spine.join("\n")}
</spine>
</package>
`;
  const navItems = chapters.map((chapter) => `<li><a href="${chapter.file}">${xmlText(chapter.title)}</a></li>`);
  const nav = page(
    book.title,
    `<nav epub:type="toc" id="toc">\n<h1>${xmlText(book.title)}</h1>\n<ol>\n${navItems.length > 0 ? navItems.join("\n") : '<li><a href="title.xhtml">' + xmlText(book.title) + "</a></li>"}\n</ol>\n</nav>`,
    book.language,
  );
  const files: PackageFile[] = [
    { path: "mimetype", bytes: "application/epub+zip", store: true },
    {
      path: "META-INF/container.xml",
      bytes: `<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles>
<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
</rootfiles>
</container>
`,
    },
    { path: "OEBPS/content.opf", bytes: opf },
    { path: "OEBPS/nav.xhtml", bytes: nav },
    { path: "OEBPS/style.css", bytes: STYLE },
  ];
  if (cover) {
    files.push({
      path: "OEBPS/cover.xhtml",
      bytes: page(book.title, `<section epub:type="cover" class="cover"><img src="${cover.path}" alt="${xmlText(`The cover of ${book.title}`)}"/></section>`, book.language),
    });
  }
  if (chapters.length === 0) files.push({ path: "OEBPS/title.xhtml", bytes: page(book.title, `<h1>${xmlText(book.title)}</h1>`, book.language) });
  chapters.forEach((chapter, index) => {
    files.push({ path: `OEBPS/${chapter.file}`, bytes: chapter.xhtml });
    if (chapter.cues.length > 0) files.push({ path: `OEBPS/chapter-${index + 1}.smil`, bytes: smil(chapter, index) });
  });
  for (const image of images.values()) files.push({ path: `OEBPS/${image.path}`, bytes: { r2Key: image.key } });
  for (const audio of audios.values()) files.push({ path: `OEBPS/${audio.path}`, bytes: { r2Key: audio.key } });
  return files;
}
