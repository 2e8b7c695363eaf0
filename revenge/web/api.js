// The player API over fetch, with the bearer token kept in localStorage.

const TOKEN_KEY = "revenge.token";

export const token = {
  get: () => localStorage.getItem(TOKEN_KEY),
  set: (value) => localStorage.setItem(TOKEN_KEY, value),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

// A link from the server's first start carries the token in the fragment (#token=...):
// keep it, and take it out of the address bar (and so out of history and bookmarks).
export function adoptTokenFromFragment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const value = fragment.get("token");
  if (!value) return;
  token.set(value);
  history.replaceState(null, "", location.pathname + location.search);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// One API call; JSON in and out, a JSON error body becomes an ApiError.
export async function call(path, { method = "GET", body, keepalive = false } = {}) {
  const headers = { Authorization: `Bearer ${token.get() ?? ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    keepalive,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const doc = await response.json().catch(() => null);
  if (!response.ok) {
    const error = doc?.error ?? {};
    throw new ApiError(response.status, error.code ?? "http_error",
                       error.message ?? `${response.status} ${response.statusText}`);
  }
  return doc;
}

export const api = {
  get: (path) => call(path),
  media: (offset, limit) => call(`/api/v1/media?offset=${offset}&limit=${limit}`),
  item: (id) => call(`/api/v1/media/${encodeURIComponent(id)}`),
  open: (mediaId, startPosition, tracks = {}) => call("/api/v1/playback/sessions", {
    method: "POST", body: { media_id: mediaId, start_position: startPosition, ...tracks },
  }),
  session: (id) => call(`/api/v1/playback/sessions/${encodeURIComponent(id)}`),
  me: () => call("/api/v1/me"),
  // Languages the next stream starts in; only the ones given change.
  preferences: (languages) => call("/api/v1/me/preferences", { method: "PATCH", body: languages }),
  sessions: () => call("/api/v1/playback/sessions"),
  stop: (id) => call(`/api/v1/playback/sessions/${encodeURIComponent(id)}`, { method: "DELETE" }),
  // keepalive lets a heartbeat sent while the page goes away still arrive.
  progress: (id, position, state, keepalive = false) => call(
    `/api/v1/playback/sessions/${encodeURIComponent(id)}/progress`,
    { method: "POST", body: { position, state }, keepalive },
  ),
};

// 83.4 -> "1:23", 4000 -> "1:06:40".
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds ?? 0));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}

// Bits per second, for people.
export function rate(bits) {
  if (bits == null || !Number.isFinite(bits)) return "–";
  return bits >= 1e6 ? `${(bits / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bits / 1e3)} kbit/s`;
}
