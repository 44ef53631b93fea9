export * from "./auth";
export * from "./worlds";
export * from "./mail";
export * from "./stories";
export * from "./ratings";
export { UnreadableJson, parseStoredJson } from "./stored-json";
