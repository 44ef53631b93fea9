import { createRequestHandler } from "react-router";
import { createWorker, type PageContext } from "./worker";

declare module "react-router" {
  // Declaration merging needs an interface; it adds PageContext's members to AppLoadContext.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends PageContext {}
}

const requestHandler = createRequestHandler(
  () => import("virtual:react-router/server-build"),
  import.meta.env.MODE,
);

export default createWorker((request, context) => requestHandler(request, context), {
  strictCsp: import.meta.env.PROD,
});
