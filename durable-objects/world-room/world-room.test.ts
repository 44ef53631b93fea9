// The room's graph RPCs take what the API's schemas give, not a parallel type written by hand that
// could drift from them (a field the API accepts and the room drops). Checked by `tsc -b`, which
// type-checks the tests; the assertions are no-ops at run time.
import { expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { WorldRoom } from "./world-room";
import type {
  CreateRelationshipSchema,
  PositionsSchema,
  UpdateRelationshipSchema,
  createElementSchemaFor,
  updateElementSchemaFor,
} from "../../workers/domain/graph";

type Input<M extends keyof WorldRoom, N extends number> = WorldRoom[M] extends (...args: infer A) => unknown ? A[N] : never;

it("types the room's graph RPC inputs from the API's zod schemas", () => {
  expectTypeOf<Input<"createElement", 1>>().toEqualTypeOf<z.output<ReturnType<typeof createElementSchemaFor>>>();
  expectTypeOf<Input<"updateElement", 2>>().toEqualTypeOf<z.output<ReturnType<typeof updateElementSchemaFor>>>();
  expectTypeOf<Input<"createRelationship", 1>>().toEqualTypeOf<z.output<typeof CreateRelationshipSchema>>();
  expectTypeOf<Input<"updateRelationship", 2>>().toEqualTypeOf<z.output<typeof UpdateRelationshipSchema>>();
  expectTypeOf<Input<"moveElements", 1>>().toEqualTypeOf<z.output<typeof PositionsSchema>["positions"]>();
});
