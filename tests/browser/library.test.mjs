// Every file of the real library (tests/realmedia.py) played by hls.js in headless Debian
// Chromium through a real `twistd revenge`: it starts, plays on after a seek to 80 %, shows
// its picture the right way up and round, and a song shows its tags and cover in the web
// player.
//
//   node --test library.test.mjs           (from tests/browser, after `npm ci`)
//
// REVENGE_PYTHON names the interpreter with Revenge installed (default: the repo's .venv);
// CHROMIUM the browser (default /usr/bin/chromium); REVENGE_REAL_LIBRARY, if set, a folder
// the library is made in (or completed) and kept; otherwise it is made in a temp dir.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const python = process.env.REVENGE_PYTHON ?? path.join(repo, ".venv/bin/python");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const hlsCopy = path.join(here, "node_modules/hls.js/dist/hls.min.js");
// Generous bounds for a 2-core machine transcoding 4K HDR; a healthy file takes seconds.
const START = { timeout: 45_000, polling: 100 };
const SEEK = { timeout: 45_000, polling: 100 };
// Details that mean the stream has a hole or stalls with data buffered.
const HOLES_AT_START = ["bufferSeekOverHole", "bufferNudgeOnStall"];
const HOLES_AFTER_SEEK = ["bufferSeekOverHole"];

let workdir;
let launcher;
let server; // {base, token, log, media: [{id, file, title, kind, duration, tags, ...}]}
let context;
let page;
const offOrigin = [];
let failedResponses = [];
let consoleErrors = [];

// The page the library is played in: hls.js from the npm copy and a recorder of what it and
// the media element said, on the server's origin so every request is same-origin.
const PLAY_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Revenge library test</title>
<video id="v" playsinline preload="auto" width="480"></video>
<script src="/__test/hls.min.js"></script>
<script>
window.record = { phase: "start", events: [], mediaErrors: [], fatal: null, tracks: null,
                  levels: null, audioTracks: null };
window.play = (url) => {
  const r = window.record;
  const v = document.getElementById("v");
  v.addEventListener("error", () => r.mediaErrors.push({
    phase: r.phase, code: v.error?.code, message: v.error?.message, time: v.currentTime }));
  const hls = new Hls({ startPosition: 0 });
  window.hls = hls;
  hls.on(Hls.Events.ERROR, (_, d) => {
    const event = {
      phase: r.phase, type: d.type, details: d.details, fatal: d.fatal, time: v.currentTime,
      url: d.frag?.url ?? d.context?.url ?? d.url, frag: d.frag && \`\${d.frag.type} level \${d.frag.level} sn \${d.frag.sn} [\${d.frag.start?.toFixed(3)}, \${d.frag.end?.toFixed(3)}]\`,
      response: d.response ? \`\${d.response.code} \${d.response.text ?? ""}\` : undefined,
      reason: d.reason ?? d.error?.message ?? d.err?.message, buffered: ranges(v.buffered) };
    r.events.push(event);
    if (d.fatal && !r.fatal) r.fatal = event;
  });
  hls.on(Hls.Events.MANIFEST_PARSED, (_, d) => {
    r.levels = d.levels.map((l) => \`\${l.width}x\${l.height} \${l.attrs?.CODECS ?? ""}\`);
    r.audioTracks = d.audioTracks.length;
  });
  hls.on(Hls.Events.BUFFER_CREATED, (_, d) => {
    r.tracks = Object.fromEntries(Object.entries(d.tracks).map(([k, t]) => [k, t.codec]));
  });
  hls.on(Hls.Events.MEDIA_ATTACHED, () => v.play().catch((e) => r.mediaErrors.push({
    phase: r.phase, play: \`\${e.name}: \${e.message}\` })));
  hls.loadSource(url);
  hls.attachMedia(v);
};
function ranges(b) {
  return Array.from({ length: b.length }, (_, i) => \`\${b.start(i).toFixed(3)}-\${b.end(i).toFixed(3)}\`).join(" ");
}
window.state = () => {
  const v = document.getElementById("v");
  return { time: v.currentTime, paused: v.paused, seeking: v.seeking, ended: v.ended,
           duration: v.duration, readyState: v.readyState, width: v.videoWidth,
           height: v.videoHeight, buffered: ranges(v.buffered), ...window.record };
};
</script>`;

function startServer(dir) {
  launcher = spawn(python, ["-m", "tests.browser.launch_library", dir], {
    cwd: repo, stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => launcher.once("exit", resolve));
  const firstLine = new Promise((resolve) => {
    createInterface({ input: launcher.stdout }).once("line", resolve);
  });
  return Promise.race([
    firstLine.then((line) => JSON.parse(line)),
    exited.then((code) => { throw new Error(`the launcher exited (${code}) before serving`); }),
  ]);
}

async function stopServer() {
  if (!launcher || launcher.exitCode !== null) return;
  const exited = new Promise((resolve) => launcher.once("exit", resolve));
  launcher.stdin.end(); // the launcher stops twistd when its stdin closes
  await exited;
}

function api(route, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${server.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(server.base + route, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

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

function assertClean(item, state, phase, forbidden) {
  const context = `\n${describe(state)}`;
  assert.equal(state.fatal, null, `${item.file}: fatal hls.js error during ${phase}: `
               + `${state.fatal?.type}/${state.fatal?.details} ${state.fatal?.reason ?? ""} `
               + `${state.fatal?.url ?? ""}${context}`);
  assert.deepEqual(state.mediaErrors, [], `${item.file}: the media element failed${context}`);
  const holes = state.events.filter((e) => e.phase === phase && forbidden.includes(e.details));
  assert.deepEqual(holes, [], `${item.file}: ${holes.map((e) => e.details).join(", ")} `
                   + `during ${phase}${context}`);
  assert.deepEqual(failedResponses, [], `${item.file}: failed requests${context}`);
}

before(async () => {
  workdir = await mkdtemp(path.join(tmpdir(), "revenge-library-"));
  server = await startServer(workdir);
  context = await chromium.launchPersistentContext(path.join(workdir, "chromium"), {
    executablePath: browserPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1000, height: 760 },
  });
  // No internet here: hls.js comes from the npm copy, anything else off-origin is refused.
  const hls = await readFile(hlsCopy);
  await context.route((url) => url.origin !== server.base, (route) => {
    const url = route.request().url();
    if (url.endsWith("/hls.min.js")) {
      return route.fulfill({ body: hls, contentType: "text/javascript" });
    }
    offOrigin.push(url);
    return route.abort();
  });
  page = context.pages()[0] ?? await context.newPage();
  await page.route(`${server.base}/__test/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === "/__test/hls.min.js") {
      return route.fulfill({ body: hls, contentType: "text/javascript" });
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

after(async () => {
  await context?.close();
  await stopServer();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

test("the library lists every file with a duration", () => {
  assert.ok(server.media.length >= 30, `${server.media.length} files listed`);
  for (const item of server.media) {
    assert.ok(item.duration > 0, `${item.file}: duration ${item.duration}`);
    assert.ok(["video", "audio"].includes(item.kind), `${item.file}: kind ${item.kind}`);
  }
});

// One subtest a file, one after another in one browser. REVENGE_LIBRARY_ONLY (file names,
// comma-separated) plays just those, while working on one.
test("every file starts and plays on after a seek to 80 %", async (t) => {
  const only = process.env.REVENGE_LIBRARY_ONLY?.split(",");
  for (const item of server.media.filter((m) => !only || only.includes(m.file))) {
    await t.test(`${item.file} (${item.kind}, ${item.duration} s)`, () => playOne(item));
  }
});

async function playOne(item) {
  assert.ok(item, "listed by the server");
  failedResponses = [];
  consoleErrors = [];
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
    assertClean(item, state, "start", HOLES_AT_START);

    if (item.kind === "video") {
      assert.ok("video" in (state.tracks ?? {}), `${item.file}: no video source buffer\n${describe(state)}`);
      assert.ok(state.width > 0 && state.height > 0, `${item.file}: no picture ${state.width}x${state.height}`);
      const aspect = item.width / item.height;
      const shown = state.width / state.height;
      assert.ok(Math.abs(shown - aspect) / aspect < 0.03,
                `${item.file}: shows ${state.width}x${state.height} (${shown.toFixed(3)}), `
                + `the file is ${item.width}x${item.height} (${aspect.toFixed(3)})`);
    } else {
      assert.deepEqual(Object.keys(state.tracks ?? {}), ["audio"],
                       `${item.file}: an audio-only item has only an audio track\n${describe(state)}`);
      assert.equal(state.width, 0, `${item.file}: an audio-only item shows a picture`);
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
    assertClean(item, state, "seek", HOLES_AFTER_SEEK);
    assert.ok(state.time >= seekTo, `${item.file}: at ${state.time} after seeking to ${seekTo}`);
    const played = await page.evaluate(() => {
      const p = document.getElementById("v").played;
      return Array.from({ length: p.length }, (_, i) => [p.start(i), p.end(i)]);
    });
    assert.ok(played.some(([s, e]) => s <= seekTo + 0.5 && e >= Math.min(seekTo + 1, goal.end)),
              `${item.file}: played ranges ${JSON.stringify(played)} after the seek to ${seekTo}`);
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
  await page.locator(`[data-media-id="${song.id}"]`).waitFor({ timeout: 20_000 });
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
  await page.locator(`[data-media-id="${song.id}"]`).waitFor({ timeout: 20_000 });
});

test("no off-origin requests", () => {
  assert.deepEqual(offOrigin, []);
});
