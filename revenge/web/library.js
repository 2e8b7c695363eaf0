// The library page: one card per media item with its probe details and resume position.

import { api, clock, rate } from "./api.js";

export const PAGE_SIZE = 50;

function element(tag, { className, text, attrs } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function size(bytes) {
  if (bytes == null) return null;
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

function describeStream(stream) {
  const parts = [stream.kind, stream.codec];
  if (stream.width && stream.height) parts.push(`${stream.width}×${stream.height}`);
  if (stream.channels) parts.push(`${stream.channels} ch`);
  if (stream.language) parts.push(stream.language);
  if (stream.bitrate) parts.push(rate(stream.bitrate));
  return parts.filter(Boolean).join(" · ");
}

// "Artist — Album" of a song, from its tags.
export function byLine(item) {
  const tags = item.tags ?? {};
  return [tags.artist ?? tags.album_artist, tags.album].filter(Boolean).join(" — ");
}

function playLink(item, label, start) {
  const link = element("a", {
    className: "button", text: label,
    attrs: { href: `#/play/${encodeURIComponent(item.id)}?t=${start}` },
  });
  link.setAttribute("aria-label", `${label}: ${item.title}`);
  return link;
}

function card(item) {
  const facts = element("dl", { className: "facts" });
  const fact = (name, value) => {
    if (value != null && value !== "") facts.append(element("dt", { text: name }), element("dd", { text: value }));
  };
  fact("Duration", item.duration != null ? clock(item.duration) : null);
  fact("Resume at", item.resume_position ? clock(item.resume_position) : null);
  fact("Container", item.container?.replaceAll(",", ", "));
  fact("Bitrate", item.bitrate ? rate(item.bitrate) : null);
  fact("Size", size(item.size));
  fact("File", item.file);

  const streams = element("ul", { className: "streams", attrs: { "aria-label": "Streams" } },
    ...item.streams.map((s) => element("li", { text: describeStream(s) })));

  const actions = element("div", { className: "actions" });
  if (!item.playable) {
    actions.append(element("p", { className: "error", text: `Cannot play: ${item.probe_error}` }));
  } else if (item.resume_position) {
    actions.append(playLink(item, `Resume from ${clock(item.resume_position)}`, item.resume_position),
                   playLink(item, "Start over", 0));
  } else {
    actions.append(playLink(item, "Play", 0));
  }

  const head = [];
  if (item.cover_url) {
    const cover = element("img", {
      className: "cover", attrs: { src: item.cover_url, alt: "", loading: "lazy" },
    });
    cover.addEventListener("error", () => cover.remove(), { once: true });
    head.push(cover);
  }
  head.push(element("h2", { text: item.title }));
  const byline = byLine(item);
  if (byline) head.push(element("p", { className: "byline", text: byline }));
  return element("li", { className: `card ${item.kind}`, attrs: { "data-media-id": item.id } },
    ...head, facts, streams, actions);
}

// Render one page of the library into `list`; returns the page's counts.
export async function showLibrary(list, offset) {
  const page = await api.media(offset, PAGE_SIZE);
  list.replaceChildren(...page.items.map(card));
  if (!page.items.length) {
    list.append(element("li", { className: "empty", text: "The library is empty." }));
  }
  return page;
}
