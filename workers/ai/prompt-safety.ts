// Prompt sanitising and moderation (catalogue C6). Sanitising removes what could break out of the
// delimiters the providers wrap a person's text in; moderation refuses prompts the product will not
// generate for, before a job exists, with a reason the person can act on.

export const MAX_PROMPT_LENGTH = 2000;

/** Control characters, our own delimiter sequences and runs of whitespace go; length is capped. */
export function sanitizePrompt(raw: string): string {
  return raw
    .normalize("NFKC")
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, " ")
    .replace(/<<<|>>>|```/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, MAX_PROMPT_LENGTH);
}

type Rule = { pattern: RegExp; reason: string };

/**
 * Attempts to steer the model rather than describe a world, and content the studio does not make.
 * Deliberately narrow: dark fiction (wars, monsters, murders in a mystery) is what worlds are made of.
 */
const RULES: Rule[] = [
  {
    pattern: /\b(ignore|disregard|forget|override)\b[^.]{0,40}\b(previous|prior|above|earlier|system)\b[^.]{0,20}\b(instructions?|prompts?|rules?|messages?)\b/i,
    reason: "The prompt tries to change the assistant's instructions; describe what you want in the world instead.",
  },
  {
    pattern: /\b(system prompt|developer message|jailbreak|DAN mode)\b/i,
    reason: "The prompt asks about or against the assistant's instructions; describe what you want in the world instead.",
  },
  {
    pattern: /\b(child|children|minor|underage|kid)s?\b[^.]{0,60}\b(sex|sexual|nude|naked|erotic)\b|\b(sex|sexual|nude|naked|erotic)\b[^.]{0,60}\b(child|children|minor|underage|kid)s?\b/i,
    reason: "Sexual content involving minors is never generated.",
  },
  {
    pattern: /\b(how to|instructions for|recipe for|steps to)\b[^.]{0,40}\b(make|build|synthesi[sz]e|cook)\b[^.]{0,40}\b(bomb|explosive|nerve agent|sarin|ricin|meth(amphetamine)?)\b/i,
    reason: "Real-world instructions for weapons or drugs are not generated, even as fiction.",
  },
  {
    pattern: /\b(api[_ -]?key|password|secret access key|credit card number)s?\b[^.]{0,30}\b(reveal|show|print|leak|tell)\b|\b(reveal|show|print|leak|tell)\b[^.]{0,30}\b(api[_ -]?key|password|secret access key)s?\b/i,
    reason: "The prompt asks for credentials; Loreloom's AI has none to give.",
  },
];

export type ModerationResult = { ok: true } | { ok: false; reason: string };

export function moderatePrompt(prompt: string): ModerationResult {
  if (!prompt) return { ok: false, reason: "The prompt is empty once control characters and delimiters are removed." };
  for (const rule of RULES) if (rule.pattern.test(prompt)) return { ok: false, reason: rule.reason };
  return { ok: true };
}

/** Generated text is checked with the same rules before it reaches a world. */
export function moderateOutput(text: string): ModerationResult {
  for (const rule of RULES.slice(2)) if (rule.pattern.test(text)) return { ok: false, reason: rule.reason };
  return { ok: true };
}
