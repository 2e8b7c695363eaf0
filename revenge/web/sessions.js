// The admins' "Now playing" page: every open session, refreshed, each with a Stop button.

import { api, clock, rate } from "./api.js";

const REFRESH_MS = 5_000;

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text ?? "–";
  return td;
}

function row(session, onStop) {
  const tr = document.createElement("tr");
  tr.dataset.sessionId = session.session_id;
  const stop = document.createElement("button");
  stop.type = "button";
  stop.className = "quiet";
  stop.textContent = "Stop";
  stop.setAttribute("aria-label", `Stop ${session.user}'s ${session.title ?? "session"}`);
  stop.addEventListener("click", () => onStop(session.session_id));
  const action = document.createElement("td");
  action.append(stop);
  tr.append(cell(session.user), cell(session.title ?? session.media_id), cell(session.state),
            cell(clock(session.position)), cell(session.current_profile ?? session.mode),
            cell(session.bandwidth ? rate(session.bandwidth) : null),
            cell(session.stats?.last_served_from), cell(session.client_address), action);
  return tr;
}

export class SessionsPage {
  constructor({ rows, empty }, say) {
    Object.assign(this, { rows, empty, say });
    this.timer = null;
  }

  async show() {
    this.hide();
    await this.refresh();
    this.timer = setInterval(() => this.refresh().catch(() => {}), REFRESH_MS);
  }

  hide() {
    clearInterval(this.timer);
    this.timer = null;
  }

  async refresh() {
    const { items } = await api.sessions();
    this.rows.replaceChildren(...items.map((s) => row(s, (id) => this.stop(id))));
    this.empty.hidden = items.length > 0;
  }

  async stop(id) {
    await api.stop(id).catch((error) => this.say(`Could not stop it: ${error.message}`));
    await this.refresh();
  }
}
