"""Two office users answering one reporter: the later form does not overwrite unseen.

The reply (给举报人的答复) is one text the reporter reads with the receipt code. A second
office user who opened the page before the first saved wrote over the first reply with
nothing shown to either; the form now carries the reply it was drawn from and such a form
is refused (409) with the reply as it is now; the same reply sent again is no change.
"""

import re

from sqlalchemy import select

from tests.integration.petition_world import csrf_of
from tests.integration.test_petition_form import WHO, Office, _post, office  # noqa: F401
from warning.auth.users import add_user, issue_token
from warning.db.models import Reporter


def _drawn(page: str) -> dict[str, str]:
    form = page[page.index('id="reply-form"'):]
    form = form[:form.index("</form>")]
    return dict(re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', form))


def test_a_reply_drawn_before_another_is_refused_not_overwriting_it(
    office: Office,  # noqa: F811
) -> None:
    with office.runtime.sessions() as session, session.begin():
        office.tokens["office2"] = issue_token(session, user=add_user(
            session, name="office2", role="office"))
    first, second = office.client(), office.client("office2")
    signal_id = int(_post(first, WHO).headers["location"].split("/")[2].split("?")[0])
    path = f"/signals/{signal_id}"
    first_form, second_form = _drawn(first.get(path).text), _drawn(second.get(path).text)
    assert csrf_of(first.get(path).text)
    saved = first.post(f"{path}/reply", data=first_form | {"reply": "已受理，正在核查。"})
    assert saved.status_code == 303, saved.text[:2000]
    late = second.post(f"{path}/reply", data=second_form | {"reply": "已转相关部门处理。"})
    assert late.status_code == 409, late.text[:2000]
    assert "已被他人修改" in late.text and "已受理，正在核查。" in late.text
    again = first.post(f"{path}/reply", data=first_form | {"reply": "已受理，正在核查。"})
    assert again.status_code == 303, again.text[:2000]
    with office.runtime.sessions() as session:
        assert session.scalar(select(Reporter.reply).where(
            Reporter.signal_id == signal_id)) == "已受理，正在核查。"
