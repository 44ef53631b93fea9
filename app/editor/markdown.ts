export { renderMarkdown } from "../../workers/lib/markdown";
