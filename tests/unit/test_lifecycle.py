"""Every row of the transition table, and what lies outside it."""

import pytest

from warning.domain.lifecycle import (
    ACTION_LABELS,
    STATE_LABELS,
    TRANSITIONS,
    Action,
    MissingField,
    Role,
    RoleNotAllowed,
    State,
    TransitionNotAllowed,
    UnknownAction,
    actions_for,
    parse_action,
    transition,
)

FULL = {"comment": "已整改", "responsible_person": "李四"}
EXPECTED = {
    (State.ISSUED, Action.RECEIVE): State.RECEIVED,
    (State.RECEIVED, Action.ASSIGN): State.IN_PROGRESS,
    (State.IN_PROGRESS, Action.ASSIGN): State.IN_PROGRESS,
    (State.IN_PROGRESS, Action.REPORT): State.REPORTED,
    (State.REPORTED, Action.ACCEPT): State.CLOSED,
    (State.REPORTED, Action.RETURN): State.IN_PROGRESS,
    (State.PROPOSED, Action.ISSUE): State.ISSUED,
    (State.PROPOSED, Action.AMEND): State.PROPOSED,
    (State.PROPOSED, Action.MERGE): State.MERGED,
    (State.PROPOSED, Action.DISMISS): State.DISMISSED,
    **{(s, Action.WITHDRAW): State.WITHDRAWN
       for s in State if s.is_open and s is not State.PROPOSED},
    **{(s, Action.NOTE): s for s in State if s.is_open},
    **{(s, Action.URGE): s for s in (State.ISSUED, State.RECEIVED, State.IN_PROGRESS)},
}


def test_table_is_exactly_the_expected_rows() -> None:
    assert {key: row.to for key, row in TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS, key=str))
def test_each_row_allows_its_roles_and_refuses_the_others(state: State, action: Action) -> None:
    row = TRANSITIONS[(state, action)]
    for role in Role:
        if role in row.roles:
            assert transition(state, action, role, FULL).to is row.to
        else:
            with pytest.raises(RoleNotAllowed):
                transition(state, action, role, FULL)


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS, key=str))
def test_each_row_requires_its_fields(state: State, action: Action) -> None:
    row = TRANSITIONS[(state, action)]
    role = next(iter(row.roles))
    for name in row.required:
        with pytest.raises(MissingField) as caught:
            transition(state, action, role, {**FULL, name: "   "})
        assert caught.value.details["field"] == name


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", [a for a in Action if a not in (Action.REMIND,)])
def test_pairs_outside_the_table_are_refused_naming_state_and_action(
    state: State, action: Action
) -> None:
    if (state, action) in TRANSITIONS:
        return
    with pytest.raises(TransitionNotAllowed) as caught:
        transition(state, action, Role.ADMIN, FULL)
    assert state.label in caught.value.message and action.label in caught.value.message
    assert caught.value.details == {"state": state.value, "action": action.value}


def test_closed_and_withdrawn_are_final() -> None:
    finals = (State.CLOSED, State.WITHDRAWN, State.MERGED, State.DISMISSED)
    assert not any(s in finals for s, _ in TRANSITIONS)


def test_only_the_office_judges_a_proposal() -> None:
    for role in (Role.HANDLER, Role.LEADER, Role.REVIEWER):
        assert actions_for(State.PROPOSED, role) == []
    office = [a for a, _ in actions_for(State.PROPOSED, Role.OFFICE)]
    assert office == [Action.ISSUE, Action.AMEND, Action.MERGE, Action.DISMISS, Action.NOTE]


def test_unknown_and_system_actions_cannot_be_chosen() -> None:
    with pytest.raises(UnknownAction):
        parse_action("approve")
    for system in ("issue", "remind", "escalate", "propose", "absorb", "amend", "merge",
                   "dismiss"):
        with pytest.raises(UnknownAction):
            parse_action(system)
    assert parse_action("return") is Action.RETURN


def test_every_state_and_action_has_a_chinese_label() -> None:
    assert set(STATE_LABELS) == set(State) and set(ACTION_LABELS) == set(Action)
    assert State.CLOSED.label == "已办结" and Action.RETURN.label == "退回"


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("role", list(Role))
def test_actions_for_lists_exactly_the_rows_the_role_may_take(state: State, role: Role) -> None:
    listed = [action for action, _ in actions_for(state, role)]
    assert listed == [a for (s, a), row in TRANSITIONS.items() if s is state and role in row.roles]
    for action in listed:
        transition(state, action, role, FULL)


def test_actions_for_a_handler_and_the_office_in_progress_and_reported() -> None:
    handler = [a for a, _ in actions_for("in_progress", Role.HANDLER)]
    assert handler == [Action.ASSIGN, Action.REPORT, Action.NOTE]
    office = [a for a, _ in actions_for(State.REPORTED, Role.OFFICE)]
    assert office == [Action.ACCEPT, Action.RETURN, Action.WITHDRAW, Action.NOTE]
    assert actions_for(State.REPORTED, Role.REVIEWER) == []
    assert [a for a, _ in actions_for(State.IN_PROGRESS, Role.LEADER)] == [Action.URGE]
    assert actions_for(State.CLOSED, Role.ADMIN) == []
