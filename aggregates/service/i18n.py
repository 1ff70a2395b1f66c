"""The pages' words in Chinese (the default) and English: one table, one lookup."""

from __future__ import annotations

LANGS = ("zh", "en")

STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh": "尾矿砂石供应规划", "en": "Tailings aggregate planning"},
    "login": {"zh": "登录", "en": "Log in"},
    "logout": {"zh": "退出", "en": "Log out"},
    "name": {"zh": "用户名", "en": "User name"},
    "password": {"zh": "密码", "en": "Password"},
    "bad_login": {"zh": "用户名或密码错误", "en": "Wrong name or password"},
    "too_many": {"zh": "登录失败次数过多，请一分钟后再试", "en": "Too many failed logins; try again in a minute"},
    "other_lang": {"zh": "English", "en": "中文"},
    "welcome": {"zh": "欢迎", "en": "Welcome"},
    "role_planner": {"zh": "规划人员", "en": "planner"},
    "role_official": {"zh": "管理部门", "en": "official"},
    "role_project": {"zh": "项目团队", "en": "project team"},
    "jobs": {"zh": "计算任务", "en": "Jobs"},
    "kind": {"zh": "类型", "en": "Kind"},
    "status": {"zh": "状态", "en": "Status"},
    "progress": {"zh": "进度", "en": "Progress"},
    "left": {"zh": "预计剩余", "en": "Time left"},
    "cancel": {"zh": "取消", "en": "Cancel"},
    "no_jobs": {"zh": "暂无任务", "en": "No jobs yet"},
    "api_docs": {"zh": "接口文档", "en": "API documentation"},
    "queued": {"zh": "排队中", "en": "queued"},
    "running": {"zh": "运行中", "en": "running"},
    "done": {"zh": "已完成", "en": "done"},
    "failed": {"zh": "失败", "en": "failed"},
    "cancelled": {"zh": "已取消", "en": "cancelled"},
}


def lang_of(value: str | None) -> str:
    """``en`` when asked for, else Chinese."""
    return value if value in LANGS else "zh"


def translator(lang: str):
    """``t(key)``: the word in ``lang`` (the key itself when the table lacks it, so a gap shows, not fails)."""

    def t(key: str) -> str:
        return STRINGS.get(key, {}).get(lang, key)

    return t
