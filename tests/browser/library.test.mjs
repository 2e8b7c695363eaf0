// Every file of the real library (tests/realmedia.py) played by hls.js in headless Debian
// Chromium through a real `twistd revenge`: it starts, plays on after a seek to 80 %, shows
// its picture the right way up and round, and a song shows its tags and cover in the web
// player.
//
//   node --test library.test.mjs           (from tests/browser, after `npm ci`)
//
// REVENGE_PYTHON names the interpreter with Revenge installed (default: the repo's .venv);
// CHROMIUM the browser (default /usr/bin/chromium); REVENGE_REAL_LIBRARY, if set, a folder
// the library is made in (or completed) and kept; otherwise it is made in a temp dir;
// REVENGE_LIBRARY_ONLY (file names, comma-separated) plays just those files.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { api as serverApi, openHarness } from "./harness.mjs";

// Generous bounds for a 2-core machine transcoding 4K HDR; a healthy file takes seconds.
const START = { timeout: 45_000, polling: 100 };
const SEEK = { timeout: 45_000, polling: 100 };
// Details that mean the stream has a hole or stalls with data buffered.
const HOLES_AT_START = ["bufferSeekOverHole", "bufferNudgeOnStall"];
const HOLES_AFTER_SEEK = ["bufferSeekOverHole"];
// Each source buffer must begin at 0 within this (s): less than a frame at 30 fps, more
// than the ~20 ms of silence hls.js puts before AAC's first frame.
const START_SLACK = 0.03;

let harness;
let server; // {base, token, log, media: [{id, file, title, kind, duration, tags, ...}]}
let page;
const offOrigin = [];
let failedResponses = [];
let consoleErrors = [];

// Runs in the page (see PLAY_PAGE): `play(url)` plays with hls.js, and `record` keeps what
// hls.js and the media element said, with each source buffer's ranges, so that a report
// can name the buffer, the segment and the error.
function recorder() {
  const spans = (b) => Array.from({ length: b.length },
                                  (_, i) => `${b.start(i).toFixed(3)}-${b.end(i).toFixed(3)}`).join(" ");
  const v = document.getElementById("v");
  const r = { phase: "start", events: [], mediaErrors: [], fatal: null, tracks: null,
              levels: null, audioTracks: null, buffers: {} };
  window.record = r;
  window.play = (url) => {
    v.addEventListener("error", () => r.mediaErrors.push({
      phase: r.phase, code: v.error?.code, message: v.error?.message, time: v.currentTime }));
    const hls = new Hls({ startPosition: 0 });
    window.hls = hls;
    hls.on(Hls.Events.ERROR, (_, d) => {
      const f = d.frag;
      const event = {
        phase: r.phase, type: d.type, details: d.details, fatal: d.fatal, time: v.currentTime,
        url: f?.url ?? d.context?.url ?? d.url,
        frag: f && `${f.type} level ${f.level} sn ${f.sn} [${f.start?.toFixed(3)}, ${f.end?.toFixed(3)}]`,
        response: d.response ? `${d.response.code} ${d.response.text ?? ""}` : undefined,
        reason: d.reason ?? d.error?.message ?? d.err?.message, buffers: { ...r.buffers },
      };
      r.events.push(event);
      if (d.fatal && !r.fatal) r.fatal = event;
    });
    hls.on(Hls.Events.MANIFEST_PARSED, (_, d) => {
      r.levels = d.levels.map((l) => `${l.width}x${l.height} ${l.attrs?.CODECS ?? ""}`);
      r.audioTracks = d.audioTracks.length;
    });
    hls.on(Hls.Events.BUFFER_CREATED, (_, d) => {
      r.tracks = Object.fromEntries(Object.entries(d.tracks).map(([k, t]) => [k, t.codec]));
    });
    hls.on(Hls.Events.BUFFER_APPENDED, (_, d) => {
      for (const [type, ranges] of Object.entries(d.timeRanges ?? {})) {
        r.buffers[type] = spans(ranges);
      }
    });
    hls.on(Hls.Events.MEDIA_ATTACHED, () => v.play().catch((e) => r.mediaErrors.push({
      phase: r.phase, play: `${e.name}: ${e.message}` })));
    hls.loadSource(url);
    hls.attachMedia(v);
  };
  window.state = () => ({
    time: v.currentTime, paused: v.paused, seeking: v.seeking, ended: v.ended,
    duration: v.duration, readyState: v.readyState, width: v.videoWidth, height: v.videoHeight,
    buffered: spans(v.buffered), ...r,
  });
}

// Served on the server's origin, so the manifests and segments are same-origin requests.
const PLAY_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Revenge library test</title>
<video id="v" playsinline preload="auto" width="480"></video>
<script src="/__test/hls.min.js"></script>
<script>(${recorder})();</script>`;

const api = (route, options) => serverApi(server, route, options);

async function openSession(item) {
  const response = await api("/api/v1/playback/sessions", {
    method: "POST", body: { media_id: item.id },
  });
  const text = await response.text();
  assert.equal(response.status, 201, `${item.file}: creating a session: ${text}`);
  return JSON.parse(text);
}

async function closeSession(item, session) {
  const response = await api(`/api/v1/playback/sessions/${session.session_id}`,
                             { method: "DELETE" });
  assert.ok(response.ok, `${item.file}: deleting its session: ${response.status}`);
}

// Wait until `predicate(arg)` holds in the page or hls.js reports a fatal error; a timeout
// is turned into a message that says where playback was and what was reported.
async function until(item, what, predicate, arg, options) {
  try {
    await page.waitForFunction(`(${predicate})(${JSON.stringify(arg)}) || window.record.fatal`,
                               null, options);
  } catch (error) {
    if (!/Timeout/.test(error.message)) throw error;
    assert.fail(`${item.file}: timed out after ${options.timeout / 1000} s waiting for ${what}\n`
                + describe(await page.evaluate(() => window.state())));
  }
  return page.evaluate(() => window.state());
}

function describe(state) {
  const { events, mediaErrors, fatal, levels, tracks, audioTracks, ...media } = state;
  return JSON.stringify({ media, fatal, events, mediaErrors, levels, tracks, audioTracks,
                          failedResponses, consoleErrors }, null, 1);
}

// A fatal hls.js error or a media element error ends the file's test at once.
function assertPlayable(item, state, phase) {
  const { fatal } = state;
  assert.equal(fatal, null, `${item.file}: fatal hls.js error during ${phase}: `
               + `${fatal?.type}/${fatal?.details} ${fatal?.reason ?? ""} ${fatal?.url ?? ""}`
               + `\n${describe(state)}`);
  assert.deepEqual(state.mediaErrors, [], `${item.file}: the media element failed during `
                   + `${phase}\n${describe(state)}`);
}

// hls.js reports a hole it skipped or a stall it nudged past during `phase`.
function holes(state, phase, forbidden) {
  return state.events.filter((e) => e.phase === phase && forbidden.includes(e.details))
    .map((e) => `${e.details} during ${phase} at ${e.time.toFixed(3)} s: ${e.reason} `
         + `(${e.frag ?? "no fragment"}; source buffers ${JSON.stringify(e.buffers)})`);
}

// Where each source buffer's first range begins, e.g. {video: 0.08, audio: 0.016}.
function bufferStarts(state) {
  return Object.fromEntries(Object.entries(state.buffers)
    .map(([type, spans]) => [type, spans ? Number(spans.split("-")[0]) : null]));
}

before(async () => {
  harness = await openHarness("tests.browser.launch_library", { offOrigin });
  ({ server, page } = harness);
  await page.route(`${server.base}/__test/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === "/__test/hls.min.js") {
      return route.fulfill({ body: harness.hls, contentType: "text/javascript" });
    }
    if (pathname === "/__test/play.html") {
      return route.fulfill({ body: PLAY_PAGE, contentType: "text/html; charset=utf-8" });
    }
    return route.fulfill({ status: 404, body: "" });
  });
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.url()}`);
  });
});

after(() => harness?.close());

test("the library lists every file with its kind and a duration", () => {
  for (const item of server.media) {
    assert.ok(item.duration > 0, `${item.file}: duration ${item.duration}`);
    assert.ok(["video", "audio"].includes(item.kind), `${item.file}: kind ${item.kind}`);
  }
});

// One subtest a file, one after another in one browser; each reports what it saw.
test("every file starts and plays on after a seek to 80 %", async (t) => {
  const only = process.env.REVENGE_LIBRARY_ONLY?.split(",");
  for (const item of server.media.filter((m) => !only || only.includes(m.file))) {
    await t.test(`${item.file} (${item.kind}, ${item.duration} s)`, (st) => playOne(item, st));
  }
});

async function playOne(item, t) {
  failedResponses = [];
  consoleErrors = [];
  const problems = [];
  const check = (ok, problem) => { if (!ok) problems.push(problem); };
  await page.goto(`${server.base}/__test/play.html`);
  const session = await openSession(item);
  try {
    await page.evaluate((url) => window.play(url), session.master_url);

    // It starts, from the beginning, without a hole or a stall.
    const first = item.duration < 3 ? 0.5 : 1;
    let state = await until(item, `currentTime > ${first}`, (t) => {
      const v = document.getElementById("v");
      return !v.paused && !v.seeking && v.currentTime > t;
    }, first, START);
    assertPlayable(item, state, "start");
    problems.push(...holes(state, "start", HOLES_AT_START));
    const starts = bufferStarts(state);
    for (const [type, start] of Object.entries(starts)) {
      check(start !== null && start <= START_SLACK,
            `the ${type} source buffer begins at ${start} s, not at 0: hls.js skips or nudges `
            + "over that hole when it sees the stall before Chromium starts on its own");
    }

    if (item.kind === "video") {
      check("video" in (state.tracks ?? {}), `no video source buffer: ${JSON.stringify(state.tracks)}`);
      const aspect = item.width / item.height;
      const shown = state.width / state.height;
      check(state.width > 0 && Math.abs(shown - aspect) / aspect < 0.03,
            `shows ${state.width}x${state.height} (${shown.toFixed(3)}), `
            + `the file is ${item.width}x${item.height} (${aspect.toFixed(3)})`);
    } else {
      check(JSON.stringify(Object.keys(state.tracks ?? {})) === '["audio"]',
            `an audio-only item has source buffers ${JSON.stringify(state.tracks)}`);
      check(state.width === 0, `an audio-only item shows a ${state.width}x${state.height} picture`);
    }

    // A seek to 80 % plays on: a second past the seek point, or to the end of a short file.
    const seekTo = item.duration * 0.8;
    await page.evaluate((t) => {
      window.record.phase = "seek";
      document.getElementById("v").currentTime = t;
    }, seekTo);
    const goal = { past: seekTo + 1, end: item.duration - 0.25 };
    state = await until(item, `playback past ${goal.past.toFixed(2)} s (or the end)`, (g) => {
      const v = document.getElementById("v");
      return v.ended || (!v.seeking && v.currentTime >= Math.min(g.past, g.end)
                         && (!v.paused || v.currentTime >= g.end));
    }, goal, SEEK);
    assertPlayable(item, state, "seek");
    problems.push(...holes(state, "seek", HOLES_AFTER_SEEK));
    const played = await page.evaluate(() => {
      const p = document.getElementById("v").played;
      return Array.from({ length: p.length }, (_, i) => [p.start(i), p.end(i)]);
    });
    check(played.some(([s, e]) => s <= seekTo + 0.5 && e >= Math.min(seekTo + 1, goal.end)),
          `played ${JSON.stringify(played)} after the seek to ${seekTo}`);
    check(failedResponses.length === 0, `failed requests: ${failedResponses.join(", ")}`);

    // What was seen, for the report: picture, source buffers, and any non-fatal complaints.
    const complaints = state.events.map((e) => `${e.phase}: ${e.details} at ${e.time.toFixed(2)}`);
    t.diagnostic(`${state.width}x${state.height} buffers ${JSON.stringify(state.tracks)} `
                 + `starting at ${JSON.stringify(starts)}; ${state.levels.length} levels; `
                 + `${state.audioTracks} audio renditions; non-fatal: ${complaints.join(", ") || "none"}`);
    if (problems.length) assert.fail(`${item.file}:\n- ${problems.join("\n- ")}\n${describe(state)}`);
  } finally {
    await page.evaluate(() => window.hls?.destroy()).catch(() => {});
    await closeSession(item, session);
  }
}

test("a song in the web player shows its title, artist and cover, and plays", async () => {
  const song = server.media.find((m) => m.file === "song.mp3");
  assert.ok(song?.cover_url, "song.mp3 has a cover");
  failedResponses = [];
  consoleErrors = [];
  await page.goto(`${server.base}/#token=${server.token}`);
  await page.locator("#music [data-album-id]").first().waitFor({ timeout: 20_000 });
  await page.goto(`${server.base}/#/play/${song.id}`);
  const shown = await page.waitForFunction(() => {
    const cover = document.getElementById("cover");
    const v = document.getElementById("video");
    const ready = !document.getElementById("now-playing").hidden && cover.complete
      && cover.naturalWidth > 0 && !v.paused && v.currentTime > 1;
    return ready && {
      title: document.getElementById("track-title").textContent,
      artist: document.getElementById("track-artist").textContent,
      cover: `${cover.naturalWidth}x${cover.naturalHeight}`,
    };
  }, null, START).then((handle) => handle.jsonValue()).catch(async (error) => {
    const status = await page.locator("#status").textContent();
    assert.fail(`the song did not show and play: ${error.message}\nstatus: ${status}\n`
                + `failed requests: ${failedResponses}\nconsole: ${consoleErrors}`);
  });
  assert.equal(shown.title, song.tags.title);
  assert.equal(shown.artist, song.tags.artist);
  assert.deepEqual(failedResponses, []);
  assert.deepEqual(consoleErrors, []);
  await page.getByRole("link", { name: "Library" }).click();
  await page.locator("#music [data-album-id]").first().waitFor({ timeout: 20_000 });
});

test("no off-origin requests", () => {
  assert.deepEqual(offOrigin, []);
});
