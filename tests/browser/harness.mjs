// What every browser test shares: a real `twistd revenge` started by one of the
// tests/browser/launch*.py launchers, headless Debian Chromium with no way off the server's
// origin (hls.js comes from the npm copy), and a few waiting and API helpers.
//
// REVENGE_PYTHON names the interpreter with Revenge installed (default: the repo's .venv);
// CHROMIUM the browser (default /usr/bin/chromium).

import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "../..");
const python = process.env.REVENGE_PYTHON ?? path.join(repo, ".venv/bin/python");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const hlsCopy = path.join(here, "node_modules/hls.js/dist/hls.min.js");

// A work directory, the server the launcher module (`tests.browser.launch…`) starts in it,
// and a fresh Chromium profile there. `offOrigin` collects what the page tried to fetch
// elsewhere (refused). `close()` stops the browser and the server and removes the directory.
export async function openHarness(launcher, { offOrigin = [] } = {}) {
  const workdir = await mkdtemp(path.join(tmpdir(), "revenge-browser-"));
  const child = spawn(python, ["-m", launcher, workdir], {
    cwd: repo, stdio: ["pipe", "pipe", "inherit"],
  });
  const close = async (context) => {
    await context?.close();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin.end(); // the launcher stops twistd when its stdin closes
      await exited;
    }
    await rm(workdir, { recursive: true, force: true });
  };
  let server;
  try {
    server = await firstLine(child);
  } catch (error) {
    await close();
    throw error;
  }
  // launchPersistentContext passes --user-data-dir: a profile of the test's own.
  const context = await chromium.launchPersistentContext(path.join(workdir, "chromium"), {
    executablePath: browserPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1000, height: 760 },
  });
  const hls = await readFile(hlsCopy);
  await context.route((url) => url.origin !== server.base, (route) => {
    const url = route.request().url();
    if (url.endsWith("/hls.min.js")) {
      return route.fulfill({ body: hls, contentType: "text/javascript" });
    }
    offOrigin.push(url);
    return route.abort();
  });
  const page = context.pages()[0] ?? await context.newPage();
  return { server, context, page, hls, close: () => close(context) };
}

// The launcher prints the server's description as one JSON line once it serves.
function firstLine(child) {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const line = new Promise((resolve) => {
    createInterface({ input: child.stdout }).once("line", resolve);
  });
  return Promise.race([
    line.then((text) => JSON.parse(text)),
    exited.then((code) => { throw new Error(`the launcher exited (${code}) before serving`); }),
  ]);
}

// A request to the server's API with its admin token; a JSON body if `body` is given.
export function api(server, route, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${server.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(server.base + route, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

// Poll `probe` until it returns something truthy, within `timeout` ms.
export async function eventually(probe, what, { timeout = 60_000, polling = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const result = await probe();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(polling);
  }
}
