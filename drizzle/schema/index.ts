export * from "./auth";
export * from "./worlds";
export * from "./mail";
export { UnreadableJson } from "./stored-json";
