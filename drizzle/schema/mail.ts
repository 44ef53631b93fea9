import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** What an email Loreloom sends is for (workers/lib/mail.ts). */
export const MAIL_KINDS = ["verify-email", "reset-password"] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/**
 * The local mail provider's outbox (MAIL_PROVIDER=outbox, ADR 12): every email as it would have
 * been sent, for the developer's /dev/outbox page and for the tests. Production sends instead.
 */
export const mailOutbox = sqliteTable(
  "mail_outbox",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: MAIL_KINDS }).notNull(),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" })
      .notNull()
      .default(sql`(unixepoch() * 1000)`),
  },
  (t) => [index("mail_outbox_to_idx").on(t.toAddress, t.createdAt)],
);
