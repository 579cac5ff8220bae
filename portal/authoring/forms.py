"""The studio's forms for courses, lessons, quizzes, publishing and files.

Forms check what belongs to one field (a number, a length, a required value); the rules of
courses and versions are the services' (:mod:`portal.authoring.services`), whose errors the
views show at the field they name.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from portal.catalog.specs import FEEDBACK_MODES, JOB_ROLES
from portal.labels import JOB_ROLE_LABELS

FEEDBACK_LABELS = {
    "after_submit": _l("After each attempt"),
    "after_pass": _l("Once the learner has passed"),
    "never": _l("Never (score only)"),
}


class LockField(IntegerField):
    """The lock version the form was filled from (optimistic locking)."""

    widget = HiddenInput()

    def process_formdata(self, valuelist):
        # A new question's form has no lock yet and a browser posts it empty: that is
        # ``None``, not an invisible "not a valid integer" error on a hidden field. Where a
        # lock is required, services.check_lock treats ``None`` as an edit conflict.
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of labelled checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewCourseForm(FlaskForm):
    """Start a course: its permanent name and what it is called."""

    slug = StringField(_l("Short name in addresses and files"), validators=[
        DataRequired(), Length(max=80)],
        description=_l("Lowercase letters, digits and hyphens, such as data-standards. It "
                       "cannot change later."))
    title_vi = StringField(_l("Title in Vietnamese"), validators=[DataRequired(),
                                                                  Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    summary_vi = TextAreaField(_l("Summary in Vietnamese"), validators=[DataRequired(),
                                                                        Length(max=2000)])
    summary_en = TextAreaField(_l("Summary in English"), validators=[Optional(),
                                                                     Length(max=2000)])
    submit = SubmitField(_l("Create the course"))


class CourseForm(FlaskForm):
    """A draft's titles, summaries and settings."""

    lock = LockField()
    title_vi = StringField(_l("Title in Vietnamese"), validators=[DataRequired(),
                                                                  Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    summary_vi = TextAreaField(_l("Summary in Vietnamese"), validators=[DataRequired(),
                                                                        Length(max=2000)])
    summary_en = TextAreaField(_l("Summary in English"), validators=[Optional(),
                                                                     Length(max=2000)])
    audience = MultiCheckboxField(
        _l("Job roles it is for"),
        choices=[SelectChoice(r, JOB_ROLE_LABELS[r]) for r in JOB_ROLES],
        description=_l("Tick none for everyone."))
    minutes = IntegerField(_l("Estimated minutes"), validators=[Optional(), NumberRange(0, 6000)],
                           description=_l("Leave empty to add up the lessons and quizzes."))
    position = IntegerField(_l("Place in the catalogue"), default=0,
                            validators=[Optional(), NumberRange(0, 10000)],
                            description=_l("Courses are listed by this number, smallest first."))
    requires = MultiCheckboxField(_l("Courses to complete first"), choices=[])
    certificate = BooleanField(_l("Award a course certificate on completion"))
    reviewed_on = DateField(_l("Content last checked against its sources on"),
                            validators=[Optional()])
    submit = SubmitField(_l("Save"))


class ItemForm(FlaskForm):
    """Add a lesson or a quiz at the end of the course."""

    kind = RadioField(_l("Kind"), choices=[SelectChoice("lesson", _l("Lesson")),
                                           SelectChoice("quiz", _l("Quiz"))],
                      default="lesson", validators=[InputRequired()])
    slug = StringField(_l("Short name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("Lowercase letters, digits and hyphens; it names the "
                                      "file and keeps learners' progress from version to "
                                      "version."))
    title_vi = StringField(_l("Title in Vietnamese"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Add"))


class LessonForm(FlaskForm):
    """A lesson in both languages, with an image to upload and insert."""

    lock = LockField()
    title_vi = StringField(_l("Title in Vietnamese"), validators=[DataRequired(),
                                                                  Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    minutes = IntegerField(_l("Estimated minutes"), validators=[Optional(), NumberRange(1, 600)],
                           description=_l("Leave empty to estimate from the length."))
    body_vi = TextAreaField(_l("Lesson in Vietnamese (Markdown)"),
                            validators=[Length(max=200_000)])
    body_en = TextAreaField(_l("Lesson in English (Markdown)"),
                            validators=[Length(max=200_000)])
    sources_vi = TextAreaField(_l("Sources, one per line"), validators=[Length(max=10_000)])
    sources_en = TextAreaField(_l("Sources in English, one per line"),
                               validators=[Length(max=10_000)])
    image = FileField(_l("Image (PNG, JPEG, GIF or WebP, at most 5 MB)"))
    alt = StringField(_l("What the image shows (alt text)"), validators=[Length(max=300)],
                      description=_l("Read aloud to people who cannot see the image."))
    insert_into = SelectField(_l("Insert it into"), choices=[
        SelectChoice("vi", _l("the Vietnamese lesson")),
        SelectChoice("en", _l("the English lesson"))], default="vi")
    save = SubmitField(_l("Save"))
    preview = SubmitField(_l("Preview"))
    upload = SubmitField(_l("Upload and insert"))


class QuizForm(FlaskForm):
    """A quiz's title and settings."""

    lock = LockField()
    title_vi = StringField(_l("Title in Vietnamese"), validators=[DataRequired(),
                                                                  Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    pass_mark = IntegerField(_l("Pass mark (%)"), default=80,
                             validators=[InputRequired(), NumberRange(0, 100)])
    attempts = IntegerField(_l("Attempts allowed"), default=0,
                            validators=[InputRequired(), NumberRange(0, 100)],
                            description=_l("0: unlimited."))
    time_limit = IntegerField(_l("Time limit (minutes)"), default=0,
                              validators=[InputRequired(), NumberRange(0, 600)],
                              description=_l("0: no limit."))
    draw = IntegerField(_l("Questions per attempt"), default=0,
                        validators=[InputRequired(), NumberRange(0, 500)],
                        description=_l("Drawn at random from the questions below; 0: all."))
    shuffle = BooleanField(_l("Shuffle questions and choices"), default=True)
    feedback = SelectField(_l("Show answers and feedback"),
                           choices=[SelectChoice(m, FEEDBACK_LABELS[m]) for m in FEEDBACK_MODES])
    submit = SubmitField(_l("Save settings"))


class PublishForm(FlaskForm):
    """Publish the draft, saying what changed."""

    note = TextAreaField(_l("What changed"), validators=[DataRequired(), Length(max=500)],
                         description=_l("Shown in the version history, for example: "
                                        "“Corrected question 3; new lesson on VNeID”."))
    submit = SubmitField(_l("Publish"))


class ImportForm(FlaskForm):
    """Upload a .zip of course files."""

    archive = FileField(_l("A .zip of course folders, as the studio exports them"))
    submit = SubmitField(_l("Import as drafts"))


class GiftForm(FlaskForm):
    """Paste or upload questions in GIFT, look at them, then save them."""

    text = TextAreaField(_l("GIFT questions"), validators=[Length(max=1_000_000)])
    upload = FileField(_l("Or a .gift file"))
    lang = RadioField(_l("Language"), default="vi", choices=[
        SelectChoice("vi", _l("Vietnamese: new questions")),
        SelectChoice("en", _l("English: the English version of questions already here, "
                              "matched by ::name::"))])
    replace = BooleanField(_l("Replace every question of the quiz (Vietnamese only)"))
    confirmed = HiddenField()
    check = SubmitField(_l("Read the questions"))
    save = SubmitField(_l("Save these questions"))
