import pyotp
import pytest
from argon2 import PasswordHasher

from console.accounts import AccountError, Accounts, LoginFailed
from console.sessions import Sessions
from console_testing import PASSWORD, code_at


def test_add_hashes_the_password_and_shows_the_second_factor_once(deps, accounts):
    account, factor = accounts.add(
        "li.wei", agency="city-procuratorate", roles=["auditor"], password=PASSWORD
    )
    assert account.roles == ("auditor",)
    assert factor.uri.startswith("otpauth://totp/CaseHub:li.wei?secret=" + factor.secret)
    with deps.store.transaction() as conn:
        stored = conn.execute("SELECT password_hash FROM accounts").fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("name", "roles", "agency", "password", "message"),
    [
        ("Li Wei", ["auditor"], "a", PASSWORD, "bad account name"),
        ("li", [], "a", PASSWORD, "at least one role"),
        ("li", ["judge"], "a", PASSWORD, "unknown role 'judge'"),
        ("li", ["auditor"], " ", PASSWORD, "needs an agency"),
        ("li", ["auditor"], "a", "short", "at least 12 characters"),
        ("li", ["officer"], "nowhere", PASSWORD, "unknown agency 'nowhere'"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(  # noqa: PLR0917
    accounts, name, roles, agency, password, message
):
    with pytest.raises(AccountError, match=message):
        accounts.add(
            name,
            agency=agency,
            roles=roles,
            password=password,
            known_agencies={"city-procuratorate"},
        )
    assert accounts.all() == []


def test_a_second_account_of_the_same_name_is_refused(accounts, make_user):
    make_user("li.wei", "auditor")
    with pytest.raises(AccountError, match="exists already"):
        accounts.add("li.wei", agency="x", roles=["admin"], password=PASSWORD)


def test_login_needs_password_and_current_code_each_code_once(accounts, make_user, clock):
    user = make_user("li.wei", "auditor")
    code = code_at(user, clock)
    assert accounts.authenticate("li.wei", PASSWORD, code).name == "li.wei"
    with pytest.raises(LoginFailed):
        accounts.authenticate("li.wei", PASSWORD, code)  # the same code again
    # the previous step's code is older than the one used: refused too
    with pytest.raises(LoginFailed):
        accounts.authenticate("li.wei", PASSWORD, code_at(user, clock, -1))
    # the next step's code (clock skew of one step) is accepted
    assert accounts.authenticate("li.wei", PASSWORD, code_at(user, clock, 1))


def test_codes_two_steps_away_are_refused(accounts, make_user, clock):
    user = make_user("li.wei", "auditor")
    for steps in (-2, 2):
        with pytest.raises(LoginFailed):
            accounts.authenticate("li.wei", PASSWORD, code_at(user, clock, steps))


def test_every_failure_says_the_same_thing(accounts, make_user, clock):
    user = make_user("li.wei", "auditor")
    messages = set()
    for name, password, code in [
        ("nobody", PASSWORD, code_at(user, clock)),
        ("li.wei", "wrong password!", code_at(user, clock)),
        ("li.wei", PASSWORD, "000000" if code_at(user, clock) != "000000" else "111111"),
    ]:
        with pytest.raises(LoginFailed) as caught:
            accounts.authenticate(name, password, code)
        messages.add(str(caught.value))
    assert len(messages) == 1


def test_lock_out_after_max_failures_then_unlock_or_wait(accounts, make_user, clock):
    user = make_user("li.wei", "auditor")
    for _ in range(3):
        with pytest.raises(LoginFailed):
            accounts.authenticate("li.wei", "wrong password!", code_at(user, clock))
    assert accounts.require("li.wei").locked(clock.now)
    with pytest.raises(LoginFailed):  # the right password while locked
        accounts.authenticate("li.wei", PASSWORD, code_at(user, clock))
    clock.advance(minutes=10, seconds=1)
    assert accounts.authenticate("li.wei", PASSWORD, code_at(user, clock))
    assert accounts.require("li.wei").failures == 0


def test_a_success_resets_the_failure_count(accounts, make_user, clock):
    user = make_user("li.wei", "auditor")
    for _ in range(2):
        with pytest.raises(LoginFailed):
            accounts.authenticate("li.wei", "wrong password!", code_at(user, clock))
    accounts.authenticate("li.wei", PASSWORD, code_at(user, clock))
    clock.advance(seconds=30)
    for _ in range(2):
        with pytest.raises(LoginFailed):
            accounts.authenticate("li.wei", "wrong password!", code_at(user, clock))
    assert not accounts.require("li.wei").locked(clock.now)


def test_unlock_clears_the_lock(accounts, make_user, clock):
    user = make_user("li.wei", "auditor")
    for _ in range(3):
        with pytest.raises(LoginFailed):
            accounts.authenticate("li.wei", "wrong password!", code_at(user, clock))
    accounts.unlock("li.wei")
    assert accounts.authenticate("li.wei", PASSWORD, code_at(user, clock))


def test_disabled_accounts_cannot_log_in_and_lose_their_sessions(accounts, make_user, clock, deps):
    user = make_user("li.wei", "auditor")
    deps.sessions.create("li.wei")
    accounts.disable("li.wei")
    assert deps.sessions.count("li.wei") == 0
    with pytest.raises(LoginFailed):
        accounts.authenticate("li.wei", PASSWORD, code_at(user, clock))
    accounts.enable("li.wei")
    assert accounts.authenticate("li.wei", PASSWORD, code_at(user, clock))


def test_locking_ends_the_sessions(accounts, make_user, clock, deps):
    user = make_user("li.wei", "auditor")
    deps.sessions.create("li.wei")
    for _ in range(3):
        with pytest.raises(LoginFailed):
            accounts.authenticate("li.wei", "wrong password!", code_at(user, clock))
    assert deps.sessions.count("li.wei") == 0


def test_reset_totp_invalidates_the_old_secret(accounts, make_user, clock):
    user = make_user("li.wei", "auditor")
    factor = accounts.reset_totp("li.wei")
    assert factor.secret != user.secret
    with pytest.raises(LoginFailed):
        accounts.authenticate("li.wei", PASSWORD, code_at(user, clock))
    assert accounts.authenticate("li.wei", PASSWORD, pyotp.TOTP(factor.secret).at(clock.now))


def test_reset_password_and_set_roles(accounts, make_user, clock):
    user = make_user("li.wei", "auditor")
    accounts.reset_password("li.wei", "another long password")
    with pytest.raises(LoginFailed):
        accounts.authenticate("li.wei", PASSWORD, code_at(user, clock))
    accounts.set_roles("li.wei", ["rule-of-law", "auditor"])
    assert accounts.require("li.wei").roles == ("rule-of-law", "auditor")
    with pytest.raises(AccountError, match="unknown role"):
        accounts.set_roles("li.wei", ["boss"])
    with pytest.raises(AccountError, match="no account 'nobody'"):
        accounts.disable("nobody")


def test_the_hash_is_renewed_when_the_parameters_change(deps, clock):
    weak = Accounts(deps.store, now=clock, hasher=PasswordHasher(time_cost=1, memory_cost=8192))
    _, factor = weak.add("li.wei", agency="a", roles=["auditor"], password=PASSWORD)
    strong = Accounts(deps.store, now=clock)
    strong.authenticate("li.wei", PASSWORD, pyotp.TOTP(factor.secret).at(clock.now))
    with deps.store.transaction() as conn:
        stored = conn.execute("SELECT password_hash FROM accounts").fetchone()[0]
    assert not PasswordHasher().check_needs_rehash(stored)


def test_idle_sessions_end(deps, make_user, clock):
    make_user("li.wei", "auditor")
    sessions = Sessions(deps.store, idle_minutes=15, now=clock)
    session_id, _ = sessions.create("li.wei")
    clock.advance(minutes=14)
    assert sessions.resume(session_id) is not None  # restarts the idle clock
    clock.advance(minutes=14)
    assert sessions.resume(session_id) is not None
    clock.advance(minutes=15)
    assert sessions.resume(session_id) is None
    assert sessions.count("li.wei") == 0
    assert sessions.resume("made-up") is None
