"""The shipped gazetteer (data/countries.yaml): it loads, names the right country, and only it."""

from __future__ import annotations

import unicodedata

import pytest

from monitor.config.yamlfile import load_model
from monitor.detect.countries import CountriesFile, Gazetteer, load_gazetteer, text_language
from monitor.detect.normalisation import normalise, normalise_phrase
from monitor.detect.placenames import parse_exclusion
from tests.conftest import ROOT

COUNTRIES_FILE = ROOT / "data" / "countries.yaml"

# Every country with an election in shared/data/elections-research.yaml (copied here: tests do
# not read ../shared), plus the countries the speakers and their audience talk about most.
ELECTION_COUNTRIES = ["AL", "AM", "AT", "AZ", "BA", "BE", "BG", "BY", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "EU", "FI", "FR", "GB", "GE", "GR", "HR", "HU", "IE", "IS", "IT", "LT", "LU", "LV", "MD", "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS", "RU", "SE", "SI", "SK", "TR", "UA", "XK"]
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
    **{key: {"CYRILLIC"} for key in ["ru", "be", "uk", "bg", "mk", "kk", "ky", "tg", "mn"]},
    **{key: {"GREEK"} for key in ("el",)},
    **{key: {"GEORGIAN"} for key in ("ka",)},
    **{key: {"ARMENIAN"} for key in ("hy",)},
    **{key: {"CYRILLIC", "LATIN"} for key in ("sr",)},
    **{key: {"ARABIC"} for key in ["ar", "fa", "ur", "ps", "ckb"]},
    **{key: {"HEBREW"} for key in ("he",)},
    **{key: {"CJK"} for key in ("zh",)},
    **{key: {"CJK", "HIRAGANA", "KATAKANA"} for key in ("ja",)},
    **{key: {"HANGUL"} for key in ("ko",)},
    **{key: {"DEVANAGARI"} for key in ["hi", "ne", "mr"]},
    **{key: {"BENGALI"} for key in ("bn",)},
    **{key: {"SINHALA"} for key in ("si",)},
    **{key: {"TAMIL"} for key in ("ta",)},
    **{key: {"THAI"} for key in ("th",)},
    **{key: {"LAO"} for key in ("lo",)},
    **{key: {"KHMER"} for key in ("km",)},
    **{key: {"MYANMAR"} for key in ("my",)},
    **{key: {"TIBETAN"} for key in ("dz",)},
    **{key: {"THAANA"} for key in ("dv",)},
    **{key: {"ETHIOPIC"} for key in ["am", "ti"]},
    **{key: {"LATIN"} for key in ["en", "lt", "lv", "et", "pl", "ro", "de", "fr", "sk", "cs", "hu", "hr", "bs", "sl", "sq", "tr", "az", "da", "sv", "no", "nb", "fi", "is", "nl", "it", "es", "pt", "mt", "lb", "ga", "ca", "uz", "tk", "ms", "id", "tl", "fil", "vi", "sw", "so", "ha", "yo", "ig", "ff", "wo", "mg", "rw", "rn", "ny", "sn", "st", "tn", "ss", "xh", "zu", "af", "ln", "kg", "sg", "ht", "pap", "fj", "sm", "to", "mi", "bi", "tpi", "tvl", "na", "mh", "gil", "pau", "ch", "lu", "kl", "fo", "gv", "rm"]},
}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer(COUNTRIES_FILE)


@pytest.fixture(scope="module")
def spec() -> CountriesFile:
    return load_model(CountriesFile, COUNTRIES_FILE)


def about(gazetteer: Gazetteer, text: str, title: str = "", language: str | None = None) -> list[str]:
    return [m.code for m in gazetteer.mentions(normalise(title), normalise(text), language)]


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
    assert country.phrases.get("en")
    assert country.phrases.get("ru")


@pytest.mark.parametrize(("code", "language", "text"), [(c, lang, t) for c, texts in ABOUT.items() for lang, t in zip(MAIN_LANGUAGES, texts, strict=True)])
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


COMMON_WORDS = {
    # words that share a beginning with a country's name, capital or adjective
    "ru": [
        "военный", "венок", "венчание", "грузовик", "грузить", "грузили", "груз", "прагматичный",
        "римейк", "Римма", "у кита", "платить дани", "загребать", "тиран", "тирана", "тиране",
        "швейцар", "швейцары", "осла", "английский язык", "русскоязычный", "есть", "весь",
        "словарь", "того", "бурундук", "палата", "Ираклий Кобахидзе",
        # surnames
        "Литвинов", "Борис Немцов", "Поляков", "Антон Чехов", "Валентино Росси", "Латышев",
    ],
    "lt": ["vienas", "vienos", "lenkti", "lenkia", "kinas", "bernas", "berniukas", "čekis", "dūmai", "šeimos", "vilnis"],
    "en": ["island", "Anthony Albanese", "Albany", "germane", "italics", "a guinea pig", "Michael Jordan", "Chad Smith"],
    "ro": ["Eu cred că"], "pt": ["Eu não sei"], "de": ["es ist"], "lv": ["es esmu"], "sl": ["danes je lep dan"],
    "pl": ["czad w kuchni"], "uk": ["вони мали рацію"],
}


@pytest.mark.parametrize(("language", "text"), [(lang, t) for lang, texts in COMMON_WORDS.items() for t in texts])
def test_common_words_name_no_country(gazetteer: Gazetteer, language: str, text: str) -> None:
    """Ordinary words of a language that begin like a country's name do not name it in a text of that language."""
    assert about(gazetteer, text, language=language) == []


@pytest.mark.parametrize(
    ("text", "not_code"),
    [("Belgrade", "BE"), ("Australia", "AT"), ("Slovenia", "SK"), ("Slovakia", "SI"), ("Georgian Dream", "US"),
     ("Австралия", "AT"), ("Туркменистан", "TR"), ("Niger", "NG"), ("Papua New Guinea", "GN"), ("South Sudan", "SD"), ("New Mexico", "MX")],
)
def test_similar_names_do_not_cross_countries(gazetteer: Gazetteer, text: str, not_code: str) -> None:
    """A name that begins like another country's is not counted for it."""
    assert not_code not in about(gazetteer, text)


def shared_phrases(spec: CountriesFile) -> list[tuple[str, str, str]]:
    """Phrases that name two countries: the same hand-kept phrase, or the same CLDR name in one language."""
    shared = []
    owners: dict[tuple[str, str], str] = {}
    for country in spec.countries:
        tables = [("*", country.phrases)] + [(text_language(locale), {locale: phrases}) for locale, phrases in spec.cldr_phrases(country).items()]
        for scope, table in tables:
            for phrases in table.values():
                for phrase in phrases:
                    key = (scope, normalise_phrase(phrase))
                    if owners.setdefault(key, country.code) != country.code:
                        shared.append((phrase, owners[key], country.code))
    return shared


def test_no_phrase_names_two_countries(spec: CountriesFile) -> None:
    """The same phrase is never listed under two countries, nor the same CLDR name in one language."""
    assert shared_phrases(spec) == []


def test_every_country_is_named_in_every_language_the_gazetteer_reads(spec: CountriesFile) -> None:
    """Each country is named in each of the file's languages, by CLDR or by hand (or left out on purpose)."""
    missing = []
    for country in spec.countries:
        deliberately = {text_language(lang) for lang, _ in map(parse_exclusion, country.exclude) if lang}
        named = {text_language(locale) for locale in spec.cldr_phrases(country)} | set(country.phrases) | deliberately
        missing += [(country.code, lang) for lang in spec.languages if text_language(lang) not in named]
    assert missing == []


def test_every_country_has_hand_kept_words_in_english_and_russian(spec: CountriesFile) -> None:
    """Adjectives, demonyms and capitals, which CLDR lacks, are kept by hand in en and ru."""
    missing = [(c.code, lang) for c in spec.countries for lang in ("en", "ru") if not c.phrases.get(lang)]
    assert missing == []


def test_stems_are_long_enough(spec: CountriesFile) -> None:
    """A wildcard stem has at least 4 letters alone, at least 3 inside a longer phrase."""
    short = []
    for country in spec.countries:
        for phrases in country.phrases.values():
            for phrase in phrases:
                words = phrase.split()
                least = 4 if len(words) == 1 else 3
                short += [(country.code, phrase) for w in words if "*" in w and len(w.split("*")[0]) < least]
    assert short == []


def test_phrases_are_written_in_their_languages_script(spec: CountriesFile) -> None:
    """Every letter of a phrase is in its language's script, and no word mixes two scripts."""
    wrong = []
    for country in spec.countries:
        for language, phrases in country.phrases.items():
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


# (language, text, country): a text in a language the gazetteer reads names its country through
# CLDR's name in that language, inflected.
IN_THEIR_LANGUAGES = [
    ("hu", "A választások Lengyelországban októberben lesznek.", "PL"),
    ("uk", "Вибори в Угорщині відбудуться у квітні.", "HU"),
    ("es", "Las elecciones generales en Honduras se celebran el domingo.", "HN"),
    ("pt", "As eleições no Brasil serão em outubro.", "BR"),
    ("zh", "台湾地区领导人选举将于一月举行。", "TW"),
    ("zh", "台灣總統大選", "TW"),
    ("ar", "الانتخابات في مولدوفا وروسيا", "MD"),
    ("fa", "انتخابات ارمنستان", "AM"),
    ("ka", "არჩევნები საქართველოში", "GE"),
    ("hy", "Ընտրությունները Վրաստանում", "GE"),
    ("tr", "Moldova'daki seçimler", "MD"),
    ("el", "Οι εκλογές στη Ρουμανία", "RO"),
    ("pl", "Wybory na Litwie odbędą się w październiku.", "LT"),
    ("fi", "Vaalit Virossa ja Latviassa", "EE"),
    ("de", "Die Wahl in Ungarn", "HU"),
    ("fr", "Les élections au Sénégal", "SN"),
    ("ro", "Alegerile din Republica Moldova", "MD"),
    ("sr", "Избори у Црној Гори", "ME"),
]


@pytest.mark.parametrize(("language", "text", "code"), IN_THEIR_LANGUAGES)
def test_a_text_names_its_country_in_its_own_language(gazetteer: Gazetteer, language: str, text: str, code: str) -> None:
    """A Hungarian text about Poland, a Ukrainian one about Hungary, a Chinese one about Taiwan ... rank that country first."""
    assert about(gazetteer, text, language=language)[0] == code


def test_cldr_names_match_only_texts_in_their_language(gazetteer: Gazetteer) -> None:
    """German "Island" is Iceland in a German text; the English word "island" is not."""
    assert about(gazetteer, "Island wählt ein neues Parlament", language="de") == ["IS"]
    assert about(gazetteer, "The island votes", language="en") == []


def test_the_gazetteer_names_every_un_member_and_observer_state(spec: CountriesFile) -> None:
    """At least the 193 UN members, the two observer states, Kosovo and Taiwan."""
    import pycountry

    codes = {c.code for c in spec.countries}
    not_members = {"AQ", "BV", "HM", "TF", "UM", "IO", "GS", "EH", "AX", "BL", "MF", "PM", "WF", "YT", "RE", "MQ", "GP", "SJ", "CX", "CC", "NF", "PN", "TK", "SH", "FK", "MS", "AI", "BQ", "MP", "GU", "VI", "PF"}
    sovereign = {c.alpha_2 for c in pycountry.countries} - not_members
    missing = sovereign - codes
    assert missing == set()
    assert {"XK", "TW", "VA", "PS", "EU"} <= codes
    assert len(codes) >= 190
