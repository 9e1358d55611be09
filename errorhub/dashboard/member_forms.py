"""Forms of the members, invitation and sign-up pages: validation only, services do the writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm

from errorhub.accounts.models import Organization, Role
from errorhub.accounts.selectors import organization_members


class InvitationForm(forms.Form):
    """Who to invite, as what, and (optionally) into which of the organisation's teams."""

    email = forms.EmailField(max_length=254, label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
    teams = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, help_text="Optional."
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = organization.teams.order_by("name")
        self.fields["teams"].label_from_instance = lambda team: team.name


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TeamMemberForm(forms.Form):
    """A member of the team's organisation, picked from a list (not a typed username)."""

    user = forms.ModelChoiceField(
        queryset=None,
        label="Member",
        error_messages={"invalid_choice": "Pick a member of this organisation.", "required": "Pick a member."},
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = organization_members(organization).order_by("username")


class SignupForm(UserCreationForm):
    """Username and password (twice, through Django's password validators) for the invited
    address; the address itself comes from the invitation and is not editable."""

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the similarity validator compares the password with the user's attributes, e-mail included
        self.instance.email = email
