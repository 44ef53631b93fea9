export * from "./auth";
export * from "./worlds";
