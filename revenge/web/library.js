// The library: its sections (continue watching, next up, films, series, music, other
// videos), a search box over every title, and a paged list of one category.

import { api } from "./api.js";
import { element, groupCard, mediaCard, shelfCard } from "./cards.js";

export const PAGE_SIZE = 50;
const SECTION_SIZE = 24;

function list(items, render) {
  return element("ul", { className: "shelf" }, ...items.map(render));
}

function section(id, title, body, more) {
  const heading = element("h2", { className: "section-title", text: title, attrs: { id: `${id}-title` } });
  const head = element("div", { className: "section-head" }, heading);
  if (more) head.append(more);
  return element("section", { className: "section", attrs: { id, "aria-labelledby": `${id}-title` } },
    head, body);
}

function moreLink(category, total, shown) {
  if (total <= shown) return null;
  return element("a", { className: "more", text: `All ${total}`, attrs: { href: `#/browse/${category}` } });
}

function mediaSection(id, title, page, category) {
  if (!page.items.length) return null;
  return section(id, title, element("ul", { className: "media-list" }, ...page.items.map(mediaCard)),
    moreLink(category, page.total, page.items.length));
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// The home page's sections, into `container`.
export async function showHome(container) {
  const [watching, next, films, series, albums, videos] = await Promise.all([
    api.get("/api/v1/library/continue"),
    api.get("/api/v1/library/next"),
    api.get(`/api/v1/media?category=film&limit=${SECTION_SIZE}`),
    api.get("/api/v1/library/series"),
    api.get("/api/v1/library/albums"),
    api.get(`/api/v1/media?category=video&limit=${SECTION_SIZE}`),
  ]);
  const sections = [
    watching.items.length && section("continue-watching", "Continue watching",
      list(watching.items, (item) => shelfCard(item, { label: "Continue" }))),
    next.items.length && section("next-up", "Next up",
      list(next.items, (item) => shelfCard(item, { label: "Next" }))),
    mediaSection("films", "Films", films, "film"),
    series.items.length && section("series", "Series", list(series.items, (s) => groupCard({
      id: s.id, title: s.title, kind: "series", art: s.poster_url, href: `#/series/${s.id}`,
      line: [s.year, plural(s.season_count || 1, "season"), plural(s.episode_count, "episode")]
        .filter(Boolean).join(" · "),
    }))),
    albums.items.length && section("music", "Music", list(albums.items, (a) => groupCard({
      id: a.id, title: a.title ?? "Unknown album", kind: "album", art: a.cover_url,
      href: `#/album/${a.id}`, line: [a.artist, plural(a.track_count, "track")].filter(Boolean).join(" · "),
    }))),
    mediaSection("videos", "Other videos", videos, "video"),
  ].filter(Boolean);
  if (!sections.length) sections.push(element("p", { className: "empty", text: "The library is empty." }));
  container.replaceChildren(...sections);
}

// Items whose titles hold every word of `query`, into `container`.
export async function showSearch(container, query) {
  const page = await api.get(`/api/v1/media?q=${encodeURIComponent(query)}&limit=${PAGE_SIZE}`);
  const body = page.items.length
    ? element("ul", { className: "media-list" }, ...page.items.map(mediaCard))
    : element("p", { className: "empty", text: `Nothing called “${query}”.` });
  container.replaceChildren(section("results", `Search: ${plural(page.total, "result")}`, body));
}

// One page of a category (every item when `category` is empty) into `list`.
export async function showLibrary(list, offset, category = "") {
  const filter = category ? `&category=${encodeURIComponent(category)}` : "";
  const page = await api.get(`/api/v1/media?offset=${offset}&limit=${PAGE_SIZE}${filter}`);
  list.replaceChildren(...page.items.map(mediaCard));
  if (!page.items.length) {
    list.append(element("li", { className: "empty", text: "The library is empty." }));
  }
  return page;
}
