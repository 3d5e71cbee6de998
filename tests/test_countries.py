"""The shipped gazetteer (data/countries.yaml): it loads, names the right country, and only it."""

from __future__ import annotations

import unicodedata

import pytest

from monitor.countries import CountriesFile, Gazetteer, load_gazetteer
from monitor.textmatch import normalise, normalise_phrase
from monitor.yamlfile import load_model
from tests.conftest import ROOT

COUNTRIES_FILE = ROOT / "data" / "countries.yaml"

# Every country with an election in shared/data/elections-research.yaml (copied here: tests do
# not read ../shared), plus the countries the speakers and their audience talk about most.
ELECTION_COUNTRIES = (
    "AL AM AT AZ BA BE BG BY CH CY CZ DE DK EE ES EU FI FR GB GE GR HR HU IE IS IT LT LU LV MD "
    "MK MT NL NO PL PT RO RS RU SE SI SK TR UA XK"
).split()
ALSO_COVERED = ["US", "CN"]

# The countries a text must be recognised as being about in each of en, ru, be and lt.
MAIN_LANGUAGES = ("en", "ru", "be", "lt")
# code: (en, ru, be, lt), each an inflected form, not the dictionary one.
ABOUT = {
    "LT": ("Lithuanian voters", "выборы в Литве", "выбары ў Літве", "Lietuvos rinkimai"),
    "LV": ("Latvian voters", "выборы в Латвии", "выбары ў Латвіі", "Latvijos rinkimai"),
    "EE": ("Estonian voters", "выборы в Эстонии", "выбары ў Эстоніі", "Estijos rinkimai"),
    "PL": ("Polish voters", "выборы в Польше", "выбары ў Польшчы", "Lenkijos rinkimai"),
    "MD": ("Moldovan voters", "выборы в Молдавии", "выбары ў Малдове", "Moldovos rinkimai"),
    "GE": ("Georgian voters", "выборы в Грузии", "выбары ў Грузіі", "Sakartvelo rinkimai"),
    "AM": ("Armenian voters", "выборы в Армении", "выбары ў Арменіі", "Armėnijos rinkimai"),
    "DE": ("German voters", "выборы в Германии", "выбары ў Германіі", "Vokietijos rinkimai"),
    "RO": ("Romanian voters", "выборы в Румынии", "выбары ў Румыніі", "Rumunijos rinkimai"),
    "BY": ("Belarusian voters", "выборы в Белоруссии", "выбары ў Беларусі", "Baltarusijos rinkimai"),
    "RU": ("Russian voters", "выборы в России", "выбары ў Расіі", "Rusijos rinkimai"),
    "UA": ("Ukrainian voters", "выборы на Украине", "выбары ва Украіне", "Ukrainos rinkimai"),
    "HU": ("Hungarian voters", "выборы в Венгрии", "выбары ў Венгрыі", "Vengrijos rinkimai"),
    "FR": ("French voters", "выборы во Франции", "выбары ў Францыі", "Prancūzijos rinkimai"),
    "SK": ("Slovak voters", "выборы в Словакии", "выбары ў Славакіі", "Slovakijos rinkimai"),
    "CZ": ("Czech voters", "выборы в Чехии", "выбары ў Чэхіі", "Čekijos rinkimai"),
    "BG": ("Bulgarian voters", "выборы в Болгарии", "выбары ў Балгарыі", "Bulgarijos rinkimai"),
    "AZ": ("Azerbaijani voters", "выборы в Азербайджане", "выбары ў Азербайджане", "Azerbaidžano rinkimai"),
}

# Which script each language's phrases are written in: a Latin "i" typed into a Belarusian word
# would make the phrase silently match nothing.
SCRIPTS = {
    **dict.fromkeys(("ru", "be", "uk", "bg", "mk"), {"CYRILLIC"}),
    **dict.fromkeys(("el",), {"GREEK"}),
    **dict.fromkeys(("ka",), {"GEORGIAN"}),
    **dict.fromkeys(("hy",), {"ARMENIAN"}),
    **dict.fromkeys(("sr",), {"CYRILLIC", "LATIN"}),
    **dict.fromkeys(
        "en lt lv et pl ro de fr sk cs hu hr bs sl sq tr az da sv no fi is nl it es pt mt lb ga".split(),
        {"LATIN"},
    ),
}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer(COUNTRIES_FILE)


@pytest.fixture(scope="module")
def spec() -> CountriesFile:
    return load_model(CountriesFile, COUNTRIES_FILE)


def about(gazetteer: Gazetteer, text: str, title: str = "") -> list[str]:
    return [m.code for m in gazetteer.mentions(normalise(title), normalise(text))]


def test_the_shipped_file_loads(gazetteer: Gazetteer) -> None:
    """data/countries.yaml loads without error and names every country it covers."""
    assert set(ELECTION_COUNTRIES + ALSO_COVERED) <= set(gazetteer.names)
    assert gazetteer.name("LT") == "Lithuania"
    assert gazetteer.name("EU") == "European Union"


@pytest.mark.parametrize(
    "text",
    [
        "Лукашенко предложил Литве перезагрузку",
        "Літоўцы, зрабіце правільны выбар",
        "Lietuvos Seimo rinkimai",
        "Vilnius rejected the offer",
    ],
)
def test_texts_about_lithuania_rank_lithuania_first(gazetteer: Gazetteer, text: str) -> None:
    """A short text about Lithuania in ru, be, lt or en ranks LT first."""
    assert about(gazetteer, text)[0] == "LT"


def test_a_russian_text_about_moldova_ranks_moldova_first(gazetteer: Gazetteer) -> None:
    """Молдавия and Кишинев in their inflected forms name Moldova."""
    text = "Песков назвал рост голосов в Молдавии труднообъяснимым, в Кишиневе это отрицают."
    assert about(gazetteer, text) == ["MD"]


def test_a_russian_text_about_georgia_ranks_georgia_first(gazetteer: Gazetteer) -> None:
    """Грузии and Тбилиси name Georgia."""
    text = "СВР: Запад готовит в Грузии цветную революцию, в Тбилиси ждут провокаций."
    assert about(gazetteer, text) == ["GE"]


@pytest.mark.parametrize(
    "text", ["The weather was fine and the harvest was good.", "Погода была хорошей, урожай богатый."]
)
def test_a_neutral_text_names_no_country(gazetteer: Gazetteer, text: str) -> None:
    """A text about nothing in particular mentions no country."""
    assert about(gazetteer, text) == []


def test_the_title_counts_more_than_the_body(gazetteer: Gazetteer) -> None:
    """Estonia once in the title (weight 3) outranks Latvia twice in the body."""
    ranked = about(gazetteer, "Latvia watches closely. Riga expects the same.", title="Estonia votes on Sunday")
    assert ranked == ["EE", "LV"]


@pytest.mark.parametrize("code", ELECTION_COUNTRIES + ALSO_COVERED)
def test_every_election_country_has_english_and_russian_phrases(spec: CountriesFile, code: str) -> None:
    """Each country with an election in the calendar is named in English and in Russian."""
    (country,) = [c for c in spec.countries if c.code == code]
    assert country.names.get("en")
    assert country.names.get("ru")


@pytest.mark.parametrize(("code", "language", "text"), [(c, lang, t) for c, texts in ABOUT.items() for lang, t in zip(MAIN_LANGUAGES, texts)])
def test_the_target_countries_are_recognised_in_the_four_main_languages(gazetteer: Gazetteer, code: str, language: str, text: str) -> None:
    """A short inflected phrase about each target country names that country and no other."""
    assert about(gazetteer, text) == [code], language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("в Риге", "LV"), ("в Таллине", "EE"), ("в Варшаве", "PL"), ("в Кишиневе", "MD"), ("в Тбилиси", "GE"),
        ("в Ереване", "AM"), ("в Берлине", "DE"), ("в Бухаресте", "RO"), ("в Минске", "BY"), ("в Москве", "RU"),
        ("в Киеве", "UA"), ("в Будапеште", "HU"), ("в Париже", "FR"), ("в Братиславе", "SK"), ("в Праге", "CZ"),
        ("в Баку", "AZ"), ("в Вильнюсе", "LT"), ("в Вене", "AT"), ("в Риме", "IT"), ("в Брюсселе", "EU"),
    ],
)
def test_capitals_name_their_country_in_russian(gazetteer: Gazetteer, text: str, code: str) -> None:
    """A capital in the prepositional case names its country."""
    assert about(gazetteer, text) == [code]


@pytest.mark.parametrize(
    "text",
    [
        # Russian words that share a beginning with a country's name, capital or adjective
        "военный", "венок", "венчание", "грузовик", "грузить", "грузили", "груз", "прагматичный",
        "римейк", "Римма", "у кита", "платить дани", "загребать", "тиран", "тирана", "тиране",
        "швейцар", "швейцары", "осла", "английский язык", "русскоязычный", "есть", "весь",
        "Австралия", "Туркменистан", "словарь",
        # surnames
        "Литвинов", "Борис Немцов", "Поляков", "Антон Чехов", "Валентино Росси", "Латышев",
        # Lithuanian
        "vienas", "vienos", "lenkti", "lenkia", "kinas", "bernas", "berniukas", "čekis", "dūmai", "šeimos", "vilnis",
        # English and others
        "island", "Anthony Albanese", "Albany", "germane", "italics",
        "Eu cred că", "Eu não sei", "es ist", "es esmu", "danes je lep dan",
    ],
)
def test_common_words_name_no_country(gazetteer: Gazetteer, text: str) -> None:
    """Ordinary words that begin like a country's name do not name it."""
    assert about(gazetteer, text) == []


@pytest.mark.parametrize(
    ("text", "not_code"),
    [("Belgrade", "BE"), ("Australia", "AT"), ("Slovenia", "SK"), ("Slovakia", "SI"), ("Georgian Dream", "US")],
)
def test_similar_names_do_not_cross_countries(gazetteer: Gazetteer, text: str, not_code: str) -> None:
    """A name that begins like another country's is not counted for it."""
    assert not_code not in about(gazetteer, text)


def test_no_phrase_names_two_countries(spec: CountriesFile) -> None:
    """The same phrase is never listed under two countries."""
    owner: dict[str, str] = {}
    shared = []
    for country in spec.countries:
        for phrases in country.names.values():
            for phrase in phrases:
                key = normalise_phrase(phrase)
                if owner.setdefault(key, country.code) != country.code:
                    shared.append((phrase, owner[key], country.code))
    assert shared == []


def test_every_country_is_named_in_the_four_main_languages(spec: CountriesFile) -> None:
    """Each country lists phrases in en, ru, be and lt."""
    missing = [(c.code, lang) for c in spec.countries for lang in MAIN_LANGUAGES if not c.names.get(lang)]
    assert missing == []


def test_stems_are_long_enough(spec: CountriesFile) -> None:
    """A wildcard stem has at least 4 letters alone, at least 3 inside a longer phrase."""
    short = []
    for country in spec.countries:
        for phrases in country.names.values():
            for phrase in phrases:
                words = phrase.split()
                least = 4 if len(words) == 1 else 3
                short += [(country.code, phrase) for w in words if "*" in w and len(w.split("*")[0]) < least]
    assert short == []


def test_phrases_are_written_in_their_languages_script(spec: CountriesFile) -> None:
    """Every letter of a phrase is in its language's script, and no word mixes two scripts."""
    wrong = []
    for country in spec.countries:
        for language, phrases in country.names.items():
            allowed = SCRIPTS.get(language)
            if allowed is None:
                wrong.append((country.code, language, "unknown language"))
                continue
            for phrase in phrases:
                for word in phrase.split():
                    scripts = {unicodedata.name(ch).split()[0] for ch in word if ch.isalpha()}
                    if not scripts <= allowed or len(scripts) > 1:
                        wrong.append((country.code, language, word))
    assert wrong == []
