type Fields = Record<string, unknown>;

/** Structured JSON logs (catalogue G5): one object per line, never a secret or a body. */
export const log = {
  info: (msg: string, fields: Fields = {}) => console.log(JSON.stringify({ level: "info", msg, ...fields })),
  warn: (msg: string, fields: Fields = {}) => console.warn(JSON.stringify({ level: "warn", msg, ...fields })),
  error: (msg: string, fields: Fields = {}) =>
    console.error(JSON.stringify({ level: "error", msg, ...fields })),
};
