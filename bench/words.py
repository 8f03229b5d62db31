"""The words invented stories are made of: sections, kinds, headline templates, places,
people, tags, English and Arabic vocabulary, and Text, which draws sentences from them."""

import random

from articles.models import Article


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(";")]


SECTIONS = [
    ("Syria", "Reporting from across Syria."),
    ("Iraq", "Reporting from Iraq."),
    ("Yemen", "Reporting from Yemen."),
    ("Lebanon", "Reporting from Lebanon."),
    ("Economy", "Prices, wages, trade and aid."),
    ("Culture", "Books, music, schools and everyday life."),
    ("Opinion", "Columns and commentary."),
    ("Interviews", "Conversations with the people in the news."),
]

# Share of each kind among seeded stories (interviews get exchanges and an Interview row).
KINDS = [
    (Article.Kind.NEWS, 45),
    (Article.Kind.INTERVIEW, 20),
    (Article.Kind.ANALYSIS, 15),
    (Article.Kind.FEATURE, 12),
    (Article.Kind.OPINION, 8),
]

PLACES = _items(
    "Damascus; Aleppo; Raqqa; Daraa; Idlib; Homs; Hama; Deir ez-Zor; Latakia; Qamishli; "
    "Mosul; Baghdad; Basra; Erbil; Sanaa; Aden; Taiz; Beirut; Tripoli; Sidon; Yarmouk; "
    "Ghouta; Afrin; Manbij; Suwayda; Tartus"
)
SUBJECTS = _items(
    "school; hospital; bakery; market; council; truce; water station; power plant; bridge; "
    "checkpoint; camp; university; clinic; farmers; teachers; students; families; traders; "
    "doctors; activists; journalists; residents; fishermen"
)
ACTIONS = _items(
    "reopens; closes; struggles on; rebuilds; votes; protests; waits; returns; counts the "
    "cost; faces shortages; holds elections; strikes a deal; goes dark; gets a second chance; "
    "prepares for winter; recovers"
)
HEADLINE_TEMPLATES = [
    "In {place}, the {subject} {action}",
    "{place} {subject} {action} after months of waiting",
    "How {place}'s {subject} {action}",
    "'We had no choice': {place} {subject} {action}",
    "The {subject} of {place} {action} as prices rise",
    "{place}: a {subject} {action}",
]
INTERVIEW_TEMPLATES = [
    "'{quote}': a {role} from {place} on the {subject}",
    "Interview: a {role} in {place} on why the {subject} {action}",
    "Q&A: the {role} who kept the {place} {subject} open",
]
QUOTES = _items(
    "We are still here; Nobody asked us; The truce is holding, for now; Bread comes first; "
    "Our children must learn; We count every hour of power"
)
ROLES = _items(
    "media activist; teacher; doctor; council member; farmer; engineer; school principal; "
    "trader; nurse; lawyer; aid worker; imam"
)
WORDS = (
    "the of and to in a that for on with as was by at from it his her their they we said "
    "after before during since while when because although people city town village council "
    "government opposition forces fighters residents families children women men school "
    "teachers students hospital doctors nurses water electricity bread fuel prices market "
    "traders salary wages aid agency convoy road checkpoint border crossing truce agreement "
    "negotiations talks delegation committee elections vote local office mayor officials "
    "winter summer harvest wheat farmers drought rain river bridge power station generator "
    "hours night morning week month year years months weeks days neighbourhood district "
    "province north south east west returned displaced camp tents shelter rent houses "
    "rebuilt destroyed damaged reopened closed waited asked told explained described "
    "remembered hoped feared agreed refused demanded promised paid received sent brought "
    "many few most some several every each new old young small large first last long short "
    "difficult possible necessary important local regional international public private "
    "security services transport buses taxis shops bakeries pharmacies medicine clinic "
    "journalists activists reporters interview statement report numbers figures estimates"
).split()
ARABIC_WORDS = (
    "في من إلى على عن مع بعد قبل خلال منذ حتى لكن لأن الذي التي هذا هذه هناك كان كانت "
    "يكون قال قالت نحن هم الناس الأهالي المدينة القرية الحي المجلس المحلي الحكومة "
    "المعارضة القوات المقاتلين الأطفال النساء العائلات المدرسة المعلمين الطلاب المستشفى "
    "الأطباء الماء الكهرباء الخبز الوقود الأسعار السوق التجار الرواتب المساعدات القافلة "
    "الطريق الحاجز الحدود المعبر الهدنة الاتفاق المفاوضات الوفد اللجنة الانتخابات "
    "الشتاء الصيف الحصاد القمح المزارعين الجفاف المطر النهر الجسر المولدة الساعات "
    "الليل الصباح الأسبوع الشهر السنة الجنوب الشمال الشرق الغرب النازحين المخيم الخيام "
    "البيوت دمشق حلب الرقة درعا إدلب حمص حماة الغوطة اليرموك جديد قديم كثير قليل صعب ممكن"
).split()
INSERTIONS = _items(
    "[Since reaching the agreement,]; [the local council]; [in 2014]; [the opposition]; "
    "[government forces]; [laughs]; [the checkpoint]; [the interviewee's brother]"
)
FIRST_NAMES = _items(
    "Moutasem; Ammar; Noura; Hiba; Walid; Rania; Omar; Layla; Tariq; Salma; Kareem; Dima; "
    "Yusuf; Maya; Hassan; Lina; Bassel; Reem; Fadi; Zeina; Adnan; Sara; Mahmoud; Hala; Samer; "
    "Nour; Khaled; Yara; Jamil; Alaa"
)
LAST_NAMES = _items(
    "Jamal; al-Maydani; Haddad; Khatib; Nasser; al-Hamwi; Darwish; Saleh; al-Halabi; Mansour; "
    "Aziz; al-Shami; Kassem; Youssef; Hamdan; al-Ali; Barakat; Issa; Suleiman; al-Omar; "
    "Ibrahim; Othman; Qasim; Rahal"
)
AFFILIATIONS = _items(
    "Reporter in Daraa; Reporter in Aleppo; Freelance journalist; Translator; Photographer; "
    "Editor; Reporter in Raqqa; Correspondent in Beirut"
)
TAG_STEMS = _items(
    "education; health; water; electricity; bread; prices; elections; truce; refugees; "
    "displacement; agriculture; women; children; media; detention; reconstruction; aid; "
    "borders; local councils; culture; religion; transport; housing; unemployment; winter; "
    "drought; protests; negotiations; sanctions; currency"
)


class Text:
    """Sentences drawn once from the seed, then combined: fast, and varied enough for search."""

    def __init__(self, rng: random.Random, words: list[str], count: int, *, arabic: bool = False):
        self.rng = rng
        self.sentences = []
        for _ in range(count):
            chosen = rng.choices(words, k=rng.randint(8, 22))
            sentence = " ".join(chosen)
            if not arabic:
                sentence = sentence[0].upper() + sentence[1:]
            self.sentences.append(sentence + ".")

    def paragraph(self, sentences: tuple[int, int] = (2, 5)) -> str:
        return " ".join(self.rng.choices(self.sentences, k=self.rng.randint(*sentences)))

    def paragraphs(self, count: int) -> list[str]:
        return [self.paragraph() for _ in range(count)]
