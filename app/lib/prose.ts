/**
 * Typography for rendered Markdown (@tailwindcss/typography's `prose`), the same wherever a
 * description is shown: headings in steps, lists with markers, tables with ruled cells, quotes
 * with a bar, code on a tint. The plugin's decorative backticks and quotation marks are left out:
 * they would read as the raw Markdown symbols people typed.
 */
export const PROSE =
  "prose prose-sm prose-stone max-w-none break-words " +
  "prose-headings:mt-3 prose-headings:mb-1 prose-p:my-1.5 prose-ul:my-1.5 prose-ol:my-1.5 prose-li:my-0.5 " +
  "prose-a:text-indigo-700 prose-blockquote:border-indigo-300 prose-blockquote:font-normal prose-blockquote:not-italic " +
  "[&_blockquote_p]:before:content-none [&_blockquote_p]:after:content-none " +
  "prose-code:rounded prose-code:bg-stone-200/70 prose-code:px-1 prose-code:py-0.5 prose-code:font-normal prose-code:before:content-none prose-code:after:content-none " +
  "prose-pre:my-2 prose-pre:bg-stone-800 [&_pre_code]:bg-transparent [&_pre_code]:p-0 " +
  "prose-table:my-2 prose-table:border-collapse prose-th:border prose-th:border-stone-300 prose-th:bg-stone-100 prose-th:px-2 prose-th:py-1 " +
  "prose-td:border prose-td:border-stone-300 prose-td:px-2 prose-td:py-1";
