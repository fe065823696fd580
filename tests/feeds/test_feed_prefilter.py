"""The prefilter keeps items naming a keyword and a subject, and finds the subject."""

from warning.feeds.prefilter import Prefilter

KEYWORDS = ["受贿", "违规", "公车私用", "吃请"]
DEPARTMENTS = {"交通局": "市交通局", "市交通局": "市交通局", "采购部": "采购部", "财务部": "财务部"}
PEOPLE = ["张伟", "王明", "王明华"]


def prefilter() -> Prefilter:
    return Prefilter(keywords=KEYWORDS, departments=DEPARTMENTS, people=PEOPLE)


def test_keeps_keyword_with_department_and_names_the_subject() -> None:
    verdict = prefilter().check("某市交通局局长张伟涉嫌受贿被查", "群众举报")
    assert verdict.relevant
    assert verdict.keywords == ("受贿",)
    assert verdict.department == "市交通局"
    assert verdict.person == "张伟"


def test_drops_keyword_without_subject() -> None:
    assert not prefilter().check("外省某官员受贿案一审宣判").relevant


def test_drops_subject_without_keyword() -> None:
    verdict = prefilter().check("交通局开展植树活动", "张伟参加")
    assert not verdict.relevant
    assert verdict.department == "市交通局"


def test_most_frequent_subject_wins_then_first() -> None:
    text = "财务部配合调查。采购部违规采购，采购部经理王明、财务部张伟、采购部"
    verdict = prefilter().check(text)
    assert verdict.department == "采购部"
    assert verdict.departments == ("采购部", "财务部")
    assert verdict.person == "王明"
    assert verdict.people == ("王明", "张伟")


def test_longer_name_wins_over_a_name_inside_it() -> None:
    verdict = prefilter().check("王明华违规接受吃请")
    assert verdict.people == ("王明华",)


def test_summary_counts_and_full_width_letters_fold() -> None:
    custom = Prefilter(keywords=["ＫＴＶ"], departments=["采购部"])
    verdict = custom.check("采购部聚会", "在ktv消费")
    assert verdict.relevant and verdict.keywords == ("ＫＴＶ",)


def test_without_keywords_a_subject_suffices() -> None:
    only_names = Prefilter(departments=["采购部"])
    assert only_names.check("采购部召开会议").relevant
    assert not only_names.check("无关新闻").relevant


def test_without_directory_a_keyword_suffices() -> None:
    only_words = Prefilter(keywords=KEYWORDS)
    assert only_words.check("外省某官员受贿").relevant
    assert not only_words.check("天气预报").relevant


def test_empty_prefilter_keeps_everything() -> None:
    assert Prefilter().check("天气预报").relevant
