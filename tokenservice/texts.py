"""Every text printed on the card and the receipt slip, in one place.

The card front is read by exploitanten and toezichthouders and stays Dutch. The card
back and the receipt are read by the worker and come in her language (``LANGUAGES``).

These translations were written carefully but not by native speakers: have each one
reviewed before real use (see docs/card.md). Rules kept in every language: no word that
outs the holder (nothing about sex work or prostitution), formal address where the
language has one except Dutch and Polish (informal, which in Polish also avoids gendered
verb forms), and no gendered past tense.
"""

from __future__ import annotations

import datetime
from typing import Final

from babel.dates import format_date as _babel_format_date

__all__ = [
    "DEMO_WATERMARK",
    "FRONT_VALID_UNTIL",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "date_long",
    "date_short",
    "keys",
    "text",
    "valid_until",
]

LANGUAGES: Final = ("nl", "en", "es", "pt", "ro", "bg", "hu", "pl")

LANGUAGE_NAMES: Final = {
    "nl": "Nederlands",
    "en": "English",
    "es": "Español",
    "pt": "Português",
    "ro": "Română",
    "bg": "Български",
    "hu": "Magyar",
    "pl": "Polski",
}

# Card front: Dutch only, for the people who check the pass.
FRONT_VALID_UNTIL: Final = "geldig tot"
DEMO_WATERMARK: Final = "DEMO — NIET GELDIG"

_TEXTS: Final[dict[str, dict[str, str]]] = {
    # --- Card back ---------------------------------------------------------------
    "back_not_id": {
        "nl": "Dit is geen identiteitsbewijs. Je hoeft deze pas alleen te laten zien "
        "aan iemand die zich legitimeert.",
        "en": "This is not an identity document. You only have to show this pass to "
        "someone who identifies themselves.",
        "es": "Esto no es un documento de identidad. Solo tiene que enseñar esta tarjeta "
        "a quien se identifique.",
        "pt": "Isto não é um documento de identificação. Só tem de mostrar este cartão "
        "a quem se identificar.",
        "ro": "Acesta nu este un act de identitate. Trebuie să arătați acest card doar "
        "cuiva care se legitimează.",
        "bg": "Това не е документ за самоличност. Трябва да показвате тази карта само "
        "на човек, който се легитимира.",
        "hu": "Ez nem személyazonosító okmány. Csak annak kell megmutatnia ezt a "
        "kártyát, aki igazolja magát.",
        "pl": "To nie jest dokument tożsamości. Tę kartę musisz pokazać tylko osobie, "
        "która się wylegitymuje.",
    },
    "back_help": {
        "nl": "Hulp",
        "en": "Help",
        "es": "Ayuda",
        "pt": "Ajuda",
        "ro": "Ajutor",
        "bg": "Помощ",
        "hu": "Segítség",
        "pl": "Pomoc",
    },
    # --- Receipt slip ------------------------------------------------------------
    "receipt_title": {
        "nl": "Je pas",
        "en": "Your pass",
        "es": "Su tarjeta",
        "pt": "O seu cartão",
        "ro": "Cardul dumneavoastră",
        "bg": "Вашата карта",
        "hu": "Az Ön kártyája",
        "pl": "Twoja karta",
    },
    "receipt_what": {
        "nl": "Deze pas laat zien dat je een intakegesprek bij de gemeente hebt gehad. "
        "Je hebt hem nodig om in een bedrijf met vergunning te werken. De exploitant "
        "van je werkplek en toezichthouders van de gemeente kunnen vragen hem te zien.",
        "en": "This pass shows that you have had the intake interview with the "
        "municipality. You need it to work at a licensed business. The operator of "
        "your workplace and the municipality's inspectors may ask to see it.",
        "es": "Esta tarjeta demuestra que ha tenido la entrevista informativa con el "
        "ayuntamiento. La necesita para trabajar en un local con licencia. El "
        "responsable de su lugar de trabajo y los inspectores del ayuntamiento pueden "
        "pedirle que la muestre.",
        "pt": "Este cartão mostra que teve a entrevista de acolhimento com o município. "
        "Precisa dele para trabalhar num estabelecimento licenciado. O responsável "
        "pelo seu local de trabalho e os fiscais do município podem pedir para o ver.",
        "ro": "Acest card arată că ați avut discuția de informare la primărie. Aveți "
        "nevoie de el pentru a lucra într-un local autorizat. Administratorul locului "
        "de muncă și inspectorii primăriei vă pot cere să-l arătați.",
        "bg": "Тази карта показва, че сте провели информационния разговор с общината. "
        "Тя Ви е необходима, за да работите в заведение с лиценз. Управителят на "
        "мястото, където работите, и инспекторите на общината могат да поискат да я "
        "видят.",
        "hu": "Ez a kártya igazolja, hogy Ön részt vett a tájékoztató beszélgetésen az "
        "önkormányzatnál. Szüksége van rá, ha engedéllyel rendelkező helyen dolgozik. "
        "A munkahelye üzemeltetője és az önkormányzat ellenőrei kérhetik, hogy "
        "mutassa meg.",
        "pl": "Ta karta potwierdza, że rozmowa informacyjna w urzędzie gminy się "
        "odbyła. Potrzebujesz jej, aby pracować w lokalu z zezwoleniem. Właściciel "
        "twojego miejsca pracy i kontrolerzy z gminy mogą poprosić o jej okazanie.",
    },
    "receipt_not_id": {
        "nl": "De pas is geen identiteitsbewijs. Je hoeft hem nooit te laten zien aan "
        "klanten of aan iemand die zich niet legitimeert.",
        "en": "The pass is not an identity document. You never have to show it to "
        "clients, or to anyone who does not identify themselves.",
        "es": "La tarjeta no es un documento de identidad. Nunca tiene que enseñarla a "
        "clientes ni a nadie que no se identifique.",
        "pt": "O cartão não é um documento de identificação. Nunca tem de o mostrar a "
        "clientes nem a quem não se identifique.",
        "ro": "Cardul nu este un act de identitate. Nu trebuie să-l arătați niciodată "
        "clienților sau cuiva care nu se legitimează.",
        "bg": "Картата не е документ за самоличност. Никога не сте длъжни да я "
        "показвате на клиенти или на някого, който не се легитимира.",
        "hu": "A kártya nem személyazonosító okmány. Soha nem kell megmutatnia "
        "ügyfeleknek, sem olyan személynek, aki nem igazolja magát.",
        "pl": "Karta nie jest dokumentem tożsamości. Nigdy nie musisz jej pokazywać "
        "klientom ani nikomu, kto się nie wylegitymuje.",
    },
    "receipt_number": {
        "nl": "Pasnummer",
        "en": "Pass number",
        "es": "Número de tarjeta",
        "pt": "Número do cartão",
        "ro": "Numărul cardului",
        "bg": "Номер на картата",
        "hu": "Kártyaszám",
        "pl": "Numer karty",
    },
    "receipt_valid": {
        "nl": "Je pas is geldig tot {date}.",
        "en": "Your pass is valid until {date}.",
        "es": "Su tarjeta es válida hasta el {date}.",
        "pt": "O seu cartão é válido até {date}.",
        "ro": "Cardul este valabil până la {date}.",
        "bg": "Картата е валидна до {date}.",
        "hu": "A kártya lejárati dátuma: {date}.",
        "pl": "Twoja karta jest ważna do {date}.",
    },
    "receipt_renew": {
        "nl": "Verlengen? Maak vóór die datum een afspraak met de gemeente voor een "
        "nieuw gesprek. Daarna krijg je een nieuwe pas.",
        "en": "To renew it, make an appointment with the municipality for a new "
        "conversation before that date. You will then get a new pass.",
        "es": "Para renovarla, pida cita en el ayuntamiento para una nueva entrevista "
        "antes de esa fecha. Después recibirá una tarjeta nueva.",
        "pt": "Para o renovar, marque uma nova entrevista com o município antes dessa "
        "data. Depois recebe um cartão novo.",
        "ro": "Pentru reînnoire, programați-vă la primărie pentru o nouă discuție "
        "înainte de această dată. Apoi veți primi un card nou.",
        "bg": "За да я подновите, запишете си час в общината за нов разговор преди тази "
        "дата. След това ще получите нова карта.",
        "hu": "A megújításhoz e dátum előtt kérjen időpontot az önkormányzattól egy új "
        "beszélgetésre. Ezután új kártyát kap.",
        "pl": "Aby ją odnowić, umów się w urzędzie gminy na nową rozmowę przed tą datą. "
        "Wtedy otrzymasz nową kartę.",
    },
    "receipt_lost": {
        "nl": "Pas kwijt? Neem contact op met de gemeente, dan krijg je een nieuwe.",
        "en": "Lost your pass? Contact the municipality and you will get a new one.",
        "es": "¿Ha perdido la tarjeta? Contacte con el ayuntamiento y recibirá una nueva.",
        "pt": "Perdeu o cartão? Contacte o município e receberá um novo.",
        "ro": "Ați pierdut cardul? Contactați primăria și veți primi unul nou.",
        "bg": "Загубили сте картата? Свържете се с общината и ще получите нова.",
        "hu": "Elvesztette a kártyát? Forduljon az önkormányzathoz, és újat kap.",
        "pl": "Zgubiona karta? Skontaktuj się z urzędem gminy, a otrzymasz nową.",
    },
    "receipt_photo": {
        "nl": "De gemeente bewaart je foto niet.",
        "en": "The municipality does not keep your photo.",
        "es": "El ayuntamiento no guarda su foto.",
        "pt": "O município não guarda a sua fotografia.",
        "ro": "Primăria nu vă păstrează fotografia.",
        "bg": "Общината не съхранява Вашата снимка.",
        "hu": "Az önkormányzat nem őrzi meg az Ön fényképét.",
        "pl": "Urząd gminy nie przechowuje twojego zdjęcia.",
    },
    "receipt_help_title": {
        "nl": "Hier kun je terecht voor hulp",
        "en": "Where to get help",
        "es": "Dónde encontrar ayuda",
        "pt": "Onde encontrar ajuda",
        "ro": "Unde găsiți ajutor",
        "bg": "Къде да потърсите помощ",
        "hu": "Hol kaphat segítséget",
        "pl": "Gdzie szukać pomocy",
    },
    "receipt_help_intro": {
        "nl": "Je kunt altijd bij deze organisaties terecht voor hulp en advies, ook als "
        "je met dit werk wilt stoppen.",
        "en": "You can always contact these organisations for help and advice, also if "
        "you want to stop this work.",
        "es": "Puede acudir siempre a estas organizaciones para pedir ayuda y consejo, "
        "también si quiere dejar este trabajo.",
        "pt": "Pode sempre contactar estas organizações para pedir ajuda e conselhos, "
        "também se quiser deixar este trabalho.",
        "ro": "Vă puteți adresa oricând acestor organizații pentru ajutor și sfaturi, "
        "inclusiv dacă doriți să renunțați la această muncă.",
        "bg": "Винаги можете да се обърнете към тези организации за помощ и съвет, "
        "включително ако искате да спрете тази работа.",
        "hu": "Ezekhez a szervezetekhez mindig fordulhat segítségért és tanácsért, akkor "
        "is, ha abba szeretné hagyni ezt a munkát.",
        "pl": "Zawsze możesz zwrócić się do tych organizacji po pomoc i radę, także "
        "jeśli chcesz zakończyć tę pracę.",
    },
    "receipt_personal_code": {
        "nl": "Je persoonlijke code",
        "en": "Your personal code",
        "es": "Su código personal",
        "pt": "O seu código pessoal",
        "ro": "Codul dumneavoastră personal",
        "bg": "Вашият личен код",
        "hu": "Az Ön személyes kódja",
        "pl": "Twój kod osobisty",
    },
    "receipt_personal_code_note": {
        "nl": "Houd deze code voor jezelf.",
        "en": "Keep this code to yourself.",
        "es": "No comparta este código con nadie.",
        "pt": "Não partilhe este código com ninguém.",
        "ro": "Nu dezvăluiți acest cod nimănui.",
        "bg": "Не споделяйте този код с никого.",
        "hu": "Ezt a kódot ne adja ki senkinek.",
        "pl": "Nie pokazuj nikomu tego kodu.",
    },
    # --- Asked at the intake (policy "escrow"), read out or shown to her ---------
    "consent_question": {
        "nl": "Mag de gemeente je naam en de gegevens van je identiteitsbewijs verzegeld "
        "bewaren bij je pasnummer?",
        "en": "May the municipality keep your name and the details of your identity "
        "document, sealed, with your pass number?",
        "es": "¿Permite que el ayuntamiento guarde, sellados, su nombre y los datos de su "
        "documento de identidad junto con su número de tarjeta?",
        "pt": "Autoriza que o município guarde, selados, o seu nome e os dados do seu "
        "documento de identificação junto com o número do seu cartão?",
        "ro": "Sunteți de acord ca primăria să păstreze, sigilate, numele dumneavoastră și "
        "datele actului de identitate împreună cu numărul cardului?",
        "bg": "Съгласни ли сте общината да пази запечатани Вашето име и данните от Вашия "
        "документ за самоличност заедно с номера на картата?",
        "hu": "Hozzájárul ahhoz, hogy az önkormányzat lepecsételve megőrizze az Ön nevét és "
        "személyazonosító okmányának adatait a kártyaszám mellett?",
        "pl": "Czy urząd gminy może przechowywać w zapieczętowanej formie twoje imię i "
        "nazwisko oraz dane twojego dokumentu tożsamości razem z numerem karty?",
    },
    "consent_explain": {
        "nl": "Dat is vrijwillig: je krijgt de pas ook als je nee zegt. Niemand kan de "
        "gegevens zomaar lezen; alleen handhavers van de gemeente kunnen ze openen, met "
        "minstens twee tegelijk. Met de persoonlijke code op je bonnetje zie je elke keer "
        "dat dat gebeurt, en kun je de gegevens laten wissen.",
        "en": "This is voluntary: you get the pass also if you say no. No one can simply "
        "read these details; only the municipality's enforcement officers can open them, "
        "with at least two of them together. With the personal code on your receipt you "
        "can see every time this happens, and you can have the details erased.",
        "es": "Es voluntario: recibirá la tarjeta también si dice que no. Nadie puede leer "
        "estos datos sin más; solo los inspectores del ayuntamiento pueden abrirlos, y solo "
        "con al menos dos de ellos a la vez. Con el código personal de su recibo puede ver cada "
        "vez que esto ocurre y pedir que se borren los datos.",
        "pt": "É voluntário: recebe o cartão mesmo que diga que não. Ninguém pode "
        "simplesmente ler estes dados; só os fiscais do município os podem abrir, e apenas "
        "com pelo menos dois deles em conjunto. Com o código pessoal do seu recibo pode ver "
        "cada vez que isso acontece e pedir que os dados sejam apagados.",
        "ro": "Este voluntar: primiți cardul și dacă spuneți nu. Nimeni nu poate citi pur "
        "și simplu aceste date; doar inspectorii primăriei le pot deschide, și numai cel "
        "puțin doi împreună. Cu codul personal de pe chitanță puteți vedea de fiecare dată "
        "când se întâmplă acest lucru și puteți cere ștergerea datelor.",
        "bg": "Това е доброволно: ще получите картата и ако кажете не. Никой не може просто "
        "да прочете тези данни; само инспекторите на общината могат да ги отворят, и то "
        "най-малко двама заедно. С личния код от разписката можете да виждате всеки път, "
        "когато това се случи, и да поискате данните да бъдат изтрити.",
        "hu": "Ez önkéntes: akkor is megkapja a kártyát, ha nemet mond. Ezeket az adatokat "
        "senki sem olvashatja el csak úgy; csak az önkormányzat ellenőrei nyithatják meg, "
        "és csak legalább ketten együtt. A nyugtán lévő személyes kóddal minden "
        "alkalommal láthatja, ha ez megtörténik, és kérheti az adatok törlését.",
        "pl": "To dobrowolne: kartę otrzymasz także wtedy, gdy powiesz nie. Nikt nie może "
        "tak po prostu odczytać tych danych; otworzyć je mogą tylko kontrolerzy z gminy, i "
        "to co najmniej dwóch razem. Dzięki kodowi osobistemu z potwierdzenia zobaczysz "
        "każdy taki przypadek i możesz poprosić o usunięcie danych.",
    },
    "receipt_issuer": {
        "nl": "Uitgegeven door",
        "en": "Issued by",
        "es": "Expedida por",
        "pt": "Emitido por",
        "ro": "Emis de",
        "bg": "Издадена от",
        "hu": "Kiállította",
        "pl": "Wydana przez",
    },
}


def text(language: str, key: str, **values: str) -> str:
    """The text ``key`` in ``language``, with ``{placeholders}`` filled from ``values``.

    Raises ``KeyError`` for an unknown key or language: a missing translation is a bug,
    never a silent fallback to Dutch.
    """
    return _TEXTS[key][language].format(**values)


def keys() -> list[str]:
    """All text keys (for tests that check every language has every text)."""
    return list(_TEXTS)


def date_long(day: datetime.date, language: str) -> str:
    """A date spelled out in ``language`` ("12 maart 2027", "12 март 2027 г.")."""
    if language not in LANGUAGES:
        raise KeyError(language)
    # British English writes the day first, like every other language here.
    locale = "en_GB" if language == "en" else language
    return _babel_format_date(day, format="long", locale=locale)


def valid_until(day: datetime.date, language: str) -> str:
    """The receipt's validity sentence; a date that ends in "." does not get a second."""
    return text(language, "receipt_valid", date=date_long(day, language)).replace("..", ".")


def date_short(day: datetime.date) -> str:
    """The date as printed on the card front, readable in any language: 12-03-2027."""
    return day.strftime("%d-%m-%Y")
