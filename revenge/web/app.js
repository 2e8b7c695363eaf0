// The page: sign-in, the library (#/) and the player (#/play/ID?t=SECONDS), by fragment.

import { ApiError, adoptTokenFromFragment, api, token } from "./api.js";
import { PAGE_SIZE, showLibrary } from "./library.js";
import { Player } from "./player.js";
import { SessionsPage } from "./sessions.js";

const $ = (id) => document.getElementById(id);
const views = {
  login: $("login"), library: $("library"), player: $("player"), sessions: $("sessions"),
};
const status = $("status");
let offset = 0;

function say(message) {
  status.textContent = message;
}

const sessionsPage = new SessionsPage({ rows: $("session-rows"), empty: $("no-sessions") }, say);

function show(name) {
  for (const [key, view] of Object.entries(views)) view.hidden = key !== name;
  $("sign-out").hidden = name === "login";
  if (name === "login") $("now-playing-link").hidden = true;
  views[name].querySelector("h1")?.focus({ preventScroll: true });
}

const player = new Player({
  video: $("video"),
  title: $("player-title"),
  quality: $("quality"),
  tracks: { audio: $("audio-track"), subtitles: $("subtitle-track") },
  stats: $("stats"),
  showStats: $("show-stats"),
  fields: {
    profile: $("stat-profile"),
    bandwidth: $("stat-bandwidth"),
    served: $("stat-served"),
    buffer: $("stat-buffer"),
    segments: $("stat-segments"),
  },
  music: {
    stage: $("stage"),
    panel: $("now-playing"),
    cover: $("cover"),
    title: $("track-title"),
    artist: $("track-artist"),
    album: $("track-album"),
  },
}, say);

function signIn(message = "") {
  token.clear();
  show("login");
  say(message);
  $("token-input").focus();
}

async function route() {
  adoptTokenFromFragment();
  if (!token.get()) {
    signIn();
    return;
  }
  const match = /^#\/play\/([^?]+)(?:\?t=([\d.]+))?$/.exec(location.hash);
  sessionsPage.hide();
  try {
    const me = await api.me();
    $("now-playing-link").hidden = !me.is_admin;
    if (location.hash === "#/now-playing" && me.is_admin) {
      await player.close();
      document.title = "Now playing – Revenge";
      await sessionsPage.show();
      show("sessions");
      say("");
    } else if (match) {
      show("player");
      say("Starting…");
      await player.open(decodeURIComponent(match[1]), Number(match[2] ?? 0));
    } else {
      await player.close();
      document.title = "Revenge";
      const page = await showLibrary($("media-list"), offset);
      show("library");
      say("");
      $("pages").hidden = page.total <= PAGE_SIZE;
      $("page-info").textContent =
        `${page.offset + 1}–${page.offset + page.items.length} of ${page.total}`;
      $("prev-page").disabled = page.offset === 0;
      $("next-page").disabled = page.offset + page.items.length >= page.total;
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signIn("That token is not valid any more; sign in again.");
    } else {
      say(`Something went wrong: ${error.message}`);
    }
  }
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = $("token-input").value.trim();
  if (!value) return;
  token.set(value);
  $("token-input").value = "";
  if (location.hash === "" || location.hash === "#/") route();
  else location.hash = "#/";
});

$("sign-out").addEventListener("click", async () => {
  await player.close();
  signIn("Signed out.");
  history.replaceState(null, "", location.pathname);
});

$("prev-page").addEventListener("click", () => { offset = Math.max(0, offset - PAGE_SIZE); route(); });
$("next-page").addEventListener("click", () => { offset += PAGE_SIZE; route(); });

// Leaving the page ends the session (its last position is saved); a page restored from the
// back/forward cache starts again from its URL.
window.addEventListener("pagehide", () => player.close({ unloading: true }));
window.addEventListener("pageshow", (event) => { if (event.persisted) route(); });
window.addEventListener("hashchange", route);

route();
