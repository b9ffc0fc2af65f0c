"""English for issue 13's mail intake (helper english4): the English of a message's reason is kept
beside the Chinese (InboundMessage.reason_en); the reasons themselves are written in both languages
by kesu.mailin.services and kesu.core.inbound (Said pairs), not through gettext."""

EN = {
    "说明（英文）": "Note (English)",
}
