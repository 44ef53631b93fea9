import { isNetworkFailure, reportNetworkFailure, reportReachable } from "../lib/online";

/** JSON calls to the API from the editor; failures become readable messages, never raw JSON. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let shareToken: string | null = null;

/**
 * The share token this page was opened with (`?share=`): every API call and asset URL carries it,
 * so a link's holder gets the link's role everywhere, not only on the first load.
 */
export function setShareToken(token: string | null) {
  shareToken = token;
}

export function shareHeaders(): Record<string, string> {
  return shareToken ? { "x-share-token": shareToken } : {};
}

/** An asset's URL; <img> and <audio> cannot send headers, so the token goes in the query. */
export function assetUrl(key: string): string {
  return `/api/assets/${key}${shareToken ? `?share=${encodeURIComponent(shareToken)}` : ""}`;
}

export async function api<T>(method: string, path: string, body?: unknown, options: { keepalive?: boolean } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      // keepalive: the browser finishes the request after the page is gone (a save on unload).
      ...(options.keepalive ? { keepalive: true } : {}),
      headers: { ...shareHeaders(), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (error) {
    if (isNetworkFailure(error)) reportNetworkFailure();
    throw new ApiError(0, "You seem to be offline. Try again when you are connected.");
  }
  reportReachable();
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const message = (json as { error?: { message?: string } } | null)?.error?.message ?? `The server answered ${response.status}.`;
    throw new ApiError(response.status, message);
  }
  return json as T;
}

export type VersionEntry = {
  version: number;
  action: string;
  userName: string | null;
  createdAt: string;
  element: { name: string; type: string; description: string; tags: string[]; secret?: string; assets?: { image?: string; video?: string; audio?: string } };
};

export type HistoryEntry = { id: string; action: string; summary: string; userName: string | null; createdAt: string; prompt: string | null };

export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(iso).toLocaleDateString();
}
