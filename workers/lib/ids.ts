const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A 16-character random id (about 82 bits), short enough for URLs. */
export function newId(length = 16): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let id = "";
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
