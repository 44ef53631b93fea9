import { colorFor } from "../../durable-objects/world-room/protocol";

/** A colour from someone's awareness state, used in a style only if it is a plain #rrggbb. */
const HEX = /^#[0-9a-f]{6}$/i;
export const safeColor = (value: unknown) => (typeof value === "string" && HEX.test(value) ? value : "#78716c");
/** The colour with some transparency, for selections. */
export const translucent = (hex: string) => `${hex}40`;

/**
 * A person's colour as #rrggbb: the same hue the world's room gives them (`colorFor`), in the one
 * form the caret extension accepts (it blanks any other form).
 */
export function hexColorFor(userId: string): string {
  const match = /^hsl\((\d+) (\d+)% (\d+)%\)$/.exec(colorFor(userId));
  if (!match) return "#4f46e5";
  const [h, s, l] = [Number(match[1]), Number(match[2]) / 100, Number(match[3]) / 100];
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const value = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255).toString(16).padStart(2, "0");
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
