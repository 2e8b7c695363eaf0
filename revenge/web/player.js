// The player: a playback session played with hls.js, progress heartbeats, quality menu, stats.

import { api, rate } from "./api.js";
import { Scrubber } from "./scrub.js";
import { TrackMenus } from "./tracks.js";

const HEARTBEAT_MS = 10_000;
const STATS_MS = 2_000;

// hls.js names a variant by its playlist URL: .../{profile}/index.m3u8?t=...
function profileOf(level) {
  const url = level?.uri ?? level?.url?.[0] ?? "";
  const match = /\/([^/?]+)\/index\.m3u8/.exec(url);
  if (match) return decodeURIComponent(match[1]);
  return level?.height ? `${level.height}p` : null;
}

// Seconds buffered past the playhead, in the buffered range that holds it.
function bufferAhead(video) {
  const { buffered, currentTime } = video;
  for (let i = 0; i < buffered.length; i += 1) {
    if (buffered.start(i) <= currentTime + 0.1 && currentTime <= buffered.end(i)) {
      return buffered.end(i) - currentTime;
    }
  }
  return 0;
}

export class Player {
  constructor({ video, title, quality, tracks, stats, showStats, fields, music, scrub }, say) {
    Object.assign(this, { video, title, quality, stats, showStats, fields, music, say });
    this.scrubber = new Scrubber({ video, ...scrub });
    // Burning a picture subtitle in (or out) is a new session from where the player is.
    this.menus = new TrackMenus(tracks, {
      onBurn: (track) => this.open(this.mediaId, this.video.currentTime,
                                   track == null ? {} : { subtitle_track: track, burn_subtitles: true }),
    });
    this.session = null;
    this.hls = null;
    this.servedFrom = null;
    this.timers = [];
    this.listening = null;
    this.generation = 0;
    showStats.addEventListener("change", () => { stats.hidden = !showStats.checked; });
    quality.addEventListener("change", () => {
      if (this.hls) this.hls.nextLevel = Number(quality.value);
    });
  }

  // What the heartbeat reports: the session states of the API.
  state() {
    const { video } = this;
    if (video.paused || video.ended) return "paused";
    if (video.seeking || video.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) return "buffering";
    return "playing";
  }

  async open(mediaId, start, tracks = {}) {
    await this.close();
    const opening = this.generation;
    this.mediaId = mediaId;
    const item = await api.item(mediaId);
    if (opening !== this.generation) return;
    this.title.textContent = item.title;
    document.title = `${item.title} – Revenge`;
    this.showMusic(item);
    this.scrubber.load(item);
    const startAt = Math.min(Math.max(0, start || 0), Math.max(0, (item.duration ?? 1) - 1));
    const session = await api.open(mediaId, startAt, tracks);
    if (opening !== this.generation) {
      // Closed (or reopened) while the session was being made: that session is not wanted.
      api.progress(session.session_id, startAt, "stopped").catch(() => {});
      return;
    }
    this.session = session;
    this.servedFrom = null;
    this.listen();
    this.attach(session, startAt);
    if (this.hls) this.menus.attach(this.hls, item, session);
    this.timers.push(setInterval(() => this.beat(this.state()), HEARTBEAT_MS),
                     setInterval(() => this.refreshStats(), STATS_MS));
    this.refreshStats();
    this.video.play().catch(() => this.say("Press play to start."));
  }

  // A song shows its cover and tags where a film shows its picture.
  showMusic(item) {
    const { stage, panel, cover, title, artist, album } = this.music;
    const audio = item.kind === "audio";
    stage.classList.toggle("audio-only", audio);
    panel.hidden = !audio;
    if (!audio) return;
    const tags = item.tags ?? {};
    title.textContent = item.title;
    artist.textContent = tags.artist ?? tags.album_artist ?? "";
    album.textContent = tags.album ?? "";
    cover.hidden = !item.cover_url;
    if (item.cover_url) {
      cover.onerror = () => { cover.hidden = true; };
      cover.src = item.cover_url;
    } else {
      cover.removeAttribute("src");
    }
  }

  attach(session, start) {
    const { video } = this;
    this.resetQuality();
    const Hls = window.Hls;
    if (session.mode === "direct" && session.direct_url) {
      video.addEventListener("loadedmetadata", () => { video.currentTime = start; }, { once: true });
      video.src = session.direct_url;
      this.quality.disabled = true;
    } else if (Hls?.isSupported()) {
      // cmcd: {} makes hls.js tell the server its buffer and throughput (CTA-5004).
      const hls = new Hls({ startPosition: start, cmcd: {} });
      this.hls = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, () => this.fillQuality());
      hls.on(Hls.Events.FRAG_LOADED, (_, data) => {
        const served = data.networkDetails?.getResponseHeader?.("X-Served-From");
        if (served) this.servedFrom = served;
        this.showBuffer();
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, () => this.refreshStats());
      hls.on(Hls.Events.ERROR, (_, data) => this.recover(data));
      hls.loadSource(session.master_url);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.addEventListener("loadedmetadata", () => { video.currentTime = start; }, { once: true });
      video.src = session.master_url;
      this.quality.disabled = true;
    } else {
      throw new Error(window.Hls ? "This browser cannot play HLS."
                                 : "hls.js did not load; check the server's [web] hls_js_url.");
    }
  }

  recover(data) {
    if (!data.fatal) return;
    const { ErrorTypes } = window.Hls;
    if (data.type === ErrorTypes.NETWORK_ERROR) {
      this.say("Network trouble; retrying…");
      this.hls.startLoad();
    } else if (data.type === ErrorTypes.MEDIA_ERROR) {
      this.hls.recoverMediaError();
    } else {
      this.say(`Playback failed (${data.details}).`);
      this.hls.destroy();
      this.hls = null;
    }
  }

  resetQuality() {
    const auto = new Option("Auto", "-1", true, true);
    this.quality.replaceChildren(auto);
    this.quality.disabled = false;
  }

  fillQuality() {
    this.resetQuality();
    this.hls.levels.forEach((level, index) => {
      const label = [profileOf(level), level.height && `${level.height}p`, rate(level.bitrate)]
        .filter((part, i, all) => part && all.indexOf(part) === i).join(" · ");
      this.quality.append(new Option(label, String(index)));
    });
  }

  listen() {
    this.listening = new AbortController();
    const options = { signal: this.listening.signal };
    const { video } = this;
    video.addEventListener("playing", () => { this.say(""); this.beat("playing"); }, options);
    video.addEventListener("pause", () => { if (!video.ended) this.beat("paused"); }, options);
    video.addEventListener("ended", () => this.beat("paused"), options);
    video.addEventListener("seeked", () => this.beat(this.state()), options);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.beat(this.state(), true);
    }, options);
  }

  // Report the position; failures are not fatal (the next heartbeat tries again).
  beat(state, keepalive = false) {
    if (!this.session) return Promise.resolve();
    const position = this.video.currentTime;
    return api.progress(this.session.session_id, position, state, keepalive).catch(() => {});
  }

  async refreshStats() {
    this.showBuffer();
    if (!this.session || this.stats.hidden) return;
    const id = this.session.session_id;
    const current = await api.session(id).catch(() => null);
    if (!current || this.session?.session_id !== id) return;
    const level = this.hls ? this.hls.levels[this.hls.currentLevel] : null;
    const auto = this.hls?.autoLevelEnabled ? " (auto)" : "";
    const profile = current.current_profile ?? profileOf(level) ?? current.mode;
    const bandwidth = current.bandwidth ?? this.hls?.bandwidthEstimate;
    const served = this.servedFrom ?? current.last_served_from ?? current.stats?.last_served_from;
    const segments = current.stats?.segments ?? {};
    this.fields.profile.textContent = `${profile}${auto}`;
    this.fields.bandwidth.textContent = rate(bandwidth);
    this.fields.served.textContent = served ?? "–";
    this.fields.segments.textContent = ["buffer", "cache", "origin"]
      .map((source) => `${source} ${segments[source] ?? 0}`).join(" · ");
  }

  showBuffer() {
    this.fields.buffer.textContent = `${bufferAhead(this.video).toFixed(1)} s`;
  }

  // Leave the player: the last heartbeat says "stopped", which ends the session on the server
  // and saves the position. While the page unloads, only a keepalive request can still go.
  async close({ unloading = false } = {}) {
    this.generation += 1;
    const finished = this.session ? this.beat("stopped", unloading) : Promise.resolve();
    this.session = null;
    this.timers.forEach(clearInterval);
    this.timers = [];
    this.listening?.abort();
    this.listening = null;
    if (unloading) return;
    this.hls?.destroy();
    this.hls = null;
    this.menus.detach();
    this.video.removeAttribute("src");
    this.video.load();
    for (const field of Object.values(this.fields)) field.textContent = "–";
    await finished;
  }
}
