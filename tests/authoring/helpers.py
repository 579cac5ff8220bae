"""Helpers shared by the studio tests: build a course through the studio's own forms."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.catalog.models import Course, CourseItem, CourseVersion
from portal.extensions import db
from portal.quizzes.models import QuizQuestion

SLUG = "clinic-privacy"


def text(response) -> str:
    return response.get_data(as_text=True)


def course_row(slug: str = SLUG) -> Course:
    db.session.expire_all()
    return db.session.scalar(select(Course).where(Course.slug == slug))


def version(slug: str = SLUG, number: int | None = None) -> CourseVersion:
    course = course_row(slug)
    if number is None:
        return course.versions[-1]
    return next(v for v in course.versions if v.number == number)


def item(slug: str, course: str = SLUG, number: int | None = None) -> CourseItem:
    return next(i for i in version(course, number).items if i.slug == slug)


def question(name: str, quiz: str = "check", course: str = SLUG) -> QuizQuestion:
    return next(q for q in item(quiz, course).questions if q.name == name)


def create_course(client, slug: str = SLUG):
    return client.post("/studio/courses", data={
        "slug": slug, "title_vi": "Bảo mật thông tin phòng khám",
        "title_en": "Clinic information privacy",
        "summary_vi": "Giữ bí mật hồ sơ người bệnh.",
        "summary_en": "Keep patient records private."})


def add_item(client, kind: str, slug: str, title: str = "", course: str = SLUG):
    return client.post(f"/studio/courses/{course}/items",
                       data={"kind": kind, "slug": slug, "title_vi": title})


def lesson_data(lock: int, **values) -> dict:
    data = {"lock": str(lock), "title_vi": "Vì sao cần bảo mật", "title_en": "Why privacy",
            "body_vi": "## Hồ sơ\n\nGiữ kín hồ sơ.", "body_en": "", "minutes": "",
            "sources_vi": "Luật Khám bệnh, chữa bệnh 2023", "sources_en": "", "save": "1"}
    data.update(values)
    return data


def save_lesson(client, lesson: CourseItem, **values):
    return client.post(f"/studio/courses/{lesson.version.course.slug}/items/{lesson.id}",
                       data=lesson_data(lesson.lock_version, **values))


def ids_in(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)
