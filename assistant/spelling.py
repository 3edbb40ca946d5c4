"""Words as the request reader compares them: accents folded, and misspelt words put right.

Only a word that is not a real word is corrected, and only towards the reader's own vocabulary (category and cue
words, weekdays, neighbourhood names), so "hear" and "diner" stay as written while "resturant" and "wiliamsburg"
are fixed. The real words are the whole words of the packaged MiniLM tokenizer's vocabulary, which ships with the
encoder; the distance is optimal string alignment (a swap of two letters is one edit), bounded by the word's length.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from profiles.config import ModelSettings
from profiles.models import ModelUnavailable, encoder_path

logger = logging.getLogger(__name__)

SHORTEST_CORRECTED = 4
# How many of the most frequent words are common ones, too common to be a place's name by themselves.
COMMON_WORDS = 1000
_WORD_RE = re.compile(r"[a-z]+", re.IGNORECASE)
# A tokenizer vocabulary also holds word pieces ("##ing") and markers ("[CLS]"): only plain lower-case words count.
_VOCAB_WORD_RE = re.compile(r"[a-z]+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
# The vocabulary lists few inflected forms ("replay" but not "replayed", "compiled" but not "compile"): (ending,
# what replaces it) to find the word an inflected form comes from, and endings that make a known word of a stem.
_INFLECTIONS = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("d", ""), ("ing", ""), ("ing", "e"))
_INFLECTIONS += (("er", ""), ("ers", ""), ("est", ""), ("ly", ""))
_ENDINGS = ("s", "d", "r")


def fold(text: str) -> str:
    """``text`` without accents or typographic apostrophes ("¿Adónde?" → "¿Adonde?"), case kept."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Chat shorthand, written out before anything else reads the message ("smth cheap nr me tmrw" is "something cheap
# near me tomorrow"); only whole words, and only ones that mean nothing else in a request.
SHORTHAND: dict[str, str] = {
    "nr": "near", "smth": "something", "smthg": "something", "sth": "something", "smt": "something",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrrw": "tomorrow", "tmw": "tomorrow", "2moro": "tomorrow",
    "2morrow": "tomorrow", "tomoz": "tomorrow", "tonite": "tonight", "2nite": "tonight", "2night": "tonight",
    "2day": "today", "pls": "please", "plz": "please", "plse": "please", "thx": "thanks", "thnx": "thanks",
    "tks": "thanks", "ty": "thank you", "u": "you", "ur": "your", "rn": "right now", "b4": "before",
    "abt": "about", "recs": "recommendations", "ppl": "people", "bday": "birthday",
    "l8r": "later", "bfast": "breakfast", "brekkie": "breakfast", "brekky": "breakfast", "resto": "restaurant",
    "restos": "restaurants", "wknd": "weekend", "mins": "minutes", "hrs": "hours", "gf": "girlfriend",
    "bf": "boyfriend", "bc": "because", "cuz": "because", "coz": "because", "w/": "with", "w/o": "without",
    "bklyn": "Brooklyn", "nyc": "New York", "somewher": "somewhere", "anywher": "anywhere",
    "hw": "how", "wat": "what", "wht": "what", "whr": "where", "gud": "good", "nite": "night", "bout": "about",
    "tho": "though", "rly": "really", "probs": "probably", "fav": "favourite", "fave": "favourite",
    "favs": "favourites", "faves": "favourites", "k": "ok", "kk": "ok",
    "h8": "hate", "h8s": "hates", "h8d": "hated", "h8ed": "hated", "h8ing": "hating",
    "smthn": "something", "smthng": "something", "sumthin": "something", "somethin": "something",
    "sumthing": "something", "rlly": "really", "srsly": "seriously", "nt": "not",
}  # fmt: skip
_SHORTHAND_RE = re.compile(
    r"(?<![\w/])(" + "|".join(re.escape(word) for word in sorted(SHORTHAND, key=len, reverse=True)) + r")(?![\w/])",
    re.IGNORECASE,
)


# English contractions typed without their apostrophe ("i dont like crowds", "i cant decide"): written out before the
# speller, which would otherwise take "dont" for "done" and "cant" for "can", turning a "not" into its opposite. Only
# in English: "dont" is a French word.
CONTRACTIONS: dict[str, str] = {
    "dont": "don't", "cant": "can't", "wont": "won't", "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't",
    "arent": "aren't", "wasnt": "wasn't", "werent": "weren't", "havent": "haven't", "hasnt": "hasn't",
    "hadnt": "hadn't", "shouldnt": "shouldn't", "couldnt": "couldn't", "wouldnt": "wouldn't", "aint": "ain't",
    "im": "i'm", "ive": "i've", "youre": "you're", "theyre": "they're", "whats": "what's", "wheres": "where's",
    "thats": "that's", "hows": "how's", "whos": "who's", "theres": "there's", "heres": "here's", "lets": "let's",
    "itll": "it'll", "youve": "you've", "weve": "we've", "theyve": "they've", "dnt": "don't", "dint": "didn't",
    "dosnt": "doesn't",
}  # fmt: skip
_CONTRACTIONS_RE = re.compile(r"(?<![\w'])(" + "|".join(CONTRACTIONS) + r")(?![\w'])", re.IGNORECASE)
# "i don like sushi", "i dun like pizza", "we doan want clubs": a "don't" typed short, only before a verb of taste or
# want ("Don Antonio", "dun" alone keep their words).
_DONT_SHORT_RE = re.compile(
    r"(?<![\w'])(i|we|u|you|they)\s+(?:don|dun|doan|dnt)\s+(?=(?:really\s+|even\s+|much\s+|particularly\s+)?"
    r"(?:like|want|wanna|eat|drink|care|enjoy|love|mind|fancy|feel|dig)\b)",
    re.IGNORECASE,
)
# "i hate hate sushi", "really really don't like clubs": a word said twice for emphasis is said once.
DOUBLED_RE = re.compile(r"\b(hate|hates|love|loves|really|so|very|super|totally)(?:\s+\1\b)+", re.IGNORECASE)


def restore_apostrophes(text: str) -> str:
    """English ``text`` with its contractions typed without an apostrophe (:data:`CONTRACTIONS`) or typed short ("i
    dun like pizza") written out, and a word doubled for emphasis said once ("i hate hate sushi")."""
    text = _DONT_SHORT_RE.sub(lambda match: f"{match.group(1)} don't ", text)
    text = DOUBLED_RE.sub(lambda match: match.group(1), text)
    return _CONTRACTIONS_RE.sub(lambda match: CONTRACTIONS[match.group(1).lower()], text)


# Emoji that stand for what people go out for ("🍕 near there", "☕?"), written as the word a request would use.
EMOJI_WORDS: dict[str, str] = {
    "☕": "coffee", "🍵": "tea", "🧋": "bubble tea", "🍺": "beer", "🍻": "beers", "🍷": "wine", "🥂": "drinks",
    "🍸": "cocktails", "🍹": "cocktails", "🍕": "pizza", "🍔": "burger", "🍟": "fries", "🌭": "hot dog",
    "🍣": "sushi", "🍱": "japanese food", "🍜": "ramen", "🍝": "pasta", "🌮": "tacos", "🌯": "burrito",
    "🥟": "dumplings", "🍗": "fried chicken", "🥗": "salad", "🥯": "bagels", "🥐": "bakery", "🍞": "bakery",
    "🥞": "brunch", "🍳": "breakfast", "🍦": "ice cream", "🍨": "ice cream", "🍩": "donuts", "🍰": "dessert",
    "🧁": "cupcakes", "🍫": "chocolate", "🎬": "movie", "🍿": "movie", "🎳": "bowling", "🎤": "karaoke",
    "🎶": "live music", "🎵": "live music", "🎸": "live music", "💃": "dancing", "🕺": "dancing", "🎨": "art",
    "🖼": "art museum", "🏛": "museum", "🌳": "park", "🌲": "park", "🏖": "beach", "🏋": "gym", "🧘": "yoga",
    "🛍": "shopping", "📚": "bookstore", "🏀": "basketball", "⚽": "soccer", "⚾": "baseball",
}  # fmt: skip
_EMOJI_RE = re.compile("(" + "|".join(re.escape(emoji) for emoji in EMOJI_WORDS) + ")\ufe0f?")


def without_emoji(text: str) -> str:
    """``text`` without the emoji :func:`expand_shorthand` writes out: their words are English, whatever the
    language of the message they are in."""
    return _EMOJI_RE.sub(" ", text)


# "Smth 2 eat", "closer 2 work", "where 2 go": a "to" typed as "2" between a word and a verb or "work"; a count
# stays ("table for 2", "2 bars", "top 2 tonight", "el 2").
_TO_AS_TWO_RE = re.compile(
    r"(?<=[a-z] )2(?= (?:eat|go|get|grab|drink|do|see|work|chill|hang|try|visit|watch|meet|dance|shop|relax|sit"
    r"|walk|study|read|party|celebrate)\b)",
    re.IGNORECASE,
)


def expand_shorthand(text: str) -> str:
    """``text`` with its chat shorthand (:data:`SHORTHAND`), a "to" typed "2", and its emoji for things to do
    (:data:`EMOJI_WORDS`) written out."""
    text = _EMOJI_RE.sub(lambda match: f" {EMOJI_WORDS[match.group(1)]} ", text).strip()
    text = _TO_AS_TWO_RE.sub("to", text)
    return _SHORTHAND_RE.sub(lambda match: SHORTHAND[match.group(1).lower()], text)


def max_edits(length: int) -> int:
    """How many edits may turn a word of ``length`` letters into a known one: 0 under 4, 1 up to 6, then 2."""
    if length < SHORTEST_CORRECTED:
        return 0
    return 1 if length <= 6 else 2


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice nearest ``word`` within ``max_edits(len(word))`` edits (the first of equals), or None.

    Only choices with the same first letter count: people rarely mistype it, and without this rule "foodies"
    would become "noodles" and "osteria" "astoria".
    """
    bound = max_edits(len(word))
    if bound == 0:
        return None
    first = word[:1].casefold()
    same_start = [choice for choice in choices if choice[:1].casefold() == first]
    found = process.extractOne(word, same_start, scorer=OSA.distance, score_cutoff=bound)
    return found[0] if found is not None else None


@cache
def dictionary_words() -> frozenset[str]:
    """The real words: the whole, lower-case words of the packaged encoder's tokenizer vocabulary."""
    try:
        lines = (encoder_path(ModelSettings()) / "vocab.txt").read_text(encoding="utf-8").splitlines()
    except (ModelUnavailable, OSError) as error:
        # Without it every unknown token near a vocabulary word is corrected: more eager, still bounded.
        logger.warning("no tokenizer vocabulary for spelling (%s); correcting against the reader's words only", error)
        return frozenset()
    return frozenset(line for line in lines if _VOCAB_WORD_RE.fullmatch(line))


@cache
def common_words(count: int = COMMON_WORDS) -> frozenset[str]:
    """The ``count`` most frequent real words ("more", "next", "plus"): the tokenizer's vocabulary lists its words
    most frequent first."""
    try:
        lines = (encoder_path(ModelSettings()) / "vocab.txt").read_text(encoding="utf-8").splitlines()
    except (ModelUnavailable, OSError):
        return frozenset()  # ``dictionary_words`` has said so already
    return frozenset([line for line in lines if _VOCAB_WORD_RE.fullmatch(line)][:count])


class Speller:
    """Corrects the misspelt words of a text towards ``targets``; words in ``known`` or the dictionary stay.

    An inflected form of a target is read as the target ("bakerys" → "bakery"); one of another real word, or a
    word one of whose inflected forms is real ("compile" for "compiled"), is left alone.
    """

    def __init__(self, targets: Iterable[str], known: Iterable[str] = ()) -> None:
        self.targets = sorted({target.lower() for target in targets if _VOCAB_WORD_RE.fullmatch(target.lower())})
        self._targets = frozenset(self.targets)
        self.known = dictionary_words() | set(self.targets) | {word.lower() for word in known}
        self._corrections: dict[str, str | None] = {}

    def correct_word(self, word: str) -> str | None:
        """The vocabulary word meant by an unknown lower-case ``word``, or None when it is known or too far."""
        if word in self.known:
            return None
        if word not in self._corrections:
            if len(self._corrections) > 10_000:  # arbitrary text must not grow it without end
                self._corrections.clear()
            self._corrections[word] = self._correction(word)
        return self._corrections[word]

    def _correction(self, word: str) -> str | None:
        stems = [
            word.removesuffix(ending) + replacement
            for ending, replacement in _INFLECTIONS
            if word.endswith(ending) and len(word) - len(ending) >= 3
        ]
        for stem in stems:
            if stem in self._targets:
                return stem
        if any(stem in self.known for stem in stems) or any(word + ending in self.known for ending in _ENDINGS):
            return None
        return closest(word, self.targets)

    def correct(self, text: str) -> str:
        """``text`` with each misspelt word replaced, keeping its capitals ("Brooklin" → "Brooklyn")."""
        return _WORD_RE.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        word = match.group(0)
        correction = self.correct_word(word.lower())
        if correction is None:
            return word
        if word.isupper() and len(word) > 1:
            return correction.upper()
        return correction.capitalize() if word[0].isupper() else correction
