// Audio and subtitle tracks in the web player, in headless Debian Chromium against a real
// `twistd revenge` serving the subtitled test film (tests/subtitled.py): hls.js sees every
// rendition, the menus offer them, an audio switch plays on without restarting the video
// encode, a chosen subtitle shows its cue at the source time after a seek, and a picture
// subtitle burned in is a session of its own.
//
//   node --test tracks.test.mjs            (from tests/browser, after `npm ci`)
//
// REVENGE_PYTHON names the interpreter with Revenge installed (default: the repo's .venv);
// CHROMIUM the browser (default /usr/bin/chromium).

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";

import { api, eventually as poll, openHarness } from "./harness.mjs";

// Generous: two cores, ffmpeg encoding several renditions, other tests running at once.
const WAIT = { timeout: 60_000, polling: 100 };
const TOLERANCE = 0.1; // seconds: a cue shows within ±100 ms of its source time (issue 12)
// Played after the audio switch, to show the new rendition goes on.
const PLAY_ON = 6;

let harness;
let server; // {base, token, log, media_id, title, duration, audio: [...], subtitles: [...]}
let page;
const consoleErrors = [];
const offOrigin = [];
const failedResponses = [];
const audioRequests = []; // {rendition, index} of every audio segment the page asked for

const apiGet = (route) => api(server, route).then((response) => response.json());
const eventually = (probe, what) => poll(probe, what, WAIT);

// Encoder starts of one transcode in the server log, in order: {profile, reason, index}.
async function encoderStarts(transcodeId) {
  const log = await readFile(server.log, "utf8");
  const pattern = /transcode (\S+) (\S+): encoder (\w+) at segment (\d+) \(pid/g;
  return Array.from(log.matchAll(pattern))
    .filter((match) => match[1] === transcodeId)
    .map(([, , profile, reason, index]) => ({ profile, reason, index: Number(index) }));
}

// Runs in the page before its scripts: every hls.js instance the player makes is kept in
// `window.players` (newest last) with what it reported, since the player keeps its own.
// Its buffer is held to 30 s ahead, as it is on a long film: at this film's small bitrate
// hls.js would otherwise take all 75 s at once, and no seek would go past the buffer.
function watchHls() {
  window.players = [];
  let wrapped;
  Object.defineProperty(window, "Hls", {
    configurable: true,
    get: () => wrapped,
    set: (Hls) => {
      wrapped = new Proxy(Hls, {
        construct(target, args) {
          const [config, ...rest] = args;
          const hls = Reflect.construct(target, [{ ...config, maxMaxBufferLength: 30 }, ...rest]);
          const seen = { hls, switched: [], audioFragments: [], played: [], errors: [],
                         fatal: null };
          hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, (_, d) => seen.switched.push(d.id));
          // The level of each video fragment as playback enters it.
          hls.on(Hls.Events.FRAG_CHANGED, (_, d) => seen.played.push(d.frag.level));
          hls.on(Hls.Events.FRAG_LOADED, (_, d) => {
            if (d.frag.type === "audio") seen.audioFragments.push({ track: d.frag.level, sn: d.frag.sn });
          });
          hls.on(Hls.Events.ERROR, (_, d) => {
            const error = `${d.type}/${d.details}${d.fatal ? " (fatal)" : ""}: `
              + `${d.reason ?? d.error?.message ?? ""} ${d.frag?.url ?? d.url ?? ""}`;
            seen.errors.push(error);
            if (d.fatal && !seen.fatal) seen.fatal = error;
          });
          window.players.push(seen);
          return hls;
        },
      });
    },
  });
}

// What the newest hls.js instance and the video say, for assertions and failure messages.
const state = () => page.evaluate(() => {
  const seen = window.players.at(-1);
  const v = document.querySelector("video");
  const ranges = (r) => Array.from({ length: r.length }, (_, i) => [r.start(i), r.end(i)]);
  return {
    players: window.players.length,
    url: seen?.hls.url,
    audioTrack: seen?.hls.audioTrack,
    audioTracks: seen?.hls.audioTracks.map((t) => ({ name: t.name, lang: t.lang })),
    subtitleTrack: seen?.hls.subtitleTrack,
    subtitleTracks: seen?.hls.subtitleTracks.map((t) => ({ name: t.name, lang: t.lang, forced: t.forced })),
    level: seen?.hls.currentLevel,
    switched: seen?.switched, audioFragments: seen?.audioFragments, errors: seen?.errors,
    fatal: seen?.fatal ?? null,
    time: v.currentTime, paused: v.paused, seeking: v.seeking, buffered: ranges(v.buffered),
    status: document.getElementById("status").textContent,
  };
});

// Wait until `predicate(arg)` holds in the page; a timeout or a fatal hls.js error fails
// with what the page said. (The page's CSP allows no eval: predicates stay functions.)
async function until(what, predicate, arg) {
  const fatal = page.waitForFunction(() => window.players.at(-1)?.fatal, null, WAIT);
  try {
    await Promise.race([page.waitForFunction(predicate, arg, WAIT), fatal]);
  } catch (error) {
    if (!/Timeout/.test(error.message)) throw error;
    assert.fail(`timed out after ${WAIT.timeout / 1000} s waiting for ${what}\n`
                + JSON.stringify(await state(), null, 1));
  } finally {
    fatal.catch(() => {}); // the loser of the race ends with a timeout or the page
  }
  const now = await state();
  assert.equal(now.fatal, null, `fatal hls.js error while waiting for ${what}`);
  return now;
}

// Wait until the video plays past `time` (not paused, not seeking).
const playsPast = (time) => until(`playback past ${time.toFixed(2)} s`, (t) => {
  const v = document.querySelector("video");
  return !v.paused && !v.seeking && v.currentTime >= t;
}, time);

// The session the newest hls.js instance plays, from its master playlist's URL.
async function currentSession() {
  const { url } = await state();
  const id = /\/api\/v1\/playback\/([^/]+)\/master\.m3u8/.exec(url)[1];
  return apiGet(`/api/v1/playback/sessions/${id}`);
}

const menu = (id) => page.evaluate((menuId) => {
  const select = document.getElementById(menuId);
  return { disabled: select.disabled, value: select.value,
           options: Array.from(select.options, (o) => ({ label: o.label, value: o.value })) };
}, id);

before(async () => {
  harness = await openHarness("tests.browser.launch_tracks", { offOrigin });
  ({ server, page } = harness);
  await harness.context.addInitScript(watchHls);
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on("request", (request) => {
    const match = /\/api\/v1\/playback\/[^/]+\/(audio-\d+)\/(\d+)\.ts\?/.exec(request.url());
    if (match) audioRequests.push({ rendition: match[1], index: Number(match[2]) });
  });
  page.on("response", (response) => {
    if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.url()}`);
  });
});

after(() => harness?.close());

test("hls.js sees every audio and text subtitle track, and the menus offer them", async () => {
  await page.goto(`${server.base}/#token=${server.token}`);
  await page.getByRole("link", { name: `Play: ${server.title}`, exact: true }).click();
  const now = await until("hls.js to list the tracks", () => {
    const hls = window.players.at(-1)?.hls;
    return hls?.audioTracks.length > 0 && hls.subtitleTracks.length > 0;
  });

  // Every audio track, in file order; the file's default (French) is the one playing.
  assert.deepEqual(now.audioTracks.map((t) => t.lang), server.audio.map((a) => a.language));
  assert.equal(now.audioTrack, server.audio.findIndex((a) => a.default));
  // Every text subtitle, in Revenge's order; the PGS track is no rendition.
  const text = server.subtitles.filter((t) => t.text);
  assert.deepEqual(now.subtitleTracks.map((t) => [t.lang, t.forced]),
                   text.map((t) => [t.language, t.forced]));
  // Shown at first: the forced track in the language of the sound (the server's DEFAULT).
  assert.deepEqual(now.subtitleTracks[now.subtitleTrack], { name: "French (Forced)", lang: "fr",
                                                            forced: true });

  // The audio menu lists the renditions, the playing one selected.
  await until("the audio menu to show the playing track", () => {
    const select = document.getElementById("audio-track");
    const playing = window.players.at(-1).hls.audioTrack;
    return !select.disabled && playing >= 0 && select.value === String(playing);
  });
  const audio = await menu("audio-track");
  assert.deepEqual(audio.options, now.audioTracks.map((t, i) => ({ label: t.name, value: String(i) })));
  // The subtitle menu: Off, the renditions, and a burn-in entry for each picture track.
  const { subtitle_tracks: described } = await apiGet(`/api/v1/media/${server.media_id}`);
  const pictures = described.filter((t) => !t.text);
  assert.deepEqual(pictures.map((t) => t.codec), ["hdmv_pgs_subtitle"]);
  const subtitles = await menu("subtitle-track");
  assert.equal(subtitles.disabled, false);
  assert.deepEqual(subtitles.options, [
    { label: "Off", value: "off" },
    ...now.subtitleTracks.map((t, i) => ({ label: t.name, value: `text:${i}` })),
    ...pictures.map((t) => ({ label: `${t.label} (burned in)`, value: `burn:${t.track}` })),
  ]);
  assert.equal(subtitles.value, now.subtitleTrack < 0 ? "off" : `text:${now.subtitleTrack}`);
});

test("another audio track plays on without restarting the video encode, and is remembered",
     async (t) => {
  await playsPast(1);
  // The quality held where it is: an ABR switch would start another profile's encoder.
  const { level } = await state();
  const entered = await page.evaluate(() => window.players.at(-1).played.length);
  await page.selectOption("#quality", String(level));
  const session = await currentSession();
  const videoProfile = session.profiles[level];
  assert.ok(videoProfile, `level ${level} of ${session.profiles}`);
  // What ABR fetched ahead of another level (up to a fragment past the playing one) plays
  // out first: wait for playback to enter a fragment of the pinned level after it.
  await until(`a fragment of level ${level} to play`,
              ([l, n]) => window.players.at(-1).played.slice(n + 1).includes(l), [level, entered]);
  const pinned = await playsPast((await state()).time + 1);
  assert.equal(pinned.level, level);
  const before = await encoderStarts(session.transcode_id);
  assert.deepEqual(before.filter((s) => s.profile === videoProfile).map((s) => s.reason), ["start"],
                   `the ${videoProfile} encoder: ${JSON.stringify(before)}`);

  // German: neither the default nor the first track.
  const chosen = server.audio.findIndex((a) => a.language === "de");
  assert.notEqual(chosen, pinned.audioTrack);
  const rendition = session.audio[chosen].name;
  const requestsBefore = audioRequests.length;
  const switchedAt = pinned.time;
  await page.selectOption("#audio-track", String(chosen));
  const switched = await until("AUDIO_TRACK_SWITCHED to the German track", (id) => {
    const seen = window.players.at(-1);
    return seen.switched.includes(id) && seen.hls.audioTrack === id
      && seen.audioFragments.some((f) => f.track === id);
  }, chosen);
  assert.deepEqual(switched.switched, [pinned.audioTrack, chosen]);
  const played = await playsPast(switchedAt + PLAY_ON);
  assert.equal(played.audioTrack, chosen);
  assert.equal(played.level, level);
  assert.ok(audioRequests.slice(requestsBefore).some((r) => r.rendition === rendition),
            `no ${rendition} segment asked for: ${JSON.stringify(audioRequests.slice(requestsBefore))}`);
  assert.deepEqual(played.errors.filter((e) => e.includes("fatal")), []);

  // The server started the German rendition's encoder and left the video's running.
  const starts = await encoderStarts(session.transcode_id);
  const after = starts.slice(before.length);
  assert.deepEqual(starts.filter((s) => s.profile === videoProfile).map((s) => s.reason), ["start"],
                   `the ${videoProfile} encoder after the switch: ${JSON.stringify(starts)}`);
  assert.ok(after.some((s) => s.profile === rendition),
            `no ${rendition} encoder started: ${JSON.stringify(starts)}`);
  assert.deepEqual(after.filter((s) => !s.profile.startsWith("audio-")), [],
                   `a video encoder started with the audio switch: ${JSON.stringify(after)}`);

  // The choice is the user's preference now.
  const me = await apiGet("/api/v1/me");
  assert.equal(me.preferences.audio_language, "de");
  t.diagnostic(`switched at ${switchedAt.toFixed(2)} s, played to ${played.time.toFixed(2)} s; `
               + `encoders: ${starts.map((s) => `${s.profile} ${s.reason}@${s.index}`).join(", ")}`);
});

// Pause, seek to `time`, and wait until the showing text track has an active cue; returns
// the track's label and its active cues as {start, end, text} (text as a viewer reads it).
async function cueAt(time, what) {
  await page.evaluate((t) => {
    const v = document.querySelector("video");
    v.pause();
    v.currentTime = t;
  }, time);
  await until(what, (t) => {
    const v = document.querySelector("video");
    const shown = Array.from(v.textTracks).find((track) => track.mode === "showing");
    return !v.seeking && Math.abs(v.currentTime - t) < 0.5 && shown?.activeCues?.length > 0;
  }, time);
  return page.evaluate(() => {
    const shown = Array.from(document.querySelector("video").textTracks)
      .find((track) => track.mode === "showing");
    return { label: shown.label, language: shown.language,
             cues: Array.from(shown.activeCues, (c) => ({
               start: c.startTime, end: c.endTime, text: c.getCueAsHTML().textContent })) };
  });
}

// The active cue is `cue` of the film, within the tolerance.
function assertShows(t, shown, cue, label) {
  assert.equal(shown.label, label);
  assert.deepEqual(shown.cues.map((c) => c.text), [cue.text], JSON.stringify(shown));
  const [got] = shown.cues;
  assert.ok(Math.abs(got.start - cue.start) <= TOLERANCE && Math.abs(got.end - cue.end) <= TOLERANCE,
            `"${cue.text}" shows ${got.start.toFixed(3)}–${got.end.toFixed(3)}, `
            + `its source time is ${cue.start}–${cue.end}`);
  t.diagnostic(`${label}: "${cue.text}" at ${got.start.toFixed(3)}–${got.end.toFixed(3)}, `
               + `source ${cue.start}–${cue.end}`);
}

test("a chosen subtitle shows its cue at the source time after a seek, and is remembered",
     async (t) => {
  const text = server.subtitles.filter((t) => t.text);
  const embedded = text.findIndex((t) => t.codec === "subrip" && !t.sidecar && t.language === "en");
  const sidecar = text.findIndex((t) => t.codec === "webvtt");
  const { subtitleTracks } = await state();
  await page.selectOption("#subtitle-track", `text:${embedded}`);
  await until("the English subtitle track to be chosen",
              (i) => window.players.at(-1).hls.subtitleTrack === i, embedded);

  // A time held by a cue of both tracks, past what is buffered: hls.js loads it anew.
  const bufferedEnd = Math.max(0, ...(await state()).buffered.map(([, end]) => end));
  const pairs = text[embedded].cues.flatMap((a) => text[sidecar].cues
    .filter((b) => b.start < a.end && a.start < b.end)
    .map((b) => ({ a, b, time: (Math.max(a.start, b.start) + Math.min(a.end, b.end)) / 2 })));
  const target = pairs.find((p) => p.a.start > bufferedEnd + 1 && p.time < server.duration - 5);
  assert.ok(target, `no cue past the buffered ${bufferedEnd} s`);
  t.diagnostic(`buffered to ${bufferedEnd.toFixed(2)} s, seeking to ${target.time} s`);

  assertShows(t, await cueAt(target.time, `"${target.a.text}" at ${target.time} s`), target.a,
              subtitleTracks[embedded].name);
  // The other track, a sidecar WebVTT file, at the same place.
  await page.selectOption("#subtitle-track", `text:${sidecar}`);
  assertShows(t, await cueAt(target.time, `"${target.b.text}" at ${target.time} s`), target.b,
              subtitleTracks[sidecar].name);

  // It plays on from there.
  await page.evaluate(() => document.querySelector("video").play());
  await playsPast(target.time + 2);
  const me = await apiGet("/api/v1/me");
  assert.equal(me.preferences.subtitle_language, text[sidecar].language);
  assert.equal(me.preferences.subtitle_mode, "always");
  // "Off" is remembered too: the next stream starts with no subtitles at all.
  await page.selectOption("#subtitle-track", "off");
  await eventually(async () => (await apiGet("/api/v1/me")).preferences.subtitle_mode === "off",
                   "subtitles off remembered");
});

// Choose `value` in the subtitle menu, which opens a new session from where the video is,
// and wait until that stream plays on; returns what the page and the session say then.
async function reopen(value) {
  const { players, time } = await state();
  await page.selectOption("#subtitle-track", value);
  await until(`a new stream for "${value}"`, (n) => window.players.length > n
              && window.players.at(-1).hls.audioTracks.length > 0, players);
  const now = await playsPast(time + 2);
  return { ...now, session: await currentSession() };
}

test("burning the picture subtitle in opens a session of its own that plays", async () => {
  const first = await currentSession();
  const picture = server.subtitles.findIndex((t) => !t.text);
  const burned = await reopen(`burn:${picture}`);
  assert.notEqual(burned.session.session_id, first.session_id);
  assert.notEqual(burned.session.transcode_id, first.transcode_id);
  assert.equal(burned.session.burned_subtitle, picture);
  assert.equal((await menu("subtitle-track")).value, `burn:${picture}`);
  assert.equal(burned.subtitleTrack, -1, "no text subtitle over the burned one");
  // The new stream starts in the remembered language.
  assert.equal(burned.audioTracks[burned.audioTrack].lang, "de");
  // The session it replaced is gone.
  await eventually(async () => {
    const { items } = await apiGet("/api/v1/playback/sessions");
    return items.length === 1 && items[0].session_id === burned.session.session_id;
  }, "the first session to end");

  // Back to a stream without it, showing what was chosen rather than that stream's default
  // (for German sound and English preferred, the plain English track).
  const text = server.subtitles.filter((t) => t.text);
  const sdh = text.findIndex((t) => t.codec === "webvtt");
  const plain = await reopen(`text:${sdh}`);
  assert.equal(plain.session.burned_subtitle, null);
  assert.equal(plain.subtitleTrack, sdh);
  assert.equal((await menu("subtitle-track")).value, `text:${sdh}`);
  await reopen(`burn:${picture}`);
  const off = await reopen("off");
  assert.equal(off.session.burned_subtitle, null);
  assert.equal(off.subtitleTrack, -1);
  assert.equal((await menu("subtitle-track")).value, "off");
});

test("no console errors, failed requests or off-origin requests", () => {
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(failedResponses, []);
  assert.deepEqual(offOrigin, []);
});
