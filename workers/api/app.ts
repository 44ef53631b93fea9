import { Hono } from "hono";
import { authRoutes } from "./auth";
import type { AppEnv } from "./context";
import { HttpError, errorBody } from "../lib/errors";
import { galleryRoutes, likeRoutes } from "./gallery";
import { healthRoutes } from "./health";
import { meRoutes } from "./me";
import { requestContext, sameOrigin, session } from "./middleware/request";
import { assetRoutes } from "./assets";
import { exportRoutes } from "./exports";
import { graphRoutes } from "./graph";
import { storyRoutes } from "./stories";
import { storyMediaRoutes, voiceRoutes } from "./story-media";
import { storyRevisionRoutes } from "./story-revisions";
import { playlistRoutes, storyPlayerRoutes } from "./story-player";
import { storyExportRoutes } from "./story-export";
import { jobRoutes } from "./jobs";
import { MAX_PHOTO_BYTES } from "./photo-upload";
import { sharingRoutes } from "./sharing";
import { transcribeRoutes } from "./transcribe";
import { worldRoutes } from "./worlds";
import { oembedRoutes } from "./oembed";
import { publishingRoutes } from "./publishing";
import { myRatingRoutes, ratingRoutes } from "./ratings";
import { importLimitsFrom } from "../domain/import-world";
import { MAX_AUDIO_BYTES } from "../domain/transcription";
import { readBodyWithin } from "../lib/body-limit";
import { configOf } from "../lib/config";
import { log } from "../lib/log";

export const api = new Hono<AppEnv>().basePath("/api");

api.use(requestContext);
api.use(async (c, next) => {
  // Photo uploads (catalogue C4) and voice prompts (issue 19) may be up to 10 MB and world
  // archives (F4) up to IMPORT_MAX_MB; every other body stays small.
  const maxSize = c.req.path.endsWith("/photo")
    ? MAX_PHOTO_BYTES + 64 * 1024
    : c.req.path === "/api/transcribe"
      ? MAX_AUDIO_BYTES + 64 * 1024
      : c.req.path === "/api/worlds/import"
        ? importLimitsFrom(c.env).maxBytes + 64 * 1024
        : configOf(c.env).MAX_BODY_BYTES;
  const body = await readBodyWithin(c.req.raw, maxSize);
  if (!body.ok) {
    if (body.reason === "unreadable") return c.json(errorBody("invalid_body", "The request body could not be read to its end."), 400);
    return c.json(errorBody("payload_too_large", `The request body is larger than ${maxSize} bytes.`), 413);
  }
  c.req.raw = body.request;
  return next();
});
api.use(sameOrigin);

api.route("/health", healthRoutes);
api.route("/auth", authRoutes);
api.use(session);
api.route("/me", meRoutes);
api.route("/", exportRoutes);
api.route("/worlds", worldRoutes);
api.route("/worlds", graphRoutes);
api.route("/worlds", storyRoutes);
api.route("/worlds", storyMediaRoutes);
api.route("/voices", voiceRoutes);
api.route("/worlds", storyRevisionRoutes);
api.route("/worlds", storyPlayerRoutes);
api.route("/worlds", storyExportRoutes);
api.route("/playlists", playlistRoutes);
api.route("/worlds", likeRoutes);
api.route("/gallery", galleryRoutes);
api.route("/worlds", publishingRoutes);
api.route("/worlds", ratingRoutes);
api.route("/ratings", myRatingRoutes);
api.route("/oembed", oembedRoutes);
api.route("/", jobRoutes);
api.route("/", sharingRoutes);
api.route("/assets", assetRoutes);
api.route("/transcribe", transcribeRoutes);

api.notFound((c) => c.json(errorBody("not_found", `No API route matches ${c.req.method} ${c.req.path}.`), 404));

api.onError((error, c) => {
  if (error instanceof HttpError) {
    for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
    return c.json(errorBody(error.code, error.message, error.details), error.status);
  }
  log.error("unhandled", { requestId: c.get("requestId"), error: String(error), stack: (error as Error).stack });
  return c.json(errorBody("internal_error", "Something went wrong on our side. Please try again."), 500);
});
