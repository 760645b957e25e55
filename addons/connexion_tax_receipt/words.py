"""Amounts in French words, as printed on tax receipts ("en toutes lettres")."""
from decimal import ROUND_HALF_UP, Decimal

UNITS = [
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit",
    "neuf", "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize",
    "dix-sept", "dix-huit", "dix-neuf"]
TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante",
    6: "soixante"}


def _below_100(n):
    if n < 20:
        return UNITS[n]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):
        # soixante-dix..., quatre-vingt-dix...
        prefix = "soixante" if tens == 7 else "quatre-vingt"
        if tens == 7 and unit == 1:
            return "soixante et onze"
        return f"{prefix}-{UNITS[10 + unit]}"
    if tens == 8:
        return "quatre-vingts" if unit == 0 else f"quatre-vingt-{UNITS[unit]}"
    if unit == 0:
        return TENS[tens]
    if unit == 1:
        return f"{TENS[tens]} et un"
    return f"{TENS[tens]}-{UNITS[unit]}"


def _below_1000(n):
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _below_100(rest)
    head = "cent" if hundreds == 1 else f"{UNITS[hundreds]} cent"
    if not rest:
        return head + ("s" if hundreds > 1 else "")
    return f"{head} {_below_100(rest)}"


def integer_to_words(n):
    "French words for a non-negative integer (rectified spelling not used)."
    if n < 1000:
        return _below_1000(n)
    parts = []
    for value, singular, plural in [
            (10 ** 9, "milliard", "milliards"),
            (10 ** 6, "million", "millions")]:
        count, n = divmod(n, value)
        if count:
            parts.append(f"{integer_to_words(count)} "
                + (singular if count == 1 else plural))
    thousands, n = divmod(n, 1000)
    if thousands:
        if thousands == 1:
            parts.append("mille")
        else:
            # "quatre-vingt mille", "deux cent mille": no plural s before mille
            words = _below_1000(thousands)
            if words.endswith(("cents", "vingts")):
                words = words[:-1]
            parts.append(f"{words} mille")
    if n:
        parts.append(_below_1000(n))
    return " ".join(parts)


def amount_to_words(amount, currency="euro"):
    "'cent cinquante euros et vingt centimes' for Decimal('150.20')."
    amount = Decimal(amount).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)
    units = int(amount)
    cents = int((amount - units) * 100)
    text = integer_to_words(units)
    if units >= 10 ** 6 and units % 10 ** 6 == 0:
        text += " d'"
        text += currency + "s"
    else:
        text += " " + currency + ("s" if units > 1 else "")
    if cents:
        text += f" et {integer_to_words(cents)} centime" + (
            "s" if cents > 1 else "")
    return text
