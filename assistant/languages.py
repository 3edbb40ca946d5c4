"""Spanish and French requests read as English: which language a message is in, and its words in English.

The request rules read English only; a Spanish or French message is first rewritten phrase by phrase into the
English words the rules know ("cerca de aquí" → "near here", "pas de bars" → "no bars", "samedi" → "saturday").
Everything here works on accent-folded text (``assistant.spelling.fold``), so "sabado" is "sábado". The language
is told from words that belong to one language only, and from accents only Spanish or only French uses; a message
in another language (German, Italian, Portuguese, Dutch, told by py3langid) is answered in English.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal, get_args

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

Language = Literal["en", "es", "fr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

# Folded, lower-case phrase → the English the rules read. Longer phrases win over the words inside them.
_SPANISH = {
    # going out with children
    "con los ninos": "with the kids",
    "con ninos": "with kids",
    "con los chicos": "with the kids",
    "con mi familia": "with the family",
    "que hacer": "things to do",
    "que hay para hacer": "what is there to do",
    "bajo techo": "indoors",
    "a cubierto": "indoors",
    "algo bajo techo": "something indoors",
    "con mis hijos": "with my kids",
    "con mis ninos": "with my kids",
    "para ninos": "for kids",
    "para los ninos": "for the kids",
    # categories
    "cena": "dinner",
    "cenar": "dinner",
    "comer": "eat",
    "comida": "food",
    "almuerzo": "lunch",
    "almorzar": "lunch",
    "desayuno": "breakfast",
    "desayunar": "breakfast",
    "restaurante": "restaurant",
    "restaurantes": "restaurants",
    "bares": "bars",
    "tomar algo": "drinks",
    "una copa": "drinks",
    "copas": "drinks",
    "cerveza": "beer",
    "cervezas": "beer",
    "vino": "wine",
    "cafeteria": "cafe",
    "cafeterias": "cafes",
    "museo": "museum",
    "museos": "museums",
    "parque": "park",
    "parques": "parks",
    "pasear": "stroll",
    "paseo": "walk",
    "tienda": "store",
    "tiendas": "stores",
    "de compras": "shopping",
    "compras": "shopping",
    "galeria": "gallery",
    "galerias": "galleries",
    "cine": "cinema",
    "discoteca": "nightclub",
    "discotecas": "nightclubs",
    "bailar": "dancing",
    "gimnasio": "gym",
    "libreria": "bookstore",
    "biblioteca": "library",
    "panaderia": "bakery",
    "pasteleria": "bakery",
    "postre": "dessert",
    "postres": "desserts",
    "helado": "ice cream",
    "mariscos": "seafood",
    "hamburguesa": "burger",
    "hamburguesas": "burgers",
    "musica en vivo": "live music",
    "concierto": "concert",
    "teatro": "theater",
    "comida china": "chinese",
    "chino": "chinese",
    "comida mexicana": "mexican",
    "mexicano": "mexican",
    "italiano": "italian",
    "italianos": "italian",
    "italiana": "italian",
    "japones": "japanese",
    "japonesa": "japanese",
    "indio": "indian",
    "frances": "french",
    # places and "near here"
    "sitio": "place",
    "sitios": "places",
    "lugar": "place",
    "lugares": "places",
    "algun sitio": "somewhere",
    "algun lugar": "somewhere",
    "cerca de aqui": "near here",
    "cerca de mi": "near me",
    "aqui cerca": "nearby",
    "por aqui": "around here",
    "por la zona": "in the area",
    "cerca de": "near",
    "cerca": "nearby",
    "mas cerca de aqui": "closer near here",
    "mas cerca": "closer",
    "cual es el mas popular": "which one is the most popular",
    "cual es la mas popular": "which one is the most popular",
    "el mas popular": "the most popular",
    "la mas popular": "the most popular",
    "el mas cercano": "the closest",
    "la mas cercana": "the closest",
    "mas cercano": "closest",
    "mas cercana": "closest",
    # surprise, familiar, quiet
    "sorprendeme": "surprise me",
    "sorpresa": "surprise",
    "algo nuevo": "something new",
    "algo diferente": "something different",
    "algo distinto": "something different",
    "sitio nuevo": "new place",
    "lugar nuevo": "new place",
    "sitios nuevos": "new places",
    "lugares nuevos": "new places",
    "nunca he ido": "never been",
    "nunca he estado": "never been",
    "que no conozca": "i don't know",
    "que no conozco": "i don't know",
    "no conozco": "i don't know",
    "que ya conozco": "i already know",
    "que conozco": "i know",
    "ya conozco": "i already know",
    "de siempre": "my usual",
    "donde ya he estado": "i've been before",
    "donde ya he ido": "i've been before",
    "ya he estado": "i've been before",
    "ya he ido": "i've been before",
    "tranquilo": "quiet",
    "tranquila": "quiet",
    "tranquilos": "quiet",
    "tranquilas": "quiet",
    "mas tranquilo": "quieter",
    "mas tranquila": "quieter",
    "silencioso": "quiet",
    "sin ruido": "quiet",
    # exclusions
    "sin": "without",
    "nada de": "no",
    "excepto": "except",
    "evitar": "avoid",
    "evita": "avoid",
    # intents
    "quiero": "i want",
    "busco": "looking for",
    "necesito": "i need",
    "recomiendame": "recommend",
    "recomienda": "recommend",
    "recomendar": "recommend",
    "sugiereme": "suggest",
    "dame": "give me",
    "muestrame": "show me",
    "ir": "go",
    "salir": "go out",
    "donde": "where",
    "adonde": "where",
    "por que": "why",
    "el primero": "the first",
    "el primer": "the first",
    "la primera": "the first",
    "primero": "first",
    # A second stop, and how far ("y luego un bar", "¿está lejos el segundo?").
    "y luego": "and then",
    "luego": "then",
    "despues": "after",
    "lejos": "far",
    "el segundo": "the second",
    "la segunda": "the second",
    "segundo": "second",
    "el tercero": "the third",
    "la tercera": "the third",
    "tercero": "third",
    "olvida": "forget",
    "ya no bebo": "i don't drink anymore",
    "no bebo": "i don't drink",
    "nada de comida rapida": "no more fast food",
    "me mude a": "i moved to",
    "me he mudado a": "i moved to",
    "vivo en": "i live in",
    "mas sitios como": "more places like",
    "lugares como": "places like",
    "olvida mis visitas a": "forget my visits to",
    "deshacer": "undo",
    "deshazlo": "undo",
    "olvidate de": "forget",
    "borra": "delete",
    "que sabes de mi": "what do you know about me",
    "que sabes de": "what do you know about",
    "mis gustos": "my tastes",
    "mi": "my",
    "mis": "my",
    "sabes de mi": "know about me",
    "adonde suelo ir": "where do i usually go",
    "donde suelo ir": "where do i usually go",
    "a donde suelo ir": "where do i usually go",
    "suelo ir": "i usually go",
    "adonde voy": "where do i go",
    "a donde voy": "where do i go",
    "donde voy": "where do i go",
    # The user's own past ("¿dónde fui en junio?", "¿qué hice el mes pasado?"), months with their "en".
    "adonde fui": "where did i go",
    "a donde fui": "where did i go",
    "donde fui": "where did i go",
    "donde estuve": "where was i",
    "que hice": "what did i do",
    "la semana pasada": "last week",
    "el mes pasado": "last month",
    "en enero": "in january",
    "en febrero": "in february",
    "en marzo": "in march",
    "en abril": "in april",
    "en mayo": "in may",
    "en junio": "in june",
    "en julio": "in july",
    "en agosto": "in august",
    "en septiembre": "in september",
    "en octubre": "in october",
    "en noviembre": "in november",
    "en diciembre": "in december",
    "que suelo hacer": "what do i usually do",
    "que hago": "what do i do",
    "normalmente": "usually",
    "habitualmente": "usually",
    "por lo general": "usually",
    "suelo": "i usually",
    "mis sitios favoritos": "my favourite spots",
    "mis lugares favoritos": "my favourite places",
    "cuales son mis": "what are my",
    "mi historial": "my history",
    "mis habitos": "my habits",
    "y": "and",
    "o": "or",
    "otro": "another",
    "otra": "another",
    "mas barato": "cheaper",
    "en cambio": "instead",
    "que tal": "what about",
    "y si": "what about",
    # small talk and off topic
    "hola": "hello",
    "gracias": "thanks",
    "muchas gracias": "thanks",
    "buenos dias": "good morning",
    "buenas tardes": "good afternoon",
    "buenas noches": "good night",
    "adios": "bye",
    "que puedes hacer": "what can you do",
    "chiste": "joke",
    "chistes": "jokes",
    "poema": "poem",
    "clima": "weather",
    "que tiempo hace": "what's the weather",
    "que tiempo hara": "what's the weather",
    "el tiempo": "the weather",
    "cuentame": "tell me",
    "codigo": "code",
    # numbers
    "dos": "two",
    "tres": "three",
    "cuatro": "four",
    "cinco": "five",
    "seis": "six",
    "siete": "seven",
    "ocho": "eight",
    "nueve": "nine",
    "diez": "ten",
    "algunos": "a few",
    # time
    "hoy": "today",
    "ahora": "now",
    "ahora mismo": "right now",
    "manana por la manana": "tomorrow morning",
    "manana por la tarde": "tomorrow afternoon",
    "manana por la noche": "tomorrow night",
    "por la manana": "in the morning",
    "de la manana": "in the morning",
    "esta manana": "this morning",
    "manana": "tomorrow",
    "mediodia": "noon",
    "por la tarde": "in the afternoon",
    "esta tarde": "this afternoon",
    "tarde": "afternoon",
    "esta noche": "tonight",
    "por la noche": "at night",
    "noche": "night",
    "fin de semana": "weekend",
    "este fin de semana": "this weekend",
    "los fines de semana": "on weekends",
    "el proximo": "next",
    "el lunes": "on monday",
    "el martes": "on tuesday",
    "el miercoles": "on wednesday",
    "el jueves": "on thursday",
    "el viernes": "on friday",
    "el sabado": "on saturday",
    "el domingo": "on sunday",
    "los lunes": "on mondays",
    "los martes": "on tuesdays",
    "los miercoles": "on wednesdays",
    "los jueves": "on thursdays",
    "los viernes": "on fridays",
    "los sabados": "on saturdays",
    "los domingos": "on sundays",
    # Questions about one place (assistant.place_questions).
    "esta abierto": "is it open",
    "esta abierta": "is it open",
    "abierto": "open",
    "abierta": "open",
    "cierra": "closes",
    "cerrado": "closed",
    "horario": "hours",
    "horarios": "hours",
    "cuanto cuesta": "how much does it cost",
    "es caro": "is it expensive",
    "es cara": "is it expensive",
    "no muy caro": "cheap",
    "caro": "expensive",
    "precio": "price",
    "precios": "prices",
    "la direccion": "the address",
    "direccion": "address",
    "reservar": "book",
    "reserva": "reservation",
    "que tan lejos": "how far",
    "a que distancia": "how far",
    "esta lejos": "is it far",
    "telefono": "phone",
    "cuentame mas sobre": "tell me more about",
    "esta lleno": "is it busy",
    "lunes": "monday",
    "martes": "tuesday",
    "miercoles": "wednesday",
    "jueves": "thursday",
    "viernes": "friday",
    "sabado": "saturday",
    "sabados": "saturdays",
    "domingo": "sunday",
    "domingos": "sundays",
}
_FRENCH = {
    # going out with children
    "avec les enfants": "with the kids",
    "avec mes enfants": "with my kids",
    "pour les enfants": "for the kids",
    "pour enfants": "for kids",
    "avec des enfants": "with kids",
    "a l'interieur": "indoors",
    "a l interieur": "indoors",
    "au chaud": "indoors",
    # Questions about one place (assistant.place_questions).
    "est-ce ouvert": "is it open",
    "c'est ouvert": "is it open",
    "est ouvert": "is open",
    "ouvert": "open",
    "ouverte": "open",
    "horaires": "hours",
    "combien ca coute": "how much does it cost",
    "c'est cher": "is it expensive",
    "pas cher": "cheap",
    "pas chere": "cheap",
    "cher": "expensive",
    "chere": "expensive",
    "prix": "price",
    "l'adresse": "the address",
    "son adresse": "its address",
    "reserver": "book",
    "reservation": "reservation",
    "a quelle distance": "how far",
    "c'est loin": "is it far",
    "telephone": "phone",
    "dis-m'en plus sur": "tell me more about",
    "y a-t-il du monde": "is it busy",
    # categories
    "diner": "dinner",
    "manger": "eat",
    "dejeuner": "lunch",
    "petit-dejeuner": "breakfast",
    "petit dej": "breakfast",
    "un verre": "drinks",
    "boire": "drinks",
    "biere": "beer",
    "bieres": "beer",
    "vin": "wine",
    "musee": "museum",
    "musees": "museums",
    "parc": "park",
    "parcs": "parks",
    "pique-nique": "picnic",
    "pique-niquer": "picnic",
    "se promener": "stroll",
    "promenade": "walk",
    "balade": "walk",
    "boutique": "shop",
    "boutiques": "shops",
    "magasin": "store",
    "magasins": "stores",
    "faire les magasins": "shopping",
    "galerie": "gallery",
    "galeries": "galleries",
    "boite de nuit": "nightclub",
    "boites de nuit": "nightclubs",
    "boite": "club",
    "danser": "dancing",
    "salle de sport": "gym",
    "librairie": "bookstore",
    "bibliotheque": "library",
    "boulangerie": "bakery",
    "patisserie": "bakery",
    "glace": "ice cream",
    "fruits de mer": "seafood",
    "theatre": "theater",
    "chinois": "chinese",
    "mexicain": "mexican",
    "italien": "italian",
    "italiens": "italian",
    "japonais": "japanese",
    "indien": "indian",
    "francais": "french",
    "vegetarien": "vegetarian",
    # places and "near here"
    "endroit": "place",
    "endroits": "places",
    "adresse": "place",
    "adresses": "places",
    "quelque part": "somewhere",
    "pres d'ici": "near here",
    "pres de moi": "near me",
    "plus pres d'ici": "closer near here",
    "plus pres": "closer",
    "quel est le plus populaire": "which one is the most popular",
    "lequel est le plus populaire": "which one is the most popular",
    "le plus populaire": "the most popular",
    "la plus populaire": "the most popular",
    "quel est le plus proche": "which one is closest",
    "lequel est le plus proche": "which one is closest",
    "laquelle est la plus proche": "which one is closest",
    "le plus proche": "closest",
    "la plus proche": "closest",
    "les plus proches": "closest",
    "pres de": "near",
    "a cote": "nearby",
    "dans le coin": "nearby",
    "dans le quartier": "nearby",
    "pas loin": "nearby",
    "tout pres": "nearby",
    "ici": "here",
    # surprise, familiar, quiet
    "surprends-moi": "surprise me",
    "surprenez-moi": "surprise me",
    "quelque chose de nouveau": "something new",
    "quelque chose de different": "something different",
    "nouvel endroit": "new place",
    "nouveaux endroits": "new places",
    "endroit nouveau": "new place",
    "jamais alle": "never been",
    "decouvrir": "discover",
    "que je ne connais pas": "i don't know",
    "je ne connais pas": "i don't know",
    "que je connais deja": "i already know",
    "que je connais": "i know",
    "je connais deja": "i already know",
    "ou je suis deja alle": "i've been before",
    "ou je suis deja allee": "i've been before",
    "endroits habituels": "usual places",
    "adresses habituelles": "usual places",
    "habituel": "usual",
    "calme": "quiet",
    "calmes": "quiet",
    "tranquille": "quiet",
    "plus calme": "quieter",
    "plus tranquille": "quieter",
    "pas trop bruyant": "not too loud",
    # exclusions
    "pas de": "no",
    "sans": "without",
    "sauf": "except",
    "eviter": "avoid",
    # intents
    "je cherche": "looking for",
    "je veux": "i want",
    "j'ai envie de": "i want",
    "recommande-moi": "recommend",
    "recommande": "recommend",
    "conseille-moi": "recommend",
    "propose-moi": "suggest",
    "donne-moi": "give me",
    "montre-moi": "show me",
    "aller": "go",
    "sortir": "go out",
    "ou aller": "where to go",
    "ou manger": "where to eat",
    "ou diner": "where to have dinner",
    "ou boire": "where to drink",
    "ou sortir": "where to go out",
    # Folding makes "où" (where) "ou" (or); followed by a verb it can only be "où".
    "ou est": "where is",
    "ou sont": "where are",
    "ou puis-je": "where can i",
    "ou peut-on": "where can we",
    "ou pourrais-je": "where could i",
    "ou je peux": "where i can",
    "ou on peut": "where we can",
    "ou trouver": "where to find",
    "ou": "or",
    "pourquoi": "why",
    "celui-la": "that one",
    "celle-la": "that one",
    "le premier": "the first",
    "la premiere": "the first",
    # A second stop, and how far ("puis un endroit pour danser", "le deuxième est loin ?").
    "et puis": "and then",
    "puis": "then",
    "ensuite": "then",
    "apres": "after",
    "est loin": "is far",
    "loin": "far",
    "le deuxieme": "the second",
    "la deuxieme": "the second",
    "le second": "the second",
    "la seconde": "the second",
    "le troisieme": "the third",
    "du premier": "of the first",
    "du deuxieme": "of the second",
    "du troisieme": "of the third",
    "la troisieme": "the third",
    "oublie": "forget",
    "je ne bois plus": "i don't drink anymore",
    "je ne bois pas": "i don't drink",
    "plus de fast-food": "no more fast food",
    "j'ai demenage a": "i moved to",
    "j'habite a": "i live in",
    "plus d'endroits comme": "more places like",
    "des endroits comme": "places like",
    "oublie mes visites a": "forget my visits to",
    "annuler": "undo",
    "annule": "undo",
    "efface": "delete",
    "supprime": "delete",
    "qu'est-ce que tu sais de moi": "what do you know about me",
    "que sais-tu de moi": "what do you know about me",
    "tu sais de moi": "know about me",
    "ou est-ce que je vais": "where do i go",
    "qu'est-ce que je fais": "what do i do",
    "que fais-je": "what do i do",
    "ou est-ce que je": "where do i",
    "ou est-ce que": "where",
    "est-ce que je": "do i",
    "je sors": "i go out",
    "sors": "go out",
    "le plus souvent": "most often",
    "souvent": "often",
    "mes gouts": "my tastes",
    "mes": "my",
    "mon": "my",
    "ma": "my",
    "ou je vais": "where do i go",
    # The user's own past ("où suis-je allé en juin ?", "qu'est-ce que j'ai fait le mois dernier ?").
    "ou suis-je alle": "where did i go",
    "ou suis-je allee": "where did i go",
    "ou je suis alle": "where did i go",
    "ou je suis allee": "where did i go",
    "ou est-ce que je suis alle": "where did i go",
    "ou est-ce que je suis allee": "where did i go",
    "qu'est-ce que j'ai fait": "what did i do",
    "qu'ai-je fait": "what did i do",
    "la semaine derniere": "last week",
    "le mois dernier": "last month",
    "en janvier": "in january",
    "en fevrier": "in february",
    "en mars": "in march",
    "en avril": "in april",
    "en mai": "in may",
    "en juin": "in june",
    "en juillet": "in july",
    "en aout": "in august",
    "en septembre": "in september",
    "en octobre": "in october",
    "en novembre": "in november",
    "en decembre": "in december",
    "d'habitude": "usually",
    "habituellement": "usually",
    "mes endroits preferes": "my favourite spots",
    "mes adresses preferees": "my favourite spots",
    "mon historique": "my history",
    "mes habitudes": "my habits",
    "et": "and",
    "un autre": "another",
    "une autre": "another",
    "moins cher": "cheaper",
    "plutot": "instead",
    "et si": "what about",
    # small talk and off topic
    "bonjour": "hello",
    "salut": "hi",
    "bonsoir": "good evening",
    "bonne nuit": "good night",
    "merci": "thanks",
    "au revoir": "bye",
    "qu'est-ce que tu peux faire": "what can you do",
    "que peux-tu faire": "what can you do",
    "blague": "joke",
    "blagues": "jokes",
    "poeme": "poem",
    "meteo": "weather",
    "quel temps": "what weather",
    "raconte-moi": "tell me",
    "raconte": "tell",
    # numbers
    "deux": "two",
    "trois": "three",
    "quatre": "four",
    "cinq": "five",
    "sept": "seven",
    "huit": "eight",
    "neuf": "nine",
    "dix": "ten",
    "quelques": "a few",
    # time
    "aujourd'hui": "today",
    "maintenant": "now",
    "tout de suite": "right now",
    "demain": "tomorrow",
    "ce matin": "this morning",
    "le matin": "in the morning",
    "matin": "morning",
    "midi": "noon",
    "cet apres-midi": "this afternoon",
    "l'apres-midi": "in the afternoon",
    "apres-midi": "afternoon",
    "ce soir": "tonight",
    "cette nuit": "tonight",
    "le soir": "in the evening",
    "soir": "evening",
    "soiree": "evening",
    "nuit": "night",
    "ce week-end": "this weekend",
    "le week-end": "on weekends",
    "week-end": "weekend",
    "prochain": "next",
    "lundi": "monday",
    "mardi": "tuesday",
    "mercredi": "wednesday",
    "jeudi": "thursday",
    "vendredi": "friday",
    "samedi": "saturday",
    "dimanche": "sunday",
    "le lundi": "on mondays",
    "le mardi": "on tuesdays",
    "le mercredi": "on wednesdays",
    "le jeudi": "on thursdays",
    "le vendredi": "on fridays",
    "le samedi": "on saturdays",
    "le dimanche": "on sundays",
    "lundis": "mondays",
    "samedis": "saturdays",
    "dimanches": "sundays",
}
PHRASES: dict[Language, dict[str, str]] = {"es": _SPANISH, "fr": _FRENCH}

# Common words of each language; with the phrases' words, those that belong to one language only tell it.
_STOPWORDS: dict[Language, str] = {
    "en": "the a an and or to for of with in on at is are was what where when which who how why some any this that "
    "there here please can could would should want need i me my you your it we us our go get find show give near "
    "somewhere something anything place places spot spots good best new quiet tonight today tomorrow no not "
    "more less anymore again stop like than "
    # English words that the Spanish or French phrases use too: they tell neither language.
    "diner surprise boutique boutiques promenade theatre patisserie",
    "es": "el la los las un una unos unas de del al y o en con para por que como es son esta estoy estar muy pero "
    "mas algo algun alguna yo me mi mis tu te nos hay puedo quiero donde cual cuales cuando porque hoy bien gracias "
    "hola bueno buena buenos buenas ya tambien aqui alli ese esa este sin",
    "fr": "le la les un une des de du au aux et ou en avec pour par que qui quoi est sont je tu il nous vous mon ma "
    "mes ton ta tes moi toi ce cet cette ces dans sur pas plus tres bien merci bonjour salut quelque chose ici "
    "aussi mais donc deja encore peux veux sais fait faire",
}
# Letters one of the two languages uses and the other does not (before folding).
_ACCENTS: dict[Language, str] = {"es": "ñ¿¡áíóú", "fr": "àâçèêëîïôûùœ"}
_WORD_RE = re.compile(r"[a-z']+")


@cache
def words(language: Language) -> frozenset[str]:
    """The folded words of a language's stopwords and, for Spanish and French, its phrases."""
    phrases = PHRASES.get(language, {})
    found = set(_STOPWORDS[language].split())
    for phrase in phrases:
        found.update(re.split(r"[\s'-]+", phrase))
    return frozenset(word for word in found if word)


@cache
def _telling() -> dict[Language, frozenset[str]]:
    # A word shared by two languages ("de", "un", "restaurant") tells neither apart, nor does one the English
    # readings use ("fast-food" is French too, yet "food" alone is English).
    english = {
        word for phrases in PHRASES.values() for reading in phrases.values() for word in re.split(r"[\s'-]+", reading)
    }
    return {
        language: words(language)
        - frozenset().union(*(words(other) for other in LANGUAGES if other != language))
        - (english if language != "en" else set())
        for language in LANGUAGES
    }


# Languages told apart from the three spoken here, so that Italian is not answered in French nor Portuguese in
# Spanish; a message in one of them is answered in English.
_OTHER_LANGUAGES = ("de", "it", "pt", "nl")
_SURE = 0.9  # the identifier's probability above which a message is taken for another language
_FEWEST_WORDS = 3  # shorter messages ("pizza", "danke") say too little to tell


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages([*LANGUAGES, *_OTHER_LANGUAGES])
    return identifier


def other_language(message: str) -> str | None:
    """The language of a message written in none of :data:`LANGUAGES` ("it" for "c'è un buon ristorante qui
    vicino?"), told by py3langid's language identifier; None for the three, and when unsure."""
    if len(_WORD_RE.findall(message.lower())) < _FEWEST_WORDS:
        return None
    language, probability = _identifier().classify(message)
    return language if language in _OTHER_LANGUAGES and probability >= _SURE else None


def detect_language(message: str, folded: str) -> Language:
    """The language of a message ("en" unless Spanish or French words or accents outnumber English words, or it is
    written in another language, :func:`other_language`).

    ``folded`` is the message with accents folded (``assistant.spelling.fold``); the accents themselves are read
    from ``message``.
    """
    if other_language(message) is not None:
        return "en"
    tokens = [token.strip("'") for token in _WORD_RE.findall(folded.lower())]
    telling = _telling()
    scores = {language: sum(token in telling[language] for token in tokens) for language in LANGUAGES}
    lowered = message.lower()
    for language, letters in _ACCENTS.items():
        scores[language] += any(letter in lowered for letter in letters)
    best = max(("es", "fr"), key=lambda language: scores[language])
    return best if scores[best] > scores["en"] else "en"


@cache
def _phrases_re(language: Language) -> re.Pattern[str]:
    def pattern(phrase: str) -> str:
        # A space or hyphen in a phrase matches any run of spaces or hyphens ("pique niquer", "après - midi").
        return r"[\s-]+".join(re.escape(part) for part in re.split(r"[\s-]+", phrase))

    phrases = sorted(PHRASES[language], key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(pattern(phrase) for phrase in phrases) + r")(?!\w)", re.IGNORECASE)


@cache
def _lookup(language: Language) -> dict[str, str]:
    return {" ".join(re.split(r"[\s-]+", phrase)): english for phrase, english in PHRASES[language].items()}


def to_english(folded: str, language: Language) -> str:
    """A folded message with its Spanish or French phrases replaced by English ones; English is returned as is."""
    if language == "en":
        return folded
    lookup = _lookup(language)
    return _phrases_re(language).sub(
        lambda match: lookup[" ".join(re.split(r"[\s-]+", match.group(0).lower()))], folded
    )
