// Audio and subtitle menus over hls.js's tracks. Switching audio or subtitles stays in the
// stream (the video encode goes on); a picture subtitle is drawn in by the server, which
// takes a session of its own ("burn in"). Each choice is remembered as the user's preferred
// language (and "Off" as off), so the next film starts in it.

import { api } from "./api.js";

const OFF = "off";

export class TrackMenus {
  constructor({ audio, subtitles }, { onBurn }) {
    Object.assign(this, { audio, subtitles, onBurn });
    this.hls = null;
    this.item = null;
    audio.addEventListener("change", () => this.chooseAudio(Number(audio.value)));
    subtitles.addEventListener("change", () => this.chooseSubtitles(subtitles.value));
  }

  // A new stream: menus follow its tracks as hls.js learns them. Called after loadSource:
  // hls.js forgets a subtitle choice when it starts loading a manifest.
  attach(hls, item, session) {
    Object.assign(this, { hls, item, session });
    const { Events } = window.Hls;
    hls.on(Events.AUDIO_TRACKS_UPDATED, () => this.fillAudio());
    hls.on(Events.AUDIO_TRACK_SWITCHING, () => this.fillAudio());
    hls.on(Events.AUDIO_TRACK_SWITCHED, () => this.fillAudio());
    hls.on(Events.SUBTITLE_TRACKS_UPDATED, () => this.fillSubtitles());
    hls.on(Events.SUBTITLE_TRACK_SWITCH, () => this.fillSubtitles());
    // Subtitles chosen while leaving a burned-in stream hold in this one, not its default.
    const wanted = this.wanted?.mediaId === item.id ? this.wanted : null;
    this.wanted = null;
    if (wanted?.track) hls.setSubtitleOption(wanted.track);
    else if (wanted) hls.subtitleTrack = -1;
    this.fillSubtitles();
  }

  detach() {
    this.hls = null;
    this.audio.replaceChildren();
    this.subtitles.replaceChildren();
    this.audio.disabled = this.subtitles.disabled = true;
  }

  fillAudio() {
    const { hls, audio } = this;
    if (!hls) return;
    audio.replaceChildren(...hls.audioTracks.map((track, index) =>
      new Option(track.name || track.lang || `Track ${index + 1}`, String(index),
                 false, index === hls.audioTrack)));
    audio.disabled = hls.audioTracks.length < 2;
  }

  fillSubtitles() {
    const { hls, subtitles, item, session } = this;
    if (!hls) return;
    const options = [new Option("Off", OFF, false, hls.subtitleTrack < 0)];
    hls.subtitleTracks.forEach((track, index) => options.push(
      new Option(track.name || track.lang, `text:${index}`, false, index === hls.subtitleTrack)));
    // Picture subtitles (PGS, VobSub, DVB) can only be drawn into the video by the server.
    for (const track of item?.subtitle_tracks ?? []) {
      if (track.text) continue;
      const burned = session?.burned_subtitle === track.track;
      options.push(new Option(`${track.label} (burned in)`, `burn:${track.track}`, false, burned));
      if (burned) options[0].selected = false;
    }
    subtitles.replaceChildren(...options);
    subtitles.disabled = options.length < 2;
  }

  chooseAudio(index) {
    const track = this.hls?.audioTracks[index];
    if (!track) return;
    this.hls.audioTrack = index;
    if (track.lang) api.preferences({ audio_language: track.lang }).catch(() => {});
  }

  chooseSubtitles(value) {
    const { hls } = this;
    if (!hls) return;
    const [kind, number] = value.split(":");
    if (kind === "burn") {
      this.onBurn(Number(number));
      return;
    }
    const index = kind === "text" ? Number(number) : -1;
    const track = index >= 0 ? hls.subtitleTracks[index] : null;
    if (this.session?.burned_subtitle != null) {
      // Back to a stream without the picture subtitle drawn in, showing this choice.
      this.wanted = { mediaId: this.item.id, track: track && { name: track.name, lang: track.lang } };
      this.onBurn(null);
    } else {
      hls.subtitleTrack = index;
      hls.subtitleDisplay = index >= 0;
    }
    api.preferences(subtitleChoice(track)).catch(() => {});
  }
}

// What a subtitle choice says for the next film: off; forced captions only; or this
// language, shown even when it is the one spoken.
function subtitleChoice(track) {
  if (!track) return { subtitle_mode: "off" };
  if (track.forced) return { subtitle_mode: "forced" };
  return { subtitle_language: track.lang ?? null, subtitle_mode: "always" };
}
