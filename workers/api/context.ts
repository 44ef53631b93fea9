import type { SessionUser } from "../auth";
import type { Database } from "../lib/db";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    db: Database;
    user: SessionUser | null;
  };
};
