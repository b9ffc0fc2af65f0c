"""English of the crisis folding (stop 25): a customer already in crisis is one crisis."""

EN = {
    "同一客户再次投诉，已并入本预警，未另行通知": "Same customer complained again: added to this alert, nobody alerted again",
}
