"""Tax receipts drawn straight to PDF.

An HTML page laid out by weasyprint costs about 0.1 s per receipt: a year
of 20,000 receipts took the better part of an hour. The CERFA is a fixed
form, so it is drawn here with a few text, line and box operators (a few
milliseconds a page) in DejaVu Sans, embedded once per file as a subset
with a ToUnicode map: the text can be searched, copied and extracted
(pdftotext). Values come as plain dicts (see
``receipt_report.Receipt.pdf_values``) so that thousands of receipts are read
from the database in bulk first.
"""
import io
import os
import unicodedata
import zlib
from functools import lru_cache

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89   # A4 in points
LEFT, RIGHT = 42.5, PAGE_WIDTH - 42.5
TOP, BOTTOM = PAGE_HEIGHT - 34, 40
WIDTH = RIGHT - LEFT
PADDING = 6

FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu',
    '/usr/local/share/fonts', '/usr/share/fonts/TTF']
FONT_FILES = {'R': 'DejaVuSans.ttf', 'B': 'DejaVuSans-Bold.ttf'}
# Characters always in the embedded subset: French text, amounts, boxes.
BASE_CHARS = frozenset(
    [chr(c) for c in range(0x20, 0x7f)]
    + [chr(c) for c in range(0xa0, 0x180)]
    + list("€‰’‘“”«»–—…•☒☐\u202f\u2009ŒœŸ№"))


def _font_path(filename):
    for directory in FONT_DIRS + [
            os.environ.get('CONNEXION_FONT_DIR', '')]:
        path = os.path.join(directory, filename)
        if directory and os.path.exists(path):
            return path
    raise FileNotFoundError(filename)


@lru_cache(maxsize=None)
def _full_cmap(style):
    from fontTools.ttLib import TTFont
    return frozenset(map(chr, TTFont(_font_path(FONT_FILES[style]),
                lazy=True).getBestCmap()))


@lru_cache(maxsize=32)
def _font(style, chars):
    return Font(_font_path(FONT_FILES[style]), chars)


class Font:
    "A subset of a TrueType font, addressed by glyph id (Identity-H)."

    def __init__(self, path, chars):
        from fontTools import subset
        from fontTools.ttLib import TTFont
        font = TTFont(path)
        options = subset.Options()
        options.hinting = False
        options.layout_features = []
        options.name_IDs = [1, 2, 6]
        options.drop_tables += ['FFTM', 'GSUB', 'GPOS', 'GDEF', 'kern']
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in chars])
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
        self.data = buffer.getvalue()
        cmap = font.getBestCmap()
        scale = 1000 / font['head'].unitsPerEm
        hmtx = font['hmtx']
        self.gids = {chr(u): font.getGlyphID(n) for u, n in cmap.items()}
        self.widths = {chr(u): hmtx[n][0] * scale for u, n in cmap.items()}
        self.glyph_widths = {font.getGlyphID(n): round(hmtx[n][0] * scale)
            for n in font.getGlyphOrder()}
        self.name = font['name'].getDebugName(6).replace(' ', '')
        head, hhea = font['head'], font['hhea']
        self.bbox = [round(v * scale) for v in (
                head.xMin, head.yMin, head.xMax, head.yMax)]
        self.ascent = round(hhea.ascent * scale)
        self.descent = round(hhea.descent * scale)
        self.hex = {c: f'{g:04X}' for c, g in self.gids.items()}

        self._encoded = {}
        self._measured = {}

    def encode(self, text):
        "Hex string of the glyphs (the labels repeat: memoised)."
        try:
            return self._encoded[text]
        except KeyError:
            pass
        hex_ = self.hex
        result = '<' + ''.join(hex_.get(c, '0000') for c in text) + '>'
        if len(self._encoded) < 20000:
            self._encoded[text] = result
        return result

    def measure(self, text, size):
        "Width in points (per 1 pt size memoised: words and labels repeat)."
        try:
            return self._measured[text] * size
        except KeyError:
            pass
        widths = self.widths
        width = sum(widths.get(c, 600) for c in text) / 1000
        if len(self._measured) < 50000:
            self._measured[text] = width
        return width * size

    def to_unicode(self):
        lines = ['/CIDInit /ProcSet findresource begin', '12 dict begin',
            'begincmap', '/CIDSystemInfo << /Registry (Adobe) /Ordering '
            '(UCS) /Supplement 0 >> def', '/CMapName /Adobe-Identity-UCS def',
            '/CMapType 2 def', '1 begincodespacerange', '<0000> <FFFF>',
            'endcodespacerange']
        items = sorted((g, c) for c, g in self.gids.items())
        for i in range(0, len(items), 100):
            chunk = items[i:i + 100]
            lines.append(f'{len(chunk)} beginbfchar')
            for gid, char in chunk:
                code = char.encode('utf-16-be').hex().upper()
                lines.append(f'<{gid:04X}> <{code}>')
            lines.append('endbfchar')
        lines += ['endcmap', 'CMapName currentdict /CMap defineresource pop',
            'end', 'end']
        return '\n'.join(lines).encode()


def printable(text, chars):
    """The text with the characters the font lacks replaced by their
    unaccented form (or '?'), rather than silently dropped."""
    if all(c in chars for c in text):
        return text
    result = []
    for c in text:
        if c in chars:
            result.append(c)
            continue
        base = ''.join(b for b in unicodedata.normalize('NFKD', c)
            if b in chars and not unicodedata.combining(b))
        result.append(base or '?')
    return ''.join(result)


class Canvas:
    "Pages of text, lines and boxes, top-down (y decreases)."

    def __init__(self, fonts):
        self.fonts = fonts
        self.pages = []
        self.ops = None
        self.y = TOP
        self.box_top = None
        self._wrapped = {}

    def new_page(self):
        if self.box_top is not None:
            self.close_box()
            reopen = True
        else:
            reopen = False
        self.ops = []
        self.pages.append(self.ops)
        self.y = TOP
        if reopen:
            self.open_box()

    def ensure(self, height):
        if self.y - height < BOTTOM:
            self.new_page()

    def text(self, x, y, text, style='R', size=8.5):
        font = self.fonts[style]
        self.ops.append(f'BT /F{style} {size} Tf {x:.2f} {y:.2f} Td '
            f'{font.encode(text)} Tj ET')

    def width(self, text, style='R', size=8.5):
        return self.fonts[style].measure(text, size)

    def wrap(self, text, width, style='R', size=8.5):
        "Lines of text that fit in width (words never cut)."
        key = (text, width, style, size)
        lines = self._wrapped.get(key)
        if lines is not None:
            return lines
        font = self.fonts[style]
        space = font.measure(' ', size)
        lines, line, used = [], [], 0
        for word in text.split(' '):
            w = font.measure(word, size)
            if line and used + space + w > width:
                lines.append(' '.join(line))
                line, used = [word], w
            else:
                used += (space if line else 0) + w
                line.append(word)
        lines.append(' '.join(line))
        if len(self._wrapped) < 5000:
            self._wrapped[key] = lines
        return lines

    def paragraph(self, text, style='R', size=8.5, x=LEFT + PADDING,
            width=WIDTH - 2 * PADDING, leading=None):
        leading = leading or size * 1.3
        for line in self.wrap(text, width, style, size):
            self.ensure(leading)
            self.y -= leading
            self.text(x, self.y + size * 0.25, line, style, size)

    def runs(self, parts, size=8.5, x=LEFT + PADDING,
            width=WIDTH - 2 * PADDING, gap=14):
        "Short pieces side by side (check boxes), going to the line."
        leading = size * 1.3
        cursor = x + width
        for part in parts:
            w = self.width(part, size=size)
            if cursor + w > x + width:
                self.ensure(leading)
                self.y -= leading
                cursor = x
            self.text(cursor, self.y + size * 0.25, part, size=size)
            cursor += w + gap

    def space(self, height):
        self.y -= height

    def rect(self, x, y, w, h, fill=None):
        if fill is not None:
            self.ops.append(f'{fill} g {x:.2f} {y:.2f} {w:.2f} {h:.2f} re f '
                '0 g')
        self.ops.append(f'0.6 w {x:.2f} {y:.2f} {w:.2f} {h:.2f} re S')

    def hline(self, x1, x2, y, gray=0.6):
        self.ops.append(f'{gray} G 0.4 w {x1:.2f} {y:.2f} m {x2:.2f} '
            f'{y:.2f} l S 0 G')

    def open_box(self):
        self.box_top = self.y

    def close_box(self):
        self.y -= 3
        self.rect(LEFT, self.y, WIDTH, self.box_top - self.y)
        self.box_top = None

    def heading(self, text):
        self.ensure(40)
        self.y -= 8
        height = 13
        self.rect(LEFT, self.y - height, WIDTH, height, fill=0.87)
        self.text(LEFT + PADDING, self.y - height + 3.5, text, 'B', 9)
        self.y -= height

    def image(self, key, x, y, width, height):
        self.ops.append(f'q {width:.2f} 0 0 {height:.2f} {x:.2f} {y:.2f} cm '
            f'/{key} Do Q')


def draw_receipt(canvas, v):
    "One receipt (v: see Receipt.pdf_values) from the top of a new page."
    canvas.new_page()
    company = v['company']
    # Header box
    top = canvas.y
    canvas.text(LEFT + PADDING, top - 11, "Cerfa", size=7.5)
    canvas.text(LEFT + PADDING, top - 20, f"N° {v['cerfa']}", size=7.5)
    label = "Numéro d'ordre du reçu"
    canvas.text(RIGHT - PADDING - canvas.width(label), top - 11, label)
    canvas.text(RIGHT - PADDING - canvas.width(v['number'], 'B'), top - 21,
        v['number'], 'B')
    title = ("Reçu des dons et versements effectués par les entreprises"
        if company else
        "Reçu au titre des dons à certains organismes d'intérêt général")
    articles = ("Article 238 bis du code général des impôts" if company
        else "Articles 200, 238 bis et 978 du code général des impôts")
    inner = WIDTH - 220
    canvas.y = top - 4
    for line in canvas.wrap(title, inner, 'B', 11):
        canvas.y -= 13
        canvas.text(PAGE_WIDTH / 2 - canvas.width(line, 'B', 11) / 2,
            canvas.y, line, 'B', 11)
    canvas.y -= 12
    canvas.text(PAGE_WIDTH / 2 - canvas.width(articles) / 2, canvas.y,
        articles)
    canvas.y = min(canvas.y - 6, top - 28)
    canvas.rect(LEFT, canvas.y, WIDTH, top - canvas.y)

    cancelled = v.get('cancelled')
    if cancelled:
        # The cancelled receipt stays readable, marked on its first lines.
        canvas.space(6)
        canvas.paragraph("ANNULÉ", 'B', 20, x=LEFT)
        canvas.paragraph(f"Reçu annulé le {cancelled['date']}. "
            f"Motif : {cancelled['reason']}", 'B', x=LEFT)
        if cancelled['replaced_by']:
            canvas.paragraph(
                f"Remplacé par le reçu n° {cancelled['replaced_by']}.",
                'B', x=LEFT)
        canvas.paragraph("Ce reçu n'ouvre droit à aucune réduction d'impôt.",
            'B', x=LEFT)
    if v.get('replaces'):
        canvas.space(4)
        canvas.paragraph(f"Ce reçu annule et remplace le reçu n° "
            f"{v['replaces']}.", 'B', x=LEFT)

    a = v['association']
    canvas.heading("Bénéficiaire des versements")
    canvas.open_box()
    canvas.paragraph(f"Nom ou dénomination : {a['name']}", 'B')
    canvas.paragraph(f"Adresse : {a['address']}")
    if a['rna']:
        canvas.paragraph(f"Numéro RNA : {a['rna']}")
    if a['siren']:
        canvas.paragraph(f"SIREN : {a['siren']}")
    canvas.paragraph(f"Objet : {a['purpose']}")
    canvas.paragraph(f"Qualité de l'organisme : {a['quality']}")
    canvas.close_box()

    canvas.heading("Entreprise donatrice" if company else "Donateur")
    canvas.open_box()
    canvas.paragraph(("Dénomination" if company else "Nom et prénoms")
        + f" : {v['donor_name']}", 'B')
    if company:
        canvas.paragraph(f"Forme juridique : {v['donor_legal_form'] or ''}")
        canvas.paragraph(f"SIREN : {v['donor_siren'] or ''}")
    canvas.paragraph(f"Adresse : {v['donor_address']}")
    canvas.close_box()

    canvas.heading("Dons")
    canvas.open_box()
    canvas.paragraph("Le bénéficiaire reconnaît avoir reçu au titre des dons "
        "et versements ouvrant droit à réduction d'impôt, la somme de\u00a0:")
    canvas.space(2)
    canvas.paragraph(v['amount_figures'], 'B', 11)
    canvas.paragraph(f"Somme en toutes lettres : {v['amount_words']}")
    if v['kind'] == 'gift':
        canvas.paragraph(f"Date du versement ou du don : {v['date_start']}")
    else:
        canvas.paragraph("Reçu récapitulatif des dons versés du "
            f"{v['date_start']} au {v['date_end']} :")
        columns = [LEFT + PADDING, LEFT + 80, LEFT + 230, RIGHT - PADDING]
        size = 7.5
        leading = size * 1.45

        def row(cells, style='R'):
            canvas.ensure(leading)
            canvas.y -= leading
            baseline = canvas.y + 2.5
            for x, cell in zip(columns[:3], cells[:3]):
                canvas.text(x, baseline, cell, style, size)
            canvas.text(columns[3] - canvas.width(cells[3], style, size),
                baseline, cells[3], style, size)
            canvas.hline(LEFT + PADDING, RIGHT - PADDING, canvas.y)
        row(["Date", "Nature", "Mode de versement", "Montant"], 'B')
        for line in v['lines']:
            row(line)
    if v['in_kind']:
        canvas.paragraph("Description des biens donnés et méthode de "
            f"valorisation : {v['in_kind']}")
    canvas.space(5)
    canvas.paragraph("Le bénéficiaire certifie sur l'honneur que les dons et "
        "versements qu'il reçoit ouvrent droit à la réduction d'impôt prévue "
        "à l'article :")
    canvas.runs(v['articles'])
    canvas.space(4)
    canvas.paragraph("Forme du don :")
    canvas.runs(v['forms'])
    canvas.space(4)
    canvas.paragraph("Nature du don :")
    canvas.runs(v['natures'])
    canvas.space(4)
    canvas.paragraph("Mode de versement du don :")
    canvas.runs(v['methods'])
    canvas.space(4)
    canvas.paragraph(f"Réduction d'impôt : {v['rate_text']}.", size=7.5)
    canvas.close_box()

    canvas.ensure(80)
    canvas.space(8)
    canvas.paragraph(f"Date : {v['issue_date']}", x=LEFT)
    canvas.paragraph(v['signatory'], x=LEFT)
    if v.get('signature'):
        key, width, height = v['signature']
        canvas.ensure(height + 4)
        canvas.y -= height + 4
        canvas.image(key, LEFT, canvas.y, width, height)


def _chars(value):
    if isinstance(value, str):
        return set(value)
    if isinstance(value, dict):
        return set().union(*map(_chars, value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*map(_chars, value)) if value else set()
    return set()


def signature_image(png):
    """(pixels, alpha, width, height) of a signature image (any format PIL
    reads), scaled to 2 cm high at most."""
    from PIL import Image
    image = Image.open(io.BytesIO(png))
    image = image.convert('RGBA')
    width, height = image.size
    rgb = image.convert('RGB').tobytes()
    alpha = image.getchannel('A').tobytes()
    printed_height = min(56.7, height * 0.75)
    printed_width = width * printed_height / height
    return rgb, alpha, width, height, printed_width, printed_height


def render(receipts, signature=None, processes=1):
    """A PDF of receipts (dicts of Receipt.pdf_values), one or more pages
    each; signature: image bytes or None. With processes > 1, the pages are
    drawn by that many forked processes (the file is written here)."""
    chars = _chars(receipts)
    fonts = {}
    for style in FONT_FILES:
        extra = frozenset(c for c in chars - BASE_CHARS
            if c in _full_cmap(style))
        fonts[style] = _font(style, BASE_CHARS | extra)
    image = signature_image(signature) if signature else None
    size = image[4:] if image else None
    if processes > 1 and len(receipts) >= 200:
        import gc
        import multiprocessing
        chunk = -(-len(receipts) // (processes * 4))
        chunks = [receipts[i:i + chunk]
            for i in range(0, len(receipts), chunk)]
        global _SHARED
        _SHARED = fonts, size
        # The parent's objects frozen out of the children's garbage
        # collections (Python's advice for fork without exec): collecting
        # them would copy their memory pages and cost the drawing's CPU.
        gc.freeze()
        try:
            with multiprocessing.get_context('fork').Pool(processes) as pool:
                pages = [p for r in pool.map(_draw_shared, chunks) for p in r]
        finally:
            gc.unfreeze()
            _SHARED = None
    else:
        pages = _draw(receipts, fonts, size)
    return _write(pages, fonts, image)


_SHARED = None


def _draw_shared(receipts):
    return _draw(receipts, *_SHARED)


def _draw(receipts, fonts, signature_size):
    "Compressed content streams of the pages of the receipts."
    available = set(fonts['R'].gids) & set(fonts['B'].gids)
    canvas = Canvas(fonts)
    for values in receipts:
        values = _clean(values, available)
        if signature_size:
            values['signature'] = ('Sig',) + tuple(signature_size)
        draw_receipt(canvas, values)
    return [zlib.compress('\n'.join(ops).encode('latin-1'), 6)
        for ops in canvas.pages]


def _clean(value, chars):
    if isinstance(value, str):
        return printable(value, chars)
    if isinstance(value, dict):
        return {k: _clean(v, chars) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v, chars) for v in value]
    return value


def _write(pages, fonts, image):
    objects = []   # bytes of each object, numbered from 1

    def add(data):
        objects.append(data)
        return len(objects)

    def stream(data, extra=b'', compressed=None):
        if compressed is None:
            compressed = zlib.compress(data, 6)
        return (b'<< /Length %d /Filter /FlateDecode %s>>\nstream\n'
            % (len(compressed), extra) + compressed + b'\nendstream')

    catalog = add(None)
    pages_id = add(None)
    font_refs = []
    for style, font in fonts.items():
        file_id = add(stream(font.data, b'/Length1 %d ' % len(font.data)))
        descriptor = add((
            f'<< /Type /FontDescriptor /FontName /{font.name} /Flags 32 '
            f'/FontBBox [{" ".join(map(str, font.bbox))}] /ItalicAngle 0 '
            f'/Ascent {font.ascent} /Descent {font.descent} /CapHeight '
            f'{font.ascent} /StemV 80 /FontFile2 {file_id} 0 R >>').encode())
        widths = ' '.join(f'{g} [{w}]'
            for g, w in sorted(font.glyph_widths.items()))
        cid = add((f'<< /Type /Font /Subtype /CIDFontType2 /BaseFont '
            f'/{font.name} /CIDSystemInfo << /Registry (Adobe) /Ordering '
            f'(Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R '
            f'/W [{widths}] /CIDToGIDMap /Identity >>').encode())
        to_unicode = add(stream(font.to_unicode()))
        font_refs.append((style, add((f'<< /Type /Font /Subtype /Type0 '
            f'/BaseFont /{font.name} /Encoding /Identity-H /DescendantFonts '
            f'[{cid} 0 R] /ToUnicode {to_unicode} 0 R >>').encode())))
    resources = '/Font << ' + ' '.join(
        f'/F{s} {i} 0 R' for s, i in font_refs) + ' >>'
    if image:
        rgb, alpha, width, height = image[:4]
        mask = add(stream(alpha, b'/Type /XObject /Subtype /Image /Width %d '
                b'/Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 '
                % (width, height)))
        picture = add(stream(rgb, b'/Type /XObject /Subtype /Image /Width %d '
                b'/Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 '
                b'/SMask %d 0 R ' % (width, height, mask)))
        resources += f' /XObject << /Sig {picture} 0 R >>'
    resources_id = add(f'<< {resources} >>'.encode())
    kids = []
    for page in pages:
        content = add(stream(None, compressed=page))
        kids.append(add((f'<< /Type /Page /Parent {pages_id} 0 R /MediaBox '
                    f'[0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] /Resources '
                    f'{resources_id} 0 R /Contents {content} 0 R >>'
                    ).encode()))
    objects[catalog - 1] = (
        f'<< /Type /Catalog /Pages {pages_id} 0 R >>').encode()
    objects[pages_id - 1] = (f'<< /Type /Pages /Kids ['
        + ' '.join(f'{k} 0 R' for k in kids)
        + f'] /Count {len(kids)} >>').encode()

    out = io.BytesIO()
    out.write(b'%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')
    offsets = []
    for number, data in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b'%d 0 obj\n' % number + data + b'\nendobj\n')
    xref = out.tell()
    out.write(b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1))
    out.write(b''.join(b'%010d 00000 n \n' % o for o in offsets))
    out.write(b'trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n'
        % (len(objects) + 1, catalog, xref))
    return out.getvalue()
