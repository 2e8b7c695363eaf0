// The admins' view of the background jobs: a progress bar for each one running.

import { api } from "./api.js";
import { element } from "./cards.js";

const POLL_MS = 2_000;
const NAMES = { scan: "Scanning the library", posters: "Making posters",
                thumbnails: "Making scrubbing previews" };

export class JobsBar {
  constructor(container) {
    this.container = container;
    this.timer = null;
  }

  start() {
    this.stop();
    this.refresh();
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.container.hidden = true;
  }

  async refresh() {
    const doc = await api.get("/api/v1/library/jobs").catch(() => null);
    if (!doc || this.timer === null) return;
    const running = doc.jobs.filter((job) => job.running);
    this.container.hidden = !running.length;
    this.container.replaceChildren(...running.map((job) => {
      const label = `${NAMES[job.kind] ?? job.kind}: ${job.done} of ${job.total}`;
      return element("div", { className: "job", attrs: { "data-job": job.kind } },
        element("span", { text: label }),
        element("progress", { attrs: { max: Math.max(job.total, 1), value: job.done, "aria-label": label } }));
    }));
  }
}
