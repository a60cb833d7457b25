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
    "receipt_mijnpas": {
        "nl": "Met je nummer en deze code zie je wie je gegevens opende, of wis je ze:",
        "en": "With your number and this code you can see who opened your data, or erase it:",
        "es": "Con su número y este código puede ver quién abrió sus datos, o borrarlos:",
        "pt": "Com o seu número e este código pode ver quem abriu os seus dados, ou apagá-los:",
        "ro": "Cu numărul și acest cod puteți vedea cine v-a deschis datele sau le puteți șterge:",
        "bg": "С номера и този код можете да видите кой е отварял данните ви или да ги изтриете:",
        "hu": "A számával és ezzel a kóddal megnézheti, ki nyitotta meg az adatait, vagy törölheti őket:",
        "pl": "Z numerem i tym kodem zobaczysz, kto otworzył Twoje dane, albo je usuniesz:",
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
    # --- Worker leaflet (tokenservice/issue/leaflet.py), handed out at the spreekuur -----
    # No placeholders here: the issuer name, the /mijn-pas address and the help
    # contacts are printed by the leaflet itself.
    "leaflet_title": {
        "nl": "Je pas: wat je moet weten",
        "en": "Your pass: what you need to know",
        "es": "Su tarjeta: lo que debe saber",
        "pt": "O seu cartão: o que precisa de saber",
        "ro": "Cardul dumneavoastră: ce trebuie să știți",
        "bg": "Вашата карта: какво трябва да знаете",
        "hu": "Az Ön kártyája: amit tudnia kell",
        "pl": "Twoja karta: co musisz wiedzieć",
    },
    "leaflet_what_title": {
        "nl": "Wat is de pas?",
        "en": "What is the pass?",
        "es": "¿Qué es la tarjeta?",
        "pt": "O que é o cartão?",
        "ro": "Ce este cardul?",
        "bg": "Какво е картата?",
        "hu": "Mi ez a kártya?",
        "pl": "Czym jest karta?",
    },
    "leaflet_what": {
        "nl": "De pas laat zien dat je een intakegesprek bij de gemeente hebt gehad. Je "
        "hebt de pas nodig om te werken in een bedrijf met een vergunning.",
        "en": "The pass shows that you have had the intake interview with the "
        "municipality. You need the pass to work at a licensed business.",
        "es": "La tarjeta demuestra que ha tenido la entrevista informativa con el "
        "ayuntamiento. La necesita para trabajar en un local con licencia.",
        "pt": "O cartão mostra que teve a entrevista de acolhimento com o município. "
        "Precisa dele para trabalhar num estabelecimento licenciado.",
        "ro": "Cardul arată că ați avut discuția de informare la primărie. Aveți nevoie "
        "de el pentru a lucra într-un local autorizat.",
        "bg": "Картата показва, че сте провели информационния разговор с общината. Тя Ви "
        "е необходима, за да работите в заведение с лиценз.",
        "hu": "A kártya igazolja, hogy Ön részt vett a tájékoztató beszélgetésen az "
        "önkormányzatnál. Szüksége van rá, ha engedéllyel rendelkező helyen dolgozik.",
        "pl": "Karta potwierdza, że rozmowa informacyjna w urzędzie gminy się odbyła. "
        "Potrzebujesz jej, aby pracować w lokalu z zezwoleniem.",
    },
    "leaflet_two_years": {
        "nl": "De pas is twee jaar geldig.",
        "en": "The pass is valid for two years.",
        "es": "La tarjeta es válida durante dos años.",
        "pt": "O cartão é válido durante dois anos.",
        "ro": "Cardul este valabil doi ani.",
        "bg": "Картата е валидна две години.",
        "hu": "A kártya két évig érvényes.",
        "pl": "Karta jest ważna przez dwa lata.",
    },
    "leaflet_valid_date": {
        "nl": "Op de voorkant staat tot welke datum de pas geldig is („geldig tot”).",
        "en": "The front of the pass shows until when it is valid: “geldig tot” means "
        "“valid until”.",
        "es": "En la parte delantera de la tarjeta pone hasta cuándo es válida: "
        "«geldig tot» significa «válida hasta».",
        "pt": "Na frente do cartão está escrito até quando é válido: “geldig tot” quer "
        "dizer “válido até”.",
        "ro": "Pe fața cardului scrie până când este valabil: „geldig tot” înseamnă "
        "„valabil până la”.",
        "bg": "На лицевата страна на картата пише до кога е валидна: „geldig tot“ "
        "означава „валидна до“.",
        "hu": "A kártya előlapján látható, meddig érvényes: a „geldig tot” azt jelenti: "
        "„érvényes eddig”.",
        "pl": "Na przedniej stronie karty widać, do kiedy jest ważna: „geldig tot” znaczy "
        "„ważna do”.",
    },
    "leaflet_renew": {
        "nl": "Verlengen doe je op het spreekuur van de gemeente. Je hebt dan een nieuw "
        "gesprek en krijgt een nieuwe pas. Maak op tijd een afspraak.",
        "en": "To renew the pass, go to the municipality's consultation hour "
        "(spreekuur). You will have a new conversation and get a new pass. Make an "
        "appointment in time.",
        "es": "Para renovar la tarjeta, acuda al horario de consulta del ayuntamiento "
        "(spreekuur). Tendrá una nueva entrevista y recibirá una tarjeta nueva. Pida "
        "cita con tiempo.",
        "pt": "Para renovar o cartão, vá ao horário de atendimento do município "
        "(spreekuur). Terá uma nova entrevista e receberá um cartão novo. Marque com "
        "antecedência.",
        "ro": "Pentru reînnoire, mergeți la programul de consultații al primăriei "
        "(spreekuur). Veți avea o nouă discuție și veți primi un card nou. Programați-vă "
        "din timp.",
        "bg": "За да подновите картата, отидете в приемното време на общината "
        "(spreekuur). Ще проведете нов разговор и ще получите нова карта. Запишете си "
        "час навреме.",
        "hu": "A kártya megújításához menjen el az önkormányzat ügyfélfogadására "
        "(spreekuur). Ott egy új beszélgetés után új kártyát kap. Időben kérjen "
        "időpontot.",
        "pl": "Aby odnowić kartę, przyjdź na dyżur w urzędzie gminy (spreekuur). "
        "Odbędzie się nowa rozmowa i dostaniesz nową kartę. Umów się wcześniej.",
    },
    "leaflet_not_id_title": {
        "nl": "Geen identiteitsbewijs",
        "en": "Not an identity document",
        "es": "No es un documento de identidad",
        "pt": "Não é um documento de identificação",
        "ro": "Nu este un act de identitate",
        "bg": "Не е документ за самоличност",
        "hu": "Nem személyazonosító okmány",
        "pl": "To nie jest dokument tożsamości",
    },
    "leaflet_not_id": {
        "nl": "De pas is geen identiteitsbewijs. Je naam staat er niet op: alleen je foto, "
        "een nummer en de datum. Moet je laten zien wie je bent, bijvoorbeeld aan de "
        "politie? Gebruik dan je paspoort of ID-kaart.",
        "en": "The pass is not an identity document. Your name is not on it: only your "
        "photo, a number and the date. If you have to show who you are, for example to "
        "the police, use your passport or ID card.",
        "es": "La tarjeta no es un documento de identidad. Su nombre no aparece en ella: "
        "solo su foto, un número y la fecha. Si tiene que demostrar quién es, por "
        "ejemplo ante la policía, use su pasaporte o su documento de identidad.",
        "pt": "O cartão não é um documento de identificação. O seu nome não está nele: "
        "só a sua fotografia, um número e a data. Se tiver de mostrar quem é, por "
        "exemplo à polícia, use o passaporte ou o documento de identificação.",
        "ro": "Cardul nu este un act de identitate. Numele dumneavoastră nu apare pe el: "
        "doar fotografia, un număr și data. Dacă trebuie să arătați cine sunteți, de "
        "exemplu poliției, folosiți pașaportul sau cartea de identitate.",
        "bg": "Картата не е документ за самоличност. Името Ви не е на нея: само снимката "
        "Ви, един номер и датата. Ако трябва да докажете самоличността си, например пред "
        "полицията, използвайте паспорта или личната си карта.",
        "hu": "A kártya nem személyazonosító okmány. Nincs rajta a neve: csak a fényképe, "
        "egy szám és a dátum. Ha igazolnia kell a személyazonosságát, például a "
        "rendőröknek, használja az útlevelét vagy a személyi igazolványát.",
        "pl": "Karta nie jest dokumentem tożsamości. Nie ma na niej twojego imienia ani "
        "nazwiska: tylko zdjęcie, numer i data. Jeśli musisz potwierdzić swoją "
        "tożsamość, na przykład przed policją, użyj paszportu lub dowodu osobistego.",
    },
    "leaflet_show_title": {
        "nl": "Aan wie laat je de pas zien?",
        "en": "Who do you show the pass to?",
        "es": "¿A quién tiene que enseñar la tarjeta?",
        "pt": "A quem tem de mostrar o cartão?",
        "ro": "Cui trebuie să arătați cardul?",
        "bg": "На кого показвате картата?",
        "hu": "Kinek kell megmutatnia a kártyát?",
        "pl": "Komu pokazujesz kartę?",
    },
    "leaflet_show_only": {
        "nl": "Alleen aan:",
        "en": "Only to:",
        "es": "Solo:",
        "pt": "Apenas:",
        "ro": "Doar:",
        "bg": "Само на:",
        "hu": "Csak:",
        "pl": "Tylko:",
    },
    "leaflet_show_exploitant": {
        "nl": "de exploitant van je werkplek",
        "en": "the operator of your workplace",
        "es": "al responsable de su lugar de trabajo",
        "pt": "ao responsável pelo seu local de trabalho",
        "ro": "administratorului locului de muncă",
        "bg": "управителя на мястото, където работите",
        "hu": "a munkahelye üzemeltetőjének",
        "pl": "właścicielowi twojego miejsca pracy",
    },
    "leaflet_show_officials": {
        "nl": "toezichthouders van de gemeente en de politie, als zij zich eerst "
        "legitimeren (hun eigen pas laten zien)",
        "en": "the municipality's inspectors and the police, after they have identified "
        "themselves (shown you their own ID)",
        "es": "a los inspectores del ayuntamiento y a la policía, después de que se "
        "identifiquen (que le enseñen su propia identificación)",
        "pt": "aos fiscais do município e à polícia, depois de se identificarem (de lhe "
        "mostrarem a identificação deles)",
        "ro": "inspectorilor primăriei și poliției, după ce se legitimează (vă arată "
        "legitimația lor)",
        "bg": "инспекторите на общината и полицията, след като се легитимират (покажат "
        "Ви служебната си карта)",
        "hu": "az önkormányzat ellenőreinek és a rendőrségnek, miután igazolták magukat "
        "(megmutatták a saját igazolványukat)",
        "pl": "kontrolerom z gminy i policji, gdy najpierw się wylegitymują (pokażą ci "
        "swoją legitymację)",
    },
    "leaflet_show_never": {
        "nl": "Nooit aan klanten of aan iemand anders.",
        "en": "Never to clients or to anyone else.",
        "es": "Nunca a clientes ni a nadie más.",
        "pt": "Nunca a clientes nem a mais ninguém.",
        "ro": "Niciodată clienților sau altcuiva.",
        "bg": "Никога на клиенти или на когото и да е друг.",
        "hu": "Ügyfeleknek vagy bárki másnak soha.",
        "pl": "Nigdy klientom ani nikomu innemu.",
    },
    "leaflet_show_doubt": {
        "nl": "Twijfel je of iemand echt van de gemeente of de politie is? Vraag dan eerst "
        "om zijn of haar legitimatie.",
        "en": "Not sure someone is really from the municipality or the police? Ask to "
        "see their ID first.",
        "es": "¿Tiene dudas de si alguien es realmente del ayuntamiento o de la policía? "
        "Pídale primero su identificación.",
        "pt": "Tem dúvidas se alguém é mesmo do município ou da polícia? Peça primeiro a "
        "identificação.",
        "ro": "Aveți îndoieli că cineva este într-adevăr de la primărie sau de la "
        "poliție? Cereți mai întâi legitimația.",
        "bg": "Съмнявате се дали някой наистина е от общината или от полицията? Първо "
        "поискайте да видите служебната му карта.",
        "hu": "Kétségei vannak, hogy valaki tényleg az önkormányzattól vagy a "
        "rendőrségtől jön? Először kérje el az igazolványát.",
        "pl": "Masz wątpliwości, czy ktoś naprawdę jest z gminy albo z policji? Najpierw "
        "poproś o legitymację.",
    },
    "leaflet_stored_title": {
        "nl": "Wat bewaart de gemeente?",
        "en": "What does the municipality keep?",
        "es": "¿Qué guarda el ayuntamiento?",
        "pt": "O que guarda o município?",
        "ro": "Ce păstrează primăria?",
        "bg": "Какво пази общината?",
        "hu": "Mit őriz meg az önkormányzat?",
        "pl": "Co przechowuje urząd gminy?",
    },
    "leaflet_stored_none": {
        "nl": "Niets over jou. De gemeente bewaart alleen het pasnummer, het soort pas en "
        "de datums. Niet je naam, niet je BSN en niet je foto.",
        "en": "Nothing about you. The municipality keeps only the pass number, the type "
        "of pass and the dates. Not your name, not your BSN (citizen service number) and "
        "not your photo.",
        "es": "Nada sobre usted. El ayuntamiento guarda solo el número de tarjeta, el "
        "tipo de tarjeta y las fechas. No guarda su nombre, ni su BSN (número de "
        "servicio al ciudadano), ni su foto.",
        "pt": "Nenhum dado pessoal. O município guarda só o número do cartão, o tipo de "
        "cartão e as datas. Não guarda o seu nome, nem o seu BSN (número de serviço ao "
        "cidadão), nem a sua fotografia.",
        "ro": "Nimic despre dumneavoastră. Primăria păstrează doar numărul cardului, "
        "tipul de card și datele de emitere și de expirare. Nu vă păstrează numele, nici "
        "BSN-ul (numărul de serviciu pentru cetățeni), nici fotografia.",
        "bg": "Нищо за Вас. Общината пази само номера на картата, вида на картата и "
        "датите. Не пази нито името Ви, нито Вашия BSN (граждански обслужващ номер), "
        "нито снимката Ви.",
        "hu": "Önről semmit. Az önkormányzat csak a kártyaszámot, a kártya típusát és a "
        "dátumokat őrzi meg. A nevét, a BSN-számát (állampolgári szolgáltatási szám) és "
        "a fényképét nem.",
        "pl": "Nic o tobie. Urząd gminy przechowuje tylko numer karty, rodzaj karty i "
        "daty. Nie przechowuje twojego imienia i nazwiska, numeru BSN (holenderski numer "
        "obywatelski) ani zdjęcia.",
    },
    "leaflet_stored_escrow": {
        "nl": "Alleen als je daar bij het gesprek ja op zei: je naam en de gegevens "
        "van je identiteitsbewijs, verzegeld, bij je pasnummer. Dat is vrijwillig: je "
        "krijgt de pas ook als je nee zegt.",
        "en": "Only if you said yes to it at the conversation: your name and the "
        "details of your identity document, sealed, with your pass number. This is "
        "voluntary: you get the pass also if you say no.",
        "es": "Solo si usted dijo que sí en la entrevista: su nombre y los datos de su "
        "documento de identidad, sellados, junto con su número de tarjeta. Es "
        "voluntario: recibe la tarjeta también si dice que no.",
        "pt": "Só se disse que sim na entrevista: o seu nome e os dados do seu "
        "documento de identificação, selados, junto com o número do cartão. É "
        "voluntário: recebe o cartão mesmo que diga que não.",
        "ro": "Doar dacă ați spus da la discuție: numele dumneavoastră și datele "
        "actului de identitate, sigilate, împreună cu numărul cardului. Este voluntar: "
        "primiți cardul și dacă spuneți nu.",
        "bg": "Само ако сте казали „да“ на разговора: Вашето име и данните от "
        "документа Ви за самоличност, запечатани, заедно с номера на картата. Това е "
        "доброволно: получавате картата и ако кажете „не“.",
        "hu": "Csak ha a beszélgetésen igent mondott rá: a nevét és a személyazonosító "
        "okmányának adatait, lepecsételve, a kártyaszám mellett. Ez önkéntes: akkor is "
        "megkapja a kártyát, ha nemet mond.",
        "pl": "Tylko za twoją zgodą, wyrażoną na rozmowie: twoje imię i nazwisko oraz "
        "dane twojego dokumentu tożsamości, w zapieczętowanej formie, razem z numerem "
        "karty. To dobrowolne: kartę dostajesz także wtedy, gdy mówisz nie.",
    },
    "leaflet_sealed": {
        "nl": "Verzegeld betekent: niemand kan de gegevens zomaar lezen. Alleen "
        "handhavers van de gemeente kunnen ze openen, met minstens twee tegelijk, en "
        "jijzelf met de persoonlijke code op je bon. Elke keer dat iemand vraagt om ze "
        "te openen, kun jij dat zien.",
        "en": "Sealed means: nobody can simply read these details. Only the "
        "municipality's enforcement officers can open them, at least two of them "
        "together, and you yourself with the personal code on your receipt. Every time "
        "someone asks to open them, you can see it.",
        "es": "Sellados quiere decir: nadie puede leer estos datos sin más. Solo "
        "pueden abrirlos los inspectores del ayuntamiento, al menos dos a la vez, y "
        "usted con el código personal de su recibo. Cada vez que alguien pide "
        "abrirlos, usted puede verlo.",
        "pt": "Selados quer dizer: ninguém pode simplesmente ler estes dados. Só os "
        "podem abrir os fiscais do município, pelo menos dois em conjunto, e você com "
        "o código pessoal do seu recibo. Sempre que alguém pede para os abrir, pode "
        "ver isso.",
        "ro": "Sigilate înseamnă: nimeni nu poate citi pur și simplu aceste date. Le "
        "pot deschide doar inspectorii primăriei, cel puțin doi împreună, și "
        "dumneavoastră, cu codul personal de pe chitanță. De fiecare dată când cineva "
        "cere să le deschidă, puteți vedea acest lucru.",
        "bg": "Запечатани означава: никой не може просто да прочете тези данни. Могат "
        "да ги отворят само инспекторите на общината, най-малко двама заедно, и Вие с "
        "личния код от разписката. Всеки път, когато някой поиска да ги отвори, можете "
        "да видите това.",
        "hu": "A lepecsételés azt jelenti: ezeket az adatokat senki sem olvashatja el "
        "csak úgy. Csak az önkormányzat ellenőrei nyithatják meg, legalább ketten "
        "együtt, és Ön a nyugtán lévő személyes kóddal. Minden alkalommal, amikor "
        "valaki kéri a megnyitásukat, Ön ezt láthatja.",
        "pl": "Zapieczętowane znaczy: nikt nie może tak po prostu odczytać tych "
        "danych. Otworzyć je mogą tylko kontrolerzy z gminy, co najmniej dwie osoby "
        "razem, oraz ty dzięki kodowi osobistemu z pokwitowania. Za każdym razem, gdy "
        "ktoś prosi o ich otwarcie, możesz to zobaczyć.",
    },
    "leaflet_sealed_expiry": {
        "nl": "Is je pas verlopen? Dan worden de gegevens na een tijd vanzelf gewist.",
        "en": "When your pass has expired, the details are deleted automatically after a "
        "while.",
        "es": "Cuando su tarjeta caduca, los datos se borran automáticamente al cabo de un "
        "tiempo.",
        "pt": "Quando o cartão expira, os dados são apagados automaticamente passado algum "
        "tempo.",
        "ro": "După ce cardul expiră, datele se șterg automat după o vreme.",
        "bg": "След като картата изтече, данните се изтриват автоматично след известно "
        "време.",
        "hu": "Ha a kártya lejárt, az adatok egy idő után maguktól törlődnek.",
        "pl": "Gdy karta straci ważność, dane zostaną po pewnym czasie usunięte "
        "automatycznie.",
    },
    "leaflet_no_code": {
        "nl": "Zei je nee, en staat er dus geen persoonlijke code op je bon? Dan "
        "bewaart de gemeente niets over jou: alleen het pasnummer, het soort pas en de "
        "datums.",
        "en": "Did you say no, so there is no personal code on your receipt? Then the "
        "municipality keeps nothing about you: only the pass number, the type of pass "
        "and the dates.",
        "es": "¿Dijo que no y por eso no hay código personal en su recibo? Entonces el "
        "ayuntamiento no guarda nada sobre usted: solo el número de tarjeta, el tipo "
        "de tarjeta y las fechas.",
        "pt": "Disse que não e por isso não tem código pessoal no recibo? Então o "
        "município não guarda nenhum dado pessoal: só o número do cartão, o tipo de "
        "cartão e as datas.",
        "ro": "Ați spus nu, deci nu aveți cod personal pe chitanță? Atunci primăria nu "
        "păstrează nimic despre dumneavoastră: doar numărul cardului, tipul de card și "
        "datele de emitere și de expirare.",
        "bg": "Казали сте „не“ и затова нямате личен код на разписката? Тогава "
        "общината не пази нищо за Вас: само номера на картата, вида на картата и "
        "датите.",
        "hu": "Nemet mondott, ezért nincs személyes kód a nyugtáján? Akkor az "
        "önkormányzat semmit sem őriz meg Önről: csak a kártyaszámot, a kártya típusát "
        "és a dátumokat.",
        "pl": "Nie było zgody i dlatego na pokwitowaniu nie ma kodu osobistego? W "
        "takim razie urząd gminy nie przechowuje nic o tobie: tylko numer karty, "
        "rodzaj karty i daty.",
    },
    "leaflet_keep_apart": {
        "nl": "Bewaar je bon met de code niet bij je pas. Wie allebei vindt, kan je "
        "gegevens zien.",
        "en": "Do not keep your receipt with the code together with your pass. Anyone who "
        "finds both can see your details.",
        "es": "No guarde el recibo con el código junto con la tarjeta. Quien encuentre los "
        "dos puede ver sus datos.",
        "pt": "Não guarde o recibo com o código junto do cartão. Quem encontrar os dois "
        "pode ver os seus dados.",
        "ro": "Nu păstrați chitanța cu codul împreună cu cardul. Cine le găsește pe "
        "amândouă vă poate vedea datele.",
        "bg": "Не пазете разписката с кода заедно с картата. Който намери и двете, може да "
        "види данните Ви.",
        "hu": "A kódot tartalmazó nyugtát ne tartsa a kártyával együtt. Aki mindkettőt "
        "megtalálja, láthatja az adatait.",
        "pl": "Nie trzymaj pokwitowania z kodem razem z kartą. Kto znajdzie oba, może "
        "zobaczyć twoje dane.",
    },
    "leaflet_rights_title": {
        "nl": "Jouw rechten",
        "en": "Your rights",
        "es": "Sus derechos",
        "pt": "Os seus direitos",
        "ro": "Drepturile dumneavoastră",
        "bg": "Вашите права",
        "hu": "Az Ön jogai",
        "pl": "Twoje prawa",
    },
    "leaflet_right_see": {
        "nl": "Inzien: je mag zien wat er over je is bewaard, en wie ernaar heeft "
        "gekeken.",
        "en": "See: you may see what is kept about you, and who has looked at it.",
        "es": "Ver: puede ver qué se guarda sobre usted y quién lo ha consultado.",
        "pt": "Ver: pode ver que dados seus estão guardados e quem os consultou.",
        "ro": "Acces: puteți vedea ce se păstrează despre dumneavoastră și cine s-a uitat "
        "la aceste date.",
        "bg": "Достъп: можете да видите какво се пази за Вас и кой го е преглеждал.",
        "hu": "Betekintés: megnézheti, mit őriznek meg Önről, és ki nézte meg.",
        "pl": "Wgląd: możesz zobaczyć, co jest o tobie przechowywane i kto to sprawdzał.",
    },
    "leaflet_right_erase": {
        "nl": "Wissen: je mag je verzegelde gegevens laten wissen, wanneer je wilt. Je pas "
        "blijft dan gewoon geldig.",
        "en": "Erase: you may erase your sealed details whenever you want. Your pass "
        "stays valid.",
        "es": "Borrar: puede borrar sus datos sellados cuando quiera. Su tarjeta sigue "
        "siendo válida.",
        "pt": "Apagar: pode apagar os seus dados selados quando quiser. O cartão continua "
        "válido.",
        "ro": "Ștergere: puteți șterge datele sigilate oricând doriți. Cardul rămâne "
        "valabil.",
        "bg": "Изтриване: можете да изтриете запечатаните си данни, когато пожелаете. "
        "Картата Ви остава валидна.",
        "hu": "Törlés: bármikor törölheti a lepecsételt adatait. A kártyája érvényes "
        "marad.",
        "pl": "Usunięcie: możesz usunąć swoje zapieczętowane dane, kiedy chcesz. Karta "
        "pozostaje ważna.",
    },
    "leaflet_right_stop": {
        "nl": "Stoppen: je mag je pas laten stoppen. Voor een nieuwe pas heb je dan een "
        "nieuw gesprek nodig.",
        "en": "Stop: you may stop your pass. For a new pass you then need a new "
        "conversation.",
        "es": "Anular: puede anular su tarjeta. Para una tarjeta nueva necesitará "
        "entonces una nueva entrevista.",
        "pt": "Cancelar: pode cancelar o seu cartão. Para um cartão novo precisa depois "
        "de uma nova entrevista.",
        "ro": "Anulare: puteți anula cardul. Pentru un card nou aveți nevoie apoi de o "
        "nouă discuție.",
        "bg": "Прекратяване: можете да прекратите картата си. За нова карта тогава е "
        "нужен нов разговор.",
        "hu": "Megszüntetés: megszüntetheti a kártyáját. Új kártyához ezután új "
        "beszélgetés kell.",
        "pl": "Unieważnienie: możesz unieważnić swoją kartę. Na nową kartę potrzebna jest "
        "wtedy nowa rozmowa.",
    },
    "leaflet_right_see_none": {
        "nl": "Inzien: je mag vragen wat de gemeente bij je pasnummer bewaart.",
        "en": "See: you may ask what the municipality keeps with your pass number.",
        "es": "Ver: puede preguntar qué guarda el ayuntamiento con su número de tarjeta.",
        "pt": "Ver: pode perguntar o que o município guarda com o número do seu cartão.",
        "ro": "Acces: puteți întreba ce păstrează primăria împreună cu numărul cardului.",
        "bg": "Достъп: можете да попитате какво пази общината към номера на картата Ви.",
        "hu": "Betekintés: megkérdezheti, mit őriz meg az önkormányzat a kártyaszámához.",
        "pl": "Wgląd: możesz zapytać, co urząd gminy przechowuje przy twoim numerze karty.",
    },
    "leaflet_right_erase_none": {
        "nl": "Wissen: er zijn geen persoonsgegevens van jou om te wissen.",
        "en": "Erase: there are no personal details of yours to erase.",
        "es": "Borrar: no hay datos personales suyos que borrar.",
        "pt": "Apagar: não há dados pessoais seus para apagar.",
        "ro": "Ștergere: nu există date personale ale dumneavoastră de șters.",
        "bg": "Изтриване: няма Ваши лични данни, които да бъдат изтрити.",
        "hu": "Törlés: nincsenek törölhető személyes adatai.",
        "pl": "Usunięcie: nie ma twoich danych osobowych do usunięcia.",
    },
    "leaflet_rights_online": {
        "nl": "Dat kan zelf, op deze website, met je pasnummer en je persoonlijke code:",
        "en": "You can do this yourself on this website, with your pass number and your "
        "personal code:",
        "es": "Puede hacerlo usted en esta página web, con su número de tarjeta y su "
        "código personal:",
        "pt": "Pode fazer isto nesta página da internet, com o número do cartão e o seu "
        "código pessoal:",
        "ro": "Puteți face acest lucru pe acest site, cu numărul cardului și codul "
        "personal:",
        "bg": "Можете да направите това на този сайт, с номера на картата и личния си "
        "код:",
        "hu": "Ezt megteheti ezen a weboldalon, a kártyaszámával és a személyes "
        "kódjával:",
        "pl": "Możesz to zrobić na tej stronie internetowej, podając numer karty i kod "
        "osobisty:",
    },
    "leaflet_rights_desk_too": {
        "nl": "Je kunt het ook vragen op het spreekuur van de gemeente.",
        "en": "You can also ask at the municipality's consultation hour.",
        "es": "También puede pedirlo en el horario de consulta del ayuntamiento.",
        "pt": "Também pode pedir no horário de atendimento do município.",
        "ro": "Puteți cere acest lucru și la programul de consultații al primăriei.",
        "bg": "Можете да поискате това и в приемното време на общината.",
        "hu": "Az önkormányzat ügyfélfogadásán is kérheti.",
        "pl": "Możesz też poprosić o to na dyżurze w urzędzie gminy.",
    },
    "leaflet_rights_desk": {
        "nl": "Vraag het op het spreekuur van de gemeente. Neem je pas en je bon mee.",
        "en": "Ask at the municipality's consultation hour. Bring your pass and your "
        "receipt.",
        "es": "Pídalo en el horario de consulta del ayuntamiento. Lleve su tarjeta y su "
        "recibo.",
        "pt": "Peça no horário de atendimento do município. Leve o cartão e o recibo.",
        "ro": "Cereți acest lucru la programul de consultații al primăriei. Aduceți "
        "cardul și chitanța.",
        "bg": "Поискайте това в приемното време на общината. Носете картата и "
        "разписката.",
        "hu": "Kérje az önkormányzat ügyfélfogadásán. Vigye magával a kártyáját és a "
        "nyugtáját.",
        "pl": "Poproś o to na dyżurze w urzędzie gminy. Weź ze sobą kartę i "
        "pokwitowanie.",
    },
    "leaflet_questions": {
        "nl": "Vragen over je pas? Stel ze op het spreekuur van de gemeente.",
        "en": "Questions about your pass? Ask them at the municipality's consultation "
        "hour.",
        "es": "¿Tiene preguntas sobre su tarjeta? Hágalas en el horario de consulta del "
        "ayuntamiento.",
        "pt": "Tem perguntas sobre o cartão? Faça-as no horário de atendimento do "
        "município.",
        "ro": "Aveți întrebări despre card? Puneți-le la programul de consultații al "
        "primăriei.",
        "bg": "Имате въпроси за картата? Задайте ги в приемното време на общината.",
        "hu": "Kérdése van a kártyával kapcsolatban? Tegye fel az önkormányzat "
        "ügyfélfogadásán.",
        "pl": "Masz pytania o kartę? Zadaj je na dyżurze w urzędzie gminy.",
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
