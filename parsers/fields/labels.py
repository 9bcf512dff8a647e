"""The label vocabulary (French and English, some German and Dutch) and where labels sit in the layout."""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass

from parsers.fields.layout import Layout, Line


class Label(enum.StrEnum):
    """What a printed label announces."""

    NUMBER = "number"
    NUMBER_WEAK = "number_weak"
    NUMBER_BARE = "number_bare"
    TITLE = "title"
    OTHER_REF = "other_ref"
    ISSUE_DATE = "issue_date"
    DATE = "date"
    DUE_DATE = "due_date"
    OTHER_DATE = "other_date"
    TOTAL_HT = "total_ht"
    SUBTOTAL = "subtotal"
    TOTAL_TVA = "total_tva"
    TVA = "tva"
    TOTAL_TTC = "total_ttc"
    TOTAL = "total"
    AMOUNT_DUE = "amount_due"
    PREPAID = "prepaid"
    VAT_ID = "vat_id"
    COMPANY_ID = "company_id"
    BANK = "bank"
    CUSTOMER = "customer"
    CUSTOMER_ID = "customer_id"
    SUPPLIER = "supplier"
    PAYEE = "payee"
    NAME = "name"
    OTHER = "other"


_NO = r"(?:n°|no\.?|nr\.?|num(?:ero|ber)|#)"
_HT = r"(?:h\.?t\.?|hors tax(?:e|es)?|hors tva)"
_TTC = r"(?:t\.?t\.?c\.?|toutes taxes comprises)"
_INCL = r"(?:incl\.?|including|inc\.?|inkl\.?)"
_EXCL = r"(?:excl\.?|excluding|exclusive of|ex\.?|before|w/o|without|ohne)"

VOCABULARY: dict[Label, tuple[str, ...]] = {
    Label.NUMBER: (
        rf"(?:facture|facture d'avoir|avoir|invoice|tax invoice|credit note|note de credit|factuur|rechnung"
        rf"|gutschrift|note d'honoraires|memoire) ?{_NO}",
        r"n° ?(?:de )?(?:la )?(?:facture|d'avoir|avoir|invoice)",
        r"num(?:ero|ber) (?:de |of )?(?:la )?(?:facture|avoir|invoice)",
        r"ref(?:erence)? (?:de la )?facture",
        r"invoice (?:id|ref(?:erence)?)",
        r"factuur ?(?:nummer|nr\.?)",
        r"rechnungs ?-?(?:nummer|nr\.?)",
        r"beleg ?-?(?:nummer|nr\.?)",
        rf"[a-z]*rechnung (?:\(\d{{3}}\) )?{_NO}",
    ),
    Label.NUMBER_WEAK: (
        r"(?:receipt|recu|document|booking|reservation|bill) ?(?:n°|no\.?|number|#|id|ref(?:erence)?)",
    ),
    Label.NUMBER_BARE: (r"n°", r"no\.", r"nr\."),
    Label.TITLE: (
        r"facture",
        r"invoice",
        r"avoir",
        r"credit note",
        r"factuur",
        r"rechnung",
        r"facture d'avoir",
        r"tax invoice",
        r"note d'honoraires",
    ),
    Label.OTHER_REF: (
        rf"(?:facture|invoice) (?:d'origine|associee|initiale|d'acompte|originale?|origin|related) ?{_NO}?",
        rf"{_NO} (?:de )?(?:la )?facture (?:d'origine|associee|initiale|d'acompte)",
        rf"original invoice ?{_NO}?",
        rf"(?:bon de )?commande ?{_NO}?",
        rf"{_NO} (?:de |du )?(?:bon de )?(?:commande|livraison|vente|reception|client|devis|contrat|dossier)",
        rf"(?:order|purchase order|po|customer|client|account|quote|contract) ?(?:{_NO}|id|ref)",
        rf"delivery note ?(?:{_NO}|id|ref)",
        r"(?:numero|code|ref(?:erence)?) client",
        r"client ?n°",
        r"(?:votre|notre|your|our) (?:ref(?:erence)?|commande|order)",
        r"(?:klant|kunden|order|bestell|auftrag|lieferschein|kunden) ?-?(?:nummer|nr\.?)",
        r"(?:n° ?|numero )(?:de )?(?:tva|siret|siren|d'entreprise|tel(?:ephone)?|fax)",
        r"(?:service tax|phone|tel|fax|gln|ean|gtin|fsn|cin) ?(?:n°|no\.?|#)?",
        r"devis|bon de livraison|bon de commande|contrat",
    ),
    Label.ISSUE_DATE: (
        r"date (?:de (?:la )?)?(?:facture|facturation|l'avoir|d'avoir)",
        r"date d'emission|emise? le|facture du|avoir du",
        r"(?:invoice|billing|issue|credit note) date|date of (?:invoice|issue)|issued on|invoice dated",
        r"factuur ?datum|rechnungs ?datum|beleg ?-?datum|datum der rechnung",
    ),
    Label.DATE: (r"date", r"datum", r"dated"),
    Label.DUE_DATE: (
        r"(?:date (?:d'|de l')?)?echeance",
        r"date limite (?:de )?(?:paiement|reglement)",
        r"(?:a )?(?:payer|regler|payable|paiement|reglement) (?:avant|au plus tard|jusqu'au)(?: le)?",
        r"payable (?:by|before|on)",
        r"payable le|a payer le",
        r"(?:payment )?due (?:date|by|on)|payment due|date due|pay by",
        r"verval ?datum|uiterste betaaldatum|te betalen voor",
        r"falligkeit(?:sdatum)?|fallig (?:am|bis)|zahlbar bis|zahlungsziel|uberweisen sie bis (?:zum)?",
    ),
    Label.OTHER_DATE: (
        r"date (?:de |d')?(?:livraison|expedition|commande|debut|fin|prestation|paiement|reglement|echange)",
        r"date de (?:la )?(?:facture|commande) (?:associee|d'origine)",
        r"date (?:de )?(?:debut|fin) de (?:prestation|periode)",
        r"(?:order|delivery|shipping|ship|payment|service|start|end) date|check ?-?(?:in|out)",
        r"(?:order|levering|leistungs|liefer|lieferschein|bestell|auftrag) ?-?datum(?: ?-?lief)?",
        r"liefer ?- ?und leistungsdatum|periode|period",
        r"(?:du|from)(?= \d[\d/.-]+ (?:au|to|until) )",
    ),
    Label.TOTAL_HT: (
        rf"(?:total|montant|sous ?-?total) (?:net )?(?:total )?{_HT}",
        rf"net {_HT}|total {_HT} net|base {_HT} totale",
        rf"(?:total|amount|subtotal|sub-total) (?:net )?{_EXCL} ?(?:vat|tax(?:es)?|btw)",
        r"total (?:before|pre) ?-?tax|total ?before ?tax|net total|total net",
        r"(?:totaal )?exclusief btw|totaal excl\.? btw",
        r"summe netto|netto ?summe|rechnungs ?summe (?:netto|ohne ust\.?)|gesamt ?netto|nettobetrag",
    ),
    Label.SUBTOTAL: (r"sous ?-?total|sub ?-?total|subtotaal|zwischensumme",),
    Label.TOTAL_TVA: (
        r"(?:total|montant) (?:total )?(?:de la |des )?(?:tva|taxes?)",
        r"total (?:des )?taxes|taxes|total (?:vat|tax(?:es)?)|(?:vat|tax) (?:total|amount)",
        r"totaal btw|btw ?-?bedrag|steuerbetrag|mwst ?-?betrag|ust ?-?betrag|umsatzsteuer(?:betrag)?",
        r"(?:zuzugl\.?|zzgl\.?|plus) (?:ust|mwst|vat|tva)\.?",
    ),
    Label.TVA: (r"tva", r"vat", r"btw", r"ust\.?", r"mwst\.?", r"tax", r"gst"),
    Label.TOTAL_TTC: (
        rf"(?:total|montant|prix|net) (?:total )?{_TTC}",
        rf"(?:total|amount|montant) {_INCL} ?(?:vat|tax(?:es)?|btw|ust\.?|mwst\.?)",
        r"grand ?total|invoice total|total invoice|total amount|total general|total facture",
        r"totaal incl\.? btw|brutto ?summe|gesamt ?betrag(?: brutto)?|rechnungs ?(?:betrag|summe brutto)",
        r"summe (?:inkl\.?|brutto)(?: ust\.?)?|rechnungssumme brutto|endbetrag|gesamtsumme",
    ),
    Label.TOTAL: (r"total", r"totaal", r"summe", r"gesamt", r"montant total"),
    Label.AMOUNT_DUE: (
        r"net a (?:payer|deduire)|reste a payer|solde (?:a payer|du)",
        r"montant (?:net )?(?:a payer|du|a regler)",
        r"total a (?:payer|regler)|a payer|montant a deduire|net a regler|somme a payer",
        r"amount (?:due|payable|to pay)|balance due|total due|(?:amount )?to pay|residual|balance",
        r"zahlbetrag|zu zahlen(?:der betrag)?|te betalen",
    ),
    Label.PREPAID: (
        r"acomptes? (?:deja )?(?:verses?|recus?|regles?|payes?|deduits?)|acomptes?",
        r"montant deja (?:verse|paye|regle)|deja (?:verse|paye|regle)|deduction (?:de l')?acompte",
        r"prepayment|prepaid|amount paid|paid|(?:less )?deposit(?: paid| received)?|advance payment",
        r"erhaltene anzahlung(?:en)?|anzahlung|reeds betaald",
    ),
    Label.VAT_ID: (
        r"n° ?(?:de )?tva(?: intra(?:communautaire|com\.?|-?ue)?)?|tva intra(?:communautaire|com\.?)?",
        r"numero (?:de )?tva(?: intracommunautaire)?|identifiant tva|id(?:\.|entifiant)? tva",
        r"vat (?:no\.?|number|reg(?:istration)?(?: no\.?| number)?|id)|vat/tin|tin|gstin",
        r"ust\.? ?-?id(?:\.? ?-?nr\.?|nr\.?)?|ust ?-?idnr\.?|ust-identnr\.?|ustid|btw ?-?(?:nummer|nr\.?|id)",
    ),
    Label.COMPANY_ID: (r"siret", r"siren", r"r\.?c\.?s\.?", r"kvk", r"hrb", r"handelsreg(?:ister)?\.?"),
    Label.BANK: (r"iban", r"bic", r"swift", r"rib"),
    Label.CUSTOMER: (
        r"client|customer|acheteur|buyer|destinataire|facture a|facturer a|adresse de facturation",
        r"bill(?:ed)? to|invoice to|sold to|ship to|deliver to|livre a|adresse de livraison",
        r"delivery address|billing address|shipping address|vos identifiants|your identifiers",
        r"rechnungsempfanger|kaufer|leistungsempfanger|warenempfanger|kaufer/leistungsempfanger",
    ),
    Label.CUSTOMER_ID: (
        r"(?:n° ?)?(?:tva|siren|siret) (?:du )?client|customer (?:vat|siren|siret)(?: number| no\.?)?",
        r"buyer vat(?: number)?|vat (?:number )?(?:of the )?customer|client (?:tva|siren|siret)",
    ),
    Label.SUPPLIER: (
        r"sold by|vendu par|vendeur|fournisseur|emetteur|seller|supplier|vendor|issued by",
        r"rechnungsersteller|verkaufer|lieferant|leverancier|beneficiaire",
    ),
    Label.PAYEE: (r"in favou?r of|payable to|a l'ordre de|made out to",),
    Label.NAME: (r"nom|name|raison sociale|denomination|company name",),
    Label.OTHER: (
        r"tva non applicable|vat not applicable|tva (?:acquittee |payee )?sur les (?:debits|encaissements)",
        r"taux(?: de)? tva|tva (?:due|collectee|deductible)|vat rate|tax rate|tax\(%\)|btw ?%",
        r"base ht|prix ht|pu ht|prix unitaire ht|unit price|net amount",
        r"conditions de (?:reglement|paiement)|payment terms|mode de (?:reglement|paiement)",
    ),
}
# Cells these kinds start must begin with the label ("Facture   FA-17" but not "... prochaine facture").
_CELL_START = frozenset({Label.TITLE, Label.NUMBER_BARE, Label.SUPPLIER, Label.CUSTOMER, Label.NAME})
# Party labels must also end their cell or be followed by a colon ("Client", "Sold By :").
_STANDALONE = frozenset({Label.SUPPLIER, Label.CUSTOMER, Label.PAYEE})


@dataclass(frozen=True)
class LabelHit:
    """A label at columns [start, end) of a line."""

    kind: Label
    line: int
    start: int
    end: int


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern (a "|" outside parentheses separates them)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(pattern):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
    return [*parts, pattern[start:]]


def _loosen(alternative: str) -> str:
    """A space matches up to two spaces, or none; the first letter may be split off ("F actuurnummer")."""
    body = alternative.replace(" ", r"\s{0,2}")
    return body[0] + r"\s?" + body[1:] if re.match(r"[a-z][a-z]", body) else body


def _regex(pattern: str) -> re.Pattern[str]:
    body = "|".join(_loosen(part) for part in _alternatives(pattern))
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z])")


@functools.cache
def _compiled() -> tuple[tuple[Label, re.Pattern[str]], ...]:
    return tuple((kind, _regex(pattern)) for kind, patterns in VOCABULARY.items() for pattern in patterns)


def _cell_ok(layout: Layout, hit: LabelHit) -> bool:
    if hit.kind not in _CELL_START | _STANDALONE:
        return True
    cell = layout.cell_at(hit.line, hit.start)
    if cell is None or (hit.kind in _CELL_START and cell.start != hit.start):
        return False
    if hit.kind not in _STANDALONE:
        return True
    rest = layout.lines[hit.line].folded[hit.end : cell.end]
    return not rest.strip() or rest.lstrip().startswith(":")


def line_labels(layout: Layout, line: Line) -> tuple[LabelHit, ...]:
    """The labels of one line: where patterns overlap, the longest wins."""
    matches = [
        LabelHit(kind, line.index, *match.span())
        for kind, regex in _compiled()
        for match in regex.finditer(line.folded)
        if match.end() > match.start()
    ]
    matches.sort(key=lambda hit: (hit.start - hit.end, hit.start))
    kept: list[LabelHit] = []
    for hit in matches:
        if all(hit.end <= other.start or hit.start >= other.end for other in kept):
            kept.append(hit)
    return tuple(sorted((hit for hit in kept if _cell_ok(layout, hit)), key=lambda hit: hit.start))


@dataclass(frozen=True)
class Labels:
    """Every label of a document, in reading order."""

    hits: tuple[LabelHit, ...]

    @functools.cached_property
    def _by_line(self) -> dict[int, tuple[LabelHit, ...]]:
        grouped: dict[int, list[LabelHit]] = {}
        for hit in self.hits:
            grouped.setdefault(hit.line, []).append(hit)
        return {line: tuple(hits) for line, hits in grouped.items()}

    def on_line(self, index: int) -> tuple[LabelHit, ...]:
        """The labels of one line, left to right."""
        return self._by_line.get(index, ())

    def of(self, *kinds: Label) -> tuple[LabelHit, ...]:
        """The labels of some kinds, in reading order."""
        return tuple(hit for hit in self.hits if hit.kind in kinds)

    def region_end(self, hit: LabelHit) -> int:
        """Where the value of a label ends on its line: at the next label, else at the end of the line."""
        following = [other.start for other in self.on_line(hit.line) if other.start >= hit.end]
        return min(following, default=10_000)


def find_labels(layout: Layout) -> Labels:
    """Every label of the document, in reading order."""
    return Labels(tuple(hit for line in layout.lines if not line.blank for hit in line_labels(layout, line)))
