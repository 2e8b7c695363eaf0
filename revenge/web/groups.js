// A series page (its seasons and their episodes, in order) and an album page (its tracks).

import { api, clock } from "./api.js";
import { element, mediaCard, picture } from "./cards.js";

function header(title, art, line) {
  const head = element("div", { className: "group-head" });
  if (art) head.append(picture(art, "poster"));
  head.append(element("div", {}, element("h1", { text: title, attrs: { tabindex: "-1" } }),
    element("p", { className: "byline", text: line })));
  return head;
}

export async function showSeries(container, id) {
  const series = await api.get(`/api/v1/library/series/${encodeURIComponent(id)}`);
  const seasons = series.seasons.map((season) => element("section",
    { className: "season", attrs: { "aria-label": season.title } },
    element("h2", { text: season.title }),
    element("ol", { className: "media-list episodes" }, ...season.episodes.map(mediaCard))));
  const line = [series.year, `${series.episode_count} episodes`].filter(Boolean).join(" · ");
  container.replaceChildren(header(series.title, series.poster_url, line), ...seasons);
  return series.title;
}

export async function showAlbum(container, id) {
  const album = await api.get(`/api/v1/library/albums/${encodeURIComponent(id)}`);
  const title = album.title ?? "Unknown album";
  const line = [album.artist, album.year, clock(album.duration)].filter(Boolean).join(" · ");
  container.replaceChildren(header(title, album.cover_url, line),
    element("ol", { className: "media-list tracks" }, ...album.tracks.map(mediaCard)));
  return title;
}
