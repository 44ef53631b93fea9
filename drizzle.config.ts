import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL; wrangler applies it (locally, in tests and in production).
export default defineConfig({
  dialect: "sqlite",
  schema: "./drizzle/schema/index.ts",
  out: "./drizzle/migrations",
});
