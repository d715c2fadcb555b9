"""Each junk family, with several real phrasings, removed with a versioned rule id; and the
article prose around it kept."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.clean.boilerplate import match_rule, strip_boilerplate
from pipeline.config import load_config
from pipeline.models import split_lines

# The phrase rules and their families on their own: the line model is off here (see
# test_boilerplate_model.py), so a line kept by design is kept by the rules.
CFG = dataclasses.replace(load_config().boilerplate, model="")
P1 = ("The minister said the agreement would be signed next week after a final round of talks "
      "between the two delegations in the capital.")
P2 = ("Officials on both sides described the negotiations as difficult but productive, and said "
      "several technical questions were still open.")
P3 = "Opposition lawmakers have asked for the full text to be published before any vote is held."


def family(rule_id: str) -> str:
    return rule_id.split(".")[0]


def clean(*paras: str):
    kept, removed = strip_boilerplate(split_lines("\n".join(paras)), CFG)
    return [ln.text for ln in kept], removed


TRAILERS = {
    "trailer": [
        ["You may also like", "Who will make the Rock Hall in 2020?", "Fans really want the band back"],
        ["Related Articles", "Hong Kong protests: 800 students under siege", "China warns of intervention"],
        ["More from Sportsnet", "Epic singles wins give Canada best start", "Canadian Press"],
        ["Recommended for you", "Ten places to travel next year", "Why breakfast really matters"],
        ["Trending", "Windows 10 update now available", "Stadia launch reviews are in"],
        ["Most Read", "1", "Battle-Scarred Viking Shield-Maiden Gets Facial Reconstruction", "2",
         "Here's What Sugar Does to Your Brain"],
        ["Read Next", "Hong Kong civilians step in to save students trapped in vi..."],
        ["Don't Miss", "Plane passengers quarantined after outbreak [NEWS]"],
        ["Vous aimerez aussi", "Les dix plus beaux villages de France"],
    ],
    "comments": [
        ["LEAVE A REPLY", "Please enter your comment!", "Please enter your name here"],
        ["Leave a Reply Cancel reply", "Your email address will not be published. Required fields are marked *",
         "Comment", "Name *", "Email *",
         "Save my name, email, and website in this browser for the next time I comment.", "Post Comment"],
        ["34 Comments", "thelastchargersfan says:", "November 19, 2019 at 6:34 am",
         "It is a good thing we have no fans left because this is a dumpster fire of a season, honestly.",
         "Reply"],
        ["Comments are closed."],
        ["Lascia un commento Annulla risposta", "Devi essere connesso per inviare un commento."],
        ["Tinggalkan Balasan Batalkan balasan", "Ketikkan komentar di sini..."],
    ],
    "footer": [
        ["Logo Return to Top", "© 2019 Hearst Communications, Inc.", "About"],
        ["Privacy Policy", "© 2019 CBS Interactive Inc. All Rights Reserved.", "World", "More World"],
        ["Terms of Use", "Copyright ⓒ Entermedia.co.kr. 무단전재 및 재배포 금지", "뒤로가기 인쇄하기 목록 Tweet"],
    ],
    "tags": [
        ["Tags:", "Minnesota Wild", "Bill Hoppe"],
        ["Topics:", "Justin Bieber", "Kanye West", "Taylor Swift"],
        ["Filed under: Khawarij |"],
        ["Temas", "Mensagens de Bom Dia", "Mensagens de Boa Noite", "Feliz Aniversário"],
    ],
    "share": [
        ["Share this:", "Facebook", "Twitter", "WhatsApp", "Email"],
        ["Share on Facebook", "Share on Twitter", "Share via Email"],
        ["Sharing is caring!", "0shares", "Pinterest"],
    ],
    "newsletter": [
        ["Sign Up for e-mail newsletters", "Get breaking science news on monster snakes and more",
         "No spam, we promise. You can unsubscribe at any time and we'll never share your details."],
        ["Newsletter", "Get our daily Entertainment newsletter", "Subscribe"],
    ],
}


@pytest.mark.parametrize(("fam", "tail"), [(f, t) for f, tails in TRAILERS.items() for t in tails])
def test_trailing_families_removed_and_article_kept(fam: str, tail: list[str]) -> None:
    kept, removed = clean(P1, P2, P3, *tail)
    assert kept == [P1, P2, P3]
    assert {r.text for r in removed} == set(tail)
    assert family(removed[0].rule) == fam
    assert all("@" in r.rule for r in removed)


INLINE = {
    "promo": ["Also Read: Trump admin's move to sell AMRAAM to Turkey alarms India",
              "READ MORE: China plague outbreak confirmed", "ALSO READ | Markets close higher",
              "Related: The 15 Weirdest Galaxies in Our Universe", "Advertisement",
              "Story continues below advertisement", "CLICK HERE TO GET THE FOX NEWS APP",
              "READ MORE ON FOX BUSINESS BY CLICKING HERE",
              "[Related: Salesforce Dreamforce Keynote: AI, Integration, Alicia Keys]", "Continue Reading Below"],
    "caption": ["Image copyright Getty Images", "Image caption Scooter Braun has managed Justin Bieber",
                "FILE PHOTO: Traders work on the floor at the New York Stock Exchange",
                "The plague wiped out half of Europe in the 14th century (Image: GETTY)",
                "A reference habitation module for a crewed Mars mission. Credit: ESA", "IGN Logo",
                "Created with Sketch.", "Fill 2 Copy 11", "image/svg+xml", "dp3_1_en", "191119052250266",
                "The road to retiring early isn't easy.Kathrin Ziegler/Getty",
                "The WeWork logo is displayed outside of a co-working space in New York.Reuters",
                "Home Depot stock fell after the earnings report. Photograph by Robyn Beck/AFP/Getty Images",
                "A video shows the moment a kidnapped girl was rescued by police. (Published Monday, Nov. 18, 2019)",
                "Crews worked through the night to clear the road. (Updated Nov. 19, 2019 at 6:02 PM)"],
    "share": ["Share Tweet Submit", "FacebookTwitterPinterestEmail", "Copy Link URLCopied!", "195Shares",
              "Tweet on Twitter", "Share on: Facebook Twitter Reddit Google+", "follow"],
    "newsletter": ["DH Newsletter Privacy Policy Get top news in your inbox daily",
                   "Sign up for our Newsletter",
                   'Need more space? Subscribe to our sister title "All About Space" Magazine for the latest '
                   "amazing news from the latest frontier!"],
    "consent": ["We use cookies to ensure that we give you the best experience on our website.",
                "This site is protected by recaptchaPrivacy Policy | Terms of Service"],
    "nav": ["Image 1 of 5", "1 / 23", "Back to Gallery", "Media playback is unsupported on your device",
            "Company TownTelevisionBusinessEntertainment & Arts"],
    "byline": ["Nov. 19, 2019 8:03 am ET", "Published 10:02 AM EST Nov 19, 2019", "5 Min Read",
               "@saraheneedleman"],
}

# Weak families: publishers print these lines as part of the article as often as they leak in
# with the page, so alone between paragraphs (or closing the article) they stay, and next to
# junk that other evidence removed they go with it.
WEAK = {
    "caption": ["Sakib Ali/Hindustan Times/Getty Images", "(Image credit: Blue Origin)", "Photo: Gene J. Puskar",
                "Jonathan P. Blair Submitted photo", "[사진=MBC, SBS]"],
    "affiliate": ["If you buy something through this post, IGN may get a share of the sale. For more, learn more.",
                  "Microsoft may earn an Affiliate Commission if you purchase something through recommended links",
                  "FTC: We use income earning auto affiliate links. More."],
    "footer": ["© Reuters", "© 2019 Associated Press. All Rights Reserved."],
    "byline": ["(Reporting by Will Dunham; Editing by Tom Brown)", "Caroline Hawley, BBC diplomatic correspondent"],
    "share": ["Follow NBC Latino on Facebook, Twitter and Instagram."],
    "promo": ["Click here to get more information or download this game.", "Buy Now", "Shop now"],
}


@pytest.mark.parametrize(("fam", "line"), [(f, x) for f, xs in INLINE.items() for x in xs])
def test_inline_families_removed_anywhere(fam: str, line: str) -> None:
    kept, removed = clean(P1, P2, line, P3, P1 + " Again.", P2 + " Again.")
    assert line not in kept and P3 in kept and len(kept) == 5
    assert [r.text for r in removed] == [line]
    assert family(removed[0].rule) == fam


@pytest.mark.parametrize(("fam", "line"), [(f, x) for f, xs in WEAK.items() for x in xs])
def test_weak_line_alone_is_article_text(fam: str, line: str) -> None:
    assert family(match_rule(CFG.rules, line).rule_id) == fam  # type: ignore[union-attr]
    assert clean(P1, P2, line, P3)[0] == [P1, P2, line, P3]
    assert clean(P1, P2, P3, line)[0] == [P1, P2, P3, line]


@pytest.mark.parametrize(("fam", "line"), [(f, x) for f, xs in WEAK.items() for x in xs])
def test_weak_line_next_to_junk_goes_with_it(fam: str, line: str) -> None:
    kept, removed = clean(P1, P2, "Advertisement", line, P3, P1 + " Again.")
    assert kept == [P1, P2, P3, P1 + " Again."]
    assert [family(r.rule) for r in removed] == ["promo", fam]
    kept, removed = clean(P1, P2, P3, "Share this:", line, "Facebook", "Twitter")
    assert kept == [P1, P2, P3]


def test_copyright_notice_ends_the_article_and_cuts_the_footer() -> None:
    footer = ["Navy says their plan to reduce risk will take some time", "By", "Lisa Kubota",
              "Hawaii saw hail, thunderstorms, and even snow.", "Full Forecast"]
    kept, removed = clean(P1, P2, P3, "Copyright 2019 Hawaii News Now. All rights reserved.", *footer)
    assert kept == [P1, P2, P3, "Copyright 2019 Hawaii News Now. All rights reserved."]
    assert [r.text for r in removed] == footer
    assert {r.rule for r in removed} == {next(r.rule_id for r in CFG.rules if r.id == "footer.copyright")}


def test_strong_rule_wins_over_weak_for_the_same_line() -> None:
    # "Follow us on Twitter" is a widget label (strong) although share.follow also matches it.
    kept, removed = clean(P1, P2, "Follow us on Twitter", P3)
    assert kept == [P1, P2, P3] and removed[0].rule.startswith("share.prompt@")


@pytest.mark.parametrize("lead", [
    ["ByJamelle Bouie", "Opinion Columnist"],
    ["Two patients diagnosed with plague in China", "By Sean Martin", "Nov. 20, 2019, 9:28 AM UTC"],
    ["by Bryan DeArdo", "@BryanDeArdo", "Nov 18, 2019 at 9:24 pm ET • 2 min read"],
    ["LinkNaija October 06, 2018"],
    ["February 1, 2019 Ilana Muhlstein, MS, RDN"],
    ["Associated Press November 19, 2019, 9:02 AM"],
    ["21/06/2014 Tony Carter All, Books, Kit Reviews, News"],
    ["Главная » Интересное"],
    ["By Jane Doe", "Leave a comment"],
    ["More", "Posted by Jane Doe"],
])
def test_leading_byline_block_removed(lead: list[str]) -> None:
    kept, removed = clean(*lead, P1, P2, P3)
    assert kept == [P1, P2, P3]
    assert {r.text for r in removed} == set(lead)


@pytest.mark.parametrize("prose", [
    "Related coverage of the summit is expected to continue through the weekend, organisers said.",
    "More than 200 people attended the meeting, which ran late into the evening on Tuesday.",
    "Comments from the minister were not immediately available, a spokesman told reporters.",
    "Share prices rose 3% in early trading after the results were published on Monday morning.",
    "The photo was taken by a passer-by and shared widely on social media before it was removed.",
])
def test_prose_that_starts_like_a_label_is_not_matched(prose: str) -> None:
    assert match_rule(CFG.rules, prose) is None
    kept, removed = clean(P1, prose, P2, P3)
    assert prose in kept and removed == []


@pytest.mark.parametrize("line", [
    "MacBook Pro and MacBook Air compared",  # one joint per brand name, not three glued labels
    "The rally on November 19, 2019 drew thousands of people to the square.",  # a dated sentence
    "Logo design contest results",
    "Path to victory",  # a subheading, not an SVG path id
    "He said the deal was done.Reuters reported it first on Monday.",
    "2019",
    "The report was first published Monday, Nov. 18, 2019 by the agency.",  # a stamp inside a sentence
    "He told reporters (published Monday) that the deal was done.",
])
def test_lines_near_new_rules_are_not_matched(line: str) -> None:
    assert match_rule(CFG.rules, line) is None


def test_dated_line_after_the_first_paragraph_stays() -> None:
    # The name-and-date rule is for the byline block only: below the first paragraph, a short
    # dated line ("Paris, June 3, 2019") is the article's.
    kept, removed = clean(P1, "Paris June 3, 2019", P2, P3)
    assert kept == [P1, "Paris June 3, 2019", P2, P3] and removed == []


def test_every_rule_has_reason_and_versioned_family_id() -> None:
    families = {"trailer", "comments", "promo", "share", "newsletter", "paywall", "consent", "footer",
                "tags", "caption", "byline", "nav", "affiliate"}
    for rule in CFG.rules:
        assert rule.reason, rule.id
        assert family(rule.id) in families, rule.id
        assert rule.rule_id == f"{rule.id}@{rule.version}"
