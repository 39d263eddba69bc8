"""German event mechanisms through the real coder (shipped pipeline, actor layer, patterns)."""
from __future__ import annotations

import pytest

from chronik.io.readers import make_article
from chronik.pipeline import coder_for


def events(text: str) -> list[tuple[str, frozenset, frozenset, tuple]]:
    coded = coder_for("de").code(make_article(text, lang="de", date="2022-03-01"))
    return [(e.type, frozenset(a.code for a in e.actor), frozenset(r.code for r in e.recipient), tuple(e.aux))
            for e in coded.events]


CASES = [
    ("separable verb", "Russland griff am Montag die Ukraine an.", ("ASSAULT", {"RUS"}, {"UKR"}, ())),
    ("passive with agent", "Die Ukraine wurde von Russland angegriffen.", ("ASSAULT", {"RUS"}, {"UKR"}, ())),
    ("nominal trigger with adjective actor", "Der russische Angriff auf die Ukraine dauerte an.",
     ("ASSAULT", {"RUS"}, {"UKR"}, ())),
    ("compound actor", "Frankreich und Deutschland kritisierten die Türkei.", ("ACCUSE", {"FRA", "DEU"}, {"TUR"}, ())),
    ("reciprocal", "Deutschland und Frankreich verhandeln über ein neues Abkommen.",
     ("CONSULT", {"DEU", "FRA"}, set(), ())),
    ("PP recipient", "Die Regierung in Berlin verhandelte mit Polen.", ("CONSULT", {"DEU"}, {"POL"}, ())),
    ("negation", "Russland griff die Ukraine nicht an.", ("ASSAULT", {"RUS"}, None, ("negation",))),
    ("future", "Die Türkei wird nächste Woche mit Griechenland verhandeln.",
     ("CONSULT", {"TUR"}, {"GRC"}, ("future",))),
    ("light verb construction", "Die EU verhängte Sanktionen gegen Russland.", ("SANCTION", {"EU"}, {"RUS"}, ())),
    ("dative recipient", "Nordkorea drohte Südkorea mit einem Angriff.", ("THREATEN", {"PRK"}, {"KOR"}, ())),
    ("separable with PP", "Israel zog seine Truppen aus dem Gazastreifen ab.", ("RETREAT", {"ISR"}, {"PSE"}, ())),
]


@pytest.mark.issue(5)
@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_mechanism(name: str, text: str, expected: tuple) -> None:  # type: ignore[type-arg]
    etype, actor, recipient, aux = expected
    got = events(text)
    assert any(t == etype and a == frozenset(actor) and (recipient is None or r == frozenset(recipient))
               and x == aux for t, a, r, x in got), got


@pytest.mark.issue(5)
def test_hypothetical() -> None:
    got = events("Die Polizei könnte die Demonstranten festnehmen, falls sie die Straße blockieren.")
    assert any(t == "COERCE" and "hypothetical" in x for t, _, _, x in got), got


@pytest.mark.issue(5)
def test_event_anaphora_gives_the_recipient() -> None:
    got = events("Dänemark leitet Verhandlungen mit den USA ein. Das US-Außenministerium begrüßte die Verhandlungen.")
    assert ("CONSULT", frozenset({"DNK"}), frozenset({"USA"}), ()) in got
    assert ("SUPPORT", frozenset({"USA"}), frozenset({"DNK"}), ()) in got


@pytest.mark.issue(5)
def test_plain_speech_and_topics_are_no_events() -> None:
    assert events("Die Regierung sagte, das Wetter sei gut.") == []
    # "über eine Zusammenarbeit" is the topic of the talks, not a COOPERATE event.
    got = events("Dänemark verhandelt mit Norwegen über eine Zusammenarbeit.")
    assert [t for t, *_ in got] == ["CONSULT"], got


@pytest.mark.issue(5)
def test_unknown_object_is_a_recipient_of_the_articles_country() -> None:
    # "den Vergleich" / "den Verdächtigen" name no country: the party acted on belongs to the story's.
    got = events("Die belgische Staatsanwaltschaft hat in Brüssel den Verdächtigen angeklagt.")
    assert any(t == "ACCUSE" and a == {"BEL"} and r == {"BEL"} for t, a, r, _ in got), got
    # An object that is the content of a request is not the party the request is addressed to.
    got = events("Die belgische Regierung fordert eine neue Untersuchung.")
    assert all(r == frozenset() for t, _, r, _ in got if t == "REQUEST"), got


@pytest.mark.issue(5)
def test_an_arrest_implies_the_police_of_the_articles_country() -> None:
    coded = coder_for("de").code(make_article(
        "Brüssel – Nach der Festnahme des Attentäters blieb die Lage in Belgien ruhig.", lang="de", date="2022-03-01"))
    arrests = [e for e in coded.events if e.type == "COERCE"]
    assert arrests, coded.events
    actor = arrests[0].actor[0]
    assert (actor.code, actor.sector, actor.kind) == ("BEL", "COP", "implied"), actor
    assert any("implied" in n for n in arrests[0].evidence.notes)


@pytest.mark.issue(5)
def test_recipient_from_what_the_trigger_governs_including_places() -> None:
    # No object or PP the pattern names: the first actor or place the verb governs receives.
    coded = coder_for("en").code(make_article("Serbia lifted a night curfew in Montenegro on Sunday.",
                                              lang="en", date="2022-03-01"))
    got = [(e.type, [a.code for a in e.actor], [(r.code, r.kind) for r in e.recipient]) for e in coded.events]
    assert ("CONCEDE", ["SRB"], [("MNE", "place")]) in got, got


@pytest.mark.issue(5)
def test_negated_support_noun_is_a_rejection_and_passive_werden_is_no_future() -> None:
    got = events("Der Minister kann nicht mit der Unterstützung Serbiens rechnen.")
    assert any(t == "REJECT" and a == {"SRB"} for t, a, _, _ in got), got
    got = events("Die Opposition wird von Frankreich unterstützt.")
    assert any(t == "SUPPORT" and a == {"FRA"} and "future" not in x for t, a, _, x in got), got


@pytest.mark.issue(5)
def test_receiving_verbs_turn_the_subject_into_the_recipient() -> None:
    got = events("Die serbische Opposition erhielt Unterstützung von Frankreich.")
    assert ("SUPPORT", frozenset({"FRA"}), frozenset({"SRB"}), ()) in got, got


@pytest.mark.issue(5)
def test_relative_pronoun_stands_for_its_noun() -> None:
    got = events("Die serbische Opposition, die von Frankreich unterstützt wird, protestierte.")
    assert any(t == "SUPPORT" and a == {"FRA"} and r == {"SRB"} for t, a, r, _ in got), got


@pytest.mark.issue(5)
def test_english_bare_verb_after_a_false_particle_and_failed_to() -> None:
    coded = coder_for("en").code(make_article(
        "Rebels kidnapped up to 16 Russian advisers in Angola. Israel failed to reach an agreement with Egypt.",
        lang="en", date="2022-03-01"))
    got = [(e.type, e.aux) for e in coded.events]
    assert any(t == "ASSAULT" for t, _ in got), got
    assert any(t == "REJECT" or (t == "AGREE" and "negation" in x) for t, x in got), got


@pytest.mark.issue(5)
def test_english_adjective_triggers_and_staged_strikes() -> None:
    def types(text: str) -> set[str]:
        return {e.type for e in coder_for("en").code(make_article(text, lang="en", date="2022-03-01")).events}

    assert "AGREE" in types("Iran is prepared to negotiate with the European Union.")
    assert "PROTEST" in types("Algerian activists staged a hunger strike.")


@pytest.mark.issue(5)
def test_state_of_a_reflexive_verb_is_active_and_verb_final_arguments_count() -> None:
    # "ist ... beteiligt gewesen": sein + participle of "sich beteiligen" is the subject's own act, and the
    # partner stands before the verb-final trigger ("an der Seite der USA"), not in the place after it
    got = events("Dänemark ist in den vergangenen Jahren an der Seite der USA immer wieder an "
                 "internationalen Einsätzen beteiligt gewesen, unter anderem im Irak.")
    assert ("COOPERATE", frozenset({"DNK"}), frozenset({"USA"}), ()) in [(t, a, r, ()) for t, a, r, _ in got], got
    # a real passive keeps its reading
    got = events("Die Ukraine wurde von Russland angegriffen.")
    assert any(t == "ASSAULT" and a == frozenset({"RUS"}) for t, a, _, _ in got), got


@pytest.mark.issue(5)
def test_inflected_compound_heads_are_found() -> None:
    # the lemmatizer leaves most inflected compounds unreduced ("Luftangriffe"); their head's inflected
    # form is a pattern too (events_noun_forms.jsonl), so the compound is found by its head
    got = events("Die israelischen Luftangriffe auf den Gazastreifen dauerten an.")
    assert ("ASSAULT", frozenset({"ISR"}), frozenset({"PSE"}), ()) in got, got
    got = events("Russland drohte mit Wirtschaftssanktionen gegen Litauen.")
    assert any(t == "SANCTION" and a == frozenset({"RUS"}) for t, a, _, _ in got), got
    assert ("ACCUSE", frozenset({"POL"}), frozenset({"DEU"}), ()) in events(
        "Polen feuerte erneut Querschüsse gegen Deutschland ab.")
    # "Wahlkampf" compounds are campaigns, "Herausforderungen" challenges, not fights or demands
    assert events("Der Präsidentschaftswahlkampf in den USA beginnt.") == []
    assert not any(t == "REQUEST" for t, _, _, _ in events("Die Regierung steht vor großen Herausforderungen."))


@pytest.mark.issue(5)
def test_idioms_of_merit_criticism_and_passive_accusation() -> None:
    # "kann X etwas abgewinnen" backs X; "nichts abgewinnen" negates it, which is a REJECT
    assert any(t == "SUPPORT" and a == frozenset({"POL"}) for t, a, _, _ in
               events("Polen kann dem Plan der EU etwas abgewinnen.")), "SUPPORT"
    assert any(t == "REJECT" and a == frozenset({"FRA"}) for t, a, _, _ in
               events("Frankreich kann dem Vorschlag Deutschlands nichts abgewinnen.")), "REJECT"
    # "Querschuss gegen X": figurative criticism
    assert ("ACCUSE", frozenset({"POL"}), frozenset({"DEU"}), ()) in events(
        "Polen feuerte erneut einen Querschuss gegen Deutschland ab.")
    # "X wird vorgeworfen" without an agent: the accusing authority of the article's country
    got = events("Berlin – Dem früheren Minister wird Bestechlichkeit vorgeworfen.")
    assert any(t == "ACCUSE" and a == frozenset({"DEU"}) for t, a, _, _ in got), got


@pytest.mark.issue(5)
def test_speaker_acts_for_we_and_ruled_out_existence() -> None:
    # "es werde keine X geben" inside reported speech: the speaker rules X out (negated AGREE -> REJECT)
    got = events("Verteidigungsminister Morten Bødskov unterstrich, dass es nicht um Stützpunkte gehe. "
                 "Atomwaffen auf dänischem Boden werde es nicht geben.")
    assert ("REJECT", frozenset({"DNK"}), frozenset(), ()) in got, got
    # "wir" in a quote is the speaker's side
    got = events("Bundeskanzler Olaf Scholz sagte am Montag in Berlin: «Wir werden die Ukraine weiter unterstützen.»")
    assert any(a == frozenset({"DEU"}) and r == frozenset({"UKR"}) for _, a, r, _ in got), got
    # "es gibt" describes: no event without an announcement
    assert events("Es gibt in Dänemark keine Atomwaffen, sagte der dänische Verteidigungsminister.") == []


@pytest.mark.issue(5)
def test_coordinated_participles_share_the_passive_and_its_agent() -> None:
    got = events("Der Verdächtige war am Freitag in Brüssel angeschossen und von der belgischen Polizei "
                 "festgenommen worden.")
    assert any(t == "ASSAULT" and a == frozenset({"BEL"}) for t, a, _, _ in got), got
    got = events("Es gibt die Tea-Party-Fraktion, die von US-Senator Ted Cruz umworben und auch unterstützt wird.")
    assert any(t == "SUPPORT" and a == frozenset({"USA"}) for t, a, r, _ in got), got  # the agent acts


@pytest.mark.issue(5)
def test_governed_recipient_is_not_the_actor_itself_nor_its_own_phrase() -> None:
    # "ihr Protestcamp": the possessive is the actor; "Der Senator aus Florida": the subject's own phrase
    got = events("Die französischen Demonstranten haben ihr Protestcamp vor dem Parlament errichtet.")
    assert all(r != frozenset({"FRA"}) for t, _, r, _ in got if t == "PROTEST"), got
    got = events("Der Senator aus Florida zog sich im März zurück.")
    assert all(r == frozenset() for t, _, r, _ in got if t == "RETREAT"), got


@pytest.mark.issue(5)
def test_headline_source_label_and_demonstrative_re_mention() -> None:
    # "Tageszeitung:" names the headline's source, not a second actor
    got = events("Tageszeitung: Russland soll sich für den serbischen Außenminister einsetzen.")
    assert any(t == "SUPPORT" and a == frozenset({"RUS"}) for t, a, _, _ in got), got
    # "Diese Forderung ... diskutieren" names the demand again: one REQUEST, not two
    got = events("Die österreichische Rektorin fordert mehr Geld für die Universitäten. "
                 "Diese Forderung will sie auch mit dem Finanzminister diskutieren.")
    assert sum(1 for t, _, _, _ in got if t == "REQUEST") == 1, got


@pytest.mark.issue(5)
def test_bare_dative_labelled_obl_arg_is_the_indirect_object() -> None:
    # "dem Vorschlag" names the earlier proposal: its author is the one supported
    got = events("Die österreichische Justizministerin schlug eine Obergrenze von einer Million Euro vor. "
                 "Der grüne Präsidentschaftskandidat kann dem Vorschlag etwas abgewinnen.")
    assert any(t == "SUPPORT" and r == frozenset({"AUT"}) for t, _, r, _ in got), got


@pytest.mark.issue(5)
def test_light_verb_object_in_a_prepositional_phrase() -> None:
    # "in Untersuchungshaft nehmen", "auf die Straße gehen": the light verb's noun stands in a PP
    got = events("Der Verdächtige wurde von der belgischen Polizei in Untersuchungshaft genommen.")
    assert any(t == "COERCE" and a == frozenset({"BEL"}) for t, a, _, _ in got), got
    got = events("Die polnische Opposition ging am Samstag auf die Straße.")
    assert any(t == "PROTEST" and a == frozenset({"POL"}) for t, a, _, _ in got), got
    got = events("Die ukrainische Regierung nahm den Minister in Schutz.")  # the parser hangs the PP on the object
    assert any(t == "SUPPORT" and a == frozenset({"UKR"}) and r == frozenset({"UKR"}) for t, a, r, _ in got), got


@pytest.mark.issue(5)
def test_attributive_participle_is_a_passive_trigger() -> None:
    # "den am Freitag festgenommenen Syrer": the noun is the one arrested, the police is implied
    got = events("Die österreichische Polizei verhörte den am Freitag festgenommenen Syrer.")
    assert ("COERCE", frozenset({"AUT"}), frozenset({"SYR"}), ()) in got, got
    # no implied actor and no agent: no positional guess of who did it
    got = events("Der ukrainische Präsident besuchte die verletzten Soldaten im Krankenhaus.")
    assert all(t != "ASSAULT" for t, _, _, _ in got), got


@pytest.mark.issue(5)
@pytest.mark.parametrize(("etype", "absent", "present"), [
    # "der vereitelte Anschlag": it never happened
    ("ASSAULT", "Die französische Polizei sprach nach dem vereitelten Anschlag der Terroristen von Erfolg.",
     "Nach dem Anschlag der Terroristen auf die französische Polizei wurde ermittelt."),
    # "ohne um richterliche Genehmigung zu bitten": no REQUEST
    ("REQUEST", "Die österreichische Regierung darf Daten abfragen, ohne um richterliche Genehmigung zu bitten.",
     "Die österreichische Regierung bat die EU um Hilfe."),
], ids=["prevented act", "ohne clause"])
def test_act_that_did_not_happen_is_no_event(etype: str, absent: str, present: str) -> None:
    got = events(absent)
    assert all(t != etype for t, _, _, _ in got), got
    got = events(present)
    assert any(t == etype for t, _, _, _ in got), got


@pytest.mark.issue(5)
def test_reciprocal_parties_satisfy_needs_recipient() -> None:
    # "Gespräch(e) zwischen A und B": both parties act; the needed other party is there
    got = events("Am Montag fand in Genf ein Gespräch zwischen den USA und Russland statt.")
    assert ("CONSULT", frozenset({"USA", "RUS"}), frozenset(), ()) in got, got


@pytest.mark.issue(5)
def test_compound_blocklist_tests_the_part_next_to_the_head() -> None:
    from chronik.events.patterns import load_patterns

    index = load_patterns("de")
    # "Gemeinderatswahlkampf" is a "Wahlkampf", "Parteimachtkampf" a "Machtkampf": no "Kampf"
    assert index.nouns("gemeinderatswahlkampf") == []
    assert index.nouns("parteimachtkampf") == []
    assert [p.type for p in index.nouns("raketenangriff")] == ["ASSAULT"]


@pytest.mark.issue(5)
def test_nominal_trigger_in_a_circumstance_pp_takes_no_actor_from_the_verb() -> None:
    # "nach dem Angriff ...": the subject of "floh" did not attack
    got = events("Nach dem Angriff auf die Stadt floh die ukrainische Regierung nach Lwiw.")
    assert all(not (t == "ASSAULT" and a == frozenset({"UKR"})) for t, a, _, _ in got), got
    # its own genitive still names the actor
    got = events("Seit dem Einmarsch in die Ukraine verhängte die EU Sanktionen gegen Russland.")
    assert all(t != "ASSAULT" for t, _, _, _ in got) and any(t == "SANCTION" for t, _, _, _ in got), got
    # its own adjective still names the actor
    got = events("Nach dem russischen Angriff auf die Ukraine tagte der UN-Sicherheitsrat.")
    assert ("ASSAULT", frozenset({"RUS"}), frozenset({"UKR"}), ()) in got, got


# the start of a gnad-1011-like sentence; the tests below finish it in two ways
GOLAN = ("Der israelische Vizegeneralstabschef Jair Golan kritisierte die Regierung. Ministerpräsident "
         "Netanjahu bestellte Verteidigungsminister Moshe Jaalon zu sich, nachdem dieser Golan in Schutz ")


@pytest.mark.issue(5)
def test_demonstrative_pronoun_parsed_as_determiner_of_the_object() -> None:
    # "nachdem dieser Golan in Schutz genommen hatte": "dieser" (Jaalon) acts, Golan is defended
    coded = coder_for("de").code(make_article(GOLAN + "genommen hatte.", lang="de", date="2016-05-09"))
    support = [e for e in coded.events if e.type == "SUPPORT"]
    assert support and [a.text for a in support[0].actor] == ["dieser"], support
    assert [r.text for r in support[0].recipient] == ["Golan"], support


@pytest.mark.issue(5)
def test_conjoined_verb_subject_in_the_wrong_number_is_its_object() -> None:
    # "... und die Offiziere ermutigt hatte": "hatte" is singular, so the officers are encouraged, not encouraging
    coded = coder_for("de").code(make_article(GOLAN + "genommen und die Offiziere ermutigt hatte.", lang="de",
                                              date="2016-05-09"))
    assert all("Offiziere" not in a.text for e in coded.events for a in e.actor), coded.events


@pytest.mark.issue(5)
def test_coordinated_acts_with_the_same_dyad_are_two_events() -> None:
    # "kritisierte die Türkei und verurteilte sie": two acts of the same type and dyad
    got = events("Frankreich kritisierte die Türkei und verurteilte die türkische Regierung.")
    assert sum(1 for t, a, r, _ in got if t == "ACCUSE" and a == frozenset({"FRA"}) and r == frozenset({"TUR"})) == 2, got


@pytest.mark.issue(5)
def test_separate_word_parsed_as_compound_is_no_actor_in_german() -> None:
    # "in Ägyptens Hauptstadt Kairo Geschäftsabschlüsse": Kairo did not make the deals
    text = ("Frankreichs Präsident François Hollande bringt von seinem Besuch in Ägyptens Hauptstadt Kairo "
            "Geschäftsabschlüsse in Höhe von zwei Milliarden Euro heim.")
    coded = coder_for("de").code(make_article(text, lang="de", date="2016-04-18"))
    assert all(not (e.type == "COOPERATE" and any(a.text == "Kairo" for a in e.actor)) for e in coded.events)


@pytest.mark.issue(5)
def test_taking_part_is_cooperation_only_with_a_partner() -> None:
    # COOPERATE needs a recipient (PLOVER): taking part in the planning of an attack is no cooperation
    got = events("Den beiden Verdächtigen wird vorgeworfen, an der Planung eines Attentats in Paris beteiligt gewesen "
                 "zu sein.")
    assert all(t != "COOPERATE" for t, _, _, _ in got), got
    got = events("Dänemark hat sich an der Seite der USA an Einsätzen im Irak beteiligt.")
    assert ("COOPERATE", frozenset({"DNK"}), frozenset({"USA"}), ()) in got, got


@pytest.mark.issue(5)
def test_opposition_is_an_objection() -> None:
    # "Widerstand gegen X" expresses an objection (PLOVER ACCUSE 'disapprove'), not the refusal of a request
    got = events("Frankreich leistet entschlossenen Widerstand gegen die Pläne Polens.")
    assert ("ACCUSE", frozenset({"FRA"}), frozenset({"POL"}), ()) in got, got
    assert all(t != "REJECT" for t, _, _, _ in got), got


@pytest.mark.issue(5)
def test_can_imagine_is_agreement() -> None:
    # "kann sich X vorstellen": open to X (AGREE); negated it rules X out (REJECT)
    got = events("Die ÖVP kann sich eine Koalition mit der FPÖ vorstellen.")
    assert ("AGREE", frozenset({"AUT"}), frozenset(), ()) in got, got
    got = events("Die ÖVP kann sich eine Koalition mit der FPÖ nicht vorstellen.")
    assert any(t == "REJECT" and a == frozenset({"AUT"}) for t, a, _, _ in got), got
    # presenting a plan is no agreement
    assert events("Die Regierung stellte am Montag ihren Plan vor.") == []


@pytest.mark.issue(5)
def test_talking_about_a_country_is_no_meeting_with_it() -> None:
    # "spricht über ... im Jemen": the topic names no partner; "sprechen" is reciprocal like "verhandeln"
    got = events("Die deutsche Archäologin spricht über Plünderungen und Zerstörungen im vom Krieg gebeutelten Jemen.")
    assert all(t != "CONSULT" for t, _, _, _ in got), got
    got = events("Merkel sprach am Montag in Berlin mit Macron über die Ukraine.")
    assert ("CONSULT", frozenset({"DEU"}), frozenset({"FRA"}), ()) in got, got
