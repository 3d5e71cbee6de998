"""List the ordinary words a gazetteer's generated country names catch, one language at a time.

    .venv/bin/python scripts/gazetteer_lint.py ru uk pl [--countries data/countries.yaml]

simplemma's dictionaries (word form -> lemma; installed with the test dependencies) serve as
word lists. A word that a country's one-word CLDR phrase fits (``Грузи*3`` fits ``грузить``) is
printed unless its lemma is a country's name (``Литве`` -> Литва), begins with one
(``lengyelországi``), or the file's hand-kept phrases already give it to that country (``чехи``).
Look at each line: exclude the name in that language (``exclude: ["ru:Грузия"]``) and keep its
forms by hand, or leave it when the catch is harmless. A language takes 5-30 seconds.
"""

from __future__ import annotations

import argparse
import bisect
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from monitor.detect.countries import CountriesFile, load_countries, text_language
from monitor.detect.normalisation import normalise, normalise_phrase
from monitor.detect.phrase_matcher import PhraseMatcher
from monitor.detect.placenames import cldr_names

_ONE_WORD = re.compile(r"(\w+)(?:\*(\d))?")


def word_list(language: str) -> dict[str, str]:
    """simplemma's word form -> lemma for a language, folded as texts are; empty without a model."""
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    try:
        dictionary = DefaultDictionaryFactory().get_dictionary(language)
    except (KeyError, ValueError, OSError):
        return {}
    fold = str.maketrans("ё", "е")
    return {form.casefold().translate(fold): lemma.casefold().translate(fold) for form, lemma in dictionary.items()}


def catches(spec: CountriesFile, language: str, lemmas: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """(country, phrase, word) for every word of ``lemmas`` a CLDR phrase of ``language`` catches."""
    forms = sorted(lemmas)
    generated = {
        country.code: [normalise_phrase(p) for locale, phrases in spec.cldr_phrases(country).items() if text_language(locale) == language for p in phrases]
        for country in spec.countries
    }
    # Every country's full names in this language: a word whose lemma is one, or begins with one
    # (an adjective such as "lengyelországi"), names a country.
    names = {
        normalise_phrase(name)
        for country in spec.countries
        for locale in spec.cldr_phrases(country)
        if text_language(locale) == language
        for name in cldr_names(country.code, locale)
    }
    hand = {c.code: PhraseMatcher([p for ps in c.phrases.values() for p in ps]) for c in spec.countries if c.phrases}
    for code, phrases in generated.items():
        for phrase in phrases:
            parsed = _ONE_WORD.fullmatch(phrase)
            if parsed is None:
                continue
            stem, extra = parsed.group(1), int(parsed.group(2) or 0)
            for word in forms[bisect.bisect_left(forms, stem) :]:
                if not word.startswith(stem):
                    break
                lemma = lemmas[word]
                if len(word) - len(stem) > extra or lemma in names or any(lemma.startswith(n) for n in names if n[:4] == stem[:4]):
                    continue
                if code in hand and hand[code].find(normalise(word)):
                    continue
                yield code, phrase, word


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("languages", nargs="+", help="language codes, e.g. ru uk pl")
    parser.add_argument("--countries", type=Path, default=Path("data/countries.yaml"))
    args = parser.parse_args(argv)
    spec = load_countries(args.countries)
    found = 0
    for language in args.languages:
        lemmas = word_list(language)
        if not lemmas:
            print(f"{language}: simplemma has no word list", file=sys.stderr)
            continue
        for code, phrase, word in catches(spec, language, lemmas):
            print(f"{language}\t{code}\t{phrase}\t{word}\t(lemma {lemmas[word]})")
            found += 1
    print(f"{found} words caught", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
