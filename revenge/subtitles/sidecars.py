"""Subtitle files beside a video, and what their names say.

``Film.fr.forced.srt`` beside ``Film.mkv`` is a French forced track. The words between the
video's name and the extension are read one by one, in any order and any case: a language
(``en``, ``eng``, ``pt-BR``, ``English``, ``Deutsch``), a flag (``forced``, ``sdh``, ``cc``,
``default``), or else part of the track's title (``Film.Commentary.en.srt``). ``hi`` is Hindi,
unless another word names the language: then it means hearing impaired (``Film.en.hi.srt``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import attrs

from revenge.library.language_names import NAMES
from revenge.library.languages import bcp47

SIDECAR_EXTENSIONS = (".srt", ".vtt", ".ass", ".ssa")
# What each kind of file holds, as ffmpeg names the codec (an .ssa file decodes as ass).
CODECS = {".srt": "subrip", ".vtt": "webvtt", ".ass": "ass", ".ssa": "ass"}

_FORCED = {"forced", "foreign"}
_HEARING_IMPAIRED = {"sdh", "cc", "hoh", "hearing-impaired", "hearingimpaired"}
_DEFAULT = {"default"}
# Languages as people name them in their own tongue (English names come from ``NAMES``).
_NATIVE_NAMES = """
français=fr francais=fr deutsch=de español=es espanol=es castellano=es italiano=it
português=pt portugues=pt brazilian=pt-BR nederlands=nl svenska=sv norsk=no dansk=da
suomi=fi polski=pl čeština=cs magyar=hu türkçe=tr русский=ru ελληνικά=el 日本語=ja 中文=zh
한국어=ko română=ro hrvatski=hr srpski=sr українська=uk
"""
_NATIVE = dict(pair.split("=") for pair in _NATIVE_NAMES.split())
_BY_NAME: dict[str, str] = {
    str(name).casefold(): str(code) for code, name in NAMES.items()} | _NATIVE


@attrs.frozen(kw_only=True)
class SidecarName:
    """What a sidecar's file name says about the track in it."""

    codec: str
    language: str | None = None  # BCP 47
    title: str | None = None
    default: bool = False
    forced: bool = False
    hearing_impaired: bool = False


def is_sidecar_name(name: str) -> bool:
    """Whether a file name has a subtitle file's extension."""
    return os.path.splitext(name)[1].lower() in SIDECAR_EXTENSIONS


def language_of(word: str) -> str | None:
    """``word`` as a BCP 47 tag if it names a known language (``ger``, ``pt_BR``,
    ``English``), else None."""
    named = _BY_NAME.get(word.casefold())
    if named is not None:
        return named
    tag = bcp47(word)
    if tag is None or tag.split("-")[0] not in NAMES:
        return None
    return tag


def parse_sidecar_name(video: str, sidecar: str) -> SidecarName:
    """Read the sidecar ``sidecar`` of ``video`` (file names or paths)."""
    stem = os.path.splitext(os.path.basename(video))[0]
    base, extension = os.path.splitext(os.path.basename(sidecar))
    words = [w for w in base[len(stem):].split(".") if w.strip()]
    folded = {w.casefold() for w in words}
    language = next((found for w in words if (found := _language_word(w)) is not None), None)
    hearing_impaired = bool(_HEARING_IMPAIRED & folded)
    if "hi" in folded:
        if language is None:
            language = "hi"
        else:
            hearing_impaired = True
    title = [w for w in words if w.casefold() not in _FORCED | _HEARING_IMPAIRED | _DEFAULT
             and w.casefold() != "hi" and _language_word(w) is None]
    return SidecarName(
        codec=CODECS.get(extension.lower(), "subrip"), language=language,
        title=" ".join(title) or None, default=bool(_DEFAULT & folded),
        forced=bool(_FORCED & folded), hearing_impaired=hearing_impaired)


def _language_word(word: str) -> str | None:
    """A word naming a language; not a flag, nor the ambiguous ``hi`` (the whole name
    decides that one)."""
    folded = word.casefold()
    if folded == "hi" or folded in _FORCED | _HEARING_IMPAIRED | _DEFAULT:
        return None
    return language_of(word)


def match_sidecars(media: Sequence[str], files: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The sidecars of each of ``media`` among ``files`` (names in one directory).

    A subtitle file belongs to the media whose name without extension, followed by a dot,
    begins its name (case aside); where several do (``Film.mkv`` and ``Film.2.mkv`` for
    ``Film.2.en.srt``), to the longest, and to each media of that name (``Film.mkv`` and
    ``Film.mp4`` share ``Film.en.srt``). Sidecars come sorted by name.
    """
    stems: dict[str, list[str]] = {}
    for name in media:
        stems.setdefault(os.path.splitext(name)[0].casefold() + ".", []).append(name)
    found: dict[str, list[str]] = {name: [] for name in media}
    for name in sorted(f for f in files if is_sidecar_name(f)):
        folded = name.casefold()
        owners = [s for s in stems if folded.startswith(s)]
        if owners:
            for owner in stems[max(owners, key=len)]:
                found[owner].append(name)
    return {name: tuple(sidecars) for name, sidecars in found.items() if sidecars}

