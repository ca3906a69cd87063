"""Text banks of the demo generator: what Hearthly's customers and agents write.

Written for carekit (nothing copied from public data sets). Each intent has many variants;
:func:`say` picks one, fills its slots and sometimes adds a typo, a lower-case or a
terse version, so that theme discovery and the detectors have real work to do.
"""

from __future__ import annotations

import re

import numpy as np

FIRST = ["Anna", "Ben", "Chloe", "Daniel", "Elif", "Farah", "George", "Hana", "Ivan", "Julia", "Kofi", "Lena",
         "Marco", "Nadia", "Oscar", "Priya", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wes", "Xenia",
         "Yusuf", "Zoe", "Aaron", "Bea", "Carlos", "Dina", "Emil", "Fiona", "Gus", "Helga", "Imre", "Jonas",
         "Kira", "Liam", "Mona", "Nils", "Olga", "Pablo", "Ruth", "Sven", "Tess", "Ugo", "Vik", "Wanda"]
LAST = ["Adler", "Baker", "Costa", "Dunn", "Ekström", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Kowalski",
        "Larsen", "Moreau", "Nowak", "O'Brien", "Petrov", "Quist", "Rossi", "Schmidt", "Tanaka", "Usman",
        "Varga", "Walsh", "Young", "Zimmer", "Novak", "Haddad", "Mensah", "Okafor", "Silva", "Brandt", "Keller"]

PRODUCTS = [  # id, name, price, popularity weight
    ("P001", "Linen duvet cover", 79.0, 30), ("P002", "Stoneware dinner set", 119.0, 26),
    ("P003", "Wool throw", 59.0, 24), ("P004", "Oak side table", 149.0, 12), ("P005", "Scented candle trio", 29.0, 34),
    ("P006", "Bath towel set", 45.0, 28), ("P007", "Ceramic vase", 35.0, 16), ("P008", "Cotton cushion cover", 19.0, 30),
    ("P009", "Glass tumblers (6)", 24.0, 18), ("P010", "Rattan basket", 32.0, 14), ("P011", "Cast-iron casserole", 98.0, 10),
    ("P012", "Bamboo bath mat", 27.0, 12), ("P013", "Jute rug", 129.0, 9), ("P014", "Table lamp", 69.0, 8),
    ("P015", "Knife block", 89.0, 7), ("P016", "Arden floor lamp", 189.0, 0.6), ("P017", "Wall mirror", 110.0, 6),
    ("P018", "Herb planter", 22.0, 9), ("P019", "Coffee grinder", 54.0, 6), ("P020", "Bedside clock", 39.0, 5),
]
LAMP = "P016"

NPS_COMMENTS = {
    "quality": [
        "Lovely {product}, really well made and it feels like it will last for years.",
        "The quality of the {product} is excellent, better than in the shops.",
        "Great quality {product}! Exactly like the photos.",
        "best {product} i've bought, solid and beautiful",
        "Beautiful things, well made. My {product} gets compliments from everyone.",
        "Quality is consistently high, I keep coming back.",
        "The {product} is gorgeous & sturdy. Worth every cent.",
    ],
    "delivery_late": [
        "My order was over a week late and nobody told me anything.",
        "Delivery took forever and the tracking never updated.",
        "No tracking updates at all, parcel turned up 9 days late.",
        "the new courier is awful, late again and no updates",
        "Waited ten days for my {product}. No email, no tracking, nothing.",
        "Late delivery AGAIN. I had to chase you twice to find out where it was.",
        "Tracking said 'label created' for a week. Really poor.",
        "Courier never came on the day, no message, no new date.",
    ],
    "delivery_ok": [
        "Fast delivery and well packed.",
        "Arrived the next day, great service.",
        "Quick delivery, easy ordering.",
    ],
    "billing": [
        "I was charged twice for one order after paying in the app.",
        "Double charge on my card! Took ages to get the money back.",
        "The app took the payment two times, very stressful.",
        "charged 2x for the same {product}, not happy",
        "Payment went through twice (card ending 4417). Please fix your app.",
        "You double billed me after the app update. Card statement shows two payments.",
    ],
    "returns": [
        "Returning a {product} was a nightmare, they kept saying it's policy.",
        "Wanted to return a damaged {product} and was told nothing could be done.",
        "Returns are too rigid, 2 days past the window and no flexibility at all.",
        "customer service just said 'that's our policy' about my return",
        "The return process is painful & the agent wouldn't budge.",
    ],
    "login": [
        "The app keeps logging me out and I can't get back in.",
        "Stuck in a login loop in the app, had to order on the website.",
        "App login doesn't work, the code never arrives.",
        "can't log in on the app, it just loops back to the start screen",
        "Login on the app is broken for me since I signed up.",
    ],
    "price": [
        "A bit pricey compared to other shops.",
        "Good products but prices went up recently.",
        "Delivery fee is too high for small orders.",
        "Nice stuff, a little expensive though.",
    ],
    "service_good": [
        "Customer service was kind and sorted it quickly.",
        "The support team was lovely when my {product} arrived chipped.",
        "Helpful agent, replaced my {product} without fuss.",
        "Great service, they really listen <3",
    ],
    "generic_pos": ["Love Hearthly!", "Great shop, will order again.", "All good, thanks.", "Really happy with my order."],
    "generic_neg": ["Not impressed this time.", "Disappointing experience.", "Meh. Expected better.", "Won't order again."],
}

ENPS_COMMENTS = {
    "low": ["We are stretched thin, the queue never ends.", "Too few people on support since the delivery problems.",
            "Burnt out after the summer, overtime every week.", "Management doesn't see how busy the team is."],
    "mid": ["It's ok, some weeks are hard.", "Good colleagues, tools could be better."],
    "high": ["Great team and a product I believe in.", "I like helping customers here, people care.",
             "Good balance, supportive lead."],
}

CUSTOMER_OPEN = {
    "delivery": ["Hi, my order {order} still hasn't arrived and the tracking hasn't moved in days. Where is it?",
                 "Where is my parcel?? Order {order}, it's a week late and no updates.",
                 "hello, the courier didn't come again. order {order}. can someone tell me what's going on",
                 "My delivery was supposed to come on Tuesday. Nothing yet, no email. Order {order}.",
                 "Tracking page says nothing for 6 days. I need the {product} for the weekend!"],
    "returns": ["I'd like to return my {product}, it arrived damaged. It's 2 days past the 30-day window, sorry.",
                "Can I return a {product}? Changed my mind, it doesn't fit the room.",
                "Hi, the {product} is chipped. I want to send it back but the form won't let me.",
                "I want a refund for the {product} & the return label doesn't work."],
    "billing": ["I've been charged twice for order {order}! Please refund the second payment.",
                "Why are there 2 payments on my card for one order? Paid in the app.",
                "Double charge after the app froze at checkout. Card ending 4417. Fix this please.",
                "Hello, you took my money twice for {order}. Can you check?"],
    "login": ["I can't log in to the app, it keeps sending me back to the start.",
              "The login code never arrives. I just signed up and can't get in.",
              "App is stuck in a login loop on my phone, tried reinstalling.",
              "can't sign in on the app!! reset password twice already"],
    "product": ["The {product} has a small crack, is that normal?",
                "How do I clean the {product}? Instructions weren't in the box.",
                "The colour of the {product} is different from the photo."],
    "other": ["Do you ship to the islands?", "Can I change the address on order {order}?",
              "Is there a discount for Plus members on sale items?", "Can I add a gift note to order {order}?"],
}
CUSTOMER_FOLLOW = ["Thanks. Any news?", "Still waiting...", "ok, thank you!", "That's not good enough honestly.",
                   "Thank you so much, that helps.", "When exactly?", "Fine.", "Great, cheers!",
                   "I already did that twice.", "Can you call me on {phone}?"]
BOT = ["Thanks for contacting Hearthly! An agent will reply soon. Average wait today: {wait} min.",
       "Hi! I'm Hearthly's assistant. I've passed your message to our team."]

AGENT_GREET = ["Hi {first},", "Hello {first},", "Hi there,", "Dear {first},", "Hey {first}!"]
EMPATHY = ["I'm so sorry about this.", "I completely understand how frustrating this is.",
           "I'm really sorry this happened.", "I can only imagine how annoying that must be.",
           "That must have been so stressful, I'm sorry.", "I hear you, and I'm sorry we let you down."]
CONTENT = {
    "delivery": ["I've checked order {order} with the courier.", "I can see the parcel is at the local depot.",
                 "The courier has had delays in your area.", "I've looked into your order."],
    "returns": ["I've looked at your return request.", "I've checked your order and the return window.",
                "Thanks for the photos of the {product}."],
    "billing": ["I can see two payments on order {order}.", "I've checked the payments on your card.",
                "You're right, the app took the payment twice."],
    "login": ["I've reset your login session on our side.", "I've checked your account and it looks fine now.",
              "Could you update the app to the latest version and try again?"],
    "product": ["Thanks for the details about the {product}.", "I've passed this to our product team."],
    "other": ["Thanks for your question.", "Good question!"],
}
PLAN = ["I'll refund you by Friday.", "You'll receive an email with the new tracking link within 24 hours.",
        "I'll call the courier today and update you by tomorrow at 5pm.", "We'll send a replacement tomorrow.",
        "I've arranged a new delivery for Thursday.", "You'll get the refund in 3 working days.",
        "I'll check back with you by end of day.", "Our warehouse will ship it within 2 days."]
VAGUE = ["We'll look into it.", "Someone will get back to you.", "Let us know if there's anything else.",
         "Hopefully it's sorted soon.", "Please bear with us."]
RIGID = ["Unfortunately that's our policy.", "I'm afraid there's nothing I can do.",
         "The system doesn't allow me to change that.", "That's company policy, I can't make an exception.",
         "It's out of my hands, rules are rules.", "I'm not able to override the return window."]
EXCEPTION = ["As a one-off, I've gone ahead and approved the return.", "I'll make an exception this time.",
             "I've waived the return fee as a goodwill gesture.", "Let me see what I can do - I've extended the window."]
CLOSE = ["Thanks for your patience.", "Kind regards, {agent}", "Thank you!", "Best regards, {agent}",
         "Happy to help.", "Have a nice day."]

COMPLAINT = {
    "delivery": ["Formal complaint: order {order} arrived 12 days late, no tracking updates, three chats without an answer.",
                 "I want to complain about the courier. Parcel left at the wrong door, no notice, no tracking.",
                 "Third late delivery in a row. The new delivery partner is unreliable and nobody tells me anything.",
                 "No updates for a week on order {order}. I had to take a day off for a delivery that never came."],
    "billing": ["The refund for my return of order {order} is still not here after three weeks.",
                "The voucher code was not applied at checkout and nobody will correct the price of order {order}.",
                "My invoice for order {order} shows the wrong address and no VAT number. I need it fixed for my accounts.",
                "You promised me a credit note a month ago. It never arrived."],
    "returns": ["Your agent refused my return of a damaged {product} citing 'policy'. I want this escalated.",
                "Complaint about returns: 2 days over the window and the answer was 'nothing I can do'."],
    "product": ["The {product} broke after two weeks. Poor quality for the price.",
                "{product} arrived with a crack and the replacement too."],
    "service": ["I waited 3 days for a reply to a simple question.", "Rude reply from customer service, no apology."],
}

# the complaints of the customers app 4.2 charged twice (truth 6): told in their own words, which
# share "charged twice" as the people of a real incident share its one phrase
DOUBLE_CHARGE_COMPLAINT = [
    "Complaint: I was charged twice for order {order} after the app update. Refund the second payment.",
    "The app charged me twice for order {order}, two payments on card 4539 1488 0343 6467. Refund the second one!",
]

RECOVERY = {
    "billing": (["double charge after app payment retry", "card charged twice (app 4.2)", "duplicate payment on order",
                 "charged 2x at checkout in the app"],
                ["Refund + €10 voucher", "Refund of second charge + €10 voucher", "Refund + voucher + bank fee covered"],
                ["retry created a second charge", "payment retry in app 4.2 is not idempotent",
                 "app retried the payment and created a duplicate charge", "second charge created when the app retried after a timeout",
                 "retries need an idempotency key so a payment is taken once"]),
    "delivery": (["parcel 10 days late, no tracking", "lost parcel with the new carrier", "late delivery, no updates",
                  "courier did not show, no notice"],
                 ["Reshipped + €15 voucher", "Refund of delivery fee + voucher", "Express reshipment"],
                 ["new carrier sends no tracking updates", "the delivery partner in the North has no tracking feed",
                  "no proactive updates when a parcel is late", "carrier SLA had no penalty for late delivery"]),
    "damage": (["lamp arrived broken", "glass shade shattered in transit", "vase chipped on arrival", "dinner set broken"],
               ["Replacement sent", "Replacement + €5 voucher", "Full refund"],
               ["packaging too thin for glass items", "fragile items need double boxing",
                "glass shades need thicker packaging"]),
    "wrong_item": (["wrong colour sent", "received someone else's order", "wrong size towel set"],
                   ["Correct item sent + return label", "Exchange + voucher"],
                   ["picking labels swapped in the warehouse", "similar products stored next to each other get mixed up"]),
}

REVIEW = {
    5: ["Absolutely love my {product}. Beautiful quality!", "Perfect {product}, fast delivery, 10/10.",
        "Gorgeous {product}, exactly as pictured.", "Best purchase this year <3", "Great quality & lovely packaging."],
    4: ["Nice {product}, good value.", "Really like it, delivery was a bit slow.", "Good quality {product}, would buy again.",
        "Pretty {product}, slightly smaller than expected."],
    3: ["It's ok. The {product} is fine but nothing special.", "Average. Delivery took longer than promised.",
        "Decent {product}, packaging could be better."],
    2: ["Delivery was late and no tracking. The {product} itself is fine.", "Disappointed, the {product} feels cheap.",
        "Arrived damaged, replacement took weeks."],
    1: ["Never arrived on time, no updates, terrible courier.", "Broken on arrival. Don't buy.",
        "Awful. Charged twice and still waiting for my refund.", "The {product} wobbles and the shade cracked."],
}
LAMP_REVIEWS = [(1, "The Arden floor lamp wobbles and the base cracked in a week."),
                (2, "Looks nice but flickers. Returned it."), (1, "Shade arrived broken, the lamp leans."),
                (2, "Wobbly, cheap switch."), (1, "Stopped working after 3 days."),
                (2, "Not stable on carpet, feels flimsy for the price."), (3, "Pretty but the cable is short."),
                (1, "Broken glass again on the replacement."), (4, "Lovely light, slightly wobbly.")]


def say(rng: np.random.Generator, variants: list[str], typo: float = 0.08, **slots: object) -> str:
    """One variant with slots filled; sometimes a typo, sometimes lower-case and terse.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the choice of variant, typo and casing.
    variants : list of str
        Templates with ``str.format`` slots (``"{product}"``).
    typo : float
        Probability of swapping two letters in one longer word; a further 0.05 makes the text
        lower-case without its final ``.`` or ``!``.
    **slots : object
        Values of the template's slots.

    Returns
    -------
    str
        The filled variant.

    Examples
    --------
    >>> say(np.random.default_rng(0), ["Hi {first}!"], typo=0, first="Ana")
    'Hi Ana!'
    """
    text = variants[int(rng.integers(len(variants)))]
    text = text.format(**{k: v for k, v in slots.items()}) if slots else text
    r = rng.random()
    if r < typo:
        words = text.split(" ")
        i = int(rng.integers(len(words)))
        w = words[i]
        if len(w) > 4 and w.isalpha():
            j = int(rng.integers(1, len(w) - 2))
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
        text = " ".join(words)
    elif r < typo + 0.05:
        text = re.sub(r"[.!]$", "", text.lower())
    return text


def person(rng: np.random.Generator) -> tuple[str, str]:
    return FIRST[int(rng.integers(len(FIRST)))], LAST[int(rng.integers(len(LAST)))]


def email(first: str, last: str, n: int) -> str:
    """A fictional e-mail address at an ``example`` domain (RFC 2606), stable for a name and number.

    Parameters
    ----------
    first, last : str
        The person's names; only the letters a-z are kept (lower-cased).
    n : int
        Any integer; ``n % 97`` is appended and ``n % 3`` picks the ``.com``/``.net``/``.org``
        domain.

    Returns
    -------
    str

    Examples
    --------
    >>> email("Maya", "Lindqvist", 5)
    'mayalindqvist5@example.org'
    """
    clean = re.sub(r"[^a-z]", "", (first + "." + last).lower().replace(".", "_"))
    return f"{clean}{n % 97}@example.{('com', 'net', 'org')[n % 3]}"


def phone(rng: np.random.Generator) -> str:
    return f"+44 7{int(rng.integers(100, 999)):03d} {int(rng.integers(0, 999999)):06d}"
