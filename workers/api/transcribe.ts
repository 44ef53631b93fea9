// Voice prompts (issue 19, point 6): `GET /api/transcribe` says whether this deployment can turn
// speech into text (the microphone button explains what to configure when it cannot);
// `POST /api/transcribe` takes a recording as multipart/form-data (`file`, and an optional
// `language`) and answers its words.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "./context";
import { MAX_AUDIO_BYTES, sniffAudio, transcribeSpeech, transcriptionStatus } from "../domain/transcription";
import { HttpError } from "../lib/errors";
import { requireUser } from "./middleware/request";
import { parseWith } from "./validate";

const TranscribeFieldsSchema = z.strictObject({
  language: z.string().regex(/^[a-z]{2}$/u, "an ISO 639-1 code such as en").optional(),
});

export const transcribeRoutes = new Hono<AppEnv>()
  .get("/", (c) => {
    requireUser(c);
    return c.json(transcriptionStatus(c.env));
  })
  .post("/", async (c) => {
    const me = requireUser(c);
    if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("multipart/form-data")) {
      throw new HttpError(415, "unsupported_media_type", "Send the recording as multipart/form-data with the audio in the field `file`.");
    }
    let form: Record<string, string | File | (string | File)[]>;
    try {
      form = await c.req.parseBody();
    } catch {
      throw new HttpError(400, "invalid_form", "The upload could not be read as multipart/form-data.");
    }
    const { file, ...rest } = form;
    if (!(file instanceof File)) throw new HttpError(400, "validation_failed", "Attach the recording in the field `file`.");
    if (file.size > MAX_AUDIO_BYTES) throw new HttpError(413, "payload_too_large", `Recordings are limited to ${MAX_AUDIO_BYTES / 1024 / 1024} MB.`);
    if (file.size === 0) throw new HttpError(400, "validation_failed", "The recording is empty.");
    for (const [name, value] of Object.entries(rest)) {
      if (typeof value !== "string") throw new HttpError(400, "invalid_form", `The field ${name} must be text, given once.`);
    }
    const fields = parseWith(TranscribeFieldsSchema, rest, "transcription");
    const audio = new Uint8Array(await file.arrayBuffer());
    const mimeType = sniffAudio(audio);
    if (!mimeType) throw new HttpError(415, "unsupported_media_type", "Only WebM, Ogg, MP4 (M4A), MP3 and WAV recordings can be transcribed.");
    return c.json(await transcribeSpeech(c.get("db"), c.env, me.id, { audio, mimeType, language: fields.language }));
  });
