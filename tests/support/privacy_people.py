"""Known personal data: none of it may appear in stored or published bytes."""

APPLICANT = "Wang Xiaoming"
APPLICANT_ID = "110101199003071234"
NAMELESS_PARTY = "Li Sijia"
#: The market regulator's officer in the case tests' directory file.
OFFICER_NAME = "Inspector Example"
