"""English for the intelligence's second round (issue 17)."""

EN = {
    "处理进度": "Progress mark",
}
