// The seek bar under the video, and the preview above it while it is dragged (or hovered):
// the picture of the thumbnails track (WebVTT, `sheet.jpg?...#xywh=x,y,w,h` cues) for the
// time under the pointer.

import { clock } from "./api.js";

// "00:01:02.500" -> 62.5
function seconds(stamp) {
  const parts = stamp.trim().split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

// The cues of a thumbnails track: start, end, sheet URL (absolute) and place in it.
export function parseThumbnails(text, base) {
  const cues = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/).filter(Boolean);
    const timing = lines.findIndex((line) => line.includes("-->"));
    if (timing < 0 || !lines[timing + 1]) continue;
    const [from, to] = lines[timing].split("-->");
    const [target, fragment = ""] = lines[timing + 1].split("#");
    const place = /xywh=(\d+),(\d+),(\d+),(\d+)/.exec(fragment);
    if (!place) continue;
    const [x, y, w, h] = place.slice(1).map(Number);
    cues.push({ start: seconds(from), end: seconds(to), url: new URL(target, base).href, x, y, w, h });
  }
  return cues;
}

export class Scrubber {
  constructor({ video, bar, preview, picture, time }) {
    Object.assign(this, { video, bar, preview, picture, time });
    this.cues = [];
    this.dragging = false;
    this.generation = 0;
    bar.addEventListener("input", () => {
      this.dragging = true;
      this.show(Number(bar.value));
    });
    bar.addEventListener("change", () => {
      this.dragging = false;
      this.video.currentTime = Number(bar.value);
      this.hide();
    });
    bar.addEventListener("pointermove", (event) => {
      if (!this.dragging) this.show(this.timeAt(event.clientX));
    });
    bar.addEventListener("pointerleave", () => { if (!this.dragging) this.hide(); });
    video.addEventListener("timeupdate", () => { if (!this.dragging) bar.value = video.currentTime; });
    video.addEventListener("durationchange", () => this.setDuration(video.duration));
  }

  setDuration(duration) {
    if (Number.isFinite(duration) && duration > 0) this.bar.max = duration;
  }

  // Load the thumbnails track of `item` (none: the bar seeks without previews).
  async load(item) {
    this.generation += 1;
    const mine = this.generation;
    this.cues = [];
    this.bar.value = 0;
    this.setDuration(item.duration);
    this.hide();
    if (!item.thumbnails_url) return;
    const url = new URL(item.thumbnails_url, location.href);
    const response = await fetch(url).catch(() => null);
    if (!response?.ok || mine !== this.generation) return;
    this.cues = parseThumbnails(await response.text(), url);
  }

  timeAt(clientX) {
    const box = this.bar.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
    return fraction * Number(this.bar.max);
  }

  show(time) {
    this.time.textContent = clock(time);
    const cue = this.cues.find((c) => c.start <= time && time < c.end) ?? this.cues.at(-1);
    this.picture.hidden = !cue;
    if (cue) {
      if (this.picture.getAttribute("src") !== cue.url) this.picture.src = cue.url;
      this.picture.parentElement.style.width = `${cue.w}px`;
      this.picture.parentElement.style.height = `${cue.h}px`;
      this.picture.style.transform = `translate(${-cue.x}px, ${-cue.y}px)`;
    }
    this.picture.parentElement.hidden = !cue;
    const box = this.bar.getBoundingClientRect();
    const fraction = Number(this.bar.max) ? time / Number(this.bar.max) : 0;
    const half = (cue?.w ?? 60) / 2;
    const left = Math.min(box.width - half, Math.max(half, fraction * box.width));
    this.preview.style.left = `${left}px`;
    this.preview.hidden = false;
  }

  hide() {
    this.preview.hidden = true;
  }
}
