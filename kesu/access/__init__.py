"""Least access to personal data (SPEC F12, issue 14): what a reader is shown of one complaint
(kesu.core.personal decides, the policy's ``personal_data`` section says), the reveal of a full
value with a reason, the throttled and logged phone lookup, and the admin kept for the system
administrators. docs/privacy.md "Who sees what"."""
