"""servicekit's input rules as WTForms validators, so a form enforces the
rule db-api and ws enforce, with its messages, never a restated copy."""

from wtforms.validators import StopValidation

from servicekit.rules import RuleError, TextRule


class Follows:
    """Applies ``rule`` to the field: its checks, its message, and its
    normalisation (the field's data becomes the value as stored, trimmed if
    the rule trims). The browser gets the rule's lengths as attributes."""

    def __init__(self, rule: TextRule):
        self.rule = rule
        self.field_flags = {"required": True, "minlength": rule.min, "maxlength": rule.max}

    def __call__(self, form, field) -> None:
        try:
            field.data = self.rule.clean(field.data if field.data is not None else "")
        except RuleError as exc:
            raise StopValidation(exc.sentence) from None
