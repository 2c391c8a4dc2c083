"""Accounts' refusals: sign-in, passwords, users and API keys."""
from __future__ import annotations

from service.core.errors import Conflict, Forbidden, TooManyRequests, Unauthorized


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
    zh, when = "该密钥已经撤销", "revoking a revoked API key"


class ApiKeyRevoked(Unauthorized):
    code, message = "api_key_revoked", "this API key has been revoked"
    zh, when = "该 API 密钥已被撤销", "an API key that was revoked (refused from the next request on)"


class ApiKeyExpired(Unauthorized):
    code, message = "api_key_expired", "this API key has expired; ask an administrator for a new one"
    zh, when = "该 API 密钥已过期，请联系管理员重新创建", "an API key past its expiry date"


class ApiKeyRateLimited(TooManyRequests):
    code, message = "api_key_rate_limited", "this API key is over its requests a minute; see Retry-After"
    zh = "该 API 密钥每分钟的请求次数已达上限，请稍后再试"
    when = "an API key over its requests a minute (`details.limit`); `Retry-After` says when its next minute starts"

    def __init__(self, limit: int, retry_after: int):
        super().__init__(details={"limit": limit, "retry_after": retry_after})
        self.retry_after = retry_after
