export * from "./auth";
export * from "./worlds";
export * from "./mail";
