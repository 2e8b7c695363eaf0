// The library page in headless Chromium against a real `twistd revenge` on a small organised
// library (tests/browser/launch_shelves.py): its sections, a loaded poster on every video
// card and cover art on the album, search by a word of a title, a series page listing its
// seasons and episodes in order, and a preview picture above the seek bar while dragging.
//
// REVENGE_SCREENSHOTS=1 saves the library and the player while scrubbing under docs/.

import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";

import { api, openHarness, repo } from "./harness.mjs";

const WAIT = { timeout: 30_000 };
let harness;
let server;
let page;
const offOrigin = [];
const consoleErrors = [];

const byFile = (pattern) => server.media.find((m) => pattern.test(m.file));
const shots = process.env.REVENGE_SCREENSHOTS
  ? (name) => path.join(repo, "docs", "screenshots", name) : null;

before(async () => {
  harness = await openHarness("tests.browser.launch_shelves", { offOrigin });
  ({ server, page } = harness);
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  // Half of "Night Train" watched: it is to be continued.
  const film = byFile(/Night Train/);
  const session = await (await api(server, "/api/v1/playback/sessions", {
    method: "POST", body: { media_id: film.id } })).json();
  for (const state of ["playing", "stopped"]) {
    const beat = await api(server, `/api/v1/playback/sessions/${session.session_id}/progress`, {
      method: "POST", body: { position: 4, state } });
    assert.equal(beat.status, 200);
  }
});

after(() => harness?.close());

// Every <img> under `selector`, and whether each has loaded a picture.
const pictures = (selector) => page.locator(selector).evaluateAll((images) => images.map(
  (image) => ({ src: image.getAttribute("src"), loaded: image.complete && image.naturalWidth > 0 })));

test("the library shows its sections, posters and cover art", async () => {
  await page.goto(`${server.base}/#token=${server.token}`);
  for (const id of ["continue-watching", "films", "series", "music", "videos"]) {
    await page.locator(`section#${id}`).waitFor(WAIT);
  }
  const watching = page.locator("#continue-watching [data-shelf-id]");
  assert.deepEqual(await watching.evaluateAll((items) => items.map((i) => i.dataset.shelfId)),
                   [byFile(/Night Train/).id]);
  const titles = await page.locator("#films [data-media-id] h2").allTextContents();
  assert.deepEqual(titles, ["Blue Planet", "Night Train"]);
  await page.waitForFunction(() => [...document.querySelectorAll("#library img")]
    .every((image) => image.complete), null, WAIT);
  const posters = await pictures("#films img.poster, #videos img.poster, #series img.poster");
  assert.equal(posters.length, 4); // two films, one other video, one series
  assert.ok(posters.every((p) => p.loaded && p.src.includes("/poster?v=")), JSON.stringify(posters));
  const covers = await pictures("#music img.cover");
  assert.equal(covers.length, 1);
  assert.ok(covers[0].loaded, JSON.stringify(covers));
  if (shots) await page.screenshot({ path: shots("library.png"), fullPage: true });
});

test("search finds an item by a word of its title", async () => {
  await page.getByRole("searchbox", { name: "Search the library" }).fill("train");
  await page.locator("#results").waitFor(WAIT);
  const found = await page.locator("#results [data-media-id] h2").allTextContents();
  assert.deepEqual(found, ["Night Train"]);
  assert.match(page.url(), /#\/search\/train$/);
  await page.getByRole("searchbox", { name: "Search the library" }).fill("");
  await page.locator("section#films").waitFor(WAIT);
});

test("a series page lists its seasons and episodes in order", async () => {
  await page.locator("#series [data-series-id] a").click();
  await page.getByRole("heading", { level: 1, name: "Space Cats" }).waitFor(WAIT);
  const seasons = await page.locator("#group-body .season").evaluateAll((sections) => sections.map(
    (s) => [s.querySelector("h2").textContent,
            [...s.querySelectorAll(".byline")].map((line) => line.textContent)]));
  assert.deepEqual(seasons, [
    ["Season 1", ["Space Cats · S01E01", "Space Cats · S01E02"]],
    ["Season 2", ["Space Cats · S02E01", "Space Cats · S02E02"]],
  ]);
  await page.getByRole("link", { name: "Library" }).first().click();
  await page.locator("section#films").waitFor(WAIT);
});

test("dragging the seek bar shows a preview picture", async () => {
  const walk = byFile(/Long Walk/);
  await page.getByRole("link", { name: `Play: ${walk.title}` }).click();
  await page.waitForFunction(() => {
    const v = document.getElementById("video");
    return !v.paused && v.currentTime > 0.5;
  }, null, { timeout: 60_000 });
  const bar = await page.locator("#seek").boundingBox();
  const y = bar.y + bar.height / 2;
  await page.mouse.move(bar.x + 4, y);
  await page.mouse.down();
  await page.mouse.move(bar.x + bar.width * 0.6, y, { steps: 8 });
  const preview = await page.waitForFunction(() => {
    const box = document.getElementById("scrub-preview");
    const image = document.getElementById("scrub-picture");
    return !box.hidden && !image.hidden && image.complete && image.naturalWidth > 0 && {
      src: image.getAttribute("src"), width: image.naturalWidth, height: image.naturalHeight,
      frame: [image.parentElement.clientWidth, image.parentElement.clientHeight],
      time: document.getElementById("scrub-time").textContent,
    };
  }, null, WAIT).then((handle) => handle.jsonValue());
  assert.match(preview.src, /\/thumbnails\/sheet-000\.jpg\?v=/);
  assert.deepEqual([preview.width, preview.height], [3200, 180 * 2]); // 12 previews, 10 a row
  assert.deepEqual(preview.frame, [320, 180]);
  assert.match(preview.time, /^1:1\d$/);
  if (shots) await page.screenshot({ path: shots("player-scrubbing.png") });
  await page.mouse.up();
  await page.waitForFunction(() => document.getElementById("video").currentTime > 60, null, WAIT);
  assert.ok(await page.locator("#scrub-preview").isHidden());
});

test("no console errors and no off-origin requests", () => {
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(offOrigin, []);
});
