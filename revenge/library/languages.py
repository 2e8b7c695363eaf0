"""Language tags as BCP 47 wants them: ISO 639-1 where one exists, else ISO 639-2/T.

Containers carry ISO 639-2 codes, bibliographic (``fre``, ``ger``) or terminological
(``fra``, ``deu``), or already BCP 47 (Matroska's ``LanguageBCP47``, ``pt-BR``); players
and HLS ``LANGUAGE`` attributes want the shortest form (``fr``, ``de``).
"""

from __future__ import annotations

import re

# Every ISO 639-1 code with its ISO 639-2/T code and, where it differs, the /B one.
_ISO_639 = """
aa aar  ab abk  ae ave  af afr  ak aka  am amh  an arg  ar ara  as asm  av ava
ay aym  az aze  ba bak  be bel  bg bul  bh bih  bi bis  bm bam  bn ben  bo bod/tib
br bre  bs bos  ca cat  ce che  ch cha  co cos  cr cre  cs ces/cze  cu chu  cv chv
cy cym/wel  da dan  de deu/ger  dv div  dz dzo  ee ewe  el ell/gre  en eng  eo epo
es spa  et est  eu eus/baq  fa fas/per  ff ful  fi fin  fj fij  fo fao  fr fra/fre
fy fry  ga gle  gd gla  gl glg  gn grn  gu guj  gv glv  ha hau  he heb  hi hin
ho hmo  hr hrv  ht hat  hu hun  hy hye/arm  hz her  ia ina  id ind  ie ile  ig ibo
ii iii  ik ipk  io ido  is isl/ice  it ita  iu iku  ja jpn  jv jav  ka kat/geo
kg kon  ki kik  kj kua  kk kaz  kl kal  km khm  kn kan  ko kor  kr kau  ks kas
ku kur  kv kom  kw cor  ky kir  la lat  lb ltz  lg lug  li lim  ln lin  lo lao
lt lit  lu lub  lv lav  mg mlg  mh mah  mi mri/mao  mk mkd/mac  ml mal  mn mon
mr mar  ms msa/may  mt mlt  my mya/bur  na nau  nb nob  nd nde  ne nep  ng ndo
nl nld/dut  nn nno  no nor  nr nbl  nv nav  ny nya  oc oci  oj oji  om orm  or ori
os oss  pa pan  pi pli  pl pol  ps pus  pt por  qu que  rm roh  rn run  ro ron/rum
ru rus  rw kin  sa san  sc srd  sd snd  se sme  sg sag  si sin  sk slk/slo  sl slv
sm smo  sn sna  so som  sq sqi/alb  sr srp  ss ssw  st sot  su sun  sv swe  sw swa
ta tam  te tel  tg tgk  th tha  ti tir  tk tuk  tl tgl  tn tsn  to ton  tr tur
ts tso  tt tat  tw twi  ty tah  ug uig  uk ukr  ur urd  uz uzb  ve ven  vi vie
vo vol  wa wln  wo wol  xh xho  yi yid  yo yor  za zha  zh zho/chi  zu zul
"""
# Withdrawn codes still met in old files, and their replacements.
_WITHDRAWN = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "mol": "ro",
              "scc": "sr", "scr": "hr"}
# "Undetermined" in its spellings; an empty tag means the same.
_UNDETERMINED = {"und", "unk", "xx", "xxx", "none", "n/a"}


def _table() -> dict[str, str]:
    table = {}
    for entry in re.findall(r"([a-z]{2}) ([a-z/]+)", _ISO_639):
        short, three = entry
        for code in three.split("/"):
            table[code] = short
        table[short] = short
    table.update(_WITHDRAWN)
    return table


_TO_SHORTEST = _table()
_PRIMARY = re.compile(r"^[a-z]{2,3}$")


def bcp47(tag: str | None) -> str | None:
    """``tag`` as a BCP 47 language tag (``fre`` -> ``fr``, ``pt_br`` -> ``pt-BR``).

    None for an undetermined, empty or malformed tag; a three-letter code without a
    two-letter equivalent (``haw``, ``yue``) stays as it is.
    """
    if not tag:
        return None
    parts = [p for p in re.split(r"[-_]", tag.strip().lower()) if p]
    if not parts or parts[0] in _UNDETERMINED or not _PRIMARY.match(parts[0]):
        return None
    out = [_TO_SHORTEST.get(parts[0], parts[0])]
    for part in parts[1:]:
        if not re.fullmatch(r"[a-z0-9]{1,8}", part):
            break
        if len(part) == 4 and part.isalpha():
            out.append(part.title())  # script: Latn, Hant
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())  # region: BR, 419
        else:
            out.append(part)
    return "-".join(out)
