"""Demo data for ``helpdesk serve --demo``: Aarhus-like places, session types, staff, schedules.

Dokk1 (Hack Kampmanns Plads 2) is the real main library and Borgerservice; the other addresses,
the staff and the opening hours are illustrative and must be replaced by the real ones before
any real use. Everything is created through the administration services the API uses
(:mod:`helpdesk.booking.admin`); the Danish public holidays close the places by themselves, and
New Year's Eve is added as a closure. Loading is idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from helpdesk.booking import admin
from helpdesk.booking.admin import AdminContext
from helpdesk.booking.admin_inputs import (
    ClosureIn,
    LocationIn,
    ScheduleIn,
    SessionTypeIn,
    StaffIn,
)
from helpdesk.booking.models import Booking, Closure, Location, SessionType, Slot
from helpdesk.booking.service import BookingError, BookingRequest, Needs, book
from helpdesk.settings import Settings

logger = logging.getLogger(__name__)

SESSION_TYPES: list[dict[str, Any]] = [
    {
        "slug": "digital-help",
        "duration_minutes": 30,
        "names": {
            "da": "Digital hjælp",
            "en": "Digital help",
            "ar": "مساعدة رقمية",
            "uk": "Цифрова допомога",
            "tr": "Dijital yardım",
            "pl": "Pomoc cyfrowa",
            "so": "Caawimaad dhijitaal ah",
            "fa": "کمک دیجیتال",
        },
        "descriptions": {
            "da": "Hjælp til MitID, Digital Post, selvbetjening på nettet og din egen telefon "
            "eller computer. 30 minutter.",
            "en": "Help with MitID, Digital Post, online self-service and your own phone or "
            "computer. 30 minutes.",
            "ar": "مساعدة في MitID والبريد الرقمي والخدمات الذاتية عبر الإنترنت وهاتفك أو "
            "حاسوبك. 30 دقيقة.",
            "uk": "Допомога з MitID, Digital Post, онлайн-послугами та вашим телефоном або "
            "комп'ютером. 30 хвилин.",
            "tr": "MitID, Digital Post, çevrimiçi işlemler ve kendi telefonunuz veya "
            "bilgisayarınız için yardım. 30 dakika.",
            "pl": "Pomoc z MitID, Digital Post, usługami online oraz własnym telefonem lub "
            "komputerem. 30 minut.",
            "so": "Caawimaad MitID, Digital Post, adeegyada internetka iyo taleefankaaga ama "
            "kombiyuutarkaaga. 30 daqiiqo.",
            "fa": "کمک با MitID، پست دیجیتال، خدمات آنلاین و تلفن یا رایانه خودتان. ۳۰ دقیقه.",
        },
    },
    {
        "slug": "citizen-service",
        "duration_minutes": 20,
        "names": {
            "da": "Tid hos Borgerservice",
            "en": "Citizen service appointment",
            "ar": "موعد في خدمة المواطنين",
            "uk": "Запис до служби обслуговування громадян",
            "tr": "Vatandaşlık hizmetleri randevusu",
            "pl": "Wizyta w Borgerservice",
            "so": "Ballan adeegga muwaadiniinta",
            "fa": "نوبت خدمات شهروندی",
        },
        "descriptions": {
            "da": "Pas, kørekort, MitID uden dansk pas, fritagelse for Digital Post og andre "
            "sager, der kræver Borgerservice. 20 minutter.",
            "en": "Passport, driving licence, MitID without a Danish passport, exemption from "
            "Digital Post and other matters for Borgerservice. 20 minutes.",
            "ar": "جواز السفر ورخصة القيادة وMitID بدون جواز سفر دنماركي والإعفاء من البريد "
            "الرقمي. 20 دقيقة.",
            "uk": "Паспорт, посвідчення водія, MitID без данського паспорта, звільнення від "
            "Digital Post. 20 хвилин.",
            "tr": "Pasaport, ehliyet, Danimarka pasaportu olmadan MitID, Digital Post muafiyeti. "
            "20 dakika.",
            "pl": "Paszport, prawo jazdy, MitID bez duńskiego paszportu, zwolnienie z Digital "
            "Post. 20 minut.",
            "so": "Baasaboor, laysin darawal, MitID la'aan baasaboor Danish ah, ka dhaafitaan "
            "Digital Post. 20 daqiiqo.",
            "fa": "گذرنامه، گواهینامه رانندگی، MitID بدون گذرنامه دانمارکی، معافیت از پست "
            "دیجیتال. ۲۰ دقیقه.",
        },
    },
]

LOCATIONS: list[dict[str, Any]] = [
    {
        "slug": "dokk1",
        "name": "Dokk1",
        "kind": "citizen-service",
        "address": "Hack Kampmanns Plads 2",
        "postcode": "8000",
        "city": "Aarhus C",
        "latitude": 56.1535,
        "longitude": 10.2144,
        "notes": {
            "da": "Hovedbiblioteket og Borgerservice. Trinfri adgang og elevatorer, teleslynge "
            "ved skrankerne. Spørg i informationen, hvis du ikke kan finde os.",
            "en": "The main library and Borgerservice. Step-free access and lifts, hearing loop "
            "at the counters. Ask at the information desk if you cannot find us.",
        },
        "drop_in": {
            "da": "Dokk1: digital hjælp uden tidsbestilling mandag til torsdag kl. 13-16.",
            "en": "Dokk1: digital help without booking, Monday to Thursday 13:00-16:00.",
        },
    },
    {
        "slug": "gellerup",
        "name": "Gellerup Bibliotek",
        "kind": "library",
        "address": "Dortheavej 2",
        "postcode": "8220",
        "city": "Brabrand",
        "latitude": 56.1538,
        "longitude": 10.1355,
        "notes": {
            "da": "Trinfri adgang. Hjælp på arabisk, somali og tyrkisk på udvalgte dage.",
            "en": "Step-free access. Help in Arabic, Somali and Turkish on some days.",
        },
        "drop_in": {
            "da": "Gellerup Bibliotek: spørg personalet om hjælp i åbningstiden.",
            "en": "Gellerup Library: ask the staff for help during opening hours.",
        },
    },
    {
        "slug": "tilst",
        "name": "Tilst Bibliotek",
        "kind": "library",
        "address": "Tilst Skolevej 14",
        "postcode": "8381",
        "city": "Tilst",
        "latitude": 56.1869,
        "longitude": 10.1139,
        "notes": {"da": "Trinfri adgang.", "en": "Step-free access."},
    },
    {
        "slug": "viby",
        "name": "Viby Bibliotek",
        "kind": "library",
        "address": "Skanderborgvej 170",
        "postcode": "8260",
        "city": "Viby J",
        "latitude": 56.1263,
        "longitude": 10.1626,
        "notes": {"da": "Trinfri adgang.", "en": "Step-free access."},
    },
    {
        "slug": "risskov",
        "name": "Risskov Bibliotek",
        "kind": "library",
        "address": "Fortevej 87",
        "postcode": "8240",
        "city": "Risskov",
        "latitude": 56.1921,
        "longitude": 10.2363,
        "step_free": False,
        "notes": {
            "da": "Der er trin ved indgangen; ring på klokken, så hjælper vi.",
            "en": "There are steps at the entrance; ring the bell and we will help.",
        },
    },
    {
        "slug": "hasle",
        "name": "Hasle Bibliotek",
        "kind": "library",
        "address": "Rymarksvej 1",
        "postcode": "8210",
        "city": "Aarhus V",
        "latitude": 56.1745,
        "longitude": 10.1724,
        "notes": {"da": "Trinfri adgang.", "en": "Step-free access."},
    },
    {
        "slug": "herberget",
        "name": "Herberget (besøg fra biblioteket)",
        "kind": "outreach",
        "address": "Jægergårdsgade 1",
        "postcode": "8000",
        "city": "Aarhus C",
        "listed": False,
        "notes": {
            "da": "For beboere og brugere af herberget. Vi kommer i fællesrummet.",
            "en": "For residents and users of the shelter. We come to the common room.",
        },
    },
    {
        "slug": "solbakken",
        "name": "Plejehjemmet Solbakken (besøg fra biblioteket)",
        "kind": "outreach",
        "address": "Solbakkevej 1",
        "postcode": "8260",
        "city": "Viby J",
        "listed": False,
        "notes": {
            "da": "For beboere og pårørende. Vi kommer i caféen; tag gerne din egen tablet med.",
            "en": "For residents and relatives. We come to the café; bring your own tablet.",
        },
    },
    {
        "slug": "krisecenter",
        "name": "Krisecenter (besøg fra Borgerservice)",
        "kind": "outreach",
        "address": None,
        "listed": False,
        "notes": {
            "da": "Adressen er hemmelig og oplyses af personalet på krisecentret.",
            "en": "The address is confidential; the staff at the crisis centre will tell you.",
        },
    },
]

# The listed places' notes and drop-in times in the other languages, keyed by the English text:
# the booking form shows them to the citizen, who must not meet "Step-free access." in English
# on an Arabic or Somali page.
NOTE_TRANSLATIONS: dict[str, dict[str, str]] = {
    "Step-free access.": {
        "ar": "مدخل بدون درج.",
        "uk": "Вхід без сходинок.",
        "tr": "Basamaksız giriş.",
        "pl": "Wejście bez schodów.",
        "so": "Gelitaan aan jaranjaro lahayn.",
        "fa": "ورودی بدون پله.",
    },
    "Step-free access. Help in Arabic, Somali and Turkish on some days.": {
        "ar": "مدخل بدون درج. مساعدة بالعربية والصومالية والتركية في بعض الأيام.",
        "uk": "Вхід без сходинок. У деякі дні допомога арабською, сомалі та турецькою.",
        "tr": "Basamaksız giriş. Bazı günler Arapça, Somalice ve Türkçe yardım.",
        "pl": "Wejście bez schodów. W niektóre dni pomoc po arabsku, somalijsku i turecku.",
        "so": "Gelitaan aan jaranjaro lahayn. Maalmaha qaarkood caawimaad Carabi, Soomaali iyo "
        "Turki ah.",
        "fa": "ورودی بدون پله. در برخی روزها کمک به زبان‌های عربی، سومالیایی و ترکی.",
    },
    "There are steps at the entrance; ring the bell and we will help.": {
        "ar": "توجد درجات عند المدخل؛ اضغط على الجرس وسنساعدك.",
        "uk": "Біля входу є сходинки; подзвоніть у дзвінок, і ми допоможемо.",
        "tr": "Girişte basamaklar var; zili çalın, size yardım edelim.",
        "pl": "Przy wejściu są schody; zadzwoń dzwonkiem, a pomożemy.",
        "so": "Albaabka hortiisa waxaa yaal jaranjaro; garaac gambaleelka, waan ku caawin doonnaa.",
        "fa": "جلوی ورودی پله هست؛ زنگ را بزنید تا کمکتان کنیم.",
    },
    "The main library and Borgerservice. Step-free access and lifts, hearing loop at the "
    "counters. Ask at the information desk if you cannot find us.": {
        "ar": "المكتبة الرئيسية وخدمة المواطنين (Borgerservice). مدخل بدون درج ومصاعد، وحلقة "
        "سمعية عند الشبابيك. اسأل في مكتب الاستعلامات إذا لم تجدنا.",
        "uk": "Головна бібліотека і Borgerservice. Вхід без сходинок і ліфти, індукційна петля "
        "біля стійок. Якщо не можете нас знайти, запитайте в довідковій.",
        "tr": "Ana kütüphane ve Borgerservice. Basamaksız giriş ve asansörler, gişelerde işitme "
        "döngüsü. Bizi bulamazsanız danışmaya sorun.",
        "pl": "Biblioteka główna i Borgerservice. Wejście bez schodów i windy, pętla indukcyjna "
        "przy okienkach. Jeśli nie możesz nas znaleźć, zapytaj w informacji.",
        "so": "Maktabadda weyn iyo Borgerservice. Gelitaan aan jaranjaro lahayn iyo wiishash, "
        "qalabka maqalka (hearing loop) miisaska agtooda. Weydii xafiiska macluumaadka haddii "
        "aadan na helin.",
        "fa": "کتابخانهٔ مرکزی و Borgerservice. ورودی بدون پله و آسانسور، حلقهٔ شنوایی کنار "
        "باجه‌ها. اگر ما را پیدا نکردید، از میز اطلاعات بپرسید.",
    },
    "Dokk1: digital help without booking, Monday to Thursday 13:00-16:00.": {
        "ar": "Dokk1: مساعدة رقمية بدون حجز، من الاثنين إلى الخميس 13:00-16:00.",
        "uk": "Dokk1: цифрова допомога без запису, з понеділка по четвер 13:00-16:00.",
        "tr": "Dokk1: randevusuz dijital yardım, pazartesiden perşembeye 13:00-16:00.",
        "pl": "Dokk1: pomoc cyfrowa bez rezerwacji, od poniedziałku do czwartku 13:00-16:00.",
        "so": "Dokk1: caawimaad dijitaal ah oo aan ballan u baahnayn, Isniin ilaa Khamiis "
        "13:00-16:00.",
        "fa": "Dokk1: کمک دیجیتال بدون نوبت، دوشنبه تا پنجشنبه 13:00-16:00.",
    },
    "Gellerup Library: ask the staff for help during opening hours.": {
        "ar": "مكتبة غيلليروب: اطلب المساعدة من الموظفين خلال ساعات العمل.",
        "uk": "Бібліотека Геллеруп: зверніться по допомогу до працівників у години роботи.",
        "tr": "Gellerup Kütüphanesi: açık olduğu saatlerde personelden yardım isteyin.",
        "pl": "Biblioteka Gellerup: poproś pracowników o pomoc w godzinach otwarcia.",
        "so": "Maktabadda Gellerup: shaqaalaha weydii caawimaad inta ay furan tahay.",
        "fa": "کتابخانهٔ گلروپ: در ساعات کاری از کارکنان کمک بخواهید.",
    },
}
for _place in LOCATIONS:
    for _field in ("notes", "drop_in"):
        _texts = _place.get(_field)
        if _texts and _texts.get("en") in NOTE_TRANSLATIONS:
            _texts.update(NOTE_TRANSLATIONS[_texts["en"]])

#: Staff members: short id → (name, languages spoken).
STAFF: dict[str, tuple[str, list[str]]] = {
    "mette": ("Mette Sørensen", ["da", "en"]),
    "ahmad": ("Ahmad Haddad", ["da", "ar", "en"]),
    "olena": ("Olena Kovalenko", ["uk", "da", "en"]),
    "fatma": ("Fatma Yılmaz", ["tr", "da"]),
    "piotr": ("Piotr Nowak", ["pl", "da", "en"]),
    "hodan": ("Hodan Warsame", ["so", "da", "en"]),
    "maryam": ("Maryam Rahimi", ["fa", "da", "en"]),
    "jens": ("Jens Pedersen", ["da"]),
    "lars": ("Lars Kristensen", ["da", "en"]),
    "sara": ("Sara Jensen", ["da", "en"]),
    "ayse": ("Ayşe Demir", ["tr", "da", "en"]),
}

MON, TUE, WED, THU, FRI = range(5)
CS, DH = "citizen-service", "digital-help"
# (place, session type, weekday, from, to, seats, staff)
SCHEDULES: list[tuple[str, str, int, str, str, int, list[str]]] = [
    ("dokk1", CS, MON, "10:00", "15:00", 3, ["mette", "lars", "ahmad"]),
    ("dokk1", CS, TUE, "10:00", "15:00", 3, ["sara", "lars", "olena"]),
    ("dokk1", CS, WED, "10:00", "15:00", 3, ["mette", "sara", "ahmad"]),
    ("dokk1", CS, THU, "10:00", "17:20", 3, ["lars", "olena", "maryam"]),
    ("dokk1", CS, FRI, "10:00", "13:00", 2, ["mette", "sara"]),
    ("dokk1", DH, MON, "13:00", "16:00", 2, ["jens", "piotr"]),
    ("dokk1", DH, TUE, "13:00", "16:00", 2, ["jens", "maryam"]),
    ("dokk1", DH, WED, "13:00", "16:00", 2, ["jens", "hodan"]),
    ("dokk1", DH, THU, "13:00", "16:00", 2, ["ayse", "piotr"]),
    ("gellerup", DH, TUE, "10:00", "13:00", 2, ["ahmad", "hodan"]),
    ("gellerup", DH, THU, "10:00", "13:00", 2, ["ahmad", "fatma"]),
    ("tilst", DH, WED, "14:00", "16:00", 1, ["jens"]),
    ("viby", DH, MON, "10:00", "12:00", 1, ["piotr"]),
    ("risskov", DH, THU, "14:00", "16:00", 1, ["sara"]),
    ("hasle", DH, FRI, "10:00", "12:00", 2, ["ayse", "olena"]),
    ("herberget", DH, TUE, "13:00", "15:00", 1, ["lars"]),
    ("solbakken", DH, WED, "10:00", "11:30", 2, ["mette", "jens"]),
    ("krisecenter", CS, FRI, "13:00", "14:20", 1, ["maryam"]),
]

DEMO_BOOKINGS: list[dict[str, Any]] = [
    {"name": "Demo Borger", "phone": "+4520000001", "language": "da", "topic": "passport-book"},
    {"name": "Demo Citizen", "email": "demo@example.org", "language": "en", "topic": None},
    {
        "name": "مواطن تجريبي",
        "phone": "+4520000002",
        "language": "ar",
        "topic": "mitid-no-danish-id",
        "interpreter": True,
    },
    {"name": "Демо Громадянин", "phone": "+4520000003", "language": "uk", "topic": None},
]


def _demo_closure(session: Session, context: AdminContext, today: dt.date, days: int) -> int:
    """New Year's Eve closes every place (a closure as staff would enter it; the public holidays,
    Christmas Eve and Constitution Day afternoon need none), once."""
    last_day = today + dt.timedelta(days=days)
    added = 0
    for year in range(today.year, last_day.year + 1):
        day = dt.date(year, 12, 31)
        if not today <= day <= last_day:
            continue
        known = session.exec(
            select(Closure.id).where(col(Closure.location_id).is_(None), Closure.starts_on == day)
        ).first()
        if known is None:
            data = ClosureIn.model_validate(
                {"location": None, "from": day, "to": day, "reason": "Nytårsaftensdag"}
            )
            admin.create_closure(session, context, data)
            added += 1
    return added


def _visit_days(today: dt.date, weekday: int, weeks: int) -> list[dt.date]:
    """An outreach place's dated visits: its weekday in each of the coming weeks."""
    first = today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    return [first + dt.timedelta(weeks=week) for week in range(weeks)]


def load_demo(
    session: Session,
    zone: ZoneInfo,
    weeks: int,
    now: dt.datetime,
    settings: Settings | None = None,
) -> dict[str, int]:
    """Create the demo data if it is not there, through the administration services the API
    uses (:mod:`helpdesk.booking.admin`: its checks and audit entries), make the slots, and
    book a few demo citizens (only into an empty booking table). Outreach places get dated
    visits for the coming weeks rather than weekly hours."""
    settings = settings or Settings(timezone=zone.key, booking_weeks_ahead=weeks)
    settings = replace(settings, timezone=zone.key, booking_weeks_ahead=weeks)
    context = AdminContext(actor="demo", settings=settings, now=now)
    batch = replace(context, batch=True)
    today = now.astimezone(zone).date()
    created = 0
    whole = admin.Change(session, context)
    if session.exec(select(Location).where(Location.slug == "dokk1")).first() is None:
        for data in SESSION_TYPES:
            admin.create_session_type(session, batch, SessionTypeIn.model_validate(data))
        kinds = {}
        for data in LOCATIONS:
            made = admin.create_location(session, batch, LocationIn.model_validate(data)).item
            kinds[made.slug] = made.kind
        staff: dict[str, int] = {}
        for key, (name, languages) in STAFF.items():
            member = admin.create_staff(
                session, batch, StaffIn.model_validate({"name": name, "languages": languages})
            ).item
            assert member.id is not None
            staff[key] = member.id
        for place, kind, weekday, start, end, capacity, people in SCHEDULES:
            base = {
                "location": place,
                "session_type": kind,
                "starts": start,
                "ends": end,
                "capacity": capacity,
                "staff": [staff[person] for person in people],
            }
            if kinds[place] == "outreach":
                bodies = [{**base, "date": day} for day in _visit_days(today, weekday, weeks)]
            else:
                bodies = [{**base, "weekday": weekday, "valid_from": today - dt.timedelta(days=1)}]
            for body in bodies:
                admin.create_schedule(session, batch, ScheduleIn.model_validate(body))
        created = len(LOCATIONS)
    closures = _demo_closure(session, batch, today, weeks * 7)
    report, _ = whole.finish("demo_load", "demo", f"{created} demo place(s) created")
    session.commit()
    demo_bookings = 0
    if session.exec(select(Booking.id)).first() is None:
        demo_bookings = _book_demo_citizens(session, now)
    return {
        "locations_created": created,
        "closures_added": closures,
        "slots_created": report.created,
        "demo_bookings": demo_bookings,
    }


def _book_demo_citizens(session: Session, now: dt.datetime) -> int:
    dokk1 = session.exec(select(Location).where(Location.slug == "dokk1")).one()
    citizen_service = session.exec(
        select(SessionType).where(SessionType.slug == "citizen-service")
    ).one()
    slots = session.exec(
        select(Slot)
        .where(
            Slot.location_id == dokk1.id,
            Slot.session_type_id == citizen_service.id,
            col(Slot.starts_at) > now,
            col(Slot.closed).is_(False),
        )
        .order_by(col(Slot.starts_at))
        .limit(len(DEMO_BOOKINGS))
    ).all()
    slot_ids = [slot.id for slot in slots if slot.id is not None]
    booked = 0
    for slot_id, data in zip(slot_ids, DEMO_BOOKINGS, strict=False):
        request = BookingRequest(
            slot_id=slot_id,
            name=data["name"],
            language=data["language"],
            phone=data.get("phone"),
            email=data.get("email"),
            topic=data["topic"],
            needs=Needs(interpreter=data.get("interpreter", False)),
            channel="web",
        )
        try:
            book(session, request, now=now)
            booked += 1
        except BookingError as exc:  # pragma: no cover - demo data only
            logger.info("demo booking skipped: %s", exc.code)
    return booked
