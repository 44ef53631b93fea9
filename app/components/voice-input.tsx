// The microphone beside every prompt box (issue 19, point 6). Where the browser has the Web Speech
// API it listens there; elsewhere it records with MediaRecorder and sends the recording to
// `POST /api/transcribe`; when the server cannot transcribe (`local` only, ADR 23) it says what to
// configure rather than failing silently. Only the editor's and the dashboard's forms import it.
import { useEffect, useRef, useState } from "react";
import { isNetworkFailure, isOnline, reportNetworkFailure } from "../lib/online";

/** The part of the Web Speech API's recogniser this uses (not in TypeScript's DOM types). */
type Recognition = {
  lang: string;
  continuous: boolean;
  interimResults: boolean;
  maxAlternatives: number;
  onresult: ((event: { resultIndex: number; results: ArrayLike<ArrayLike<{ transcript: string }> & { isFinal: boolean }> }) => void) | null;
  onerror: ((event: { error: string }) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
  abort(): void;
};
type RecognitionConstructor = new () => Recognition;

function recognitionConstructor(): RecognitionConstructor | undefined {
  const w = window as unknown as { SpeechRecognition?: RecognitionConstructor; webkitSpeechRecognition?: RecognitionConstructor };
  return w.SpeechRecognition ?? w.webkitSpeechRecognition;
}

const canRecord = () => typeof MediaRecorder !== "undefined" && Boolean(navigator.mediaDevices?.getUserMedia);

/** A recording longer than this stops by itself: prompts are short, and uploads are capped at 10 MB. */
const MAX_RECORDING_MS = 60_000;

/** `text` added after what the box holds, with one space between. */
export function appendSpoken(current: string, text: string): string {
  const spoken = text.trim();
  if (!spoken) return current;
  return current.trim() ? `${current.replace(/\s+$/u, "")} ${spoken}` : spoken;
}

/**
 * Adds spoken text to an input or textarea React may control: sets the value through the element's
 * own setter and fires `input`, so a controlled field's onChange sees it as typing.
 */
export function appendToField(field: HTMLInputElement | HTMLTextAreaElement | null, text: string) {
  if (!field) return;
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(field) as object, "value")?.set;
  const next = appendSpoken(field.value, text).slice(0, field.maxLength > 0 ? field.maxLength : undefined);
  if (setter) setter.call(field, next);
  else field.value = next;
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

type Status = { state: "idle" | "listening" | "recording" | "transcribing"; message: string | null };

type ServerStatus = { available: boolean; setup: string | null };
let serverStatus: Promise<ServerStatus> | null = null;

/** Whether `/api/transcribe` can hear, asked once per page. */
function transcriptionStatus(): Promise<ServerStatus> {
  serverStatus ??= fetch("/api/transcribe", { credentials: "same-origin" })
    .then(async (response) => (response.ok ? ((await response.json()) as ServerStatus) : { available: false, setup: null }))
    .catch(() => {
      serverStatus = null;
      return { available: false, setup: null };
    });
  return serverStatus;
}

async function errorMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The recording could not be transcribed (${response.status}).`;
}

export function VoiceInput({ onText, className = "" }: { onText: (text: string) => void; className?: string }) {
  const [status, setStatus] = useState<Status>({ state: "idle", message: null });
  const recognition = useRef<Recognition | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const stopTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // A recording the server did not get (the connection dropped): kept to send again.
  const [unsent, setUnsent] = useState<Blob | null>(null);

  useEffect(
    () => () => {
      recognition.current?.abort();
      if (recorder.current?.state === "recording") recorder.current.stop();
      clearTimeout(stopTimer.current);
    },
    [],
  );

  const say = (state: Status["state"], message: string | null = null) => setStatus({ state, message });

  async function record() {
    if (!canRecord()) return say("idle", "This browser cannot record audio; type the prompt instead.");
    // The recording is heard on the server: offline, say so before anyone speaks into nothing.
    if (!isOnline()) return say("idle", "Voice input needs a connection here (the recording is transcribed on the server); type the prompt instead.");
    const server = await transcriptionStatus();
    if (!server.available) {
      return say("idle", server.setup ? `Voice input needs speech-to-text on the server. ${server.setup}` : "Voice input is not available here; type the prompt instead.");
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      return say("idle", "The microphone could not be used; allow it in the browser's site settings.");
    }
    const chunks: Blob[] = [];
    const media = new MediaRecorder(stream);
    recorder.current = media;
    media.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    media.onstop = () => {
      clearTimeout(stopTimer.current);
      stream.getTracks().forEach((track) => track.stop());
      void upload(new Blob(chunks, { type: media.mimeType || "audio/webm" }));
    };
    media.start();
    setUnsent(null);
    stopTimer.current = setTimeout(() => {
      if (media.state === "recording") media.stop();
    }, MAX_RECORDING_MS);
    say("recording", "Recording… press the microphone again to stop.");
  }

  async function upload(audio: Blob) {
    if (audio.size === 0) return say("idle", "Nothing was recorded.");
    setUnsent(null);
    say("transcribing", "Transcribing…");
    const form = new FormData();
    form.append("file", audio, "speech");
    const language = navigator.language.slice(0, 2).toLowerCase();
    if (/^[a-z]{2}$/u.test(language)) form.append("language", language);
    try {
      const response = await fetch("/api/transcribe", { method: "POST", body: form, credentials: "same-origin" });
      if (!response.ok) return say("idle", await errorMessage(response));
      const { text } = (await response.json()) as { text: string };
      if (!text.trim()) return say("idle", "No words were heard; try again.");
      onText(text);
      say("idle");
    } catch (error) {
      if (isNetworkFailure(error)) reportNetworkFailure();
      setUnsent(audio);
      say("idle", "The recording could not be sent (no connection); it is kept.");
    }
  }

  function listen(Constructor: RecognitionConstructor) {
    const recogniser = new Constructor();
    recognition.current = recogniser;
    recogniser.lang = navigator.language || "en-US";
    recogniser.continuous = false;
    recogniser.interimResults = false;
    recogniser.maxAlternatives = 1;
    let heard = "";
    let fallBack = false;
    recogniser.onresult = (event) => {
      for (let i = event.resultIndex; i < event.results.length; i++) {
        const result = event.results[i];
        if (result?.isFinal) heard = appendSpoken(heard, result[0]?.transcript ?? "");
      }
    };
    recogniser.onerror = (event) => {
      // Browsers whose recogniser needs a service they cannot reach record and upload instead.
      if (event.error === "network" || event.error === "service-not-allowed" || event.error === "language-not-supported") fallBack = true;
      else if (event.error === "not-allowed") say("idle", "The microphone could not be used; allow it in the browser's site settings.");
      else if (event.error === "no-speech") say("idle", "No words were heard; try again.");
      else if (event.error !== "aborted") say("idle", "Speech could not be recognised; try again.");
    };
    recogniser.onend = () => {
      recognition.current = null;
      if (heard) {
        onText(heard);
        say("idle");
      } else if (fallBack) {
        void record();
      } else {
        setStatus((current) => (current.state === "listening" ? { state: "idle", message: null } : current));
      }
    };
    try {
      recogniser.start();
      say("listening", "Listening… speak your prompt.");
    } catch {
      recognition.current = null;
      void record();
    }
  }

  function press() {
    if (status.state === "listening") {
      recognition.current?.stop();
    } else if (status.state === "recording") {
      recorder.current?.stop();
    } else if (status.state === "idle") {
      const Constructor = recognitionConstructor();
      if (Constructor) listen(Constructor);
      else void record();
    }
  }

  const active = status.state === "listening" || status.state === "recording";
  return (
    <span className={`inline-flex min-w-0 items-center gap-2 ${className}`}>
      <button
        type="button"
        onClick={press}
        aria-label="Speak your prompt"
        aria-pressed={active}
        disabled={status.state === "transcribing"}
        title={active ? "Stop" : "Speak your prompt"}
        className={`inline-flex h-11 w-11 shrink-0 items-center justify-center rounded-full border ${active ? "border-red-400 bg-red-50 text-red-700" : "border-stone-300 bg-white text-stone-700 hover:bg-stone-50"} disabled:opacity-60`}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <rect x="9" y="3" width="6" height="11" rx="3" />
          <path d="M5 11a7 7 0 0 0 14 0M12 18v3" />
        </svg>
      </button>
      <span role="status" className="min-w-0 text-xs text-stone-600 empty:hidden" data-testid="voice-status">
        {status.message}
      </span>
      {unsent && status.state === "idle" ? (
        <button type="button" onClick={() => void upload(unsent)} className="min-h-11 shrink-0 rounded-lg border border-stone-300 px-2 text-xs hover:bg-stone-50 sm:min-h-0 sm:py-1">
          Send again
        </button>
      ) : null}
    </span>
  );
}
