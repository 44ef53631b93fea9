export * from "./auth";
export * from "./worlds";
export * from "./mail";
export * from "./stories";
export { UnreadableJson, parseStoredJson } from "./stored-json";
