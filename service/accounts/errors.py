"""Accounts' refusals: sign-in, passwords, users and API keys."""
from __future__ import annotations

from service.core.errors import Conflict, Forbidden, Unauthorized


class OneTimePasswordSpent(Unauthorized):
    code, message = "one_time_password_spent", "this one-time password was used or has expired"
    zh = "这个一次性密码已经用过或已过期，请联系管理员重新生成"
    when = "(sign-in page) a one-time password was used already or is over a day old"
    api = False


class PasswordChangeRequired(Forbidden):
    code, message = "password_change_required", "sign in on the web and choose a new password first"
    zh, when = "请先在网页上登录并设置新密码", "a session opened with a one-time password, which can only choose a new password"


class LastAdmin(Conflict):
    code, message = "last_admin", "this is the last active admin; make another admin first"
    zh, when = "这是最后一个可用的管理员账号，请先设置另一个管理员", "disabling or demoting the last active admin"


class AlreadyRevoked(Conflict):
    code, message = "already_revoked", "the key is already revoked"
    zh, when = "该密钥已经吊销", "revoking a revoked API key"
