"""Flask-Login's user loader: sessions carry the user's session token, not the id."""

from sqlalchemy import bindparam, select

from portal.accounts.models import User
from portal.extensions import db, login_manager

#: Built once: every signed-in request runs it.
_BY_TOKEN = select(User).where(User.session_token == bindparam("token"))


@login_manager.user_loader
def load_user(token: str):
    """Return the active user whose session token is *token*, or ``None``."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(_BY_TOKEN, {"token": token})
    if user is None or not user.is_active:
        return None
    return user
