"""The pass on her phone: a PNG with the card's front and its QR code (Pillow).

The same facts as the card's front (portrait, category, number, valid-until date,
issuer) above the QR code at a whole number of pixels per module, so a phone screen
scans as well as the printed card, and the not-an-identity-document line in her
language. Returned as bytes; nothing touches the disk.
"""

from __future__ import annotations

import io
import math
import unicodedata
from typing import Final

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from tokenservice import texts
from tokenservice.issue import linebreak, typeface
from tokenservice.issue.cardbase import (
    DARK,
    EDGE,
    GREY,
    QR_BORDER,
    CardData,
    CardError,
    Prepared,
    prepare,
)

__all__ = ["DIGITAL_SIZE", "digital_pass_png", "render"]

DIGITAL_SIZE: Final = (720, 1280)  # the phone pass, px


def _fit(
    draw: ImageDraw.ImageDraw, text: str, width: int, start: int, bold: bool
) -> ImageFont.FreeTypeFont:
    size = start
    while size > 12:
        font = typeface.pil_font(bold, size)
        if draw.textlength(text, font=font) <= width:
            return font
        size -= 2
    return typeface.pil_font(bold, size)


def _breakable(prev: str, nxt: str) -> bool:
    """May a line break between ``prev`` and ``nxt`` inside a word (Chinese, long Thai)?

    Not before a combining mark or a Thai following vowel or tone mark, and not after a
    Thai leading vowel (เ แ โ ใ ไ), which belongs to the consonant after it.
    """
    if unicodedata.category(nxt) in ("Mn", "Mc") or "\u0e30" <= nxt <= "\u0e3a":
        return False
    if nxt == "\u0e45" or "\u0e47" <= nxt <= "\u0e4e":
        return False
    return not "\u0e40" <= prev <= "\u0e44"


def _words(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[tuple[str, str]]:
    """The pieces a line may break between, each with what joins it to the one before
    (``" "``, or ``""`` inside a Thai phrase or Chinese: :mod:`tokenservice.issue.linebreak`);
    a piece still wider than ``width`` is cut between characters."""
    out: list[tuple[str, str]] = []
    for n, spaced in enumerate(linebreak.breakable(text).split()):
        for m, word in enumerate(spaced.split(linebreak.ZWSP)):
            glue = " " if n and not m else ""
            piece = ""
            for i, ch in enumerate(word):
                if (piece and _breakable(word[i - 1], ch)
                        and draw.textlength(piece + ch, font=font) > width):
                    out.append((piece, glue))
                    piece, glue = "", ""
                piece += ch
            out.append((piece, glue))
    return out


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    line = ""
    for word, glue in _words(draw, text, font, width):
        trial = f"{line}{glue}{word}" if line else word
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def render(p: Prepared) -> bytes:
    """The phone pass of a prepared card (:func:`tokenservice.issue.card.render` makes all at once)."""
    d = p.data
    W, H = DIGITAL_SIZE
    img = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    m = 36
    # Band with the issuer; outlined when white.
    band_h = 120
    draw.rectangle((0, 0, W - 1, band_h), fill=p.band.rgb)
    if p.band.is_light:
        draw.line((0, band_h, W - 1, band_h), fill=EDGE, width=3)
    text_right = W - m
    if d.logo_png:
        try:
            with Image.open(io.BytesIO(d.logo_png), formats=("PNG",)) as logo:
                logo.load()
                lg = logo.convert("RGBA")
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise CardError("logo_png", "logo is not a usable PNG") from exc
        lg.thumbnail((240, band_h - 36))
        img.paste(lg, (W - m - lg.width, (band_h - lg.height) // 2), lg)
        text_right = W - m - lg.width - 20
    font = _fit(draw, d.issuer_name, text_right - m, 44, True)
    draw.text((m, band_h // 2), d.issuer_name, font=font, fill=p.band.text_rgb, anchor="lm")

    # Portrait and the front's facts.
    with Image.open(io.BytesIO(d.portrait_jpeg), formats=("JPEG",)) as ph:
        portrait = ph.convert("RGB").resize((270, 360), Image.Resampling.BILINEAR)
    py = band_h + 30
    img.paste(portrait, (m, py))
    draw.rectangle((m, py, m + 269, py + 359), outline=GREY, width=2)
    rx = m + 270 + 30
    rw = W - m - rx
    font = _fit(draw, d.number, rw, 64, True)
    draw.text((rx, py + 10), d.number, font=font, fill=DARK, anchor="la")
    valid = f"{texts.FRONT_VALID_UNTIL} {texts.date_short(d.valid_until)}"
    draw.text(
        (rx, py + 110), valid, font=_fit(draw, valid, rw, 34, False), fill=DARK, anchor="la"
    )
    if d.category_label:
        cf = _fit(draw, d.category_label, rw - 40, 40, True)
        cwid = int(draw.textlength(d.category_label, font=cf)) + 40
        cy = py + 360 - 70
        draw.rounded_rectangle(
            (rx, cy, rx + cwid, cy + 70),
            radius=12,
            fill=p.band.rgb,
            outline=EDGE if p.band.is_light else None,
            width=3 if p.band.is_light else 0,
        )
        draw.text(
            (rx + cwid // 2, cy + 35), d.category_label, font=cf, fill=p.band.text_rgb, anchor="mm"
        )

    # The QR, at a whole number of pixels per module so phones read it off the screen.
    qy = py + 360 + 30
    modules = int(p.qr.symbol_size(border=QR_BORDER)[0])
    scale = max(1, (W - 2 * m) // modules)
    qr_img = Image.open(io.BytesIO(p.qr_png)).convert("L")
    qr_img = qr_img.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
    img.paste(qr_img, ((W - qr_img.width) // 2, qy))

    # The not-an-identity-document line in the worker's language.
    ty = qy + qr_img.height + 20
    tf = typeface.pil_font(False, 26, d.language)
    for line in _wrap(draw, texts.text(d.language, "back_not_id"), tf, W - 2 * m):
        draw.text((m, ty), line, font=tf, fill=DARK)
        ty += 34
    if d.demo:
        _watermark(img)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=3)
    return buf.getvalue()


def _watermark(img: Image.Image) -> None:
    W, H = img.size
    diag = int(math.hypot(W, H))
    layer = Image.new("RGBA", (diag, 200), (0, 0, 0, 0))
    ld = ImageDraw.Draw(layer)
    font = _fit(ld, texts.DEMO_WATERMARK, int(diag * 0.8), 140, True)
    ld.text((diag // 2, 100), texts.DEMO_WATERMARK, font=font, fill=(200, 0, 0, 115), anchor="mm")
    layer = layer.rotate(
        math.degrees(math.atan2(H, W)), expand=True, resample=Image.Resampling.BICUBIC
    )
    img.paste(layer, ((W - layer.width) // 2, (H - layer.height) // 2), layer)


def digital_pass_png(data: CardData) -> bytes:
    """The pass as a PNG for the worker's phone (``DIGITAL_SIZE``, QR at whole-pixel
    modules). Raises :class:`CardError`."""
    return render(prepare(data))
