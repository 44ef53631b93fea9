export * from "./auth";
export * from "./worlds";
export * from "./mail";
export { UnreadableJson, parseStoredJson } from "./stored-json";
