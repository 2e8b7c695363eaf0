// Cards of the library: a media item (its poster or cover, title, facts, play links), a
// series and an album (a picture and a link to their page).

import { clock, rate } from "./api.js";

export function element(tag, { className, text, attrs } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// A picture that goes away if it cannot load (the card keeps its title).
export function picture(src, className) {
  const image = element("img", { className, attrs: { src, alt: "", loading: "lazy" } });
  image.addEventListener("error", () => image.remove(), { once: true });
  return image;
}

function describeStream(stream) {
  const parts = [stream.kind, stream.codec];
  if (stream.width && stream.height) parts.push(`${stream.width}×${stream.height}`);
  if (stream.channels) parts.push(`${stream.channels} ch`);
  if (stream.language) parts.push(stream.language);
  if (stream.bitrate) parts.push(rate(stream.bitrate));
  return parts.filter(Boolean).join(" · ");
}

// "Artist — Album" of a song, from what the library made of it.
export function byLine(item) {
  const library = item.library ?? {};
  const tags = item.tags ?? {};
  return [library.artist ?? tags.artist, library.album ?? tags.album].filter(Boolean).join(" — ");
}

// "S01E02", "1999", "Artist — Album": the line under a title.
function subtitle(item) {
  const library = item.library ?? {};
  if (library.category === "episode") {
    const code = `S${String(library.season).padStart(2, "0")}E${String(library.episode).padStart(2, "0")}`;
    return `${library.series} · ${code}`;
  }
  if (library.category === "music") return byLine(item);
  return library.year ? String(library.year) : "";
}

function playLink(item, label, start) {
  const link = element("a", {
    className: "button", text: label,
    attrs: { href: `#/play/${encodeURIComponent(item.id)}?t=${start}` },
  });
  link.setAttribute("aria-label", `${label}: ${item.title}`);
  return link;
}

function facts(item) {
  const list = element("dl", { className: "facts" });
  const fact = (name, value) => {
    if (value != null && value !== "") list.append(element("dt", { text: name }), element("dd", { text: value }));
  };
  const details = item.details ?? {};
  fact("Duration", item.duration != null ? clock(item.duration) : null);
  fact("Resume at", item.resume_position ? clock(item.resume_position) : null);
  fact("Format", [details.container, details.video, details.resolution].filter(Boolean).join(" · "));
  fact("Sound", details.audio);
  fact("Size", details.size);
  fact("File", item.file);
  return list;
}

function actions(item) {
  const box = element("div", { className: "actions" });
  if (!item.playable) {
    box.append(element("p", { className: "error", text: `Cannot play: ${item.probe_error}` }));
  } else if (item.resume_position) {
    box.append(playLink(item, `Resume from ${clock(item.resume_position)}`, item.resume_position),
               playLink(item, "Start over", 0));
  } else {
    box.append(playLink(item, "Play", 0));
  }
  return box;
}

// The full card of a media item (`data-media-id`: one per item on a page).
export function mediaCard(item) {
  const head = [];
  const art = item.poster_url ?? item.cover_url;
  if (art) head.push(picture(art, item.poster_url ? "poster" : "cover"));
  head.push(element("h2", { text: item.title }));
  const line = subtitle(item);
  if (line) head.push(element("p", { className: "byline", text: line }));
  const streams = element("ul", { className: "streams", attrs: { "aria-label": "Streams" } },
    ...item.streams.map((s) => element("li", { text: describeStream(s) })));
  return element("li", { className: `card ${item.kind}`, attrs: { "data-media-id": item.id } },
    ...head, facts(item), streams, actions(item));
}

// A small card on a shelf (continue watching, next up): picture, title, how far.
export function shelfCard(item, { label }) {
  const start = item.resume_position ?? 0;
  const link = element("a", {
    className: "tile", attrs: { href: `#/play/${encodeURIComponent(item.id)}?t=${start}`,
                                "aria-label": `${label}: ${item.title}` },
  });
  const art = item.poster_url ?? item.cover_url;
  if (art) link.append(picture(art, "poster"));
  link.append(element("strong", { text: item.title }));
  const line = subtitle(item);
  if (line) link.append(element("span", { text: line }));
  if (item.resume_position && item.duration) {
    const bar = element("progress", { attrs: { max: item.duration, value: item.resume_position } });
    link.append(bar);
  }
  return element("li", { className: "shelf-item", attrs: { "data-shelf-id": item.id } }, link);
}

// A series or an album: its picture and a link to its page.
export function groupCard({ id, title, line, art, href, kind }) {
  const link = element("a", { className: "tile", attrs: { href } });
  if (art) link.append(picture(art, kind === "album" ? "cover" : "poster"));
  link.append(element("strong", { text: title }), element("span", { text: line }));
  return element("li", { className: `shelf-item ${kind}`, attrs: { [`data-${kind}-id`]: id } }, link);
}
