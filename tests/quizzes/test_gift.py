"""GIFT reader and writer: Moodle's own examples, errors and their places, round trips."""

import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portal.quizzes.gift import GiftError, parse_gift, write_gift
from portal.quizzes.questions import Answer, MatchPair, NumericAnswer, Question, clean_text
from tests.conftest import need

#: Moodle's example file (../shared/standards/gift-examples.txt, copied into the fixtures so
#: that the suite needs nothing outside the repository: tests/fixtures/gift/README.md).
MOODLE_EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures/gift/moodle-examples.txt"


def read(text):
    """Parse *text*, asserting it has no error."""
    questions, errors = parse_gift(text, "quiz.gift")
    assert errors == []
    return questions


def errors_of(text):
    """Return the (line, column, message) of each error in *text*."""
    return [(e.line, e.column, e.message) for e in parse_gift(text, "quiz.gift")[1]]


def fractions(question):
    return [answer.fraction for answer in question.answers]


# Moodle's example file (question/format/gift/examples.txt), group by group --------------------


def test_examples_from_the_class_description():
    mc, missing, tf, short, numerical = read(
        "Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}\n\n"
        "Grant is {~buried =entombed ~living} in Grant's tomb.\n\n"
        "Grant is buried in Grant's tomb.{FALSE}\n\n"
        "Who's buried in Grant's tomb?{=no one =nobody}\n\n"
        "When was Ulysses S. Grant born?{#1822:1}\n"
    )
    assert (mc.type, mc.text) == ("single_choice", "Who's buried in Grant's tomb?")
    assert [a.text for a in mc.answers] == ["Grant", "Jefferson", "no one"]
    assert fractions(mc) == [0, 0, 100]
    assert (missing.type, missing.text) == ("single_choice", "Grant is _____ in Grant's tomb.")
    assert fractions(missing) == [0, 100, 0]
    assert (tf.type, tf.correct) == ("true_false", False)
    assert short.type == "short_answer"
    assert [(a.text, a.fraction) for a in short.answers] == [("no one", 100), ("nobody", 100)]
    assert numerical.type == "numerical"
    assert numerical.numeric == [NumericAnswer(value=1822, tolerance=1)]


def test_documentation_multiple_choice():
    questions = read(
        "// ===Multiple Choice===\n\n"
        "Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}\n\n"
        "Grant is {~buried =entombed ~living} in Grant's tomb.\n\n"
        "The American holiday of Thanksgiving is celebrated on the {\n"
        "    ~second\n    ~third\n    =fourth\n} Thursday of November.\n\n"
        "Japanese characters originally came from what country? {\n"
        "    ~India\n    =China\n    ~Korea\n    ~Egypt}\n"
    )
    assert [q.type for q in questions] == ["single_choice"] * 4
    thanksgiving, japan = questions[2:]
    assert thanksgiving.text == (
        "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November."
    )
    assert [(a.text, a.fraction) for a in thanksgiving.answers] == [
        ("second", 0), ("third", 0), ("fourth", 100)
    ]
    assert japan.text == "Japanese characters originally came from what country?"
    assert [a.text for a in japan.answers if a.fraction == 100] == ["China"]
    assert japan.line == 13


def test_documentation_short_answer():
    grant, two = read(
        "Who's buried in Grant's tomb?{=no one =nobody}\n\nTwo plus two equals {=four =4}.\n"
    )
    assert grant.type == two.type == "short_answer"
    assert two.text == "Two plus two equals _____."
    assert [(a.text, a.fraction) for a in two.answers] == [("four", 100), ("4", 100)]


def test_documentation_true_false():
    false, true = read("Grant is buried in Grant's tomb.{F}\n\nThe sun rises in the east.{T}\n")
    assert (false.type, false.correct, true.type, true.correct) == (
        "true_false", False, "true_false", True
    )


def test_documentation_matching():
    generic, capitals = read(
        "Matching Question. {\n    =subquestion1 -> subanswer1\n    =subquestion2 -> subanswer2\n"
        "    =subquestion3 -> subanswer3\n    }\n\n"
        "Match the following countries with their corresponding capitals. {\n"
        "    =Canada -> Ottawa\n    =Italy  -> Rome\n    =Japan  -> Tokyo\n"
        "    =India  -> New Delhi\n    }\n"
    )
    assert generic.type == capitals.type == "matching"
    assert generic.pairs[0] == MatchPair("subquestion1", "subanswer1")
    assert capitals.pairs == [
        MatchPair("Canada", "Ottawa"), MatchPair("Italy", "Rome"),
        MatchPair("Japan", "Tokyo"), MatchPair("India", "New Delhi"),
    ]


def test_documentation_numerical():
    exact, tolerance, interval, weighted = read(
        "When was Ulysses S. Grant born? {#1822}\n\n"
        "What is the value of pi (to 3 decimal places)? {#3.1415:0.0005}.\n\n"
        "What is the value of pi (to 3 decimal places)? {#3.141..3.142}.\n\n"
        "When was Ulysses S. Grant born? {#\n    =1822:0\n    =%50%1822:2}\n"
    )
    assert exact.numeric == [NumericAnswer(value=1822)]
    # The answer list is followed by "." so, as in Moodle, it is a missing-word question.
    assert tolerance.text == "What is the value of pi (to 3 decimal places)? _____."
    assert tolerance.numeric == [NumericAnswer(value=3.1415, tolerance=0.0005)]
    assert interval.numeric == [NumericAnswer(low=3.141, high=3.142)]
    assert weighted.numeric == [
        NumericAnswer(value=1822, tolerance=0, fraction=100),
        NumericAnswer(value=1822, tolerance=2, fraction=50),
    ]


def test_line_comments_are_ignored():
    (question,) = read("// OPTIONS\n\n// ===Line Comments===\n\n"
                       "// Subheading: Numerical questions below\nWhat's 2 plus 2? {#4}\n")
    assert (question.text, question.numeric, question.line) == (
        "What's 2 plus 2?", [NumericAnswer(value=4)], 6
    )


def test_question_names():
    kanji, thanksgiving = read(
        "::Kanji Origins::Japanese characters originally\ncame from what country? {=China}\n\n"
        "::Thanksgiving Date::The American holiday of Thanksgiving is\n"
        "celebrated on the {~second ~third =fourth} Thursday of November.\n"
    )
    assert (kanji.name, kanji.type) == ("Kanji Origins", "short_answer")
    assert kanji.text == "Japanese characters originally\ncame from what country?"
    assert (thanksgiving.name, thanksgiving.type) == ("Thanksgiving Date", "single_choice")
    assert thanksgiving.text.endswith("celebrated on the _____ Thursday of November.")


def test_feedback():
    choice, short = read(
        "What's the answer to this multiple-choice question?{\n"
        "~wrong answer#feedback comment on the wrong answer\n"
        "~another wrong answer#feedback comment on this wrong answer\n"
        "=right answer#Very good!}\n\n"
        "Who's buried in Grant's tomb?{\n=no one#excellent answer!\n=nobody#excellent answer!}\n"
    )
    assert choice.answers == [
        Answer("wrong answer", 0, "feedback comment on the wrong answer"),
        Answer("another wrong answer", 0, "feedback comment on this wrong answer"),
        Answer("right answer", 100, "Very good!"),
    ]
    assert [a.feedback for a in short.answers] == ["excellent answer!"] * 2


def test_text_format_marker():
    (question,) = read("// ===Specify text format===\n"
                       "[markdown]Who's buried in **Grant's tomb**?{\n"
                       "=no one#excellent answer!\n=nobody#excellent answer!}\n")
    assert (question.format, question.text) == ("markdown", "Who's buried in **Grant's tomb**?")


def test_percentage_answer_weights():
    tf, difficult, choice, short = read(
        "Grant is buried in Grant's tomb.{FALSE#No one is buried in Grant's tomb.}\n\n"
        "Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}\n\n"
        "::Jesus' hometown::Jesus Christ was from {\n"
        "    ~Jerusalem#This was an important city, but the wrong answer.\n"
        "    ~%25%Bethlehem#He was born here, but not raised here.\n"
        "    ~%50%Galilee#You need to be more specific.\n"
        "    =Nazareth#Yes! That's right!}.\n\n"
        "::Jesus' hometown:: Jesus Christ was from {\n"
        "    =Nazareth#Yes! That's right!\n    =%75%Nazereth#Right, but misspelled.\n"
        "    =%25%Bethlehem#He was born here, but not raised here.}\n"
    )
    # Moodle: {FALSE#wrong#right}: the first feedback is for a wrong answer, here True.
    assert (tf.correct, tf.feedback_true, tf.feedback_false) == (
        False, "No one is buried in Grant's tomb.", ""
    )
    assert (difficult.type, fractions(difficult)) == ("single_choice", [0, 50, 100])
    assert (choice.text, fractions(choice)) == ("Jesus Christ was from _____.", [0, 25, 50, 100])
    assert choice.answers[1].feedback == "He was born here, but not raised here."
    assert (short.type, short.text, fractions(short)) == (
        "short_answer", "Jesus Christ was from", [100, 75, 25]
    )


def test_multiple_answers():
    plain, penalised = read(
        "What two people are entombed in Grant's tomb? {\n    ~No one\n    ~%50%Grant\n"
        "    ~%50%Grant's wife\n    ~Grant's father }\n\n"
        "What two people are entombed in Grant's tomb? {\n    ~%-50%No one\n    ~%50%Grant\n"
        "    ~%50%Grant's wife\n    ~%-50%Grant's father }\n"
    )
    # No answer starts with =, so Moodle makes it a multiple-answer question.
    assert plain.type == penalised.type == "multiple_response"
    assert fractions(plain) == [0, 50, 50, 0]
    assert fractions(penalised) == [-50, 50, 50, -50]


def test_special_characters():
    equals, control = read(
        "Which answer equals 5? {\n     ~ \\= 2 + 2\n     = \\= 2 + 3\n     ~ \\= 2 + 4  }\n\n"
        "::GIFT Control Characters::\n"
        "Which of the following is NOT a control character for the GIFT import format? {\n"
        "   ~ \\~     # \\~ is a control character.\n   ~ \\=     # \\= is a control character.\n"
        "   ~ \\#     # \\# is a control character.\n   ~ \\{     # \\{ is a control character.\n"
        "   ~ \\}     # \\} is a control character.\n"
        "   = \\\\     # Correct! \\\\ (backslash) is not a control character. BUT,\n"
        "              it is used to escape the control characters.\n}\n"
    )
    assert [(a.text, a.fraction) for a in equals.answers] == [
        ("= 2 + 2", 0), ("= 2 + 3", 100), ("= 2 + 4", 0)
    ]
    assert control.name == "GIFT Control Characters"
    assert [a.text for a in control.answers] == ["~", "=", "#", "{", "}", "\\"]
    assert control.answers[0].feedback == "~ is a control character."
    assert control.answers[5] == Answer(
        "\\", 100, "Correct! \\ (backslash) is not a control character. BUT,\n"
        "it is used to escape the control characters."
    )


def test_examples_from_format_php():
    questions = read(
        "Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}\n\n"
        "Grant is {~buried =entombed ~living} in Grant's tomb.\n\n"
        "Grant is buried in Grant's tomb.{FALSE}\n\n"
        "Who's buried in Grant's tomb?{=no one =nobody}\n\n"
        "When was Ulysses S. Grant born?{#1822:5}\n\n"
        "Match the following countries with their corresponding\n"
        "capitals.{=Canada->Ottawa =Italy->Rome =Japan->Tokyo}\n"
    )
    assert [q.type for q in questions] == [
        "single_choice", "single_choice", "true_false", "short_answer", "numerical", "matching"
    ]
    assert questions[4].numeric == [NumericAnswer(value=1822, tolerance=5)]
    assert questions[5].text == "Match the following countries with their corresponding\ncapitals."
    assert questions[5].pairs[0] == MatchPair("Canada", "Ottawa")


def test_more_complicated_examples():
    tomb, difficult, short, numerical = read(
        "::Grant's Tomb::Grant is {\n      ~buried#No one is buried there.\n"
        "      =entombed#Right answer!\n      ~living#We hope not!\n} in Grant's tomb.\n\n"
        "Difficult multiple choice question.{\n"
        "     ~wrong answer           #comment on wrong answer\n"
        "     ~%50%half credit answer #comment on answer\n"
        "     =full credit answer     #well done!}\n\n"
        "::Jesus' hometown (Short answer ex.):: Jesus Christ was from {\n"
        "     =Nazareth#Yes! That's right!\n     =%75%Nazereth#Right, but misspelled.\n"
        "     =%25%Bethlehem#He was born here, but not raised here.\n}.\n\n"
        "//this comment will be ignored by the filter\n::Numerical example::\n"
        "When was Ulysses S. Grant born? {#\n     =1822:0      #Correct! 100% credit\n"
        "     =%50%1822:2  #He was born in 1822.\n"
        "                  You get 50% credit for being close.\n}\n"
    )
    assert (tomb.name, tomb.text) == ("Grant's Tomb", "Grant is _____ in Grant's tomb.")
    assert tomb.answers[1] == Answer("entombed", 100, "Right answer!")
    assert difficult.answers[1] == Answer("half credit answer", 50, "comment on answer")
    assert (short.type, short.text) == ("short_answer", "Jesus Christ was from _____.")
    assert (numerical.name, numerical.line) == ("Numerical example", 19)
    assert numerical.numeric == [
        NumericAnswer(value=1822, fraction=100, feedback="Correct! 100% credit"),
        NumericAnswer(value=1822, tolerance=2, fraction=50,
                      feedback="He was born in 1822.\nYou get 50% credit for being close."),
    ]


def test_moodle_example_file_reads_whole_and_round_trips():
    need(MOODLE_EXAMPLES.exists(), f"Moodle's example file is not at {MOODLE_EXAMPLES}")
    questions, errors = parse_gift(MOODLE_EXAMPLES.read_text(encoding="utf-8"), "examples.txt")
    assert (len(questions), errors) == (43, [])
    assert parse_gift(write_gift(questions)) == (questions, [])


# Further semantics ----------------------------------------------------------------------------


def test_true_false_feedback_order_follows_moodle():
    true, false = read("Q1 {T#wrong#right####general}\n\nQ2 {FALSE#wrong#right}\n")
    assert (true.feedback_true, true.feedback_false, true.general_feedback) == (
        "right", "wrong", "general"
    )
    assert (false.feedback_true, false.feedback_false) == ("wrong", "right")


def test_general_feedback_and_escapes():
    (question,) = read("::a\\:b::Ratio 1\\:2 \\{x\\}?{=%50%x\\#1#half\\nline ~y ####See \\~ § 3}")
    assert (question.name, question.text) == ("a:b", "Ratio 1:2 {x}?")
    # As in Moodle, an = answer of a choice list is fully right and its %50% is plain text.
    assert question.answers[0] == Answer("%50%x#1", 100, "half\nline")
    assert question.general_feedback == "See ~ § 3"


def test_braces_in_a_name_are_not_the_answer_list():
    # Moodle looks for the answer list after the name.
    (question,) = read("::Mã {ICD}::Mã bệnh? {=ICD-10}\n")
    assert (question.name, question.text, question.type) == ("Mã {ICD}", "Mã bệnh?", "short_answer")


def test_categories_apply_to_following_questions():
    first, second, third = read(
        "Q0 {T}\n\n$CATEGORY: $course$/Bảo mật\n\nQ1 {T}\n\n$CATEGORY: $course$/Khác\nQ2 {F}\n"
    )
    assert [q.category for q in (first, second, third)] == ["", "$course$/Bảo mật", "$course$/Khác"]


def test_diacritics_comment_sets_the_flag_and_is_written_back():
    text = "// Thủ đô\n// @diacritics: optional\nThủ đô của Việt Nam? {=Hà Nội}\n\nQ {=a}\n"
    optional, strict = read(text)
    assert (optional.ignore_diacritics, strict.ignore_diacritics) == (True, False)
    assert write_gift([optional]).startswith("// @diacritics: optional\nThủ đô của Việt Nam?{")


def test_text_is_stored_nfc_and_windows_files_read():
    decomposed = unicodedata.normalize("NFD", "\ufeffHà Nội là thủ đô?{T}\r\n\r\nQ {=Đà Nẵng}\r\n")
    question, short = read(decomposed)
    assert question.text == "Hà Nội là thủ đô?"
    assert short.answers[0].text == unicodedata.normalize("NFC", "Đà Nẵng")


def test_html_and_unknown_markers():
    html, unknown = read("[html]<p>Chọn <b>một</b>:</p>{=a ~b}\n\n[rtf]Q{T}\n")
    assert (html.format, html.text) == ("html", "<p>Chọn <b>một</b>:</p>")
    assert (unknown.format, unknown.text) == ("moodle", "[rtf]Q")


def test_matching_distractor_and_numerical_catch_all():
    match, number = read("M {=a -> 1 =b -> 2 = -> 3}\n\nN {#=5 =%0%*#Nope ~#Try again}\n")
    assert match.pairs[2] == MatchPair("", "3")
    assert number.numeric[1:] == [
        NumericAnswer(fraction=0, feedback="Nope"), NumericAnswer(fraction=0, feedback="Try again")
    ]


# Errors ---------------------------------------------------------------------------------------


def test_unclosed_answer_list():
    text = "Good {T}\n\n  Broken {\n=a\n\n=b\n}\n\nAfter {F}\n"
    questions, errors = parse_gift(text, "courses/x/03-check.gift")
    assert [q.text for q in questions] == ["Good", "After"]
    assert [str(e) for e in errors] == [
        "courses/x/03-check.gift:3:10: answer list opened on line 3 is never closed"
    ]


def test_unknown_type():
    # Moodle would read both as short answers ("true", "Paris"): a typo, mostly.
    message = ("unknown question type: an answer list starts with =, ~ or #, "
               "or is T, TRUE, F or FALSE")
    assert errors_of("Q {true}\n\nR {  Paris}\n") == [(1, 4, message), (3, 6, message)]


def test_essay():
    assert errors_of("\n// essay\nWrite about it. {}\n") == [
        (3, 17, "essay questions are not supported")
    ]


def test_description():
    assert errors_of("Q {T}\n\n::intro:: Read this first.\n") == [
        (3, 11, "description items are not supported")
    ]


def test_bad_numeric():
    assert errors_of("Year? {#\n  =18x2:1\n  =%50%1820..abc}\n") == [
        (2, 4, '"18x2" is not a number'),
        (3, 8, '"abc" is not a number'),
    ]


def test_bad_weight():
    assert errors_of("Q {~%150%a =b}\n\nR {=%x%a}\n") == [
        (1, 5, "invalid answer weight %150%: use a percentage between -100 and 100"),
        (3, 5, "invalid answer weight %x%: use a percentage between -100 and 100"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("::name Q {T}", (1, 1, "the question name is never closed: end it with ::")),
        ("Q {T} and {F}", (1, 11, "a question has one answer list: write \\{ and \\} for braces")),
        ("Q } {T}", (1, 3, "this } closes no answer list (write \\} for a brace)")),
        ("Q {=a -> 1 =b}", (1, 12, "a matching pair must be written =left -> right")),
        ("Q {#5:-1}", (1, 5, "a tolerance cannot be negative")),
        ("Q {#5..3}", (1, 5, "range 5..3 is reversed")),
        ("Q {~a ~b}", (1, 1, "the positive weights add up to 0%, not 100%")),
        ("Q {~ =b}", (1, 4, "an answer has no text")),
        ("// @diacritics: optional\n\nQ {T}", (1, 1, "the @diacritics comment must come "
                                                      "directly before a question")),
        ("// @diacritics: maybe\nQ {=a}", (1, 1, "unknown @diacritics value 'maybe': use "
                                                  "optional or required")),
    ],
)
def test_other_errors(text, expected):
    assert errors_of(text) == [expected]


def test_all_errors_are_collected_and_good_questions_kept():
    questions, errors = parse_gift("A {}\n\nB {#x}\n\nC {T}\n\nD\n", "q.gift")
    assert [q.text for q in questions] == ["C"]
    assert [(e.line, e.message) for e in errors] == [
        (1, "essay questions are not supported"),
        (3, '"x" is not a number'),
        (7, "description items are not supported"),
    ]
    assert errors[0] == GiftError("q.gift", 1, 3, "essay questions are not supported")


# Writing --------------------------------------------------------------------------------------


def test_write_gift_output_is_moodle_style():
    questions = [
        Question("true_false", "Trời xanh?", name="sky", correct=False,
                 feedback_true="Sai", feedback_false="Đúng", category="a/b"),
        Question("numerical", "Năm?", category="a/b",
                 numeric=[NumericAnswer(1822), NumericAnswer(1822, 2, fraction=50)]),
    ]
    assert write_gift(questions) == (
        "$CATEGORY: a/b\n\n::sky::Trời xanh?{FALSE#Sai#Đúng}\n\nNăm?{#\n\t=1822\n\t=%50%1822:2\n}\n"
    )


def test_write_gift_refuses_invalid_questions():
    with pytest.raises(ValueError, match="no answer gives full marks"):
        write_gift([Question("single_choice", "Q", answers=[Answer("a", 0), Answer("b", 0)])])


# Round trip -----------------------------------------------------------------------------------

VIETNAMESE = "aăâbdđeêioôơuưyàảãáạằẳẵắặầẩẫấậềểễếệìỉĩíịồổỗốộờởỡớợừửữứựỳỷỹýỵĐĂÂÊÔƠƯ"
CHARACTERS = st.sampled_from(list(VIETNAMESE + "~=#{}:\\ \n\t\u00a0%[]/-*>_.0"))
TOKENS = st.sampled_from(["//", "->", "_____", "[html]", "[markdown]", "%50%", "####", "\\n",
                          "$CATEGORY:", "::", "e\u0301", "0", "T"])
TEXT = st.lists(st.one_of(CHARACTERS, TOKENS), min_size=1, max_size=10).map(
    lambda parts: clean_text("".join(parts))
).filter(bool)
SAFE_TEXT = TEXT.filter(lambda text: "->" not in text)  # where GIFT cannot write ->
FEEDBACK = st.one_of(st.just(""), TEXT)
WEIGHTS = [-100.0, -50.0, -33.333, -12.5, 0.0, 5.0, 12.5, 25.0, 33.333, 50.0, 66.667, 90.0]
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


def answers(weights, text=TEXT, feedback=FEEDBACK, min_size=1):
    answer = st.builds(Answer, text, st.sampled_from(weights), feedback)
    return st.lists(answer, min_size=min_size, max_size=4)


@st.composite
def answer_fields(draw, kind):
    """Draw the type-specific fields of a valid question of *kind*."""
    if kind == "single_choice":
        chosen = draw(answers(WEIGHTS))
        right = draw(st.builds(Answer, TEXT, st.just(100.0), FEEDBACK))
        chosen.insert(draw(st.integers(0, len(chosen))), right)
        return {"answers": chosen}
    if kind == "multiple_response":
        chosen = draw(answers([*WEIGHTS, 100.0], min_size=2))
        if sum(a.fraction for a in chosen if a.fraction > 0) < 100:
            chosen.append(draw(st.builds(Answer, TEXT, st.just(100.0), FEEDBACK)))
        return {"answers": chosen}
    if kind == "true_false":
        return {"correct": draw(st.booleans()), "feedback_true": draw(FEEDBACK),
                "feedback_false": draw(FEEDBACK)}
    if kind == "short_answer":
        safe = st.one_of(st.just(""), SAFE_TEXT)
        chosen = draw(answers([0.0, 25.0, 33.333, 100.0], SAFE_TEXT, safe))
        chosen.append(Answer(draw(SAFE_TEXT), 100.0, draw(safe)))
        return {"answers": chosen}
    if kind == "numerical":
        weight = st.sampled_from([0.0, 50.0, 12.5, 100.0])
        exact = st.builds(NumericAnswer, value=FLOATS, tolerance=FLOATS.map(abs),
                          fraction=weight, feedback=FEEDBACK)
        ranges = st.tuples(FLOATS, FLOATS).map(sorted).flatmap(lambda bounds: st.builds(
            NumericAnswer, low=st.just(bounds[0]), high=st.just(bounds[1]), fraction=weight,
            feedback=FEEDBACK))
        anything = st.builds(NumericAnswer, fraction=weight, feedback=FEEDBACK)
        chosen = draw(st.lists(st.one_of(exact, ranges, anything), max_size=3))
        right = NumericAnswer(value=draw(FLOATS), fraction=100.0)
        chosen.insert(draw(st.integers(0, len(chosen))), right)
        return {"numeric": chosen}
    pairs = draw(st.lists(st.builds(MatchPair, SAFE_TEXT, TEXT), min_size=2, max_size=4))
    if draw(st.booleans()):
        pairs.append(MatchPair("", draw(TEXT)))
    return {"pairs": pairs}


@st.composite
def questions(draw):
    kind = draw(st.sampled_from(["single_choice", "multiple_response", "true_false",
                                 "short_answer", "numerical", "matching"]))
    question = Question(
        type=kind,
        text=draw(TEXT),
        name=draw(st.one_of(st.just(""), TEXT)),
        format=draw(st.sampled_from(["moodle", "markdown", "html", "plain"])),
        general_feedback=draw(FEEDBACK),
        category=draw(st.sampled_from(["", "$course$/An toàn thông tin", "a\\b{c}:#"])),
        ignore_diacritics=draw(st.booleans()),
        **draw(answer_fields(kind)),
    )
    assume(not question.validate())
    return question


@settings(deadline=None, max_examples=200)
@given(st.lists(questions(), min_size=1, max_size=4))
def test_written_questions_read_back_equal(generated):
    text = write_gift(generated)
    assert parse_gift(text) == (generated, [])


GIFT_SOUP = st.sampled_from(
    list("~=#{}:\\ \n\t%[]/->*_.019TFađ") + ["::", "//", "->", "..", "####", "[html]", "T", "TRUE",
                                           "$CATEGORY:", "\r\n", "// @diacritics: optional\n"]
)


@settings(deadline=None, max_examples=200)
@given(st.lists(GIFT_SOUP, max_size=60).map("".join))
def test_any_text_reads_without_crashing_and_what_is_read_writes_back(text):
    questions, errors = parse_gift(text)
    lines = len(text.splitlines()) or 1
    assert all(1 <= error.line <= lines and error.column >= 1 for error in errors)
    assert parse_gift(write_gift(questions)) == (questions, [])
