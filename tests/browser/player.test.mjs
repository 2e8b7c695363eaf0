// The web player in headless Debian Chromium against a real `twistd revenge` on a 40 s clip.
//
//   node --test player.test.mjs            (from tests/browser, after `npm ci`)
//
// REVENGE_PYTHON names the interpreter with Revenge installed (default: the repo's .venv);
// CHROMIUM the browser (default /usr/bin/chromium); REVENGE_SCREENSHOT, if set, a path
// (relative to the repository) to save a screenshot of the player during playback to.

import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";

import { api, eventually, openHarness, repo } from "./harness.mjs";

const WAIT = { timeout: 60_000, polling: 100 };

let harness;
let server; // {base, token, media_id, title, duration, log}
let page;
const consoleErrors = [];
const offOrigin = [];
const failedResponses = [];
const segmentRequests = [];

const apiGet = (route) => api(server, route).then((response) => response.json());

const video = () => page.evaluate(() => {
  const v = document.querySelector("video");
  return { time: v.currentTime, paused: v.paused, seeking: v.seeking, duration: v.duration };
});

// Wait until the video plays past `time` (not paused, not seeking).
function playsPast(time, options = WAIT) {
  return page.waitForFunction((t) => {
    const v = document.querySelector("video");
    return !v.paused && !v.seeking && v.currentTime >= t;
  }, time, options);
}

before(async () => {
  harness = await openHarness("tests.browser.launch", { offOrigin });
  ({ server, page } = harness);
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on("request", (request) => {
    if (/\/api\/v1\/playback\/[^/]+\/[^/]+\/\d+\.ts\?/.test(request.url())) {
      segmentRequests.push(new URL(request.url()));
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.url()}`);
  });
});

after(() => harness?.close());

test("the token link signs in and the library lists the clip", async () => {
  await page.goto(`${server.base}/#token=${server.token}`);
  const card = page.locator(`[data-media-id="${server.media_id}"]`);
  await card.getByRole("heading", { name: server.title }).waitFor(WAIT);
  await card.getByText("0:40").waitFor(WAIT);
  assert.equal(new URL(page.url()).hash, "", "the token is taken out of the address bar");
  assert.equal(await page.evaluate(() => localStorage.getItem("revenge.token")), server.token);
  assert.match(await card.locator(".streams").innerText(), /h264/);

  // Signing out forgets the token; pasting it into the form signs in again.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("API token").fill(server.token);
  assert.equal(await page.evaluate(() => localStorage.getItem("revenge.token")), null);
  await page.getByRole("button", { name: "Sign in" }).click();
  await card.getByRole("heading", { name: server.title }).waitFor(WAIT);

  // A token link opened on the page already loaded (a fragment change, not a new load).
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("API token").waitFor(WAIT);
  await page.goto(`${server.base}/#token=${server.token}`);
  await card.getByRole("heading", { name: server.title }).waitFor(WAIT);
  assert.equal(new URL(page.url()).hash, "");
});

test("plays, seeks to the middle, saves progress and resumes", async () => {
  await page.getByRole("link", { name: `Play: ${server.title}` }).click();
  await playsPast(0.5);
  const start = (await video()).time;
  await playsPast(start + 10);

  // The overlay shows what the server and the segments said.
  await page.waitForFunction(() => /^(buffer|cache|origin)$/.test(
    document.getElementById("stat-served").textContent), null, WAIT);
  await page.waitForFunction(() => document.getElementById("stat-profile").textContent !== "–",
                             null, WAIT);
  const levels = await page.locator("#quality option").count();
  assert.ok(levels >= 2, `the quality menu offers auto and the profiles (${levels} options)`);
  if (process.env.REVENGE_SCREENSHOT) {
    await page.screenshot({ path: path.resolve(repo, process.env.REVENGE_SCREENSHOT) });
  }

  const middle = server.duration / 2;
  await page.evaluate((t) => { document.querySelector("video").currentTime = t; }, middle);
  await playsPast(middle + 3);

  await page.evaluate(() => document.querySelector("video").pause());
  const paused = (await video()).time;
  const saved = await eventually(async () => {
    const position = (await apiGet(`/api/v1/media/${server.media_id}`)).resume_position;
    return position != null && Math.abs(position - paused) < 1 ? position : null;
  }, `resume_position near ${paused}`);
  assert.ok(saved > middle, `saved ${saved} after the seek to ${middle}`);

  // Back to the library: the session stops, and the card offers to resume.
  await page.getByRole("link", { name: "Library" }).click();
  const resume = page.getByRole("link", { name: new RegExp(`^Resume from .*: ${server.title}$`) });
  await resume.waitFor(WAIT);
  const final = (await apiGet(`/api/v1/media/${server.media_id}`)).resume_position;
  assert.ok(Math.abs(final - paused) < 1, `final position ${final}, paused at ${paused}`);

  await resume.click();
  await playsPast(paused + 1);
  const resumedAt = await page.evaluate(() => document.querySelector("video").played.start(0));
  assert.ok(Math.abs(resumedAt - paused) < 1, `playback resumed at ${resumedAt}, saved ${paused}`);

  // hls.js reported to the server with CMCD (CTA-5004) on its segment requests.
  assert.ok(segmentRequests.length > 0);
  for (const url of segmentRequests) {
    assert.match(url.searchParams.get("CMCD") ?? "", /(^|,)sid="/, `no CMCD on ${url.pathname}`);
  }
});

test("no console errors, failed requests or off-origin requests", () => {
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(failedResponses, []);
  assert.deepEqual(offOrigin, []);
});
