// The page, by fragment: sign-in, the library (#/, #/search/WORDS, #/browse/CATEGORY),
// a series or album (#/series/ID, #/album/ID) and the player (#/play/ID?t=SECONDS).

import { ApiError, adoptTokenFromFragment, api, token } from "./api.js";
import { showAlbum, showSeries } from "./groups.js";
import { JobsBar } from "./jobs.js";
import { PAGE_SIZE, showHome, showLibrary, showSearch } from "./library.js";
import { Player } from "./player.js";
import { SessionsPage } from "./sessions.js";

const $ = (id) => document.getElementById(id);
const views = {
  login: $("login"), library: $("library"), player: $("player"), sessions: $("sessions"),
  group: $("group"),
};
const status = $("status");
const jobs = new JobsBar($("jobs"));
let offset = 0;
let browsing = "";

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
  scrub: {
    bar: $("seek"), preview: $("scrub-preview"), picture: $("scrub-picture"), time: $("scrub-time"),
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
  const group = /^#\/(series|album)\/([^/?]+)$/.exec(location.hash);
  sessionsPage.hide();
  jobs.stop();
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
    } else if (group) {
      await player.close();
      const shown = group[1] === "series" ? showSeries : showAlbum;
      document.title = `${await shown($("group-body"), decodeURIComponent(group[2]))} – Revenge`;
      show("group");
      say("");
    } else {
      await player.close();
      document.title = "Revenge";
      await showLibraryPage();
      show("library");
      if (me.is_admin) jobs.start();
      say("");
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signIn("That token is not valid any more; sign in again.");
    } else {
      say(`Something went wrong: ${error.message}`);
    }
  }
}

// The library view the fragment names: its sections, a search, or a category's pages.
async function showLibraryPage() {
  const search = /^#\/search\/(.*)$/.exec(location.hash);
  const browse = /^#\/browse\/([a-z]*)$/.exec(location.hash);
  $("home").hidden = Boolean(browse);
  $("browse").hidden = !browse;
  if (search) {
    const query = decodeURIComponent(search[1]);
    if (document.activeElement !== $("search")) $("search").value = query;
    await showSearch($("home"), query);
  } else if (browse) {
    if (browse[1] !== browsing) offset = 0;
    browsing = browse[1];
    const page = await showLibrary($("media-list"), offset, browsing);
    $("pages").hidden = page.total <= PAGE_SIZE;
    $("page-info").textContent =
      `${page.offset + 1}–${page.offset + page.items.length} of ${page.total}`;
    $("prev-page").disabled = page.offset === 0;
    $("next-page").disabled = page.offset + page.items.length >= page.total;
  } else {
    $("search").value = "";
    await showHome($("home"));
  }
}

// Typing searches (once the typing pauses), without a history entry per letter.
let typing = null;
$("search").addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    const query = $("search").value.trim();
    history.replaceState(null, "", query ? `#/search/${encodeURIComponent(query)}` : "#/");
    showLibraryPage().catch((error) => say(`Something went wrong: ${error.message}`));
  }, 250);
});

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
