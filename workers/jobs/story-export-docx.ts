// A story as a Word document (issue 18, point 6): a minimal Office Open XML package written by
// hand — the title, a Heading 1 per chapter (each on a new page), a Heading 2 per named scene, a
// centred `* * *` between scenes, each scene's picture as an inline drawing, and the paragraphs.
import { chapterTitle, isRule, paragraphsOf, xmlText, type Book, type BookImage, type PackageFile } from "./story-export-book";

/** Pictures Word shows without a fallback. */
export const DOCX_IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif"]);

const NS = {
  w: "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
  r: "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
  wp: "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
  a: "http://schemas.openxmlformats.org/drawingml/2006/main",
  pic: "http://schemas.openxmlformats.org/drawingml/2006/picture",
};
const EMU_PER_PIXEL = 9525;
/** The text width of a Letter page with one-inch margins (6.5 in), in EMU. */
const MAX_WIDTH_EMU = 6.5 * 914_400;
const MAX_HEIGHT_EMU = 8 * 914_400;

/** A run of text, its line breaks as `<w:br/>`. */
function runs(text: string): string {
  return text
    .split("\n")
    .map((line, i) => `<w:r>${i > 0 ? "<w:br/>" : ""}<w:t xml:space="preserve">${xmlText(line)}</w:t></w:r>`)
    .join("");
}

const paragraph = (text: string, properties = "") => `<w:p>${properties ? `<w:pPr>${properties}</w:pPr>` : ""}${runs(text)}</w:p>`;

function drawing(image: BookImage, relId: string, id: number, description: string): string {
  const width = (image.width ?? 640) * EMU_PER_PIXEL;
  const height = (image.height ?? 480) * EMU_PER_PIXEL;
  const scale = Math.min(1, MAX_WIDTH_EMU / width, MAX_HEIGHT_EMU / height);
  const cx = Math.max(1, Math.round(width * scale));
  const cy = Math.max(1, Math.round(height * scale));
  return `<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="${cx}" cy="${cy}"/><wp:docPr id="${id}" name="Picture ${id}" descr="${xmlText(description)}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="${NS.pic}"><pic:pic><pic:nvPicPr><pic:cNvPr id="${id}" name="${xmlText(image.path)}"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="${relId}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="${cx}" cy="${cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`;
}

const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="${NS.w}">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Georgia" w:hAnsi="Georgia" w:cs="Georgia"/><w:sz w:val="24"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="160" w:line="300" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/><w:spacing w:after="480"/></w:pPr><w:rPr><w:b/><w:sz w:val="56"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:i/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="480" w:after="240"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="36"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:sz w:val="28"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="SceneBreak"><w:name w:val="Scene Break"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:jc w:val="center"/><w:spacing w:before="240" w:after="240"/></w:pPr></w:style>
</w:styles>
`;

/** The files of the .docx package. */
export function docxFiles(book: Book): PackageFile[] {
  const body: string[] = [paragraph(book.title, '<w:pStyle w:val="Title"/>')];
  if (book.premise.trim()) body.push(paragraph(book.premise.trim(), '<w:pStyle w:val="Subtitle"/>'));
  body.push(paragraph(`A story of ${book.worldTitle}${book.creator ? `, by ${book.creator}` : ""}.`, '<w:pStyle w:val="Subtitle"/>'));
  const media = new Map<string, { image: BookImage; relId: string; target: string }>();
  let drawings = 0;
  book.chapters.forEach((chapter, index) => {
    body.push(paragraph(chapterTitle(chapter, index), `<w:pStyle w:val="Heading1"/>${index > 0 ? "<w:pageBreakBefore/>" : ""}`));
    chapter.scenes.forEach((scene, sceneIndex) => {
      if (sceneIndex > 0) body.push(paragraph("* * *", '<w:pStyle w:val="SceneBreak"/>'));
      if (scene.title.trim()) body.push(paragraph(scene.title.trim(), '<w:pStyle w:val="Heading2"/>'));
      if (scene.image && DOCX_IMAGE_TYPES.has(scene.image.mimeType)) {
        let entry = media.get(scene.image.path);
        if (!entry) {
          entry = { image: scene.image, relId: `rIdImage${media.size + 1}`, target: `media/image${media.size + 1}.${scene.image.path.split(".").pop()}` };
          media.set(scene.image.path, entry);
        }
        drawings += 1;
        body.push(drawing(scene.image, entry.relId, drawings, scene.title.trim() || `An illustration of scene ${sceneIndex + 1}`));
      }
      for (const block of paragraphsOf(scene.text)) body.push(isRule(block) ? paragraph("* * *", '<w:pStyle w:val="SceneBreak"/>') : paragraph(block.text.trim()));
    });
  });
  const document = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="${NS.w}" xmlns:r="${NS.r}" xmlns:wp="${NS.wp}" xmlns:a="${NS.a}" xmlns:pic="${NS.pic}">
<w:body>
${body.join("\n")}
<w:sectPr><w:pgSz w:w="12240" w:h="15840"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr>
</w:body>
</w:document>
`;
  const extensions = new Map<string, string>();
  for (const { image, target } of media.values()) extensions.set(target.split(".").pop()!, image.mimeType);
  const created = book.modified.toISOString().replace(/\.\d{3}Z$/, "Z");
  return [
    {
      path: "[Content_Types].xml",
      bytes: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
${[...extensions].map(([extension, type]) => `<Default Extension="${extension}" ContentType="${type}"/>`).join("\n")}
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>
`,
    },
    {
      path: "_rels/.rels",
      bytes: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>
`,
    },
    {
      path: "docProps/core.xml",
      bytes: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>${xmlText(book.title)}</dc:title>
<dc:creator>${xmlText(book.creator)}</dc:creator>
<dc:language>${book.language}</dc:language>
<dcterms:created xsi:type="dcterms:W3CDTF">${created}</dcterms:created>
<dcterms:modified xsi:type="dcterms:W3CDTF">${created}</dcterms:modified>
</cp:coreProperties>
`,
    },
    {
      path: "word/_rels/document.xml.rels",
      bytes: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
${[...media.values()].map(({ relId, target }) => `<Relationship Id="${relId}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="${target}"/>`).join("\n")}
</Relationships>
`,
    },
    { path: "word/document.xml", bytes: document },
    { path: "word/styles.xml", bytes: STYLES },
    ...[...media.values()].map(({ image, target }) => ({ path: `word/${target}`, bytes: { r2Key: image.key } })),
  ];
}
