// hls.js in headless Debian Chromium, timing what a viewer waits for; driven by
// benchmarks/startup.py, which starts the server and passes one JSON argument:
//   {base, token, plays: [{label, media_id, profile, seek}]}
// and reads one JSON line back: {label: {first_frame, seek_to_playing?}} in seconds.
//
// First frame: from just before the session is created (in the page, as a web player does
// on a click, after the page has made one API request as a library page would) to the first video frame presented (requestVideoFrameCallback). Seek to
// playing: from setting currentTime (after a second of playback) to the first frame
// presented after the seek, with the element no longer seeking.
//
// playwright-core and hls.js come from tests/browser/node_modules (npm ci there).

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const browserTests = path.resolve(here, "../tests/browser");
const require = createRequire(path.join(browserTests, "package.json"));
const { chromium } = require("playwright-core");
const hlsCopy = path.join(browserTests, "node_modules/hls.js/dist/hls.min.js");
const WAIT = { timeout: 60_000, polling: 20 };

// Runs in the page: `start(...)` creates a session and plays it, stamping the moments.
function player() {
  const v = document.getElementById("v");
  const r = { fatal: null };
  window.record = r;
  const frames = () => {
    v.requestVideoFrameCallback((now, meta) => {
      if (r.firstFrame === undefined) r.firstFrame = now;
      if (r.seekAt !== undefined && r.seekFrame === undefined && !v.seeking
          && meta.mediaTime >= r.seekTarget - 0.5) r.seekFrame = now;
      frames();
    });
  };
  window.start = async ({ token, media_id, profile }) => {
    r.clicked = performance.now();
    const body = { media_id };
    if (profile) body.profile = profile;
    const answer = await fetch("/api/v1/playback/sessions", {
      method: "POST", body: JSON.stringify(body),
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    });
    const session = await answer.json();
    if (answer.status !== 201) throw new Error(JSON.stringify(session));
    r.session = session.session_id;
    const hls = new Hls({ startPosition: 0 });
    window.hls = hls;
    hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal && !r.fatal) r.fatal = d.details; });
    hls.on(Hls.Events.MANIFEST_LOADED, () => { r.manifest = performance.now(); });
    frames();
    hls.loadSource(session.master_url);
    hls.attachMedia(v);
    v.play().catch(() => {});
  };
  // Plays a stream the page serves itself, to the first frame: Chromium's media stack (the
  // decoder, MSE, hls.js's worker) starts cold once per browser, whoever serves the stream.
  window.warm = (url) => new Promise((resolve, reject) => {
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) reject(new Error(d.details)); });
    v.requestVideoFrameCallback(() => { hls.destroy(); v.removeAttribute("src"); resolve(); });
    hls.loadSource(url);
    hls.attachMedia(v);
    v.play().catch(() => {});
  });
  window.seek = (fraction) => {
    r.seekTarget = v.duration * fraction;
    r.seekAt = performance.now();
    v.currentTime = r.seekTarget;
  };
  window.stop = async (token) => {
    window.hls.destroy();
    await fetch(`/api/v1/playback/sessions/${r.session}`, {
      method: "DELETE", headers: { Authorization: `Bearer ${token}` },
    });
  };
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<video id="v" muted playsinline preload="auto" width="480"></video>
<script src="/__bench/hls.min.js"></script>
<script>(${player})();</script>`;

async function playOne(page, server, play) {
  await page.goto(`${server.base}/__bench/play.html`);
  // A viewer clicks play on a library page that has already talked to the server: so does
  // this page, or the browser's own cold start (its first connection) would be timed too.
  await page.evaluate((token) => fetch("/api/v1/media?limit=1", {
    headers: { Authorization: `Bearer ${token}` } }).then((r) => r.json()), server.token);
  await page.evaluate((args) => window.start(args), { token: server.token, ...play });
  await page.waitForFunction(() => window.record.firstFrame !== undefined
                             || window.record.fatal, null, WAIT);
  const result = {};
  let r = await page.evaluate(() => window.record);
  if (r.fatal) throw new Error(`${play.label}: ${r.fatal}`);
  result.first_frame = (r.firstFrame - r.clicked) / 1000;
  result.manifest = (r.manifest - r.clicked) / 1000;
  if (play.seek) {
    await page.waitForFunction(() => document.getElementById("v").currentTime > 1, null, WAIT);
    await page.evaluate((f) => window.seek(f), play.seek);
    await page.waitForFunction(() => window.record.seekFrame !== undefined
                               || window.record.fatal, null, WAIT);
    r = await page.evaluate(() => window.record);
    if (r.fatal) throw new Error(`${play.label} seek: ${r.fatal}`);
    result.seek_to_playing = (r.seekFrame - r.seekAt) / 1000;
  }
  await page.evaluate((token) => window.stop(token), server.token);
  return result;
}

async function main() {
  const server = JSON.parse(process.argv[2]);
  const profile = await mkdtemp(path.join(tmpdir(), "revenge-startup-"));
  const hls = await readFile(hlsCopy);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--autoplay-policy=no-user-gesture-required"],
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    await page.route(`${server.base}/__bench/**`, (route) => {
      const { pathname } = new URL(route.request().url());
      if (pathname.endsWith("/hls.min.js")) {
        return route.fulfill({ body: hls, contentType: "text/javascript" });
      }
      if (pathname.startsWith("/__bench/warm/")) {
        return route.fulfill({ path: path.join(server.warm, path.basename(pathname)) });
      }
      return route.fulfill({ body: PAGE, contentType: "text/html; charset=utf-8" });
    });
    // Untimed: the browser's own cold start is not the server's (the stream comes from the
    // page's route, so the server under test sees none of it).
    await page.goto(`${server.base}/__bench/play.html`);
    await page.evaluate(() => window.warm("/__bench/warm/index.m3u8"));
    const results = {};
    for (const play of server.plays) results[play.label] = await playOne(page, server, play);
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

await main();
