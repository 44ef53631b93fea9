/** `items` in consecutive slices of at most `size` (D1's bound parameters, R2's 1,000 keys per delete). */
export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
